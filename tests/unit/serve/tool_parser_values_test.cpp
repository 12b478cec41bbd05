// The pieces under the tool-call parsers: JSON read as Python's json module reads it, written back
// as json.dumps writes it, pythonic calls read as vLLM's ast-based parser reads them, and the
// incremental JSON object scanner that streaming relies on.
#include <gtest/gtest.h>

#include <string>

#include "serve/tool_parsers/json_object_scanner.h"
#include "serve/tool_parsers/py_json.h"
#include "serve/tool_parsers/python_literal.h"

namespace gatehouse::serve::tool_parsers {
namespace {

// json.dumps(json.loads(text), ensure_ascii=False), or "<invalid>".
std::string redump(std::string_view text) {
  std::optional<PyValue> value = json_loads(text);
  return value ? dumps(*value) : "<invalid>";
}

TEST(PyJson, WritesWithPythonsSeparatorsAndKeyOrder) {
  EXPECT_EQ(redump(R"({"b":1,"a":[1,2,{"z":null}],"c":{}, "d": [],"e":true})"),
            R"({"b": 1, "a": [1, 2, {"z": null}], "c": {}, "d": [], "e": true})");
}

TEST(PyJson, NumbersReadAsPythonReadsThem) {
  EXPECT_EQ(redump("[1.0, 2.50, 1E5, 1e16, 1e-5, 0.0001, -0.0, -0, 10, 123456789012345678901234567890]"),
            "[1.0, 2.5, 100000.0, 1e+16, 1e-05, 0.0001, -0.0, 0, 10, 123456789012345678901234567890]");
  EXPECT_EQ(redump("[NaN, Infinity, -Infinity, 1e999]"), "[NaN, Infinity, -Infinity, Infinity]");
  EXPECT_EQ(redump(std::string(4300, '7')), std::string(4300, '7'));
  EXPECT_EQ(redump(std::string(4301, '7')), "<invalid>");  // Python's int-to-text limit
}

TEST(PyJson, StringsKeepNonAsciiAndEscapeControlCharacters) {
  EXPECT_EQ(redump(R"("caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t \u0001 \u007f")"),
            "\"café 😀 \\\"q\\\" \\\\ / \\b\\f\\n\\r\\t \\u0001 \x7f\"");
  EXPECT_EQ(redump("\"北京\""), "\"北京\"");
  // A lone surrogate is kept, written as its escape.
  EXPECT_EQ(redump(R"("a\ud800b")"), R"("a\ud800b")");
}

TEST(PyJson, ARepeatedKeyKeepsItsPlaceAndTakesTheLastValue) {
  EXPECT_EQ(redump(R"({"a": 1, "b": 2, "a": 3})"), R"({"a": 3, "b": 2})");
}

TEST(PyJson, RefusesWhatPythonRefuses) {
  for (std::string_view bad : {"{\"a\": 1,}", "[1,]", "{'a': 1}", "01", "1.", ".5", "-", "\"a\nb\"", "\"\\x41\"",
                               "\"\\u12G4\"", "{\"a\" 1}", "tru", "nul", "[1 2]", "", "{\"a\": 1} x", "+1"}) {
    EXPECT_FALSE(json_loads(bad)) << bad;
  }
  const std::string deep = std::string(600, '[') + std::string(600, ']');
  EXPECT_FALSE(json_loads(deep));
}

TEST(PyJson, RawDecodeReadsOneValueAtTheStart) {
  std::optional<JsonPrefix> prefix = json_raw_decode(R"({"a": [1]}; {"b": 2})");
  ASSERT_TRUE(prefix);
  EXPECT_EQ(prefix->end, 10u);
  EXPECT_EQ(dumps(prefix->value), R"({"a": [1]})");
  EXPECT_FALSE(json_raw_decode(" {}"));  // no whitespace first
  ASSERT_TRUE(json_raw_decode("1.5e3x"));
  EXPECT_EQ(json_raw_decode("1.5e3x")->end, 5u);
  EXPECT_EQ(json_raw_decode("1ex")->end, 1u);  // an exponent needs digits
}

// The call read from `text`, as {"name": arguments-json}, or "<invalid>".
std::string python_call(std::string_view text) {
  auto call = read_python_call(text, 0);
  if (!call) return "<invalid>";
  if (call->second != text.size()) return "<stopped at " + std::to_string(call->second) + ">";
  return call->first.name + " " + dumps(call->first.arguments);
}

TEST(PythonLiteral, ReadsLiteralsAsJson) {
  // As a dict, 1 and True are one key: the first spelling stays, the last value wins.
  EXPECT_EQ(python_call("get_weather(city='San Francisco', metric=\"celsius\")"),
            R"(get_weather {"city": "San Francisco", "metric": "celsius"})");
  EXPECT_EQ(python_call("f(a=True, b=False, c=None, d=[1, 'x', [None]], e={'k': None, 1: 2, True: 3, None: 4, 1.5: 5})"),
            R"(f {"a": true, "b": false, "c": null, "d": [1, "x", [null]], "e": {"k": null, "1": 3, "null": 4, "1.5": 5}})");
  EXPECT_EQ(python_call("f()"), "f {}");
  EXPECT_EQ(python_call("f(a=1,  # the first\n  b = 2,\n)"), R"(f {"a": 1, "b": 2})");
  EXPECT_EQ(python_call("f(a=(1))"), R"(f {"a": 1})");
}

TEST(PythonLiteral, ReadsPythonNumbers) {
  EXPECT_EQ(python_call("f(a=0x1F, b=0o17, c=0b101, d=1_000, e=1.5e3, f=.5, g=5., h=00, i=1e400, j=0xFFFFFFFFFFFFFFFFFFFF)"),
            R"(f {"a": 31, "b": 15, "c": 5, "d": 1000, "e": 1500.0, "f": 0.5, "g": 5.0, "h": 0, "i": Infinity, "j": 1208925819614629174706175})");
}

TEST(PythonLiteral, ReadsPythonStrings) {
  EXPECT_EQ(python_call(R"(f(a='it\'s', b="say \"hi\"", c='tab\there', d=r'\d+\'', e='a' "b" 'c', f='\x41\u00e9\U0001F600\101'))"),
            R"(f {"a": "it's", "b": "say \"hi\"", "c": "tab\there", "d": "\\d+\\'", "e": "abc", "f": "Aé😀A"})");
  EXPECT_EQ(python_call("f(a='''two\nlines''', b=\"\"\"q\"\"\", c='', d=u'x', e='\\d')"),
            R"(f {"a": "two\nlines", "b": "q", "c": "", "d": "x", "e": "\\d"})");
}

TEST(PythonLiteral, RefusesWhatVllmRefuses) {
  for (std::string_view bad : {
           "f(a=-1)",          // a unary minus is not an ast.Constant
           "f(1)",             // positional
           "f(a=x)",           // a name
           "f(a=(1, 2))",      // a tuple
           "f(a={1, 2})",      // a set
           "f(a=b'x')",        // bytes
           "f(a=f'x')",        // an f-string
           "f(a=1, a=2)",      // a repeated keyword
           "f(a=1j)",          // complex
           "f(a=01)",          // a leading zero
           "f (a=1)",          // vLLM's regex wants '(' right after the name,
           "f( a=1)",          // the first keyword right after '(',
           "f(a =1)",          // and the first '=' right after its keyword
           "f(a=g())",         // a call
           "f(a={[1]: 2})",    // a list as a key
           "f(a='\\N{DASH}')",  // named characters
           "f(a='open)",       // unterminated
           "f(a='x\ny')",      // a newline in a short string
           "f(a=1 b=2)",       // no comma
           "_f(a=1)",          // vLLM's regex wants an ASCII letter first
           "None(a=1)",        // a keyword as the name
           "f(if=1)",          // a keyword as an argument
           "f(a=1_)",          // a trailing underscore
           "f(a=...)",         // Ellipsis
       }) {
    EXPECT_EQ(python_call(bad), "<invalid>") << bad;
  }
  EXPECT_EQ(python_call("f(a=" + std::string(100000, '[') + std::string(100000, ']') + ")"), "<invalid>");  // too deep
}

TEST(PythonLiteral, SkipsSpaceAndWaitsForUnfinishedComments) {
  EXPECT_EQ(*skip_python_space("  # note\n\t x", 0), 11u);
  EXPECT_EQ(*skip_python_space("  # note", 0), 8u);
  EXPECT_FALSE(skip_python_space("  # note", 0, false));
  EXPECT_FALSE(skip_python_space(" \\", 0, false));
  EXPECT_EQ(*skip_python_space(" \\\n x", 0, false), 4u);
}

TEST(JsonObjectScanner, FindsTheMembersAndTheEndAcrossPieces) {
  const std::string text = R"(  {"name": "f", "arguments": {"a": [1, "}"], "b": -1.5e+3}, "n": null} tail)";
  JsonObjectScanner scanner;
  size_t read = 0;
  for (size_t at = 0; at < text.size() && scanner.state() == JsonObjectScanner::State::reading; at += 3) {
    const size_t piece = std::min<size_t>(3, text.size() - at);
    read += scanner.feed(std::string_view(text).substr(at, piece));
  }
  ASSERT_EQ(scanner.state(), JsonObjectScanner::State::complete);
  EXPECT_EQ(text.substr(0, read), R"(  {"name": "f", "arguments": {"a": [1, "}"], "b": -1.5e+3}, "n": null})");
  const auto& members = scanner.members();
  ASSERT_EQ(members.size(), 3u);
  auto slice = [&](size_t begin, size_t end) { return text.substr(begin, end - begin); };
  EXPECT_EQ(slice(members[0].key_begin, members[0].key_end), "\"name\"");
  EXPECT_EQ(slice(members[0].value_begin, members[0].value_end), "\"f\"");
  EXPECT_EQ(slice(members[1].value_begin, members[1].value_end), R"({"a": [1, "}"], "b": -1.5e+3})");
  EXPECT_EQ(slice(members[2].value_begin, members[2].value_end), "null");
}

TEST(JsonObjectScanner, KnowsAValueIsOpenUntilItEnds) {
  JsonObjectScanner scanner;
  scanner.feed(R"({"a": 12)");
  ASSERT_EQ(scanner.members().size(), 1u);
  EXPECT_EQ(scanner.members()[0].value_end, JsonObjectScanner::npos);  // "123" may follow
  scanner.feed("3}");
  EXPECT_EQ(scanner.members()[0].value_end, 9u);
  EXPECT_EQ(scanner.state(), JsonObjectScanner::State::complete);
}

TEST(JsonObjectScanner, RefusesWhatPythonRefuses) {
  for (std::string_view bad : {R"({"a": 01})", R"({"a": 1,})", R"({"a": tru})", "{'a': 1}", R"({"a": "x\u12G4"})",
                               "{\"a\": \"x\ny\"}", R"({"a": [1}})", R"({"a": 1.})", R"({"a": -})", "[1]",
                               R"({"a": 1 "b": 2})", R"({"a": "\x"})"}) {
    JsonObjectScanner scanner;
    scanner.feed(bad);
    EXPECT_EQ(scanner.state(), JsonObjectScanner::State::invalid) << bad;
  }
  JsonObjectScanner deep;
  deep.feed("{\"a\": " + std::string(600, '['));
  EXPECT_EQ(deep.state(), JsonObjectScanner::State::invalid);
}

TEST(JsonObjectScanner, AcceptsPythonsExtraWords) {
  JsonObjectScanner scanner;
  scanner.feed(R"({"a": NaN, "b": -Infinity, "c": [Infinity, true, false, null]})");
  EXPECT_EQ(scanner.state(), JsonObjectScanner::State::complete);
}

}  // namespace
}  // namespace gatehouse::serve::tool_parsers
