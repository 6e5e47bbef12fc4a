#pragma once
// Reading a text file that a scenario names (the scenario itself, a data or profile file) as
// untrusted input: bounded in size, refusing directories, devices that never end and binary
// data, with a sentence that says what was expected.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace plantwin::detail {

/// Largest data file (empirical values, profiles) read (bytes).
inline constexpr std::size_t kMaxDataFileBytes = std::size_t{64} << 20;

/// The whole text of `path`, or nullopt with `why` set to the reason, a phrase that follows
/// "cannot read ...: " ("it is a directory, expected ...", "it does not exist").
/// `what` names what the file should hold, e.g. "a scenario (YAML text)".
/// With `regular_only`, anything but a regular file (a device, a pipe) is refused: a file that
/// a scenario names must not block the run waiting for input. A file named on the command
/// line may be a pipe ("plantwin run <(generate)").
std::optional<std::string> read_text_file(const std::string& path, std::size_t max_bytes,
                                          std::string_view what, std::string* why,
                                          bool regular_only = true);

}  // namespace plantwin::detail
