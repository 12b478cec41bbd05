// generation_config.json: the checkpoint's own sampling defaults and end-of-sequence tokens, which
// vLLM applies under the request's values. Absent file or fields: nothing set. Plain data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::engine {

struct GenerationConfig {
  std::vector<int64_t> eos_token_ids;
  std::optional<double> temperature, top_p, min_p, repetition_penalty;
  std::optional<int64_t> top_k, max_new_tokens;

  static GenerationConfig parse(std::string_view text, const std::string& document = "generation_config.json");
  // The folder's generation_config.json, or an empty config when there is none.
  static GenerationConfig load(const std::filesystem::path& folder);
};

}  // namespace gatehouse::engine
