// luodi's runtime as the OCR pipeline's Backend: one Model (memory-mapped .luodi) and one
// Session per network. A Session is created at the first input() with that shape; a later
// input() with another shape re-prepares it (shape inference and planning run again, nothing is
// re-read from the file). The det input changes with every image size and the rec input with
// every line width (in steps of 32 columns), so re-preparing is cheap by design; its cost is
// counted in the stage that needed it.
#pragma once

#include <chrono>
#include <memory>

#include <luodi/runtime/model.hpp>
#include <luodi/runtime/session.hpp>

#include "ocr.hpp"

namespace ocr {

class LuodiBackend : public Backend {
 public:
  explicit LuodiBackend(const luodi::SessionOptions& opt = {}) : opt_(opt) {}

  // Load the network for stage s. Its graph must take one f32 input and give one f32 output.
  luodi::Status load(Stage s, const char* path) {
    Net& n = nets_[static_cast<int>(s)];
    luodi::Result<luodi::Model> m = luodi::Model::load(path);
    if (!m.ok()) return m.status();
    n.session.reset();
    n.model = std::make_unique<luodi::Model>(std::move(*m));
    if (n.model->num_inputs() != 1 || n.model->num_outputs() != 1)
      return luodi::Status::error(luodi::StatusCode::Unsupported,
                                  "%s: the %s model must have one input and one output, not %d and %d", path,
                                  stage_name(s), n.model->num_inputs(), n.model->num_outputs());
    if (n.model->input_info(0).dtype != luodi::DType::f32 || n.model->output_info(0).dtype != luodi::DType::f32)
      return luodi::Status::error(luodi::StatusCode::DTypeMismatch, "%s: the %s model's input and output must be f32",
                                  path, stage_name(s));
    return luodi::Status();
  }

  const luodi::Model* model(Stage s) const { return nets_[static_cast<int>(s)].model.get(); }
  const luodi::Session* session(Stage s) const { return nets_[static_cast<int>(s)].session.get(); }
  int prepares(Stage s) const { return nets_[static_cast<int>(s)].prepares; }
  // Milliseconds spent in Session::run for stage s since the last reset_run_ms().
  double run_ms(Stage s) const { return nets_[static_cast<int>(s)].run_ms; }
  void reset_run_ms() {
    for (Net& n : nets_) n.run_ms = 0.0;
  }

  luodi::Result<luodi::TensorView<float>> input(Stage s, const luodi::Shape& shape) override {
    Net& n = nets_[static_cast<int>(s)];
    if (!n.model)
      return luodi::Status::error(luodi::StatusCode::InvalidArgument, "the %s model is not loaded", stage_name(s));
    if (!n.session) {
      luodi::SessionOptions o = opt_;
      o.input_shapes = luodi::Span<const luodi::Shape>(&shape, 1);
      n.session = std::make_unique<luodi::Session>(*n.model, o);
      ++n.prepares;
      n.shape = shape;
    } else if (!(shape == n.shape)) {
      LUODI_RETURN_IF_ERROR(n.session->set_input_shape(0, shape));
      (void)n.session->prepare();
      ++n.prepares;
      n.shape = shape;
    }
    if (!n.session->ok()) {
      luodi::Status st = n.session->status();
      st.prepend("%s model, input %s: ", stage_name(s), shape.str().c_str());
      return st;
    }
    luodi::TensorView<float> v = n.session->input(0);
    v.layout = luodi::Layout::NCHW;
    return v;
  }

  luodi::Status run(Stage s) override {
    Net& n = nets_[static_cast<int>(s)];
    if (!n.session || !n.session->ok())
      return luodi::Status::error(luodi::StatusCode::InvalidArgument, "the %s session is not prepared", stage_name(s));
    const auto t0 = std::chrono::steady_clock::now();
    n.session->run();
    n.run_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return luodi::Status();
  }

  luodi::TensorView<const float> output(Stage s) override {
    Net& n = nets_[static_cast<int>(s)];
    return n.session ? n.session->output(0) : luodi::TensorView<const float>();
  }

 private:
  struct Net {
    std::unique_ptr<luodi::Model> model;  // a Session points at its Model: keep the address
    std::unique_ptr<luodi::Session> session;
    luodi::Shape shape;
    int prepares = 0;
    double run_ms = 0.0;
  };
  luodi::SessionOptions opt_;
  Net nets_[kNumStages];
};

}  // namespace ocr
