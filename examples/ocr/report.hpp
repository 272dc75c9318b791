// Showing OCR results: the text report and the annotated image.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "../common/image_io.hpp"
#include "ocr.hpp"

namespace ocr {

// A filled disc of radius r at (x, y).
inline void draw_dot(examples::RgbImage& img, double x, double y, double r, const std::uint8_t rgb[3]) {
  const int x0 = std::max(0, static_cast<int>(std::floor(x - r))), x1 = std::min(img.width - 1, static_cast<int>(std::ceil(x + r)));
  const int y0 = std::max(0, static_cast<int>(std::floor(y - r))), y1 = std::min(img.height - 1, static_cast<int>(std::ceil(y + r)));
  for (int j = y0; j <= y1; ++j)
    for (int i = x0; i <= x1; ++i) {
      const double dx = i + 0.5 - x, dy = j + 0.5 - y;
      if (dx * dx + dy * dy <= r * r) {
        std::uint8_t* p = &img.pixels[(static_cast<std::size_t>(j) * img.width + i) * 3];
        p[0] = rgb[0], p[1] = rgb[1], p[2] = rgb[2];
      }
    }
}

// The box outline (width about 2 px) and a dot on the corner where reading starts.
inline void draw_quad(examples::RgbImage& img, const Quad& q, const std::uint8_t rgb[3]) {
  for (int k = 0; k < 4; ++k) {
    const Point a = q.p[k], b = q.p[(k + 1) % 4];
    const int steps = std::max(1, static_cast<int>(std::ceil(norm(b - a) * 2.0)));
    for (int s = 0; s <= steps; ++s) {
      const Point p = a + (b - a) * (static_cast<double>(s) / steps);
      draw_dot(img, p.x, p.y, 1.2, rgb);
    }
  }
  draw_dot(img, q.p[0].x, q.p[0].y, 3.5, rgb);
}

inline void annotate(examples::RgbImage& img, const PageResult& r) {
  static const std::uint8_t green[3] = {0, 200, 60}, orange[3] = {255, 120, 0};
  for (const TextLine& l : r.lines) draw_quad(img, l.box, l.turned ? orange : green);
}

inline void print_result(std::FILE* out, const char* name, int w, int h, const PageResult& r) {
  std::fprintf(out, "%s  %dx%d  det input %dx%d  %d boxes, %d lines\n", name, w, h, r.det_width, r.det_height, r.boxes,
               static_cast<int>(r.lines.size()));
  for (const TextLine& l : r.lines) {
    std::fprintf(out, "  [%4.0f,%4.0f %4.0f,%4.0f %4.0f,%4.0f %4.0f,%4.0f]  rec %.3f  det %.3f%s  %s\n", l.box.p[0].x,
                 l.box.p[0].y, l.box.p[1].x, l.box.p[1].y, l.box.p[2].x, l.box.p[2].y, l.box.p[3].x, l.box.p[3].y,
                 l.score, l.box_score, l.turned ? "  (turned 180)" : "", l.text.c_str());
  }
  if (r.dropped > 0) std::fprintf(out, "  (%d line(s) below the recognition score threshold dropped)\n", r.dropped);
  std::fprintf(out,
               "  time ms: det preprocess %.2f | det %.2f | db post %.2f | cls %.2f | rec %.2f | prepare %.2f | total "
               "%.2f\n",
               r.ms.det_pre, r.ms.det_run, r.ms.det_post, r.ms.cls, r.ms.rec, r.ms.prepare, r.ms.total);
}

}  // namespace ocr
