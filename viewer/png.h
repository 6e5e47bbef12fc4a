#pragma once
// A small PNG writer (8-bit RGBA, zlib-compressed) for the viewer's screenshots.

#include <cstdint>
#include <string>
#include <vector>

namespace plantwin::viewer {

/// Writes `rgba` (width * height * 4 bytes, top row first). Throws std::runtime_error.
void write_png(const std::string& path, int width, int height,
               const std::vector<std::uint8_t>& rgba);

}  // namespace plantwin::viewer
