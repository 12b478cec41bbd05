#include "serve/output_constraints.h"

#include <boost/json.hpp>

#include <algorithm>

#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "grammar/choice.h"
#include "grammar/ebnf.h"
#include "grammar/json_schema.h"
#include "grammar/matcher.h"
#include "grammar/regex.h"
#include "grammar/structural_tag.h"
#include "tokenizer/token_bytes.h"

namespace gatehouse::serve {
namespace {

namespace bj = boost::json;

// One sequence's grammar state, dormant until the reasoning's end when there is one.
class GrammarConstraint final : public engine::TokenConstraint {
 public:
  GrammarConstraint(std::shared_ptr<grammar::CompiledGrammar> grammar, std::optional<int32_t> start_token,
                    std::string start_text)
      : matcher_(grammar), grammar_(std::move(grammar)), start_token_(start_token), start_text_(std::move(start_text)),
        started_(!start_token_ && start_text_.empty()) {}

  void allowed_tokens(std::span<uint32_t> allowed) override {
    if (started_) {
      matcher_.fill_mask(allowed);
    } else {
      std::fill(allowed.begin(), allowed.end(), ~uint32_t{0});
    }
  }

  void accept(int32_t token) override {
    if (started_) {
      matcher_.accept(token);
      return;
    }
    if (start_token_) {
      started_ = token == *start_token_;
      return;
    }
    // The end of reasoning spans several tokens: watch the text, keeping only what could be a
    // prefix of it.
    const grammar::TokenVocabulary& vocabulary = grammar_->vocabulary();
    if (vocabulary.is_text(token)) seen_ += vocabulary.bytes(token);
    if (seen_.find(start_text_) != std::string::npos) {
      started_ = true;
    } else if (seen_.size() > start_text_.size()) {
      seen_.erase(0, seen_.size() - start_text_.size());
    }
  }

 private:
  grammar::GrammarMatcher matcher_;
  std::shared_ptr<grammar::CompiledGrammar> grammar_;
  std::optional<int32_t> start_token_;
  std::string start_text_;
  std::string seen_;
  bool started_;
};

class GrammarConstraintFactory final : public engine::TokenConstraintFactory {
 public:
  GrammarConstraintFactory(std::shared_ptr<grammar::CompiledGrammar> grammar, std::optional<int32_t> start_token,
                           std::string start_text)
      : grammar_(std::move(grammar)), start_token_(start_token), start_text_(std::move(start_text)) {}
  std::unique_ptr<engine::TokenConstraint> start() const override {
    return std::make_unique<GrammarConstraint>(grammar_, start_token_, start_text_);
  }

 private:
  std::shared_ptr<grammar::CompiledGrammar> grammar_;
  std::optional<int32_t> start_token_;
  std::string start_text_;
};

grammar::Grammar compile(const OutputConstraint& constraint, const grammar::JsonSchemaOptions& options) {
  switch (constraint.kind) {
    case OutputConstraint::Kind::json_object:
      return grammar::compile_json_object(options);
    case OutputConstraint::Kind::json_schema: {
      const std::optional<bj::value> schema = json::try_parse(constraint.spec);
      if (!schema) throw Error(ErrorCode::invalid_argument, "Invalid JSON grammar specification: the schema is not JSON");
      return grammar::compile_json_schema(*schema, options);
    }
    case OutputConstraint::Kind::regex:
      return grammar::compile_regex(constraint.spec);
    case OutputConstraint::Kind::grammar:
      if (constraint.spec.empty()) throw Error(ErrorCode::invalid_argument, "structured_outputs.grammar cannot be an empty string");
      return grammar::compile_ebnf(constraint.spec);
    case OutputConstraint::Kind::structural_tag:
      return grammar::compile_structural_tag(json::parse(constraint.spec, "the structural tag"), options);
    case OutputConstraint::Kind::choice: {
      const bj::value parsed = json::parse(constraint.spec, "the choices");
      std::vector<std::string> choices;
      for (const bj::value& choice : parsed.as_array()) choices.emplace_back(choice.as_string());
      return grammar::compile_choice(choices);
    }
  }
  throw Error(ErrorCode::internal, "unknown output constraint");
}

}  // namespace

grammar::JsonSchemaOptions read_structured_outputs_config(const std::string& text) {
  grammar::JsonSchemaOptions options{.max_whitespace = kDefaultMaxWhitespace};
  if (text.empty()) return options;
  const std::optional<bj::value> config = json::try_parse(text);
  if (!config || !config->is_object()) throw Error(ErrorCode::invalid_argument, "--structured-outputs-config must be a JSON object");
  for (const auto& [key, value] : config->get_object()) {
    if (key == "disable_any_whitespace" && value.is_bool()) {
      options.any_whitespace = !value.get_bool();
    } else if (key == "max_whitespace" && value.is_int64() && value.get_int64() >= -1 && value.get_int64() <= 1000) {
      options.max_whitespace = static_cast<int>(value.get_int64());
    } else if (key == "backend" && value.is_string()) {
      // One grammar engine serves every backend name.
    } else {
      throw Error(ErrorCode::invalid_argument, "--structured-outputs-config: '" + std::string(key) +
                                                   "' is not a known setting or has the wrong type (disable_any_whitespace: "
                                                   "boolean, max_whitespace: -1 to 1000, backend: string)");
    }
  }
  return options;
}

OutputConstraints::OutputConstraints(const tokenizer::Tokenizer& tokenizer, std::vector<int32_t> end_tokens,
                                     int64_t logits_size, grammar::JsonSchemaOptions json_options)
    : tokenizer_(tokenizer), end_tokens_(std::move(end_tokens)), logits_size_(logits_size), json_options_(json_options) {}

const std::shared_ptr<const grammar::TokenVocabulary>& OutputConstraints::vocabulary() {
  if (!vocabulary_) {
    // Masks are exactly as wide as the model's logits (the sampler's row): tokenizer ids past them
    // can never be drawn, so they are left out rather than widening the mask.
    auto tokens = tokenizer::token_bytes(tokenizer_);
    if (static_cast<int64_t>(tokens.size()) > logits_size_) tokens.resize(static_cast<size_t>(logits_size_));
    vocabulary_ = std::make_shared<grammar::TokenVocabulary>(std::move(tokens), end_tokens_, logits_size_);
  }
  return vocabulary_;
}

std::shared_ptr<grammar::CompiledGrammar> OutputConstraints::compiled(const OutputConstraint& constraint) {
  const std::string key = std::to_string(static_cast<int>(constraint.kind)) + ":" + constraint.spec;
  {
    std::lock_guard lock(mutex_);
    if (auto found = cache_.find(key); found != cache_.end()) {
      recent_.splice(recent_.begin(), recent_, found->second.second);
      return found->second.first;
    }
  }
  grammar::Grammar grammar = [&] {
    try {
      return compile(constraint, json_options_);
    } catch (const Error& error) {
      throw InvalidParameter(constraint.source, error.what());
    }
  }();
  std::lock_guard lock(mutex_);
  auto compiled = std::make_shared<grammar::CompiledGrammar>(std::move(grammar), vocabulary());
  if (cache_.count(key)) return cache_.at(key).first;  // compiled meanwhile by another request
  recent_.push_front(key);
  cache_.emplace(key, std::make_pair(compiled, recent_.begin()));
  if (recent_.size() > kCachedGrammars) {
    cache_.erase(recent_.back());
    recent_.pop_back();
  }
  return compiled;
}

std::shared_ptr<const engine::TokenConstraintFactory> OutputConstraints::factory(const OutputConstraint& constraint,
                                                                                 const std::string& starts_after) {
  std::optional<int32_t> start_token;
  if (!starts_after.empty()) {
    if (auto id = tokenizer_.token_to_id(starts_after)) start_token = static_cast<int32_t>(*id);
  }
  return std::make_shared<GrammarConstraintFactory>(compiled(constraint), start_token, start_token ? "" : starts_after);
}

}  // namespace gatehouse::serve
