#include "serve/served_model.h"

#include <algorithm>
#include <cctype>

#include "base/error.h"
#include "serve/generation.h"

namespace gatehouse::serve {

namespace {

// What Hugging Face's clients name the model when pointed at an endpoint URL: "tgi" (huggingface_hub
// and the docs of TGI's Messages API) or the URL itself (@huggingface/inference's endpoint(url)).
bool names_an_endpoint(std::string_view requested) {
  auto lower_prefix = [&](std::string_view prefix) {
    if (requested.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(requested[i])) != prefix[i]) return false;
    }
    return true;
  };
  return requested == "tgi" || lower_prefix("http://") || lower_prefix("https://");
}

}  // namespace

void ServedModel::check_requested(const std::optional<std::string>& requested) const {
  if (requested && !names_an_endpoint(*requested) && std::find(names.begin(), names.end(), *requested) == names.end()) {
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

void ServedModel::constrain(GenerationSpec& spec, const std::string& starts_after) const {
  if (!spec.constraint) return;
  if (!output_constraints) throw InvalidParameter(spec.constraint->source, "structured output is not available on this server");
  spec.params.constraint = output_constraints->factory(*spec.constraint, starts_after);
}

}  // namespace gatehouse::serve
