#include "tokenizer/tokenizer_config.h"

#include "base/error.h"
#include "base/file.h"
#include "base/json.h"

namespace gatehouse::tokenizer {
namespace {

namespace bj = boost::json;

// Special tokens appear as a plain string or as an AddedToken object {"content": ...}.
std::optional<std::string> token_string(const bj::object& object, std::string_view key,
                                        const json::JsonPath& path) {
  const bj::value* value = json::find(object, key);
  if (!value) return std::nullopt;
  if (value->is_string()) return std::string(value->get_string());
  const bj::object& token = json::as_object(*value, path / key);
  return std::string(json::as_string(json::require(token, "content", path / key), path / key / "content"));
}

void read_chat_templates(const bj::value& value, const json::JsonPath& path,
                         std::map<std::string, std::string>& out) {
  if (value.is_string()) {
    out["default"] = std::string(value.get_string());
    return;
  }
  const bj::array& list = json::as_array(value, path);
  for (size_t i = 0; i < list.size(); ++i) {
    const bj::object& entry = json::as_object(list[i], path[i]);
    std::string name(json::as_string(json::require(entry, "name", path[i]), path[i] / "name"));
    out[name] = std::string(json::as_string(json::require(entry, "template", path[i]), path[i] / "template"));
  }
}

void read_special_tokens(const bj::object& object, const json::JsonPath& path, TokenizerConfig& config) {
  if (auto token = token_string(object, "bos_token", path)) config.bos_token = token;
  if (auto token = token_string(object, "eos_token", path)) config.eos_token = token;
  if (auto token = token_string(object, "unk_token", path)) config.unk_token = token;
  if (auto token = token_string(object, "pad_token", path)) config.pad_token = token;
}

}  // namespace

TokenizerConfig TokenizerConfig::load(const std::filesystem::path& directory) {
  TokenizerConfig config;
  std::filesystem::path special_map = directory / "special_tokens_map.json";
  if (std::filesystem::exists(special_map)) {
    json::JsonPath path("special_tokens_map.json");
    bj::value document = json::parse(files::read_file(special_map, files::kConfigFileLimit), "special_tokens_map.json");
    read_special_tokens(json::as_object(document, path), path, config);
  }
  std::filesystem::path config_file = directory / "tokenizer_config.json";
  if (std::filesystem::exists(config_file)) {
    json::JsonPath path("tokenizer_config.json");
    bj::value document = json::parse(files::read_file(config_file, files::kConfigFileLimit), "tokenizer_config.json");
    const bj::object& object = json::as_object(document, path);
    read_special_tokens(object, path, config);
    if (const bj::value* templates = json::find(object, "chat_template")) {
      read_chat_templates(*templates, path / "chat_template", config.chat_templates);
    }
    // transformers writes 1e30-ish floats here for "unbounded"; keep only sane integers.
    if (const bj::value* length = json::find(object, "model_max_length")) {
      if (length->is_int64() || length->is_uint64()) {
        config.model_max_length = json::as_int(*length, path / "model_max_length");
      }
    }
    config.clean_up_tokenization_spaces =
        json::get_bool(object, "clean_up_tokenization_spaces", path, false);
    config.add_bos_token = json::get_bool(object, "add_bos_token", path, false);
    config.add_eos_token = json::get_bool(object, "add_eos_token", path, false);
  }
  std::filesystem::path template_file = directory / "chat_template.jinja";
  if (std::filesystem::exists(template_file)) {
    config.chat_templates["default"] = files::read_file(template_file, files::kConfigFileLimit);
  }
  return config;
}

const std::string* TokenizerConfig::chat_template(const std::string& name) const {
  auto found = chat_templates.find(name);
  return found == chat_templates.end() ? nullptr : &found->second;
}

}  // namespace gatehouse::tokenizer
