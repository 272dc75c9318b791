// Model: load from a file (mmap) and from memory, in place or copied, and what it reports.
#include <doctest/doctest.h>
#include <luodi/format/writer.hpp>
#include <luodi/runtime/model.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "corpus_cases.hpp"

using namespace luodi;

TEST_CASE("model: from_memory uses aligned memory in place and copies unaligned memory, saying so") {
  auto bytes = format::write(luodi_test::corpus_base_graph());
  REQUIRE(bytes.ok());
  auto buf = AlignedBuffer::create(bytes->size() + 64);
  REQUIRE(buf.ok());
  std::memcpy(buf->data(), bytes->data(), bytes->size());

  auto m = Model::from_memory(buf->data(), bytes->size());
  REQUIRE_MESSAGE(m.ok(), std::string(m.status().message()));
  CHECK(m->storage() == ModelStorage::Borrowed);
  CHECK(m->copied_bytes() == 0);
  CHECK(m->reader().bytes() == buf->data());  // no copy
  CHECK(m->weight_bytes_in_place() == m->reader().data_bytes());
  CHECK(m->num_inputs() == 1);
  CHECK(m->num_outputs() == 1);
  CHECK(std::string(m->input_info(0).name) == "x");
  CHECK(m->input_info(0).shape == (Shape{1, 2, 2, 2}));
  CHECK(m->find_output("z") == 0);
  CHECK(m->find_input("nope") == -1);
  CHECK(std::string(m->metadata().producer) == "luodi tests");
  REQUIRE(m->num_labels() == 2);
  CHECK(std::string(m->label(1)) == "one");
  CHECK(m->preprocessing_size() == format::kPreprocessRecordV1Size);
  REQUIRE(m->has_preprocessing());
  CHECK(m->preprocessing().width == 2);
  CHECK(m->preprocessing().order == ChannelOrder::BGR);
  CHECK(m->preprocessing().resize == ResizeMode::Letterbox);
  CHECK(m->preprocessing().mean[2] == PreprocessSpec().mean[2]);
  CHECK(m->preprocessing().validate().ok());
  CHECK(m->has_golden());
  CHECK(m->verify_data().ok());

  // One byte off alignment: copied, and reported.
  std::memmove(buf->data() + 1, bytes->data(), bytes->size());
  auto c = Model::from_memory(buf->data() + 1, bytes->size());
  REQUIRE(c.ok());
  CHECK(c->storage() == ModelStorage::Copied);
  CHECK(c->copied_bytes() == bytes->size());
  CHECK(c->weight_bytes_in_place() == 0);
  CHECK(c->reader().bytes() != buf->data() + 1);
  LoadOptions strict;
  strict.copy_if_unaligned = false;
  CHECK(Model::from_memory(buf->data() + 1, bytes->size(), strict).status().code() == StatusCode::InvalidArgument);

  // Moving a model keeps it valid.
  Model moved = std::move(*c);
  CHECK(moved.num_inputs() == 1);
  CHECK(std::string(moved.output_info(0).name) == "z");
}

#if LUODI_HAS_MMAP
TEST_CASE("model: load maps the file") {
  const std::string path = "luodi_test_model_load.luodi";
  REQUIRE(format::write_file(luodi_test::corpus_base_graph(), path.c_str()).ok());
  auto m = Model::load(path.c_str());
  REQUIRE_MESSAGE(m.ok(), std::string(m.status().message()));
  CHECK(m->storage() == ModelStorage::Mapped);
  CHECK(m->copied_bytes() == 0);
  CHECK(m->weight_bytes_in_place() > 0);
  CHECK(std::string(m->output_info(0).name) == "z");
  std::remove(path.c_str());

  auto missing = Model::load("/nonexistent/luodi/model.luodi");
  CHECK(missing.status().code() == StatusCode::IoError);
  CHECK(std::string(missing.status().message()).find("/nonexistent/luodi/model.luodi") != std::string::npos);

  // An error from the reader is prefixed with the path.
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::fputs("not a model at all, just some text that is long enough", f);
  std::fclose(f);
  auto bad = Model::load(path.c_str());
  CHECK(bad.status().code() == StatusCode::BadMagic);
  CHECK(std::string(bad.status().message()).rfind("\"" + path + "\": ", 0) == 0);
  std::remove(path.c_str());
}
#endif

TEST_CASE("model: without a preprocessing record the contract is absent, never a silent default") {
  auto bytes = format::write(luodi_test::corpus_activation_graph());
  REQUIRE(bytes.ok());
  auto m = Model::from_memory(bytes->data(), bytes->size());
  REQUIRE(m.ok());
  CHECK_FALSE(m->has_preprocessing());
  CHECK(m->preprocessing_bytes() == nullptr);
  CHECK(m->preprocessing().validate().code() == StatusCode::UnsupportedVersion);
}
