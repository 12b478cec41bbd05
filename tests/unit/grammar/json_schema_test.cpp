#include "grammar/json_schema.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/json.h"
#include "grammar/reference_recognizer.h"

namespace gatehouse::grammar {
namespace {

namespace bj = boost::json;

Grammar compile(std::string_view schema, const JsonSchemaOptions& options = {}) {
  return compile_json_schema(json::parse(schema, "schema"), options);
}

// How a document is laid out: separators, and an indent (-1: all on one line).
struct Style {
  std::string_view comma, colon;
  int indent = -1;
};
constexpr Style kCompact{",", ":"};
constexpr Style kPython{", ", ": "};  // json.dumps, and our grammar without any_whitespace
constexpr Style kIndented{",", ": ", 2};

std::string render(const bj::value& value, const Style& style, int depth = 0) {
  bool is_object = value.is_object();
  if (!is_object && !value.is_array()) return json::serialize(value);
  size_t size = is_object ? value.get_object().size() : value.get_array().size();
  if (size == 0) return is_object ? "{}" : "[]";
  auto line = [&](int level) { return style.indent < 0 ? std::string() : "\n" + std::string(static_cast<size_t>(level * style.indent), ' '); };
  std::string out(1, is_object ? '{' : '[');
  size_t i = 0;
  auto item = [&](std::string text) {
    out += (i++ > 0 ? std::string(style.comma) : std::string()) + line(depth + 1) + text;
  };
  if (is_object) {
    for (const auto& entry : value.get_object()) item(json::serialize(bj::value(entry.key())) + std::string(style.colon) + render(entry.value(), style, depth + 1));
  } else {
    for (const bj::value& element : value.get_array()) item(render(element, style, depth + 1));
  }
  return out + line(depth) + (is_object ? '}' : ']');
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(JsonSchemaCorpus, SamplesMatchInEveryWhitespaceStyleAndInvalidOnesDoNot) {
  std::filesystem::path folder = std::filesystem::path(GATEHOUSE_SOURCE_DIR) / "tests/unit/grammar/schemas";
  int schemas = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name.ends_with(".samples.json")) continue;
    ++schemas;
    SCOPED_TRACE(name);
    bj::value schema = json::parse(read_file(entry.path()), name);
    bj::value samples = json::parse(read_file(folder / (entry.path().stem().string() + ".samples.json")), "samples");
    Grammar flexible = compile_json_schema(schema);
    Grammar compact = compile_json_schema(schema, {.any_whitespace = false});
    const bj::array& valid = samples.at("valid").as_array();
    const bj::array& invalid = samples.at("invalid").as_array();
    EXPECT_GE(valid.size(), 1u);
    EXPECT_GE(invalid.size(), 3u);
    for (const bj::value& document : valid) {
      for (const Style& style : {kCompact, kPython, kIndented}) {
        EXPECT_TRUE(matches(flexible, render(document, style))) << render(document, style);
      }
      EXPECT_TRUE(matches(compact, render(document, kPython))) << render(document, kPython);
      if (render(document, kIndented) != render(document, kPython)) {
        EXPECT_FALSE(matches(compact, render(document, kIndented)));
      }
      EXPECT_FALSE(matches(flexible, std::string(" ").append(render(document, kCompact))));  // nothing before the document
    }
    for (const bj::value& document : invalid) {
      EXPECT_FALSE(matches(flexible, render(document, kCompact))) << render(document, kCompact);
      EXPECT_FALSE(matches(flexible, render(document, kIndented))) << render(document, kIndented);
      EXPECT_FALSE(matches(compact, render(document, kPython))) << render(document, kPython);
    }
  }
  EXPECT_GE(schemas, 10);
}

TEST(JsonSchema, ToolParametersInSchemaOrderWithOptionalOnesOmissible) {
  Grammar g = compile(R"({"type": "object", "properties": {
      "a": {"type": "string"}, "b": {"type": "integer"}, "c": {"type": "boolean"}, "d": {"type": "null"}},
      "required": ["b", "d"]})");
  EXPECT_TRUE(matches(g, R"({"b":1,"d":null})"));
  EXPECT_TRUE(matches(g, R"({"a":"x","b":1,"d":null})"));
  EXPECT_TRUE(matches(g, R"({"a":"x","b":1,"c":true,"d":null})"));
  EXPECT_TRUE(matches(g, R"({"b":1,"c":false,"d":null})"));
  EXPECT_FALSE(matches(g, R"({"d":null,"b":1})"));            // out of order
  EXPECT_FALSE(matches(g, R"({"b":1})"));                     // d is required
  EXPECT_FALSE(matches(g, R"({"b":1,"d":null,"e":1})"));      // strict: nothing else
  EXPECT_FALSE(matches(g, R"({"b":1,,"d":null})"));
  EXPECT_FALSE(matches(g, R"({"b":1,"d":null,})"));
  EXPECT_FALSE(matches(g, R"({,"b":1,"d":null})"));
  EXPECT_FALSE(matches(g, R"({"a":"x","a":"y","b":1,"d":null})"));
}

TEST(JsonSchema, AllOptionalPropertiesAllowTheEmptyObject) {
  Grammar g = compile(R"({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}})");
  for (const char* text : {"{}", "{ }", "{\"a\":1}", "{\"b\":2}", "{\"a\":1,\"b\":2}", "{\n\t\"b\" : 2 \n}"}) EXPECT_TRUE(matches(g, text)) << text;
  for (const char* text : {"{\"b\":2,\"a\":1}", "{\"c\":3}", "{\r\"a\":1}", "{\"a\":1}\n", "[]"}) EXPECT_FALSE(matches(g, text)) << text;
}

TEST(JsonSchema, WhitespaceOptions) {
  const char* schema = R"({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "integer"}}}, "required": ["a"]})";
  Grammar flexible = compile(schema);
  EXPECT_TRUE(matches(flexible, "{ \"a\" :\n[ 1 ,2\t] }"));
  EXPECT_TRUE(matches(flexible, "{\"a\":[]}"));
  EXPECT_TRUE(matches(flexible, "{\"a\":[    ]}"));
  Grammar capped = compile(schema, {.max_whitespace = 2});
  EXPECT_TRUE(matches(capped, "{  \"a\":[1,  2]}"));
  EXPECT_FALSE(matches(capped, "{   \"a\":[1,2]}"));
  EXPECT_FALSE(matches(capped, "{\"a\":[1,\n\t\n2]}"));
  Grammar none = compile(schema, {.max_whitespace = 0});
  EXPECT_TRUE(matches(none, "{\"a\":[1,2]}"));
  EXPECT_FALSE(matches(none, "{\"a\":[1, 2]}"));
  Grammar compact = compile(schema, {.any_whitespace = false});
  EXPECT_TRUE(matches(compact, "{\"a\": [1, 2]}"));
  EXPECT_TRUE(matches(compact, "{\"a\": []}"));
  EXPECT_FALSE(matches(compact, "{\"a\":[1,2]}"));
  EXPECT_FALSE(matches(compact, "{\"a\": [1,  2]}"));
  EXPECT_FALSE(matches(compact, "{ \"a\": [1, 2]}"));
  EXPECT_THROW(compile(schema, {.max_whitespace = -2}), Error);
}

TEST(JsonSchema, StrictModeAndAdditionalProperties) {
  const char* listed = R"({"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]})";
  EXPECT_FALSE(matches(compile(listed), R"({"id":1,"x":2})"));
  Grammar lenient = compile(listed, {.strict = false});
  EXPECT_TRUE(matches(lenient, R"({"id":1,"x":[2,{"y":null}]})"));
  EXPECT_FALSE(matches(lenient, R"({"x":2,"id":1})"));  // extra keys after the listed ones
  Grammar any = compile(R"({"type": "object", "properties": {"id": {"type": "integer"}}, "additionalProperties": true})");
  EXPECT_TRUE(matches(any, R"({"x":"y"})"));
  EXPECT_TRUE(matches(any, R"({"id":1,"x":"y","z":false})"));
  EXPECT_FALSE(matches(any, R"({"id":1,"id":2})"));  // an extra key never spells a listed one
  EXPECT_FALSE(matches(any, R"({"x":1,"id":2})"));
  EXPECT_FALSE(matches(any, R"({"id":1,"\u0069d":2})"));
  EXPECT_FALSE(matches(any, R"({"id":1,"i\u0064x":2})"));  // no \u while the key could still spell "id"
  EXPECT_TRUE(matches(any, R"({"id":1,"idx":2,"i":3,"":4,"\n":5,"x\u0064":6})"));
  Grammar typed = compile(R"({"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}})");
  EXPECT_TRUE(matches(typed, R"({})"));
  EXPECT_TRUE(matches(typed, R"({"a":1,"b":0})"));
  EXPECT_FALSE(matches(typed, R"({"a":-1})"));
  EXPECT_FALSE(matches(typed, R"({"a":"1"})"));
  Grammar closed = compile(R"({"type": "object", "properties": {}, "additionalProperties": false})");
  EXPECT_TRUE(matches(closed, "{}"));
  EXPECT_FALSE(matches(closed, R"({"a":1})"));
  // No properties at all: any object, strict or not (vLLM's json_object mode).
  Grammar object = compile(R"({"type": "object", "title": "Anything"})");
  EXPECT_TRUE(matches(object, R"({"a":{"b":[1,2.5e-3,"c",true,null]}})"));
  EXPECT_FALSE(matches(object, R"([1])"));
  // A required property that is not listed takes the additionalProperties schema.
  Grammar required = compile(R"({"type": "object", "required": ["name"], "additionalProperties": {"type": "string"}})");
  EXPECT_TRUE(matches(required, R"({"name":"x"})"));
  EXPECT_TRUE(matches(required, R"({"name":"x","other":"y"})"));
  EXPECT_FALSE(matches(required, R"({})"));
  EXPECT_FALSE(matches(required, R"({"name":1})"));
  // A property whose schema is false may not appear.
  Grammar forbidden = compile(R"({"type": "object", "properties": {"a": {"type": "integer"}, "secret": false}, "additionalProperties": true})");
  EXPECT_TRUE(matches(forbidden, R"({"a":1,"b":2})"));
  EXPECT_FALSE(matches(forbidden, R"({"a":1,"secret":2})"));
}

TEST(JsonSchema, JsonObjectMode) {
  Grammar g = compile_json_object();
  EXPECT_TRUE(matches(g, "{}"));
  EXPECT_TRUE(matches(g, R"({"a": {"b": [1, -2.5E+3, "x\"y\\u00e9", true, false, null, {}]}, "": []})"));
  for (const char* text : {"[]", "1", "\"x\"", "null", "{\"a\":}", "{\"a\":1,}", "{'a':1}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":\"\x01\"}",
                           "{\"a\":\"\\x\"}", "{\"a\":NaN}", "{\"a\":tru}"}) {
    EXPECT_FALSE(matches(g, text)) << text;
  }
  Grammar compact = compile_json_object({.any_whitespace = false});
  EXPECT_TRUE(matches(compact, R"({"a": [1, 2], "b": {}})"));
  EXPECT_FALSE(matches(compact, R"({"a":[1,2]})"));
}

TEST(JsonSchema, AnyValueForEmptyAndTrueSchemas) {
  for (const char* schema : {"{}", "true", R"({"description": "anything", "$comment": "x"})"}) {
    Grammar g = compile(schema);
    for (const char* text : {"1", "-0.5e10", "\"s\"", "true", "null", "[1,[2,{}]]", "{\"a\":[]}"}) EXPECT_TRUE(matches(g, text)) << schema << " " << text;
    EXPECT_FALSE(matches(g, "nul"));
    EXPECT_FALSE(matches(g, "[1,]"));
  }
}

TEST(JsonSchema, StringLengthsCountCharactersAndEscapesOnce) {
  Grammar g = compile(R"({"type": "string", "minLength": 2, "maxLength": 3})");
  for (const char* text : {R"("ab")", R"("abc")", R"("é日")", R"("🎉🎉🎉")", R"("\n\"")", R"("a\u00e9b")", R"("\\\/")"}) EXPECT_TRUE(matches(g, text)) << text;
  for (const char* text : {R"("a")", R"("abcd")", R"("\u00e9")", R"("🎉🎉🎉🎉")", R"("a\ud83c\udf89")", R"(ab)", "\"a\x7f\x01\""}) {
    EXPECT_FALSE(matches(g, text)) << text;
  }
  Grammar any = compile(R"({"type": "string"})");
  EXPECT_TRUE(matches(any, R"("")"));
  EXPECT_TRUE(matches(any, "\"tab\\there \x7f \xF0\x9F\x8E\x89\""));
  EXPECT_FALSE(matches(any, "\"raw\ttab\""));
  EXPECT_FALSE(matches(any, "\"\xC3\""));          // a lone lead byte
  EXPECT_FALSE(matches(any, R"("\uD83C\uDF89")"));  // surrogates: write the character itself
  EXPECT_FALSE(matches(any, R"("\u12G4")"));
}

TEST(JsonSchema, PatternMatchesTheWholeContentWithoutJsonEscapes) {
  Grammar g = compile(R"({"type": "string", "pattern": "^[A-Z]{2}-[0-9]+$"})");
  EXPECT_TRUE(matches(g, R"("AB-1")"));
  EXPECT_TRUE(matches(g, R"("ZZ-0042")"));
  EXPECT_FALSE(matches(g, R"("AB-")"));
  EXPECT_FALSE(matches(g, R"("xAB-1")"));
  EXPECT_FALSE(matches(g, R"(AB-1)"));
  Grammar anything = compile(R"({"type": "string", "pattern": "a.c"})");
  EXPECT_TRUE(matches(anything, R"("abc")"));
  EXPECT_TRUE(matches(anything, R"("a c")"));
  EXPECT_TRUE(matches(anything, R"("aéc")"));
  EXPECT_FALSE(matches(anything, R"("a"c")"));
  EXPECT_FALSE(matches(anything, R"("a\"c")"));  // characters needing an escape are left out
  EXPECT_FALSE(matches(anything, "\"a\nc\""));
  EXPECT_FALSE(matches(anything, R"("a\\c")"));
}

TEST(JsonSchema, Formats) {
  auto format = [](const char* name) { return compile(std::string(R"({"type": "string", "format": ")") + name + "\"}"); };
  struct Case {
    const char* format;
    std::vector<const char*> valid, invalid;
  };
  std::vector<Case> cases = {
      {"date", {"2024-02-29", "2000-02-29", "1999-12-31", "0001-01-01", "2023-04-30"},
       {"2023-02-29", "1900-02-29", "2023-04-31", "2023-13-01", "2023-00-10", "2023-1-01", "20230101", "2023-01-01T00:00:00Z"}},
      {"time", {"00:00:00Z", "23:59:60Z", "23:59:60.5-00:00", "12:30:45.123456-03:30"},
       // A leap second anywhere but the last minute of a UTC day is not a time (ajv-formats agrees).
       {"24:00:00Z", "12:60:00Z", "12:30:45", "12:30Z", "12:30:45+1:00", "04:49:60+17:54", "12:30:60Z", "23:59:60+14:00"}},
      {"date-time", {"2025-01-15T08:00:00Z", "2024-02-29T23:59:59.5+05:30"}, {"2025-01-15 08:00:00Z", "2025-01-15T08:00:00", "2025-02-30T08:00:00Z"}},
      {"uuid", {"123e4567-e89b-12d3-a456-426614174000", "00000000-0000-0000-0000-000000000000"},
       {"123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400", "g23e4567-e89b-12d3-a456-426614174000"}},
      {"email", {"a@b.c", "first.last+tag@sub.example.com", "o'brien@example.ie"},
       {"plainaddress", "a@b", "@example.com", "a@", "a..b@example.com", ".a@example.com", "a@-example.com", "a b@example.com"}},
      {"ipv4", {"0.0.0.0", "192.168.1.1", "255.255.255.255"}, {"256.0.0.1", "1.2.3", "01.2.3.4", "1.2.3.4.5"}},
      {"ipv6", {"::", "::1", "2001:db8::1", "fe80::1:2:3:4", "1:2:3:4:5:6:7:8", "::ffff:192.0.2.1"},
       {"1:2:3:4:5:6:7:8:9", "2001:db8:::1", "12345::", "g::1"}},
      {"hostname", {"localhost", "a-b.example.com", "xn--bcher-kva.example"}, {"-a.com", "a-.com", "a..b", "a_b.com", ""}},
      {"uri", {"https://example.com/a/b?c=d&e#f", "mailto:someone@example.com", "urn:isbn:0451450523", "http://user@host:80/"},
       {"example.com/path", "://missing-scheme", "http://exa mple.com", "1http://x"}},
      {"duration", {"P1Y2M3DT4H5M6S", "PT30S", "P3W", "P1D"}, {"P", "PT", "1D", "P1S", "P1H", "PT1D"}},
  };
  for (const Case& c : cases) {
    Grammar g = format(c.format);
    auto quoted = [](std::string text) { return text.insert(0, 1, '"').append(1, '"'); };
    for (const char* text : c.valid) EXPECT_TRUE(matches(g, quoted(text))) << c.format << ": " << text;
    for (const char* text : c.invalid) EXPECT_FALSE(matches(g, quoted(text))) << c.format << ": " << text;
  }
}

TEST(JsonSchema, IntegerRanges) {
  Grammar g = compile(R"({"type": "integer", "minimum": -12, "exclusiveMaximum": 300})");
  for (const char* text : {"-12", "-1", "0", "7", "299"}) EXPECT_TRUE(matches(g, text)) << text;
  for (const char* text : {"-13", "300", "1000", "-0", "01", "5.0", "1e2", "+5"}) EXPECT_FALSE(matches(g, text)) << text;
  Grammar unbounded = compile(R"({"type": "integer"})");
  for (const char* text : {"0", "-7", "123456789012345678901234567890"}) EXPECT_TRUE(matches(unbounded, text)) << text;
  for (const char* text : {"-0", "00", "1.0", "1e3"}) EXPECT_FALSE(matches(unbounded, text)) << text;
  Grammar draft4 = compile(R"({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 3, "exclusiveMaximum": false})");
  EXPECT_FALSE(matches(draft4, "0"));
  EXPECT_TRUE(matches(draft4, "3"));
  Grammar int32 = compile(R"({"type": "integer", "format": "int32"})");
  EXPECT_TRUE(matches(int32, "-2147483648"));
  EXPECT_TRUE(matches(int32, "2147483647"));
  EXPECT_FALSE(matches(int32, "2147483648"));
  EXPECT_FALSE(matches(int32, "-2147483649"));
  Grammar fractional_bounds = compile(R"({"type": "integer", "minimum": 1.5, "maximum": 3.5})");
  EXPECT_FALSE(matches(fractional_bounds, "1"));
  EXPECT_TRUE(matches(fractional_bounds, "2"));
  EXPECT_TRUE(matches(fractional_bounds, "3"));
  EXPECT_FALSE(matches(fractional_bounds, "4"));
  Grammar whole = compile(R"({"type": "number", "multipleOf": 1, "maximum": 5})");
  EXPECT_TRUE(matches(whole, "5"));
  EXPECT_FALSE(matches(whole, "4.5"));
}

TEST(JsonSchema, NumberRanges) {
  Grammar g = compile(R"({"type": "number", "exclusiveMinimum": 0, "maximum": 1})");
  for (const char* text : {"0.0001", "0.5", "1", "1.000", "0.999999999999"}) EXPECT_TRUE(matches(g, text)) << text;
  for (const char* text : {"0", "0.0", "-0.5", "1.0001", "2", "5e-1", "1E0"}) EXPECT_FALSE(matches(g, text)) << text;
  Grammar unbounded = compile(R"({"type": "number"})");
  for (const char* text : {"0", "-0", "1.5", "-2.5e-3", "6E+23", "10"}) EXPECT_TRUE(matches(unbounded, text)) << text;
  for (const char* text : {".5", "1.", "01", "1e", "--1", "Infinity", "NaN"}) EXPECT_FALSE(matches(unbounded, text)) << text;
  Grammar tenth = compile(R"({"type": "number", "minimum": 0.1, "maximum": 0.3})");
  EXPECT_TRUE(matches(tenth, "0.1"));
  EXPECT_TRUE(matches(tenth, "0.2999"));
  EXPECT_TRUE(matches(tenth, "0.30"));
  EXPECT_FALSE(matches(tenth, "0.09999999999999999999"));
  EXPECT_FALSE(matches(tenth, "0.30000000000000001"));
  Grammar tighter = compile(R"({"type": "number", "minimum": 5, "exclusiveMinimum": 5, "maximum": 10, "exclusiveMaximum": 20})");
  EXPECT_FALSE(matches(tighter, "5"));
  EXPECT_TRUE(matches(tighter, "5.01"));
  EXPECT_TRUE(matches(tighter, "10"));
  EXPECT_FALSE(matches(tighter, "10.5"));
}

TEST(JsonSchema, Arrays) {
  Grammar bounded = compile(R"({"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 3})");
  for (const char* text : {"[1,2]", "[1,2,3]", "[ 1 , 2 ]"}) EXPECT_TRUE(matches(bounded, text)) << text;
  for (const char* text : {"[]", "[1]", "[1,2,3,4]", "[1,\"2\"]", "[1,2,]"}) EXPECT_FALSE(matches(bounded, text)) << text;
  Grammar untyped_items = compile(R"({"type": "array"})");
  EXPECT_TRUE(matches(untyped_items, R"([1,"a",{"b":null}])"));
  // prefixItems: strict mode allows no more items unless "items" says so; fewer are fine.
  Grammar tuple = compile(R"({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]})");
  for (const char* text : {"[]", R"(["a"])", R"(["a",1])"}) EXPECT_TRUE(matches(tuple, text)) << text;
  for (const char* text : {R"(["a",1,2])", R"([1])", R"(["a","b"])"}) EXPECT_FALSE(matches(tuple, text)) << text;
  EXPECT_TRUE(matches(compile(R"({"type": "array", "prefixItems": [{"type": "string"}]})", {.strict = false}), R"(["a",1,true])"));
  Grammar tuple_then_items = compile(R"({"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "boolean"}, "minItems": 2})");
  EXPECT_TRUE(matches(tuple_then_items, R"(["a",true,false])"));
  EXPECT_FALSE(matches(tuple_then_items, R"(["a"])"));
  EXPECT_FALSE(matches(tuple_then_items, R"(["a","b"])"));
  Grammar draft4 = compile(R"({"type": "array", "items": [{"type": "integer"}], "additionalItems": {"type": "string"}})");
  EXPECT_TRUE(matches(draft4, R"([1,"a","b"])"));
  EXPECT_FALSE(matches(draft4, R"(["a"])"));
  Grammar no_items = compile(R"({"type": "array", "items": false})");
  EXPECT_TRUE(matches(no_items, "[]"));
  EXPECT_FALSE(matches(no_items, "[1]"));
}

TEST(JsonSchema, EnumAndConst) {
  Grammar g = compile(R"({"enum": ["red", 1, 2.5, null, true, {"a": [1, "b"]}, [], "multi\nline"]})");
  for (const char* text : {R"("red")", "1", "2.5", "null", "true", R"({"a":[1,"b"]})", "[]", R"("multi\nline")"}) EXPECT_TRUE(matches(g, text)) << text;
  for (const char* text : {R"("blue")", "false", "1.0", R"({"a": [1, "b"]})", "[ ]"}) EXPECT_FALSE(matches(g, text)) << text;
  Grammar compact = compile(R"({"const": {"a": [1, "b"]}})", {.any_whitespace = false});
  EXPECT_TRUE(matches(compact, R"({"a": [1, "b"]})"));
  Grammar typed = compile(R"({"type": "string", "enum": ["a", 1, "b"]})");
  EXPECT_TRUE(matches(typed, R"("a")"));
  EXPECT_FALSE(matches(typed, "1"));
  Grammar integers = compile(R"({"type": "integer", "enum": [1.0, 1.5, 3]})");
  EXPECT_TRUE(matches(integers, "1.0"));
  EXPECT_TRUE(matches(integers, "3"));
  EXPECT_FALSE(matches(integers, "1.5"));
}

TEST(JsonSchema, AnyOfOneOfAllOfAndNullable) {
  Grammar any = compile(R"({"anyOf": [{"type": "string", "maxLength": 2}, {"type": "integer", "minimum": 10}], "title": "x"})");
  EXPECT_TRUE(matches(any, R"("ab")"));
  EXPECT_TRUE(matches(any, "10"));
  EXPECT_FALSE(matches(any, R"("abc")"));
  EXPECT_FALSE(matches(any, "9"));
  Grammar one = compile(R"({"oneOf": [{"type": "boolean"}, {"type": "null"}, false]})");
  EXPECT_TRUE(matches(one, "true"));
  EXPECT_TRUE(matches(one, "null"));
  EXPECT_FALSE(matches(one, "0"));
  Grammar nullable = compile(R"({"type": ["integer", "null"], "maximum": 3})");
  EXPECT_TRUE(matches(nullable, "null"));
  EXPECT_TRUE(matches(nullable, "3"));
  EXPECT_FALSE(matches(nullable, "4"));
  Grammar single = compile(R"({"allOf": [{"$ref": "#/definitions/id"}], "description": "x", "definitions": {"id": {"type": "integer", "minimum": 1}}})");
  EXPECT_TRUE(matches(single, "1"));
  EXPECT_FALSE(matches(single, "0"));
  Grammar merged = compile(R"({"$defs": {"base": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}},
      "allOf": [{"$ref": "#/$defs/base"}, {"properties": {"name": {"type": "string"}}, "required": ["name"]}],
      "properties": {"tag": {"type": "string"}}})");
  EXPECT_TRUE(matches(merged, R"({"id":1,"name":"n"})"));
  EXPECT_TRUE(matches(merged, R"({"id":1,"name":"n","tag":"t"})"));
  EXPECT_FALSE(matches(merged, R"({"id":1})"));
  EXPECT_FALSE(matches(merged, R"({"id":1,"name":"n","x":1})"));
  // No "type": the types the keywords belong to.
  Grammar inferred = compile(R"({"properties": {"a": {"maxLength": 1}}, "required": ["a"]})");
  EXPECT_TRUE(matches(inferred, R"({"a":"x"})"));
  EXPECT_FALSE(matches(inferred, R"({"a":"xy"})"));
  EXPECT_FALSE(matches(inferred, R"({"a":5})"));
  EXPECT_FALSE(matches(inferred, "[]"));
  // Keywords beside anyOf apply to each branch.
  Grammar typed = compile(R"({"type": "string", "anyOf": [{"maxLength": 2}, {"minLength": 5}]})");
  EXPECT_TRUE(matches(typed, R"("ab")"));
  EXPECT_TRUE(matches(typed, R"("abcde")"));
  EXPECT_FALSE(matches(typed, R"("abc")"));
  EXPECT_FALSE(matches(typed, "12"));
  Grammar calls = compile(R"({"type": "object", "required": ["name"], "anyOf": [
      {"properties": {"name": {"enum": ["f"]}, "arguments": {"type": "object"}}},
      {"properties": {"name": {"enum": ["g"]}}}]})");
  EXPECT_TRUE(matches(calls, R"({"name":"f","arguments":{}})"));
  EXPECT_TRUE(matches(calls, R"({"name":"g"})"));
  EXPECT_FALSE(matches(calls, R"({"name":"g","arguments":{}})"));
  EXPECT_FALSE(matches(calls, R"({"arguments":{}})"));
}

TEST(JsonSchema, References) {
  Grammar g = compile(R"({"definitions": {"a/b": {"type": "integer"}, "c d": {"type": "string"}, "e~f": {"type": "boolean"}},
      "type": "array", "prefixItems": [{"$ref": "#/definitions/a~1b"}, {"$ref": "#/definitions/c%20d"}, {"$ref": "#/definitions/e~0f"}]})");
  EXPECT_TRUE(matches(g, R"([1,"x",true])"));
  EXPECT_FALSE(matches(g, R"(["x",1,true])"));
  Grammar into_properties = compile(R"({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"$ref": "#/properties/a"}}, "required": ["a", "b"]})");
  EXPECT_TRUE(matches(into_properties, R"({"a":1,"b":2})"));
  EXPECT_FALSE(matches(into_properties, R"({"a":1,"b":"2"})"));
  // Mutual recursion through objects and arrays.
  Grammar mutual = compile(R"({"$defs": {
      "expr": {"anyOf": [{"type": "integer"}, {"$ref": "#/$defs/call"}]},
      "call": {"type": "object", "properties": {"fn": {"type": "string"}, "args": {"type": "array", "items": {"$ref": "#/$defs/expr"}}}, "required": ["fn", "args"]}},
      "$ref": "#/$defs/expr"})");
  EXPECT_TRUE(matches(mutual, "7"));
  EXPECT_TRUE(matches(mutual, R"({"fn":"add","args":[1,{"fn":"neg","args":[2]}]})"));
  EXPECT_FALSE(matches(mutual, R"({"fn":"add","args":[1,{"fn":"neg"}]})"));
}

TEST(JsonSchema, SharesRulesAcrossProperties) {
  std::string properties;
  for (int i = 0; i < 30; ++i) properties.append(i ? "," : "").append("\"p").append(std::to_string(i)).append(R"(": {"type": "string"})");
  Grammar g = compile(R"({"type": "object", "properties": {)" + properties + "}}");
  auto count = [&](const Grammar& grammar, std::string_view name) {
    return std::count_if(grammar.rules().begin(), grammar.rules().end(), [&](const Rule& rule) { return rule.name == name; });
  };
  for (std::string_view name : {"string_tail", "string", "escape", "ws", "comma", "colon"}) EXPECT_EQ(count(g, name), 1) << name;
  // The same subschema twice is compiled once.
  const char* address = R"({"type": "object", "properties": {"street": {"type": "string", "maxLength": 50}, "zip": {"type": "string", "pattern": "[0-9]{5}"}}, "required": ["street", "zip"]})";
  Grammar once = compile(std::string(R"({"type": "object", "properties": {"home": )") + address + "}}");
  Grammar twice = compile(std::string(R"({"type": "object", "properties": {"home": )") + address + R"(, "work": )" + address + "}}");
  EXPECT_LT(twice.rules().size(), once.rules().size() + 5);
}

void expect_error(std::string_view schema, std::string_view message_part) {
  try {
    compile(schema);
    ADD_FAILURE() << "no error for " << schema;
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(error.what()).find(message_part), std::string::npos) << schema << "\n  said: " << error.what();
  }
}

TEST(JsonSchemaErrors, UnsupportedKeywordsAreNamedWithTheirPlace) {
  expect_error(R"({"type": "object", "properties": {"tags": {"type": "array", "uniqueItems": true}}})",
               "the JSON schema keyword 'uniqueItems' (at /properties/tags) is not supported");
  struct Case {
    const char* schema;
    const char* keyword;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"not": {"type": "string"}})", "'not' (at the root)"},
           {R"({"type": "string", "if": {"minLength": 2}, "then": {"maxLength": 3}})", "'if'"},
           {R"({"type": "string", "else": {"maxLength": 3}})", "'else'"},
           {R"({"type": "array", "contains": {"type": "integer"}})", "'contains'"},
           {R"({"type": "array", "minContains": 1})", "'minContains'"},
           {R"({"type": "array", "maxContains": 1})", "'maxContains'"},
           {R"({"type": "object", "patternProperties": {"^x": {}}})", "'patternProperties'"},
           {R"({"type": "object", "propertyNames": {"maxLength": 3}})", "'propertyNames'"},
           {R"({"type": "object", "minProperties": 1})", "'minProperties'"},
           {R"({"type": "object", "maxProperties": 3})", "'maxProperties'"},
           {R"({"type": "object", "dependentRequired": {"a": ["b"]}})", "'dependentRequired'"},
           {R"({"type": "object", "dependentSchemas": {"a": {}}})", "'dependentSchemas'"},
           {R"({"type": "object", "dependencies": {"a": ["b"]}})", "'dependencies'"},
           {R"({"type": "object", "unevaluatedProperties": false})", "'unevaluatedProperties'"},
           {R"({"type": "array", "unevaluatedItems": false})", "'unevaluatedItems'"},
           {R"({"$dynamicRef": "#meta"})", "'$dynamicRef'"},
           {R"({"type": "number", "multipleOf": 0.5})", "'multipleOf'"},
           {R"({"type": "integer", "multipleOf": 3})", "'multipleOf'"},
           {R"({"type": "string", "format": "credit-card"})", "'format' (at the root) with the value 'credit-card'"},
           {R"({"type": "integer", "format": "uint8"})", "'format'"},
           {R"({"$ref": "https://example.com/schema.json"})", "'$ref'"},
           {R"({"$ref": "#node", "$defs": {"n": {"$anchor": "node"}}})", "'$ref'"},
           {R"({"$ref": "#/$defs/a", "minLength": 2, "$defs": {"a": {"type": "string"}}})", "'minLength' (at the root) beside '$ref'"},
           {R"({"enum": ["a", "b"], "minLength": 2})", "'minLength' (at the root) beside 'enum'"},
           {R"({"type": "string", "pattern": "a+", "maxLength": 3})", "'maxLength' (at the root) beside 'pattern'"},
           {R"({"type": "string", "format": "date", "minLength": 3})", "'minLength' (at the root) beside 'format'"},
           {R"({"type": "string", "pattern": "a+", "format": "date"})", "'pattern' (at the root) beside 'format'"},
           {R"({"allOf": [{"type": "string"}, {"maxLength": 3}]})", "'allOf'"},
           {R"({"allOf": [{"properties": {"a": {"type": "string"}}}, {"properties": {"a": {"type": "integer"}}}]})", "'allOf'"},
           {R"({"type": "object", "properties": {"list": {"type": "array", "items": {"not": {}}}}})", "'not' (at /properties/list/items)"},
       }) {
    expect_error(c.schema, std::string("the JSON schema keyword ") + c.keyword);
    expect_error(c.schema, "is not supported");
  }
  // No-op values of unsupported keywords are fine.
  EXPECT_TRUE(matches(compile(R"({"type": "array", "uniqueItems": false})"), "[1,1]"));
  EXPECT_TRUE(matches(compile(R"({"type": "object", "minProperties": 0})"), "{}"));
  // Unknown keywords are annotations.
  EXPECT_TRUE(matches(compile(R"({"type": "integer", "x-unit": "seconds", "nullable": true})"), "5"));
}

TEST(JsonSchemaErrors, InvalidAndUnsatisfiableSchemas) {
  expect_error(R"({"type": "text"})", "the JSON schema is invalid at the root: unknown type 'text'");
  expect_error(R"({"type": "string", "minLength": -1})", "minLength must be a non-negative integer");
  expect_error(R"({"type": "object", "required": "a"})", "required must be an array");
  expect_error(R"({"type": "object", "properties": [1]})", "properties must be an object");
  expect_error(R"({"enum": []})", "enum must be a non-empty array");
  expect_error(R"({"anyOf": []})", "invalid at /anyOf");
  expect_error(R"({"type": "object", "properties": {"a": 5}})", "invalid at /properties/a");
  expect_error(R"({"$ref": "#/$defs/missing"})", "points to nothing");
  expect_error(R"({"type": "string", "pattern": "(a"})", "the JSON schema's pattern at the root cannot be used");
  expect_error("false", "accepts no value");
  expect_error(R"({"type": "integer", "minimum": 5, "maximum": 3})", "the JSON schema at the root accepts no value");
  expect_error(R"({"type": "integer", "exclusiveMinimum": 1, "exclusiveMaximum": 2})", "accepts no value");
  expect_error(R"({"type": "number", "minimum": 2, "exclusiveMaximum": 2})", "accepts no value");
  expect_error(R"({"type": "array", "minItems": 3, "maxItems": 2})", "accepts no value");
  expect_error(R"({"type": "array", "prefixItems": [{}], "minItems": 2})", "accepts no value");
  expect_error(R"({"type": "string", "minLength": 3, "maxLength": 2})", "accepts no value");
  expect_error(R"({"type": "object", "properties": {"a": false}, "required": ["a"]})", "at /properties/a accepts no value");
  expect_error(R"({"type": "object", "properties": {"a": {}}, "required": ["b"]})", "required property 'b'");
  expect_error(R"({"anyOf": [false, false]})", "accepts no value");
  expect_error(R"({"type": "string", "enum": [1, 2]})", "accepts no value");
}

TEST(JsonSchemaErrors, ReferenceCyclesWithoutValuesAreRefused) {
  expect_error(R"({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"})",
               "the JSON schema's $ref '#/$defs/b' leads back to itself without any value in between");
  expect_error(R"({"anyOf": [{"$ref": "#"}, {"type": "null"}]})", "the JSON schema's $ref '#' leads back to itself");
  expect_error(R"({"$ref": "#"})", "the JSON schema's $ref '#' leads back to itself");
  // Through a value it is recursion, and fine.
  EXPECT_TRUE(matches(compile(R"({"anyOf": [{"type": "array", "items": {"$ref": "#"}}, {"type": "null"}]})"), "[[null],[]]"));
}

TEST(JsonSchemaErrors, DepthAndSizeLimits) {
  std::string deep = R"({"type": "integer"})";
  for (int i = 0; i < kMaxSchemaDepth; ++i) deep = R"({"type": "array", "items": )" + deep + "}";
  expect_error(deep, "nested too deeply");
  std::string shallow = R"({"type": "integer"})";
  for (int i = 0; i < kMaxSchemaDepth - 1; ++i) shallow = R"({"type": "array", "items": )" + shallow + "}";
  EXPECT_NO_THROW(compile(shallow));
  expect_error(R"({"type": "string", "maxLength": 10000000})", "the JSON schema is too large");
  expect_error(R"({"type": "array", "items": {"type": "integer"}, "minItems": 10000000})", "the JSON schema is too large");
  std::string wide;
  for (int i = 0; i < 20000; ++i) {
    wide.append(i ? "," : "").append("\"property_").append(std::to_string(i)).append(R"(": {"type": "integer", "minimum": )").append(std::to_string(i)).append("}");
  }
  expect_error(R"({"type": "object", "properties": {)" + wide + "}}", "the JSON schema is too large");
}

}  // namespace
}  // namespace gatehouse::grammar
