// JSON Schema compiled into a grammar, with the semantics of XGrammar (vLLM's default structured
// output backend) under vLLM's defaults:
// - whitespace: with any_whitespace, `[ \n\t]*` may stand between tokens (at most max_whitespace
//   characters in a row when that is >= 0), never before or after the whole document; without
//   it the document is written as Python's json.dumps writes it: separators ", " and ": ";
// - objects: properties in schema order, required ones present, optional ones omissible; in
//   strict mode an object with "properties" and no "additionalProperties" takes no other keys
//   (an object schema with neither is any object, so {"type":"object"} is json_object mode);
//   extra keys (additionalProperties true or a schema) follow the listed properties;
// - arrays: prefixItems then items; in strict mode prefixItems without items allows no more.
// Every supported keyword is enforced exactly, or by a narrower language (never a wider one): see
// docs in json_schema.cpp for the narrowings (number texts without exponent under bounds, string
// "pattern" as a whole match over characters that need no JSON escape, ...). A keyword that would
// change the language and is not supported is an Error(invalid_argument) naming it and its place
// ("the JSON schema keyword 'uniqueItems' (at /properties/tags) is not supported"), as are
// invalid and unsatisfiable schemas, schemas nested deeper than kMaxSchemaDepth and grammars
// larger than kMaxGrammarSize. Annotations and unknown keywords are ignored.
// Pure functions; the returned Grammar is immutable.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>

#include "grammar/grammar.h"

namespace gatehouse::grammar {

struct JsonSchemaOptions {
  bool any_whitespace = true;
  int max_whitespace = -1;  // cap on one whitespace run when any_whitespace; -1: none
  bool strict = true;
};

inline constexpr int kMaxSchemaDepth = 64;            // nested subschemas
inline constexpr int64_t kMaxGrammarSize = 400'000;  // GrammarBuilder::size()

Grammar compile_json_schema(const boost::json::value& schema, const JsonSchemaOptions& options = {});
// Any JSON object: the schema {"type": "object"} (vLLM's json_object mode).
Grammar compile_json_object(const JsonSchemaOptions& options = {});

}  // namespace gatehouse::grammar
