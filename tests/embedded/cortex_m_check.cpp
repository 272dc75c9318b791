// Bare-metal build check (Cortex-M4F, arm-none-eabi, newlib): the core and the reference kernels
// compile and link without an OS, threads, files, exceptions or RTTI, and run without the heap
// (everything comes from a static arena). Built by the cortex-m4 preset; not run on the host.
#include <luodi/core/memory.hpp>
#include <luodi/core/parallel.hpp>
#include <luodi/core/shape.hpp>
#include <luodi/core/status.hpp>
#include <luodi/core/tensor.hpp>
#include <luodi/graph/attributes.hpp>
#include <luodi/kernels/activation/activation.hpp>

alignas(64) static std::uint8_t g_arena_memory[16 * 1024];

namespace {
luodi::Status run_once(float* checksum) {
  luodi::Arena arena(g_arena_memory, sizeof g_arena_memory);
  const luodi::Shape shape{1, 8, 4, 4};
  std::int64_t n = 0;
  if (!shape.checked_numel(&n)) return luodi::Status(luodi::StatusCode::Overflow, "shape");
  float* x = arena.allocate_array<float>(static_cast<std::size_t>(n));
  float* y = arena.allocate_array<float>(static_cast<std::size_t>(n));
  if (!x || !y) return luodi::Status::error(luodi::StatusCode::BufferTooSmall, "arena needs %lld floats", static_cast<long long>(2 * n));
  for (std::int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 17) - 8.0f;
  auto view = luodi::TensorView<float>::contiguous(x, shape, luodi::Layout::NCHW);
  luodi::kernels::activation(luodi::kernels::ActivationKind::HardSwish,
                             luodi::kernels::activation_defaults(luodi::kernels::ActivationKind::HardSwish), view.data, y,
                             static_cast<std::size_t>(n));
  float s = 0;
  luodi::parallel_for(n, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) s += y[i];
  });
  *checksum = s;
  return luodi::Status();
}
}  // namespace

int main() {
  float checksum = 0;
  const luodi::Status s = run_once(&checksum);
  return s.ok() && checksum != 0.0f ? 0 : 1;
}
