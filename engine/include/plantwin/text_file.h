#pragma once
/// Reading a text file that a scenario names (the scenario itself, a data or profile file) as
/// untrusted input: bounded in size, refusing directories, devices that never end and binary
/// data, with a sentence that says what was expected.

#include <cctype>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace plantwin::textfile {

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

/// A whole cell as a finite number (strtod's syntax, nothing after it), or false.
bool number(std::string_view cell, double* out);

/// `s` without leading and trailing white space.
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

/// One row of a comma-separated data file: its line number (from 1), its cells (trimmed), and
/// whether it is the first row that is neither blank nor a comment (a header may stand there).
struct CsvRow {
  int line = 0;
  std::vector<std::string_view> cells;
  bool first = false;
};

/// Calls `row` for every row of `text` in order, skipping blank lines and lines that begin with
/// `#`; stops early when `row` returns false. The one CSV reader of the scenario's data files
/// (empirical values, profiles).
void for_each_csv_row(std::string_view text, const std::function<bool(const CsvRow&)>& row);

}  // namespace plantwin::textfile
