// Builders of HF's post-processors from their tokenizer.json objects, one per file in this folder;
// make_post_processor (factory.cpp) picks one by "type".
#pragma once

#include <boost/json/object.hpp>
#include <memory>

#include "base/json.h"
#include "tokenizer/post_processor.h"

namespace gatehouse::tokenizer::processors {

namespace bj = boost::json;

std::unique_ptr<PostProcessor> make_bert(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<PostProcessor> make_byte_level(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<PostProcessor> make_roberta(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<PostProcessor> make_sequence(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<PostProcessor> make_template(const bj::object& config, const json::JsonPath& path);

// An encoding of special tokens only: offsets {0, 0}, special mask 1, no word.
Encoding special_tokens_encoding(const std::vector<uint32_t>& ids, const std::vector<std::string>& tokens,
                                 uint32_t type_id);

// ByteLevel's offset trimming: offsets no longer cover the spaces a token starts or ends with
// (the first token keeps one leading space when the pre-tokenizer added it).
void trim_byte_level_offsets(Encoding& encoding, bool add_prefix_space);

}  // namespace gatehouse::tokenizer::processors
