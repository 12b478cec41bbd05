// Objects (properties in schema order, required ones present, then extra keys when allowed) and
// arrays (prefixItems, then items, between minItems and maxItems).
#include <algorithm>
#include <cmath>
#include <map>

#include "base/json.h"
#include "base/utf8.h"
#include "grammar/json_schema_compiler.h"

namespace gatehouse::grammar {
namespace {

const bj::value kAnything(true);

}  // namespace

std::optional<int64_t> count_keyword(const bj::object& schema, std::string_view key, const std::string& path) {
  const bj::value* value = schema.if_contains(key);
  if (!value) return std::nullopt;
  if (value->is_int64() && value->get_int64() >= 0) return value->get_int64();
  if (value->is_uint64()) return static_cast<int64_t>(std::min<uint64_t>(value->get_uint64(), INT64_MAX));
  if (value->is_double() && value->get_double() >= 0 && value->get_double() == std::floor(value->get_double())) {
    return value->get_double() >= 9.2e18 ? INT64_MAX : static_cast<int64_t>(value->get_double());
  }
  invalid_schema(path, std::string(key) + " must be a non-negative integer");
}

Element JsonSchemaCompiler::object(const bj::object& schema, const std::string& path) {
  const bj::value* listed = schema.if_contains("properties");
  if (listed && !listed->is_object()) invalid_schema(path, "properties must be an object");
  std::vector<std::string> required;
  if (const bj::value* names = schema.if_contains("required")) {
    if (!names->is_array()) invalid_schema(path, "required must be an array of strings");
    for (const bj::value& name : names->get_array()) {
      if (!name.is_string()) invalid_schema(path, "required must be an array of strings");
      if (std::find(required.begin(), required.end(), name.get_string()) == required.end()) required.emplace_back(name.get_string());
    }
  }
  // Extra keys: their values' schema, or null when none may appear.
  const bj::value* extra = nullptr;
  if (const bj::value* additional = schema.if_contains("additionalProperties")) {
    extra = *additional == bj::value(false) ? nullptr : additional;
  } else if (!listed || !options_.strict) {
    extra = &kAnything;
  }
  std::string extra_path = child_path(path, "additionalProperties");

  struct Property {
    std::string name;
    const bj::value* schema;
    std::string path;
    bool required;
  };
  std::vector<Property> properties;
  std::vector<std::string> names;  // every listed name (extra keys must not repeat one)
  auto is_required = [&](std::string_view name) { return std::find(required.begin(), required.end(), name) != required.end(); };
  if (listed) {
    for (const auto& entry : listed->get_object()) {
      std::string property_path = child_path(child_path(path, "properties"), entry.key());
      names.emplace_back(entry.key());
      if (entry.value() == bj::value(false)) {  // may not appear
        if (is_required(entry.key())) unsatisfiable_schema(property_path, "the property is required and its schema is false");
        continue;
      }
      properties.push_back({std::string(entry.key()), &entry.value(), property_path, is_required(entry.key())});
    }
  }
  for (const std::string& name : required) {
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    if (!extra) unsatisfiable_schema(path, "required property '" + name + "' is not among the properties, and no other property may appear");
    properties.push_back({name, extra, extra_path, true});
    names.push_back(name);
  }

  std::vector<Element> pairs;
  for (const Property& property : properties) {
    Sequence pair = builder_.literal(json::serialize(bj::value(property.name)));
    pair.push_back(colon());
    pair.push_back(this->schema(*property.schema, property.path));
    pairs.push_back(builder_.group(std::move(pair)));
  }
  std::optional<Element> extra_pair;
  if (extra) extra_pair = builder_.group({object_key_excluding(names), colon(), this->schema(*extra, extra_path)});
  bool may_be_empty = std::none_of(properties.begin(), properties.end(), [](const Property& p) { return p.required; });

  std::optional<Element> content;
  std::optional<Element> extra_tail;  // more extra pairs, each after a comma
  if (extra_pair) extra_tail = builder_.star(builder_.group({comma(), *extra_pair}));
  if (properties.empty()) {
    if (extra_pair) content = builder_.group({*extra_pair, *extra_tail});
    return container('{', content, true, '}');
  }
  // tails[i]: what may follow once property i is written (or skipped after an earlier one).
  size_t n = properties.size();
  std::vector<std::optional<Element>> tails(n);
  tails[n - 1] = extra_tail;
  auto then = [](Sequence sequence, const std::optional<Element>& tail) {
    if (tail) sequence.push_back(*tail);
    return sequence;
  };
  for (size_t i = n - 1; i-- > 0;) {
    std::vector<Sequence> alternatives{then({comma(), pairs[i + 1]}, tails[i + 1])};
    if (!properties[i + 1].required) alternatives.push_back(then({}, tails[i + 1]));
    tails[i] = GrammarBuilder::ref(builder_.add_rule("object_tail", std::move(alternatives)));
  }
  // The first property written: any up to the first required one; or an extra key.
  std::vector<Sequence> starts;
  for (size_t i = 0; i < n; ++i) {
    starts.push_back(then({pairs[i]}, tails[i]));
    if (properties[i].required) break;
  }
  if (extra_pair && may_be_empty) starts.push_back(then({*extra_pair}, tails[n - 1]));
  content = builder_.choice(std::move(starts));
  return container('{', content, may_be_empty, '}');
}

// A JSON string that does not spell any of `names` (a trie over their code points: while the key
// is still a prefix of a name, the next character is matched against the trie, and escapes that
// could spell a name's next character, \u among them, are not offered).
Element JsonSchemaCompiler::object_key_excluding(const std::vector<std::string>& names) {
  if (names.empty()) return any_string();
  struct Node {
    bool is_name = false;
    std::map<char32_t, size_t> children;
  };
  std::vector<Node> nodes(1);
  for (const std::string& name : names) {
    size_t at = 0;
    for (size_t i = 0; i < name.size();) {
      int length = 1;
      char32_t cp = utf8::decode(name, i, length);
      i += static_cast<size_t>(length);
      auto [child, added] = nodes[at].children.emplace(cp, nodes.size());
      if (added) nodes.emplace_back();
      at = child->second;
    }
    nodes[at].is_name = true;
  }
  static constexpr std::pair<char, char32_t> kEscapes[] = {{'"', '"'}, {'\\', '\\'}, {'/', '/'}, {'b', 8},
                                                           {'f', 12},  {'n', 10},   {'r', 13},  {'t', 9}};
  std::vector<int32_t> rules(nodes.size());
  for (int32_t& rule : rules) rule = builder_.declare("key");
  for (size_t at = 0; at < nodes.size(); ++at) {
    const Node& node = nodes[at];
    std::vector<Sequence> alternatives;
    if (!node.is_name) alternatives.push_back({builder_.byte('"')});
    std::vector<std::pair<char32_t, char32_t>> other{{0, 0x1F}, {'"', '"'}, {'\\', '\\'}};
    ByteSet escapes;
    for (auto [letter, meaning] : kEscapes) {
      if (!node.children.contains(meaning)) escapes.add(static_cast<uint8_t>(letter));
    }
    for (const auto& [cp, child] : node.children) {
      other.emplace_back(cp, cp);
      Sequence next = builder_.literal(utf8::encode(cp));
      next.push_back(GrammarBuilder::ref(rules[child]));
      alternatives.push_back(std::move(next));
    }
    alternatives.push_back({builder_.codepoints(other, /*negated=*/true), string_tail()});
    if (!escapes.empty()) alternatives.push_back({builder_.byte('\\'), builder_.bytes(escapes), string_tail()});
    builder_.define(rules[at], std::move(alternatives));
  }
  return builder_.group({builder_.byte('"'), GrammarBuilder::ref(rules[0])});
}

Element JsonSchemaCompiler::array(const bj::object& schema, const std::string& path) {
  std::vector<std::pair<const bj::value*, std::string>> prefix;
  auto read_prefix = [&](const bj::value& list, std::string_view keyword) {
    if (!list.is_array()) invalid_schema(path, std::string(keyword) + " must be an array of schemas");
    for (size_t i = 0; i < list.get_array().size(); ++i) prefix.emplace_back(&list.get_array()[i], child_path(child_path(path, keyword), i));
  };
  const bj::value* items = schema.if_contains("items");
  // The schema of the items after the prefix, or null when there may be none.
  const bj::value* extra = nullptr;
  std::string extra_path = child_path(path, "items");
  if (const bj::value* prefix_items = schema.if_contains("prefixItems")) {
    if (items && items->is_array()) invalid_schema(path, "items must be a schema beside prefixItems");
    read_prefix(*prefix_items, "prefixItems");
  }
  if (items && items->is_array()) {  // drafts 4 to 7: items as a tuple, then additionalItems
    read_prefix(*items, "items");
    extra = schema.if_contains("additionalItems");
    extra_path = child_path(path, "additionalItems");
    if (!extra && !options_.strict) extra = &kAnything;
  } else if (items) {
    extra = items;
  } else if (prefix.empty() || !options_.strict) {
    extra = &kAnything;
  }
  if (extra && *extra == bj::value(false)) extra = nullptr;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (*prefix[i].first == bj::value(false)) {  // the array ends before it
      prefix.resize(i);
      extra = nullptr;
    }
  }

  int64_t least = count_keyword(schema, "minItems", path).value_or(0);
  std::optional<int64_t> most = count_keyword(schema, "maxItems", path);
  auto k = static_cast<int64_t>(prefix.size());
  if (!extra) most = std::min(most.value_or(k), k);
  if (most && least > *most) {
    unsatisfiable_schema(path, "minItems is " + std::to_string(least) + " but at most " + std::to_string(*most) + " items may appear");
  }
  if (most == 0) return container('[', std::nullopt, true, ']');

  std::optional<Element> extra_item;
  if (extra) extra_item = this->schema(*extra, extra_path);
  // The extra items once `done` items are written, each after a comma.
  auto more_extra = [&](int64_t done) {
    int64_t at_least = std::max<int64_t>(0, least - done);
    int64_t at_most = most ? *most - done : -1;
    check_repetition(std::max(at_least, at_most));
    return builder_.repeat(builder_.group({comma(), *extra_item}), at_least, at_most);
  };
  if (k == 0) return container('[', builder_.group({*extra_item, more_extra(1)}), least == 0, ']');

  // tail: what may follow once `done` items are written (the first `last` come from the prefix).
  int64_t last = most ? std::min(k, *most) : k;
  std::vector<Element> leading;
  for (int64_t i = 0; i < last; ++i) leading.push_back(this->schema(*prefix[i].first, prefix[i].second));
  std::optional<Element> tail;
  if (!most || last < *most) tail = more_extra(k);
  for (int64_t done = last - 1; done >= 1; --done) {
    Sequence next{comma(), leading[done]};
    if (tail) next.push_back(*tail);
    std::vector<Sequence> alternatives{next};
    if (done >= least) alternatives.push_back(tail ? Sequence{*tail} : Sequence{});
    tail = GrammarBuilder::ref(builder_.add_rule("array_tail", std::move(alternatives)));
  }
  Sequence content{leading[0]};
  if (tail) content.push_back(*tail);
  return container('[', builder_.group(std::move(content)), least == 0, ']');
}

}  // namespace gatehouse::grammar
