// Token ids that come from outside (a command line, a request body), checked against a
// vocabulary before anything decodes them. Errors are InvalidParameter on the list's name and say
// which element, as it was given ("tokens[1] is 1e+20, outside the vocabulary: ..."), so a value
// past 64 bits is never read as some other id.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::tokenizer {

// A JSON array of whole numbers (2.0 counts as 2) named `name`.
std::vector<uint32_t> token_ids_from_json(const boost::json::value& value, std::string_view name, size_t vocab_size);

// Decimal texts, as on a command line, named `name`.
std::vector<uint32_t> token_ids_from_text(const std::vector<std::string>& texts, std::string_view name, size_t vocab_size);

}  // namespace gatehouse::tokenizer
