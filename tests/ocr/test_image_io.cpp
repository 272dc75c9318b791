// The examples' image reading: a missing, corrupt, truncated or oversized file is a named
// error, never a crash; a real file decodes to the right size; PNG writing round-trips.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "../../examples/common/image_io.hpp"

namespace {
std::string scratch(const char* name) { return std::string(LUODI_OCR_SCRATCH_DIR) + "/" + name; }
void write_bytes(const std::string& path, const std::vector<unsigned char>& b) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  std::fwrite(b.data(), 1, b.size(), f);
  std::fclose(f);
}
std::vector<unsigned char> read_bytes(const std::string& path) {
  std::vector<unsigned char> b;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  int c;
  while ((c = std::fgetc(f)) != EOF) b.push_back(static_cast<unsigned char>(c));
  std::fclose(f);
  return b;
}
}  // namespace

TEST_CASE("read_image: a bundled JPEG decodes to its size") {
  auto img = examples::read_image(LUODI_OCR_DATA_DIR "/receipt_en.jpg");
  REQUIRE_MESSAGE(img.ok(), img.status().message());
  CHECK(img->width == 640);
  CHECK(img->height == 360);
  CHECK(img->pixels.size() == 640u * 360u * 3u);
}

TEST_CASE("read_image: bad files are named errors") {
  CHECK(examples::read_image("/nonexistent/photo.jpg").status() == luodi::StatusCode::NotFound);

  const std::string garbage = scratch("garbage.jpg");
  write_bytes(garbage, std::vector<unsigned char>(300, 0x5a));
  auto g = examples::read_image(garbage.c_str());
  CHECK(g.status() == luodi::StatusCode::ParseError);
  CHECK(std::string(g.status().message()).find("garbage.jpg") != std::string::npos);

  // A real JPEG cut after its headers: the size is known, the data is not there.
  const auto jpeg = read_bytes(LUODI_OCR_DATA_DIR "/receipt_en.jpg");
  const std::string cut = scratch("cut.jpg");
  write_bytes(cut, std::vector<unsigned char>(jpeg.begin(), jpeg.begin() + 200));
  CHECK(examples::read_image(cut.c_str()).status() == luodi::StatusCode::ParseError);

  // PNG headers that claim more than the examples read: refused before anything is allocated.
  auto png_header = [](unsigned w, unsigned h) {
    return std::vector<unsigned char>{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                      static_cast<unsigned char>(w >> 24), static_cast<unsigned char>(w >> 16),
                                      static_cast<unsigned char>(w >> 8), static_cast<unsigned char>(w),
                                      static_cast<unsigned char>(h >> 24), static_cast<unsigned char>(h >> 16),
                                      static_cast<unsigned char>(h >> 8), static_cast<unsigned char>(h),
                                      8, 2, 0, 0, 0, 0, 0, 0, 0};
  };
  const std::string wide = scratch("wide.png");  // a side beyond luodi's 32767
  write_bytes(wide, png_header(40000, 100));
  CHECK(examples::read_image(wide.c_str()).status() == luodi::StatusCode::OutOfRange);
  const std::string big = scratch("big.png");  // 90 Mpixel, beyond the examples' 64
  write_bytes(big, png_header(10000, 9000));
  CHECK(examples::read_image(big.c_str()).status() == luodi::StatusCode::OutOfRange);

  // An empty file.
  const std::string empty = scratch("empty.png");
  write_bytes(empty, {});
  CHECK(examples::read_image(empty.c_str()).status() == luodi::StatusCode::ParseError);
}

TEST_CASE("write_png and read_image round-trip exactly") {
  examples::RgbImage img;
  img.width = 7;
  img.height = 5;
  for (int i = 0; i < 7 * 5 * 3; ++i) img.pixels.push_back(static_cast<std::uint8_t>(i * 37 + 11));
  const std::string path = scratch("roundtrip.png");
  REQUIRE(examples::write_png(path.c_str(), img).ok());
  auto back = examples::read_image(path.c_str());
  REQUIRE(back.ok());
  CHECK(back->width == 7);
  CHECK(back->height == 5);
  CHECK(back->pixels == img.pixels);
  CHECK(examples::write_png("/nonexistent/dir/x.png", img) == luodi::StatusCode::IoError);
}
