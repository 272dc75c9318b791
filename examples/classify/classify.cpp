// classify: any image classification .luodi on an image file; prints the top 5 classes.
//
//   classify MODEL.luodi IMAGE [--top K] [--threads N]
//
// The model must carry its preprocessing contract (luodi-convert --preprocess ...): the image is
// decoded (stb_image: JPEG, PNG, BMP, PNM, ...) and turned into the input tensor by
// luodi::preprocess() with exactly the model's size, resize mode, channel order and
// normalisation, so the pixels the model sees are the ones it was converted for. Labels come
// from the model too (--labels at conversion); without them classes are shown by index. The
// output is shown as probabilities: a softmax is applied unless it already is a distribution
// (non-negative, summing to 1).
// Exit codes: 0 done, 1 the model or image could not be used (the reason is printed), 2 bad
// command line.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include <luodi/image.hpp>
#include <luodi/runtime/model.hpp>
#include <luodi/runtime/session.hpp>

#include "../common/image_io.hpp"

namespace {

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s MODEL.luodi IMAGE [--top K] [--threads N]\n", argv0);
  return 2;
}

int fail(const luodi::Status& s) {
  std::fprintf(stderr, "classify: %s: %s\n", s.code_name(), s.message());
  return 1;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> pos;
  int top = 5;
  luodi::SessionOptions so;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--top" || a == "--threads") {
      if (i + 1 >= argc) return usage(argv[0]);
      char* end = nullptr;
      const long v = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || v < 1 || v > 1000) {
        std::fprintf(stderr, "classify: %s wants a number from 1 to 1000, not \"%s\"\n", a.c_str(), argv[i]);
        return usage(argv[0]);
      }
      (a == "--top" ? top : so.threads) = static_cast<int>(v);
    } else if (a == "-h" || a == "--help") {
      usage(argv[0]);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "classify: unknown option %s\n", a.c_str());
      return usage(argv[0]);
    } else {
      pos.push_back(a);
    }
  }
  if (pos.size() != 2) return usage(argv[0]);

  auto t0 = std::chrono::steady_clock::now();
  luodi::Result<luodi::Model> model = luodi::Model::load(pos[0].c_str());
  if (!model.ok()) return fail(model.status());
  if (!model->has_preprocessing())
    return fail(luodi::Status::error(luodi::StatusCode::NotFound,
                                     "%s has no preprocessing contract; convert it with luodi-convert --preprocess "
                                     "(e.g. --preprocess imagenet,size=224x224)",
                                     pos[0].c_str()));
  const luodi::PreprocessSpec& spec = model->preprocessing();
  if (model->num_inputs() != 1 || model->num_outputs() != 1)
    return fail(luodi::Status::error(luodi::StatusCode::Unsupported, "%s has %d inputs and %d outputs; classify wants one of each",
                                     pos[0].c_str(), model->num_inputs(), model->num_outputs()));
  // The input's size is the contract's: bind it (it may be symbolic in the file).
  const luodi::Shape in_shape = spec.layout == luodi::Layout::NHWC
                                    ? luodi::Shape{1, spec.height, spec.width, spec.channels()}
                                    : luodi::Shape{1, spec.channels(), spec.height, spec.width};
  so.input_shapes = luodi::Span<const luodi::Shape>(&in_shape, 1);
  luodi::Session session(*model, so);
  if (!session.ok()) return fail(session.status());
  const double load_ms = ms_since(t0);

  t0 = std::chrono::steady_clock::now();
  auto img = examples::read_image(pos[1].c_str());
  if (!img.ok()) return fail(img.status());
  const double decode_ms = ms_since(t0);

  t0 = std::chrono::steady_clock::now();
  luodi::TensorView<float> input = session.input(0);
  input.layout = spec.layout;
  auto tf = luodi::preprocess(img->view(), spec, input);
  if (!tf.ok()) return fail(tf.status());
  const double pre_ms = ms_since(t0);

  t0 = std::chrono::steady_clock::now();
  session.run();
  const double run_ms = ms_since(t0);

  const luodi::TensorView<const float> out = session.output(0);
  const int n = static_cast<int>(out.numel());
  if (n < 1 || !out.is_contiguous())
    return fail(luodi::Status::error(luodi::StatusCode::ShapeMismatch, "the output %s is not a vector of class scores",
                                     out.shape.str().c_str()));
  std::vector<double> p(out.data, out.data + n);
  const double sum = std::accumulate(p.begin(), p.end(), 0.0);
  const bool is_distribution = std::all_of(p.begin(), p.end(), [](double v) { return v >= 0.0; }) && std::fabs(sum - 1.0) < 1e-3;
  if (!is_distribution) {
    const double mx = *std::max_element(p.begin(), p.end());
    double z = 0.0;
    for (double& v : p) z += (v = std::exp(v - mx));
    for (double& v : p) v /= z;
  }
  std::vector<int> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  const int k = std::min(top, n);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int a, int b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });

  const bool labelled = model->num_labels() == n;
  std::printf("%s: %dx%d -> %s input %dx%d (%s), %d classes%s\n", pos[1].c_str(), img->width, img->height,
              pos[0].c_str(), spec.width, spec.height, spec.order == luodi::ChannelOrder::Gray ? "gray"
              : spec.order == luodi::ChannelOrder::BGR                                        ? "BGR"
                                                                                              : "RGB",
              n, labelled ? "" : " (the model has no labels)");
  for (int r = 0; r < k; ++r) {
    const int c = idx[r];
    if (labelled)
      std::printf("  %d. %-24s %10.4g%%   (class %d)\n", r + 1, model->label(c), 100.0 * p[c], c);
    else
      std::printf("  %d. class %-18d %10.4g%%\n", r + 1, c, 100.0 * p[c]);
  }
  std::printf("time ms: load %.2f | decode %.2f | preprocess %.3f | run %.3f\n", load_ms, decode_ms, pre_ms, run_ms);
  return 0;
}
