#include "serve/required_tool_calls.h"

#include <boost/json.hpp>

#include <utility>

#include "api/openai_format.h"
#include "base/error.h"
#include "base/json.h"
#include "tokenizer/chat_template/value.h"

namespace gatehouse::serve {
namespace {

namespace bj = boost::json;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The string a JSON string literal holds; nullopt for any other JSON.
std::optional<std::string> string_literal(std::string_view token) {
  boost::system::error_code ec;
  const bj::value value = bj::parse(token, ec);
  if (ec || !value.is_string()) return std::nullopt;
  return std::string(value.get_string());
}

}  // namespace

std::vector<ToolCall> parse_required_tool_calls(std::string_view text) {
  bj::value parsed;
  try {
    parsed = json::parse(text, "tool calls");
  } catch (const Error&) {
    return {};
  }
  if (!parsed.is_array()) return {};
  std::vector<ToolCall> calls;
  for (const bj::value& item : parsed.get_array()) {
    const bj::object* call = item.if_object();
    const bj::value* name = call ? call->if_contains("name") : nullptr;
    const bj::value* parameters = call ? call->if_contains("parameters") : nullptr;
    // As pydantic reads vLLM's FunctionDefinition: one bad element and there are no calls.
    if (!name || !name->is_string() || (parameters && !parameters->is_null() && !parameters->is_object())) return {};
    const bj::value arguments = parameters ? *parameters : bj::value(nullptr);
    calls.push_back({api::random_id("chatcmpl-tool-"), std::string(name->get_string()),
                     tokenizer::jinja::to_json(tokenizer::jinja::Value::from_json(arguments))});
  }
  return calls;
}

StreamedToolOutput RequiredToolCallStream::feed(std::string_view text) {
  const size_t from = text_.size();
  text_ += text;
  for (size_t at = from; at < text_.size(); ++at) scan(at);
  send();
  return std::exchange(out_, {});
}

void RequiredToolCallStream::scan(size_t at) {
  const char c = text_[at];
  if (in_string_) {
    if (escaped_) {
      escaped_ = false;
    } else if (c == '\\') {
      escaped_ = true;
    } else if (c == '"') {
      in_string_ = false;
      if (depth_ == 2) end_token(at + 1);
    }
    return;
  }
  if (depth_ == 2 && scalar_ && (is_space(c) || c == ',' || c == '}')) end_token(at);
  switch (c) {
    case '"':
      in_string_ = true;
      if (depth_ == 2) begin_token(at);
      break;
    case '{':
    case '[':
      if (depth_ == 1 && c == '{') start_element();
      if (depth_ == 2) begin_token(at);
      ++depth_;
      break;
    case '}':
    case ']':
      --depth_;
      if (depth_ == 2) end_token(at + 1);  // a value that is an object or an array
      break;
    case ':':
      if (depth_ == 2 && expect_ == Expect::colon) expect_ = Expect::value;
      break;
    case ',':
      if (depth_ == 2) expect_ = Expect::key;
      break;
    default:
      if (depth_ == 2 && expect_ == Expect::value && !is_space(c)) {
        begin_token(at);
        scalar_ = true;
      }
  }
}

void RequiredToolCallStream::begin_token(size_t at) {
  if (token_start_ != std::string::npos || (expect_ != Expect::key && expect_ != Expect::value)) return;
  token_start_ = at;
  if (expect_ == Expect::value && key_ == "parameters") parameters_start_ = at;
}

void RequiredToolCallStream::end_token(size_t end) {
  if (token_start_ == std::string::npos) return;
  const std::string_view token = std::string_view(text_).substr(token_start_, end - token_start_);
  if (expect_ == Expect::key) {
    key_ = string_literal(token).value_or("");
    expect_ = Expect::colon;
  } else {
    if (key_ == "name") name_ = string_literal(token);
    if (key_ == "parameters") parameters_end_ = end;
    expect_ = Expect::comma;
  }
  token_start_ = std::string::npos;
  scalar_ = false;
}

void RequiredToolCallStream::start_element() {
  send();
  ++element_;
  expect_ = Expect::key;
  key_.clear();
  name_.reset();
  parameters_start_ = parameters_end_ = std::string::npos;
  element_sent_ = false;
}

void RequiredToolCallStream::send() {
  if (element_ < 0 || !name_ || parameters_start_ == std::string::npos) return;
  const size_t end = parameters_end_ != std::string::npos ? parameters_end_ : text_.size();
  ToolCallDelta delta;
  delta.index = element_;
  if (!element_sent_) {
    delta.id = api::random_id("chatcmpl-tool-");
    delta.name = *name_;
    sent_to_ = parameters_start_;
    element_sent_ = called_ = true;
  } else if (end <= sent_to_) {
    return;
  }
  delta.arguments = text_.substr(sent_to_, end - sent_to_);
  sent_to_ = end;
  out_.calls.push_back(std::move(delta));
}

}  // namespace gatehouse::serve
