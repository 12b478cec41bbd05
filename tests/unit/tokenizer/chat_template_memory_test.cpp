// The chat template interpreter's memory budget: every string, list and dict a render builds, and
// the text it renders, count against one 64 MiB budget, so each way a template can grow memory
// ends fast in the budget's error; templates that build lists and strings in loops stay linear.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "base/error.h"
#include "render_template.h"
#include "tokenizer/chat_template.h"

namespace gatehouse::tokenizer {
namespace {

// Renders `source`, which must fail with the budget's error, and returns how long that took.
double seconds_to_budget_error(const std::string& source) {
  auto start = std::chrono::steady_clock::now();
  try {
    std::string out = render(source);
    ADD_FAILURE() << "rendered " << out.size() << " bytes instead of failing: " << source;
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::resource_exhausted) << source << ": " << error.what();
    EXPECT_NE(std::string(error.what()).find("exceeded its 64 MiB memory budget"), std::string::npos)
        << source << ": " << error.what();
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void expect_budget_error(const std::string& source) {
  EXPECT_LT(seconds_to_budget_error(source), 5.0) << source;
}

const std::string kLoop = "{% for i in range(200) %}";

TEST(ChatTemplateMemory, ListsThatDoubleHitTheBudget) {
  expect_budget_error("{% set ns = namespace(l=[1]) %}" + kLoop + "{% set ns.l = ns.l + ns.l %}{% endfor %}");
  expect_budget_error("{% set ns = namespace(l=[[1, 2], 'a']) %}" + kLoop + "{% set ns.l = [ns.l] * 2 + ns.l * 2 %}{% endfor %}");
  std::string unrolled = "{% set x = ['a', 'b', 'c'] %}";
  for (int i = 0; i < 40; ++i) unrolled += "{% set x = x + x %}";
  expect_budget_error(unrolled);
  expect_budget_error("{{ (range(100000) | list) * 100 }}");
}

TEST(ChatTemplateMemory, StringsThatDoubleHitTheBudget) {
  expect_budget_error("{% set ns = namespace(s='ab') %}" + kLoop + "{% set ns.s = ns.s ~ ns.s %}{% endfor %}");
  expect_budget_error("{% set ns = namespace(s='ab') %}" + kLoop + "{% set ns.s = ns.s * 2 %}{% endfor %}");
  expect_budget_error("{% set ns = namespace(s='ab') %}" + kLoop + "{% set ns.s = ns.s + ns.s + 'x' %}{% endfor %}");
  expect_budget_error("{{ 'abc' * 30000000 }}");
  expect_budget_error("{{ 'x' * 1000000000000 }}");
  // Many strings below the limit each, alive together.
  expect_budget_error("{% set ns = namespace(l=[]) %}{% for i in range(1000) %}{% set ns.l = ns.l + ['x' * 100000 ~ i] %}{% endfor %}");
}

TEST(ChatTemplateMemory, DictsThatGrowHitTheBudget) {
  // Each level holds the last twice: small in memory, exponential once printed or serialized.
  const std::string nested = "{% set ns = namespace(d={}) %}{% for i in range(64) %}{% set ns.d = {'a': ns.d, 'b': ns.d} %}{% endfor %}";
  expect_budget_error(nested + "{{ ns.d }}");
  expect_budget_error(nested + "{{ ns.d | tojson }}");
  expect_budget_error(nested + "{{ ns.d | pprint }}");
  expect_budget_error(nested + "{{ ns.d | string | length }}");
  expect_budget_error("{% set ns = namespace(d={}) %}" + kLoop + "{% set ns.d = {'next': ns.d, 'big': 'y' * 1000000 ~ i} %}{% endfor %}");
  expect_budget_error("{% set ns = namespace(d={}) %}" + kLoop + "{% set ns.d = dict(ns.d, a=ns.d, b='z' * 1000000 ~ i) %}{% endfor %}");
}

TEST(ChatTemplateMemory, FiltersThatAmplifyHitTheBudget) {
  expect_budget_error("{{ 'x' | center(1000000000) }}");
  expect_budget_error("{{ 'x' | center(9223372036854775807) }}");
  expect_budget_error("{{ ('a\\n' * 1000) | indent(100000) }}");
  expect_budget_error("{{ 'a' | indent(1000000000000, first=true) }}");
  expect_budget_error("{{ range(1000) | map('center', 100000) | list }}");
  expect_budget_error("{{ range(100000) | map('string') | map('center', 1000) | select | list | length }}");
  expect_budget_error("{{ range(100000) | map('string') | map('indent', 1000, true) | reject('none') | join(',') }}");
  expect_budget_error("{{ (['x' * 1000000] * 100) | join }}");
  expect_budget_error("{{ ''.join(['x' * 1000000] * 100) }}");
  expect_budget_error("{{ ', '.join(['x' * 1000000] * 100) }}");
  expect_budget_error("{{ ('x' * 10000000) | replace('x', 'yyyyyyyyyy') }}");
  expect_budget_error("{{ ('x' * 10000000).replace('', 'yyyyyyyyyy') }}");
  expect_budget_error("{{ ('<' * 20000000) | e }}");
  expect_budget_error("{{ (['x' * 1000000] * 100) | tojson }}");
  expect_budget_error("{{ [[[1]]] | tojson(indent=1000000000000) }}");
  expect_budget_error("{{ range(3) | batch(1000000000000, fill_with=0) | list }}");
  expect_budget_error("{{ strftime_now('%Y' * 10000000) }}");
}

TEST(ChatTemplateMemory, RenderedTextCountsAgainstTheSameBudget) {
  // Every macro level prints 10 MB before calling the next: no single buffer is large, all are.
  expect_budget_error("{% set big = 'x' * 10000000 %}{% macro f(n) %}{{ big }}{% if n %}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(100) }}");
  expect_budget_error("{% set big = 'x' * 10000000 %}{% for i in range(100) %}{{ big }}{% endfor %}");
  expect_budget_error("{% set big = 'x' * 10000000 %}{% set ns = namespace(l=[]) %}{% for i in range(100) %}{% set s %}{{ big }}{% endset %}{% set ns.l = ns.l + [s] %}{% endfor %}");
}

TEST(ChatTemplateMemory, ValuesMadeFromALargeValueDoNotCopyIt) {
  // An undefined value's hint quotes the key it was looked up with, and a joiner keeps its
  // separator: a hundred of each made from a 30 MB string must not hold a hundred copies of it.
  const std::string loop = "{% set big = 'x' * 30000000 %}{% set ns = namespace(l=[]) %}{% for i in range(100) %}";
  EXPECT_EQ(render(loop + "{% set ns.l = ns.l + [messages[big], {}[big], big.nothing] %}{% endfor %}{{ ns.l | length }}"), "300");
  EXPECT_EQ(render(loop + "{% set ns.l = ns.l + [joiner(big)] %}{% endfor %}{{ ns.l | length }}"), "100");
  auto undefined_key = render("{{ {}['k' * 1000] | default('fallback') }}");
  EXPECT_EQ(undefined_key, "fallback");
  try {
    render("{{ messages['k' * 1000] + 1 }}");
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_LT(std::string(error.what()).size(), 400u) << error.what();
  }
}

TEST(ChatTemplateMemory, WidthsWithinTheBudgetAreNotCapped) {
  // Python's str.center, Jinja2's indent and json.dumps honour any width; so do we, up to the budget.
  EXPECT_EQ(render("{{ 'x' | center(3000000) | length }}"), "3000000");
  EXPECT_EQ(render("{{ 'a\\nb' | indent(2000) | length }}"), "2003");
  EXPECT_EQ(render("{{ [1] | tojson(indent=100) }}"), "[\n" + std::string(100, ' ') + "1\n]");
  EXPECT_EQ(render("{{ 'ab' | center(7) }}|{{ 'ab' | center(-3) }}|{{ 'a\\nb' | indent(-2) }}"), "   ab  |ab|a\nb");
}

TEST(ChatTemplateMemory, LargeInputsStillRender) {
  // The conversation is the caller's, not the template's: a 20 MB message leaves the budget for
  // what the template builds, and indexing or slicing it does not expand it character by character.
  std::string content(20'000'000, 'a');
  content += "</think>tail";
  boost::json::object message{{"role", "user"}, {"content", content}};
  std::string inputs = boost::json::serialize(boost::json::object{{"messages", boost::json::array{message}}});
  EXPECT_EQ(render("{% for m in messages %}{{ m.content[0] }}{{ m.content[-4:] }}{{ m.content[1:] | length }}"
                   "{{ m.content.split('</think>')[-1] }}{{ m.content | length }}{% endfor %}",
                   inputs),
            "atail20000011tail20000012");
  EXPECT_EQ(render("{% for m in messages %}{{ m.content }}{% endfor %}", inputs).size(), content.size());
}

TEST(ChatTemplateMemory, StringsAreIndexedAndSlicedByCodePoint) {
  EXPECT_EQ(render("{% set s = 'h\u00e9llo\U0001F600' %}{{ s[1] }}|{{ s[-1] }}|{{ s[1:3] }}|{{ s[-2:] }}|{{ s[::2] }}|"
                   "{{ s[::-1] }}|{{ s[4:1] }}|{{ s[10:] }}|{{ s[-10:2] }}|{{ s[9] is defined }}|{{ s[-7] is defined }}"),
            "\u00e9|\U0001F600|\u00e9l|o\U0001F600|hlo|\U0001F600oll\u00e9h|||h\u00e9|False|False");
}

// Seconds to build a list of n items with `set ns.l = ns.l + [i]` (or a string with ~).
double seconds_to_build(int n, bool string) {
  std::string source = string ? "{% set ns = namespace(l='') %}{% for i in range(" + std::to_string(n) +
                                    ") %}{% set ns.l = ns.l ~ 'ab' %}{% endfor %}{{ ns.l | length }}"
                              : "{% set ns = namespace(l=[]) %}{% for i in range(" + std::to_string(n) +
                                    ") %}{% set ns.l = ns.l + [i] %}{% endfor %}{{ ns.l | length }}";
  double best = 1e9;
  for (int run = 0; run < 3; ++run) {
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(render(source), std::to_string(string ? 2 * n : n));
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

TEST(ChatTemplateMemory, BuildingAListOrStringInALoopIsLinear) {
  // Copying the list on every + made 100,000 appends take over a minute; appending in place is
  // linear, so four times the items take about four times as long (sixteen if quadratic).
  for (bool string : {false, true}) {
    double small = seconds_to_build(20'000, string);
    double large = seconds_to_build(80'000, string);
    EXPECT_LT(large, 10.0) << (string ? "string" : "list");
    EXPECT_LT(large / std::max(small, 1e-3), 10.0) << (string ? "string" : "list") << ": " << small << " s then " << large << " s";
  }
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(render("{% set ns = namespace(l=[]) %}{% for i in range(100000) %}{% set ns.l = ns.l + [i] %}{% endfor %}"
                   "{{ ns.l | length }} {{ ns.l[99999] }}"),
            "100000 99999");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);
}

TEST(ChatTemplateMemory, AppendingInPlaceNeverChangesAnotherReference) {
  // Only a value nothing else refers to is extended; every alias keeps what it saw, as in Python.
  EXPECT_EQ(render("{% set ns = namespace(l=[1]) %}{% set keep = ns.l %}{% set ns.l = ns.l + [2] %}{{ keep }} {{ ns.l }}"),
            "[1] [1, 2]");
  EXPECT_EQ(render("{% set ns = namespace(s='a') %}{% set keep = ns.s %}{% set ns.s = ns.s ~ 'b' %}{{ keep }} {{ ns.s }}"),
            "a ab");
  EXPECT_EQ(render("{% set ns = namespace(l=[1], m=none) %}{% set ns.m = ns.l %}{% set ns.l = ns.l + [2] %}{{ ns.m }} {{ ns.l }}"),
            "[1] [1, 2]");
  EXPECT_EQ(render("{% set x = [1] %}{% for i in range(2) %}{% set x = x + [i] %}{{ x }}{% endfor %} {{ x }}"),
            "[1, 0][1, 1] [1]");
  EXPECT_EQ(render("{% set ns = namespace(l=[1]) %}{% set ns.l = ns.l + ns.l %}{% set ns.l = ns.l + ns.l %}{{ ns.l }}"),
            "[1, 1, 1, 1]");
  EXPECT_EQ(render("{% set a = 'x' %}{% set a = a ~ a ~ a %}{% set b = [a] %}{% set a = a ~ '!' %}{{ b }} {{ a }}"),
            "['xxx'] xxx!");
  EXPECT_EQ(render("{% set ns = namespace(l=(1,)) %}{% for m in messages %}{% set ns.l = ns.l + (m.role,) %}{% endfor %}{{ ns.l }}",
                   R"({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]})"),
            "(1, 'user', 'assistant')");
}

}  // namespace
}  // namespace gatehouse::tokenizer
