// A YAML document read into a small tree (scalars, sequences, mappings), each node keeping the line
// and column it started at, so that config errors can name where a value was written. Built from
// libyaml's events: block and flow styles, plain/quoted/literal/folded scalars, comments, anchors
// and aliases (an alias is copied, and copies count against the node limit, so an alias bomb is
// refused), and `<<` merge keys as PyYAML reads them. Scalars stay text; YamlNode says whether
// one was quoted, so a caller can tell `yes` from `"yes"`. Plain values; no shared state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::gateway {

struct YamlEntry;

struct YamlNode {
  enum class Kind { scalar, sequence, mapping };
  Kind kind = Kind::scalar;
  int line = 0, column = 0;  // 1-based
  std::string text;          // a scalar's value
  bool quoted = false;       // a scalar written in quotes, as a block literal, or tagged !!str
  std::vector<YamlNode> items;     // a sequence's items
  std::vector<YamlEntry> entries;  // a mapping's entries, in order

  bool is_null() const;  // a plain ~, null, Null, NULL or empty scalar
  // The value under `key` of a mapping, or nullptr.
  const YamlNode* find(std::string_view key) const;
  // "a string", "a list", "a mapping" for error messages.
  std::string_view kind_name() const;
};

struct YamlLimits {
  size_t max_depth = 64;
  size_t max_nodes = 200'000;  // alias copies included
};

// Parses one YAML document. An empty text or a comment-only one gives a null scalar. Throws
// invalid_argument "<file_name>:<line>: <what was wrong>" on a syntax error, more than one
// document, a non-scalar key, a repeated key, an unknown alias, or a document past the limits.
YamlNode parse_yaml(std::string_view text, std::string_view file_name, const YamlLimits& limits = {});

struct YamlEntry {  // one `key: value` of a mapping; keys are scalars
  std::string key;
  int line = 0;  // where the key was written
  YamlNode value;
};

}  // namespace gatehouse::gateway
