// Fuzzes the chat template interpreter: arbitrary bytes as a template, parsed and rendered over a
// conversation with tools and tool calls. Errors must be gatehouse::Error; no crash, no hang (the
// interpreter's work and output limits bound every render), no leak.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "tokenizer/chat_template.h"

namespace {

const char* kInputs = R"({"messages": [
  {"role": "system", "content": "You are helpful."},
  {"role": "user", "content": "Hi <think>x</think> é 😀"},
  {"role": "assistant", "content": null, "tool_calls": [{"type": "function",
    "function": {"name": "get", "arguments": {"city": "Paris", "n": 2, "f": 1.5}}}]},
  {"role": "tool", "content": "{\"t\": 20}"},
  {"role": "user", "content": [{"type": "text", "text": "and?"}, {"type": "image"}]}],
  "tools": [{"type": "function", "function": {"name": "get", "description": "d",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
  "add_generation_prompt": true, "enable_thinking": false})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const boost::json::object inputs = boost::json::parse(kInputs).as_object();
  static const gatehouse::tokenizer::TokenizerConfig config = [] {
    gatehouse::tokenizer::TokenizerConfig c;
    c.bos_token = "<s>";
    c.eos_token = "</s>";
    return c;
  }();
  std::string_view source(reinterpret_cast<const char*>(data), size);
  try {
    gatehouse::tokenizer::ChatTemplate chat_template(source, config);
    (void)chat_template.render(inputs);
  } catch (const gatehouse::Error&) {
  }
  return 0;
}
