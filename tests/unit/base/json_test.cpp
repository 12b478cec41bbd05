#include "base/json.h"

#include <gtest/gtest.h>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <limits>

#include "base/error.h"

namespace gatehouse::json {
namespace {

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
    return error.what();
  }
  ADD_FAILURE() << "no error thrown";
  return "";
}

TEST(JsonTest, MalformedDocumentNamesDocumentAndLine) {
  std::string message = error_of([] { parse("{\n\"a\": [1,\n", "tokenizer.json"); });
  EXPECT_NE(message.find("tokenizer.json: invalid JSON near line"), std::string::npos) << message;
}

TEST(JsonTest, WrongKindNamesThePath) {
  bj::value doc = parse(R"({"model": {"vocab": "x"}})", "tokenizer.json");
  JsonPath root("tokenizer.json");
  const bj::object& model = as_object(require(as_object(doc, root), "model", root), root / "model");
  std::string message = error_of([&] { as_object(require(model, "vocab", root / "model"), root / "model" / "vocab"); });
  EXPECT_EQ(message, "tokenizer.json: model.vocab expected an object, got a string");
  message = error_of([&] { require(model, "merges", root / "model"); });
  EXPECT_EQ(message, "tokenizer.json: model.merges is missing");
  EXPECT_EQ((root / "added_tokens")[3].str(), "tokenizer.json: added_tokens[3]");
}

TEST(JsonTest, OptionalGettersUseDefaultsForAbsentAndNull) {
  bj::value doc = parse(R"({"a": null, "b": true, "n": 7, "s": "x"})", "doc");
  JsonPath root("doc");
  const bj::object& object = as_object(doc, root);
  EXPECT_TRUE(get_bool(object, "a", root, true));
  EXPECT_TRUE(get_bool(object, "b", root, false));
  EXPECT_EQ(get_int(object, "n", root, 0), 7);
  EXPECT_EQ(get_int(object, "missing", root, 3), 3);
  EXPECT_EQ(get_string(object, "s", root, ""), "x");
  EXPECT_FALSE(get_optional_string(object, "a", root).has_value());
  EXPECT_NE(error_of([&] { get_bool(object, "s", root, false); }).find("doc: s expected a boolean"), std::string::npos);
}

TEST(JsonTest, RejectsInvalidUtf8InStrings) {
  EXPECT_THROW(parse("\"\xFF\"", "doc"), Error);
  for (const std::string text : {"{\"a\":\"ok \xC3\x28\"}", "[\"\xED\xA0\x80\"]", "\"\xF0\x9F\x98\""}) {
    try {
      parse(text, "doc");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find("invalid UTF-8"), std::string::npos) << error.what();
    }
  }
}

}  // namespace
}  // namespace gatehouse::json

namespace gatehouse::json {
namespace {

// Found by the tokenizer.json fuzzer: a huge number where an integer is expected.
TEST(JsonTest, IntegersOutsideInt64AreAnErrorNotAnOverflow) {
  JsonPath root("doc");
  EXPECT_EQ(as_int(parse("4.0", "doc"), root), 4);
  EXPECT_THROW(as_int(parse("4.5", "doc"), root), Error);
  EXPECT_THROW(as_int(parse("444444444444444444444444444444444444444444444442", "doc"), root), Error);
  EXPECT_THROW(as_int(parse("-1e300", "doc"), root), Error);
  EXPECT_THROW(as_int(parse("18446744073709551615", "doc"), root), Error);
}

}  // namespace
}  // namespace gatehouse::json

namespace gatehouse::json {
namespace {

TEST(JsonTest, SerializeWritesDoublesAsPythonDoes) {
  const bj::value value = bj::parse(R"({"a":1.0,"b":-0.25,"c":-7.317563056945801,"d":1e-05,"e":[3,18446744073709551615,-2],
                                        "f":"x\"\u00e9\n","g":null,"h":true,"i":{}})");
  EXPECT_EQ(serialize(value), R"({"a":1.0,"b":-0.25,"c":-7.317563056945801,"d":1e-05,"e":[3,18446744073709551615,-2],)"
                              R"("f":"x\")" "\xc3\xa9" R"(\n","g":null,"h":true,"i":{}})");
  EXPECT_EQ(serialize(bj::value(std::numeric_limits<double>::infinity())), "null");
  // Python's repr switches to scientific notation below 1e-4 and from 1e16 on.
  for (const auto& [number, text] : std::vector<std::pair<double, std::string>>{
           {500000.0, "500000.0"}, {0.0001, "0.0001"}, {1e15, "1000000000000000.0"}, {1e16, "1e+16"},
           {1.5e-5, "1.5e-05"}, {-123456789012345680.0, "-1.2345678901234568e+17"}, {0.1, "0.1"}, {-0.0, "-0.0"}}) {
    EXPECT_EQ(serialize(bj::value(number)), text);
  }
  // What it writes reads back as the same value.
  EXPECT_EQ(bj::parse(serialize(value)), value);
}

}  // namespace
}  // namespace gatehouse::json

namespace gatehouse::json {
namespace {

std::string parse_error(std::string_view text) {
  return error_of([&] { parse(text, "body"); });
}

// An incomplete document is reported by the parse itself, with where it stopped; no message ever
// reads "Success" (an error code that was never set).
TEST(JsonTest, EmptyAndTruncatedDocumentsSayTheInputEnded) {
  EXPECT_EQ(parse_error(""), "body: invalid JSON near line 1 (byte 0): empty document: expected a JSON value");
  EXPECT_EQ(parse_error(" \n\t "), "body: invalid JSON near line 2 (byte 4): empty document: expected a JSON value");
  for (std::string_view truncated : {R"({"a": 1)", R"({"a": )", R"({"a")", R"({)", R"([1, 2)", R"("abc)", R"("a\)",
                                     "-", "1.", "1e", "1e+", "tru", "nul", "{\"a\": [{\"b\": \"\xc3"}) {
    const std::string message = parse_error(truncated);
    EXPECT_EQ(message, "body: invalid JSON near line 1 (byte " + std::to_string(truncated.size()) +
                           "): unexpected end of JSON (incomplete document)")
        << truncated;
  }
  EXPECT_EQ(parse_error("{\n\"a\": [1,\n"), "body: invalid JSON near line 3 (byte 11): unexpected end of JSON (incomplete document)");
}

TEST(JsonTest, OtherErrorsSayWhatAndWhere) {
  EXPECT_EQ(parse_error(R"({"a" 1})"), "body: invalid JSON near line 1 (byte 5): syntax error");
  EXPECT_EQ(parse_error("{}\n{}"), "body: invalid JSON near line 2 (byte 3): extra data after the JSON value");
  EXPECT_EQ(parse_error("[1,]"), "body: invalid JSON near line 1 (byte 3): syntax error");
  const std::string utf8 = parse_error("\"a\xff\"");
  EXPECT_NE(utf8.find("byte 2"), std::string::npos) << utf8;
  for (std::string_view bad : {"", "{", "[1,]", "\"a\xff\"", "{}x", "01"}) {
    EXPECT_EQ(parse_error(bad).find("Success"), std::string::npos) << bad;
  }
  // Trailing whitespace is not extra data.
  EXPECT_EQ(parse("{} \n", "body"), bj::value(bj::object{}));
}

std::string nested(size_t depth, bool objects) {
  std::string text;
  for (size_t i = 0; i < depth; ++i) text += objects ? R"({"a":)" : "[";
  text += "1";
  for (size_t i = 0; i < depth; ++i) text += objects ? "}" : "]";
  return text;
}

// Deep tool and response schemas parse up to kMaxDepth levels; one more is refused by name, and
// the recursive walks over a value that deep (serialize, copy, destruction) hold.
TEST(JsonTest, NestingIsLimitedToMaxDepthWithAClearError) {
  ASSERT_EQ(kMaxDepth, 512u);
  for (bool objects : {false, true}) {
    const std::string deepest = nested(kMaxDepth, objects);
    bj::value value = parse(deepest, "body");
    EXPECT_EQ(serialize(value), deepest);
    bj::value copy = value;
    EXPECT_EQ(copy, value);
    const std::string message = parse_error(nested(kMaxDepth + 1, objects));
    EXPECT_NE(message.find("nested deeper than 512 levels"), std::string::npos) << message;
    EXPECT_NE(message.find("byte " + std::to_string(kMaxDepth * (objects ? 5 : 1))), std::string::npos) << message;
  }
  EXPECT_NE(parse_error(nested(100000, false)).find("deeper than 512"), std::string::npos);
}

// A value parsed into a given memory resource lives there, all of it, and equals the heap's parse;
// a document too large for the stack buffer goes on into the resource's upstream.
TEST(JsonTest, ParseIntoAGivenMemoryResource) {
  const std::string text = R"({"id":"x","choices":[{"index":0,"message":{"content":")" + std::string(8000, 'a') +
                           R"("}}],"usage":{"prompt_tokens":3}})";
  unsigned char arena[1024];
  bj::monotonic_resource memory(arena);
  const bj::value parsed = parse(text, "the answer", &memory);
  EXPECT_EQ(parsed.storage().get(), &memory);
  EXPECT_EQ(parsed.at("choices").storage().get(), &memory);
  EXPECT_EQ(parsed, parse(text, "the answer"));
  EXPECT_THROW(parse("{\"a\":", "the answer", &memory), Error);
}

// replace_member splices the new value in and keeps every other byte; where the member's place is
// not certain from the text alone, it declines and the caller serializes.
TEST(JsonTest, ReplaceMemberSplicesTheTopLevelValueOnly) {
  const std::string text = R"( { "id" : "a\"model\"}", "choices":[{"model":"inner","x":{"model":1}}],)"
                           R"("model" : {"nested": ["]", "}"]}, "n": -1.5e3, "last": null } )";
  const std::optional<std::string> replaced = replace_member(text, "model", R"("openai/bench")");
  ASSERT_TRUE(replaced);
  EXPECT_EQ(*replaced, R"( { "id" : "a\"model\"}", "choices":[{"model":"inner","x":{"model":1}}],)"
                       R"("model" : "openai/bench", "n": -1.5e3, "last": null } )");
  bj::value expected = parse(text, "text");
  expected.as_object()["model"] = "openai/bench";
  EXPECT_EQ(parse(*replaced, "replaced"), expected);

  for (const char* value : {"1", "true", "null", "[1,[2]]", "\"s\\\\\"", "{}"}) {
    for (const std::string& object : {std::string("{\"model\":") + value + "}",
                                      std::string("{\"a\":1,\"model\":") + value + ",\"b\":[]}"}) {
      const std::optional<std::string> spliced = replace_member(object, "model", "\"m\"");
      ASSERT_TRUE(spliced) << object;
      bj::value want = parse(object, "object");
      want.as_object()["model"] = "m";
      EXPECT_EQ(parse(*spliced, "spliced"), want) << object;
    }
  }
  EXPECT_FALSE(replace_member(R"({"models":1})", "model", "2"));                // absent
  EXPECT_FALSE(replace_member(R"({"x":{"model":1}})", "model", "2"));           // only nested
  EXPECT_FALSE(replace_member(R"({"model":1,"model":2})", "model", "3"));       // twice
  EXPECT_FALSE(replace_member(R"({"mod\u0065l":1})", "model", "2"));            // spelled with an escape
  EXPECT_FALSE(replace_member(R"([{"model":1}])", "model", "2"));               // not an object
  EXPECT_EQ(replace_member(R"({"model":1})", "model", "2"), R"({"model":2})");
}

}  // namespace
}  // namespace gatehouse::json
