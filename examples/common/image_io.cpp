// The one translation unit with the stb implementations (stb is header-only with an
// implementation switch; defining it in two places would duplicate every symbol).
#include "image_io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_HDR
#define STBI_NO_LINEAR
#define STBI_NO_PSD
#define STBI_NO_PIC
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

namespace examples {

luodi::Result<RgbImage> read_image(const char* path) {
  std::FILE* f = std::fopen(path, "rb");
  if (f == nullptr)
    return luodi::Status::error(errno == ENOENT ? luodi::StatusCode::NotFound : luodi::StatusCode::IoError,
                                "image \"%s\" cannot be opened: %s", path, std::strerror(errno));
  int w = 0, h = 0, comp = 0;
  if (!stbi_info_from_file(f, &w, &h, &comp)) {
    const char* why = stbi_failure_reason();
    std::fclose(f);
    return luodi::Status::error(luodi::StatusCode::ParseError, "image \"%s\" is not a readable image (%s)", path,
                                why ? why : "unknown format");
  }
  if (w < 1 || h < 1 || w > luodi::kMaxImageDim || h > luodi::kMaxImageDim ||
      static_cast<long long>(w) * h > kMaxDecodePixels) {
    std::fclose(f);
    return luodi::Status::error(luodi::StatusCode::OutOfRange,
                                "image \"%s\" is %dx%d; the examples read up to %d pixels a side and %lld Mpixel", path,
                                w, h, luodi::kMaxImageDim, kMaxDecodePixels >> 20);
  }
  unsigned char* data = stbi_load_from_file(f, &w, &h, &comp, 3);
  std::fclose(f);
  if (data == nullptr) {
    const char* why = stbi_failure_reason();
    return luodi::Status::error(luodi::StatusCode::ParseError, "image \"%s\" cannot be decoded (%s)", path,
                                why ? why : "corrupt data");
  }
  RgbImage img;
  img.width = w;
  img.height = h;
  img.pixels.assign(data, data + static_cast<std::size_t>(w) * h * 3);
  stbi_image_free(data);
  return img;
}

luodi::Status write_png(const char* path, const RgbImage& img) {
  if (img.width < 1 || img.height < 1 || img.pixels.size() != static_cast<std::size_t>(img.width) * img.height * 3)
    return luodi::Status::error(luodi::StatusCode::InvalidArgument, "write_png \"%s\": the image is empty or malformed",
                                path);
  if (!stbi_write_png(path, img.width, img.height, 3, img.pixels.data(), img.width * 3))
    return luodi::Status::error(luodi::StatusCode::IoError, "cannot write \"%s\"", path);
  return luodi::Status();
}

}  // namespace examples
