#include "engine/sampling_params.h"

#include <charconv>
#include <cmath>

#include "base/error.h"

namespace gatehouse::engine {
namespace {

// Gatehouse's cap on n (vLLM's VLLM_MAX_N_SEQUENCES defaults to 16384; a CPU engine wants less).
constexpr int64_t kMaxN = 128;
// vLLM's default max_logprobs, and OpenAI's cap on top_logprobs.
constexpr int64_t kMaxLogprobs = 20;

// Shortest text that reads back as the same double ("1.5", "1e+300", "inf", "nan").
std::string number(double value) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

[[noreturn]] void fail(const std::string& parameter, const std::string& message) {
  throw InvalidParameter(parameter, message);
}

void check_token(const char* parameter, int64_t token, int64_t vocab_size) {
  if (token < 0 || token >= vocab_size) {
    fail(parameter, std::string(parameter) + " contains token id " + std::to_string(token) +
         ", outside the vocabulary [0, " + std::to_string(vocab_size) + ")");
  }
}

}  // namespace

void SamplingParams::validate(int64_t vocab_size) const {
  if (n < 1) fail("n", "n must be at least 1, got " + std::to_string(n));
  if (n > kMaxN) {
    fail("n", "n must be at most " + std::to_string(kMaxN) + " (Gatehouse's limit), got " +
         std::to_string(n));
  }
  if (!(presence_penalty >= -2.0 && presence_penalty <= 2.0)) {
    fail("presence_penalty", "presence_penalty must be in [-2, 2], got " + number(presence_penalty));
  }
  if (!(frequency_penalty >= -2.0 && frequency_penalty <= 2.0)) {
    fail("frequency_penalty", "frequency_penalty must be in [-2, 2], got " + number(frequency_penalty));
  }
  if (!std::isfinite(repetition_penalty)) {
    fail("repetition_penalty", "repetition_penalty must be a finite number, got " + number(repetition_penalty));
  }
  if (!(repetition_penalty > 0.0)) {
    fail("repetition_penalty", "repetition_penalty must be greater than zero, got " + number(repetition_penalty));
  }
  if (!std::isfinite(temperature)) {
    fail("temperature", "temperature must be a finite number, got " + number(temperature));
  }
  if (temperature < 0.0) fail("temperature", "temperature must be non-negative, got " + number(temperature));
  if (!(top_p > 0.0 && top_p <= 1.0)) fail("top_p", "top_p must be in (0, 1], got " + number(top_p));
  if (top_k < -1) {
    fail("top_k", "top_k must be 0 or -1 (disable), or at least 1, got " + std::to_string(top_k));
  }
  if (!(min_p >= 0.0 && min_p <= 1.0)) fail("min_p", "min_p must be in [0, 1], got " + number(min_p));
  if (logprobs && (*logprobs < 0 || *logprobs > kMaxLogprobs)) {
    fail("logprobs", "logprobs must be in [0, " + std::to_string(kMaxLogprobs) + "], got " +
         std::to_string(*logprobs));
  }
  if (prompt_logprobs && (*prompt_logprobs < 0 || *prompt_logprobs > kMaxLogprobs)) {
    fail("prompt_logprobs", "prompt_logprobs must be in [0, " + std::to_string(kMaxLogprobs) + "], got " +
         std::to_string(*prompt_logprobs));
  }
  if (max_tokens < 1) fail("max_tokens", "max_tokens must be at least 1, got " + std::to_string(max_tokens));
  if (min_tokens < 0) {
    fail("min_tokens", "min_tokens must be greater than or equal to 0, got " + std::to_string(min_tokens));
  }
  if (min_tokens > max_tokens) {
    fail("min_tokens", "min_tokens must be less than or equal to max_tokens=" + std::to_string(max_tokens) +
         ", got " + std::to_string(min_tokens));
  }
  for (int32_t token : stop_token_ids) check_token("stop_token_ids", token, vocab_size);
  for (const auto& [token, bias] : logit_bias) {
    check_token("logit_bias", token, vocab_size);
    if (!std::isfinite(bias)) {
      fail("logit_bias", "logit_bias for token " + std::to_string(token) + " must be a finite number, got " +
           number(bias));
    }
  }
}

}  // namespace gatehouse::engine
