// Builders of HF's decoders from their tokenizer.json objects; make_decoder (factory.cpp) picks one
// by "type".
#pragma once

#include <boost/json/object.hpp>
#include <memory>

#include "base/json.h"
#include "tokenizer/decoder.h"

namespace gatehouse::tokenizer::decoders {

namespace bj = boost::json;

std::unique_ptr<Decoder> make_bpe(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Decoder> make_byte_fallback(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Decoder> make_byte_level(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Decoder> make_ctc(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Decoder> make_fuse(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Decoder> make_metaspace(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Decoder> make_replace(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Decoder> make_sequence(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Decoder> make_strip(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Decoder> make_word_piece(const bj::object& config, const json::JsonPath& path);

// Replaces every occurrence of `from` in `text` with `to`.
void replace_all(std::string& text, std::string_view from, std::string_view to);
// WordPiece's cleanup of tokenization spaces (" ." -> ".", " n't" -> "n't", ...), also used by CTC.
void cleanup_spaces(std::string& text);

}  // namespace gatehouse::tokenizer::decoders
