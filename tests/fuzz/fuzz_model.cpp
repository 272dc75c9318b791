// libFuzzer target for the .luodi loader: any bytes must give a Status, never a crash, an
// out-of-bounds access (ASan) or undefined behaviour (UBSan).
//
// Each input is loaded twice: as it is (the structure CRC stops most mutations), and with its
// CRCs recomputed, so that the fuzzer's mutations reach every check behind the checksum. A file that loads gets
// a Session in a fixed 4 MiB borrowed arena and, when that prepares, one run() on zero inputs,
// which exercises shape inference, folding, planning and the kernels on hostile graphs; then a
// re-prepare (keeping the packed weights) and a second run() whose outputs must be the same bits.
#include <luodi/runtime/session.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {
alignas(64) unsigned char g_arena[4 << 20];

void try_load(const std::uint8_t* data, std::size_t size) {
  luodi::LoadOptions lo;
  lo.copy_if_unaligned = false;  // the bytes are 64-byte aligned: used in place, as on a device
  auto model = luodi::Model::from_memory(data, size, lo);
  if (!model.ok()) return;
  (void)model->verify_data();
  luodi::SessionOptions so;
  so.isa = luodi::Isa::scalar;
  luodi::Session session(*model, luodi::Span<std::uint8_t>(g_arena, sizeof g_arena), so);
  if (!session.ok()) return;
  const auto zero_inputs = [&session] {
    for (int i = 0; i < session.num_inputs(); ++i) {
      luodi::TensorRef in = session.input_ref(i);
      if (in.data) std::memset(in.data, 0, static_cast<std::size_t>(in.shape.numel()) * luodi::dtype_size(in.dtype));
    }
  };
  zero_inputs();
  session.run();
  // Re-prepare for the same shapes: the packed weights are kept (prepare_stats), which must not
  // change a bit of the outputs. A difference is a reuse bug (or a kernel reading bytes it never
  // wrote), so the fuzzer stops on it.
  std::vector<std::vector<std::uint8_t>> first;
  for (int o = 0; o < session.num_outputs(); ++o) {
    const luodi::TensorRef out = session.output_ref(o);
    const std::size_t n = out.data ? static_cast<std::size_t>(out.shape.numel()) * luodi::dtype_size(out.dtype) : 0;
    first.emplace_back(static_cast<const std::uint8_t*>(out.data), static_cast<const std::uint8_t*>(out.data) + n);
  }
  if (session.prepare().ok()) {
    zero_inputs();  // the inputs may have moved
    session.run();
    for (int o = 0; o < session.num_outputs(); ++o) {
      const luodi::TensorRef out = session.output_ref(o);
      const std::size_t n = out.data ? static_cast<std::size_t>(out.shape.numel()) * luodi::dtype_size(out.dtype) : 0;
      if (n != first[static_cast<std::size_t>(o)].size() || (n && std::memcmp(out.data, first[static_cast<std::size_t>(o)].data(), n) != 0))
        __builtin_trap();
    }
  }
  (void)model->verify();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // An aligned copy, as a product's buffer would be; exactly `size` bytes so ASan sees overruns.
  std::uint8_t* buf = static_cast<std::uint8_t*>(luodi::aligned_alloc(size ? size : 1, 64));
  if (!buf) return 0;
  if (size) std::memcpy(buf, data, size);
  // As a product loads it: most mutations stop at the structure CRC.
  try_load(buf, size);
  // Then with both CRCs recomputed over the mutated bytes, so that the mutations reach every
  // check behind the checksum.
  if (size >= luodi::format::kHeaderSize) {
    const std::uint64_t data_off = luodi::format::le::u64(buf + luodi::format::hdr::sections +
                                                          16 * static_cast<int>(luodi::format::SectionId::Data));
    if (data_off >= luodi::format::hdr::crc_begin && data_off <= size) {
      luodi::format::le::put32(buf + luodi::format::hdr::structure_crc,
                               luodi::format::crc32(buf + luodi::format::hdr::crc_begin,
                                                    static_cast<std::size_t>(data_off - luodi::format::hdr::crc_begin)));
      const std::uint64_t data_size = luodi::format::le::u64(buf + luodi::format::hdr::sections +
                                                             16 * static_cast<int>(luodi::format::SectionId::Data) + 8);
      if (data_size <= size - data_off)
        luodi::format::le::put32(buf + luodi::format::hdr::data_crc,
                                 luodi::format::crc32(buf + data_off, static_cast<std::size_t>(data_size)));
      try_load(buf, size);
    }
  }
  luodi::aligned_free(buf);
  return 0;
}
