#include "serve/served_model.h"

#include <algorithm>

#include "base/error.h"

namespace gatehouse::serve {

void ServedModel::check_requested(const std::optional<std::string>& requested) const {
  if (requested && std::find(names.begin(), names.end(), *requested) == names.end()) {
    throw Error(ErrorCode::not_found, "The model `" + *requested + "` does not exist.");
  }
}

void ServedModel::check_prompt_bytes(size_t bytes, const std::string& param) const {
  if (bytes > max_prompt_bytes) {
    throw InvalidParameter(param, param + " has " + std::to_string(bytes) + " bytes of text; this server tokenizes at most " +
                                      std::to_string(max_prompt_bytes) + " bytes per prompt (--max-prompt-bytes)");
  }
}

std::vector<uint32_t> ServedModel::encode_prompt(std::string_view text, bool add_special_tokens, const std::string& param) const {
  check_prompt_bytes(text.size(), param);
  std::optional<std::vector<uint32_t>> ids = tokenizer->encode_ids_within(text, static_cast<size_t>(max_model_len), add_special_tokens);
  if (!ids) {
    throw InvalidParameter(param, "This model's maximum context length is " + std::to_string(max_model_len) +
                                      " tokens. However, your request has more than " + std::to_string(max_model_len) +
                                      " input tokens. Please reduce the length of the input.");
  }
  return std::move(*ids);
}

}  // namespace gatehouse::serve
