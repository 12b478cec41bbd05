// Chat templates as transformers' apply_chat_template(tokenize=False) renders them: the template
// from tokenizer_config.json (or chat_template.jinja) gets `messages`, `tools`, `documents`,
// `add_generation_prompt`, the tokenizer's special tokens and any extra variables. Immutable after
// construction; render() is thread-safe.
#pragma once

#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/chat_template/template.h"
#include "tokenizer/tokenizer_config.h"

namespace gatehouse::tokenizer {

class ChatTemplate {
 public:
  // Parses `source`; a syntax error is invalid_argument naming the line.
  ChatTemplate(std::string_view source, const TokenizerConfig& config);

  // The template transformers would pick from the tokenizer's: "tool_use" when tools are given
  // and the tokenizer names one, otherwise "default". not_found when the tokenizer has none.
  static ChatTemplate from_config(const TokenizerConfig& config, bool with_tools);

  // `inputs` holds "messages" (an array, required), optionally "tools" and "documents" (arrays or
  // null), "add_generation_prompt" (bool) and any other key, passed to the template as a variable.
  // Throws invalid_argument for inputs of the wrong shape and for errors the template raises.
  std::string render(const boost::json::object& inputs) const;

 private:
  jinja::Template template_;
  std::vector<std::pair<std::string, jinja::Value>> special_tokens_;
};

}  // namespace gatehouse::tokenizer
