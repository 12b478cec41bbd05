// One API request in flight, whatever its protocol: the engine requests of its prompts, the text of
// each sequence as it grows (TextOutput: detokenization and stop strings) and what it has produced
// so far. Protocol classes (chat, completions, TGI) derive from it and turn each step's new text
// into server-sent events, or build one answer when every sequence is done. Updates arrive on the
// engine thread; a client that goes away cancels the engine requests from a server thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "http/server.h"
#include "serve/engine_loop.h"
#include "serve/structured_output.h"
#include "serve/text_output.h"
#include "tokenizer/tokenizer.h"

namespace gatehouse::serve {

// What to generate: one or more prompts, each sampled n times.
struct GenerationSpec {
  std::vector<std::vector<int32_t>> prompts;
  engine::SamplingParams params;
  std::vector<uint64_t> seeds;  // when given, one per prompt, in place of params.seed
  StopStrings stop;
  bool skip_special_tokens = true;
  std::optional<OutputConstraint> constraint;  // structured output, applied to the answer
};

// One sequence of the answer ("choice"), accumulated.
struct Choice {
  int64_t index = 0;         // prompt index * n + sample index
  int64_t prompt_index = 0;
  std::vector<int32_t> tokens;
  std::vector<engine::SampledToken> logprobs;  // one per token when logprobs were asked for
  std::optional<std::string> finish_reason;    // "stop", "length" or "abort" once finished
  std::optional<int32_t> stop_token;           // the stop_token_ids entry that ended it
  std::optional<std::string> stop_string;      // the stop string that ended it
  std::unique_ptr<TextOutput> text;
};

class Generation : public RequestObserver, public std::enable_shared_from_this<Generation> {
 public:
  Generation(const tokenizer::Tokenizer& tokenizer, std::string id, GenerationSpec spec);
  ~Generation() override;

  // Submits the prompts to the loop and returns the response the generation will answer through:
  // server-sent events when `events`, else one JSON body. The request lives as long as the
  // client's connection. Throws Error(unavailable) when the loop refuses (overload).
  http::Response start(EngineLoop& loop, bool events);

  bool on_update(engine::SequenceUpdate& update) final;
  void on_failed(const std::string& request_id, const Error& error) final;

 protected:
  // A step's news for one choice: `text` became final and tokens [first_new_token, end) arrived.
  virtual void on_progress(const Choice& choice, const std::string& text, size_t first_new_token) = 0;
  // Every choice has finished.
  virtual void on_complete() = 0;
  // The request failed; the default answers with the OpenAI error envelope, or, once streaming has
  // begun, with an error event and [DONE].
  virtual void on_error(const Error& error);

  const std::string& id() const { return id_; }
  const GenerationSpec& spec() const { return spec_; }
  const std::vector<Choice>& choices() const { return choices_; }
  const tokenizer::Tokenizer& tokenizer() const { return tokenizer_; }
  http::ResponseStream& stream() { return *stream_; }
  int64_t prompt_tokens() const;
  // The prompt's logprobs (entry i scores prompt token i + 1), once its first token came; empty
  // unless spec().params.prompt_logprobs is set.
  const std::vector<engine::SampledToken>& prompt_logprobs(int64_t prompt) const {
    return prompt_logprobs_[static_cast<size_t>(prompt)];
  }
  int64_t cached_prompt_tokens() const { return cached_prompt_tokens_; }
  int64_t completion_tokens() const;
  // One OpenAI-style server-sent event (api/sse.h), and the stream's closing [DONE].
  void send_event(const std::string& json);
  void send_done();
  // Ends the request's count as pending in the loop; called before the answer's last bytes go
  // out (and by the destructor when the answer never went out).
  void release();
  bool streaming_started() const { return streaming_started_; }

 private:
  const tokenizer::Tokenizer& tokenizer_;
  std::string id_;
  GenerationSpec spec_;
  std::vector<Choice> choices_;
  std::vector<std::string> engine_ids_;  // one per prompt
  std::shared_ptr<http::ResponseStream> stream_;
  EngineLoop* loop_ = nullptr;
  bool pending_ = false;  // counted as pending by the loop
  int64_t unfinished_ = 0;
  int64_t cached_prompt_tokens_ = 0;
  std::vector<bool> cache_counted_;  // per prompt
  std::vector<std::vector<engine::SampledToken>> prompt_logprobs_;  // per prompt
  bool failed_ = false;
  bool streaming_started_ = false;
};

}  // namespace gatehouse::serve
