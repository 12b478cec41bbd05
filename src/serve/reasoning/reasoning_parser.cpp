#include "serve/reasoning/reasoning_parser.h"

#include <array>

#include "base/error.h"
#include "serve/reasoning/think_block.h"

namespace gatehouse::serve {
namespace {

using Start = ThinkBlockRules::Start;

// DeepSeek-R1: its templates open <think> in the prompt, so all text is reasoning until </think>
// (a <think> the model writes is dropped); an answer cut short is all reasoning.
ThinkBlockRules deepseek_r1(const ReasoningOptions&) { return {Start::reasoning, false}; }

// Qwen3 (the parser of Qwen3.5's templates, which open <think> in the prompt): as DeepSeek-R1,
// except that chat_template_kwargs.enable_thinking=false makes everything content, and a tool
// call written inside the thinking ends it.
ThinkBlockRules qwen3(const ReasoningOptions& options) {
  return options.thinking ? ThinkBlockRules{Start::reasoning, true} : ThinkBlockRules{Start::content, false};
}

// Models that write the whole block themselves: reasoning only when the answer opens with <think>.
ThinkBlockRules think(const ReasoningOptions&) { return {Start::open_tag, false}; }

using Rules = ThinkBlockRules (*)(const ReasoningOptions&);

struct Entry {
  std::string_view name;
  Rules rules;
};
constexpr std::array kParsers = {Entry{"deepseek_r1", deepseek_r1}, Entry{"qwen3", qwen3}, Entry{"think", think}};

class ThinkTagParser final : public ReasoningParser {
 public:
  explicit ThinkTagParser(Rules rules) : rules_(rules) {}

  ReasoningSplit split(std::string_view text, const ReasoningOptions& options) const override {
    return split_think_block(text, rules_(options));
  }
  std::unique_ptr<ReasoningStream> stream(const ReasoningOptions& options) const override {
    return std::make_unique<ThinkBlockStream>(rules_(options));
  }

 private:
  Rules rules_;
};

}  // namespace

std::unique_ptr<ReasoningParser> make_reasoning_parser(std::string_view name) {
  for (const Entry& entry : kParsers) {
    if (entry.name == name) return std::make_unique<ThinkTagParser>(entry.rules);
  }
  std::string names;
  for (const std::string& known : reasoning_parser_names()) names += (names.empty() ? "" : ",") + known;
  // vLLM's words.
  throw Error(ErrorCode::invalid_argument, "invalid reasoning parser: " + std::string(name) + " (chose from { " + names + " })");
}

std::vector<std::string> reasoning_parser_names() {
  std::vector<std::string> names;
  for (const Entry& entry : kParsers) names.emplace_back(entry.name);
  return names;
}

}  // namespace gatehouse::serve
