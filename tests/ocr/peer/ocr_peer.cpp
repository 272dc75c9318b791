// The OCR pipeline with ONNX Runtime running the networks: the reference the luodi pipeline is
// compared with, and a way to look at what the post-processing does with the peer's outputs.
//
//   ocr_peer <node> <ort_server.js> <models_dir> <image>... [--out-dir DIR] [--repeat N]
//
// The stage times it prints for det, cls and rec are ONNX Runtime's own (session.run, measured
// inside the node process, without the pipe and file transfer); with --repeat N they are
// medians over the runs after the first, as ocr_demo reports them.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../../../examples/common/image_io.hpp"
#include "../../../examples/ocr/ocr.hpp"
#include "../../../examples/ocr/report.hpp"
#include "ort_backend.hpp"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s <node> <ort_server.js> <models_dir> <image>... [--out-dir DIR]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[3];
  std::string out_dir;
  int repeat = 1;
  std::vector<std::string> images;
  for (int i = 4; i < argc; ++i) {
    if (std::strcmp(argv[i], "--out-dir") == 0 && i + 1 < argc)
      out_dir = argv[++i];
    else if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
      repeat = std::max(1, std::atoi(argv[++i]));
    else
      images.push_back(argv[i]);
  }
  const std::string models[ocr::kNumStages] = {dir + "/ch_PP-OCRv4_det_infer.onnx",
                                               dir + "/ch_ppocr_mobile_v2.0_cls_infer.onnx",
                                               dir + "/ch_PP-OCRv4_rec_infer.onnx"};
  auto dict = ocr::Dictionary::load((dir + "/ppocr_keys_v1.txt").c_str());
  if (!dict.ok()) {
    std::fprintf(stderr, "%s: %s\n", dict.status().code_name(), dict.status().message());
    return 1;
  }
  ocr_test::OrtBackend backend;
  luodi::Status s = ocr_test::OrtBackend::start(&backend, argv[1], argv[2], models);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.message());
    return 1;
  }
  ocr::Options opt;
  if (const char* u = std::getenv("UNCLIP")) opt.db.unclip_ratio = static_cast<float>(std::atof(u));
  ocr::Pipeline pipe(backend, *dict, opt);
  for (const std::string& path : images) {
    auto img = examples::read_image(path.c_str());
    if (!img.ok()) {
      std::fprintf(stderr, "%s: %s\n", img.status().code_name(), img.status().message());
      return 1;
    }
    std::vector<double> det, cls, rec, pre, post;
    luodi::Result<ocr::PageResult> r = luodi::Status(luodi::StatusCode::Internal, "not run");
    for (int k = 0; k < repeat; ++k) {
      backend.reset_run_ms();
      r = pipe.run(img->view());
      if (!r.ok()) {
        std::fprintf(stderr, "%s: %s\n", r.status().code_name(), r.status().message());
        return 1;
      }
      if (k == 0 && repeat > 1) continue;
      det.push_back(backend.run_ms(ocr::Stage::Det));
      cls.push_back(backend.run_ms(ocr::Stage::Cls));
      rec.push_back(backend.run_ms(ocr::Stage::Rec));
      pre.push_back(r->ms.det_pre);
      post.push_back(r->ms.det_post);
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    r->ms = ocr::Timings{};
    r->ms.det_pre = median(pre), r->ms.det_run = median(det), r->ms.det_post = median(post);
    r->ms.cls = median(cls), r->ms.rec = median(rec);
    r->ms.total = r->ms.det_pre + r->ms.det_run + r->ms.det_post + r->ms.cls + r->ms.rec;
    const char* base = std::strrchr(path.c_str(), '/');
    base = base ? base + 1 : path.c_str();
    ocr::print_result(stdout, base, img->width, img->height, *r);
    if (!out_dir.empty()) {
      ocr::annotate(*img, *r);
      s = examples::write_png((out_dir + "/" + base + ".png").c_str(), *img);
      if (!s.ok()) std::fprintf(stderr, "%s\n", s.message());
    }
  }
  return 0;
}
