// The helpers behind luodi-bench and luodi-run --check/--dump: file names from tensor names,
// JSON strings, the seeded input generator.
#include <doctest/doctest.h>

#include "common/session_tools.hpp"

#include <set>
#include <string>
#include <vector>

using namespace luodi_tools;

TEST_CASE("session tools: tensor names become safe, distinct-looking file names") {
  CHECK(sanitize_file_name("/stem/stem.2/Relu_output_0") == "_stem_stem.2_Relu_output_0");
  CHECK(sanitize_file_name("a b:c\\d*e?f\"g<h>i|j") == "a_b_c_d_e_f_g_h_i_j");
  CHECK(sanitize_file_name("") == "_");
  CHECK(sanitize_file_name(".") == "_.");
  CHECK(sanitize_file_name("..") == "_..");
  CHECK(sanitize_file_name("../../etc/passwd").find('/') == std::string::npos);
  CHECK(sanitize_file_name(std::string(500, 'x').c_str()).size() == 200);
  CHECK(sanitize_file_name("\xe5\x9b\xbe") == "___");  // non-ASCII bytes
}

TEST_CASE("session tools: JSON strings escape quotes, backslashes and control characters") {
  CHECK(json_string("plain") == "\"plain\"");
  CHECK(json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(json_string("tab\there\n") == "\"tab\\u0009here\\u000a\"");
}

TEST_CASE("session tools: random inputs are seeded, in [0, 1), and not constant") {
  std::vector<float> a(1000), b(1000), c(1000);
  luodi::TensorRef t;
  t.dtype = luodi::DType::f32;
  t.shape = luodi::Shape{10, 100};
  Rng r1(7), r2(7), r3(8);
  t.data = a.data();
  fill_random(t, &r1);
  t.data = b.data();
  fill_random(t, &r2);
  t.data = c.data();
  fill_random(t, &r3);
  CHECK(a == b);
  CHECK(a != c);
  std::set<float> distinct(a.begin(), a.end());
  CHECK(distinct.size() > 990);
  double sum = 0;
  for (float v : a) {
    REQUIRE(v >= 0.0f);
    REQUIRE(v < 1.0f);
    sum += v;
  }
  CHECK(sum / 1000 == doctest::Approx(0.5).epsilon(0.1));
  std::vector<std::int64_t> ints(5, 42);
  t.dtype = luodi::DType::i64;
  t.shape = luodi::Shape{5};
  t.data = ints.data();
  fill_random(t, &r1);
  CHECK(ints == std::vector<std::int64_t>(5, 0));
}

#if defined(__linux__)
TEST_CASE("session tools: peak RSS is known on Linux") { CHECK(peak_rss_bytes() > 1024u * 1024u); }
#endif
