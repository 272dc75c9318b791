// Model: an immutable, checked .luodi file, used in place.
//
//   auto model = luodi::Model::load("net.luodi");            // mmap where available
//   auto model = luodi::Model::from_memory(kNetLuodi, sizeof kNetLuodi);  // flash, a const array
//
// Loading checks everything before anything is used (format::Reader::open lists the rules:
// magic, version, structure CRC, every offset, size, index, dtype x shape byte count with
// overflow checks, topological order, op codes), then every node's attributes against the op
// schema (ops/schema.hpp). A bad file gets a Status with a specific code and a message naming
// the tensor, node or byte offset; nothing in a file can make luodi read out of bounds.
//
// Memory. A Model holds no per-tensor state: it is a small fixed-size object pointing into the
// file's bytes. load() maps the file (read-only, private); the weights are paged in when first
// used. from_memory() uses the caller's bytes in place when they are 64-byte aligned (the
// caller keeps them alive); otherwise it copies them into an aligned buffer, says so in
// storage() and copied_bytes(), or refuses when LoadOptions::copy_if_unaligned is false. With
// aligned memory no heap is touched, so a Model can be built from a const array on a
// microcontroller and live in static storage.
//
// A Model is immutable and may be shared by any number of Sessions on any threads.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "../config.hpp"
#include "../core/memory.hpp"
#include "../core/status.hpp"
#include "../format/preprocess_record.hpp"
#include "../format/reader.hpp"
#include "../ops/schema.hpp"

#if LUODI_HAS_MMAP
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif
#if LUODI_HAS_FILESYSTEM
#include <cstdio>
#endif

namespace luodi {

class Session;

struct LoadOptions {
  // Check the CRC of the weights too (reads the whole file; see format/spec.hpp for why this
  // is not the default). Model::verify_data() does the same later.
  bool verify_data_crc = false;
  // from_memory(): copy a buffer that is not 64-byte aligned instead of failing.
  bool copy_if_unaligned = true;
};

enum class ModelStorage : std::uint8_t {
  Borrowed = 0,  // the caller's memory, used in place
  Mapped = 1,    // a read-only mapping of the file
  Copied = 2,    // luodi's own aligned copy (unaligned input, or no mmap on this platform)
};

inline const char* model_storage_name(ModelStorage s) noexcept {
  switch (s) {
    case ModelStorage::Borrowed: return "borrowed";
    case ModelStorage::Mapped: return "mapped";
    case ModelStorage::Copied: return "copied";
  }
  return "?";
}

// A graph input or output as declared in the file.
struct TensorInfo {
  const char* name = "";
  DType dtype = DType::f32;
  Shape shape;                              // -1 for dims bound at prepare time
  const char* dim_names[kMaxRank] = {};     // symbolic names, "" for none
  std::int32_t index = -1;                  // tensor index in the file
};

// The verification tolerance for Model::verify(): |got - want| <= atol + rtol * |want|.
struct VerifyOptions {
  float atol = 1e-4f;
  float rtol = 1e-3f;
};

class Model {
 public:
  Model() noexcept = default;
  Model(Model&& o) noexcept { *this = std::move(o); }
  Model& operator=(Model&& o) noexcept {
    if (this != &o) {
      release();
      reader_ = o.reader_;
      preprocess_ = o.preprocess_;
      storage_ = o.storage_;
      map_base_ = o.map_base_;
      map_size_ = o.map_size_;
      copy_ = std::move(o.copy_);
      o.map_base_ = nullptr;
      o.map_size_ = 0;
      o.reader_ = format::Reader();
    }
    return *this;
  }
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model() { release(); }

  // Use `size` bytes at `data` in place (when 64-byte aligned). The bytes must outlive the Model.
  static Result<Model> from_memory(const void* data, std::size_t size, const LoadOptions& opt = {}) noexcept {
    if (data == nullptr) return Status(StatusCode::InvalidArgument, "from_memory: null pointer");
    Model m;
    const std::uint8_t* bytes = static_cast<const std::uint8_t*>(data);
    if (!is_aligned(data, kAlignment)) {
      if (!opt.copy_if_unaligned)
        return Status::error(StatusCode::InvalidArgument,
                             "from_memory: the buffer at %p is not %zu-byte aligned, and copy_if_unaligned is off "
                             "(align it, e.g. alignas(64), to use it in place)",
                             data, kAlignment);
      LUODI_ASSIGN_OR_RETURN(m.copy_, AlignedBuffer::create(size));
      std::memcpy(m.copy_.data(), data, size);
      bytes = m.copy_.data();
      m.storage_ = ModelStorage::Copied;
    }
    LUODI_RETURN_IF_ERROR(m.open(bytes, size, opt));
    return m;
  }

#if LUODI_HAS_FILESYSTEM
  // Map (or, without mmap, read) the file at `path`.
  static Result<Model> load(const char* path, const LoadOptions& opt = {}) noexcept {
    if (path == nullptr) return Status(StatusCode::InvalidArgument, "load: null path");
    Model m;
#if LUODI_HAS_MMAP
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::error(StatusCode::IoError, "cannot open \"%s\": %s", path, std::strerror(errno));
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int e = errno;
      ::close(fd);
      return Status::error(StatusCode::IoError, "cannot stat \"%s\": %s", path, std::strerror(e));
    }
    const std::size_t size = static_cast<std::size_t>(st.st_size);
    if (size == 0) {
      ::close(fd);
      return Status::error(StatusCode::Truncated, "\"%s\" is empty", path);
    }
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int e = errno;
    ::close(fd);  // the mapping keeps the file open
    if (p == MAP_FAILED) return Status::error(StatusCode::IoError, "cannot map \"%s\": %s", path, std::strerror(e));
    m.map_base_ = p;
    m.map_size_ = size;
    m.storage_ = ModelStorage::Mapped;
    Status s = m.open(static_cast<const std::uint8_t*>(p), size, opt);
#else
    std::FILE* f = std::fopen(path, "rb");
    if (!f) return Status::error(StatusCode::IoError, "cannot open \"%s\"", path);
    std::fseek(f, 0, SEEK_END);
    const long end = std::ftell(f);
    std::fseek(f, 0, SEEK_SET);
    if (end <= 0) {
      std::fclose(f);
      return Status::error(StatusCode::Truncated, "\"%s\" is empty", path);
    }
    auto buf = AlignedBuffer::create(static_cast<std::size_t>(end));
    if (!buf.ok()) {
      std::fclose(f);
      return buf.status();
    }
    m.copy_ = std::move(*buf);
    const std::size_t got = std::fread(m.copy_.data(), 1, m.copy_.size(), f);
    std::fclose(f);
    if (got != m.copy_.size()) return Status::error(StatusCode::IoError, "short read from \"%s\"", path);
    m.storage_ = ModelStorage::Copied;
    Status s = m.open(m.copy_.data(), m.copy_.size(), opt);
#endif
    if (!s.ok()) return s.prepend("\"%s\": ", path);
    return m;
  }
#endif

  const format::Reader& reader() const noexcept { return reader_; }

  int num_inputs() const noexcept { return reader_.num_inputs(); }
  int num_outputs() const noexcept { return reader_.num_outputs(); }
  TensorInfo input_info(int i) const noexcept { return info(reader_.input(i)); }
  TensorInfo output_info(int i) const noexcept { return info(reader_.output(i)); }
  // Index of the graph input / output named `name`, or -1.
  int find_input(const char* name) const noexcept {
    for (int i = 0; i < num_inputs(); ++i)
      if (std::strcmp(reader_.tensor(reader_.input(i)).name, name) == 0) return i;
    return -1;
  }
  int find_output(const char* name) const noexcept {
    for (int i = 0; i < num_outputs(); ++i)
      if (std::strcmp(reader_.tensor(reader_.output(i)).name, name) == 0) return i;
    return -1;
  }

  format::MetadataEntry metadata() const noexcept { return reader_.metadata(); }
  int num_labels() const noexcept { return reader_.num_labels(); }
  const char* label(int i) const noexcept { return reader_.label(i); }
  // The preprocessing contract the converter stored (checked at load), for image::preprocess():
  //   luodi::preprocess(frame, model->preprocessing(), session.input(0));
  // Without one, the returned spec has version 0, which preprocess() refuses: a model that does
  // not say how it wants its input never silently gets ImageNet defaults.
  bool has_preprocessing() const noexcept { return preprocess_.version != 0; }
  const PreprocessSpec& preprocessing() const noexcept { return preprocess_; }
  // The raw record (format/preprocess_record.hpp), nullptr when the file has none.
  const std::uint8_t* preprocessing_bytes() const noexcept { return reader_.preprocess_bytes(); }
  std::size_t preprocessing_size() const noexcept { return static_cast<std::size_t>(reader_.preprocess_size()); }
  bool has_golden() const noexcept { return reader_.has_golden(); }

  // The data CRC (every weight byte); load checks it only with LoadOptions::verify_data_crc.
  Status verify_data() const noexcept { return reader_.verify_data_crc(); }

  // Replay the golden input/output pair stored by the converter through a Session and compare.
  // Needs luodi/runtime/session.hpp (the body is instantiated only when called).
  template <class S = Session>
  Status verify(const VerifyOptions& opt = {}) const noexcept {
    return S::verify_golden(*this, opt);
  }

  // Memory figures.
  ModelStorage storage() const noexcept { return storage_; }
  std::uint64_t file_bytes() const noexcept { return reader_.file_size(); }
  // Weight bytes used where they lie (mapped or borrowed); 0 when they were copied.
  std::uint64_t weight_bytes_in_place() const noexcept {
    return storage_ == ModelStorage::Copied ? 0 : reader_.data_bytes();
  }
  // Bytes luodi copied to load the model.
  std::uint64_t copied_bytes() const noexcept { return storage_ == ModelStorage::Copied ? copy_.size() : 0; }

 private:
  Status open(const std::uint8_t* bytes, std::size_t size, const LoadOptions& opt) noexcept {
    format::ReadOptions ro;
    ro.verify_data_crc = opt.verify_data_crc;
    auto r = format::Reader::open(bytes, size, ro);
    if (!r.ok()) return r.status();
    reader_ = *r;
    for (int n = 0; n < reader_.num_nodes(); ++n) {
      const format::NodeEntry e = reader_.node(n);
      Status s = ops::check_attributes(e.op, e.attrs);
      if (!s.ok()) return s.prepend("node %d \"%s\" (%s): ", n, e.name, graph::op_name(e.op));
    }
    if (reader_.preprocess_size() != 0)
      LUODI_RETURN_IF_ERROR(format::decode_preprocess(reader_.preprocess_bytes(), reader_.preprocess_size(), &preprocess_));
    return Status();
  }

  TensorInfo info(std::int32_t t) const noexcept {
    const format::TensorEntry e = reader_.tensor(t);
    TensorInfo i;
    i.name = e.name;
    i.dtype = e.dtype;
    i.shape = e.shape;
    i.index = t;
    for (int d = 0; d < kMaxRank; ++d) i.dim_names[d] = reader_.string(e.dim_name[d]);
    return i;
  }

  void release() noexcept {
#if LUODI_HAS_MMAP
    if (map_base_) ::munmap(map_base_, map_size_);
#endif
    map_base_ = nullptr;
    map_size_ = 0;
  }

  static PreprocessSpec no_preprocessing() noexcept {
    PreprocessSpec s;
    s.version = 0;
    return s;
  }

  format::Reader reader_;
  PreprocessSpec preprocess_ = no_preprocessing();
  ModelStorage storage_ = ModelStorage::Borrowed;
  void* map_base_ = nullptr;
  std::size_t map_size_ = 0;
  AlignedBuffer copy_;
};

}  // namespace luodi
