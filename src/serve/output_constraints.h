// Structured output for a served model: a request's OutputConstraint compiled (JSON Schema,
// regex, choice or EBNF) into a grammar over the model's vocabulary, and handed to the engine as
// the factory of each sequence's constraint. Compiled grammars are cached by their text (the
// most recent kCachedGrammars), so a schema used again starts with its token masks already
// computed. The vocabulary's bytes are read from the tokenizer on the first constrained request.
// Thread-safe; one per served model.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/token_constraint.h"
#include "grammar/compiled_grammar.h"
#include "grammar/json_schema.h"
#include "serve/structured_output.h"
#include "tokenizer/tokenizer.h"

namespace gatehouse::serve {

// How JSON output may be spaced: whitespace between tokens (vLLM's default), but a run of it
// capped, so that a model cannot spend its whole budget on grammar-legal whitespace (a known vLLM
// failure). Read from --structured-outputs-config (JSON; "" gives the defaults); a bad value is
// an Error(invalid_argument) saying which.
inline constexpr int kDefaultMaxWhitespace = 20;
grammar::JsonSchemaOptions read_structured_outputs_config(const std::string& json);

class OutputConstraints {
 public:
  static constexpr size_t kCachedGrammars = 64;

  // `end_tokens`: the ids that end a sequence (allowed where the grammar is complete);
  // `logits_size`: the model's vocabulary size (the width of its logits).
  OutputConstraints(const tokenizer::Tokenizer& tokenizer, std::vector<int32_t> end_tokens, int64_t logits_size,
                    grammar::JsonSchemaOptions json_options = {.max_whitespace = kDefaultMaxWhitespace});

  // Throws InvalidParameter on constraint.source when the constraint does not compile (an
  // invalid or unsupported schema, regex or grammar), saying why. With `starts_after` (the end
  // of a thinking model's reasoning, "</think>"), every token is allowed until that text has
  // been generated: structured output applies to the answer only, as in vLLM.
  std::shared_ptr<const engine::TokenConstraintFactory> factory(const OutputConstraint& constraint,
                                                                const std::string& starts_after = "");

 private:
  std::shared_ptr<grammar::CompiledGrammar> compiled(const OutputConstraint& constraint);
  const std::shared_ptr<const grammar::TokenVocabulary>& vocabulary();  // under mutex_

  const tokenizer::Tokenizer& tokenizer_;
  const std::vector<int32_t> end_tokens_;
  const int64_t logits_size_;
  const grammar::JsonSchemaOptions json_options_;
  std::mutex mutex_;
  std::shared_ptr<const grammar::TokenVocabulary> vocabulary_;
  std::list<std::string> recent_;  // cache keys, most recent first
  std::unordered_map<std::string, std::pair<std::shared_ptr<grammar::CompiledGrammar>, std::list<std::string>::iterator>> cache_;
};

}  // namespace gatehouse::serve
