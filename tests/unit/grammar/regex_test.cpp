#include "grammar/regex.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <regex>

#include "base/error.h"
#include "grammar/reference_recognizer.h"

namespace gatehouse::grammar {
namespace {

void expect_language(std::string_view pattern, const std::vector<std::string>& accepted,
                     const std::vector<std::string>& rejected) {
  Grammar grammar = compile_regex(pattern);
  for (const std::string& text : accepted) EXPECT_TRUE(matches(grammar, text)) << pattern << " should match '" << text << "'";
  for (const std::string& text : rejected) EXPECT_FALSE(matches(grammar, text)) << pattern << " should not match '" << text << "'";
}

// The message of the error compile_regex throws, or "" when it compiles.
std::string error_of(std::string_view pattern) {
  try {
    compile_regex(pattern);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
    return error.what();
  }
  return "";
}

TEST(Regex, LiteralsAndConcatenation) {
  expect_language("abc", {"abc"}, {"", "ab", "abcd", "abd"});
  expect_language("", {""}, {"a"});
  expect_language("a.c", {"abc", "a-c", "a c", "aéc", "a日c", "a🎉c"}, {"ac", "a\nc", "abbc"});
}

TEST(Regex, AnchorsAtTheEndsMeanNothingMore) {
  expect_language("^abc$", {"abc"}, {"", "xabc", "abcx"});
  expect_language("^a|b$", {"a", "b"}, {"ab", ""});
  expect_language("(?:^a|^b)c$", {"ac", "bc"}, {"c"});
  expect_language("^$", {""}, {"a"});
}

TEST(Regex, EscapesOfSingleCharacters) {
  expect_language(R"(\n\t\r\f\v\0)", {std::string("\n\t\r\f\v\0", 6)}, {"ntrfv0"});
  expect_language(R"(\x41\u00e9\u{1F389}\U0001F600)", {"Aé🎉😀"}, {"A\\u00e9"});
  expect_language(R"(\uD83C\uDF89)", {"🎉"}, {});  // a surrogate pair is one code point
  expect_language(R"(\\\.\*\+\?\(\)\[\]\{\}\|\^\$\/\-)", {R"(\.*+?()[]{}|^$/-)"}, {});
  expect_language(R"(\cJ)", {"\n"}, {"J"});
  expect_language(R"(a\é)", {"aé"}, {});
}

TEST(Regex, ClassEscapesHaveTheirEcmaScriptMeanings) {
  expect_language(R"(\d+)", {"0123456789"}, {"", "a", "٣"});  // ASCII digits only
  expect_language(R"(\w+)", {"az_AZ09"}, {"-", "é"});
  expect_language(R"(\s+)", {" \t\n\r\v\f", "\u00A0", "\u2003", "\u3000", "\uFEFF"}, {"a", "\u200B"});
  expect_language(R"(\D\W\S)", {"a-x", "é é"}, {"1-x", "a_x", "a- "});
}

TEST(Regex, CharacterClasses) {
  expect_language("[abc]+", {"a", "cab"}, {"", "d", "ab-"});
  expect_language("[a-z0-9_-]+", {"snake_case-9"}, {"Upper", "a b"});
  expect_language("[^a-z]", {"A", "0", "\n", "é", "🎉"}, {"a", "q", "", "AB"});
  expect_language(R"([\d.]+)", {"3.14"}, {"3,14"});
  expect_language(R"([^\d\s])", {"a", "é"}, {"1", " ", "\u00A0"});
  expect_language(R"([\b])", {"\b"}, {"b"});
  expect_language(R"([\]\[\\^-])", {"]", "[", "\\", "^", "-"}, {"a"});
  expect_language("[a^]", {"a", "^"}, {"b"});
  expect_language("[-a]", {"-", "a"}, {"b"});
  expect_language("[a-]", {"-", "a"}, {"b"});
  expect_language("[.*+?]", {".", "*", "+", "?"}, {"a"});
  expect_language("[[:alpha:]]", {"[]", ":]", "a]"}, {"a", "b]"});  // no POSIX classes: '[' is a member
}

TEST(Regex, ClassesOfNonAsciiCodePoints) {
  expect_language("[α-ω]+", {"αβγ", "ω"}, {"Α", "a", "αa"});
  expect_language("[日本語]", {"日", "本", "語"}, {"中", "日本"});
  expect_language("[^é]", {"e", "è", "🎉"}, {"é"});
  expect_language(R"([\u4e00-\u9fff]{2})", {"中文"}, {"中", "中a"});
  expect_language(R"([😀-🙏])", {"😀", "🙏", "😎"}, {"🚀"});
  expect_language("ü+", {"ü", "üüü"}, {"", "u", "\xC3"});  // a quantifier repeats the whole code point
}

TEST(Regex, QuantifierBounds) {
  expect_language("a{3}", {"aaa"}, {"aa", "aaaa"});
  expect_language("a{2,}", {"aa", "aaaaaaa"}, {"a"});
  expect_language("a{2,4}", {"aa", "aaa", "aaaa"}, {"a", "aaaaa"});
  expect_language("a{,2}", {"", "a", "aa"}, {"aaa"});
  expect_language("a{0}b", {"b"}, {"ab"});
  expect_language("a{0,0}", {""}, {"a"});
  expect_language("(ab){2}", {"abab"}, {"ab", "ababab", "aabb"});
  expect_language("x?y*z+", {"z", "xyyzz", "yz"}, {"", "xxz", "xy"});
  expect_language("a{1,3}?b*?c+?d??", {"ac", "aaabbccd"}, {"aaaac"});  // lazy: same language
  expect_language("a++b?+c*+", {"a", "aabcc"}, {"b"});            // possessive taken as greedy
  expect_language("a{x}", {"a{x}"}, {"a"});                           // not a quantifier: literal
  expect_language("a{1,", {"a{1,"}, {"a"});
  expect_language("a{,}", {"a{,}"}, {"a"});
}

TEST(Regex, AlternationBindsLoosest) {
  expect_language("ab|cd", {"ab", "cd"}, {"abd", "acd", "b"});
  expect_language("a(b|c)d", {"abd", "acd"}, {"ab", "cd", "ad"});
  expect_language("a|b|", {"a", "b", ""}, {"ab"});
  expect_language("(?:a|bc)*", {"", "abca", "bcbc"}, {"b", "cb"});
  expect_language("x(?<name>a|b)y(?P<other>c)", {"xayc", "xbyc"}, {"xyc"});
}

TEST(Regex, NullableItemsUnderRepetition) {
  expect_language("(a*)*", {"", "a", "aaaa"}, {"b"});
  expect_language("(a*)+b", {"b", "aab"}, {"a"});
  expect_language("(a|)+", {"", "a", "aaa"}, {"b"});
  expect_language("(a?b?)*c", {"c", "abbac"}, {"ca"});
  expect_language("(a*){3,5}", {"", "aaaaaaa"}, {"b"});
  expect_language("((a*)*|b)*", {"", "abba"}, {"c"});
  expect_language("()*", {""}, {"a"});
}

TEST(Regex, RealisticPatterns) {
  expect_language(R"(^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$)", {"john.doe+x@example.co.uk"},
                  {"john@", "@example.com", "a@b.c", "a b@example.com"});
  expect_language(R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))", {"2024-02-29", "1999-12-31"},
                  {"2024-13-01", "2024-00-10", "2024-1-1", "2024-01-32"});
  expect_language(R"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12})",
                  {"123e4567-e89b-12d3-a456-426614174000"}, {"123e4567-e89b-12d3-c456-426614174000", "123e4567e89b12d3a456426614174000"});
  expect_language(R"((\+|-)?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)", {"0", "-12.5e+3", "+7"}, {"01", "1.", ".5", "1e"});
  expect_language(R"(\((\d{3})\) \d{3}-\d{4})", {"(555) 123-4567"}, {"555 123-4567"});
  expect_language(R"((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})", {"192.168.0.1", "255.255.255.255"},
                  {"256.1.1.1", "1.2.3"});
  expect_language(R"(Name: [A-Z][a-zé]+, Âge: \d{1,3})", {"Name: Zoé, Âge: 7"}, {"Name: zoé, Âge: 7"});
}

TEST(Regex, ViablePrefixesFollowThePattern) {
  Grammar grammar = compile_regex(R"(\d{3}-[a-z]+)");
  EXPECT_TRUE(is_viable_prefix(grammar, "12"));
  EXPECT_TRUE(is_viable_prefix(grammar, "123-"));
  EXPECT_FALSE(is_viable_prefix(grammar, "12a"));
  EXPECT_FALSE(is_viable_prefix(grammar, "1234"));
}

TEST(Regex, ElementsShareABuilderWithOtherRules) {
  GrammarBuilder builder;
  Sequence root = builder.literal("\"");
  root.push_back(regex_element(builder, "[a-c]{2}"));
  root.push_back(builder.byte('"'));
  int32_t rule = builder.add_rule("root", {root});
  Grammar grammar = std::move(builder).build(rule);
  EXPECT_TRUE(matches(grammar, "\"ab\""));
  EXPECT_FALSE(matches(grammar, "ab"));
  EXPECT_FALSE(matches(grammar, "\"abc\""));
}

TEST(Regex, RefusesUnsupportedConstructsSayingWhatAndWhere) {
  EXPECT_EQ(error_of("a(?=b)"), "invalid regex at offset 1: lookahead '(?=' is not supported");
  EXPECT_EQ(error_of("(?!b)"), "invalid regex at offset 0: lookahead '(?!' is not supported");
  EXPECT_EQ(error_of("x(?<=a)"), "invalid regex at offset 1: lookbehind '(?<=' is not supported");
  EXPECT_EQ(error_of("(?<!a)"), "invalid regex at offset 0: lookbehind '(?<!' is not supported");
  EXPECT_EQ(error_of("(a)\\1"), "invalid regex at offset 3: backreferences (\\1) are not supported");
  EXPECT_EQ(error_of("(?<x>a)\\k<x>"), "invalid regex at offset 7: backreferences (\\k<name>) are not supported");
  EXPECT_EQ(error_of("(?P<x>a)(?P=x)"), "invalid regex at offset 8: backreferences '(?P=name)' are not supported");
  EXPECT_EQ(error_of("\\bword"), "invalid regex at offset 0: word boundaries (\\b) are not supported");
  EXPECT_EQ(error_of("a\\B"), "invalid regex at offset 1: word boundaries (\\B) are not supported");
  EXPECT_EQ(error_of("\\p{L}+"), "invalid regex at offset 0: Unicode property classes (\\p{...}) are not supported");
  EXPECT_EQ(error_of("[\\P{Lu}]"), "invalid regex at offset 1: Unicode property classes (\\P{...}) are not supported");
  EXPECT_NE(error_of("(?i)abc").find("offset 0: the group syntax '(?i'"), std::string::npos);
  EXPECT_NE(error_of("(?>a)").find("offset 0: the group syntax '(?>'"), std::string::npos);
  EXPECT_EQ(error_of("\\q"), "invalid regex at offset 0: unknown escape '\\q'");
  EXPECT_EQ(error_of("\\07"), "invalid regex at offset 0: octal escapes are not supported");
}

TEST(Regex, RefusesMisplacedAnchors) {
  EXPECT_EQ(error_of("a^b"), "invalid regex at offset 1: '^' is only supported at the start of the pattern");
  EXPECT_EQ(error_of("a$b"), "invalid regex at offset 1: '$' is only supported at the end of the pattern");
  EXPECT_EQ(error_of("(a$)b"), "invalid regex at offset 2: '$' is only supported at the end of the pattern");
  EXPECT_EQ(error_of("x(^a)"), "invalid regex at offset 2: '^' is only supported at the start of the pattern");
  EXPECT_EQ(error_of("(^a)*"), "invalid regex at offset 1: an anchor inside a repeated group is not supported");
  EXPECT_EQ(error_of("^*a"), "invalid regex at offset 1: nothing to repeat before this quantifier");
}

TEST(Regex, RefusesSyntaxErrors) {
  EXPECT_EQ(error_of("*a"), "invalid regex at offset 0: nothing to repeat before this quantifier");
  EXPECT_EQ(error_of("a**"), "invalid regex at offset 2: nothing to repeat before this quantifier");
  EXPECT_EQ(error_of("a{2}{3}"), "invalid regex at offset 4: nothing to repeat before this quantifier");
  EXPECT_EQ(error_of("(|+)"), "invalid regex at offset 2: nothing to repeat before this quantifier");
  EXPECT_EQ(error_of("(ab"), "invalid regex at offset 0: missing ')' for this group");
  EXPECT_EQ(error_of("ab)"), "invalid regex at offset 2: unmatched ')'");
  EXPECT_EQ(error_of("[ab"), "invalid regex at offset 0: missing ']' for this class");
  EXPECT_EQ(error_of("[z-a]"), "invalid regex at offset 1: the class range is out of order");
  EXPECT_EQ(error_of("[\\d-z]"), "invalid regex at offset 1: a class range cannot start or end with a class escape such as \\d");
  EXPECT_NE(error_of("[]a]").find("offset 1: a class cannot start with ']'"), std::string::npos);
  EXPECT_NE(error_of("[^]").find("offset 2: a class cannot start with ']'"), std::string::npos);
  EXPECT_EQ(error_of("[^\\s\\S]"), "invalid regex at offset 0: the class matches no character");
  EXPECT_EQ(error_of("a{3,2}"), "invalid regex at offset 1: the repetition's maximum is below its minimum");
  EXPECT_EQ(error_of("abc\\"), "invalid regex at offset 3: the regex ends with a lone '\\'");
  EXPECT_EQ(error_of("\\x4"), "invalid regex at offset 0: expected 2 hex digits in this escape");
  EXPECT_EQ(error_of("\\u{110000}"), "invalid regex at offset 0: the escaped code point is beyond U+10FFFF");
  EXPECT_EQ(error_of("\\uD800"), "invalid regex at offset 0: a lone surrogate code point cannot be matched in UTF-8");
  EXPECT_EQ(error_of("(?<1x>a)"), "invalid regex at offset 0: a group name must be a word of letters, digits and '_' closed by '>'");
  EXPECT_EQ(error_of("ab\xC3("), "invalid regex at offset 2: the regex is not valid UTF-8");
}

TEST(Regex, RefusesEnormousPatterns) {
  EXPECT_EQ(error_of("a{10001}"), "invalid regex at offset 2: repetition counts above 10000 are not supported");
  EXPECT_EQ(error_of("a{1,99999999999999999999}"), "invalid regex at offset 4: repetition counts above 10000 are not supported");
  EXPECT_EQ(error_of("a{10000}"), "");
  EXPECT_NE(error_of("((a{0,10000}){0,10000}){0,10000}(b{0,10000}){0,10000}(c{0,10000}){10000}").find("the regex is too large"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(100000, 'a') + std::string(100001, 'b')).find("the regex is too large"), std::string::npos);
  EXPECT_NE(error_of(std::string(101, '(') + std::string(101, ')')).find("groups are nested deeper than 100 levels"),
            std::string::npos);
  EXPECT_EQ(error_of(std::string(100, '(') + "a" + std::string(100, ')')), "");
}

// Random ASCII patterns (literals, classes, groups, alternation, every quantifier form) and
// strings over a small alphabet, checked against std::regex_match in ECMAScript mode.
class RandomPattern {
 public:
  explicit RandomPattern(std::mt19937& rng) : rng_(rng) {}

  std::string pattern(int depth) {
    switch (pick(depth > 0 ? 7 : 3)) {
      case 0: return std::string(1, "abc"[pick(3)]);
      case 1: return kClasses[pick(std::size(kClasses))];
      case 2: return pick(2) ? "." : "\\-";
      case 3:
      case 4: return pattern(depth - 1) + pattern(depth - 1);
      case 5: {
        std::string out = "(" + std::string(pick(2) ? "" : "?:") + pattern(depth - 1);
        for (int n = pick(3); n >= 0; --n) out += "|" + (pick(5) ? pattern(depth - 1) : "");
        return out + ")";
      }
      default: {
        std::string item = pattern(depth - 1);
        if (item.size() > 1 && !(item[0] == '[' && item.back() == ']') && !(item[0] == '(' && item.back() == ')')) {
          item = "(?:" + item + ")";
        }
        int min = pick(3);
        static const char* kForms[] = {"*", "+", "?", "{%d}", "{%d,}", "{%d,%d}"};
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, kForms[pick(6)], min, min + pick(3));
        return item + buffer + (pick(4) == 0 ? "?" : "");
      }
    }
  }

  std::string text() {
    std::string out;
    for (int n = 4 + pick(5); n > 0; --n) out += kAlphabet[pick(std::size(kAlphabet) - 1)];
    return out;
  }

 private:
  static constexpr const char* kClasses[] = {"[ab]", "[^a]", "[a-c]", "[^-a]", "\\d", "\\w", "\\s", "\\W", "[\\d\\s]"};
  static constexpr char kAlphabet[] = "abc1 -_\n";

  int pick(size_t n) { return static_cast<int>(rng_() % n); }

  std::mt19937& rng_;
};

TEST(Regex, AgreesWithStdRegexOnRandomAsciiPatterns) {
  std::mt19937 rng(20240518);
  RandomPattern random(rng);
  int compared = 0, matched = 0;
  for (int round = 0; round < 400; ++round) {
    std::string pattern = random.pattern(3);
    std::regex reference(pattern, std::regex::ECMAScript);
    Grammar grammar = compile_regex(pattern);
    // Every string of up to 3 characters over a small alphabet, and longer random ones.
    std::vector<std::string> texts = {""};
    for (size_t i = 0; i < texts.size() && texts[i].size() < 3; ++i) {
      for (char c : std::string_view("ab1 -")) texts.push_back(texts[i] + c);
    }
    for (int i = 0; i < 20; ++i) texts.push_back(random.text());
    for (const std::string& text : texts) {
      bool expected = std::regex_match(text, reference);
      EXPECT_EQ(matches(grammar, text), expected) << "pattern " << pattern << " text '" << text << "'";
      ++compared;
      matched += expected;
    }
  }
  EXPECT_GT(matched, compared / 20);  // the comparison saw a fair share of matches
}

}  // namespace
}  // namespace gatehouse::grammar
