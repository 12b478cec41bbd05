// The pattern object Split and Replace read from tokenizer.json: {"String": literal} (matched as
// is) or {"Regex": Oniguruma regex}.
#pragma once

#include <boost/json/fwd.hpp>

#include "base/json.h"
#include "tokenizer/regex/regex.h"

namespace gatehouse::tokenizer {

// Throws Error(invalid_argument) naming `path` when the object is malformed or the regex does not
// compile.
Regex regex_from_pattern_json(const boost::json::value& value, const json::JsonPath& path);

}  // namespace gatehouse::tokenizer
