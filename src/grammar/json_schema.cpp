// JSON Schema → grammar: entry points, and the dispatch over one subschema's keywords.
//
// Where the grammar's language is narrower than the schema's (every text it allows is valid; some
// valid texts are not produced), on purpose:
// - a number under minimum/maximum/exclusive* is written without exponent (XGrammar does the
//   same); integers never as 1.0; -0 never; bounds compare exactly, in decimal, against the
//   shortest decimal that reads back as the bound's double;
// - strings never hold \u escapes of surrogates (write the character itself); so every JSON
//   string character is one code point and minLength/maxLength count them exactly;
// - "pattern" and "format" match the whole string (JSON Schema searches; a pattern anchored
//   with ^...$ is the same), over characters that need no JSON escape ('"', '\' and controls
//   are left out of what the regex may match);
// - enum/const values are written in this grammar's canonical style only;
// - a schema without "type" takes the types its keywords belong to ({"properties": ...} is an
//   object), or any value when it has none;
// - oneOf is anyOf (as in XGrammar): a value matching two branches is not refused;
// - extra object keys (additionalProperties) never spell a listed property, and use no \u escape
//   while they still could.
// Not supported (an error naming the keyword): see kUnsupportedKeywords, multipleOf other than 1 on
// integers, allOf beyond one member or plain object members, keywords beside $ref / anyOf / oneOf /
// enum / const, pattern or format beside each other or beside minLength/maxLength, unknown formats,
// references outside the document.
#include "grammar/json_schema.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "base/error.h"
#include "base/json.h"
#include "grammar/json_schema_compiler.h"

namespace gatehouse::grammar {
namespace {

// Keywords that change the language and that we do not compile.
constexpr std::string_view kUnsupportedKeywords[] = {
    "not", "if", "then", "else", "uniqueItems", "contains", "minContains", "maxContains", "patternProperties",
    "propertyNames", "minProperties", "maxProperties", "dependentRequired", "dependentSchemas", "dependencies",
    "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef"};

// Keywords that constrain a value of one type.
const std::vector<std::pair<std::string_view, std::vector<std::string_view>>>& typed_keywords() {
  static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> table = {
      {"object", {"properties", "required", "additionalProperties"}},
      {"array", {"items", "prefixItems", "additionalItems", "minItems", "maxItems"}},
      {"string", {"minLength", "maxLength", "pattern", "format"}},
      {"number", {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}},
  };
  return table;
}

bool is_unsupported(std::string_view key, const bj::value& value) {
  if (key == "uniqueItems" && value == bj::value(false)) return false;  // no constraint
  if (key == "minProperties" && value == bj::value(0)) return false;
  return std::find(std::begin(kUnsupportedKeywords), std::end(kUnsupportedKeywords), key) != std::end(kUnsupportedKeywords);
}

// Whether a keyword constrains the value (everything else is an annotation or unknown: ignored).
bool constrains(std::string_view key) {
  static constexpr std::string_view kCombinators[] = {"$ref", "anyOf", "oneOf", "allOf", "enum", "const", "type"};
  if (std::find(std::begin(kCombinators), std::end(kCombinators), key) != std::end(kCombinators)) return true;
  if (std::find(std::begin(kUnsupportedKeywords), std::end(kUnsupportedKeywords), key) != std::end(kUnsupportedKeywords)) return true;
  for (const auto& [type, keywords] : typed_keywords()) {
    if (std::find(keywords.begin(), keywords.end(), key) != keywords.end()) return true;
  }
  return false;
}

// `keyword` must stand alone: any other constraining keyword beside it is refused.
void check_alone(const bj::object& schema, std::string_view keyword, const std::string& path,
                 std::string_view also_allowed = {}) {
  for (const auto& entry : schema) {
    if (entry.key() != keyword && entry.key() != also_allowed && constrains(entry.key())) {
      unsupported_keyword(entry.key(), path, "beside '" + std::string(keyword) + "'");
    }
  }
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) && hex(text[i + 2])) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The value a JSON pointer ("/$defs/node") designates in `root`, or null.
const bj::value* resolve_pointer(const bj::value& root, std::string_view pointer) {
  const bj::value* at = &root;
  while (!pointer.empty()) {
    pointer.remove_prefix(1);  // '/'
    size_t end = std::min(pointer.find('/'), pointer.size());
    std::string token;
    for (size_t i = 0; i < end; ++i) {
      if (pointer[i] == '~' && i + 1 < end && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
        token += pointer[++i] == '0' ? '~' : '/';
      } else {
        token += pointer[i];
      }
    }
    pointer.remove_prefix(end);
    if (at->is_object()) {
      at = at->as_object().if_contains(token);
    } else if (at->is_array() && !token.empty() && std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; }) && token.size() < 10) {
      size_t index = std::stoul(token);
      at = index < at->as_array().size() ? &at->as_array()[index] : nullptr;
    } else {
      at = nullptr;
    }
    if (!at) return nullptr;
  }
  return at;
}

// A rule that reaches itself through first positions only ($ref A to $ref B to $ref A, or an
// anyOf holding a $ref to itself) would let a matcher loop without reading a byte: refuse it.
// One depth-first walk over first-position references, iterative (grammars can be deep).
void check_reference_cycles(const Grammar& grammar) {
  const auto& rules = grammar.rules();
  enum : uint8_t { kNew, kOnPath, kDone };
  std::vector<uint8_t> state(rules.size(), kNew);
  std::vector<std::pair<int32_t, size_t>> path;  // rule, next alternative to follow
  for (size_t root = 0; root < rules.size(); ++root) {
    if (state[root] != kNew) continue;
    path.emplace_back(static_cast<int32_t>(root), 0);
    state[root] = kOnPath;
    while (!path.empty()) {
      auto& [rule, next] = path.back();
      if (next == rules[rule].alternatives.size()) {
        state[rule] = kDone;
        path.pop_back();
        continue;
      }
      const Sequence& sequence = rules[rule].alternatives[next++];
      if (sequence.empty() || sequence[0].kind != Element::Kind::rule) continue;
      int32_t target = sequence[0].index;
      if (state[target] == kOnPath) {
        // Name a $ref on the cycle (the path from `target` on).
        auto cycle = std::find_if(path.begin(), path.end(), [&](const auto& step) { return step.first == target; });
        std::string name = rules[target].name;
        for (; cycle != path.end(); ++cycle) {
          if (rules[cycle->first].name.rfind("$ref ", 0) == 0) name = rules[cycle->first].name.substr(5);
        }
        throw Error(ErrorCode::invalid_argument, "the JSON schema's $ref '" + name + "' leads back to itself without any value in between");
      }
      if (state[target] == kNew) {
        state[target] = kOnPath;
        path.emplace_back(target, 0);
      }
    }
  }
}

}  // namespace

std::string child_path(const std::string& path, std::string_view key) {
  std::string out = path + "/";
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string child_path(const std::string& path, size_t index) { return path + "/" + std::to_string(index); }

std::string where(const std::string& path) { return path.empty() ? "the root" : path; }

void unsupported_keyword(std::string_view keyword, const std::string& path, std::string_view detail) {
  throw Error(ErrorCode::invalid_argument, "the JSON schema keyword '" + std::string(keyword) + "' (at " + where(path) + ")" +
                                               (detail.empty() ? "" : " " + std::string(detail)) + " is not supported");
}

void invalid_schema(const std::string& path, const std::string& what) {
  throw Error(ErrorCode::invalid_argument, "the JSON schema is invalid at " + where(path) + ": " + what);
}

void unsatisfiable_schema(const std::string& path, const std::string& why) {
  throw Error(ErrorCode::invalid_argument, "the JSON schema at " + where(path) + " accepts no value: " + why);
}

JsonSchemaCompiler::JsonSchemaCompiler(const bj::value& root, const JsonSchemaOptions& options) : root_(root), options_(options) {
  if (options.max_whitespace < -1) throw Error(ErrorCode::invalid_argument, "max_whitespace must be -1 (no cap) or at least 0");
}

Grammar JsonSchemaCompiler::compile_root() && { return std::move(*this).finish(reference("#", "")); }

Grammar JsonSchemaCompiler::compile_any_object() && { return std::move(*this).finish(any_object()); }

Grammar JsonSchemaCompiler::finish(Element root) && {
  check_size();
  int32_t root_rule = root.kind == Element::Kind::rule ? root.index : builder_.add_rule("root", {{root}});
  Grammar grammar = std::move(builder_).build(root_rule);
  check_reference_cycles(grammar);
  return grammar;
}

void JsonSchemaCompiler::check_size(int64_t more) const {
  if (builder_.size() + more > kMaxGrammarSize) {
    throw Error(ErrorCode::invalid_argument,
                "the JSON schema is too large: its grammar would exceed " + std::to_string(kMaxGrammarSize) + " elements");
  }
}

void JsonSchemaCompiler::check_repetition(int64_t count) const {
  constexpr int64_t kElementsPerItem = 8;
  check_size(count > kMaxGrammarSize / kElementsPerItem ? kMaxGrammarSize + 1 : kElementsPerItem * count);
}

Element JsonSchemaCompiler::schema(const bj::value& schema, const std::string& path) {
  if (schema.is_bool()) {
    if (!schema.get_bool()) unsatisfiable_schema(path, "the schema is false");
    return any_value();
  }
  if (!schema.is_object()) invalid_schema(path, "a schema must be an object or a boolean, not " + std::string(json::kind_name(schema)));
  std::string text = json::serialize(schema);
  if (auto found = compiled_.find(text); found != compiled_.end()) return found->second;
  if (++depth_ > kMaxSchemaDepth) {
    throw Error(ErrorCode::invalid_argument, "the JSON schema is nested too deeply (more than " + std::to_string(kMaxSchemaDepth) +
                                                 " levels, at " + where(path) + ")");
  }
  Element element = schema_object(schema.get_object(), path);
  --depth_;
  check_size();
  compiled_.emplace(std::move(text), element);
  return element;
}

Element JsonSchemaCompiler::schema_object(const bj::object& schema, const std::string& path) {
  for (const auto& entry : schema) {
    if (is_unsupported(entry.key(), entry.value())) unsupported_keyword(entry.key(), path);
  }
  if (const bj::value* ref = schema.if_contains("$ref")) {
    check_alone(schema, "$ref", path);
    if (!ref->is_string()) invalid_schema(path, "$ref must be a string");
    return reference(ref->get_string(), path);
  }
  if (schema.contains("allOf")) return all_of(schema, path);
  for (std::string_view keyword : {"anyOf", "oneOf"}) {
    if (const bj::value* branches = schema.if_contains(keyword)) {
      const bj::value distributed = distribute_siblings(schema, keyword, path);
      return any_of(distributed.is_null() ? *branches : distributed, child_path(path, keyword));
    }
  }
  if (schema.contains("enum") || schema.contains("const")) return enumeration(schema, path);

  std::vector<std::string> types;
  if (const bj::value* type = schema.if_contains("type")) {
    if (type->is_string()) {
      types.emplace_back(type->get_string());
    } else if (type->is_array() && !type->get_array().empty()) {
      for (const bj::value& name : type->get_array()) {
        if (!name.is_string()) invalid_schema(path, "type must be a string or an array of strings");
        types.emplace_back(name.get_string());
      }
    } else {
      invalid_schema(path, "type must be a string or a non-empty array of strings");
    }
  } else {
    for (const auto& [type, keywords] : typed_keywords()) {
      bool used = std::any_of(keywords.begin(), keywords.end(), [&](std::string_view key) { return schema.contains(key); });
      if (used) types.emplace_back(type);
    }
    if (types.empty()) return any_value();
  }
  // "number" covers "integer" under the same bounds.
  if (std::find(types.begin(), types.end(), "number") != types.end()) std::erase(types, "integer");
  std::vector<Sequence> alternatives;
  std::vector<std::string> done;
  for (const std::string& type : types) {
    if (std::find(done.begin(), done.end(), type) != done.end()) continue;
    done.push_back(type);
    alternatives.push_back({of_type(type, schema, path)});
  }
  return builder_.choice(std::move(alternatives));
}

Element JsonSchemaCompiler::of_type(std::string_view type, const bj::object& schema, const std::string& path) {
  if (type == "object") return object(schema, path);
  if (type == "array") return array(schema, path);
  if (type == "string") return string(schema, path);
  if (type == "integer") return numeric(schema, path, /*integers_only=*/true);
  if (type == "number") return numeric(schema, path, /*integers_only=*/false);
  if (type == "boolean") return boolean();
  if (type == "null") return null();
  invalid_schema(path, "unknown type '" + std::string(type) + "'");
}

Element JsonSchemaCompiler::reference(std::string_view ref, const std::string& path) {
  if (auto found = refs_.find(ref); found != refs_.end()) return GrammarBuilder::ref(found->second);
  std::string pointer = percent_decoded(ref.substr(std::min<size_t>(1, ref.size())));
  if (ref.empty() || ref[0] != '#' || (!pointer.empty() && pointer[0] != '/')) {
    unsupported_keyword("$ref", path, "'" + std::string(ref) + "' (only references inside the schema, \"#/...\")");
  }
  const bj::value* target = resolve_pointer(root_, pointer);
  if (!target) invalid_schema(path, "$ref '" + std::string(ref) + "' points to nothing");
  int32_t rule = builder_.declare("$ref " + std::string(ref));
  refs_.emplace(std::string(ref), rule);
  Element element = schema(*target, pointer);
  builder_.define(rule, {{element}});
  return GrammarBuilder::ref(rule);
}

Element JsonSchemaCompiler::any_of(const bj::value& branches, const std::string& path) {
  if (!branches.is_array() || branches.get_array().empty()) invalid_schema(path, "expected a non-empty array of schemas");
  std::vector<Sequence> alternatives;
  for (size_t i = 0; i < branches.get_array().size(); ++i) {
    const bj::value& branch = branches.get_array()[i];
    if (branch == bj::value(false)) continue;
    Element element = schema(branch, child_path(path, i));
    if (std::find(alternatives.begin(), alternatives.end(), Sequence{element}) == alternatives.end()) alternatives.push_back({element});
  }
  if (alternatives.empty()) unsatisfiable_schema(path, "every branch is false");
  return builder_.choice(std::move(alternatives));
}

// Keywords beside anyOf / oneOf apply to every branch: {"type": "object", "anyOf": [A, B]} is
// anyOf [allOf [{"type": "object"}, A], allOf [...B]] (vLLM's tool_choice "required" schema has
// this shape). A lone `type` goes into branches that have none or the same one; anything else
// goes through allOf's merging. Null when nothing stands beside the keyword.
bj::value JsonSchemaCompiler::distribute_siblings(const bj::object& schema, std::string_view keyword, const std::string& path) {
  bj::object siblings;
  for (const auto& entry : schema) {
    if (entry.key() != keyword && constrains(entry.key())) siblings.emplace(entry.key(), entry.value());
  }
  if (siblings.empty()) return nullptr;
  const bj::value& branches = schema.at(keyword);
  if (!branches.is_array()) return nullptr;  // any_of reports it
  bj::array out;
  for (const bj::value& branch : branches.get_array()) {
    const bj::object* object = branch.if_object();
    if (siblings.size() == 1 && siblings.contains("type") && object && !object->contains("allOf")) {
      const bj::value* type = object->if_contains("type");
      if (!type || *type == siblings.at("type")) {
        bj::object typed = *object;
        typed["type"] = siblings.at("type");
        out.push_back(std::move(typed));
        continue;
      }
    }
    if (branch == bj::value(false)) continue;
    if (branch == bj::value(true)) {
      out.push_back(siblings);
      continue;
    }
    if (!object) continue;  // any_of reports it
    out.push_back(bj::object{{"allOf", bj::array{siblings, branch}}});
  }
  if (out.empty()) unsatisfiable_schema(child_path(path, std::string(keyword)), "every branch is false");
  return out;
}

// allOf: one member (with nothing beside it) is that member; several are merged when each is a
// plain object schema (type "object", properties, required); anything else is refused.
Element JsonSchemaCompiler::all_of(const bj::object& schema, const std::string& path) {
  const bj::value& all = schema.at("allOf");
  std::string all_path = child_path(path, "allOf");
  if (!all.is_array() || all.get_array().empty()) invalid_schema(all_path, "expected a non-empty array of schemas");
  std::vector<std::pair<const bj::value*, std::string>> members;
  for (size_t i = 0; i < all.get_array().size(); ++i) members.emplace_back(&all.get_array()[i], child_path(all_path, i));
  bj::value siblings = bj::object();
  for (const auto& entry : schema) {
    if (entry.key() != "allOf" && constrains(entry.key())) siblings.get_object().emplace(entry.key(), entry.value());
  }
  if (!siblings.get_object().empty()) members.emplace_back(&siblings, path);
  std::erase_if(members, [](const auto& member) { return *member.first == bj::value(true); });
  if (members.empty()) return any_value();
  if (members.size() == 1) return this->schema(*members[0].first, members[0].second);

  bj::object properties;
  bj::array required;
  for (auto [member, member_path] : members) {
    for (int hops = 0; member->is_object() && member->get_object().contains("$ref") && hops < kMaxSchemaDepth; ++hops) {
      check_alone(member->get_object(), "$ref", member_path);
      const bj::value& ref = member->get_object().at("$ref");
      std::string_view text = ref.is_string() ? std::string_view(ref.get_string()) : std::string_view();
      if (text.empty() || text[0] != '#') unsupported_keyword("$ref", member_path, "(only references inside the schema, \"#/...\")");
      member_path = percent_decoded(text.substr(1));
      member = resolve_pointer(root_, member_path);
      if (!member) invalid_schema(path, "$ref '" + std::string(text) + "' points to nothing");
    }
    if (*member == bj::value(false)) unsatisfiable_schema(member_path, "the schema is false");
    if (!member->is_object()) invalid_schema(member_path, "a schema must be an object or a boolean");
    for (const auto& entry : member->get_object()) {
      std::string_view key = entry.key();
      if (!constrains(key) || (key == "type" && entry.value() == bj::value("object"))) continue;
      if (key == "properties" && entry.value().is_object()) {
        for (const auto& property : entry.value().get_object()) {
          const bj::value* known = properties.if_contains(property.key());
          if (known && *known != property.value()) unsupported_keyword("allOf", path, "with two different schemas for property '" + std::string(property.key()) + "'");
          properties.emplace(property.key(), property.value());
        }
      } else if (key == "required" && entry.value().is_array()) {
        for (const bj::value& name : entry.value().get_array()) {
          if (std::find(required.begin(), required.end(), name) == required.end()) required.push_back(name);
        }
      } else {
        unsupported_keyword("allOf", path, "with several members other than plain object schemas (type, properties, required)");
      }
    }
  }
  bj::value merged = bj::object{{"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(required)}};
  return object(merged.get_object(), path);
}

Element JsonSchemaCompiler::enumeration(const bj::object& schema, const std::string& path) {
  std::string_view keyword = schema.contains("const") ? "const" : "enum";
  check_alone(schema, keyword, path, "type");
  bj::array values;
  if (keyword == "const") {
    values.push_back(schema.at("const"));
  } else {
    const bj::value& listed = schema.at("enum");
    if (!listed.is_array() || listed.get_array().empty()) invalid_schema(path, "enum must be a non-empty array");
    values = listed.get_array();
  }
  std::vector<std::string> types;
  if (const bj::value* type = schema.if_contains("type")) {
    if (type->is_string()) types.emplace_back(type->get_string());
    else if (type->is_array()) for (const bj::value& name : type->get_array()) if (name.is_string()) types.emplace_back(name.get_string());
  }
  auto has_type = [&](const bj::value& value) {
    if (types.empty()) return true;
    auto listed = [&](std::string_view name) { return std::find(types.begin(), types.end(), name) != types.end(); };
    switch (value.kind()) {
      case bj::kind::null: return listed("null");
      case bj::kind::bool_: return listed("boolean");
      case bj::kind::string: return listed("string");
      case bj::kind::array: return listed("array");
      case bj::kind::object: return listed("object");
      case bj::kind::double_:
        return listed("number") || (listed("integer") && std::isfinite(value.get_double()) && value.get_double() == std::floor(value.get_double()));
      default: return listed("number") || listed("integer");
    }
  };
  std::vector<Sequence> alternatives;
  for (const bj::value& value : values) {
    if (!has_type(value)) continue;
    Sequence text = builder_.literal(render(value));
    if (std::find(alternatives.begin(), alternatives.end(), text) == alternatives.end()) alternatives.push_back(std::move(text));
  }
  if (alternatives.empty()) unsatisfiable_schema(path, "no value of '" + std::string(keyword) + "' has the schema's type");
  check_size();
  return builder_.choice(std::move(alternatives));
}

Grammar compile_json_schema(const boost::json::value& schema, const JsonSchemaOptions& options) {
  return JsonSchemaCompiler(schema, options).compile_root();
}

Grammar compile_json_object(const JsonSchemaOptions& options) {
  static const bj::value kEmpty;
  return JsonSchemaCompiler(kEmpty, options).compile_any_object();
}

}  // namespace gatehouse::grammar
