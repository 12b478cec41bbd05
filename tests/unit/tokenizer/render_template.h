// For the chat template tests: renders a template source with a config whose bos_token is "<s>".
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "tokenizer/chat_template.h"

namespace gatehouse::tokenizer {

inline std::string render(std::string_view source, std::string_view inputs = R"({"messages": []})") {
  TokenizerConfig config;
  config.bos_token = "<s>";
  return ChatTemplate(source, config).render(boost::json::parse(inputs).as_object());
}

}  // namespace gatehouse::tokenizer
