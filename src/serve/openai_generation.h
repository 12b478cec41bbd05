// The OpenAI answers to a generation: chat completions and (legacy) completions, either as one
// JSON body when every choice is done, or as server-sent events chunk by chunk (the role chunk
// first, a chunk per step and choice, the finish reason with the last text, the usage chunk when
// asked for, then [DONE]), in exactly vLLM's shapes. Chat answers go through ChatShaping (reasoning
// and tool calls; serve/chat_output.h).
#pragma once

#include <boost/json/object.hpp>

#include <memory>
#include <string>
#include <vector>

#include "serve/generation.h"
#include "serve/openai_request.h"
#include "serve/served_model.h"

namespace gatehouse::serve {

class OpenAiGeneration : public Generation {
 protected:
  OpenAiGeneration(const ServedModel& model, std::string id, OpenAiRequest request, const char* chunk_object);

  void on_progress(const Choice& choice, const std::string& text, size_t first_new_token) final;
  void on_complete() final;

  // The choice object of one streamed chunk; empty when there is nothing to send.
  virtual boost::json::object stream_choice(const Choice& choice, const std::string& text, size_t first_new_token) = 0;
  // Called once, before the first chunk.
  virtual void on_first_chunk() {}
  virtual boost::json::object full_response() = 0;

  void send_chunk(boost::json::array choices, bool with_usage);
  boost::json::value stop_reason(const Choice& choice) const;
  boost::json::object usage() const;
  // vLLM's prompt_logprobs of one prompt: null first, then {"<id>": {logprob, rank, decoded_token}}
  // per token (the prompt's token and the top alternatives); null when not asked for.
  boost::json::value vllm_prompt_logprobs(int64_t prompt) const;

  const ServedModel& model_;
  const OpenAiRequest request_;
  const int64_t created_;

 private:
  const char* chunk_object_;
  bool started_ = false;
};

class ChatGeneration final : public OpenAiGeneration {
 public:
  ChatGeneration(const ServedModel& model, OpenAiRequest request);

 private:
  boost::json::object stream_choice(const Choice& choice, const std::string& text, size_t first_new_token) override;
  void on_first_chunk() override;
  boost::json::object full_response() override;
  boost::json::value logprobs(const Choice& choice, size_t from) const;

  std::vector<ChatOutputStream> outputs_;  // per choice, when streaming
};

class CompletionGeneration final : public OpenAiGeneration {
 public:
  CompletionGeneration(const ServedModel& model, OpenAiRequest request);

 private:
  boost::json::object stream_choice(const Choice& choice, const std::string& text, size_t first_new_token) override;
  boost::json::object full_response() override;
  // The legacy logprobs object for tokens [from, end); advances the choice's text offset.
  boost::json::value logprobs(const Choice& choice, size_t from);

  std::vector<int64_t> text_offset_;  // per choice, in characters
  std::vector<bool> echoed_;          // per choice: the prompt text went out
  std::vector<bool> prompt_scored_;   // per choice: the prompt's logprobs went out (echo)
};

}  // namespace gatehouse::serve
