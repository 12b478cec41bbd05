// Pieces every OpenAI-shaped answer shares, whoever produces it (the model server, the gateway):
// ids, timestamps, usage, and logprobs as JSON can carry them. Thread-safe.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::api {

// prefix + 32 random hex digits, as vLLM's "chatcmpl-..." ids.
std::string random_id(std::string_view prefix);
// Seconds since the epoch, as the answers' "created".
int64_t unix_time();

// The logprob of -inf as JSON can carry it (vLLM's -9999.0).
double json_logprob(float logprob);

// {"prompt_tokens", "total_tokens", "completion_tokens", "prompt_tokens_details"}; the details are
// {"cached_tokens": N} when given, else null.
boost::json::object usage_json(int64_t prompt_tokens, int64_t completion_tokens, std::optional<int64_t> cached_tokens);

}  // namespace gatehouse::api
