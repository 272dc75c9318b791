// OpCode: luodi's ops, from the one list in ops.def.
#pragma once

#include <cstdint>
#include <cstring>

namespace luodi {
namespace graph {

enum class OpCode : std::uint16_t {
#define LUODI_OP(e, onnx, code, min_in, max_in, min_out, max_out) e = code,
#include "ops.def"
#undef LUODI_OP
};

struct OpInfo {
  OpCode code;
  const char* name;  // the ONNX op type luodi's op follows
  int min_inputs, max_inputs;    // max -1: variadic
  int min_outputs, max_outputs;  // max -1: variadic
};

inline constexpr OpInfo kOpInfos[] = {
#define LUODI_OP(e, onnx, code, min_in, max_in, min_out, max_out) {OpCode::e, onnx, min_in, max_in, min_out, max_out},
#include "ops.def"
#undef LUODI_OP
};
inline constexpr int kOpCount = static_cast<int>(sizeof(kOpInfos) / sizeof(kOpInfos[0]));

// The info of a raw op code from a file, or nullptr for a code this build does not know.
inline const OpInfo* op_info(std::uint32_t raw) noexcept {
  for (const OpInfo& i : kOpInfos)
    if (static_cast<std::uint32_t>(i.code) == raw) return &i;
  return nullptr;
}
inline const OpInfo& op_info(OpCode c) noexcept {
  const OpInfo* i = op_info(static_cast<std::uint32_t>(c));
  return *i;  // every OpCode value is in the table by construction
}
inline const char* op_name(OpCode c) noexcept { return op_info(c).name; }

// The luodi op that follows an ONNX op type (default domain), or false.
inline bool op_from_onnx(const char* onnx_type, OpCode* out) noexcept {
  for (const OpInfo& i : kOpInfos)
    if (std::strcmp(i.name, onnx_type) == 0) {
      *out = i.code;
      return true;
    }
  return false;
}

}  // namespace graph
}  // namespace luodi
