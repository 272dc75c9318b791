// Command-line helpers shared by luodi's tools: NAME=VALUE splitting, shapes like
// "1x3x224x224", numbers, and the --preprocess SPEC syntax.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <luodi/core/status.hpp>

namespace luodi_tools {

using luodi::Status;
using luodi::StatusCode;

// Splits "NAME=VALUE" at the last '=' (names may not contain '=', file names might).
inline bool split_name_value(const std::string& s, std::string* name, std::string* value) {
  const std::size_t eq = s.find('=');
  if (eq == std::string::npos) return false;
  *name = s.substr(0, eq);
  *value = s.substr(eq + 1);
  return true;
}

inline bool parse_int64(const std::string& s, std::int64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end == s.c_str() || *end != '\0') return false;
  *out = v;
  return true;
}

// A float, or a fraction "1/255".
inline bool parse_float(const std::string& s, float* out) {
  const std::size_t slash = s.find('/');
  if (slash != std::string::npos) {
    float a, b;
    if (!parse_float(s.substr(0, slash), &a) || !parse_float(s.substr(slash + 1), &b) || b == 0.f) return false;
    *out = a / b;
    return true;
  }
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const float v = std::strtof(s.c_str(), &end);
  if (errno != 0 || end == s.c_str() || *end != '\0' || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

// "1x3x224x224" -> {1, 3, 224, 224}; every dim >= 0 (0 is allowed: empty tensors exist).
inline Status parse_shape(const std::string& s, std::vector<std::int64_t>* dims) {
  dims->clear();
  if (s.empty()) return Status(StatusCode::InvalidArgument, "empty shape");
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t x = s.find('x', start);
    if (x == std::string::npos) x = s.size();
    std::int64_t d;
    if (!parse_int64(s.substr(start, x - start), &d) || d < 0)
      return Status::error(StatusCode::InvalidArgument, "shape \"%s\": \"%s\" is not a dimension (use e.g. 1x3x224x224)",
                           s.c_str(), s.substr(start, x - start).c_str());
    dims->push_back(d);
    if (dims->size() > 8) return Status::error(StatusCode::InvalidArgument, "shape \"%s\" has more than 8 dims", s.c_str());
    start = x + 1;
    if (x == s.size()) break;
  }
  return Status();
}

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

// ---- --preprocess SPEC ----------------------------------------------------------------------
//
// A comma-separated list of presets and key=value pairs, applied left to right:
//
//   presets    imagenet   RGB, stretch, linear, NCHW, mean 0.485:0.456:0.406, std 0.229:0.224:0.225
//              ppocr      BGR, stretch, linear, NCHW, mean 0.5:0.5:0.5, std 0.5:0.5:0.5
//              yolo       RGB, letterbox centred, pad 114, linear, NCHW, scale 1/255, offset 0
//   size=WxH            the tensor's width and height (default: the model input's H and W)
//   resize=stretch|letterbox|crop        crop is the centre crop after an aspect-keeping resize
//   align=center|topleft                 letterbox placement
//   order=rgb|bgr|gray                   the channel order the model expects
//   interp=linear|nearest
//   layout=nchw|nhwc
//   pad=0..255                           letterbox fill, in source pixel units
//   roi=X:Y:W:H                          a fixed source rectangle (default: the whole image)
//   pixel_scale=F                        mean/std mode: out = (v * pixel_scale - mean) / std
//   mean=A:B:C   std=A:B:C               (one value applies to all channels)
//   scale=A:B:C  offset=A:B:C            scale/offset mode: out = v * scale + offset
//
// e.g. --preprocess imagenet,size=224x224    --preprocess yolo,size=640x640,order=bgr
// The fields mirror image::PreprocessSpec (luodi/image/preprocess.hpp), which stores them.
struct PreprocessArgs {
  bool given = false;
  int width = 0, height = 0;  // 0: from the model's input
  int resize = 0;             // 0 stretch, 1 letterbox, 2 center crop (image::ResizeMode)
  int align = 0;              // 0 center, 1 top-left
  int order = 0;              // 0 RGB, 1 BGR, 2 gray
  int interp = 1;             // image::Interp: 0 nearest, 1 linear
  int normalize = 0;          // 0 mean/std, 1 scale/offset
  int layout = 1;             // luodi::Layout: 1 NCHW, 2 NHWC
  int pad = 114;
  int roi[4] = {0, 0, 0, 0};
  float pixel_scale = 1.0f / 255.0f;
  float mean[3] = {0.f, 0.f, 0.f};
  float stddev[3] = {1.f, 1.f, 1.f};
  float scale[3] = {1.0f / 255.0f, 1.0f / 255.0f, 1.0f / 255.0f};
  float offset[3] = {0.f, 0.f, 0.f};
};

namespace detail {
inline bool parse_triple(const std::string& v, float out[3]) {
  const std::vector<std::string> parts = split(v, ':');
  if (parts.size() != 1 && parts.size() != 3) return false;
  for (int c = 0; c < 3; ++c)
    if (!parse_float(parts[parts.size() == 1 ? 0 : static_cast<std::size_t>(c)], &out[c])) return false;
  return true;
}
}  // namespace detail

inline Status parse_preprocess(const std::string& spec, PreprocessArgs* p) {
  *p = PreprocessArgs();
  p->given = true;
  p->mean[0] = p->mean[1] = p->mean[2] = 0.f;
  bool any = false;
  for (const std::string& item : split(spec, ',')) {
    if (item.empty()) continue;
    any = true;
    std::string k, v;
    if (!split_name_value(item, &k, &v)) {
      if (item == "imagenet") {
        p->order = 0, p->resize = 0, p->normalize = 0, p->pixel_scale = 1.0f / 255.0f;
        const float m[3] = {0.485f, 0.456f, 0.406f}, s[3] = {0.229f, 0.224f, 0.225f};
        std::memcpy(p->mean, m, sizeof m);
        std::memcpy(p->stddev, s, sizeof s);
      } else if (item == "ppocr") {
        p->order = 1, p->resize = 0, p->normalize = 0, p->pixel_scale = 1.0f / 255.0f;
        for (int c = 0; c < 3; ++c) p->mean[c] = 0.5f, p->stddev[c] = 0.5f;
      } else if (item == "yolo") {
        p->order = 0, p->resize = 1, p->align = 0, p->pad = 114, p->normalize = 1;
        for (int c = 0; c < 3; ++c) p->scale[c] = 1.0f / 255.0f, p->offset[c] = 0.f;
      } else {
        return Status::error(StatusCode::InvalidArgument,
                             "--preprocess: \"%s\" is neither a preset (imagenet, ppocr, yolo) nor key=value", item.c_str());
      }
      continue;
    }
    auto bad = [&](const char* want) {
      return Status::error(StatusCode::InvalidArgument, "--preprocess: %s=\"%s\": expected %s", k.c_str(), v.c_str(), want);
    };
    if (k == "size") {
      std::vector<std::int64_t> d;
      if (!parse_shape(v, &d).ok() || d.size() != 2 || d[0] < 1 || d[1] < 1 || d[0] > 65535 || d[1] > 65535)
        return bad("WxH, e.g. 224x224");
      p->width = static_cast<int>(d[0]);
      p->height = static_cast<int>(d[1]);
    } else if (k == "resize") {
      if (v == "stretch") p->resize = 0;
      else if (v == "letterbox") p->resize = 1;
      else if (v == "crop" || v == "center_crop") p->resize = 2;
      else return bad("stretch, letterbox or crop");
    } else if (k == "align") {
      if (v == "center") p->align = 0;
      else if (v == "topleft") p->align = 1;
      else return bad("center or topleft");
    } else if (k == "order") {
      if (v == "rgb") p->order = 0;
      else if (v == "bgr") p->order = 1;
      else if (v == "gray") p->order = 2;
      else return bad("rgb, bgr or gray");
    } else if (k == "interp") {
      if (v == "nearest") p->interp = 0;
      else if (v == "linear") p->interp = 1;
      else return bad("linear or nearest");
    } else if (k == "layout") {
      if (v == "nchw") p->layout = 1;
      else if (v == "nhwc") p->layout = 2;
      else return bad("nchw or nhwc");
    } else if (k == "pad") {
      std::int64_t x;
      if (!parse_int64(v, &x) || x < 0 || x > 255) return bad("an integer 0..255");
      p->pad = static_cast<int>(x);
    } else if (k == "roi") {
      const std::vector<std::string> parts = split(v, ':');
      if (parts.size() != 4) return bad("X:Y:W:H");
      for (int i = 0; i < 4; ++i) {
        std::int64_t x;
        if (!parse_int64(parts[static_cast<std::size_t>(i)], &x) || x < 0 || x > 1000000) return bad("X:Y:W:H");
        p->roi[i] = static_cast<int>(x);
      }
      if ((p->roi[2] == 0) != (p->roi[3] == 0)) return bad("W and H both > 0 (or both 0 for the whole image)");
    } else if (k == "pixel_scale") {
      if (!parse_float(v, &p->pixel_scale) || p->pixel_scale == 0.f) return bad("a non-zero number, e.g. 1/255");
      p->normalize = 0;
    } else if (k == "mean") {
      if (!detail::parse_triple(v, p->mean)) return bad("A:B:C or one number");
      p->normalize = 0;
    } else if (k == "std") {
      if (!detail::parse_triple(v, p->stddev)) return bad("A:B:C or one number");
      for (float s : p->stddev)
        if (s == 0.f) return bad("non-zero standard deviations");
      p->normalize = 0;
    } else if (k == "scale") {
      if (!detail::parse_triple(v, p->scale)) return bad("A:B:C or one number");
      p->normalize = 1;
    } else if (k == "offset") {
      if (!detail::parse_triple(v, p->offset)) return bad("A:B:C or one number");
      p->normalize = 1;
    } else {
      return Status::error(StatusCode::InvalidArgument,
                           "--preprocess: unknown key \"%s\" (size, resize, align, order, interp, layout, pad, roi, "
                           "pixel_scale, mean, std, scale, offset)",
                           k.c_str());
    }
  }
  if (!any) return Status(StatusCode::InvalidArgument, "--preprocess: empty spec");
  return Status();
}

}  // namespace luodi_tools
