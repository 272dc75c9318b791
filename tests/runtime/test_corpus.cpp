// The committed bad-input corpus: every file fails to load with its manifest's status code, and
// the files are exactly what the generator (corpus_cases.hpp) makes today.
#include <doctest/doctest.h>
#include <luodi/runtime/model.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "corpus_cases.hpp"

using namespace luodi;

namespace {

std::vector<std::uint8_t> read_file(const std::string& path, bool* ok) {
  std::ifstream f(path, std::ios::binary);
  *ok = static_cast<bool>(f);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

Status load_case(const std::vector<std::uint8_t>& bytes, bool verify_data) {
  // In place, from 64-byte aligned memory, as a product would.
  auto buf = AlignedBuffer::create(bytes.size() + 1);
  REQUIRE(buf.ok());
  if (!bytes.empty()) std::memcpy(buf->data(), bytes.data(), bytes.size());
  LoadOptions opt;
  opt.verify_data_crc = verify_data;
  opt.copy_if_unaligned = false;
  auto m = Model::from_memory(buf->data(), bytes.size(), opt);
  if (m.ok()) {
    CHECK(m->storage() == ModelStorage::Borrowed);
    CHECK(m->copied_bytes() == 0);
    return Status();
  }
  return m.status();
}

}  // namespace

TEST_CASE("corpus: each file fails with the status its manifest names") {
  const std::string dir = LUODI_RUNTIME_CORPUS_DIR;
  bool ok = false;
  const std::vector<std::uint8_t> manifest_bytes = read_file(dir + "/MANIFEST.txt", &ok);
  REQUIRE_MESSAGE(ok, "missing " << dir << "/MANIFEST.txt (run luodi_make_corpus)");
  std::map<std::string, std::pair<std::string, bool>> manifest;
  std::istringstream lines(std::string(manifest_bytes.begin(), manifest_bytes.end()));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::istringstream ls(line);
    std::string part;
    while (std::getline(ls, part, '|')) f.push_back(trim(part));
    REQUIRE(f.size() == 4);
    manifest[f[0]] = {f[1], f[2] == "1"};
  }

  const auto cases = luodi_test::make_corpus_cases();
  CHECK(manifest.size() == cases.size());
  int failures_seen = 0;
  for (const auto& c : cases) {
    CAPTURE(c.file);
    // The committed file is what the generator makes now.
    const std::vector<std::uint8_t> committed = read_file(dir + "/" + c.file, &ok);
    REQUIRE_MESSAGE(ok, "missing corpus file (run luodi_make_corpus)");
    CHECK(committed == c.bytes);
    REQUIRE(manifest.count(c.file) == 1);
    CHECK(manifest[c.file].first == c.expect);
    CHECK(manifest[c.file].second == c.verify_data);

    const Status s = load_case(committed, c.verify_data);
    CAPTURE(s.message());
    CHECK(std::string(s.code_name()) == c.expect);
    if (!s.ok()) {
      ++failures_seen;
      CHECK(std::strlen(s.message()) > 10);
    }
  }
  CHECK(failures_seen >= 30);
}

TEST_CASE("corpus: messages name what is wrong") {
  const auto cases = luodi_test::make_corpus_cases();
  auto message_of = [&](const char* file) {
    for (const auto& c : cases)
      if (c.file == file) return std::string(load_case(c.bytes, c.verify_data).message());
    return std::string("(no such case)");
  };
  CHECK(message_of("attr_wrong_type.luodi") ==
        "node 0 \"leaky\" (LeakyRelu): attribute \"alpha\" is string, expected float or int");
  CHECK(message_of("attr_unknown_name.luodi") ==
        "node 0 \"leaky\" (LeakyRelu): unknown attribute \"slope_mode\" for LeakyRelu");
  CHECK(message_of("unknown_op.luodi").find("op code 999") != std::string::npos);
  CHECK(message_of("cycle.luodi").find("node 0 \"leaky\" (LeakyRelu) reads tensor \"b\" produced by node 1") !=
        std::string::npos);
  CHECK(message_of("dtype_size_mismatch.luodi").find("\"bias\"") != std::string::npos);
  CHECK(message_of("tensor_data_out_of_range.luodi").find("\"bias\"") != std::string::npos);
}
