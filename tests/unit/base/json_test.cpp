#include "base/json.h"

#include <gtest/gtest.h>

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
  // What it writes reads back as the same value.
  EXPECT_EQ(bj::parse(serialize(value)), value);
}

}  // namespace
}  // namespace gatehouse::json
