// OpenAI chat and completion requests as they arrive on the wire, with vLLM's extensions: each
// field read with its type checked, and the checks that need no model (ranges, stream_options
// only with stream, top_logprobs only with logprobs, non-empty stop strings and messages, prompt
// forms). Absent fields stay nullopt so that whoever serves the request fills its own defaults;
// limits that depend on a model (vocabulary, context length, --max-num-seqs) are the server's.
// Bad fields throw InvalidParameter naming the parameter. The readers mark every field they read
// on the RequestFields they are given, so a server can refuse or report the rest. Plain values;
// thread-compatible.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/request_fields.h"

namespace gatehouse::api {

// OpenAI's cap on top_logprobs, and vLLM's on logprobs (max_logprobs).
inline constexpr int64_t kMaxTopLogprobs = 20;

// The fields chat and completion requests share.
struct OpenAiCommon {
  std::optional<std::string> model;
  std::optional<int64_t> n;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> top_k;
  std::optional<double> min_p;
  std::optional<double> repetition_penalty;
  double frequency_penalty = 0.0;
  double presence_penalty = 0.0;
  std::optional<int64_t> seed;
  bool ignore_eos = false;
  int64_t min_tokens = 0;
  std::vector<int64_t> stop_token_ids;
  std::vector<std::pair<int32_t, float>> logit_bias;  // token id -> bias, clamped to [-100, 100]
  std::vector<std::string> stop;                      // none empty
  bool include_stop_str_in_output = false;
  bool skip_special_tokens = true;
  bool stream = false;
  bool include_usage = false;     // stream_options.include_usage (true when stream_options is given)
  bool continuous_usage = false;  // stream_options.continuous_usage_stats
  std::optional<bool> return_tokens_as_token_ids;
  std::optional<int64_t> prompt_logprobs;  // never with stream
  std::optional<std::string> user;
  std::optional<std::string> request_id;
};

// What a chat's prompt is made of: the messages and what the chat template is given besides.
struct ChatPrompt {
  // Objects with a string "role"; "content" is a string or null (text parts joined by newlines,
  // vLLM's "string" content format), other keys as sent.
  boost::json::array messages;
  size_t content_bytes = 0;            // the text of every content
  boost::json::object template_kwargs;  // chat_template_kwargs, less chat_template
  std::optional<std::string> chat_template;  // chat_template, or chat_template_kwargs.chat_template
  bool add_generation_prompt = true;
  bool continue_final_message = false;
  std::optional<boost::json::value> tools;
  std::optional<boost::json::value> documents;
};

struct ChatRequest : OpenAiCommon {
  ChatPrompt prompt;
  bool logprobs = false;
  int64_t top_logprobs = 0;  // in [0, kMaxTopLogprobs]; above 0 only with logprobs
  std::optional<int64_t> max_tokens;         // max_completion_tokens, else max_tokens
  std::string max_tokens_param = "max_tokens";  // which of the two gave it
  bool add_special_tokens = false;
  std::optional<bool> parallel_tool_calls;
};

// One prompt of a completion request: a text, or token ids (never empty).
struct CompletionPrompt {
  std::string param;  // "prompt", or "prompt[i]" for token ids in a list
  std::optional<std::string> text;
  std::vector<int64_t> token_ids;
};

struct CompletionRequest : OpenAiCommon {
  std::vector<CompletionPrompt> prompts;  // at least one
  bool echo = false;
  std::optional<int64_t> logprobs;  // in [0, kMaxTopLogprobs]
  std::optional<int64_t> max_tokens;
  bool add_special_tokens = true;
};

ChatRequest read_chat_request(RequestFields& fields);
CompletionRequest read_completion_request(RequestFields& fields);
// The chat fields alone (the chat form of vLLM's /tokenize).
ChatPrompt read_chat_prompt(RequestFields& fields);

}  // namespace gatehouse::api
