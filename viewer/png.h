#pragma once
// The viewer's screenshots as PNG files (8-bit RGBA), encoded by stb_image_write.

#include <cstdint>
#include <string>
#include <vector>

namespace plantwin::viewer {

/// Writes `rgba` (width * height * 4 bytes, top row first). Throws std::runtime_error.
void write_png(const std::string& path, int width, int height,
               const std::vector<std::uint8_t>& rgba);

}  // namespace plantwin::viewer
