// The chat template interpreter's running time on values the memory budget cannot stop: unique is
// linear on the keys Python hashes, and comparing values that nest one value many times over (2^n
// paths through n containers) takes time in the number of containers, not paths.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "render_template.h"

namespace gatehouse::tokenizer {
namespace {

// Renders `source`; the render must finish within `limit_seconds` (far above what it takes).
std::string render_within(const std::string& source, double limit_seconds) {
  auto start = std::chrono::steady_clock::now();
  std::string out = render(source);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), limit_seconds) << source;
  return out;
}

TEST(ChatTemplateTime, UniqueIsLinearOnHashableKeys) {
  // 200,000 distinct numbers: 2 * 10^10 comparisons one against another.
  EXPECT_EQ(render_within("{{ ((range(100000) | list) + (range(100000, 200000) | list)) | unique | list | length }}", 5),
            "200000");
  EXPECT_EQ(render_within("{{ ((range(100000) | list) * 2) | unique | list | length }}", 5), "100000");
  EXPECT_EQ(render_within("{{ range(100000) | map('string') | unique | list | length }}", 5), "100000");
  // Python's set: 1 == 1.0 == True, 0 == 0.0 == -0.0 == False, strings without case by default.
  EXPECT_EQ(render_within("{{ [1, 1.0, true, 0, false, -0.0, 'a', 'A', none, none, 2.5, 2.5] | unique | list }}", 5),
            "[1, 0, 'a', None, 2.5]");
  // Keys Python cannot hash are compared one by one, as before.
  EXPECT_EQ(render_within("{{ [[1], [1], [2], {'a': 1}, {'a': 1}] | unique | list }}", 5), "[[1], [2], {'a': 1}]");
}

std::string doubled(const std::string& leaf_a, const std::string& leaf_b, int levels) {
  return "{% set ns = namespace(a=" + leaf_a + ", b=" + leaf_b + ") %}{% for i in range(" + std::to_string(levels) +
         ") %}{% set ns.a = [ns.a, {'x': ns.a, 'y': ns.a}] %}{% set ns.b = [ns.b, {'x': ns.b, 'y': ns.b}] %}"
         "{% endfor %}";
}

TEST(ChatTemplateTime, ComparingSharedValuesTakesTimeInTheirContainers) {
  // 3^60 paths each: equal, differing at every leaf, and used by `in`, sort and unique.
  EXPECT_EQ(render_within(doubled("[0]", "[0]", 60) + "{{ ns.a == ns.b }} {{ ns.a != ns.b }}", 5), "True False");
  EXPECT_EQ(render_within(doubled("[0]", "[1]", 60) + "{{ ns.a == ns.b }}", 5), "False");
  EXPECT_EQ(render_within(doubled("[0]", "[0]", 60) + "{{ ns.a in [1, ns.b] }} {{ [ns.a, ns.b] | unique | list | length }}", 5),
            "True 1");
  EXPECT_EQ(render_within(doubled("[0]", "[1]", 60) + "{{ ([ns.b, ns.a] | sort)[0] == ns.a }}", 5), "True");
}

}  // namespace
}  // namespace gatehouse::tokenizer
