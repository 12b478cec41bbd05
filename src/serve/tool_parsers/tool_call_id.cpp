#include "serve/tool_parsers/tool_call_id.h"

#include <random>

#include "api/openai_format.h"

namespace gatehouse::serve::tool_parsers {

std::string make_tool_call_id() { return api::random_id("chatcmpl-tool-"); }

std::string make_mistral_tool_call_id() {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static thread_local std::mt19937_64 generator = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  std::string id;
  for (int i = 0; i < 9; ++i) id += kAlphabet[pick(generator)];
  return id;
}

}  // namespace gatehouse::serve::tool_parsers
