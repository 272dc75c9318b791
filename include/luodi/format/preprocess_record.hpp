// The PREPROCESS section of a .luodi file: image::PreprocessSpec, field by field, little-endian.
//
// Version 1 (88 bytes; the struct's own layout, written explicitly so that no compiler padding
// or host byte order can change it):
//   off size field                off size field
//     0    4 version (1)            20   16 roi: x, y, width, height (int32 each)
//     4    4 width  (int32)          36    4 pixel_scale (f32)
//     8    4 height (int32)          40   12 mean[3] (f32)
//    12    1 resize (ResizeMode)     52   12 stddev[3] (f32)
//    13    1 align (LetterboxAlign)  64   12 scale[3] (f32)
//    14    1 order (ChannelOrder)    76   12 offset[3] (f32)
//    15    1 interp (image::Interp)
//    16    1 normalize (NormalizeMode)
//    17    1 layout (Layout: 1 NCHW, 2 NHWC)
//    18    1 pad_value (u8)
//    19    1 reserved (0)
// A later PreprocessSpec version appends fields and raises `version`; a reader refuses versions
// it does not know (UnsupportedVersion), since a preprocessing contract read wrongly would
// silently feed the model wrong inputs.
#pragma once

#include <cstdint>

#include "../core/status.hpp"
#include "../image/preprocess.hpp"
#include "spec.hpp"

#if LUODI_HAS_FILESYSTEM
#include <vector>
#endif

namespace luodi {
namespace format {

inline constexpr std::size_t kPreprocessRecordV1Size = 88;

inline void encode_preprocess(const PreprocessSpec& s, std::uint8_t* out) noexcept {
  le::put32(out + 0, s.version);
  le::puti32(out + 4, s.width);
  le::puti32(out + 8, s.height);
  out[12] = static_cast<std::uint8_t>(s.resize);
  out[13] = static_cast<std::uint8_t>(s.align);
  out[14] = static_cast<std::uint8_t>(s.order);
  out[15] = static_cast<std::uint8_t>(s.interp);
  out[16] = static_cast<std::uint8_t>(s.normalize);
  out[17] = static_cast<std::uint8_t>(s.layout);
  out[18] = s.pad_value;
  out[19] = 0;
  le::puti32(out + 20, s.roi.x);
  le::puti32(out + 24, s.roi.y);
  le::puti32(out + 28, s.roi.width);
  le::puti32(out + 32, s.roi.height);
  le::putf32(out + 36, s.pixel_scale);
  for (int c = 0; c < 3; ++c) {
    le::putf32(out + 40 + 4 * c, s.mean[c]);
    le::putf32(out + 52 + 4 * c, s.stddev[c]);
    le::putf32(out + 64 + 4 * c, s.scale[c]);
    le::putf32(out + 76 + 4 * c, s.offset[c]);
  }
}

// Decode and validate (PreprocessSpec::validate) a record of `size` bytes.
inline Status decode_preprocess(const std::uint8_t* p, std::uint64_t size, PreprocessSpec* out) noexcept {
  if (size < 4) return Status::error(StatusCode::Truncated, "PREPROCESS: %llu bytes; the record starts with a 4-byte version",
                                     static_cast<unsigned long long>(size));
  const std::uint32_t version = le::u32(p);
  if (version != 1)
    return Status::error(StatusCode::UnsupportedVersion, "PREPROCESS: preprocessing record version %u; this build reads 1",
                         static_cast<unsigned>(version));
  if (size < kPreprocessRecordV1Size)
    return Status::error(StatusCode::Truncated, "PREPROCESS: %llu bytes; a version 1 record has %zu",
                         static_cast<unsigned long long>(size), kPreprocessRecordV1Size);
  PreprocessSpec s;
  s.version = version;
  s.width = le::i32(p + 4);
  s.height = le::i32(p + 8);
  s.resize = static_cast<ResizeMode>(p[12]);
  s.align = static_cast<LetterboxAlign>(p[13]);
  s.order = static_cast<ChannelOrder>(p[14]);
  s.interp = static_cast<image::Interp>(p[15]);
  s.normalize = static_cast<NormalizeMode>(p[16]);
  s.layout = static_cast<Layout>(p[17]);
  s.pad_value = p[18];
  s.roi = PreprocessRoi{le::i32(p + 20), le::i32(p + 24), le::i32(p + 28), le::i32(p + 32)};
  s.pixel_scale = le::f32(p + 36);
  for (int c = 0; c < 3; ++c) {
    s.mean[c] = le::f32(p + 40 + 4 * c);
    s.stddev[c] = le::f32(p + 52 + 4 * c);
    s.scale[c] = le::f32(p + 64 + 4 * c);
    s.offset[c] = le::f32(p + 76 + 4 * c);
  }
  // Enum bytes beyond their values are caught here, before any cast value is used.
  Status v = s.validate();
  if (!v.ok()) return v.prepend("PREPROCESS: ");
  *out = s;
  return Status();
}

#if LUODI_HAS_FILESYSTEM
// The bytes for graph::Metadata::preprocess (converter side).
inline std::vector<std::uint8_t> preprocess_bytes(const PreprocessSpec& s) {
  std::vector<std::uint8_t> b(kPreprocessRecordV1Size);
  encode_preprocess(s, b.data());
  return b;
}
#endif

}  // namespace format
}  // namespace luodi
