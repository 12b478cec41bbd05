// OpenAI chat and completion requests (read from the wire by api/openai_request.h) turned into
// engine work for the served model: the sampling parameters (the request's value, then
// generation_config.json's, then OpenAI's default), the model's limits, the features this server
// refuses, the prompt (rendered through the chat template, or text, or token ids) and how the
// answer is shaped (for chat: reasoning and tool calls, and the constraint a forced tool call
// sets). Bad requests throw InvalidParameter naming the parameter, or Error(not_found) for a model
// that is not served.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "api/openai_request.h"
#include "serve/chat_output.h"
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
  ChatShaping chat;  // chat: reasoning and tool calls
};

OpenAiRequest parse_chat_request(const boost::json::object& body, const ServedModel& model);
OpenAiRequest parse_completion_request(const boost::json::object& body, const ServedModel& model);

// The prompt text of a chat, through the request's template (when the server trusts it) or the
// model's. The chat form of /tokenize shares this.
std::string render_chat(const api::ChatPrompt& chat, const ServedModel& model);

}  // namespace gatehouse::serve
