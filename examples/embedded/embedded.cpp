// embedded: a CNN compiled into the program, run in place from a const array with a static
// arena and no heap at all: what a microcontroller build looks like, run here on the host.
//
//   embedded FRAME.gray         a 32x32 8-bit grayscale frame as raw bytes (what a sensor gives)
//
// The model (tiny_shapes, a 9.9 k-parameter shape classifier made by make_tiny_cnn.py) is
// converted by luodi-convert with its preprocessing contract and labels, and turned into the
// header tiny_shapes_model.h by luodi_embed_model() (cmake/luodiEmbed.cmake). The program:
//   - Model::from_memory on the 64-byte aligned array: the model is used where it lies (flash,
//     on a device); nothing is copied at load;
//   - a Session on a static arena (its size is checked against what the plan needs); weights a
//     kernel wants in another layout are packed into the arena once, at prepare;
//   - preprocess() with the model's own contract, straight from the frame into the input;
//   - run(), then the best class by its label.
// It is built as a device build is (examples/embedded/embedded.cmake): ISA fixed at compile time,
// no thread pool, -fno-exceptions -fno-rtti, and the C++ runtime linked statically so that
// nothing allocates even before main (the shared libstdc++ mallocs its emergency exception pool
// when it is loaded). tests/examples proves zero heap allocations over the whole process.
//
// Only `classify_frame` is the part a device runs; main() is the host's way of getting a frame
// (POSIX read into a static buffer; stdio would allocate its buffers) and printing.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

#include <luodi/image/preprocess.hpp>
#include <luodi/runtime/model.hpp>
#include <luodi/runtime/session.hpp>

#include "tiny_shapes_model.h"  // generated: tiny_shapes_model, tiny_shapes_model_size

namespace {

constexpr int kFrameSide = 32;
// Sized from what prepare reports for this model (Session::required_arena_bytes, or the
// BufferTooSmall message of a smaller arena). It depends on the ISA the kernels are compiled
// for, because the convolution paths differ: measured with this model, 1201 KiB with the
// x86-64 baseline (SSE2: 120 KiB repacked weights, 1076 KiB activations and scratch), 690 KiB
// with AVX2, 436 KiB with AVX-512, 108 KiB with the scalar reference kernels. A build with the
// reference kernels only (no xsimd: a Cortex-M) reserves just what those need.
#if LUODI_HAS_XSIMD
alignas(64) std::uint8_t g_arena[1216 * 1024];
#else
alignas(64) std::uint8_t g_arena[112 * 1024];
#endif
std::uint8_t g_frame[kFrameSide * kFrameSide];

struct Answer {
  int cls = -1;
  float logit = 0.0f;
  const char* label = "";
  std::size_t arena_used = 0, packed = 0, activations = 0;
  float logits[16] = {};
  int classes = 0;
};

// The device part: no heap, no exceptions, no files. Returns a Status naming what went wrong.
luodi::Status classify_frame(const std::uint8_t* frame, Answer* out) {
  luodi::Result<luodi::Model> model = luodi::Model::from_memory(tiny_shapes_model, tiny_shapes_model_size);
  if (!model.ok()) return model.status();
  if (model->storage() != luodi::ModelStorage::Borrowed)
    return luodi::Status(luodi::StatusCode::Internal, "the model was copied, not used in place (is the array aligned?)");
  if (!model->has_preprocessing())
    return luodi::Status(luodi::StatusCode::NotFound, "the model has no preprocessing contract");
  luodi::SessionOptions opt;
  opt.threads = 1;
  luodi::Session session(*model, luodi::Span<std::uint8_t>(g_arena, sizeof g_arena), opt);
  if (!session.ok()) return session.status();  // BufferTooSmall says how many bytes it needs

  const luodi::ImageView view{frame, kFrameSide, kFrameSide, kFrameSide, luodi::PixelFormat::Gray};
  luodi::Result<luodi::PreprocessTransform> t = luodi::preprocess(view, model->preprocessing(), session.input(0));
  if (!t.ok()) return t.status();
  session.run();

  const luodi::TensorView<const float> logits = session.output(0);
  const int n = static_cast<int>(logits.numel());
  if (n < 1 || n > 16) return luodi::Status::error(luodi::StatusCode::ShapeMismatch, "%d classes", n);
  out->classes = n;
  out->cls = 0;
  for (int i = 0; i < n; ++i) {
    out->logits[i] = logits.data[i];
    if (logits.data[i] > logits.data[out->cls]) out->cls = i;
  }
  out->logit = logits.data[out->cls];
  out->label = out->cls < model->num_labels() ? model->label(out->cls) : "?";
  out->arena_used = static_cast<std::size_t>(session.memory().arena_used);
  out->packed = static_cast<std::size_t>(session.memory().packed);
  out->activations = static_cast<std::size_t>(session.memory().activations);
  return luodi::Status();
}

void say(const char* s) {
  std::size_t n = std::strlen(s);
  while (n > 0) {
    const ssize_t k = write(1, s, n);
    if (k <= 0) return;
    s += k;
    n -= static_cast<std::size_t>(k);
  }
}

}  // namespace

int main(int argc, char** argv) {
  char line[512];
  if (argc != 2) {
    std::snprintf(line, sizeof line, "usage: %s FRAME.gray   (%d x %d bytes, 8-bit grayscale)\n", argv[0], kFrameSide,
                  kFrameSide);
    say(line);
    return 2;
  }
  const int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    std::snprintf(line, sizeof line, "embedded: cannot open %s\n", argv[1]);
    say(line);
    return 1;
  }
  std::size_t got = 0;
  while (got < sizeof g_frame) {
    const ssize_t k = read(fd, g_frame + got, sizeof g_frame - got);
    if (k <= 0) break;
    got += static_cast<std::size_t>(k);
  }
  std::uint8_t extra = 0;
  const bool longer = read(fd, &extra, 1) > 0;
  close(fd);
  if (got != sizeof g_frame || longer) {
    std::snprintf(line, sizeof line, "embedded: %s is not a %d x %d frame (%lu bytes expected)\n", argv[1], kFrameSide,
                  kFrameSide, static_cast<unsigned long>(sizeof g_frame));
    say(line);
    return 1;
  }

  Answer a;
  const luodi::Status s = classify_frame(g_frame, &a);
  if (!s.ok()) {
    std::snprintf(line, sizeof line, "embedded: %s: %s\n", s.code_name(), s.message());
    say(line);
    return 1;
  }
  // %lu, not %zu: newlib as Debian builds it for arm-none-eabi has no C99 size modifiers.
  std::snprintf(line, sizeof line,
                "%s (class %d, logit %.3f); model %lu bytes in place; arena %lu of %lu bytes used (%lu packed weights, "
                "%lu activations and scratch)\n",
                a.label, a.cls, static_cast<double>(a.logit), static_cast<unsigned long>(tiny_shapes_model_size),
                static_cast<unsigned long>(a.arena_used), static_cast<unsigned long>(sizeof g_arena),
                static_cast<unsigned long>(a.packed), static_cast<unsigned long>(a.activations));
  say(line);
  int k = std::snprintf(line, sizeof line, "logits:");
  for (int i = 0; i < a.classes && k > 0 && k < static_cast<int>(sizeof line) - 20; ++i)
    k += std::snprintf(line + k, sizeof line - static_cast<std::size_t>(k), " %.9g", static_cast<double>(a.logits[i]));
  std::snprintf(line + k, sizeof line - static_cast<std::size_t>(k), "\n");
  say(line);
  return 0;
}
