// A graph built in code, written to the .luodi format and loaded back from 64-byte aligned
// memory (kept alive with the model), for the runtime tests.
#pragma once

#include <doctest/doctest.h>
#include <luodi/format/writer.hpp>
#include <luodi/runtime/model.hpp>

#include <cstring>
#include <string>
#include <utility>

namespace luodi_test {

struct LoadedModel {
  luodi::AlignedBuffer bytes;
  luodi::Model model;
};

inline LoadedModel load_graph(const luodi::graph::Graph& g) {
  LoadedModel m;
  auto w = luodi::format::write(g);
  REQUIRE_MESSAGE(w.ok(), std::string(w.status().message()));
  auto b = luodi::AlignedBuffer::create(w->size());
  REQUIRE(b.ok());
  m.bytes = std::move(*b);
  std::memcpy(m.bytes.data(), w->data(), w->size());
  auto r = luodi::Model::from_memory(m.bytes.data(), w->size());
  REQUIRE_MESSAGE(r.ok(), std::string(r.status().message()));
  m.model = std::move(*r);
  return m;
}

}  // namespace luodi_test
