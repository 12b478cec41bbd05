#include "grammar/ebnf.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "grammar/reference_recognizer.h"

namespace gatehouse::grammar {
namespace {

void expect_language(std::string_view text, const std::vector<std::string>& accepted, const std::vector<std::string>& rejected) {
  Grammar grammar = compile_ebnf(text);
  for (const std::string& s : accepted) EXPECT_TRUE(matches(grammar, s)) << "should match '" << s << "'\n" << text;
  for (const std::string& s : rejected) EXPECT_FALSE(matches(grammar, s)) << "should not match '" << s << "'\n" << text;
}

// The message of the error compile_ebnf throws, or "" when it compiles.
std::string error_of(std::string_view text) {
  try {
    compile_ebnf(text);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
    return error.what();
  }
  return "";
}

constexpr std::string_view kArithmetic = R"ebnf(
# Arithmetic, with the repetitions written on the right.
root   ::= expr
expr   ::= term (("+" | "-") term)*
term   ::= factor (("*" | "/") factor)*
factor ::= number | "(" expr ")" | "-" factor
number ::= [0-9]+ ("." [0-9]+)?
)ebnf";

TEST(Ebnf, ArithmeticExpressions) {
  expect_language(kArithmetic, {"1", "1+2*3", "(1+2)*3", "-(4.5/0.5)-2", "((((7))))"},
                  {"", "1+", "+1", "(1+2", "1..2", "1 + 2", "()"});
  Grammar grammar = compile_ebnf(kArithmetic);
  EXPECT_TRUE(is_viable_prefix(grammar, "(1+"));
  EXPECT_FALSE(is_viable_prefix(grammar, "(1+)"));
}

TEST(Ebnf, RightRecursionAndMultiLineRules) {
  expect_language(R"(root ::= item "," root
                          | item
item ::= "x" | "y")",
                  {"x", "x,y,x"}, {"", "x,", ",x", "xy"});
}

TEST(Ebnf, SqlSelectAsInVllmsDocs) {
  constexpr std::string_view kSql = R"(
root ::= select_statement
select_statement ::= "SELECT " column " from " table " where " condition
column ::= "col_1 " | "col_2 "
table ::= "table_1 " | "table_2 "
condition ::= column "= " number
number ::= "1 " | "2 "
)";
  expect_language(kSql, {"SELECT col_1  from table_2  where col_2 = 1 "},
                  {"SELECT col_3  from table_2  where col_2 = 1 ", "SELECT col_1 from table_2 where col_2 = 1"});
}

constexpr std::string_view kJson = R"(# JSON, in the style of llama.cpp's json.gbnf
root   ::= ws value ws
value  ::= object | array | string | number | ("true" | "false" | "null")
object ::= "{" ws ( member ( ws "," ws member )* )? ws "}"
member ::= string ws ":" ws value
array  ::= "[" ws ( value ( ws "," ws value )* )? ws "]"
string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\""
number ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]+)? ([eE] [-+]? [0-9]{1,15})?
ws     ::= | " " | "\n" [ \t]{0,20}
)";

TEST(Ebnf, JsonInGbnf) {
  expect_language(kJson,
                  {R"({"a": [1, -2.5e3, true, null], "b": {"c": "d\"\u00e9\n"}})", "[]", "{}", " 0 ", "\"日本\"",
                   "{\n  \"k\": \"v\"}"},
                  {"{", "[1,]", "{'a': 1}", "01", "\"\x01\"", "\"\\x\"", "{\"a\" 1}", "tru"});
}

TEST(Ebnf, ClassesStringsAndEscapes) {
  expect_language(R"(root ::= [^\n"]+ "\t\x41\u00e9\U0001F600" [α-ω\d] "\"" [\]\\-])",
                  {"ab\tAé😀α\"]", "日本\tAé😀5\"-", "x\tAé😀ω\"\\"}, {"\n\tAé😀α\"]", "ab\tAé😀a\"]"});
  expect_language(R"(root ::= "" "a" ())", {"a"}, {""});
}

TEST(Ebnf, QuantifierBounds) {
  expect_language(R"(root ::= "a"{2} "b"{1,} "c"{0,2} "d" { 1 , 2 })", {"aabd", "aabbbccdd"}, {"abd", "aabcccd", "aab", "aabddd"});
}

TEST(Ebnf, NamesRegexMacroLookaheadAndComments) {
  expect_language(R"(root ::= my-rule.v2 " " id   # a comment after a rule
# a whole-line comment
my-rule.v2 ::= "ok"  (= " ")
id ::= Regex("[A-Z]{2}-\\d{3}"))",
                  {"ok AB-123"}, {"ok AB-12", "ok ab-123", "okAB-123"});
}

TEST(Ebnf, NullableRepetitionsBuild) {
  expect_language(R"(root ::= ("a"*)* "b" ("c" | "")+)", {"b", "aaabcc"}, {"a", "bd"});
}

TEST(Ebnf, RefusesWithLineColumnAndWhatWasExpected) {
  EXPECT_EQ(error_of("rule ::= \"a\""), "invalid EBNF grammar at line 1, column 13: the grammar has no 'root' rule, where the output starts");
  EXPECT_EQ(error_of(""), "invalid EBNF grammar at line 1, column 1: the grammar has no 'root' rule, where the output starts");
  EXPECT_EQ(error_of("root ::= a\na ::= b c\nb ::= \"x\""), "invalid EBNF grammar at line 2, column 9: rule 'c' is used but never defined");
  EXPECT_EQ(error_of("root ::= \"a\" | )"), "invalid EBNF grammar at line 1, column 16: expected an element, '|' or a new rule, but found ')'");
  EXPECT_EQ(error_of("root ::= \"a\"\n  = \"b\""), "invalid EBNF grammar at line 2, column 3: expected an element (a string, a character class, a rule name or '('), but found '='");
  EXPECT_EQ(error_of("root ::= (\"a\" | \"b\""), "invalid EBNF grammar at line 1, column 10: missing ')' for this group, found the end of the grammar");
  EXPECT_EQ(error_of("root ::= \"a\" *+"), "invalid EBNF grammar at line 1, column 15: expected an element (a string, a character class, a rule name or '('), but found '+'");
  EXPECT_EQ(error_of("root ::= \"abc"), "invalid EBNF grammar at line 1, column 10: missing the closing quote of this string");
  EXPECT_EQ(error_of("root ::= \"\\d\""), "invalid EBNF grammar at line 1, column 11: a class escape such as \\d cannot appear in a string");
  EXPECT_EQ(error_of("root ::= [a-"), "invalid EBNF grammar at line 1, column 10: missing ']' for this class");
  EXPECT_EQ(error_of("root ::= [z-a]"), "invalid EBNF grammar at line 1, column 11: the class range is out of order");
  EXPECT_EQ(error_of("root ::= \"a\"{3,2}"), "invalid EBNF grammar at line 1, column 13: the repetition's maximum is below its minimum");
  EXPECT_EQ(error_of("root ::= \"a\"{2"), "invalid EBNF grammar at line 1, column 15: expected '}' closing the repetition, but found the end of the grammar");
  EXPECT_EQ(error_of("root ::= \"a\"{x}"), "invalid EBNF grammar at line 1, column 14: expected a repetition count, but found 'x'");
  EXPECT_EQ(error_of("root ::= \"a\"{20000}"), "invalid EBNF grammar at line 1, column 14: repetition counts above 10000 are not supported");
  EXPECT_EQ(error_of("root ::= \"a\"\nroot ::= \"b\""), "invalid EBNF grammar at line 2, column 1: rule 'root' is defined twice");
  EXPECT_EQ(error_of("root ::= Regex(\"a(?=b)\")"), "invalid EBNF grammar at line 1, column 10: invalid regex at offset 1: lookahead '(?=' is not supported");
  EXPECT_EQ(error_of("root ::= TagDispatch((\"<a>\", b))"), "invalid EBNF grammar at line 1, column 10: the macro TagDispatch(...) is not supported");
  EXPECT_EQ(error_of("root ::= \"é\" ]"), "invalid EBNF grammar at line 1, column 14: expected an element (a string, a character class, a rule name or '('), but found ']'");
  EXPECT_EQ(error_of("root ::= \"a\xFF\""), "invalid EBNF grammar at line 1, column 12: the EBNF grammar is not valid UTF-8");
  EXPECT_NE(error_of("root ::= " + std::string(101, '(') + "\"a\"" + std::string(101, ')')).find("groups are nested deeper than 100 levels"),
            std::string::npos);
}

TEST(Ebnf, LeftRecursionIsTheBuildersError) {
  EXPECT_NE(error_of("root ::= root \"+\" \"1\" | \"1\"").find("rule 'root' is left-recursive"), std::string::npos);
}

TEST(Ebnf, RefusesEnormousGrammars) {
  EXPECT_NE(error_of(R"(root ::= ((("a"{0,9000}){0,9000}){0,9000}){0,9000} ("b"{0,9000}){0,9000} ("c"{0,9000}){9000})").find("the EBNF grammar is too large"),
            std::string::npos);
}

// Without a "::=" line the text is Lark, as vLLM decides.
TEST(Lark, RulesTerminalsAndTheStartRule) {
  constexpr std::string_view kLark = R"(
// a greeting
greeting: salutation " " NAME "!"?
start: greeting+
salutation: "hello" | 'hi'
          | "hey" -> informal
NAME: /[A-Z][a-z]+/
)";
  expect_language(kLark, {"hello Ann", "hi Bob!hey Zed"}, {"hello ann", "hello Ann!!", "", "yo Ann"});
}

TEST(Lark, FirstRuleIsTheRootWithoutStart) {
  expect_language("list: \"[\" [item (\",\" item)*] \"]\"\nitem: DIGIT ~ 2..3\nDIGIT: \"0\"..\"9\"", {"[]", "[12,345]"}, {"[1]", "[12,]", "[1234]"});
}

TEST(Lark, PrefixesPrioritiesAndRepeats) {
  expect_language("?start: pair ~ 2\n!pair: KEY \"=\" VALUE # comment\nKEY.2: /[a-z]+/\nVALUE.-1: /\\d+/", {"a=1b=22"}, {"a=1", "a=1b=c"});
}

TEST(Lark, RefusesWhatItDoesNotSupport) {
  EXPECT_EQ(error_of("start: WORD\n%import common.WORD"), "invalid Lark grammar at line 2, column 1: Lark directives such as %import and %ignore are not supported");
  EXPECT_EQ(error_of("start: /abc/i"), "invalid Lark grammar at line 1, column 13: regex flags (/.../i and others) are not supported");
  EXPECT_EQ(error_of("start: \"abc\"i"), "invalid Lark grammar at line 1, column 8: case-insensitive literals (\"...\"i) are not supported");
  EXPECT_EQ(error_of("start: item\n"), "invalid Lark grammar at line 1, column 8: rule 'item' is used but never defined");
  EXPECT_EQ(error_of("start: /a(/"), "invalid Lark grammar at line 1, column 8: invalid regex at offset 1: missing ')' for this group");
  EXPECT_EQ(error_of("start: \"ab\"..\"z\""), "invalid Lark grammar at line 1, column 8: a range \"a\"..\"z\" needs one character on each side");
  EXPECT_EQ(error_of("start: [\"a\""), "invalid Lark grammar at line 1, column 8: missing ']' for this group, found the end of the grammar");
  EXPECT_EQ(error_of("just words"), "invalid Lark grammar at line 1, column 1: expected a rule 'name: ...'");
}

}  // namespace
}  // namespace gatehouse::grammar
