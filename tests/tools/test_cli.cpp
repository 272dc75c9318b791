// The tools' argument parsing: shapes, numbers and the --preprocess SPEC syntax.
#include <doctest/doctest.h>

#include "common/cli.hpp"
#include "common/sha256.hpp"

#include <string>
#include <vector>

using namespace luodi_tools;

TEST_CASE("cli: shapes") {
  std::vector<std::int64_t> d;
  CHECK(parse_shape("1x3x224x224", &d).ok());
  CHECK(d == std::vector<std::int64_t>{1, 3, 224, 224});
  CHECK(parse_shape("7", &d).ok());
  CHECK(d == std::vector<std::int64_t>{7});
  CHECK(parse_shape("0x4", &d).ok());
  for (const char* bad : {"", "x", "1x", "x1", "1xx2", "1x-3", "1x3.5", "1x3x", "a", "1x2x3x4x5x6x7x8x9",
                          "99999999999999999999"})
    CHECK_MESSAGE(!parse_shape(bad, &d).ok(), bad);
}

TEST_CASE("cli: floats accept fractions, refuse junk") {
  float f = 0;
  CHECK(parse_float("1/255", &f));
  CHECK(f == doctest::Approx(1.0 / 255.0));
  CHECK(parse_float("-0.5", &f));
  CHECK(f == -0.5f);
  CHECK_FALSE(parse_float("1/0", &f));
  CHECK_FALSE(parse_float("nan", &f));
  CHECK_FALSE(parse_float("1e99", &f));
  CHECK_FALSE(parse_float("2x", &f));
}

TEST_CASE("cli: --preprocess presets and keys, left to right") {
  PreprocessArgs p;
  REQUIRE(parse_preprocess("imagenet,size=224x160", &p).ok());
  CHECK(p.width == 224);
  CHECK(p.height == 160);
  CHECK(p.order == 0);
  CHECK(p.normalize == 0);
  CHECK(p.mean[1] == 0.456f);
  CHECK(p.stddev[2] == 0.225f);
  REQUIRE(parse_preprocess("yolo,order=bgr,pad=0,align=topleft", &p).ok());
  CHECK(p.resize == 1);
  CHECK(p.order == 1);
  CHECK(p.pad == 0);
  CHECK(p.align == 1);
  CHECK(p.normalize == 1);
  CHECK(p.scale[0] == doctest::Approx(1.0 / 255.0));
  REQUIRE(parse_preprocess("mean=127.5,std=127.5,pixel_scale=1,layout=nhwc,interp=nearest,roi=10:20:300:200", &p).ok());
  CHECK(p.mean[2] == 127.5f);
  CHECK(p.layout == 2);
  CHECK(p.interp == 0);
  CHECK(p.roi[3] == 200);
  for (const char* bad : {"", "resnet", "size=0x3", "size=224", "resize=fit", "order=rgba", "pad=256", "mean=1:2",
                          "std=0", "roi=1:2:3", "roi=0:0:10:0", "colour=red", "pixel_scale=0"})
    CHECK_MESSAGE(!parse_preprocess(bad, &p).ok(), bad);
  // The message names the key and what was expected.
  Status s = parse_preprocess("imagenet,size=0x3", &p);
  CHECK(std::string(s.message()).find("size=\"0x3\": expected WxH") != std::string::npos);
}

TEST_CASE("sha256: FIPS 180-4 test vectors") {
  CHECK(sha256_hex("", 0) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc", 3) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(sha256_hex(two.data(), two.size()) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 h;  // a million 'a's, fed in uneven pieces
  const std::string chunk(997, 'a');
  std::size_t left = 1000000;
  while (left) {
    const std::size_t n = left < chunk.size() ? left : chunk.size();
    h.update(chunk.data(), n);
    left -= n;
  }
  CHECK(h.hex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
