#include "tokenizer/chat_template.h"

#include <boost/json.hpp>

#include "base/error.h"
#include "base/json.h"

namespace gatehouse::tokenizer {

ChatTemplate::ChatTemplate(std::string_view source, const TokenizerConfig& config) : template_(source) {
  const std::pair<const char*, const std::optional<std::string>*> tokens[] = {
      {"bos_token", &config.bos_token},
      {"eos_token", &config.eos_token},
      {"unk_token", &config.unk_token},
      {"pad_token", &config.pad_token},
  };
  for (const auto& [name, token] : tokens) {
    if (*token) special_tokens_.emplace_back(name, jinja::Value(**token));
  }
}

ChatTemplate ChatTemplate::from_config(const TokenizerConfig& config, bool with_tools) {
  const std::string* source = with_tools ? config.chat_template("tool_use") : nullptr;
  if (!source) source = config.chat_template("default");
  if (!source) {
    throw Error(ErrorCode::not_found,
                "the tokenizer has no chat template (no chat_template in tokenizer_config.json and no "
                "chat_template.jinja); pass one explicitly");
  }
  return ChatTemplate(*source, config);
}

std::string ChatTemplate::render(const boost::json::object& inputs) const {
  json::JsonPath path("chat template input");
  const boost::json::value& messages = json::require(inputs, "messages", path);
  json::as_array(messages, path / "messages");
  std::vector<std::pair<std::string, jinja::Value>> variables;
  variables.emplace_back("messages", jinja::Value::from_json(messages));
  for (const char* key : {"tools", "documents"}) {
    const boost::json::value* value = json::find(inputs, key);
    if (value) json::as_array(*value, path / key);
    // transformers passes tools=None and documents=None when there are none: defined, but none.
    variables.emplace_back(key, value ? jinja::Value::from_json(*value) : jinja::Value(jinja::None{}));
  }
  variables.emplace_back("add_generation_prompt", json::get_bool(inputs, "add_generation_prompt", path, false));
  variables.insert(variables.end(), special_tokens_.begin(), special_tokens_.end());
  for (const auto& [key, value] : inputs) {
    if (key == "messages" || key == "tools" || key == "documents" || key == "add_generation_prompt") continue;
    variables.emplace_back(std::string(key), jinja::Value::from_json(value));
  }
  return template_.render(variables);
}

}  // namespace gatehouse::tokenizer
