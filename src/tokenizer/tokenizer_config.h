// What transformers keeps beside tokenizer.json: tokenizer_config.json, special_tokens_map.json and
// chat_template.jinja. Needed for chat templates (which template, which bos/eos strings) and by
// servers (model_max_length). Plain data, loaded once.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace gatehouse::tokenizer {

struct TokenizerConfig {
  std::optional<std::string> bos_token, eos_token, unk_token, pad_token;
  // Named chat templates; the default one is under "default". chat_template.jinja overrides it.
  std::map<std::string, std::string> chat_templates;
  std::optional<int64_t> model_max_length;
  bool clean_up_tokenization_spaces = false;
  bool add_bos_token = false;
  bool add_eos_token = false;

  // Reads whatever of the three files exists in `directory`; absent files leave defaults.
  // Malformed files are an invalid_argument error naming the file and the field.
  static TokenizerConfig load(const std::filesystem::path& directory);

  const std::string* chat_template(const std::string& name = "default") const;
};

}  // namespace gatehouse::tokenizer
