#include "grammar/decimal_range.h"

#include <gtest/gtest.h>

#include <regex>

#include "grammar/reference_recognizer.h"

namespace gatehouse::grammar {
namespace {

Decimal dec(std::string_view text) {
  std::optional<Decimal> value = Decimal::parse(text);
  EXPECT_TRUE(value.has_value()) << text;
  return value.value_or(Decimal{});
}

TEST(Decimal, ParsesJsonNumbersExactly) {
  EXPECT_EQ(dec("-1.5e-07").to_string(), "-0.00000015");
  EXPECT_EQ(dec("1e+3").to_string(), "1000");
  EXPECT_EQ(dec("0012.5000").to_string(), "12.5");
  EXPECT_EQ(dec("-0.000").to_string(), "0");
  EXPECT_FALSE(dec("-0").negative);
  EXPECT_EQ(dec("123.456E1").to_string(), "1234.56");
  EXPECT_FALSE(Decimal::parse("1.").has_value());
  EXPECT_FALSE(Decimal::parse(".5").has_value());
  EXPECT_FALSE(Decimal::parse("1e").has_value());
  EXPECT_FALSE(Decimal::parse("abc").has_value());
  EXPECT_EQ(Decimal::of(0.1).to_string(), "0.1");
  EXPECT_EQ(Decimal::of(1e300).integer.size(), 301u);
  EXPECT_EQ(Decimal::of(-2.5e-5).to_string(), "-0.000025");
}

TEST(Decimal, ComparesBySignMagnitudeAndFraction) {
  EXPECT_LT(compare(dec("-2"), dec("-1.5")), 0);
  EXPECT_LT(compare(dec("-0.5"), dec("0")), 0);
  EXPECT_LT(compare(dec("0.5"), dec("0.51")), 0);
  EXPECT_GT(compare(dec("0.6"), dec("0.51")), 0);
  EXPECT_GT(compare(dec("10"), dec("9.999")), 0);
  EXPECT_EQ(compare(dec("1.50"), dec("1.5")), 0);
}

// The texts the grammar is meant to produce: JSON numbers without exponent, never a minus zero.
bool in_language(const std::string& text, bool integers_only) {
  static const std::regex kNumber("-?(0|[1-9][0-9]*)(\\.[0-9]+)?");
  if (!std::regex_match(text, kNumber)) return false;
  if (integers_only && text.find('.') != std::string::npos) return false;
  return !(text[0] == '-' && dec(text).is_zero());
}

std::vector<std::string> candidate_texts() {
  std::vector<std::string> texts;
  for (int i = -12; i <= 12; ++i) texts.push_back(std::to_string(i));
  for (int i : {-101, -100, -99, 99, 100, 101, 1000}) texts.push_back(std::to_string(i));
  for (const char* fraction : {"0", "5", "25", "05", "999", "001"}) {
    for (const char* integer : {"-100", "-99", "-8", "-7", "-2", "-1", "-0", "0", "1", "2", "3", "9", "10", "99", "100"}) {
      texts.push_back(std::string(integer) + "." + fraction);
    }
  }
  for (const char* odd : {"-0", "00", "01", "-01", "1.", ".5", "+1", "1e1", "1E-1", "--1", "", "-", "2.250000001", "2.2499999", "99.9990"}) {
    texts.emplace_back(odd);
  }
  return texts;
}

// "[-7.5" / "(0" is an inclusive / exclusive lower bound, "2.25]" / "3)" an upper one, "" none.
std::optional<DecimalBound> bound(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool lower = text[0] == '[' || text[0] == '(';
  bool exclusive = lower ? text[0] == '(' : text.back() == ')';
  return DecimalBound{dec(lower ? text.substr(1) : text.substr(0, text.size() - 1)), exclusive};
}

void check_range(const std::optional<DecimalBound>& lower, const std::optional<DecimalBound>& upper, bool integers_only) {
  GrammarBuilder builder;
  std::optional<Element> element = decimal_in_range(builder, lower, upper, integers_only);
  std::string label = lower ? std::string(lower->exclusive ? "(" : "[") : std::string("(-inf");
  if (lower) label += lower->value.to_string();
  label += ", ";
  label += upper ? upper->value.to_string() + (upper->exclusive ? ")" : "]") : "inf)";
  if (integers_only) label += " integers";
  bool any_expected = false;
  std::optional<Grammar> grammar;
  if (element) grammar = std::move(builder).build(builder.add_rule("root", {{*element}}));
  for (const std::string& text : candidate_texts()) {
    bool expected = in_language(text, integers_only);
    if (expected) {
      Decimal value = dec(text);
      if (lower) expected = lower->exclusive ? compare(value, lower->value) > 0 : compare(value, lower->value) >= 0;
      if (upper && expected) expected = upper->exclusive ? compare(value, upper->value) < 0 : compare(value, upper->value) <= 0;
    }
    any_expected = any_expected || expected;
    bool matched = grammar && matches(*grammar, text);
    EXPECT_EQ(matched, expected) << label << " on '" << text << "'";
  }
  if (!element) {
    EXPECT_FALSE(any_expected) << label << " said empty";
  }
}

TEST(DecimalRange, MatchesExactlyTheValuesWithinTheBounds) {
  const std::pair<const char*, const char*> ranges[] = {
      {"", ""},          {"[-7.5", "2.25)"}, {"(-100", "-1]"},    {"(0", "0.5]"},   {"[0", ""},        {"", "-7.5)"},
      {"(0.5", "99.999]"}, {"[2.25", "2.25]"}, {"(-1", "10)"},    {"", "0]"},       {"", "0)"},        {"[10", ""},
      {"[-100", "100]"}, {"(99.999", ""},    {"(-7.5", "-1)"},   {"(2.25", "10]"}, {"[-1", "-1]"},    {"[0.5", "2.25]"},
      {"(-0.5", "0.5)"}, {"[0.05", "0.25]"}, {"(1", "2)"},      {"", "-100]"},
  };
  for (auto [lower, upper] : ranges) {
    for (bool integers_only : {false, true}) check_range(bound(lower), bound(upper), integers_only);
  }
}

TEST(DecimalRange, EmptyRangesHaveNoGrammar) {
  GrammarBuilder builder;
  EXPECT_FALSE(decimal_in_range(builder, DecimalBound{dec("5"), false}, DecimalBound{dec("3"), false}, false));
  EXPECT_FALSE(decimal_in_range(builder, DecimalBound{dec("2"), true}, DecimalBound{dec("2"), false}, false));
  EXPECT_FALSE(decimal_in_range(builder, DecimalBound{dec("1"), true}, DecimalBound{dec("2"), true}, true));
  EXPECT_FALSE(decimal_in_range(builder, DecimalBound{dec("0.1"), false}, DecimalBound{dec("0.9"), false}, true));
}

TEST(DecimalRange, HugeBoundsStaySmall) {
  GrammarBuilder huge;
  ASSERT_TRUE(decimal_in_range(huge, DecimalBound{Decimal::of(-1e300), false}, DecimalBound{Decimal::of(1e300), true}, false));
  EXPECT_LT(huge.size(), 20000);
  GrammarBuilder builder;
  std::optional<Element> element = decimal_in_range(builder, DecimalBound{Decimal::of(-1e30), false}, DecimalBound{Decimal::of(1e30), true}, false);
  ASSERT_TRUE(element);
  Grammar grammar = std::move(builder).build(builder.add_rule("root", {{*element}}));
  std::string nines(30, '9'), zeros(30, '0');
  EXPECT_TRUE(matches(grammar, "-" + nines + ".5"));
  EXPECT_TRUE(matches(grammar, "-1" + zeros));
  EXPECT_FALSE(matches(grammar, "1" + zeros));
  EXPECT_FALSE(matches(grammar, "-1" + zeros + ".000001"));
}

}  // namespace
}  // namespace gatehouse::grammar
