// PreTokenizer: splits normalized text into pre-tokens (words) the model tokenizes independently.
// Built from tokenizer.json's "pre_tokenizer" by its "type". Immutable and thread-safe.
#pragma once

#include <boost/json/fwd.hpp>
#include <memory>

#include "base/json.h"
#include "tokenizer/pre_tokenized_string.h"

namespace gatehouse::tokenizer {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(PreTokenizedString& text) const = 0;
};

// A JSON null gives nullptr (no pre-tokenizer). Unknown types are an error naming them.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const boost::json::value& config, const json::JsonPath& path);

}  // namespace gatehouse::tokenizer
