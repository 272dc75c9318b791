// Plane geometry for text boxes: convex hull, minimum-area rectangle, polygon offset.
//
// Coordinates are continuous pixel coordinates (pixel (i, j) covers [i, i+1) x [j, j+1)), the
// convention luodi's PreprocessTransform uses, with y pointing down. Everything is double: the
// inputs are small (a region's hull has tens of points) and exactness is worth more than speed.
//
// The algorithms are the textbook ones:
//   convex_hull      Andrew's monotone chain, O(n log n); collinear points are dropped.
//   min_area_rect    Freeman & Shapira (1975): the minimum-area enclosing rectangle of a convex
//                    polygon has a side collinear with one of the polygon's edges, so trying
//                    every hull edge as a side is exact. O(h^2) here, h is small.
//   offset_convex    the Minkowski sum of a convex polygon with a disc of radius d: every edge
//                    moved out by d, the corners joined by arcs (sampled, so the result lies
//                    inside the exact offset by at most d * (1 - cos(step / 2))).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace ocr {

inline constexpr double kPi = 3.14159265358979323846;

struct Point {
  double x = 0.0;
  double y = 0.0;
};

inline Point operator+(Point a, Point b) { return {a.x + b.x, a.y + b.y}; }
inline Point operator-(Point a, Point b) { return {a.x - b.x, a.y - b.y}; }
inline Point operator*(Point a, double s) { return {a.x * s, a.y * s}; }
inline double dot(Point a, Point b) { return a.x * b.x + a.y * b.y; }
inline double cross(Point a, Point b) { return a.x * b.y - a.y * b.x; }
inline double norm(Point a) { return std::sqrt(dot(a, a)); }

// Four corners in reading order: top-left, top-right, bottom-right, bottom-left of the text as
// it should be read (for a line rotated by 180 degrees the "top-left" is at the bottom right of
// the image). The quads this code makes are parallelograms: tr - tl == br - bl.
struct Quad {
  Point p[4];
  double width() const { return norm(p[1] - p[0]); }   // along the reading direction
  double height() const { return norm(p[3] - p[0]); }  // across it
  Point center() const { return (p[0] + p[1] + p[2] + p[3]) * 0.25; }
  // The same box read the other way round (what a 180-degree rotation of the crop means).
  Quad rotated180() const { return Quad{{p[2], p[3], p[0], p[1]}}; }
};

// Twice the signed area (shoelace): positive when the vertices turn counter-clockwise in a
// y-up frame (clockwise on screen, where y points down).
inline double signed_area2(const std::vector<Point>& poly) {
  double s = 0.0;
  for (std::size_t i = 0, n = poly.size(); i < n; ++i) s += cross(poly[i], poly[(i + 1) % n]);
  return s;
}

inline double perimeter(const std::vector<Point>& poly) {
  double s = 0.0;
  for (std::size_t i = 0, n = poly.size(); i < n; ++i) s += norm(poly[(i + 1) % n] - poly[i]);
  return s;
}

// Andrew's monotone chain. Returns the hull with positive signed_area2, without repeated or
// collinear points. Fewer than three distinct points give those points (a degenerate hull).
inline std::vector<Point> convex_hull(std::vector<Point> pts) {
  std::sort(pts.begin(), pts.end(), [](Point a, Point b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
  pts.erase(std::unique(pts.begin(), pts.end(), [](Point a, Point b) { return a.x == b.x && a.y == b.y; }), pts.end());
  if (pts.size() < 3) return pts;
  std::vector<Point> h(2 * pts.size());
  std::size_t k = 0;
  for (std::size_t i = 0; i < pts.size(); ++i) {  // lower chain
    while (k >= 2 && cross(h[k - 1] - h[k - 2], pts[i] - h[k - 2]) <= 0.0) --k;
    h[k++] = pts[i];
  }
  for (std::size_t i = pts.size() - 1, t = k + 1; i-- > 0;) {  // upper chain
    while (k >= t && cross(h[k - 1] - h[k - 2], pts[i] - h[k - 2]) <= 0.0) --k;
    h[k++] = pts[i];
  }
  h.resize(k - 1);  // the last point repeats the first
  return h;
}

// A rectangle: centre, unit axis `a` with its orthogonal b = (-a.y, a.x), and its extents along
// a (width) and b (height). min_area_rect returns it canonical: a lies within 45 degrees of
// +x (a.x > 0, -45 < angle <= 45), so b points down-ish, and width/height are measured along
// the axis closest to horizontal.
struct RotatedRect {
  Point center;
  Point a{1.0, 0.0};
  double width = 0.0;
  double height = 0.0;

  Point b() const { return {-a.y, a.x}; }
  double area() const { return width * height; }
  double min_side() const { return std::min(width, height); }
  // Corners, clockwise on screen from the top-left: c -+ a w/2 -+ b h/2.
  std::vector<Point> corners() const {
    const Point u = a * (width * 0.5), v = b() * (height * 0.5);
    return {center - u - v, center + u - v, center + u + v, center - u + v};
  }
};

// Pick, among the four directions +-a, +-b, the one within 45 degrees of +x, and swap the
// extents to match.
inline RotatedRect canonical(RotatedRect r) {
  const Point b = r.b();
  const Point cand[4] = {r.a, b, r.a * -1.0, b * -1.0};
  const double ext[4] = {r.width, r.height, r.width, r.height};
  const double oth[4] = {r.height, r.width, r.height, r.width};
  for (int i = 0; i < 4; ++i) {
    const Point c = cand[i];
    // angle in (-45, 45]: x > |y|, or exactly 45 degrees downwards
    if (c.x > std::fabs(c.y) || (c.x == c.y && c.x > 0.0)) {
      r.a = c;
      r.width = ext[i];
      r.height = oth[i];
      return r;
    }
  }
  return r;  // unreachable for a unit vector
}

// The minimum-area rectangle enclosing `pts` (any point set; the hull is taken first). Ties
// between equal areas (a rectangle's own four edges, a square's) go to the axis closest to
// horizontal, so an axis-aligned region gives an axis-aligned box.
inline RotatedRect min_area_rect(const std::vector<Point>& pts) {
  RotatedRect best;
  if (pts.empty()) return best;
  std::vector<Point> h = convex_hull(pts);
  if (h.size() == 1) {
    best.center = h[0];
    return best;
  }
  double best_area = -1.0, best_tilt = 0.0;
  const std::size_t n = h.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Point e = h[(i + 1) % n] - h[i];
    const double len = norm(e);
    if (len == 0.0) continue;
    const Point a = e * (1.0 / len), b{-a.y, a.x};
    double umin = 0.0, umax = 0.0, vmin = 0.0, vmax = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      const Point d = h[j] - h[i];
      const double u = dot(d, a), v = dot(d, b);
      if (j == 0 || u < umin) umin = u;
      if (j == 0 || u > umax) umax = u;
      if (j == 0 || v < vmin) vmin = v;
      if (j == 0 || v > vmax) vmax = v;
    }
    const double area = (umax - umin) * (vmax - vmin);
    RotatedRect r;
    r.a = a;
    r.width = umax - umin;
    r.height = vmax - vmin;
    r.center = h[i] + a * ((umin + umax) * 0.5) + b * ((vmin + vmax) * 0.5);
    r = canonical(r);
    const double tilt = std::fabs(r.a.y);  // sin of the angle to horizontal
    const double eps = 1e-9 * std::max(1.0, area);
    if (best_area < 0.0 || area < best_area - eps || (area <= best_area + eps && tilt < best_tilt)) {
      best = r;
      best_area = area;
      best_tilt = tilt;
    }
  }
  return best;
}

// The outline of a convex polygon grown by distance d (> 0): each edge moved out by d, and an
// arc of radius d around each vertex, sampled at most `max_step` radians apart. The vertices
// may turn either way.
inline std::vector<Point> offset_convex(const std::vector<Point>& poly, double d, double max_step = 0.2) {
  const std::size_t n = poly.size();
  std::vector<Point> out;
  if (n == 0) return out;
  if (n == 1) {  // a disc
    const int k = static_cast<int>(std::ceil(2.0 * kPi / max_step));
    for (int j = 0; j < k; ++j) {
      const double t = 2.0 * kPi * j / k;
      out.push_back(poly[0] + Point{std::cos(t), std::sin(t)} * d);
    }
    return out;
  }
  const double sign = signed_area2(poly) >= 0.0 ? 1.0 : -1.0;
  auto normal = [&](std::size_t i) {  // outward unit normal of edge i -> i+1
    const Point e = poly[(i + 1) % n] - poly[i];
    const double len = norm(e);
    if (len == 0.0) return Point{0.0, 0.0};
    return Point{e.y, -e.x} * (sign / len);
  };
  for (std::size_t i = 0; i < n; ++i) {
    const Point n0 = normal((i + n - 1) % n), n1 = normal(i);
    const Point v = poly[i];
    double phi = std::atan2(cross(n0, n1), dot(n0, n1));
    if (n == 2) phi = kPi;  // a segment (sign is +1): the half disc beyond each end
    const int k = std::max(1, static_cast<int>(std::ceil(std::fabs(phi) / max_step)));
    for (int j = 0; j <= k; ++j) {
      const double t = phi * j / k;
      const double c = std::cos(t), s = std::sin(t);
      out.push_back(v + Point{n0.x * c - n0.y * s, n0.x * s + n0.y * c} * d);
    }
  }
  return out;
}

}  // namespace ocr
