// Chat requests with tools: tool_choice's default and checks in vLLM's words, the server's flags,
// what reaches the chat template, and the constraint a named or required choice sets.
#include "serve/tool_choice.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/error.h"
#include "base/json.h"
#include "serve/openai_request.h"
#include "test_tokenizer.h"

namespace gatehouse::serve {
namespace {

namespace bj = boost::json;
using Mode = ToolChoice::Mode;
using testing::llama3_tokenizer;

// A parser that is never asked to parse here: requests only check that the server has one.
class UnusedParser final : public ToolParser {
 public:
  ParsedToolCalls parse(std::string_view) const override { return {}; }
  std::unique_ptr<ToolCallStream> stream() const override { return nullptr; }
};

// A template that shows whether it was given tools.
ServedModel model(bool with_parser) {
  ServedModel served;
  served.names = {"m"};
  served.tokenizer = &llama3_tokenizer();
  served.chat_template.emplace("{% if tools %}[tools: {{ tools | length }}]{% endif %}{{ messages[0].content }}",
                               llama3_tokenizer().config());
  served.max_model_len = 256;
  served.vocab_size = 128256;
  served.max_num_seqs = 8;
  if (with_parser) served.tool_parser = std::make_shared<UnusedParser>();
  served.output_constraints = std::make_shared<OutputConstraints>(llama3_tokenizer(), std::vector<int32_t>{128009}, 128256);
  return served;
}

constexpr const char* kWeather =
    R"({"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}})";
constexpr const char* kTime = R"({"type":"function","function":{"name":"get_time"}})";

OpenAiRequest chat(const ServedModel& served, const std::string& extra) {
  return parse_chat_request(bj::parse(R"({"messages":[{"role":"user","content":"hi"}])" + extra + "}").as_object(), served);
}

std::pair<std::string, std::string> rejection(const ServedModel& served, const std::string& extra) {
  try {
    chat(served, extra);
  } catch (const InvalidParameter& error) {
    return {error.parameter(), error.what()};
  }
  ADD_FAILURE() << "accepted: " << extra;
  return {};
}

std::string prompt_text(const OpenAiRequest& request) {
  const std::vector<int32_t>& ids = request.spec.prompts.at(0);
  return llama3_tokenizer().decode(std::vector<uint32_t>(ids.begin(), ids.end()), false);
}

const std::string kUsage = R"( Correct usage: `{"type": "function", "function": {"name": "my_function"}}`)";

TEST(ToolChoice, WithoutAParserToolChoiceIsRefusedInVllmsWords) {
  const ServedModel served = model(false);
  // tools alone mean tool_choice "auto".
  EXPECT_EQ(rejection(served, ",\"tools\":[" + std::string(kWeather) + "]"),
            (std::pair<std::string, std::string>{"tool_choice", "\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set"}));
  EXPECT_EQ(rejection(served, ",\"tools\":[" + std::string(kWeather) + "],\"tool_choice\":\"required\"").second,
            "tool_choice=\"required\" requires --tool-call-parser to be set");
  EXPECT_EQ(rejection(served, ",\"tools\":[" + std::string(kWeather) + R"(],"tool_choice":{"type":"function","function":{"name":"get_weather"}})").second,
            "tool_choice=\"function=FunctionName(name='get_weather') type='function'\" requires --tool-call-parser to be set");
  // "none", no tools, and "required" over no tools need no parser.
  const OpenAiRequest none = chat(served, ",\"tools\":[" + std::string(kWeather) + "],\"tool_choice\":\"none\"");
  EXPECT_EQ(none.chat.tool_choice.mode, Mode::none);
  EXPECT_TRUE(none.spec.skip_special_tokens);
  EXPECT_EQ(prompt_text(none), "[tools: 1]hi");  // the template still sees them
  EXPECT_EQ(chat(served, "").chat.tool_choice.mode, Mode::none);
  EXPECT_EQ(chat(served, ",\"tools\":[]").chat.tool_choice.mode, Mode::none);
  const OpenAiRequest emptied = chat(served, ",\"tools\":[],\"tool_choice\":\"required\"");
  EXPECT_EQ(emptied.chat.tool_choice.mode, Mode::none);
  EXPECT_EQ(prompt_text(emptied), "hi");
}

TEST(ToolChoice, BadToolChoicesAre400sNamingIt) {
  const ServedModel served = model(true);
  const std::string tools = ",\"tools\":[" + std::string(kWeather) + "," + kTime + "]";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {",\"tool_choice\":\"auto\"", "When using `tool_choice`, `tools` must be set."},
      {",\"tool_choice\":\"sometimes\"", "When using `tool_choice`, `tools` must be set."},
      {tools + ",\"tool_choice\":\"sometimes\"", "Invalid value for `tool_choice`: sometimes! Only named tools, \"none\", \"auto\" or \"required\" are supported."},
      {tools + ",\"tool_choice\":5", "Invalid value for `tool_choice`: 5! Only named tools, \"none\", \"auto\" or \"required\" are supported."},
      {tools + ",\"tool_choice\":{\"type\":\"function\"}", "Invalid value for `function`: `None` in `tool_choice`!" + kUsage},
      {tools + ",\"tool_choice\":{\"type\":\"function\",\"function\":{}}", "Expected field `name` in `function` in `tool_choice`!" + kUsage},
      {tools + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"\"}}", "Invalid `name` in `function`: `` in `tool_choice`!" + kUsage},
      {tools + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_stock\"}}",
       "The tool specified in `tool_choice` does not match any of the specified `tools`"},
  };
  for (const auto& [extra, message] : cases) {
    EXPECT_EQ(rejection(served, extra), (std::pair<std::string, std::string>{"tool_choice", message})) << extra;
  }
  for (const char* bad : {",\"tools\":\"get_weather\"", ",\"tools\":[{\"type\":\"retrieval\"}]", ",\"tools\":[{\"type\":\"function\"}]",
                          ",\"tools\":[{\"function\":{\"name\":7}}]", ",\"tools\":[{\"function\":{\"name\":\"f\",\"parameters\":[]}}]"}) {
    EXPECT_EQ(rejection(served, bad).first, "tools") << bad;
  }
}

TEST(ToolChoice, ParsingToolCallsKeepsSpecialTokensAndReadsTheRequestsFlags) {
  ServedModel served = model(true);
  const std::string tools = ",\"tools\":[" + std::string(kWeather) + "]";
  const OpenAiRequest automatic = chat(served, tools);
  EXPECT_EQ(automatic.chat.tool_choice.mode, Mode::automatic);
  EXPECT_EQ(automatic.chat.tool_parser, served.tool_parser);
  EXPECT_FALSE(automatic.spec.skip_special_tokens);
  EXPECT_FALSE(automatic.spec.constraint);
  EXPECT_TRUE(automatic.chat.parallel_tool_calls);
  EXPECT_FALSE(chat(served, tools + ",\"parallel_tool_calls\":false").chat.parallel_tool_calls);

  EXPECT_EQ(prompt_text(chat(served, tools + ",\"tool_choice\":\"none\"")), "[tools: 1]hi");
  served.exclude_tools_when_tool_choice_none = true;
  EXPECT_EQ(prompt_text(chat(served, tools + ",\"tool_choice\":\"none\"")), "hi");
  EXPECT_EQ(prompt_text(chat(served, tools + ",\"tool_choice\":\"auto\"")), "[tools: 1]hi");

  EXPECT_TRUE(chat(served, "").chat.reasoning_options.thinking);
  EXPECT_FALSE(chat(served, ",\"chat_template_kwargs\":{\"enable_thinking\":false}").chat.reasoning_options.thinking);
  EXPECT_TRUE(chat(served, "").chat.include_reasoning);
  EXPECT_FALSE(chat(served, ",\"include_reasoning\":false").chat.include_reasoning);
}

TEST(ToolChoice, ANamedFunctionIsConstrainedToItsParameters) {
  const ServedModel served = model(true);
  const std::string tools = ",\"tools\":[" + std::string(kWeather) + "," + kTime + "]";
  const OpenAiRequest named = chat(served, tools + R"(,"tool_choice":{"type":"function","function":{"name":"get_weather"}})");
  EXPECT_EQ(named.chat.tool_choice.mode, Mode::named);
  EXPECT_EQ(named.chat.tool_choice.function, "get_weather");
  EXPECT_FALSE(named.spec.skip_special_tokens);
  ASSERT_TRUE(named.spec.constraint);
  EXPECT_EQ(named.spec.constraint->kind, OutputConstraint::Kind::json_schema);
  EXPECT_EQ(bj::parse(named.spec.constraint->spec), bj::parse(kWeather).at("function").at("parameters"));
  EXPECT_TRUE(named.spec.params.constraint);  // compiled for the engine
  // A function without parameters takes an empty object.
  const OpenAiRequest bare = chat(served, tools + R"(,"tool_choice":{"type":"function","function":{"name":"get_time"}})");
  EXPECT_EQ(bare.spec.constraint->spec, R"({"type":"object","properties":{}})");
}

TEST(ToolChoice, RequiredIsConstrainedToAnArrayOfCalls) {
  const ServedModel served = model(true);
  const std::string with_defs =
      R"({"type":"function","function":{"name":"book","parameters":{"type":"object","properties":{"when":{"$ref":"#/$defs/date"}},"$defs":{"date":{"type":"string","format":"date"}}}}})";
  const OpenAiRequest required = chat(served, ",\"tools\":[" + std::string(kTime) + "," + with_defs + "],\"tool_choice\":\"required\"");
  EXPECT_EQ(required.chat.tool_choice.mode, Mode::required);
  ASSERT_TRUE(required.spec.constraint);
  EXPECT_TRUE(required.spec.params.constraint);
  EXPECT_EQ(bj::parse(required.spec.constraint->spec), bj::parse(R"({
    "type": "array", "minItems": 1,
    "items": {"type": "object", "anyOf": [
      {"properties": {"name": {"type": "string", "enum": ["get_time"]}, "parameters": {"type": "object", "properties": {}}},
       "required": ["name", "parameters"]},
      {"properties": {"name": {"type": "string", "enum": ["book"]},
                      "parameters": {"type": "object", "properties": {"when": {"$ref": "#/$defs/date"}}}},
       "required": ["name", "parameters"]}]},
    "$defs": {"date": {"type": "string", "format": "date"}}})"));
  // The same $defs name twice is fine when it means the same; otherwise vLLM refuses.
  std::string again = with_defs;
  again.replace(again.find("\"book\""), 6, "\"rebook\"");
  EXPECT_NO_THROW(chat(served, ",\"tools\":[" + with_defs + "," + again + "],\"tool_choice\":\"required\""));
  std::string other = again;
  other.replace(other.find("\"date\"}"), 7, "\"time\"}");
  EXPECT_EQ(rejection(served, ",\"tools\":[" + with_defs + "," + other + "],\"tool_choice\":\"required\""),
            (std::pair<std::string, std::string>{"tools", "Tool definition 'date' has multiple schemas, which is not supported."}));
}

}  // namespace
}  // namespace gatehouse::serve
