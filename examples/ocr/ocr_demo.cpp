// ocr_demo: PP-OCRv4 text detection, direction classification and recognition on luodi.
//
//   ocr_demo --models DIR [--dict FILE] [--out DIR] [--no-cls] [--threads N] [--repeat N] IMAGE...
//
// DIR holds ch_PP-OCRv4_det_infer.luodi, ch_ppocr_mobile_v2.0_cls_infer.luodi and
// ch_PP-OCRv4_rec_infer.luodi (luodi-convert's output; tools/demo.sh makes them) and, unless
// --dict says otherwise, ppocr_keys_v1.txt. For each image it prints the text lines in reading
// order with their boxes and scores, the time of each stage, and writes IMAGE.png with the boxes
// drawn into --out (default ./ocr_out). With --repeat N each image runs N times and the timings
// are the medians of the runs after the first (the first includes planning the sessions for the
// image's sizes).
// Exit codes: 0 done, 1 a model, dictionary or image could not be used (the reason is printed),
// 2 bad command line.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include <filesystem>

#include <luodi/luodi.hpp>

#include "../common/image_io.hpp"
#include "luodi_backend.hpp"
#include "ocr.hpp"
#include "report.hpp"

namespace {

const char* const kModelFiles[ocr::kNumStages] = {"ch_PP-OCRv4_det_infer.luodi", "ch_ppocr_mobile_v2.0_cls_infer.luodi",
                                                   "ch_PP-OCRv4_rec_infer.luodi"};

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --models DIR [--dict FILE] [--out DIR] [--no-cls] [--threads N] [--repeat N] IMAGE...\n"
               "  DIR holds %s, %s, %s\n  and (unless --dict) ppocr_keys_v1.txt\n",
               argv0, kModelFiles[0], kModelFiles[1], kModelFiles[2]);
  return 2;
}

int fail(const luodi::Status& s) {
  std::fprintf(stderr, "ocr_demo: %s: %s\n", s.code_name(), s.message());
  return 1;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string models, dict_path, out_dir = "ocr_out";
  std::vector<std::string> images;
  ocr::Options opt;
  luodi::SessionOptions so;
  int repeat = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ocr_demo: %s needs a value\n", name);
        return nullptr;
      }
      return argv[++i];
    };
    if (a == "--models" || a == "--dict" || a == "--out" || a == "--threads" || a == "--repeat") {
      const char* v = value(a.c_str());
      if (!v) return usage(argv[0]);
      if (a == "--models") models = v;
      if (a == "--dict") dict_path = v;
      if (a == "--out") out_dir = v;
      if (a == "--threads" || a == "--repeat") {
        char* end = nullptr;
        const long n = std::strtol(v, &end, 10);
        if (*end != '\0' || n < 1 || n > 1000) {
          std::fprintf(stderr, "ocr_demo: %s wants a number from 1 to 1000, not \"%s\"\n", a.c_str(), v);
          return usage(argv[0]);
        }
        (a == "--threads" ? so.threads : repeat) = static_cast<int>(n);
      }
    } else if (a == "--no-cls") {
      opt.use_cls = false;
    } else if (a == "-h" || a == "--help") {
      usage(argv[0]);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "ocr_demo: unknown option %s\n", a.c_str());
      return usage(argv[0]);
    } else {
      images.push_back(a);
    }
  }
  if (models.empty() || images.empty()) return usage(argv[0]);
  if (dict_path.empty()) dict_path = models + "/ppocr_keys_v1.txt";

  std::printf("luodi %s, ISA %s, %d thread(s)\n", LUODI_VERSION_STRING, luodi::isa_name(luodi::active_isa()), so.threads);

  // Models and dictionary.
  const auto t_load = std::chrono::steady_clock::now();
  ocr::LuodiBackend backend(so);
  for (int s = 0; s < ocr::kNumStages; ++s) {
    const std::string path = models + "/" + kModelFiles[s];
    luodi::Status st = backend.load(static_cast<ocr::Stage>(s), path.c_str());
    if (!st.ok()) return fail(st);
  }
  auto dict = ocr::Dictionary::load(dict_path.c_str());
  if (!dict.ok()) return fail(dict.status());
  // A model that stores its preprocessing contract is run with it.
  if (backend.model(ocr::Stage::Det)->has_preprocessing()) opt.det_spec = backend.model(ocr::Stage::Det)->preprocessing();
  if (backend.model(ocr::Stage::Rec)->has_preprocessing()) opt.line_spec = backend.model(ocr::Stage::Rec)->preprocessing();
  const double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_load).count();
  std::printf("models and dictionary (%d symbols) loaded in %.1f ms\n", dict->num_classes() - 2, load_ms);

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return fail(luodi::Status::error(luodi::StatusCode::IoError, "cannot create %s: %s", out_dir.c_str(),
                                           ec.message().c_str()));

  ocr::Pipeline pipe(backend, *dict, opt);
  int status = 0;
  for (const std::string& path : images) {
    auto img = examples::read_image(path.c_str());
    if (!img.ok()) {
      fail(img.status());
      status = 1;
      continue;
    }
    std::vector<ocr::PageResult> runs;
    std::vector<double> net[ocr::kNumStages];  // Session::run alone, per stage
    for (int r = 0; r < repeat; ++r) {
      backend.reset_run_ms();
      auto res = pipe.run(img->view());
      if (!res.ok()) return fail(res.status());
      runs.push_back(std::move(*res));
      if (r > 0 || repeat == 1)
        for (int s = 0; s < ocr::kNumStages; ++s) net[s].push_back(backend.run_ms(static_cast<ocr::Stage>(s)));
    }
    ocr::PageResult shown = runs.back();
    if (repeat > 1) {  // medians of the warm runs
      std::vector<double> v[7];
      for (std::size_t r = 1; r < runs.size(); ++r) {
        const ocr::Timings& t = runs[r].ms;
        const double x[7] = {t.det_pre, t.det_run, t.det_post, t.cls, t.rec, t.prepare, t.total};
        for (int k = 0; k < 7; ++k) v[k].push_back(x[k]);
      }
      ocr::Timings& t = shown.ms;
      t.det_pre = median(v[0]), t.det_run = median(v[1]), t.det_post = median(v[2]);
      t.cls = median(v[3]), t.rec = median(v[4]), t.prepare = median(v[5]), t.total = median(v[6]);
    }
    const std::string base = std::filesystem::path(path).filename().string();
    ocr::print_result(stdout, base.c_str(), img->width, img->height, shown);
    std::printf("  networks alone (Session::run) ms: det %.2f | cls %.2f | rec %.2f\n", median(net[0]), median(net[1]),
                median(net[2]));
    if (repeat > 1) std::printf("  (times: median of %d warm runs; the first run took %.2f ms)\n", repeat - 1, runs[0].ms.total);
    ocr::annotate(*img, shown);
    const std::string out = out_dir + "/" + base + ".png";
    const luodi::Status ws = examples::write_png(out.c_str(), *img);
    if (!ws.ok()) {
      fail(ws);
      status = 1;
    } else {
      std::printf("  boxes drawn in %s\n", out.c_str());
    }
  }
  return status;
}
