// The chat template interpreter on its own: Python's printing rules, transformers' tojson, and what
// bad templates and bad inputs get. Conformance with Python jinja2 and @huggingface/jinja over real
// templates is in tests/integration/chat_template.test.mjs.
#include "tokenizer/chat_template.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "base/error.h"
#include "render_template.h"
#include "tokenizer/chat_template/template.h"

namespace gatehouse::tokenizer {
namespace {

// The message of the gatehouse::Error that rendering throws, and its code.
std::pair<ErrorCode, std::string> render_error(std::string_view source, std::string_view inputs = R"({"messages": []})") {
  try {
    render(source, inputs);
  } catch (const Error& error) {
    return {error.code(), error.what()};
  }
  ADD_FAILURE() << "no error for " << source;
  return {ErrorCode::internal, ""};
}

TEST(ChatTemplate, PassesWhatTransformersPasses) {
  EXPECT_EQ(render("{{ bos_token }}|{{ tools is none }}|{{ documents is none }}|{{ add_generation_prompt }}|"
                   "{{ eos_token is defined }}"),
            "<s>|True|True|False|False");
  EXPECT_EQ(render("{% for m in messages %}{{ m.role }}:{{ m['content'] }};{% endfor %}{{ enable_thinking }}",
                   R"({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}],
                       "enable_thinking": false})"),
            "user:hi;assistant:yo;False");
}

TEST(ChatTemplate, PrintsValuesAsPythonDoes) {
  EXPECT_EQ(render("{{ [1, 'a', none, true, 1.0, {'k': [2.5]}] }}"), "[1, 'a', None, True, 1.0, {'k': [2.5]}]");
  EXPECT_EQ(render("{{ (1,) }} {{ \"it's\" }} {{ [\"it's\"] }} {{ 1e16 }} {{ 1e15 }} {{ 0.00001 }} {{ 10 / 4 }}"),
            "(1,) it's [\"it's\"] 1e+16 1000000000000000.0 1e-05 2.5");
  EXPECT_EQ(render("{{ 7 // -2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 'ab' * 3 }}"), "-4 2 1024 ababab");
}

TEST(ChatTemplate, ToJsonIsTransformersOverride) {
  EXPECT_EQ(render(R"({{ {'b': 'é<&>', 'a': [1, 2.0, none, true]} | tojson }})"),
            R"({"b": "é<&>", "a": [1, 2.0, null, true]})");
  EXPECT_EQ(render(R"({{ {'b': 1, 'a': [1]} | tojson(indent=2, sort_keys=true) }})"),
            "{\n  \"a\": [\n    1\n  ],\n  \"b\": 1\n}");
  EXPECT_EQ(render(R"({{ 'é😀' | tojson(ensure_ascii=true) }})"), R"("\u00e9\ud83d\ude00")");
  EXPECT_EQ(render(R"({{ {'a': 1, 'b': 2} | tojson(separators=(',', ':')) }})"), R"({"a":1,"b":2})");
}

TEST(ChatTemplate, ScopingFollowsJinja) {
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [1, 2] %}{% set x = i %}{% endfor %}{{ x }}"), "1");
  EXPECT_EQ(render("{% set ns = namespace(x=1) %}{% for i in [1, 2] %}{% set ns.x = i %}{% endfor %}{{ ns.x }}"), "2");
  EXPECT_EQ(render("{% if true %}{% set x = 3 %}{% endif %}{{ x }}"), "3");
  EXPECT_EQ(render("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}"), "321");
}

TEST(ChatTemplate, SyntaxErrorsNameTheLine) {
  auto [code, message] = render_error("line one\n{% if x %}\n{{ y }");
  EXPECT_EQ(code, ErrorCode::invalid_argument);
  EXPECT_NE(message.find("line 3"), std::string::npos) << message;
  EXPECT_NE(render_error("{% for x in y %}\n\n{% endif %}").second.find("line 3"), std::string::npos);
  EXPECT_NE(render_error("{% frobnicate %}").second.find("unknown tag 'frobnicate'"), std::string::npos);
  EXPECT_NE(render_error("{{ x | nosuchfilter }}").second.find("no filter named 'nosuchfilter'"), std::string::npos);
  EXPECT_NE(render_error("{{ x is nosuchtest }}").second.find("no test named 'nosuchtest'"), std::string::npos);
  EXPECT_NE(render_error("{{ 'abc }}").second.find("unterminated string"), std::string::npos);
  EXPECT_NE(render_error("{% for x in y %}").second.find("expected '{% endfor %}'"), std::string::npos);
  EXPECT_NE(render_error("{% break %}").second.find("outside of a loop"), std::string::npos);
}

TEST(ChatTemplate, RaiseExceptionCarriesTheTemplatesMessage) {
  auto [code, message] = render_error("{{ raise_exception('Conversation roles must alternate') }}");
  EXPECT_EQ(code, ErrorCode::invalid_argument);
  EXPECT_EQ(message, "Conversation roles must alternate");
}

TEST(ChatTemplate, RuntimeErrorsSayWhatWentWrong) {
  EXPECT_NE(render_error("{{ missing.attribute }}").second.find("'missing' is undefined"), std::string::npos);
  EXPECT_NE(render_error("{{ 1 + 'a' }}").second.find("unsupported operand type(s) for +: 'int' and 'str'"),
            std::string::npos);
  EXPECT_NE(render_error("{{ 1 / 0 }}").second.find("division by zero"), std::string::npos);
  EXPECT_NE(render_error("{% set xs = [] %}{{ xs.append(1) }}").second.find("unsafe"), std::string::npos);
  EXPECT_NE(render_error("{% set x = 1 %}{% set x.y = 2 %}").second.find("non-namespace"), std::string::npos);
}

TEST(ChatTemplate, HostileTemplatesEndInErrorsNotHangs) {
  EXPECT_NE(render_error("{{ range(100001) | length }}").second.find("MAX_RANGE"), std::string::npos);
  auto [code, message] = render_error(
      "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}");
  EXPECT_EQ(code, ErrorCode::resource_exhausted);
  EXPECT_EQ(render_error("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}").first, ErrorCode::resource_exhausted);
  EXPECT_EQ(render_error("{{ 'x' * 1000000000000 }}").first, ErrorCode::resource_exhausted);
  EXPECT_NE(render_error("{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}").second.find("nested too deeply"),
            std::string::npos);
  std::string doubling = "{% set s = 'xxxxxxxxxxxxxxxx' %}";
  for (int i = 0; i < 40; ++i) doubling += "{% set s = s ~ s %}";
  EXPECT_EQ(render_error(doubling).first, ErrorCode::resource_exhausted);
}

TEST(ChatTemplate, InputsOfTheWrongShapeAreRefused) {
  EXPECT_NE(render_error("x", R"({"messages": "hi"})").second.find("messages"), std::string::npos);
  EXPECT_NE(render_error("x", R"({})").second.find("messages is missing"), std::string::npos);
  EXPECT_NE(render_error("x", R"({"messages": [], "tools": {}})").second.find("tools"), std::string::npos);
}

TEST(ChatTemplate, MissingTemplateIsNotFound) {
  try {
    ChatTemplate::from_config(TokenizerConfig{}, false);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::not_found);
  }
}

TEST(ChatTemplate, ToolUseTemplateIsPickedWhenToolsAreGiven) {
  TokenizerConfig config;
  config.chat_templates["default"] = "default";
  config.chat_templates["tool_use"] = "tools";
  boost::json::object inputs{{"messages", boost::json::array{}}};
  EXPECT_EQ(ChatTemplate::from_config(config, false).render(inputs), "default");
  EXPECT_EQ(ChatTemplate::from_config(config, true).render(inputs), "tools");
}

}  // namespace
}  // namespace gatehouse::tokenizer
