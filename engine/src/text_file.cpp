#include "text_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

namespace plantwin::detail {

std::optional<std::string> read_text_file(const std::string& path, std::size_t max_bytes,
                                          std::string_view what, std::string* why,
                                          bool regular_only) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    *why = "it does not exist";
    return std::nullopt;
  }
  if (fs::is_directory(st)) {
    *why = fmt::format("it is a directory, expected a file of {}", what);
    return std::nullopt;
  }
  if (regular_only && !fs::is_regular_file(st)) {
    *why =
        fmt::format("it is not a regular file (a device or a pipe), expected a file of {}", what);
    return std::nullopt;
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    *why = std::strerror(errno);
    return std::nullopt;
  }
  // Read in chunks up to the limit: a device such as /dev/zero or a pipe has no size to ask
  // for, and a NUL byte says at once that this is no text.
  std::string text;
  char buf[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f.get());
    if (n == 0) break;
    if (const void* nul = std::memchr(buf, '\0', n)) {
      const std::size_t at =
          text.size() + static_cast<std::size_t>(static_cast<const char*>(nul) - buf);
      *why = fmt::format("it holds binary data (a NUL byte at offset {}), expected {}", at, what);
      return std::nullopt;
    }
    if (text.size() + n > max_bytes) {
      *why = fmt::format("it is larger than {} MiB, expected {} of at most that size",
                         max_bytes >> 20, what);
      return std::nullopt;
    }
    text.append(buf, n);
  }
  if (std::ferror(f.get())) {
    *why = std::strerror(errno);
    return std::nullopt;
  }
  return text;
}

}  // namespace plantwin::detail
