// JSON helpers over Boost.JSON that turn shape mistakes in outside input into Errors naming the
// file and the field ("tokenizer.json: model.vocab: expected an object, got a string").
// A JsonPath is the human-readable location used in those messages; it is cheap to copy.
#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::json {

namespace bj = boost::json;

// Where a value sits in a document, for error messages: "tokenizer.json: model.merges[3]".
class JsonPath {
 public:
  explicit JsonPath(std::string document) : text_(std::move(document) + ":") {}
  JsonPath operator/(std::string_view key) const;
  JsonPath operator[](size_t index) const;
  const std::string& str() const { return text_; }

 private:
  JsonPath() = default;
  std::string text_;
};

// The deepest nesting of arrays and objects parse() accepts. Deep enough for the tool and response
// schemas real clients send (Python's json stops near 1000, and our chat templates' tojson at 512),
// shallow enough that every recursive walk over a parsed value (destruction, serialize, chat
// template values) stays far inside a thread's stack.
inline constexpr size_t kMaxDepth = 512;

// Parses text; on malformed input throws invalid_argument naming `document`, the line and byte
// where parsing stopped, and what was wrong (a syntax error, an incomplete or empty document,
// nesting deeper than kMaxDepth). The value's memory comes from `storage` (the default: the heap);
// a short-lived value can take a monotonic_resource over a stack buffer, which spares its allocations
// and the walk that frees it.
bj::value parse(std::string_view text, std::string_view document, bj::storage_ptr storage = {});
// The same parse for text whose caller words its own error: nullopt where parse() would throw.
std::optional<bj::value> try_parse(std::string_view text);

// The JSON kind of a value, as a user reads it: "object", "array", "string", "number", ...
std::string_view kind_name(const bj::value& value);

// Throw invalid_argument "<path> expected <what>, got <kind>" unless the value has that kind.
const bj::object& as_object(const bj::value& value, const JsonPath& path);
const bj::array& as_array(const bj::value& value, const JsonPath& path);
std::string_view as_string(const bj::value& value, const JsonPath& path);
bool as_bool(const bj::value& value, const JsonPath& path);
int64_t as_int(const bj::value& value, const JsonPath& path);
// An integer or an array of integers (config fields such as eos_token_id), as a list.
std::vector<int64_t> as_int_list(const bj::value& value, const JsonPath& path);
double as_double(const bj::value& value, const JsonPath& path);

// Field access on an object. `require` throws "<path>.<key> is missing"; the others return the
// default (or nullopt) when the key is absent or null, and throw when it has the wrong kind.
const bj::value& require(const bj::object& object, std::string_view key, const JsonPath& path);
const bj::value* find(const bj::object& object, std::string_view key);  // null if absent or null
std::string get_string(const bj::object& object, std::string_view key, const JsonPath& path,
                       std::string_view fallback);
std::optional<std::string> get_optional_string(const bj::object& object, std::string_view key,
                                               const JsonPath& path);
bool get_bool(const bj::object& object, std::string_view key, const JsonPath& path, bool fallback);
int64_t get_int(const bj::object& object, std::string_view key, const JsonPath& path,
                int64_t fallback);
std::optional<int64_t> get_optional_int(const bj::object& object, std::string_view key,
                                        const JsonPath& path);

// Compact JSON text, as Boost.JSON writes it except for doubles, which read as Python's json
// writes them (the shortest text that reads back the same, "1.0" and "-0.25" rather than "1E0"
// and "-2.5E-1"), so API answers look like those of the Python servers they stand in for.
// Non-finite doubles, which JSON cannot hold, are written as null.
std::string serialize(const bj::value& value);
std::string serialize(const bj::object& object);  // without copying it into a value

// `object_text`, a valid JSON object (parse() accepted it), with the value of its member `key`
// replaced by `value_text` (JSON), everything else kept byte for byte: far cheaper than parsing
// and serializing again. Nullopt when the member is not there exactly once with its name written
// without escapes; the caller then serializes.
std::optional<std::string> replace_member(std::string_view object_text, std::string_view key,
                                          std::string_view value_text);

}  // namespace gatehouse::json
