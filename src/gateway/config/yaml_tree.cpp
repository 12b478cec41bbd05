#include "gateway/config/yaml_tree.h"

#include <yaml.h>

#include <algorithm>
#include <map>
#include <unordered_set>

#include "base/error.h"

namespace gatehouse::gateway {
namespace {

constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";

std::string text_of(const yaml_char_t* text) { return text ? reinterpret_cast<const char*>(text) : ""; }

size_t height(const YamlNode& node) {
  size_t below = 0;
  for (const auto& item : node.items) below = std::max(below, height(item));
  for (const auto& entry : node.entries) below = std::max(below, height(entry.value));
  return below + 1;
}

// What an anchor names: the node, how many nodes it holds and how deep it goes, so that an alias
// is checked against the limits before it is copied.
struct Anchored {
  YamlNode node;
  size_t nodes = 0;
  size_t height = 0;
};

// Reads libyaml's events one at a time and builds nodes from them, counting nodes against the
// limits. The current event is the one the builder looks at; next() replaces it.
class Builder {
 public:
  Builder(std::string_view text, std::string_view file_name, const YamlLimits& limits)
      : file_name_(file_name), limits_(limits) {
    if (!yaml_parser_initialize(&parser_)) throw Error(ErrorCode::internal, "libyaml could not start");
    const char* input = text.empty() ? "" : text.data();  // libyaml asserts on a null input
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(input), text.size());
  }
  ~Builder() {
    if (has_event_) yaml_event_delete(&event_);
    yaml_parser_delete(&parser_);
  }
  Builder(const Builder&) = delete;
  Builder& operator=(const Builder&) = delete;

  YamlNode document() {
    next();  // stream start
    next();
    if (event_.type == YAML_STREAM_END_EVENT) return YamlNode{};
    next();  // past the document start
    YamlNode root = node(1);
    next();  // document end
    next();
    if (event_.type != YAML_STREAM_END_EVENT)
      fail(line(), "holds more than one YAML document (a line of ---); a config is one document");
    return root;
  }

 private:
  int line() const { return int(event_.start_mark.line) + 1; }

  [[noreturn]] void fail(int at, const std::string& what) const {
    throw Error(ErrorCode::invalid_argument, std::string(file_name_) + ":" + std::to_string(at) + ": " + what);
  }

  void next() {
    if (has_event_) yaml_event_delete(&event_);
    has_event_ = false;
    if (!yaml_parser_parse(&parser_, &event_)) {
      std::string what = parser_.problem ? parser_.problem : "invalid YAML";
      if (parser_.context) what += std::string(" ") + parser_.context;
      fail(int(parser_.problem_mark.line) + 1, "invalid YAML: " + what);
    }
    has_event_ = true;
  }

  void count(size_t nodes) {
    if (nodes > limits_.max_nodes - nodes_)
      fail(line(), "has more than " + std::to_string(limits_.max_nodes) +
                       " values (aliases and anchors counted as copies); a config this large is refused");
    nodes_ += nodes;
  }

  // The node whose first event is the current one; leaves its last event current.
  YamlNode node(size_t depth) {
    if (depth > limits_.max_depth)
      fail(line(), "nests deeper than " + std::to_string(limits_.max_depth) + " levels");
    const size_t nodes_before = nodes_;
    YamlNode result;
    result.line = line();
    result.column = int(event_.start_mark.column) + 1;
    std::string anchor;
    switch (event_.type) {
      case YAML_ALIAS_EVENT: {
        auto found = anchors_.find(text_of(event_.data.alias.anchor));
        if (found == anchors_.end())
          fail(line(), "alias *" + text_of(event_.data.alias.anchor) + " names no anchor defined before it");
        if (depth + found->second.height - 1 > limits_.max_depth)
          fail(line(), "nests deeper than " + std::to_string(limits_.max_depth) + " levels through alias *" + found->first);
        count(found->second.nodes);
        return found->second.node;
      }
      case YAML_SCALAR_EVENT:
        count(1);
        anchor = text_of(event_.data.scalar.anchor);
        result.text.assign(reinterpret_cast<const char*>(event_.data.scalar.value), event_.data.scalar.length);
        result.quoted = event_.data.scalar.style != YAML_PLAIN_SCALAR_STYLE || text_of(event_.data.scalar.tag) == kStrTag;
        break;
      case YAML_SEQUENCE_START_EVENT:
        count(1);
        anchor = text_of(event_.data.sequence_start.anchor);
        result.kind = YamlNode::Kind::sequence;
        for (next(); event_.type != YAML_SEQUENCE_END_EVENT; next()) result.items.push_back(node(depth + 1));
        break;
      case YAML_MAPPING_START_EVENT:
        count(1);
        anchor = text_of(event_.data.mapping_start.anchor);
        result.kind = YamlNode::Kind::mapping;
        mapping(result, depth);
        break;
      default:
        fail(line(), "unexpected YAML event");
    }
    if (!anchor.empty()) {
      const size_t nodes = nodes_ - nodes_before;
      count(nodes);  // the copy kept for aliases counts too, so nested anchors cannot multiply memory
      anchors_[anchor] = Anchored{result, nodes, height(result)};
    }
    return result;
  }

  // Reads a mapping's entries up to its end event. Explicit keys must be unique; `<<: *base` (or a
  // list of aliases) adds the merged mappings' keys that are not written explicitly, the first
  // merged mapping winning, as PyYAML does.
  void mapping(YamlNode& result, size_t depth) {
    std::vector<YamlNode> merged;
    std::unordered_set<std::string> keys;
    for (next(); event_.type != YAML_MAPPING_END_EVENT; next()) {
      YamlNode key = node(depth + 1);
      if (key.kind != YamlNode::Kind::scalar)
        fail(key.line, "a mapping key must be a plain value, not " + std::string(key.kind_name()));
      next();
      YamlNode value = node(depth + 1);
      if (key.text == "<<" && !key.quoted) {
        if (value.kind == YamlNode::Kind::sequence) {
          for (auto& item : value.items) merged.push_back(std::move(item));
        } else {
          merged.push_back(std::move(value));
        }
        continue;
      }
      if (!keys.insert(key.text).second) fail(key.line, "key \"" + key.text + "\" appears twice in the same mapping");
      result.entries.push_back(YamlEntry{std::move(key.text), key.line, std::move(value)});
    }
    for (auto& source : merged) {
      if (source.kind != YamlNode::Kind::mapping)
        fail(source.line, "a << merge key takes a mapping or a list of mappings, not " + std::string(source.kind_name()));
      for (auto& entry : source.entries)
        if (keys.insert(entry.key).second) result.entries.push_back(std::move(entry));
    }
  }

  std::string_view file_name_;
  YamlLimits limits_;
  yaml_parser_t parser_;
  yaml_event_t event_;
  bool has_event_ = false;
  size_t nodes_ = 0;
  std::map<std::string, Anchored> anchors_;
};

}  // namespace

bool YamlNode::is_null() const {
  return kind == Kind::scalar && !quoted && (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL");
}

const YamlNode* YamlNode::find(std::string_view key) const {
  for (const auto& entry : entries)
    if (entry.key == key) return &entry.value;
  return nullptr;
}

std::string_view YamlNode::kind_name() const {
  switch (kind) {
    case Kind::scalar: return is_null() ? "nothing (null)" : "a string";
    case Kind::sequence: return "a list";
    case Kind::mapping: return "a mapping";
  }
  return "a value";
}

YamlNode parse_yaml(std::string_view text, std::string_view file_name, const YamlLimits& limits) {
  return Builder(text, file_name, limits).document();
}

}  // namespace gatehouse::gateway
