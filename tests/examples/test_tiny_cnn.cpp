// The examples' small CNN (examples/embedded/model, made by make_tiny_cnn.py) converted by
// luodi-convert and run by luodi: its logits against PyTorch's (reference.txt, written by the
// same script), the contract and labels it carries, and the header luodi_embed_model() made.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <luodi/image/preprocess.hpp>
#include <luodi/runtime/model.hpp>
#include <luodi/runtime/session.hpp>

#include "tiny_shapes_model.h"  // luodi_embed_model(): tiny_shapes_model, tiny_shapes_model_size

namespace {

const std::string kDir = LUODI_TINY_SHAPES_SRC;  // examples/embedded/model

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::vector<std::uint8_t> b;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE_MESSAGE(f != nullptr, path);
  int c;
  while ((c = std::fgetc(f)) != EOF) b.push_back(static_cast<std::uint8_t>(c));
  std::fclose(f);
  return b;
}

struct Reference {
  std::string name;
  std::vector<float> logits;
};

std::vector<Reference> references() {
  std::vector<Reference> out;
  std::FILE* f = std::fopen((kDir + "/reference.txt").c_str(), "r");
  REQUIRE(f != nullptr);
  char name[64];
  while (std::fscanf(f, "%63s", name) == 1) {
    Reference r{name, {}};
    for (int i = 0; i < 6; ++i) {
      float v = 0;
      REQUIRE(std::fscanf(f, "%f", &v) == 1);
      r.logits.push_back(v);
    }
    out.push_back(r);
  }
  std::fclose(f);
  return out;
}

}  // namespace

TEST_CASE("the embedded header holds the converted model's bytes, 64-byte aligned") {
  const std::vector<std::uint8_t> file = read_file(LUODI_TINY_SHAPES_LUODI);
  REQUIRE(file.size() == tiny_shapes_model_size);
  CHECK(std::vector<std::uint8_t>(tiny_shapes_model, tiny_shapes_model + tiny_shapes_model_size) == file);
  CHECK(reinterpret_cast<std::uintptr_t>(tiny_shapes_model) % 64 == 0);
}

TEST_CASE("tiny_shapes: contract, labels and golden pair survive conversion") {
  auto model = luodi::Model::from_memory(tiny_shapes_model, tiny_shapes_model_size);
  REQUIRE_MESSAGE(model.ok(), model.status().message());
  CHECK(model->storage() == luodi::ModelStorage::Borrowed);
  REQUIRE(model->has_preprocessing());
  const luodi::PreprocessSpec& s = model->preprocessing();
  CHECK(s.order == luodi::ChannelOrder::Gray);
  CHECK((s.width == 32 && s.height == 32));
  CHECK(s.mean[0] == doctest::Approx(0.5f));
  CHECK(s.stddev[0] == doctest::Approx(0.25f));
  REQUIRE(model->num_labels() == 6);
  const char* want[6] = {"circle", "square", "triangle", "cross", "ring", "bar"};
  for (int i = 0; i < 6; ++i) CHECK(std::string(model->label(i)) == want[i]);
  CHECK(model->verify().ok());
}

TEST_CASE("tiny_shapes on luodi matches PyTorch on every sample frame") {
  auto model = luodi::Model::from_memory(tiny_shapes_model, tiny_shapes_model_size);
  REQUIRE(model.ok());
  for (luodi::Isa isa : {luodi::Isa::scalar, luodi::active_isa()}) {
    luodi::SessionOptions opt;
    opt.isa = isa;
    luodi::Session session(*model, opt);
    REQUIRE_MESSAGE(session.ok(), session.status().message());
    for (const Reference& r : references()) {
      INFO(luodi::isa_name(isa) << ", frame " << r.name);
      const std::vector<std::uint8_t> frame = read_file(kDir + "/" + r.name + ".gray");
      REQUIRE(frame.size() == 32u * 32u);
      const luodi::ImageView view{frame.data(), 32, 32, 32, luodi::PixelFormat::Gray};
      REQUIRE(luodi::preprocess(view, model->preprocessing(), session.input(0)).ok());
      session.run();
      const luodi::TensorView<const float> out = session.output(0);
      REQUIRE(out.numel() == 6);
      // float32 through 3 convolutions and a linear layer: PyTorch and luodi sum in different
      // orders; 1e-4 relative to the largest logit covers that, and nothing else.
      float scale = 0.0f;
      for (float v : r.logits) scale = std::max(scale, std::fabs(v));
      int best = 0;
      for (int i = 0; i < 6; ++i) {
        CHECK(std::fabs(out.data[i] - r.logits[i]) <= 1e-4f * scale);
        if (out.data[i] > out.data[best]) best = i;
      }
      CHECK(std::string(model->label(best)) == r.name);
    }
  }
}
