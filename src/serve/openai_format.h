// Pieces every OpenAI-shaped answer shares: ids, timestamps, usage, and how one token is shown
// in logprobs (its text, or "token_id:N" with return_tokens_as_token_ids).
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tokenizer/tokenizer.h"

namespace gatehouse::serve {

// prefix + 32 random hex digits, as vLLM's "chatcmpl-..." ids.
std::string random_id(std::string_view prefix);
int64_t unix_time();

// The logprob of -inf as JSON can carry it (vLLM's -9999.0).
double json_logprob(float logprob);

// A token as logprobs show it.
std::string token_text(const tokenizer::Tokenizer& tokenizer, int32_t token, bool as_token_ids);

// {"prompt_tokens", "total_tokens", "completion_tokens", "prompt_tokens_details"}; the details are
// {"cached_tokens": N} when given, else null.
boost::json::object usage_json(int64_t prompt_tokens, int64_t completion_tokens, std::optional<int64_t> cached_tokens);

}  // namespace gatehouse::serve
