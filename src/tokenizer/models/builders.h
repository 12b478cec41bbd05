// Builders of HF's models from their tokenizer.json objects, one per file in this folder;
// make_model (factory.cpp) picks one by "type".
#pragma once

#include <boost/json/fwd.hpp>
#include <memory>

#include "base/json.h"
#include "tokenizer/model.h"

namespace gatehouse::tokenizer::models {

std::unique_ptr<Model> make_bpe(const boost::json::object& config, const json::JsonPath& path);
std::unique_ptr<Model> make_word_piece(const boost::json::object& config, const json::JsonPath& path);
std::unique_ptr<Model> make_word_level(const boost::json::object& config, const json::JsonPath& path);
std::unique_ptr<Model> make_unigram(const boost::json::object& config, const json::JsonPath& path);

// "<0x41>": the token byte_fallback uses for a byte (HF formats it as `<{:#04X}>`).
std::string byte_fallback_token(uint8_t byte);

}  // namespace gatehouse::tokenizer::models
