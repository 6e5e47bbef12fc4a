#include "plantwin/text_file.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

namespace plantwin::textfile {

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

void for_each_csv_row(std::string_view text, const std::function<bool(const CsvRow&)>& row) {
  CsvRow r;
  bool seen = false;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    ++r.line;
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    const std::string_view l = trim(line);
    if (l.empty() || l.front() == '#') continue;
    r.first = !seen;
    seen = true;
    r.cells.clear();
    std::size_t start = 0;
    for (;;) {
      const auto comma = l.find(',', start);
      r.cells.push_back(trim(l.substr(start, comma - start)));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (!row(r)) return;
  }
}

bool number(std::string_view cell, double* out) {
  const std::string s(cell);
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end != s.c_str() && *end == '\0' && std::isfinite(*out);
}

}  // namespace plantwin::textfile
