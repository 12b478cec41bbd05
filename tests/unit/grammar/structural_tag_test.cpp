#include "grammar/structural_tag.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/error.h"
#include "grammar/reference_recognizer.h"

namespace gatehouse::grammar {
namespace {

namespace bj = boost::json;

Grammar compile(const char* json) { return compile_structural_tag(bj::parse(json)); }

std::string error_of(const char* json) {
  try {
    compile(json);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
    return error.what();
  }
  return "no error";
}

constexpr const char* kWeather = R"({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                                    "additionalProperties": false})";

TEST(StructuralTag, LegacyFormIsFreeTextWhereTriggersStartStructures) {
  const std::string spec = std::string(R"({"type": "structural_tag", "triggers": ["<function="], "structures": [
      {"begin": "<function=get_weather>", "schema": )") + kWeather + R"(, "end": "</function>"},
      {"begin": "<function=get_time>", "schema": {"type": "object"}, "end": "</function>"}]})";
  const Grammar grammar = compile(spec.c_str());
  for (const char* text : {"", "Hello there", "a < b, <func and <function", "x <functio=y",
                           R"(Sure. <function=get_weather>{"city": "Paris"}</function> done)",
                           R"(<function=get_weather>{"city": "A"}</function><function=get_time>{}</function>)"}) {
    EXPECT_TRUE(matches(grammar, text)) << text;
  }
  for (const char* text : {R"(<function=get_date>{}</function>)", R"(<function=get_weather>{"town": "A"}</function>)",
                           R"(<function=get_weather>{"city": "A"})", R"(<function=get_weather>{"city": "A"}</func> x)"}) {
    EXPECT_FALSE(matches(grammar, text)) << text;
  }
  EXPECT_TRUE(is_viable_prefix(grammar, R"(ok <function=get_weather>{"ci)"));
  EXPECT_FALSE(is_viable_prefix(grammar, R"(ok <function=get_weather>{"to)"));
}

TEST(StructuralTag, TriggersAreFoundWhereverTheyEndEvenAfterAFalseStart) {
  // "<<tool>" has the trigger after a "<" that began it too early; "tool>" alone is no trigger.
  const Grammar grammar = compile(R"({"type": "structural_tag", "format": {"type": "triggered_tags", "triggers": ["<tool>"],
      "tags": [{"begin": "<tool>", "content": {"type": "const_string", "value": "X"}, "end": "</tool>"}]}})");
  EXPECT_TRUE(matches(grammar, "a<<tool>X</tool>b"));
  EXPECT_TRUE(matches(grammar, "<to<tool>X</tool>"));
  EXPECT_TRUE(matches(grammar, "tool> <tool"));
  EXPECT_FALSE(matches(grammar, "a<<tool>Y</tool>"));
  EXPECT_FALSE(matches(grammar, "<to<tool>"));
}

TEST(StructuralTag, AtLeastOneAndStopAfterFirst) {
  const char* tag = R"("tags": [{"begin": "<a>", "content": {"type": "regex", "pattern": "[0-9]+"}, "end": "</a>"}])";
  auto with = [&](const char* flags) {
    return compile((std::string(R"({"type": "structural_tag", "format": {"type": "triggered_tags", "triggers": ["<a>"], )") + tag +
                    ", " + flags + "}}").c_str());
  };
  const Grammar at_least_one = with(R"("at_least_one": true)");
  EXPECT_FALSE(matches(at_least_one, ""));
  EXPECT_FALSE(matches(at_least_one, "just text"));
  EXPECT_TRUE(matches(at_least_one, "x <a>12</a>"));
  EXPECT_TRUE(matches(at_least_one, "x <a>12</a> y <a>3</a> z"));
  const Grammar first_only = with(R"("stop_after_first": true)");
  EXPECT_TRUE(matches(first_only, "just text"));
  EXPECT_TRUE(matches(first_only, "x <a>12</a>"));
  EXPECT_FALSE(matches(first_only, "x <a>12</a> y"));
  const Grammar exactly_one = with(R"("at_least_one": true, "stop_after_first": true)");
  EXPECT_FALSE(matches(exactly_one, "text"));
  EXPECT_TRUE(matches(exactly_one, "<a>7</a>"));
  EXPECT_FALSE(matches(exactly_one, "<a>7</a><a>8</a>"));
}

TEST(StructuralTag, AnyTextInATagRunsToItsEndAndSequencesJoinParts) {
  const std::string spec = std::string(R"({"type": "structural_tag", "format": {"type": "sequence", "elements": [
      {"type": "tag", "begin": "<think>", "content": {"type": "any_text"}, "end": "</think>"},
      {"type": "const_string", "value": "\n"},
      {"type": "json_schema", "json_schema": )") + kWeather + "}]}}";
  const Grammar grammar = compile(spec.c_str());
  EXPECT_TRUE(matches(grammar, "<think>a < b </thin k></think>\n{\"city\": \"Oslo\"}"));
  EXPECT_TRUE(matches(grammar, "<think></think>\n{\"city\": \"\"}"));
  EXPECT_FALSE(matches(grammar, "<think>a</think>b</think>\n{\"city\": \"Oslo\"}"));
  EXPECT_FALSE(matches(grammar, "<think>a</think>{\"city\": \"Oslo\"}"));
}

TEST(StructuralTag, OrAndTagsWithSeparator) {
  const Grammar either = compile(R"({"type": "structural_tag", "format": {"type": "or", "elements": [
      {"type": "regex", "pattern": "[0-9]+"}, {"type": "grammar", "grammar": "root ::= \"yes\" | \"no\""}]}})");
  for (const char* text : {"123", "yes", "no"}) EXPECT_TRUE(matches(either, text)) << text;
  for (const char* text : {"", "maybe", "12a"}) EXPECT_FALSE(matches(either, text)) << text;

  const Grammar list = compile(R"J({"type": "structural_tag", "format": {"type": "tags_with_separator", "separator": ",",
      "tags": [{"begin": "[", "content": {"type": "const_string", "value": "a"}, "end": "]"},
               {"begin": "(", "content": {"type": "const_string", "value": "b"}, "end": ")"}]}})J");
  for (const char* text : {"", "[a]", "[a],(b)", "(b),(b),[a]"}) EXPECT_TRUE(matches(list, text)) << text;
  for (const char* text : {"[a],", ",[a]", "[a](b)", "[b]"}) EXPECT_FALSE(matches(list, text)) << text;
}

TEST(StructuralTag, BadSpecificationsNameTheirPlace) {
  EXPECT_EQ(error_of(R"({"type": "structural_tag", "format": {"type": "qwen_xml"}})"),
            "structural tag: format.type: 'qwen_xml' is not a structural tag format this server supports");
  EXPECT_EQ(error_of(R"({"type": "structural_tag", "format": {"type": "triggered_tags", "triggers": ["<f="],
      "tags": [{"begin": "<g>", "content": {"type": "const_string", "value": "x"}, "end": "</g>"}]}})"),
            "structural tag: format.tags[0].begin: '<g>' starts with none of the triggers");
  EXPECT_EQ(error_of(R"({"type": "structural_tag", "triggers": [], "structures": []})"), "structural tag: triggers: must not be empty");
  EXPECT_EQ(error_of(R"({"type": "structural_tag", "triggers": ["<f"], "structures": [{"begin": "<f>", "end": "</f>"}]})"),
            "structural tag: structures[0]: needs \"schema\"");
  EXPECT_EQ(error_of(R"({"type": "structural_tag"})"),
            "structural tag: the specification: needs \"format\" (a format tree) or \"structures\" and \"triggers\" (the legacy form)");
  EXPECT_EQ(error_of(R"({"type": "structural_tag", "format": {"type": "sequence", "elements": [{"type": "const_string", "value": 3}]}})"),
            "structural tag: format.elements[0].value: must be a string");
  const std::string long_trigger = R"({"type": "structural_tag", "triggers": [")" + std::string(5000, 'x') +
                                   R"("], "structures": [{"begin": ")" + std::string(5000, 'x') + R"(", "schema": {}, "end": "y"}]})";
  EXPECT_EQ(error_of(long_trigger.c_str()), "structural tag: triggers: the triggers (or a tag's end) add up to 5000 bytes; at most 4096 are allowed");
  // A schema's own errors come through with the JSON schema compiler's message.
  EXPECT_NE(error_of(R"({"type": "structural_tag", "format": {"type": "json_schema", "json_schema": {"type": "object", "uniqueItems": true, "properties": {"a": {"type": "array", "uniqueItems": true}}}}})")
                .find("uniqueItems"),
            std::string::npos);
}

}  // namespace
}  // namespace gatehouse::grammar
