// Translation between OpenAI's request and answer formats and TGI's native /generate and
// /generate_stream, following LiteLLM's Hugging Face provider (its parameter map and the seed's
// answer shape: `message.logprobs` the sum of the token logprobs) and adding what it left out:
// usage from TGI's own token counts, finish reasons mapped to OpenAI's, and OpenAI's standard
// `logprobs` when asked. Pure functions and a per-stream translator; no I/O.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/completion.h"

namespace gatehouse::gateway::providers {

// What the caller asked for that shapes the answer.
struct AnswerShape {
  Endpoint endpoint = Endpoint::chat;
  std::string model;  // as the caller gave it
  std::string id;     // "chatcmpl-..." or "cmpl-..."
  std::int64_t created = 0;
  bool logprobs = false;          // chat: logprobs: true; text: logprobs: N given
  std::int64_t top_logprobs = 0;  // chat: top_logprobs; text: the N of logprobs
  bool include_usage = false;     // stream_options.include_usage
};

// The request's shape (id and created filled in now).
AnswerShape answer_shape(const boost::json::object& openai_body, Endpoint endpoint);

// The TGI request body for `inputs`: {"inputs", "parameters", "stream"}. LiteLLM's map:
// temperature 0 -> 0.01, max_tokens / max_completion_tokens -> max_new_tokens (0 -> 1), n ->
// best_of with do_sample, top_p (1 dropped: TGI wants it below 1), stop, seed, frequency_penalty,
// top_logprobs -> top_n_tokens; details: true and return_full_text: false (true for echo); for
// chat, whose inputs are a rendered template, add_special_tokens: false as TGI's chat route sends.
// Throws InvalidParameter for fields TGI's native route cannot honour (tools, response_format
// other than text, n > 1 when streaming) or of the wrong type.
boost::json::object tgi_request(const boost::json::object& openai_body, Endpoint endpoint, std::string inputs, bool stream);

// TGI's finish reason as OpenAI's: eos_token and stop_sequence -> stop, length -> length.
std::string openai_finish_reason(std::string_view tgi_reason);

// Counts the prompt's tokens when the endpoint did not say how many there were.
using PromptCounter = std::function<std::int64_t()>;

// A /generate answer (an object, or the compat route's one-element list) as OpenAI's answer;
// prompt_tokens is TGI's own count (its x-prompt-tokens header), else count_prompt's. Throws
// UpstreamError(502) when the answer lacks generated_text or has the wrong shape.
boost::json::object openai_answer(const boost::json::value& tgi, const AnswerShape& shape,
                                  std::optional<std::int64_t> prompt_tokens, const PromptCounter& count_prompt,
                                  std::string_view url);

// Turns /generate_stream's events, in order, into OpenAI chunks: the role first, a delta per token
// (special tokens carry no text), the finish reason last, then usage when asked for.
class TgiStreamTranslator {
 public:
  using ChunkSink = std::function<void(boost::json::object)>;
  // count_prompt: for the usage chunk, when the last event does not carry details.input_length.
  TgiStreamTranslator(AnswerShape shape, std::string url, PromptCounter count_prompt, ChunkSink sink);

  // One event's data. Throws UpstreamError for an error event or one that cannot be read.
  void on_event(std::string_view data);
  // After the stream ended: throws UpstreamError(502) when its last event never came.
  void finish() const;
 private:
  boost::json::object chunk(boost::json::object choice) const;

  AnswerShape shape_;
  std::string url_;
  PromptCounter count_prompt_;
  ChunkSink sink_;
  bool started_ = false;
  bool finished_ = false;
  std::int64_t generated_ = 0;
};

}  // namespace gatehouse::gateway::providers
