// ONNX Runtime as an ocr::Backend: the independent reference the OCR tests compare luodi with.
//
// ONNX Runtime 1.30 is installed from npm (onnxruntime-node; see docs/demo.md), so it runs in a
// node process (ort_server.js) that this backend starts once and talks to over pipes; tensors go
// through .npy files in a private temporary directory. POSIX only; test code, not for products.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <luodi/core/status.hpp>
#include <luodi/core/tensor.hpp>

#include "../../../examples/ocr/ocr.hpp"

namespace ocr_test {

inline luodi::Status write_npy(const std::string& path, const luodi::Shape& shape, const float* data) {
  std::string dims;
  for (int i = 0; i < shape.rank(); ++i) dims += std::to_string(shape[i]) + (shape.rank() == 1 || i + 1 < shape.rank() ? ", " : "");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return luodi::Status::error(luodi::StatusCode::IoError, "cannot write %s", path.c_str());
  const unsigned char magic[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xff), static_cast<unsigned char>(header.size() >> 8)};
  bool ok = std::fwrite(magic, 1, 8, f) == 8 && std::fwrite(len, 1, 2, f) == 2 &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size();
  const std::size_t n = static_cast<std::size_t>(shape.numel());
  ok = ok && std::fwrite(data, sizeof(float), n, f) == n;
  ok = std::fclose(f) == 0 && ok;
  return ok ? luodi::Status() : luodi::Status::error(luodi::StatusCode::IoError, "cannot write %s", path.c_str());
}

inline luodi::Status read_npy(const std::string& path, luodi::Shape* shape, std::vector<float>* data) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return luodi::Status::error(luodi::StatusCode::NotFound, "cannot open %s", path.c_str());
  unsigned char head[10];
  if (std::fread(head, 1, 10, f) != 10 || std::memcmp(head, "\x93NUMPY", 6) != 0) {
    std::fclose(f);
    return luodi::Status::error(luodi::StatusCode::ParseError, "%s is not a .npy file", path.c_str());
  }
  const std::size_t hlen = head[8] | (head[9] << 8);
  std::string header(hlen, '\0');
  if (std::fread(&header[0], 1, hlen, f) != hlen || header.find("'<f4'") == std::string::npos) {
    std::fclose(f);
    return luodi::Status::error(luodi::StatusCode::ParseError, "%s: not a float32 .npy", path.c_str());
  }
  const std::size_t a = header.find("'shape': ("), b = header.find(')', a);
  *shape = luodi::Shape{};
  for (std::size_t p = a + 10; p < b;) {
    char* end = nullptr;
    const long long v = std::strtoll(header.c_str() + p, &end, 10);
    if (end == header.c_str() + p) break;
    shape->push_back(v);
    p = static_cast<std::size_t>(end - header.c_str());
    while (p < b && (header[p] == ',' || header[p] == ' ')) ++p;
  }
  data->resize(static_cast<std::size_t>(shape->numel()));
  const bool ok = std::fread(data->data(), sizeof(float), data->size(), f) == data->size();
  std::fclose(f);
  return ok ? luodi::Status() : luodi::Status::error(luodi::StatusCode::Truncated, "%s is truncated", path.c_str());
}

class OrtBackend : public ocr::Backend {
 public:
  // Starts `node server_js`; models[i] is the .onnx file for Stage i.
  static luodi::Status start(OrtBackend* b, const std::string& node, const std::string& server_js,
                             const std::string models[ocr::kNumStages]) {
    for (int i = 0; i < ocr::kNumStages; ++i) b->models_[i] = models[i];
    char tmpl[] = "/tmp/luodi_ocr_ort_XXXXXX";
    if (!mkdtemp(tmpl)) return luodi::Status(luodi::StatusCode::IoError, "cannot make a temporary directory");
    b->dir_ = tmpl;
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) return luodi::Status(luodi::StatusCode::IoError, "pipe failed");
    const pid_t pid = fork();
    if (pid < 0) return luodi::Status(luodi::StatusCode::IoError, "fork failed");
    if (pid == 0) {
      dup2(to_child[0], 0);
      dup2(from_child[1], 1);
      close(to_child[1]);
      close(from_child[0]);
      execlp(node.c_str(), node.c_str(), server_js.c_str(), static_cast<char*>(nullptr));
      std::printf("error cannot run %s\n", node.c_str());
      std::fflush(stdout);
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    b->pid_ = pid;
    b->to_ = fdopen(to_child[1], "w");
    b->from_ = fdopen(from_child[0], "r");
    return luodi::Status();
  }

  ~OrtBackend() override {
    if (to_) std::fclose(to_);
    if (from_) std::fclose(from_);
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
    for (int i = 0; i < ocr::kNumStages; ++i) {
      std::remove(path(i, "in").c_str());
      std::remove(path(i, "out").c_str());
    }
    if (!dir_.empty()) rmdir(dir_.c_str());
  }

  luodi::Result<luodi::TensorView<float>> input(ocr::Stage s, const luodi::Shape& shape) override {
    Net& n = nets_[static_cast<int>(s)];
    n.in_shape = shape;
    n.in.assign(static_cast<std::size_t>(shape.numel()), 0.0f);
    return luodi::TensorView<float>::contiguous(n.in.data(), shape, luodi::Layout::NCHW);
  }

  luodi::Status run(ocr::Stage s) override {
    const int i = static_cast<int>(s);
    Net& n = nets_[i];
    LUODI_RETURN_IF_ERROR(write_npy(path(i, "in"), n.in_shape, n.in.data()));
    std::fprintf(to_, "run %s %s %s\n", models_[i].c_str(), path(i, "in").c_str(), path(i, "out").c_str());
    std::fflush(to_);
    char reply[1024];
    if (!std::fgets(reply, sizeof reply, from_))
      return luodi::Status(luodi::StatusCode::IoError, "onnxruntime: the node process ended");
    if (std::strncmp(reply, "ok ", 3) != 0) {
      reply[std::strcspn(reply, "\n")] = '\0';
      return luodi::Status::error(luodi::StatusCode::Internal, "onnxruntime (%s): %s", ocr::stage_name(s), reply);
    }
    n.last_ms = std::atof(reply + 3);
    n.total_ms += n.last_ms;
    return read_npy(path(i, "out"), &n.out_shape, &n.out);
  }

  // Milliseconds ONNX Runtime itself spent in session.run for stage s since the last reset,
  // measured inside the node process (no pipe or file overhead).
  double run_ms(ocr::Stage s) const { return nets_[static_cast<int>(s)].total_ms; }
  void reset_run_ms() {
    for (Net& n : nets_) n.total_ms = 0.0;
  }

  luodi::TensorView<const float> output(ocr::Stage s) override {
    Net& n = nets_[static_cast<int>(s)];
    return luodi::TensorView<const float>::contiguous(n.out.data(), n.out_shape);
  }

 private:
  struct Net {
    luodi::Shape in_shape, out_shape;
    std::vector<float> in, out;
    double last_ms = 0.0;
    double total_ms = 0.0;
  };
  std::string path(int i, const char* what) const { return dir_ + "/" + ocr::stage_name(static_cast<ocr::Stage>(i)) + "_" + what + ".npy"; }

  std::string models_[ocr::kNumStages];
  std::string dir_;
  Net nets_[ocr::kNumStages];
  pid_t pid_ = -1;
  std::FILE* to_ = nullptr;
  std::FILE* from_ = nullptr;
};

}  // namespace ocr_test
