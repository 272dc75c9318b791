// Writes the bad-input corpus (corpus_cases.hpp) and its manifest:
//   luodi_make_corpus tests/runtime/corpus
// test_corpus.cpp checks that the committed files are exactly what this makes.
#include <cstdio>
#include <string>

#include "../corpus_cases.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output directory>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const auto cases = luodi_test::make_corpus_cases();
  std::FILE* manifest = std::fopen((dir + "/MANIFEST.txt").c_str(), "wb");
  if (!manifest) {
    std::fprintf(stderr, "cannot write %s/MANIFEST.txt\n", dir.c_str());
    return 1;
  }
  std::fprintf(manifest,
               "# file | expected status | verify data CRC | what is wrong\n"
               "# Made by tests/runtime/tools/make_corpus.cpp from tests/runtime/corpus_cases.hpp; checked by\n"
               "# tests/runtime/test_corpus.cpp. Regenerate: luodi_make_corpus tests/runtime/corpus\n");
  for (const auto& c : cases) {
    std::FILE* f = std::fopen((dir + "/" + c.file).c_str(), "wb");
    if (!f || std::fwrite(c.bytes.data(), 1, c.bytes.size(), f) != c.bytes.size()) {
      std::fprintf(stderr, "cannot write %s\n", c.file.c_str());
      return 1;
    }
    std::fclose(f);
    std::fprintf(manifest, "%s | %s | %d | %s\n", c.file.c_str(), c.expect.c_str(), c.verify_data ? 1 : 0, c.why.c_str());
  }
  std::fclose(manifest);
  std::printf("wrote %zu files to %s\n", cases.size(), dir.c_str());
  return 0;
}
