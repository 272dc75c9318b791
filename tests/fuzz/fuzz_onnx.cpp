// libFuzzer entry for the ONNX reader and importer: arbitrary bytes must give a Status, never a
// crash, a sanitizer report, a hang or an unbounded allocation. The bytes are read as a
// ModelProto and imported; the first byte also selects a bare TensorProto parse (the format of
// the ONNX test data's .pb files) so tensor decoding is reached directly. Graphs that import are
// put through the converter's structural rewrites (graph/passes.hpp), which must keep them valid.
#include <luodi/graph/passes.hpp>
#include <luodi/onnx/import.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace luodi;
  if (size > 0 && data[0] == 0xFF) {
    onnx::TensorProto t;
    if (onnx::parse_tensor(data + 1, size - 1, &t).ok()) {
      DType dt;
      Shape s;
      std::vector<std::uint8_t> bytes;
      (void)onnx::tensor_data(t, onnx::TensorDataOptions(), &dt, &s, &bytes);
    }
    return 0;
  }
  graph::Graph g;
  onnx::ImportReport rep;
  onnx::ImportOptions opt;  // no base_dir: external data is refused, never read from the fuzzer's disk
  const Status st = onnx::import_bytes(data, size, opt, &g, &rep);
  if (!st.ok()) return 0;
  if (!g.validate().ok()) __builtin_trap();  // an accepted graph must be well formed
  // The structural rewrites must keep any accepted graph valid (they need no shapes).
  graph::remove_passthrough(g);
  graph::fuse_patterns(g);
  graph::fuse_layernorm(g);
  graph::fold_batchnorm(g);
  graph::fuse_scale(g);
  graph::fuse_bias(g, false);
  graph::fuse_activation(g);
  graph::dead_code(g);
  if (!g.validate().ok()) __builtin_trap();
  return 0;
}
