// Small graphs built in code, shared by the runtime tests.
#pragma once

#include <luodi/graph/ir.hpp>

#include <cstring>
#include <string>
#include <vector>

namespace luodi_test {

inline luodi::graph::Value make_value(const std::string& name, luodi::DType dt, luodi::Shape shape) {
  luodi::graph::Value v;
  v.name = name;
  v.dtype = dt;
  v.shape = shape;
  return v;
}

template <class T>
luodi::graph::Value make_constant(const std::string& name, luodi::Shape shape, const std::vector<T>& values) {
  luodi::graph::Value v;
  v.name = name;
  v.dtype = luodi::dtype_of_v<T>;
  v.shape = shape;
  v.is_constant = true;
  v.data.resize(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(v.data.data(), values.data(), v.data.size());
  return v;
}

inline luodi::graph::Node make_node(luodi::graph::OpCode op, const std::string& name, std::vector<std::int32_t> in,
                                    std::vector<std::int32_t> out, std::vector<std::uint8_t> attrs = {}) {
  luodi::graph::Node n;
  n.op = op;
  n.name = name;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  n.attrs = std::move(attrs);
  return n;
}

}  // namespace luodi_test
