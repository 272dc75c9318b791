// The OCR pipeline end to end on the bundled images, against their ground truth (the bound is
// explained in ocr_truth.hpp), with luodi's runtime and with ONNX Runtime running the networks,
// and the two against each other.
//
// Paths come from CMake as definitions:
//   LUODI_OCR_DATA_DIR       examples/ocr/data
//   LUODI_OCR_DICT           ppocr_keys_v1.txt
//   LUODI_OCR_LUODI_DIR      the .luodi models converted at build time (when luodi-convert exists)
//   LUODI_OCR_ONNX_DIR, LUODI_OCR_NODE, LUODI_OCR_ORT_SERVER   the ONNX Runtime reference
//                            (when node and onnxruntime-node are installed)
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "../../../examples/common/image_io.hpp"
#include "../../../examples/ocr/ocr.hpp"
#include "ocr_truth.hpp"

#if defined(LUODI_OCR_LUODI_DIR)
#include "../../../examples/ocr/luodi_backend.hpp"
#endif
#if defined(LUODI_OCR_NODE)
#include "../peer/ort_backend.hpp"
#endif

namespace {

const std::string kData = LUODI_OCR_DATA_DIR;

const ocr::Dictionary& dictionary() {
  static const luodi::Result<ocr::Dictionary> d = ocr::Dictionary::load(LUODI_OCR_DICT);
  REQUIRE_MESSAGE(d.ok(), d.status().message());
  return *d;
}

std::vector<std::string> images(const std::vector<ocr_test::TruthLine>& truth) {
  std::vector<std::string> out;
  for (const auto& t : truth)
    if (out.empty() || out.back() != t.image) out.push_back(t.image);
  return out;
}

struct Page {
  std::string image;
  ocr::PageResult result;
};

std::vector<Page> run_all(ocr::Backend& backend, const ocr::Options& opt = {}) {
  const auto truth = ocr_test::load_truth(kData + "/ground_truth.tsv");
  REQUIRE(truth.size() >= 4);
  ocr::Pipeline pipe(backend, dictionary(), opt);
  std::vector<Page> pages;
  for (const std::string& name : images(truth)) {
    auto img = examples::read_image((kData + "/" + name).c_str());
    REQUIRE_MESSAGE(img.ok(), img.status().message());
    auto r = pipe.run(img->view());
    REQUIRE_MESSAGE(r.ok(), name << ": " << r.status().message());
    pages.push_back({name, std::move(*r)});
  }
  return pages;
}

void check_against_truth(const std::vector<Page>& pages) {
  const auto truth = ocr_test::load_truth(kData + "/ground_truth.tsv");
  int total = 0;
  double worst_angle = 0.0;
  for (const Page& p : pages) {
    std::vector<ocr_test::TruthLine> want;
    for (const auto& t : truth)
      if (t.image == p.image) want.push_back(t);
    INFO("image " << p.image);
    REQUIRE(p.result.lines.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      const ocr::TextLine& got = p.result.lines[i];
      INFO("line " << i << ": want \"" << want[i].text << "\", got \"" << got.text << "\"");
      const int d = ocr_test::text_distance(want[i].text, got.text);
      CHECK(d <= ocr_test::kMaxEditsPerLine);
      total += d;
      CHECK(got.turned == (want[i].angle == 180.0));
      const double a = ocr_test::quad_angle(got.box);
      INFO("box angle " << a << ", rendered at " << want[i].angle);
      CHECK(ocr_test::angle_diff(a, want[i].angle) <= ocr_test::kMaxAngleError);
      worst_angle = std::max(worst_angle, ocr_test::angle_diff(a, want[i].angle));
    }
  }
  MESSAGE("edits over all lines (spaces ignored): " << total << "; largest box angle error " << worst_angle << " deg");
  CHECK(total <= ocr_test::kMaxEditsTotal);
}

}  // namespace

#if defined(LUODI_OCR_LUODI_DIR)
const std::string kLuodi = LUODI_OCR_LUODI_DIR;

luodi::Status load_luodi(ocr::LuodiBackend& b) {
  LUODI_RETURN_IF_ERROR(b.load(ocr::Stage::Det, (kLuodi + "/ch_PP-OCRv4_det_infer.luodi").c_str()));
  LUODI_RETURN_IF_ERROR(b.load(ocr::Stage::Cls, (kLuodi + "/ch_ppocr_mobile_v2.0_cls_infer.luodi").c_str()));
  return b.load(ocr::Stage::Rec, (kLuodi + "/ch_PP-OCRv4_rec_infer.luodi").c_str());
}

// The pipeline as ocr_demo runs it: channel order and normalisation from the models' contracts.
ocr::Options options_from(const ocr::LuodiBackend& b) {
  ocr::Options opt;
  REQUIRE(b.model(ocr::Stage::Det)->has_preprocessing());
  REQUIRE(b.model(ocr::Stage::Rec)->has_preprocessing());
  opt.det_spec = b.model(ocr::Stage::Det)->preprocessing();
  opt.line_spec = b.model(ocr::Stage::Rec)->preprocessing();
  return opt;
}

bool same_normalisation(const luodi::PreprocessSpec& a, const luodi::PreprocessSpec& b) {
  bool same = a.order == b.order && a.normalize == b.normalize && a.pixel_scale == doctest::Approx(b.pixel_scale);
  for (int c = 0; c < 3; ++c)
    same = same && a.mean[c] == doctest::Approx(b.mean[c]) && a.stddev[c] == doctest::Approx(b.stddev[c]);
  return same;
}

TEST_CASE("luodi: the converted models carry PaddleOCR's preprocessing contracts") {
  ocr::LuodiBackend backend;
  const luodi::Status s = load_luodi(backend);
  REQUIRE_MESSAGE(s.ok(), s.message());
  const ocr::Options opt = options_from(backend);
  CHECK(same_normalisation(opt.det_spec, ocr::ppocr_det_spec()));
  CHECK(same_normalisation(opt.line_spec, ocr::ppocr_line_spec()));
  REQUIRE(backend.model(ocr::Stage::Cls)->has_preprocessing());
  CHECK(same_normalisation(backend.model(ocr::Stage::Cls)->preprocessing(), ocr::ppocr_line_spec()));
}

TEST_CASE("luodi: the pipeline reads the bundled images") {
  ocr::LuodiBackend backend;
  const luodi::Status s = load_luodi(backend);
  REQUIRE_MESSAGE(s.ok(), s.message());
  check_against_truth(run_all(backend, options_from(backend)));
}

TEST_CASE("luodi: a missing or corrupt model is a named error") {
  ocr::LuodiBackend backend;
  const luodi::Status missing = backend.load(ocr::Stage::Det, "/nonexistent/det.luodi");
  CHECK((missing.code() == luodi::StatusCode::NotFound || missing.code() == luodi::StatusCode::IoError));
  CHECK(std::string(missing.message()).find("/nonexistent/det.luodi") != std::string::npos);
  const std::string bad = kLuodi + "/not_a_model.luodi";
  std::FILE* f = std::fopen(bad.c_str(), "wb");
  REQUIRE(f != nullptr);
  std::fputs("this is not a luodi model, but it is long enough to have a header..........................", f);
  std::fclose(f);
  const luodi::Status st = backend.load(ocr::Stage::Det, bad.c_str());
  CHECK(st.code() == luodi::StatusCode::BadMagic);
  std::remove(bad.c_str());
  // A stage whose model was never loaded cannot be run.
  auto in = backend.input(ocr::Stage::Rec, luodi::Shape{1, 3, 48, 320});
  CHECK(in.status().code() == luodi::StatusCode::InvalidArgument);
}
#endif

#if defined(LUODI_OCR_NODE)
const std::string kOnnx = LUODI_OCR_ONNX_DIR;

luodi::Status start_ort(ocr_test::OrtBackend& b) {
  const std::string models[ocr::kNumStages] = {kOnnx + "/ch_PP-OCRv4_det_infer.onnx",
                                               kOnnx + "/ch_ppocr_mobile_v2.0_cls_infer.onnx",
                                               kOnnx + "/ch_PP-OCRv4_rec_infer.onnx"};
  return ocr_test::OrtBackend::start(&b, LUODI_OCR_NODE, LUODI_OCR_ORT_SERVER, models);
}

TEST_CASE("onnxruntime: the pipeline reads the bundled images") {
  ocr_test::OrtBackend backend;
  const luodi::Status s = start_ort(backend);
  REQUIRE_MESSAGE(s.ok(), s.message());
  check_against_truth(run_all(backend));
}
#endif

#if defined(LUODI_OCR_LUODI_DIR) && defined(LUODI_OCR_NODE)
// The same pipeline on the two runtimes. The networks' outputs differ by float rounding only,
// so the same regions pass the same thresholds: the same boxes (to 0.5 px), the same text, and
// the same scores to 1e-3.
TEST_CASE("luodi and onnxruntime: the same boxes, text and scores") {
  ocr::LuodiBackend lb;
  luodi::Status s = load_luodi(lb);
  REQUIRE_MESSAGE(s.ok(), s.message());
  ocr_test::OrtBackend ob;
  s = start_ort(ob);
  REQUIRE_MESSAGE(s.ok(), s.message());
  const std::vector<Page> a = run_all(lb, options_from(lb)), b = run_all(ob);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("image " << a[i].image);
    REQUIRE(a[i].result.lines.size() == b[i].result.lines.size());
    for (std::size_t j = 0; j < a[i].result.lines.size(); ++j) {
      const ocr::TextLine &x = a[i].result.lines[j], &y = b[i].result.lines[j];
      INFO("line " << j << ": luodi \"" << x.text << "\", onnxruntime \"" << y.text << "\"");
      CHECK(x.text == y.text);
      CHECK(x.turned == y.turned);
      CHECK(std::fabs(x.score - y.score) <= 1e-3f);
      CHECK(std::fabs(x.box_score - y.box_score) <= 1e-3f);
      for (int k = 0; k < 4; ++k) {
        CHECK(std::fabs(x.box.p[k].x - y.box.p[k].x) <= 0.5);
        CHECK(std::fabs(x.box.p[k].y - y.box.p[k].y) <= 0.5);
      }
    }
  }
}
#endif
