#include "png.h"

#include <fstream>
#include <stdexcept>

#include <stb/stb_image_write.h>  // implemented in Debian's libstb

namespace plantwin::viewer {

void write_png(const std::string& path, int width, int height,
               const std::vector<std::uint8_t>& rgba) {
  if (width <= 0 || height <= 0 ||
      rgba.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4)
    throw std::runtime_error(path + ": the screenshot has no pixels");
  std::vector<std::uint8_t> out;
  const auto append = [](void* context, void* data, int size) {
    auto* bytes = static_cast<std::vector<std::uint8_t>*>(context);
    const auto* p = static_cast<const std::uint8_t*>(data);
    bytes->insert(bytes->end(), p, p + size);
  };
  if (!stbi_write_png_to_func(append, &out, width, height, 4, rgba.data(), width * 4))
    throw std::runtime_error(path + ": cannot encode the screenshot");
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
  if (!f) throw std::runtime_error(path + ": cannot write the screenshot");
}

}  // namespace plantwin::viewer
