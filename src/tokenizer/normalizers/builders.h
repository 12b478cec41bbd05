// Builders of HF's normalizers from their tokenizer.json objects, one per file in this folder;
// make_normalizer (factory.cpp) picks one by "type". Each reads its fields the way HF's serde does
// and throws Error(invalid_argument) naming the bad field.
#pragma once

#include <boost/json/object.hpp>
#include <memory>

#include "base/json.h"
#include "tokenizer/normalizer.h"

namespace gatehouse::tokenizer::normalizers {

namespace bj = boost::json;

enum class UnicodeForm { nfc, nfd, nfkc, nfkd };

std::unique_ptr<Normalizer> make_bert(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Normalizer> make_byte_level(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Normalizer> make_lowercase(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Normalizer> make_nmt(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Normalizer> make_precompiled(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Normalizer> make_prepend(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Normalizer> make_replace(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Normalizer> make_sequence(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Normalizer> make_strip(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Normalizer> make_strip_accents(const bj::object& config, const json::JsonPath& path);
std::unique_ptr<Normalizer> make_unicode_form(UnicodeForm form);

}  // namespace gatehouse::tokenizer::normalizers
