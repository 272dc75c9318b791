// The recognition dictionary and greedy CTC decoding.
//
// PP-OCR's recogniser is trained with CTC (Graves et al., "Connectionist Temporal
// Classification", ICML 2006): for each of T time steps (W/8 columns of the 48-pixel-high crop)
// it outputs a distribution over C = 1 + N + 1 classes: class 0 is the CTC blank, classes
// 1..N are the dictionary's lines in order, and class N + 1 is the space character (PaddleOCR's
// use_space_char, appended to the dictionary). Greedy (best-path) decoding takes the most
// likely class per step, merges repeats of the same class on consecutive steps, then drops the
// blanks: "a a - a b b" (- = blank) reads "aab". The line's score is the mean of the kept
// steps' probabilities (PaddleOCR reports the same figure), 0 for an empty line.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include <luodi/core/status.hpp>

namespace ocr {

class Dictionary {
 public:
  // One symbol per line (UTF-8; a trailing '\r' is dropped), then the space appended.
  static luodi::Result<Dictionary> load(const char* path) {
    std::FILE* f = std::fopen(path, "rb");
    if (f == nullptr)
      return luodi::Status::error(luodi::StatusCode::NotFound, "dictionary \"%s\" cannot be opened", path);
    std::string text;
    char buf[1 << 14];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) return luodi::Status::error(luodi::StatusCode::IoError, "dictionary \"%s\": read error", path);
    luodi::Result<Dictionary> d = from_text(text);
    if (!d.ok()) {
      luodi::Status s = d.status();
      s.prepend("dictionary \"%s\": ", path);
      return s;
    }
    return d;
  }

  static luodi::Result<Dictionary> from_text(const std::string& text) {
    Dictionary d;
    std::size_t line = 1;
    for (std::size_t pos = 0; pos < text.size(); ++line) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      std::string s = text.substr(pos, end - pos);
      if (!s.empty() && s.back() == '\r') s.pop_back();
      if (s.empty())
        return luodi::Status::error(luodi::StatusCode::ParseError, "line %zu is empty (one symbol per line)", line);
      d.symbols_.push_back(std::move(s));
      pos = end + 1;
    }
    if (d.symbols_.empty()) return luodi::Status(luodi::StatusCode::ParseError, "no symbols");
    d.symbols_.push_back(" ");
    return d;
  }

  // Classes the recogniser must output: blank + symbols (space included).
  int num_classes() const { return static_cast<int>(symbols_.size()) + 1; }
  // The text of class k in 1..num_classes()-1.
  const std::string& symbol(int k) const { return symbols_[static_cast<std::size_t>(k - 1)]; }

 private:
  std::vector<std::string> symbols_;
};

struct Decoded {
  std::string text;
  float score = 0.0f;  // mean probability of the kept steps
  int chars = 0;       // symbols in text
};

// Best-path decoding of T steps of C class probabilities (row t at probs + t * row_stride).
// The caller checks C == dict.num_classes().
inline Decoded ctc_greedy_decode(const float* probs, int T, int C, std::ptrdiff_t row_stride, const Dictionary& dict) {
  Decoded out;
  int prev = -1;
  double sum = 0.0;
  for (int t = 0; t < T; ++t) {
    const float* p = probs + t * row_stride;
    int best = 0;
    for (int c = 1; c < C; ++c)
      if (p[c] > p[best]) best = c;
    if (best != 0 && best != prev) {
      out.text += dict.symbol(best);
      sum += p[best];
      ++out.chars;
    }
    prev = best;
  }
  out.score = out.chars > 0 ? static_cast<float>(sum / out.chars) : 0.0f;
  return out;
}

}  // namespace ocr
