// Builders of HF's pre-tokenizers from their tokenizer.json objects, one per file in this folder;
// make_pre_tokenizer (factory.cpp) picks one by "type". Each reads its fields the way HF's serde
// does (required fields, defaults) and throws Error(invalid_argument) naming the bad field.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <vector>

#include "base/json.h"
#include "tokenizer/pre_tokenizer.h"

namespace gatehouse::tokenizer::pre_tokenizers {

namespace bj = boost::json;

std::unique_ptr<PreTokenizer> make_bert(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<PreTokenizer> make_byte_level(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<PreTokenizer> make_char_delimiter_split(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<PreTokenizer> make_digits(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<PreTokenizer> make_fixed_length(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<PreTokenizer> make_metaspace(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<PreTokenizer> make_punctuation(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<PreTokenizer> make_sequence(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<PreTokenizer> make_split(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<PreTokenizer> make_unicode_scripts(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<PreTokenizer> make_whitespace(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<PreTokenizer> make_whitespace_split(const bj::object& config, const json::JsonPath& path);

// Field readers shared by several builders (factory.cpp).
// A required bool (HF has no default for it).
bool require_bool(const bj::object& config, std::string_view key, const json::JsonPath& path);
// "Removed" | "Isolated" | "MergedWithPrevious" | "MergedWithNext" | "Contiguous".
SplitBehavior parse_behavior(const bj::value& value, const json::JsonPath& path);
// A string holding exactly one character (Rust `char`).
char32_t require_char(const bj::object& config, std::string_view key, const json::JsonPath& path);

}  // namespace gatehouse::tokenizer::pre_tokenizers
