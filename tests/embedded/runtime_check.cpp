// The embedded path end to end: a .luodi model compiled in as a const array (64-byte aligned,
// so it is used in place, from flash on a device), a static arena, no heap, no exceptions, no
// threads, no files. Built bare-metal for Cortex-M4F by the cortex-m4 preset, and built and run
// natively as the CTest test luodi_runtime_embedded (tests/runtime/CMakeLists.txt), which also
// checks the outputs against the golden pair stored in the model.
//
// LUODI_EMBEDDED_MODEL_INC names a generated file holding the model's bytes as "0x89, 0x4c, ..."
// (tests/embedded/runtime_check.cmake makes it from tests/runtime/corpus/valid_activations.luodi).
#include <luodi/runtime/session.hpp>

#include <cstring>

namespace {
alignas(64) const unsigned char kModel[] = {
#include LUODI_EMBEDDED_MODEL_INC
};
alignas(64) unsigned char g_arena[16 * 1024];

// 0 on success; otherwise which step failed.
int run_model() {
  auto model = luodi::Model::from_memory(kModel, sizeof kModel);
  if (!model.ok()) return 1;
  if (model->storage() != luodi::ModelStorage::Borrowed) return 2;  // must be used in place
  luodi::Session session(*model, luodi::Span<std::uint8_t>(g_arena, sizeof g_arena));
  if (!session.ok()) return 3;
  const luodi::format::Reader& r = model->reader();
  if (!r.has_golden()) return 4;
  // Feed the stored golden input, run, and compare with the stored golden outputs: the ops in
  // this model are exact in binary32, so the comparison is exact.
  const luodi::format::TensorEntry gin = r.tensor(r.golden_input(0));
  luodi::TensorView<float> in = session.input(0);
  if (in.data == nullptr || static_cast<std::uint64_t>(in.numel()) * 4 != gin.data_size) return 5;
  std::memcpy(in.data, gin.data, static_cast<std::size_t>(gin.data_size));
  session.run();
  for (int o = 0; o < session.num_outputs(); ++o) {
    const luodi::format::TensorEntry gout = r.tensor(r.golden_output(o));
    const luodi::TensorView<const float> out = session.output(o);
    if (out.data == nullptr || static_cast<std::uint64_t>(out.numel()) * 4 != gout.data_size) return 6;
    if (std::memcmp(out.data, gout.data, static_cast<std::size_t>(gout.data_size)) != 0) return 7;
  }
  return 0;
}
}  // namespace

int main() { return run_model(); }
