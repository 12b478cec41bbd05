// Reading OpenAI chat and completion requests, with vLLM's extensions, defaults and checks: the
// sampling parameters (the request's value, then generation_config.json's, then OpenAI's default),
// stop strings, the prompt (rendered through the chat template, or text, or token ids) and how
// the answer is shaped. Bad requests throw InvalidParameter naming the parameter, or
// Error(not_found) for a model that is not served.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "serve/generation.h"
#include "serve/served_model.h"

namespace gatehouse::serve {

struct OpenAiRequest {
  GenerationSpec spec;
  bool stream = false;
  bool include_usage = false;
  bool continuous_usage = false;
  bool logprobs = false;      // per-token logprobs in the answer
  int64_t top_logprobs = 0;   // alternatives per token
  bool prompt_logprobs = false;  // vLLM's prompt_logprobs in the answer
  bool echo = false;          // completions: the prompt text before the completion
  bool return_tokens_as_token_ids = false;
  std::vector<std::string> prompt_texts;  // completions with echo: each prompt as text
};

OpenAiRequest parse_chat_request(const boost::json::object& body, const ServedModel& model);
OpenAiRequest parse_completion_request(const boost::json::object& body, const ServedModel& model);

// The chat form of /tokenize shares this: the rendered prompt of `messages`.
std::string render_chat(const boost::json::object& body, const ServedModel& model);

}  // namespace gatehouse::serve
