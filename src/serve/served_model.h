// The model a server serves and what every API handler needs to answer for it: its names, its
// tokenizer and chat template, its limits and sampling defaults, the engine loop and the metrics.
// Built once at startup; read-only afterwards (the loop and metrics are thread-safe).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/loader/generation_config.h"
#include "serve/engine_loop.h"
#include "serve/metrics.h"
#include "serve/output_constraints.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace gatehouse::serve {

class ReasoningParser;
class ToolParser;

// --max-prompt-bytes' default: about 250k tokens of English, more than any context served here.
inline constexpr size_t kDefaultMaxPromptBytes = 1 << 20;

struct GenerationSpec;

struct ServedModel {
  std::vector<std::string> names;  // --served-model-name (or the --model value); the first is reported
  std::string root;                // the --model value, as /v1/models reports it
  std::string revision;            // the commit served, when it came from a Hub
  const tokenizer::Tokenizer* tokenizer = nullptr;
  std::optional<tokenizer::ChatTemplate> chat_template;
  engine::GenerationConfig defaults;  // sampling defaults (empty with --generation-config vllm)
  int64_t max_model_len = 0;
  int64_t vocab_size = 0;
  int64_t max_num_seqs = 0;
  size_t max_prompt_bytes = kDefaultMaxPromptBytes;  // --max-prompt-bytes: the longest prompt text tokenized
  bool return_tokens_as_token_ids = false;
  bool enable_prompt_tokens_details = false;
  bool trust_request_chat_template = false;  // a request's own chat_template is rendered, not refused
  // --tool-call-parser, when --enable-auto-tool-choice is given too (as in vLLM, the parser is
  // used only then); null: tool_choice other than "none" is refused.
  std::shared_ptr<const ToolParser> tool_parser;
  bool exclude_tools_when_tool_choice_none = false;
  std::shared_ptr<const ReasoningParser> reasoning_parser;  // --reasoning-parser; null: none
  std::shared_ptr<OutputConstraints> output_constraints;     // structured output; null: refused
  EngineLoop* loop = nullptr;
  Metrics* metrics = nullptr;

  const std::string& name() const { return names.front(); }
  // Throws Error(not_found) in vLLM's words when a request names a model this server does not serve.
  // As TGI (which answers any name), the names Hugging Face's clients send to an endpoint URL are
  // this model too: "tgi", and a URL (http:// or https://...), since the server serves one model.
  void check_requested(const std::optional<std::string>& requested) const;
  // Throws InvalidParameter on `param` when a prompt text is longer than --max-prompt-bytes.
  void check_prompt_bytes(size_t bytes, const std::string& param) const;
  // The ids of one prompt text, within the server's limits: a text over --max-prompt-bytes is
  // refused before tokenizing, and tokenizing stops as soon as the text is known to give more
  // than max_model_len ids, a prompt that can never fit (InvalidParameter on `param`, in vLLM's
  // words). Every route that tokenizes request text goes through here.
  std::vector<uint32_t> encode_prompt(std::string_view text, bool add_special_tokens, const std::string& param) const;
  // Gives spec.params the engine constraint of spec.constraint, when there is one (compiled, or
  // InvalidParameter saying why not). `starts_after`: see OutputConstraints::factory.
  void constrain(GenerationSpec& spec, const std::string& starts_after = "") const;
};

}  // namespace gatehouse::serve
