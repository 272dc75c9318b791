// Reads back what `luodi-run --dump DIR` wrote, with the .npy reader the tools use
// (luodi/detail/npy.hpp): every file in DIR/index.txt parses, holds the dtype and shape the
// index states, and the tensors named on the command line have the shapes given there (derived
// from the model's architecture) and, with NAME~REF.npy, match a reference array.
//
//   dump_check DIR [NAME=SHAPE]... [NAME~REF.npy]...     exit 0 ok, 1 mismatch, 2 usage
#include <luodi/detail/npy.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

using namespace luodi;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: dump_check DIR [NAME=SHAPE]... [NAME~REF.npy]...\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::ifstream index(dir + "/index.txt");
  if (!index) {
    std::fprintf(stderr, "dump_check: cannot open %s/index.txt\n", dir.c_str());
    return 1;
  }
  std::map<std::string, npy::Array> by_name;
  std::string line;
  int files = 0, bad = 0;
  while (std::getline(index, line)) {
    std::istringstream ss(line);
    std::string file, name, dtype, shape;
    if (!std::getline(ss, file, '\t') || !std::getline(ss, name, '\t') || !std::getline(ss, dtype, '\t') ||
        !std::getline(ss, shape)) {
      std::fprintf(stderr, "dump_check: malformed index line \"%s\"\n", line.c_str());
      return 1;
    }
    npy::Array a;
    const Status st = npy::read(dir + "/" + file, &a);
    if (!st.ok()) {
      std::fprintf(stderr, "dump_check: %s: %s\n", file.c_str(), st.message());
      ++bad;
      continue;
    }
    if (dtype != dtype_name(a.dtype) || shape != a.shape.str().c_str()) {
      std::fprintf(stderr, "dump_check: %s holds %s %s; the index says %s %s\n", file.c_str(), dtype_name(a.dtype),
                   a.shape.str().c_str(), dtype.c_str(), shape.c_str());
      ++bad;
    }
    by_name[name] = a;
    ++files;
  }
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    const std::size_t eq = arg.rfind('='), tilde = arg.rfind('~');
    const bool is_ref = tilde != std::string::npos && (eq == std::string::npos || tilde > eq);
    const std::size_t cut = is_ref ? tilde : eq;
    if (cut == std::string::npos) {
      std::fprintf(stderr, "dump_check: \"%s\" is neither NAME=SHAPE nor NAME~REF.npy\n", arg.c_str());
      return 2;
    }
    const std::string name = arg.substr(0, cut), want = arg.substr(cut + 1);
    const auto it = by_name.find(name);
    if (it == by_name.end()) {
      std::fprintf(stderr, "dump_check: no tensor \"%s\" in the dump\n", name.c_str());
      ++bad;
      continue;
    }
    const npy::Array& a = it->second;
    if (!is_ref) {
      std::string got = a.shape.str().c_str();
      if (got != want) {
        std::fprintf(stderr, "dump_check: \"%s\" is %s, expected %s\n", name.c_str(), got.c_str(), want.c_str());
        ++bad;
      }
      continue;
    }
    npy::Array ref;
    const Status st = npy::read(want, &ref);
    if (!st.ok() || ref.dtype != DType::f32 || a.dtype != DType::f32 || !(ref.shape == a.shape)) {
      std::fprintf(stderr, "dump_check: \"%s\" (%s) and %s (%s) are not comparable f32 arrays\n", name.c_str(),
                   a.shape.str().c_str(), want.c_str(), ref.shape.str().c_str());
      ++bad;
      continue;
    }
    double err = 0, mag = 1;
    for (std::int64_t k = 0; k < a.numel(); ++k) {
      err = std::fmax(err, std::fabs(static_cast<double>(a.as<float>()[k]) - ref.as<float>()[k]));
      mag = std::fmax(mag, std::fabs(static_cast<double>(ref.as<float>()[k])));
    }
    if (!(err <= 1e-4 * mag)) {
      std::fprintf(stderr, "dump_check: \"%s\" differs from %s by %g (> 1e-4 * %g)\n", name.c_str(), want.c_str(), err, mag);
      ++bad;
    }
  }
  std::printf("dump_check: %d files read, %d problem%s\n", files, bad, bad == 1 ? "" : "s");
  return bad == 0 && files > 0 ? 0 : 1;
}
