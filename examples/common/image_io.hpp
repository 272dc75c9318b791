// Reading and writing image files for the examples: stb_image / stb_image_write (Debian's
// libstb-dev) behind luodi::Status. The stb implementations are compiled once, in image_io.cpp.
#pragma once

#include <cstdint>
#include <vector>

#include <luodi/core/status.hpp>
#include <luodi/image/view.hpp>

namespace examples {

// A decoded image in memory, packed RGB (3 bytes per pixel, no row padding).
struct RgbImage {
  std::vector<std::uint8_t> pixels;
  int width = 0;
  int height = 0;

  luodi::ImageView view() const { return {pixels.data(), width, height, width * 3, luodi::PixelFormat::RGB}; }
  luodi::MutableImageView mutable_view() { return {pixels.data(), width, height, width * 3, luodi::PixelFormat::RGB}; }
};

// The largest image the examples decode: 64 Mpixel, and each side within luodi's image limit.
// A corrupt or hostile header cannot make us allocate more than this.
inline constexpr long long kMaxDecodePixels = 64ll << 20;

// JPEG, PNG, BMP, PNM, TGA or GIF (first frame) to RGB. Errors: NotFound (cannot open), IoError,
// ParseError (not an image, or corrupt; stb's reason is in the message), OutOfRange (too large).
luodi::Result<RgbImage> read_image(const char* path);

// Write an RGB image as PNG.
luodi::Status write_png(const char* path, const RgbImage& img);

}  // namespace examples
