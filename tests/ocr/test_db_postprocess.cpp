// The OCR demo's post-processing on constructed inputs whose answers can be derived by hand, and
// the connected-region labelling against a naive flood fill.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <random>
#include <vector>

#include "../../examples/ocr/db_postprocess.hpp"
#include "../../examples/ocr/geometry.hpp"

using ocr::Point;

namespace {

std::vector<std::uint8_t> mask_from(const char* const* rows, int h, int* w) {
  *w = static_cast<int>(std::strlen(rows[0]));
  std::vector<std::uint8_t> m(static_cast<std::size_t>(*w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < *w; ++x) m[y * *w + x] = rows[y][x] == '#';
  return m;
}

// The obvious labelling: breadth-first flood fill over the 8 neighbours, regions numbered in
// raster order of their first pixel.
std::vector<int> flood_labels(const std::vector<std::uint8_t>& m, int w, int h, int* count) {
  std::vector<int> label(m.size(), -1);
  int n = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      if (!m[y * w + x] || label[y * w + x] >= 0) continue;
      std::deque<std::pair<int, int>> q{{x, y}};
      label[y * w + x] = n;
      while (!q.empty()) {
        auto [cx, cy] = q.front();
        q.pop_front();
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) {
            const int nx = cx + dx, ny = cy + dy;
            if (nx < 0 || ny < 0 || nx >= w || ny >= h || !m[ny * w + nx] || label[ny * w + nx] >= 0) continue;
            label[ny * w + nx] = n;
            q.push_back({nx, ny});
          }
      }
      ++n;
    }
  *count = n;
  return label;
}

bool near(double a, double b, double tol = 1e-9) { return std::fabs(a - b) <= tol; }

}  // namespace

TEST_CASE("connected_regions: 8-connectivity, raster order, areas and bounds") {
  const char* rows[] = {
      "#..#....",  //
      ".#.#..##",  //
      "...#....",  //
      "#.......",  //
      "##.####.",  //
  };
  int w = 0;
  const auto m = mask_from(rows, 5, &w);
  const ocr::Regions rs = ocr::connected_regions(m.data(), w, 5, w);
  REQUIRE(rs.regions.size() == 5);
  // (0,0)-(1,1) touch diagonally; the column at x=3 is one region; "##" at (6..7, 1); the L at
  // bottom left; the bar at (3..6, 4).
  const ocr::Region& a = rs.regions[0];
  CHECK(a.area == 2);
  CHECK((a.x0 == 0 && a.y0 == 0 && a.x1 == 1 && a.y1 == 1));
  const ocr::Region& b = rs.regions[1];
  CHECK(b.area == 3);
  CHECK((b.x0 == 3 && b.x1 == 3 && b.y0 == 0 && b.y1 == 2));
  CHECK(rs.regions[2].area == 2);
  CHECK(rs.regions[2].x0 == 6);
  CHECK(rs.regions[3].area == 3);
  CHECK((rs.regions[3].y0 == 3 && rs.regions[3].y1 == 4 && rs.regions[3].x1 == 1));
  CHECK(rs.regions[4].area == 4);
  CHECK((rs.regions[4].x0 == 3 && rs.regions[4].x1 == 6));
}

TEST_CASE("connected_regions: a U joins two roots found separately") {
  const char* rows[] = {
      "#...#",  //
      "#...#",  //
      "#####",  //
  };
  int w = 0;
  const auto m = mask_from(rows, 3, &w);
  const ocr::Regions rs = ocr::connected_regions(m.data(), w, 3, w);
  REQUIRE(rs.regions.size() == 1);
  CHECK(rs.regions[0].area == 9);
  CHECK(rs.regions[0].num_runs == 5);
}

TEST_CASE("connected_regions: empty and full masks") {
  std::vector<std::uint8_t> m(6 * 4, 0);
  CHECK(ocr::connected_regions(m.data(), 6, 4, 6).regions.empty());
  std::fill(m.begin(), m.end(), 1);
  const ocr::Regions rs = ocr::connected_regions(m.data(), 6, 4, 6);
  REQUIRE(rs.regions.size() == 1);
  CHECK(rs.regions[0].area == 24);
}

TEST_CASE("connected_regions agrees with a flood fill on random masks") {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 200; ++trial) {
    const int w = 1 + static_cast<int>(rng() % 37), h = 1 + static_cast<int>(rng() % 23);
    const double density = 0.1 + 0.6 * (rng() % 100) / 100.0;
    std::vector<std::uint8_t> m(static_cast<std::size_t>(w) * h);
    for (auto& v : m) v = (rng() % 1000) < density * 1000;
    int n = 0;
    const std::vector<int> ref = flood_labels(m, w, h, &n);
    const ocr::Regions rs = ocr::connected_regions(m.data(), w, h, w);
    REQUIRE(static_cast<int>(rs.regions.size()) == n);
    std::vector<int> got(m.size(), -1);
    for (int g = 0; g < n; ++g) {
      const ocr::Region& r = rs.regions[g];
      long long area = 0;
      for (int k = 0; k < r.num_runs; ++k) {
        const ocr::Run& run = rs.runs[r.first_run + k];
        for (int x = run.x0; x <= run.x1; ++x) got[run.y * w + x] = g;
        area += run.x1 - run.x0 + 1;
      }
      CHECK(area == r.area);
    }
    CHECK(got == ref);  // same regions, same raster order
  }
}

TEST_CASE("convex_hull drops interior, repeated and collinear points") {
  std::vector<Point> pts = {{0, 0}, {4, 0}, {4, 3}, {0, 3}, {2, 0}, {2, 1}, {1, 2}, {4, 3}, {0, 1.5}};
  const auto h = ocr::convex_hull(pts);
  CHECK(h.size() == 4);
  CHECK(ocr::signed_area2(h) == doctest::Approx(24.0));
}

TEST_CASE("min_area_rect: axis-aligned, rotated and degenerate inputs") {
  SUBCASE("a 5x3 block of pixels at (2, 7)") {
    std::vector<std::uint8_t> m(10 * 12, 0);
    for (int y = 7; y < 10; ++y)
      for (int x = 2; x < 7; ++x) m[y * 10 + x] = 1;
    const ocr::Regions rs = ocr::connected_regions(m.data(), 10, 12, 10);
    REQUIRE(rs.regions.size() == 1);
    const ocr::RotatedRect r = ocr::min_area_rect(ocr::region_outline_points(rs, rs.regions[0]));
    CHECK(near(r.width, 5.0));
    CHECK(near(r.height, 3.0));
    CHECK(near(r.a.x, 1.0));
    CHECK(near(r.a.y, 0.0));
    CHECK(near(r.center.x, 4.5));
    CHECK(near(r.center.y, 8.5));
  }
  SUBCASE("a single pixel is a unit square") {
    const std::uint8_t m[1] = {1};
    const ocr::Regions rs = ocr::connected_regions(m, 1, 1, 1);
    const ocr::RotatedRect r = ocr::min_area_rect(ocr::region_outline_points(rs, rs.regions[0]));
    CHECK(near(r.width, 1.0));
    CHECK(near(r.height, 1.0));
  }
  SUBCASE("a diamond is a square turned by 45 degrees") {
    const ocr::RotatedRect r = ocr::min_area_rect({{0, 1}, {1, 0}, {2, 1}, {1, 2}});
    CHECK(near(r.width, std::sqrt(2.0)));
    CHECK(near(r.height, std::sqrt(2.0)));
    CHECK(near(std::fabs(r.a.x), std::sqrt(0.5)));
    CHECK(near(r.center.x, 1.0));
    CHECK(near(r.center.y, 1.0));
  }
  SUBCASE("a 10x4 rectangle turned by 30 degrees (and points inside it)") {
    const double t = 30.0 * ocr::kPi / 180.0;
    const Point a{std::cos(t), std::sin(t)}, b{-a.y, a.x}, c{50, 40};
    std::vector<Point> pts;
    for (int i = 0; i <= 10; ++i)
      for (int j = 0; j <= 4; ++j) pts.push_back(c + a * (i - 5.0) + b * (j - 2.0));
    const ocr::RotatedRect r = ocr::min_area_rect(pts);
    CHECK(near(r.width, 10.0, 1e-9));
    CHECK(near(r.height, 4.0, 1e-9));
    CHECK(near(r.a.x, a.x, 1e-12));
    CHECK(near(r.a.y, a.y, 1e-12));
    CHECK(near(r.center.x, 50.0, 1e-9));
    CHECK(near(r.center.y, 40.0, 1e-9));
  }
  SUBCASE("a tall bar keeps the horizontal axis as its width") {
    const ocr::RotatedRect r = ocr::min_area_rect({{0, 0}, {2, 0}, {2, 10}, {0, 10}});
    CHECK(near(r.width, 2.0));
    CHECK(near(r.height, 10.0));
    CHECK(near(r.a.x, 1.0));
  }
  SUBCASE("a steep line is turned by more than 45 degrees: the axis nearest horizontal") {
    // a 20x2 rectangle at 60 degrees: its width runs along the 60-degree axis, which is more
    // than 45 degrees from horizontal, so the canonical axis is the -30-degree one
    const double t = 60.0 * ocr::kPi / 180.0;
    const Point a{std::cos(t), std::sin(t)}, b{-a.y, a.x};
    std::vector<Point> pts = {a * -10.0 + b * -1.0, a * 10.0 + b * -1.0, a * 10.0 + b * 1.0, a * -10.0 + b * 1.0};
    const ocr::RotatedRect r = ocr::min_area_rect(pts);
    CHECK(near(r.width, 2.0, 1e-9));
    CHECK(near(r.height, 20.0, 1e-9));
    CHECK(near(r.a.x, std::cos(-30.0 * ocr::kPi / 180.0), 1e-12));
    CHECK(near(r.a.y, std::sin(-30.0 * ocr::kPi / 180.0), 1e-12));
  }
}

TEST_CASE("min_area_rect is no larger than any rectangle found by trying angles") {
  std::mt19937 rng(99);
  std::uniform_real_distribution<double> u(-20.0, 20.0);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<Point> pts(3 + rng() % 12);
    for (auto& p : pts) p = {u(rng), u(rng) * 0.3};
    const ocr::RotatedRect r = ocr::min_area_rect(pts);
    double best = 1e300;
    for (int k = 0; k < 9000; ++k) {  // every 0.01 degree over a quarter turn
      const double t = k * 0.01 * ocr::kPi / 180.0;
      const Point a{std::cos(t), std::sin(t)}, b{-a.y, a.x};
      double u0 = 1e300, u1 = -1e300, v0 = 1e300, v1 = -1e300;
      for (const Point& p : pts) {
        u0 = std::min(u0, ocr::dot(p, a)), u1 = std::max(u1, ocr::dot(p, a));
        v0 = std::min(v0, ocr::dot(p, b)), v1 = std::max(v1, ocr::dot(p, b));
      }
      best = std::min(best, (u1 - u0) * (v1 - v0));
    }
    CHECK(r.area() <= best * (1.0 + 1e-9));
    CHECK(r.area() >= best * (1.0 - 1e-3));  // the sampled angles get within 0.01 degree
    for (const Point& p : pts) {  // and it encloses every point
      const Point d = p - r.center;
      CHECK(std::fabs(ocr::dot(d, r.a)) <= r.width / 2 + 1e-9);
      CHECK(std::fabs(ocr::dot(d, r.b())) <= r.height / 2 + 1e-9);
    }
  }
}

TEST_CASE("unclip grows a rectangle by area * ratio / perimeter on every side") {
  ocr::RotatedRect r;
  r.center = {30, 20};
  r.width = 10;
  r.height = 4;
  const double d = 40.0 * 1.5 / 28.0;
  const ocr::RotatedRect g = ocr::unclip(r, 1.5);
  CHECK(near(g.width, 10 + 2 * d, 1e-9));
  CHECK(near(g.height, 4 + 2 * d, 1e-9));
  CHECK(near(g.center.x, 30.0, 1e-9));
  CHECK(near(g.center.y, 20.0, 1e-9));
  CHECK(near(g.a.x, 1.0, 1e-12));

  // A turned rectangle keeps its angle.
  r.a = {std::cos(0.3), std::sin(0.3)};
  const ocr::RotatedRect g2 = ocr::unclip(r, 1.5);
  CHECK(near(g2.width, 10 + 2 * d, 1e-9));
  CHECK(near(g2.height, 4 + 2 * d, 1e-9));
  CHECK(near(g2.a.y, std::sin(0.3), 1e-12));
}

TEST_CASE("offset_convex: Steiner's formula for a triangle, either orientation") {
  // The exact offset of a convex polygon by d has area A + P d + pi d^2. The arcs are sampled,
  // each of angle phi in k chords, so the sampled area is A + P d + sum 0.5 d^2 k sin(phi / k).
  for (int flip = 0; flip < 2; ++flip) {
    std::vector<Point> tri = {{0, 0}, {8, 0}, {2, 5}};
    if (flip) std::reverse(tri.begin(), tri.end());
    const double d = 1.5, step = 0.2;
    const auto out = ocr::offset_convex(tri, d, step);
    const double A = std::fabs(ocr::signed_area2(tri)) / 2, P = ocr::perimeter(tri);
    const double area = std::fabs(ocr::signed_area2(ocr::convex_hull(out))) / 2;
    const double exact = A + P * d + ocr::kPi * d * d;
    CHECK(area <= exact);
    // chords of s <= step radians lose d^2 (s - sin s) / 2 < d^2 s^3 / 12 each; 2 pi radians in all
    CHECK(area >= exact - ocr::kPi * d * d * step * step / 6.0);
  }
}

TEST_CASE("mean_inside counts the pixels whose centres are inside") {
  // map(x, y) = x
  const int w = 8, h = 6;
  std::vector<float> map(w * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) map[y * w + x] = static_cast<float>(x);
  // [2, 5) x [1, 3): columns 2, 3, 4 -> mean 3
  CHECK(ocr::mean_inside(map.data(), w, h, w, {{2, 1}, {5, 1}, {5, 3}, {2, 3}}) == doctest::Approx(3.0));
  // A box reaching past the map: only columns 6, 7 are inside the map
  CHECK(ocr::mean_inside(map.data(), w, h, w, {{6, 0}, {12, 0}, {12, 2}, {6, 2}}) == doctest::Approx(6.5));
  // A diamond around the centre of pixel (3, 3) with radius 1.2: centres at L1 distance <= 1.2 from
  // (3.5, 3.5) are (3,3), (2,3), (4,3), (3,2), (3,4): x values 3, 2, 4, 3, 3 -> mean 3
  CHECK(ocr::mean_inside(map.data(), w, h, w, {{3.5, 2.3}, {4.7, 3.5}, {3.5, 4.7}, {2.3, 3.5}}) == doctest::Approx(3.0));
  // Nothing inside
  CHECK(ocr::mean_inside(map.data(), w, h, w, {{2.6, 1.6}, {2.9, 1.6}, {2.9, 1.9}, {2.6, 1.9}}) == 0.0);
}

TEST_CASE("db_postprocess: one text box kept, one faint and one tiny region dropped") {
  const int w = 64, h = 48;
  std::vector<float> prob(w * h, 0.02f);
  auto fill = [&](int x0, int y0, int x1, int y1, float v) {
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) prob[y * w + x] = v;
  };
  fill(10, 10, 30, 16, 0.9f);  // 20 x 6: kept
  fill(40, 30, 60, 40, 0.4f);  // above thresh 0.3, below box_thresh 0.6
  fill(5, 40, 7, 42, 0.95f);   // 2 x 2: thinner than min_side 3
  ocr::DbStats st;
  const auto boxes = ocr::db_postprocess(prob.data(), w, h, w, ocr::DbParams{}, &st);
  CHECK(st.regions == 3);
  CHECK(st.low_score == 1);
  CHECK(st.too_small == 1);
  REQUIRE(boxes.size() == 1);
  const double d = 120.0 * 1.5 / 52.0;
  CHECK(boxes[0].score == doctest::Approx(0.9f));
  CHECK(near(boxes[0].rect.width, 20 + 2 * d, 1e-6));
  CHECK(near(boxes[0].rect.height, 6 + 2 * d, 1e-6));
  CHECK(near(boxes[0].rect.center.x, 20.0, 1e-6));
  CHECK(near(boxes[0].rect.center.y, 13.0, 1e-6));
}

TEST_CASE("db_postprocess: the score is the mean over the box, not over the region") {
  // A C-shaped region (two 30 x 3 bars joined by a 4 x 4 leg): its hull, and so its box, is
  // the 30 x 10 rectangle, which also covers 104 background pixels.
  const int w = 40, h = 20;
  std::vector<float> prob(w * h, 0.0f);
  for (int x = 5; x < 35; ++x)
    for (int y : {5, 6, 7, 12, 13, 14}) prob[y * w + x] = 1.0f;
  for (int y = 8; y < 12; ++y)
    for (int x = 5; x < 9; ++x) prob[y * w + x] = 1.0f;
  ocr::DbParams p;
  p.box_thresh = 0.0f;
  const auto boxes = ocr::db_postprocess(prob.data(), w, h, w, p);
  REQUIRE(boxes.size() == 1);
  CHECK(boxes[0].score == doctest::Approx(196.0 / 300.0));
}

TEST_CASE("reading_quad: corners in reading order, vertical boxes turned a quarter") {
  ocr::RotatedRect r;
  r.center = {50, 20};
  r.width = 40;
  r.height = 10;
  ocr::Quad q = ocr::reading_quad(r);
  CHECK((near(q.p[0].x, 30) && near(q.p[0].y, 15)));  // tl
  CHECK((near(q.p[1].x, 70) && near(q.p[1].y, 15)));  // tr
  CHECK((near(q.p[2].x, 70) && near(q.p[2].y, 25)));  // br
  CHECK((near(q.p[3].x, 30) && near(q.p[3].y, 25)));  // bl
  const ocr::Quad t = q.rotated180();
  CHECK((near(t.p[0].x, 70) && near(t.p[0].y, 25)));
  CHECK((near(t.p[1].x, 30) && near(t.p[1].y, 25)));
  // A column 10 wide, 40 high: read downwards, the top of the column becomes the crop's left.
  r.width = 10;
  r.height = 40;
  q = ocr::reading_quad(r);
  CHECK(near(q.width(), 40));
  CHECK(near(q.height(), 10));
  CHECK((near(q.p[0].x, 55) && near(q.p[0].y, 0)));   // tl: top right of the column
  CHECK((near(q.p[1].x, 55) && near(q.p[1].y, 40)));  // tr: bottom right
  CHECK((near(q.p[3].x, 45) && near(q.p[3].y, 0)));   // bl: top left
}

TEST_CASE("quad_to_source undoes the det preprocessing's scale") {
  luodi::PreprocessTransform t;  // tensor = source * 0.5 + (4, 2)
  t.scale_x = 0.5f;
  t.scale_y = 0.25f;
  t.offset_x = 4.0f;
  t.offset_y = 2.0f;
  ocr::Quad q{{{14, 12}, {24, 12}, {24, 22}, {14, 22}}};
  const ocr::Quad s = ocr::quad_to_source(q, t, 1000, 1000);
  CHECK((near(s.p[0].x, 20, 1e-4) && near(s.p[0].y, 40, 1e-4)));
  CHECK((near(s.p[2].x, 40, 1e-4) && near(s.p[2].y, 80, 1e-4)));
  const ocr::Quad c = ocr::quad_to_source(q, t, 30, 50);  // clipped to the image
  CHECK((near(c.p[2].x, 30) && near(c.p[2].y, 50)));
}

TEST_CASE("reading_order: rows top to bottom, left to right within a row") {
  auto box = [](double x, double y, double w, double h) { return ocr::Quad{{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}}}; };
  // Row 1: boxes 2 and 1 (1 starts 2 px lower, further right); row 2: 4 and 3 (3 starts 1 px
  // higher, further right); row 3: 0.
  const std::vector<ocr::Quad> q = {box(10, 102, 80, 20), box(200, 12, 50, 20), box(10, 10, 150, 20),
                                    box(300, 60, 40, 22), box(20, 61, 100, 20)};
  const auto order = ocr::reading_order(q);
  CHECK(order == std::vector<std::size_t>{2, 1, 4, 3, 0});
}
