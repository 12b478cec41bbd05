#include "engine/loader/generation_config.h"

#include <boost/json.hpp>

#include "base/file.h"
#include "base/json.h"

namespace gatehouse::engine {
namespace {

namespace bj = boost::json;

std::optional<double> optional_number(const bj::object& object, std::string_view key, const json::JsonPath& path) {
  const bj::value* value = json::find(object, key);
  if (!value) return std::nullopt;
  return json::as_double(*value, path / key);
}

}  // namespace

GenerationConfig GenerationConfig::parse(std::string_view text, const std::string& document) {
  const bj::value root = json::parse(text, document);
  const json::JsonPath path(document);
  const bj::object& object = json::as_object(root, path);
  GenerationConfig config;
  if (const bj::value* eos = json::find(object, "eos_token_id")) config.eos_token_ids = json::as_int_list(*eos, path / "eos_token_id");
  config.temperature = optional_number(object, "temperature", path);
  config.top_p = optional_number(object, "top_p", path);
  config.min_p = optional_number(object, "min_p", path);
  config.repetition_penalty = optional_number(object, "repetition_penalty", path);
  config.top_k = json::get_optional_int(object, "top_k", path);
  config.max_new_tokens = json::get_optional_int(object, "max_new_tokens", path);
  return config;
}

GenerationConfig GenerationConfig::load(const std::filesystem::path& folder) {
  const auto file = folder / "generation_config.json";
  if (!std::filesystem::exists(file)) return {};
  return parse(files::read_file(file, files::kConfigFileLimit), "generation_config.json");
}

}  // namespace gatehouse::engine
