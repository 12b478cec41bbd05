// The gateway's SDK: one OpenAI-format call over many upstreams. A request's `model` names the
// provider and the upstream ("huggingface/https://<endpoint>", "huggingface/org/model:fastest",
// "openai/gpt-4o", "hosted_vllm/<name>", "gatehouse/<deployment>"; docs/gateway_sdk.md has the rules);
// the answer is OpenAI's chat.completion / text_completion JSON (or its chunks) with `model` as the
// caller gave it. Every upstream failure throws UpstreamError with LiteLLM's status; a request that
// cannot be sent at all (no such provider, a missing api_base) throws InvalidParameter.
// Callable from any number of threads at once: each thread keeps its own keep-alive connections,
// and what is cached per endpoint (its model id, its chat template) is shared under a lock.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "base/secret_string.h"
#include "gateway/upstream_error.h"

namespace gatehouse::gateway {

enum class Endpoint { chat, text };  // /v1/chat/completions, /v1/completions

struct CompletionRequest {
  Endpoint endpoint = Endpoint::chat;
  boost::json::object body;  // the OpenAI request; body["model"] is the provider string
  std::optional<std::string> api_base;
  // The key sent upstream; without one, the provider's environment (HF_TOKEN, HUGGINGFACE_API_KEY,
  // OPENAI_API_KEY, ...). Sent only as the Authorization header, never in a message or a log.
  std::optional<SecretString> api_key;
  // The key of a control-plane secret (litellm_params.api_key_secret): sent when neither api_key
  // nor the provider's environment gives one.
  std::optional<SecretString> secret_key;
  std::chrono::milliseconds timeout{600000};  // the whole upstream exchange; past it, 408
  // Polled while waiting (at least once a second); true aborts the upstream transfer (closing its
  // connection) and the call throws UpstreamError(499), which is not retryable.
  std::function<bool()> cancelled;
};

// The whole answer: OpenAI's response JSON, `model` as given.
boost::json::object complete(const CompletionRequest& request);

// Each OpenAI chunk in order (chat.completion.chunk or text_completion; [DONE] is not passed).
// Throws UpstreamError, also after chunks were delivered (a stream cut mid-way); the caller knows
// from its own on_chunk whether any was, and retries elsewhere only before the first. An exception
// thrown by on_chunk aborts the upstream transfer and propagates unchanged.
void complete_stream(const CompletionRequest& request, const std::function<void(boost::json::object chunk)>& on_chunk);

}  // namespace gatehouse::gateway
