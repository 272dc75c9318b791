// The PP-OCR pipeline on luodi: detection (PP-OCRv4 det, DB), direction classification
// (PP-OCR mobile v2.0 cls) and recognition (PP-OCRv4 rec, CTC), from a decoded image to text
// lines with boxes.
//
//   image --preprocess--> det --db_postprocess--> boxes --map back--> quads (reading order)
//     each quad --warp_affine--> 48 x 192 crop --> cls: upside down? then read the quad reversed
//     each quad --warp_affine--> 48 x W crop --> rec --> CTC decode --> text
//
// The models' contracts (PaddleOCR's published inference defaults for these models):
//   det  input 1x3xHxW, BGR, (v/255 - mean) / std with mean 0.485 0.456 0.406 and std 0.229
//        0.224 0.225 in that (B, G, R) order, the image resized so that its longer side is at
//        most 960 and each side is a multiple of 32 (each side rounded on its own, so the aspect
//        changes slightly; the transform keeps x and y scales apart); output 1x1xHxW
//        probabilities.
//   cls  input 1x3x48x192 (one line per run), BGR, v/127.5 - 1; the crop is 48 high and min(192, ceil(48 w/h))
//        wide, zero (the normalised mid-grey) to the right; output 1x2: P(0 deg), P(180 deg).
//        A line is turned when P(180) > 0.9.
//   rec  input 1x3x48xW, same normalisation; the crop is ceil(48 w/h) wide and the tensor at
//        least 320 wide (PaddleOCR pads short lines to 320; here the width is also rounded up
//        to a multiple of 32 so that a session re-plans for a few widths only); output
//        1x(W/8)x6625 class probabilities for CTC.
// Lines whose recognition score is below drop_score (0.5) are dropped, as PaddleOCR does.
// Options::det_spec and line_spec hold the channel order and normalisation; a .luodi model that
// carries its own preprocessing contract should be run with that one.
//
// Crops are one affine warp from the image straight to the network's 48-pixel height (the
// quad's corners to the crop's corners, bilinear, edge pixels replicated), then luodi's fused
// preprocess for the order and normalisation; PaddleOCR instead cuts at full resolution with a
// perspective warp and resizes, which is two resamplings where one will do.
//
// The networks run behind `Backend`, so the same pipeline runs on luodi's runtime
// (luodi_backend.hpp) and, in the tests, on ONNX Runtime as the independent reference.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include <luodi/core/status.hpp>
#include <luodi/core/tensor.hpp>
#include <luodi/image.hpp>

#include "ctc.hpp"
#include "db_postprocess.hpp"
#include "geometry.hpp"

namespace ocr {

enum class Stage : int { Det = 0, Cls = 1, Rec = 2 };
inline constexpr int kNumStages = 3;
inline const char* stage_name(Stage s) {
  switch (s) {
    case Stage::Det: return "det";
    case Stage::Cls: return "cls";
    case Stage::Rec: return "rec";
  }
  return "?";
}

// The three networks. input() binds the input shape (re-planning when it changed) and returns
// the tensor to fill; run() runs; output() is valid until the next input() of that stage.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual luodi::Result<luodi::TensorView<float>> input(Stage s, const luodi::Shape& shape) = 0;
  virtual luodi::Status run(Stage s) = 0;
  virtual luodi::TensorView<const float> output(Stage s) = 0;
};

// PaddleOCR's det contract: BGR, (v/255 - mean) / std with ImageNet's mean and std in B, G, R
// order, bilinear stretch (the size is set per image).
inline luodi::PreprocessSpec ppocr_det_spec() {
  luodi::PreprocessSpec s;
  s.order = luodi::ChannelOrder::BGR;
  s.resize = luodi::ResizeMode::Stretch;
  s.interp = luodi::image::Interp::Linear;
  s.layout = luodi::Layout::NCHW;
  s.normalize = luodi::NormalizeMode::MeanStd;
  s.pixel_scale = 1.0f / 255.0f;
  const float mean[3] = {0.485f, 0.456f, 0.406f}, stddev[3] = {0.229f, 0.224f, 0.225f};
  for (int c = 0; c < 3; ++c) s.mean[c] = mean[c], s.stddev[c] = stddev[c];
  return s;
}

// PaddleOCR's cls and rec contract: BGR, v/127.5 - 1 (mean 0.5, std 0.5 on v/255).
inline luodi::PreprocessSpec ppocr_line_spec() {
  luodi::PreprocessSpec s = ppocr_det_spec();
  for (int c = 0; c < 3; ++c) s.mean[c] = 0.5f, s.stddev[c] = 0.5f;
  return s;
}

struct Options {
  // Channel order and normalisation of the det input, and of the cls/rec line crops (their
  // sizes are chosen per image and per line). A model that stores its own contract should
  // pass it here.
  luodi::PreprocessSpec det_spec = ppocr_det_spec();
  luodi::PreprocessSpec line_spec = ppocr_line_spec();
  int det_max_side = 960;  // longer side limit of the det input (PaddleOCR det_limit_side_len)
  DbParams db;
  bool use_cls = true;
  float cls_thresh = 0.9f;
  int cls_width = 192;
  int rec_height = 48;
  int rec_min_width = 320;
  int rec_width_step = 32;
  int rec_max_width = 4096;  // a crop wider than this is squeezed (an 85:1 line)
  float drop_score = 0.5f;
};

struct TextLine {
  Quad box;                 // image coordinates, reading order (as read, after any 180 turn)
  std::string text;
  float score = 0.0f;       // recognition: mean probability of the kept CTC steps
  float box_score = 0.0f;   // detection: mean probability inside the box
  bool turned = false;      // the classifier said 180 degrees
  float cls_score = 0.0f;   // the classifier's probability for its choice
};

// Milliseconds per stage of one image. `prepare` is the time the backend spent binding new input
// shapes (a luodi Session re-plans for each new det size and rec width); the stage times
// exclude it.
struct Timings {
  double prepare = 0, det_pre = 0, det_run = 0, det_post = 0, cls = 0, rec = 0, total = 0;
};

struct PageResult {
  std::vector<TextLine> lines;
  int det_width = 0, det_height = 0;  // the det input size
  int boxes = 0;                      // text boxes found (before recognition)
  int dropped = 0;                    // lines below drop_score
  DbStats db;
  Timings ms;
};

// The det input size for an image: the longer side at most max_side, then each side rounded to
// the nearest multiple of 32 (at least 32).
inline void det_input_size(int w, int h, int max_side, int* dw, int* dh) {
  double r = 1.0;
  if (std::max(w, h) > max_side) r = static_cast<double>(max_side) / std::max(w, h);
  *dw = std::max(32, static_cast<int>(std::lround(w * r / 32.0)) * 32);
  *dh = std::max(32, static_cast<int>(std::lround(h * r / 32.0)) * 32);
}

// The affine map (src -> dst, pixel-index coordinates as luodi::image::warp_affine takes it)
// that sends the quad's tl, tr, bl to the crop's corners (0, 0), (w, 0), (0, h) in continuous
// coordinates. Returns false for a degenerate quad.
inline bool crop_matrix(const Quad& q, int w, int h, float m[6]) {
  // src_c = tl + A dst_c, A = [(tr - tl) / w, (bl - tl) / h]; index = continuous - 0.5
  const Point ex = (q.p[1] - q.p[0]) * (1.0 / w), ey = (q.p[3] - q.p[0]) * (1.0 / h);
  const double det = ex.x * ey.y - ey.x * ex.y;
  if (!(std::fabs(det) > 1e-12)) return false;
  // dst_c = A^-1 (src_c - tl)
  const double i00 = ey.y / det, i01 = -ey.x / det, i10 = -ex.y / det, i11 = ex.x / det;
  // dst_i = dst_c - 0.5 = A^-1 (src_i + 0.5 - tl) - 0.5
  const double tx = q.p[0].x - 0.5, ty = q.p[0].y - 0.5;
  m[0] = static_cast<float>(i00);
  m[1] = static_cast<float>(i01);
  m[2] = static_cast<float>(-(i00 * tx + i01 * ty) - 0.5);
  m[3] = static_cast<float>(i10);
  m[4] = static_cast<float>(i11);
  m[5] = static_cast<float>(-(i10 * tx + i11 * ty) - 0.5);
  return true;
}

// Cut the quad out of the image into `crop_w` x `h` pixels (scratch is resized to hold them),
// and write it in the channel order and normalisation of `spec` (its size, resize mode and
// layout are ignored: NCHW, no resize) into the first crop_w columns of `out` ([1, 3, h, W] with
// W >= crop_w); the remaining columns are set to 0 (PaddleOCR's padding).
inline luodi::Status crop_to_tensor(const luodi::ImageView& img, const Quad& q, int crop_w, int h,
                                    const luodi::PreprocessSpec& spec, const luodi::TensorView<float>& out,
                                    std::vector<std::uint8_t>& scratch) {
  const std::int64_t W = out.shape[3];
  if (out.rank() != 4 || out.shape[0] != 1 || out.shape[1] != 3 || out.shape[2] != h || W < crop_w || !out.is_contiguous())
    return luodi::Status::error(luodi::StatusCode::ShapeMismatch, "crop: tensor %s cannot hold a 3x%dx%d crop",
                                out.shape.str().c_str(), h, crop_w);
  float m[6];
  if (!crop_matrix(q, crop_w, h, m))
    return luodi::Status(luodi::StatusCode::InvalidArgument, "crop: the text box is degenerate");
  scratch.resize(static_cast<std::size_t>(crop_w) * h * 3);
  const luodi::MutableImageView crop{scratch.data(), crop_w, h, crop_w * 3, img.format};
  LUODI_RETURN_IF_ERROR(luodi::image::warp_affine(img, crop, m, luodi::image::Interp::Linear,
                                                  luodi::image::Border::Replicate, 0));
  // The normalisation and the plane layout through luodi's fused pass (an identity resize
  // here): the tensor view covers the first crop_w columns of each row of `out`.
  luodi::PreprocessSpec s = spec;
  s.width = crop_w;
  s.height = h;
  s.resize = luodi::ResizeMode::Stretch;
  s.layout = luodi::Layout::NCHW;
  s.roi = luodi::PreprocessRoi{0, 0, 0, 0};
  if (s.channels() != 3)
    return luodi::Status(luodi::StatusCode::Unsupported, "crop: the line models take 3 channels (RGB or BGR)");
  const luodi::TensorView<float> part(out.data, luodi::Shape{1, 3, h, crop_w}, out.strides, luodi::Layout::NCHW);
  LUODI_RETURN_IF_ERROR(luodi::preprocess(crop, s, part).status());
  if (W > crop_w)
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < h; ++y) {
        float* row = out.data + (static_cast<std::int64_t>(c) * h + y) * W;
        std::fill(row + crop_w, row + W, 0.0f);
      }
  return luodi::Status();
}

class Pipeline {
 public:
  Pipeline(Backend& backend, const Dictionary& dict, const Options& opt = {})
      : backend_(backend), dict_(dict), opt_(opt) {}

  luodi::Result<PageResult> run(const luodi::ImageView& img) {
    using clock = std::chrono::steady_clock;
    auto ms_since = [](clock::time_point t0) {
      return std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    };
    const auto t_start = clock::now();
    PageResult res;
    // backend_.input(), timed on its own: a stage's time is its elapsed time less this.
    auto bind = [&](Stage s, const luodi::Shape& shape) {
      const auto t = clock::now();
      luodi::Result<luodi::TensorView<float>> r = backend_.input(s, shape);
      res.ms.prepare += ms_since(t);
      return r;
    };
    double prep0 = 0.0;
    if (img.format != luodi::PixelFormat::RGB && img.format != luodi::PixelFormat::BGR)
      return luodi::Status::error(luodi::StatusCode::Unsupported, "ocr: the image must be RGB or BGR, not %s",
                                  luodi::pixel_format_name(img.format));

    // Detection.
    auto t0 = clock::now();
    prep0 = res.ms.prepare;
    int dw = 0, dh = 0;
    det_input_size(img.width, img.height, opt_.det_max_side, &dw, &dh);
    res.det_width = dw, res.det_height = dh;
    if (opt_.det_spec.channels() != 3)
      return luodi::Status(luodi::StatusCode::Unsupported, "ocr: the det model takes 3 channels (RGB or BGR)");
    LUODI_ASSIGN_OR_RETURN(luodi::TensorView<float> det_in, bind(Stage::Det, luodi::Shape{1, 3, dh, dw}));
    luodi::PreprocessSpec spec = opt_.det_spec;
    spec.width = dw;
    spec.height = dh;
    spec.resize = luodi::ResizeMode::Stretch;  // the transform maps the boxes back either way
    spec.layout = luodi::Layout::NCHW;
    spec.roi = luodi::PreprocessRoi{0, 0, 0, 0};
    det_in.layout = luodi::Layout::NCHW;
    LUODI_ASSIGN_OR_RETURN(const luodi::PreprocessTransform tf, luodi::preprocess(img, spec, det_in));
    res.ms.det_pre = ms_since(t0) - (res.ms.prepare - prep0);

    t0 = clock::now();
    LUODI_RETURN_IF_ERROR(backend_.run(Stage::Det));
    const luodi::TensorView<const float> prob = backend_.output(Stage::Det);
    res.ms.det_run = ms_since(t0);
    if (prob.rank() != 4 || prob.shape[0] != 1 || prob.shape[1] != 1 || prob.shape[2] != dh || prob.shape[3] != dw ||
        !prob.is_contiguous())
      return luodi::Status::error(luodi::StatusCode::ShapeMismatch,
                                  "ocr: the det model returned %s for a %dx%d input; expected [1,1,%d,%d]",
                                  prob.shape.str().c_str(), dw, dh, dh, dw);

    t0 = clock::now();
    const std::vector<DbBox> boxes = db_postprocess(prob.data, dw, dh, dw, opt_.db, &res.db);
    std::vector<Quad> quads;
    std::vector<float> box_scores;
    for (const DbBox& b : boxes) {
      const Quad q = quad_to_source(reading_quad(b.rect), tf, img.width, img.height);
      if (q.width() < 1.0 || q.height() < 1.0) continue;  // clipped away
      quads.push_back(q);
      box_scores.push_back(b.score);
    }
    const std::vector<std::size_t> order = reading_order(quads);
    res.boxes = static_cast<int>(quads.size());
    res.ms.det_post = ms_since(t0);

    // Direction, line by line (one fixed input shape).
    std::vector<TextLine> lines(order.size());
    for (std::size_t n = 0; n < order.size(); ++n) {
      TextLine& line = lines[n];
      line.box = quads[order[n]];
      line.box_score = box_scores[order[n]];
      if (!opt_.use_cls) continue;
      t0 = clock::now();
      prep0 = res.ms.prepare;
      const double ratio = line.box.width() / line.box.height();
      const int cw = std::clamp(static_cast<int>(std::ceil(opt_.rec_height * ratio)), 1, opt_.cls_width);
      LUODI_ASSIGN_OR_RETURN(luodi::TensorView<float> in,
                             bind(Stage::Cls, luodi::Shape{1, 3, opt_.rec_height, opt_.cls_width}));
      LUODI_RETURN_IF_ERROR(crop_to_tensor(img, line.box, cw, opt_.rec_height, opt_.line_spec, in, scratch_));
      LUODI_RETURN_IF_ERROR(backend_.run(Stage::Cls));
      const luodi::TensorView<const float> p = backend_.output(Stage::Cls);
      if (p.numel() != 2)
        return luodi::Status::error(luodi::StatusCode::ShapeMismatch, "ocr: the cls model returned %s; expected [1,2]",
                                    p.shape.str().c_str());
      line.turned = p.data[1] > p.data[0] && p.data[1] > opt_.cls_thresh;
      line.cls_score = std::max(p.data[0], p.data[1]);
      if (line.turned) line.box = line.box.rotated180();
      res.ms.cls += ms_since(t0) - (res.ms.prepare - prep0);
    }

    // Recognition, in order of input width so that a backend that re-plans per shape does so
    // once per distinct width, not once per line.
    std::vector<int> crop_w(lines.size()), tensor_w(lines.size());
    for (std::size_t n = 0; n < lines.size(); ++n) {
      const double ratio = lines[n].box.width() / lines[n].box.height();
      crop_w[n] = std::clamp(static_cast<int>(std::ceil(opt_.rec_height * ratio)), 1, opt_.rec_max_width);
      const int w = std::max(opt_.rec_min_width, crop_w[n]);
      tensor_w[n] = (w + opt_.rec_width_step - 1) / opt_.rec_width_step * opt_.rec_width_step;
    }
    std::vector<std::size_t> by_width(lines.size());
    std::iota(by_width.begin(), by_width.end(), 0);
    std::stable_sort(by_width.begin(), by_width.end(), [&](std::size_t a, std::size_t b) { return tensor_w[a] < tensor_w[b]; });
    for (std::size_t n : by_width) {
      TextLine& line = lines[n];
      t0 = clock::now();
      prep0 = res.ms.prepare;
      LUODI_ASSIGN_OR_RETURN(luodi::TensorView<float> in,
                             bind(Stage::Rec, luodi::Shape{1, 3, opt_.rec_height, tensor_w[n]}));
      LUODI_RETURN_IF_ERROR(crop_to_tensor(img, line.box, crop_w[n], opt_.rec_height, opt_.line_spec, in, scratch_));
      LUODI_RETURN_IF_ERROR(backend_.run(Stage::Rec));
      const luodi::TensorView<const float> p = backend_.output(Stage::Rec);
      if (p.rank() != 3 || p.shape[0] != 1 || p.shape[2] != dict_.num_classes() || !p.is_contiguous())
        return luodi::Status::error(luodi::StatusCode::ShapeMismatch,
                                    "ocr: the rec model returned %s; expected [1,T,%d] for a dictionary of %d symbols "
                                    "(blank + dictionary + space): is it the right dictionary?",
                                    p.shape.str().c_str(), dict_.num_classes(), dict_.num_classes() - 2);
      const Decoded d = ctc_greedy_decode(p.data, static_cast<int>(p.shape[1]), dict_.num_classes(), p.shape[2], dict_);
      res.ms.rec += ms_since(t0) - (res.ms.prepare - prep0);
      line.text = d.text;
      line.score = d.score;
    }
    for (TextLine& line : lines) {
      if (line.score < opt_.drop_score || line.text.empty()) {
        ++res.dropped;
        continue;
      }
      res.lines.push_back(std::move(line));
    }
    res.ms.total = ms_since(t_start);
    return res;
  }

 private:
  Backend& backend_;
  const Dictionary& dict_;
  Options opt_;
  std::vector<std::uint8_t> scratch_;
};

}  // namespace ocr
