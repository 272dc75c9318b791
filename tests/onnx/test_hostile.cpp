// Corrupt and hostile .onnx files (made by make_hostile.py) get the expected named error.
#include <doctest/doctest.h>
#include <luodi/onnx/import.hpp>

#include <fstream>
#include <sstream>
#include <string>

using namespace luodi;

TEST_CASE("hostile: every committed corrupt model gets its expected status, never a crash") {
  const std::string dir = std::string(LUODI_ONNX_TEST_DIR) + "/hostile";
  std::ifstream manifest(dir + "/expected.txt");
  REQUIRE(manifest.good());
  std::string line;
  int n = 0;
  while (std::getline(manifest, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    const std::string file = line.substr(0, tab), want = line.substr(tab + 1);
    graph::Graph g;
    onnx::ImportReport rep;
    const Status s = onnx::import_file(dir + "/" + file, onnx::ImportOptions(), &g, &rep);
    CAPTURE(file);
    const std::string msg = s.message();
    CAPTURE(msg);
    CHECK(std::string(s.code_name()) == want);
    if (!s.ok()) CHECK(!rep.problems.empty());
    ++n;
  }
  CHECK(n >= 20);
}
