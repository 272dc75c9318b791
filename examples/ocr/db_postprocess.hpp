// DB post-processing: a text-probability map to text boxes.
//
// The detector (PP-OCRv4 det, a DBNet: Liao et al., "Real-time Scene Text Detection with
// Differentiable Binarization", AAAI 2020) predicts, per pixel, the probability that the pixel
// lies in a text kernel: the text region shrunk by D = A (1 - r^2) / L (A its area, L its
// perimeter, r = 0.4). At inference the paper binarises the map with a fixed threshold, takes
// the connected regions, and grows each back by D' = A' r' / L' (the "unclip", r' = 1.5)
// with the Vatti polygon offset. Here, per region:
//
//   1. regions: 8-connected components of (prob > thresh), found on row runs with union-find;
//   2. box: the minimum-area rectangle of the region's pixel squares (a pixel is the square
//      [x, x+1) x [y, y+1), so a one-pixel-high line still has height 1); regions whose box is
//      thinner than min_side (3 map pixels) are dropped as noise;
//   3. score: the mean probability over the pixels whose centres lie inside that box; boxes
//      below box_thresh (0.6) are dropped;
//   4. unclip: the box is grown by D' = area * unclip_ratio / perimeter (offset_convex, round
//      corners) and boxed again (min_area_rect); boxes thinner than min_side + 2 are dropped.
//
// Everything stays in the map's continuous coordinates; the caller maps the boxes back to the
// image with the preprocessing transform. The thresholds are PaddleOCR's published defaults
// for this model (det_db_thresh 0.3, det_db_box_thresh 0.6, det_db_unclip_ratio 1.5,
// max_candidates 1000, min_size 3). Written from the paper's description, not from PaddleOCR's
// code; the differences that follow from that are listed in docs/demo.md.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include <luodi/image/preprocess.hpp>

#include "geometry.hpp"

namespace ocr {

// A horizontal run of foreground pixels: row y, columns x0..x1 inclusive.
struct Run {
  int y;
  int x0;
  int x1;
};

// One connected region: runs[first_run .. first_run + num_runs) of the owning Regions, in
// raster order, and its pixel count and bounding box (inclusive).
struct Region {
  int first_run = 0;
  int num_runs = 0;
  long long area = 0;
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

struct Regions {
  std::vector<Run> runs;
  std::vector<Region> regions;  // ordered by their first pixel in raster order
};

namespace detail {
inline int find_root(std::vector<int>& parent, int i) {
  while (parent[i] != i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}
}  // namespace detail

// The 8-connected components of mask != 0 (w x h bytes, rows `stride` bytes apart).
inline Regions connected_regions(const std::uint8_t* mask, int w, int h, std::ptrdiff_t stride) {
  std::vector<Run> runs;
  std::vector<int> row_start(static_cast<std::size_t>(h) + 1, 0);
  for (int y = 0; y < h; ++y) {
    row_start[y] = static_cast<int>(runs.size());
    const std::uint8_t* m = mask + y * stride;
    for (int x = 0; x < w;) {
      if (!m[x]) {
        ++x;
        continue;
      }
      const int x0 = x;
      while (x < w && m[x]) ++x;
      runs.push_back({y, x0, x - 1});
    }
  }
  row_start[h] = static_cast<int>(runs.size());

  // Union runs of adjacent rows that touch, diagonals included: [a0, a1] and [b0, b1] touch
  // when a0 <= b1 + 1 and b0 <= a1 + 1. Both rows are sorted by x: a two-pointer sweep.
  std::vector<int> parent(runs.size());
  std::iota(parent.begin(), parent.end(), 0);
  for (int y = 1; y < h; ++y) {
    int i = row_start[y - 1];
    const int i_end = row_start[y];
    int j = row_start[y];
    const int j_end = row_start[y + 1];
    while (i < i_end && j < j_end) {
      const Run& a = runs[i];
      const Run& b = runs[j];
      if (a.x0 <= b.x1 + 1 && b.x0 <= a.x1 + 1) {
        const int ra = detail::find_root(parent, i), rb = detail::find_root(parent, j);
        if (ra != rb) parent[std::max(ra, rb)] = std::min(ra, rb);  // the earlier run stays root
      }
      if (a.x1 < b.x1)  // the run that ends first cannot touch anything further right
        ++i;
      else
        ++j;
    }
  }

  // Group runs by root; roots are visited in raster order, so regions are too.
  Regions out;
  std::vector<int> region_of(runs.size(), -1);
  std::vector<int> count;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const int r = detail::find_root(parent, static_cast<int>(k));
    if (region_of[r] < 0) {
      region_of[r] = static_cast<int>(count.size());
      count.push_back(0);
    }
    region_of[k] = region_of[r];
    ++count[region_of[k]];
  }
  out.regions.resize(count.size());
  int offset = 0;
  for (std::size_t g = 0; g < count.size(); ++g) {
    out.regions[g].first_run = offset;
    offset += count[g];
  }
  out.runs.resize(runs.size());
  std::vector<int> fill(count.size(), 0);
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const int g = region_of[k];
    Region& reg = out.regions[g];
    const Run& r = runs[k];
    out.runs[reg.first_run + fill[g]++] = r;
    if (reg.num_runs == 0) {
      reg.x0 = r.x0, reg.x1 = r.x1, reg.y0 = r.y, reg.y1 = r.y;
    } else {
      reg.x0 = std::min(reg.x0, r.x0), reg.x1 = std::max(reg.x1, r.x1);
      reg.y0 = std::min(reg.y0, r.y), reg.y1 = std::max(reg.y1, r.y);
    }
    ++reg.num_runs;
    reg.area += r.x1 - r.x0 + 1;
  }
  return out;
}

// The corners of a region's pixel squares that can be on its hull: both ends of every run.
inline std::vector<Point> region_outline_points(const Regions& rs, const Region& reg) {
  std::vector<Point> pts;
  pts.reserve(static_cast<std::size_t>(reg.num_runs) * 4);
  for (int k = 0; k < reg.num_runs; ++k) {
    const Run& r = rs.runs[reg.first_run + k];
    const double x0 = r.x0, x1 = r.x1 + 1.0, y0 = r.y, y1 = r.y + 1.0;
    pts.push_back({x0, y0});
    pts.push_back({x1, y0});
    pts.push_back({x0, y1});
    pts.push_back({x1, y1});
  }
  return pts;
}

// The columns [*lo, *hi] (clipped to 0..w-1) whose pixel centres x + 0.5 lie inside the convex
// polygon on the horizontal line y = yc; false when none do.
inline bool convex_row_span(const std::vector<Point>& poly, double yc, int w, int* lo, int* hi) {
  double xmin = 0.0, xmax = 0.0;
  bool any = false;
  auto add = [&](double x) {
    if (!any || x < xmin) xmin = x;
    if (!any || x > xmax) xmax = x;
    any = true;
  };
  for (std::size_t i = 0, n = poly.size(); i < n; ++i) {
    const Point p = poly[i], q = poly[(i + 1) % n];
    if (yc < std::min(p.y, q.y) || yc > std::max(p.y, q.y)) continue;
    if (p.y == q.y) {  // a horizontal edge on the line
      add(p.x);
      add(q.x);
    } else {
      add(p.x + (yc - p.y) * (q.x - p.x) / (q.y - p.y));
    }
  }
  if (!any) return false;
  const int a = std::max(0, static_cast<int>(std::ceil(xmin - 0.5)));
  const int b = std::min(w - 1, static_cast<int>(std::floor(xmax - 0.5)));
  if (a > b) return false;
  *lo = a;
  *hi = b;
  return true;
}

// Mean of `map` (w x h floats, rows `stride` floats apart) over the pixels whose centres lie
// inside the convex polygon; 0 when no centre does.
inline double mean_inside(const float* map, int w, int h, std::ptrdiff_t stride, const std::vector<Point>& poly) {
  double ymin = poly[0].y, ymax = poly[0].y;
  for (const Point& p : poly) ymin = std::min(ymin, p.y), ymax = std::max(ymax, p.y);
  const int y0 = std::max(0, static_cast<int>(std::ceil(ymin - 0.5)));
  const int y1 = std::min(h - 1, static_cast<int>(std::floor(ymax - 0.5)));
  double sum = 0.0;
  long long n = 0;
  for (int y = y0; y <= y1; ++y) {
    int lo = 0, hi = -1;
    if (!convex_row_span(poly, y + 0.5, w, &lo, &hi)) continue;
    const float* row = map + y * stride;
    for (int x = lo; x <= hi; ++x) sum += row[x];
    n += hi - lo + 1;
  }
  return n > 0 ? sum / static_cast<double>(n) : 0.0;
}

// The unclip step: grow a box by distance area * ratio / perimeter and box the result again.
inline RotatedRect unclip(const RotatedRect& r, double ratio) {
  const std::vector<Point> poly = r.corners();
  const double len = perimeter(poly);
  if (len <= 0.0) return r;
  const double d = r.area() * ratio / len;
  return min_area_rect(offset_convex(poly, d));
}

struct DbParams {
  float thresh = 0.3f;        // binarisation of the probability map
  float box_thresh = 0.6f;    // minimum mean probability inside a box
  float unclip_ratio = 1.5f;  // D' = area * ratio / perimeter
  int max_candidates = 1000;  // regions looked at, in raster order
  double min_side = 3.0;      // map pixels; min_side + 2 after the unclip
};

struct DbBox {
  RotatedRect rect;  // after the unclip, in map coordinates
  float score = 0.0f;
};

// Statistics of one call, for the demo's report and the tests.
struct DbStats {
  int regions = 0;     // connected regions found
  int too_small = 0;   // dropped by min_side (before or after the unclip)
  int low_score = 0;   // dropped by box_thresh
};

// The whole post-processing of one probability map (w x h floats, rows `stride` floats apart).
inline std::vector<DbBox> db_postprocess(const float* prob, int w, int h, std::ptrdiff_t stride, const DbParams& p,
                                         DbStats* stats = nullptr) {
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(w) * h);
  for (int y = 0; y < h; ++y) {
    const float* row = prob + y * stride;
    std::uint8_t* m = mask.data() + static_cast<std::size_t>(y) * w;
    for (int x = 0; x < w; ++x) m[x] = row[x] > p.thresh;
  }
  const Regions rs = connected_regions(mask.data(), w, h, w);
  DbStats st;
  st.regions = static_cast<int>(rs.regions.size());
  std::vector<DbBox> boxes;
  const int n = std::min(static_cast<int>(rs.regions.size()), p.max_candidates);
  for (int i = 0; i < n; ++i) {
    const RotatedRect r = min_area_rect(region_outline_points(rs, rs.regions[i]));
    if (r.min_side() < p.min_side) {
      ++st.too_small;
      continue;
    }
    const double score = mean_inside(prob, w, h, stride, r.corners());
    if (score < p.box_thresh) {
      ++st.low_score;
      continue;
    }
    const RotatedRect grown = unclip(r, p.unclip_ratio);
    if (grown.min_side() < p.min_side + 2.0) {
      ++st.too_small;
      continue;
    }
    boxes.push_back({grown, static_cast<float>(score)});
  }
  if (stats) *stats = st;
  return boxes;
}

// The box's corners in reading order. Text runs along the box's near-horizontal axis, unless
// the box is at least `vertical_ratio` times taller than wide: then it is a vertical line,
// read top to bottom, and its crop is the box turned a quarter counter-clockwise (the top of
// the column goes to the left). Which end is the start along the axis is unknown here: a line
// upside down gets an upside-down quad, and the direction classifier turns it.
inline Quad reading_quad(const RotatedRect& r, double vertical_ratio = 1.5) {
  const Point a = r.a, b = r.b();
  Point u = a, v = b;
  double lu = r.width, lv = r.height;
  if (r.height >= vertical_ratio * r.width) {
    u = b, v = a * -1.0;
    lu = r.height, lv = r.width;
  }
  const Point tl = r.center - u * (lu * 0.5) - v * (lv * 0.5);
  return Quad{{tl, tl + u * lu, tl + u * lu + v * lv, tl + v * lv}};
}

// A quad from tensor (map) coordinates to image coordinates, clipped to [0, w] x [0, h].
inline Quad quad_to_source(const Quad& q, const luodi::PreprocessTransform& t, int w, int h) {
  Quad out;
  for (int k = 0; k < 4; ++k) {
    float sx = 0.0f, sy = 0.0f;
    t.to_source(static_cast<float>(q.p[k].x), static_cast<float>(q.p[k].y), &sx, &sy);
    out.p[k].x = std::min(std::max(static_cast<double>(sx), 0.0), static_cast<double>(w));
    out.p[k].y = std::min(std::max(static_cast<double>(sy), 0.0), static_cast<double>(h));
  }
  return out;
}

// Reading order for boxes: rows top to bottom, left to right within a row. Boxes are sorted by
// the top of their axis-aligned extent; a box joins the current row when its vertical centre
// is within half the smaller height of the row's first box's centre. Returns the permutation.
inline std::vector<std::size_t> reading_order(const std::vector<Quad>& quads) {
  struct Key {
    double top, cy, cx, h;
  };
  std::vector<Key> k(quads.size());
  for (std::size_t i = 0; i < quads.size(); ++i) {
    double y0 = quads[i].p[0].y, y1 = y0;
    for (const Point& p : quads[i].p) y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
    const Point c = quads[i].center();
    k[i] = {y0, c.y, c.x, y1 - y0};
  }
  std::vector<std::size_t> idx(quads.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return k[a].top < k[b].top; });
  std::vector<std::size_t> out;
  out.reserve(idx.size());
  for (std::size_t s = 0; s < idx.size();) {
    const Key& first = k[idx[s]];
    std::size_t e = s + 1;
    while (e < idx.size() && std::fabs(k[idx[e]].cy - first.cy) < 0.5 * std::min(first.h, k[idx[e]].h)) ++e;
    std::stable_sort(idx.begin() + static_cast<std::ptrdiff_t>(s), idx.begin() + static_cast<std::ptrdiff_t>(e),
                     [&](std::size_t a, std::size_t b) { return k[a].cx < k[b].cx; });
    out.insert(out.end(), idx.begin() + static_cast<std::ptrdiff_t>(s), idx.begin() + static_cast<std::ptrdiff_t>(e));
    s = e;
  }
  return out;
}

}  // namespace ocr
