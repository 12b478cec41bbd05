#include "api/openai_format.h"

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <random>

namespace gatehouse::api {

std::string random_id(std::string_view prefix) {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(prefix);
  for (int half = 0; half < 2; ++half) {
    uint64_t bits = generator();
    for (int i = 0; i < 16; ++i, bits >>= 4) id += kHex[bits & 15];
  }
  return id;
}

int64_t unix_time() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double json_logprob(float logprob) { return std::isfinite(logprob) ? static_cast<double>(logprob) : -9999.0; }

boost::json::object usage_json(int64_t prompt_tokens, int64_t completion_tokens, std::optional<int64_t> cached_tokens) {
  boost::json::object usage{{"prompt_tokens", prompt_tokens},
                            {"total_tokens", prompt_tokens + completion_tokens},
                            {"completion_tokens", completion_tokens}};
  usage["prompt_tokens_details"] =
      cached_tokens ? boost::json::value(boost::json::object{{"cached_tokens", *cached_tokens}}) : boost::json::value(nullptr);
  return usage;
}

}  // namespace gatehouse::api
