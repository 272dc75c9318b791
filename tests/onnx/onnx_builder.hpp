// Builds protobuf / ONNX bytes by hand for the tests: a writer independent of the reader under
// test (it encodes from the protobuf spec; it shares no code with include/luodi/onnx/proto.hpp).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace onnx_test {

class Msg {
 public:
  std::string bytes;

  Msg& raw_varint(std::uint64_t v) {
    do {
      std::uint8_t b = v & 0x7F;
      v >>= 7;
      if (v) b |= 0x80;
      bytes.push_back(static_cast<char>(b));
    } while (v);
    return *this;
  }
  Msg& key(std::uint32_t field, std::uint32_t wt) { return raw_varint((std::uint64_t(field) << 3) | wt); }
  Msg& varint(std::uint32_t field, std::uint64_t v) { return key(field, 0).raw_varint(v); }
  Msg& sint(std::uint32_t field, std::int64_t v) { return varint(field, static_cast<std::uint64_t>(v)); }
  Msg& fixed32(std::uint32_t field, std::uint32_t v) {
    key(field, 5);
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return *this;
  }
  Msg& f32(std::uint32_t field, float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return fixed32(field, u);
  }
  Msg& fixed64(std::uint32_t field, std::uint64_t v) {
    key(field, 1);
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return *this;
  }
  Msg& str(std::uint32_t field, const std::string& s) {
    key(field, 2).raw_varint(s.size());
    bytes += s;
    return *this;
  }
  Msg& msg(std::uint32_t field, const Msg& m) { return str(field, m.bytes); }
  Msg& packed_varints(std::uint32_t field, const std::vector<std::int64_t>& v) {
    Msg p;
    for (std::int64_t x : v) p.raw_varint(static_cast<std::uint64_t>(x));
    return str(field, p.bytes);
  }
  Msg& packed_floats(std::uint32_t field, const std::vector<float>& v) {
    std::string p(v.size() * 4, '\0');
    if (!v.empty()) std::memcpy(&p[0], v.data(), p.size());
    return str(field, p);
  }
  std::vector<std::uint8_t> vec() const { return std::vector<std::uint8_t>(bytes.begin(), bytes.end()); }
};

// ONNX field numbers, written out from onnx.proto.
inline Msg tensor_f32(const std::string& name, const std::vector<std::int64_t>& dims, const std::vector<float>& v,
                      bool raw = true) {
  Msg t;
  for (std::int64_t d : dims) t.sint(1, d);
  t.varint(2, 1);  // FLOAT
  t.str(8, name);
  if (raw) {
    std::string r(v.size() * 4, '\0');
    if (!v.empty()) std::memcpy(&r[0], v.data(), r.size());
    t.str(9, r);
  } else {
    t.packed_floats(4, v);
  }
  return t;
}
inline Msg tensor_i64(const std::string& name, const std::vector<std::int64_t>& dims, const std::vector<std::int64_t>& v) {
  Msg t;
  for (std::int64_t d : dims) t.sint(1, d);
  t.varint(2, 7);  // INT64
  t.str(8, name);
  t.packed_varints(7, v);
  return t;
}

inline Msg attr_int(const std::string& name, std::int64_t v) {
  return Msg().str(1, name).varint(20, 2).sint(3, v);
}
inline Msg attr_float(const std::string& name, float v) { return Msg().str(1, name).varint(20, 1).f32(2, v); }
inline Msg attr_ints(const std::string& name, const std::vector<std::int64_t>& v) {
  Msg a;
  a.str(1, name).varint(20, 7);
  for (std::int64_t x : v) a.sint(8, x);
  return a;
}
inline Msg attr_floats(const std::string& name, const std::vector<float>& v) {
  Msg a;
  a.str(1, name).varint(20, 6);
  for (float x : v) a.f32(7, x);
  return a;
}
inline Msg attr_string(const std::string& name, const std::string& v) {
  return Msg().str(1, name).varint(20, 3).str(4, v);
}
inline Msg attr_tensor(const std::string& name, const Msg& t) { return Msg().str(1, name).varint(20, 4).msg(5, t); }

inline Msg node(const std::string& op, const std::vector<std::string>& in, const std::vector<std::string>& out,
                const std::vector<Msg>& attrs = {}, const std::string& name = "") {
  Msg n;
  for (const std::string& i : in) n.str(1, i);
  for (const std::string& o : out) n.str(2, o);
  if (!name.empty()) n.str(3, name);
  n.str(4, op);
  for (const Msg& a : attrs) n.msg(5, a);
  return n;
}

// dims: >= 0 a value, -1 a symbolic "N", -2 a dim with neither.
inline Msg value_info(const std::string& name, int elem_type, const std::vector<std::int64_t>& dims, bool has_shape = true) {
  Msg shape;
  for (std::int64_t d : dims) {
    Msg dim;
    if (d >= 0) dim.sint(1, d);
    else if (d == -1) dim.str(2, "N");
    shape.msg(1, dim);
  }
  Msg tensor;
  tensor.varint(1, static_cast<std::uint64_t>(elem_type));
  if (has_shape) tensor.msg(2, shape);
  Msg type;
  type.msg(1, tensor);
  return Msg().str(1, name).msg(2, type);
}

struct GraphSpec {
  std::vector<Msg> nodes, initializers, inputs, outputs;
};
inline Msg graph(const GraphSpec& g) {
  Msg m;
  for (const Msg& n : g.nodes) m.msg(1, n);
  m.str(2, "test");
  for (const Msg& t : g.initializers) m.msg(5, t);
  for (const Msg& i : g.inputs) m.msg(11, i);
  for (const Msg& o : g.outputs) m.msg(12, o);
  return m;
}
inline Msg model(const Msg& graph_msg, std::int64_t opset = 13, std::int64_t ir_version = 8) {
  Msg m;
  m.sint(1, ir_version);
  m.str(2, "luodi-test");
  m.msg(7, graph_msg);
  m.msg(8, Msg().str(1, "").sint(2, opset));
  return m;
}

}  // namespace onnx_test
