// Internal to the grammar module: the one-shot compiler behind compile_json_schema (see
// json_schema.h for the semantics). One instance compiles one schema into the GrammarBuilder it
// owns, then is discarded. Its parts live in several files:
//   json_schema.cpp             dispatch: $ref, anyOf/oneOf/allOf, enum/const, type, keyword checks
//   json_schema_basics.cpp      shared rules: whitespace, separators, strings, any JSON value
//   json_schema_containers.cpp  objects and arrays
//   json_schema_strings.cpp     string lengths, pattern and format
//   json_schema_numbers.cpp     integer and number bounds
// Shared rules are made once and referenced everywhere (the matcher caches per rule), and each
// distinct subschema is compiled once (a cache keyed by its JSON text).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "grammar/grammar.h"
#include "grammar/json_schema.h"

namespace gatehouse::grammar {

namespace bj = boost::json;

// Where a subschema sits in the root schema, as a JSON pointer ("/properties/tags"; "" is the root).
std::string child_path(const std::string& path, std::string_view key);
std::string child_path(const std::string& path, size_t index);
// The path as error messages name it ("the root" for "").
std::string where(const std::string& path);

// Errors, all Error(invalid_argument) naming the place in the schema.
[[noreturn]] void unsupported_keyword(std::string_view keyword, const std::string& path, std::string_view detail = {});
[[noreturn]] void invalid_schema(const std::string& path, const std::string& what);
[[noreturn]] void unsatisfiable_schema(const std::string& path, const std::string& why);

// A count keyword's value (minItems, maxLength, ...): a non-negative integer, or nullopt if absent.
std::optional<int64_t> count_keyword(const bj::object& schema, std::string_view key, const std::string& path);

// A string format's regular expression over the string's characters; nullopt for formats we
// do not know. (json_schema_formats.cpp)
std::optional<std::string_view> format_regex(std::string_view format);

class JsonSchemaCompiler {
 public:
  JsonSchemaCompiler(const bj::value& root, const JsonSchemaOptions& options);

  Grammar compile_root() &&;
  Grammar compile_any_object() &&;

 private:
  // json_schema.cpp
  Element schema(const bj::value& schema, const std::string& path);
  Element schema_object(const bj::object& schema, const std::string& path);
  Element reference(std::string_view ref, const std::string& path);
  Element any_of(const bj::value& branches, const std::string& path);
  bj::value distribute_siblings(const bj::object& schema, std::string_view keyword, const std::string& path);
  Element all_of(const bj::object& schema, const std::string& path);
  Element enumeration(const bj::object& schema, const std::string& path);
  Element of_type(std::string_view type, const bj::object& schema, const std::string& path);
  void check_size(int64_t more = 0) const;
  // Before GrammarBuilder::repeat of `count` items (a few elements each).
  void check_repetition(int64_t count) const;
  Grammar finish(Element root) &&;

  // json_schema_basics.cpp
  Sequence whitespace();
  Element comma();
  Element colon();
  Element escape();
  Element json_char();
  Element string_tail();
  Element any_string();
  Element any_integer();
  Element any_number();
  Element boolean();
  Element null();
  Element any_value();
  Element any_object();
  Element any_array();
  // `open` [content] `close`, with whitespace inside when allowed: empty if `may_be_empty`.
  Element container(char open, std::optional<Element> content, bool may_be_empty, char close);
  // A JSON value's text in this grammar's style (separators; no other whitespace).
  std::string render(const bj::value& value) const;

  // json_schema_containers.cpp
  Element object(const bj::object& schema, const std::string& path);
  Element object_key_excluding(const std::vector<std::string>& names);
  Element array(const bj::object& schema, const std::string& path);

  // json_schema_strings.cpp
  Element string(const bj::object& schema, const std::string& path);
  Element string_matching(std::string_view regex, const std::string& path, std::string_view keyword);

  // json_schema_numbers.cpp
  Element numeric(const bj::object& schema, const std::string& path, bool integers_only);

  const bj::value& root_;
  JsonSchemaOptions options_;
  GrammarBuilder builder_;
  int depth_ = 0;
  std::unordered_map<std::string, Element> compiled_;  // subschema JSON text -> element
  std::map<std::string, int32_t, std::less<>> refs_;   // "$ref" -> its rule
  std::unordered_map<std::string, Element> regexes_;   // pattern -> element

  // Shared rules, made on first use.
  std::optional<Element> whitespace_, comma_, colon_, escape_, json_char_, string_tail_, any_string_, any_integer_,
      any_number_, boolean_, null_;
  std::optional<int32_t> any_value_rule_, any_object_rule_, any_array_rule_;
};

}  // namespace gatehouse::grammar
