// The bundled images' ground truth (examples/ocr/data/ground_truth.tsv) and how a page of OCR
// output is held against it.
//
// The bound, and why. Per line, after removing ASCII spaces from both strings, the
// recognised text may be at most kMaxEditsPerLine = 1 edit (Levenshtein, over Unicode code
// points) from the rendered string, and over all pages at most kMaxEditsTotal = 3.
//   - Spaces are not compared: the PP-OCRv4 "ch" recogniser is trained mostly on Chinese and
//     drops most spaces between Latin words when the boxes are as tight as the published unclip
//     ratio makes them ("Sourdoughloaf2x4.50"); ONNX Runtime running the same models shows the
//     same thing, so it is the model, not the pipeline.
//   - One edit per line: on these clean renders the models misread at most one glyph per line
//     (ONNX Runtime reads 苹 as the look-alike 萃 in one line, and nothing else). Every pipeline
//     fault we can think of (channel order, normalisation, crop geometry or direction, a
//     dictionary off by one, a missed 180-degree turn) garbles most of a line, so the bound sits
//     far from both.
// The line count, the reading order, which line was turned by the classifier, and each box's
// direction (within kMaxAngleError degrees of the rendered angle) are checked exactly.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../../../examples/ocr/geometry.hpp"

namespace ocr_test {

inline constexpr int kMaxEditsPerLine = 1;
inline constexpr int kMaxEditsTotal = 3;
inline constexpr double kMaxAngleError = 1.5;  // degrees; the min-area box of a rendered line

struct TruthLine {
  std::string image;
  double angle = 0.0;  // degrees clockwise from +x on screen
  std::string text;
};

inline std::vector<TruthLine> load_truth(const std::string& path) {
  std::vector<TruthLine> out;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, f)) {
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    const std::size_t a = s.find('\t'), b = s.find('\t', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    out.push_back({s.substr(0, a), std::atof(s.substr(a + 1, b - a - 1).c_str()), s.substr(b + 1)});
  }
  std::fclose(f);
  return out;
}

// UTF-8 to code points (invalid bytes map to U+FFFD, one per byte).
inline std::vector<char32_t> code_points(const std::string& s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t v = n == 1 ? c : c & (0x7F >> n);
    for (int k = 1; k < n; ++k) v = (v << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(v);
    i += n;
  }
  return out;
}

inline int edit_distance(const std::vector<char32_t>& a, const std::vector<char32_t>& b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

inline std::string without_spaces(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s;
}

inline int text_distance(const std::string& truth, const std::string& got) {
  return edit_distance(code_points(without_spaces(truth)), code_points(without_spaces(got)));
}

// The direction of a quad's reading axis, degrees clockwise from +x, and the difference of two
// angles folded into [0, 180].
inline double quad_angle(const ocr::Quad& q) {
  const ocr::Point d = q.p[1] - q.p[0];
  return std::atan2(d.y, d.x) * 180.0 / ocr::kPi;
}
inline double angle_diff(double a, double b) {
  double d = std::fmod(std::fabs(a - b), 360.0);
  return d > 180.0 ? 360.0 - d : d;
}

}  // namespace ocr_test
