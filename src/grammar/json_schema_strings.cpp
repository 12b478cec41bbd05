// Strings: minLength/maxLength (in characters; an escape is one), pattern and format. A pattern or
// format is a regular expression over the string's characters; it is compiled on its own and
// copied in with every byte that would need a JSON escape ('"', '\', controls) taken out of its
// character sets, so the raw text it matches is also the JSON string's content.
#include "base/error.h"
#include "grammar/json_schema_compiler.h"
#include "grammar/regex.h"

namespace gatehouse::grammar {
namespace {

ByteSet intersection(const ByteSet& a, const ByteSet& b) {
  ByteSet outside = a.complement();
  outside.add_all(b.complement());
  return outside.complement();
}

// Copies `grammar`'s rules into `builder`, each byte set narrowed to `allowed`; its root, as an
// element. (Taking out ASCII bytes only removes whole characters: no UTF-8 sequence holds one.)
Element embed(GrammarBuilder& builder, const Grammar& grammar, const ByteSet& allowed) {
  std::vector<int32_t> rules;
  for (const Rule& rule : grammar.rules()) rules.push_back(builder.declare(rule.name));
  for (size_t r = 0; r < rules.size(); ++r) {
    std::vector<Sequence> alternatives;
    for (const Sequence& sequence : grammar.rules()[r].alternatives) {
      Sequence copy;
      for (const Element& element : sequence) {
        copy.push_back(element.kind == Element::Kind::rule ? GrammarBuilder::ref(rules[element.index])
                                                           : builder.bytes(intersection(grammar.byte_sets()[element.index], allowed)));
      }
      alternatives.push_back(std::move(copy));
    }
    builder.define(rules[r], std::move(alternatives));
  }
  return GrammarBuilder::ref(rules[grammar.root()]);
}

}  // namespace

Element JsonSchemaCompiler::string(const bj::object& schema, const std::string& path) {
  int64_t least = count_keyword(schema, "minLength", path).value_or(0);
  std::optional<int64_t> most = count_keyword(schema, "maxLength", path);
  const bj::value* pattern = schema.if_contains("pattern");
  const bj::value* format = schema.if_contains("format");
  if (pattern && !pattern->is_string()) invalid_schema(path, "pattern must be a string");
  if (format && !format->is_string()) invalid_schema(path, "format must be a string");
  if (pattern && format) unsupported_keyword("pattern", path, "beside 'format'");
  if ((pattern || format) && (least > 0 || most)) {
    unsupported_keyword(least > 0 ? "minLength" : "maxLength", path, pattern ? "beside 'pattern'" : "beside 'format'");
  }
  if (most && least > *most) unsatisfiable_schema(path, "minLength is above maxLength");
  if (pattern) return string_matching(pattern->get_string(), path, "pattern");
  if (format) {
    std::optional<std::string_view> regex = format_regex(format->get_string());
    if (!regex) unsupported_keyword("format", path, "with the value '" + std::string(format->get_string()) + "'");
    return string_matching(*regex, path, "format");
  }
  if (least == 0 && !most) return any_string();
  check_repetition(std::max(least, most.value_or(least)));
  return builder_.group({builder_.byte('"'), builder_.repeat(json_char(), least, most.value_or(-1)), builder_.byte('"')});
}

Element JsonSchemaCompiler::string_matching(std::string_view regex, const std::string& path, std::string_view keyword) {
  std::string key(regex);
  if (auto found = regexes_.find(key); found != regexes_.end()) return found->second;
  Grammar grammar;
  try {
    grammar = compile_regex(regex);
  } catch (const Error& error) {
    throw Error(ErrorCode::invalid_argument, "the JSON schema's " + std::string(keyword) + " at " + where(path) +
                                                 " cannot be used: " + error.what());
  }
  ByteSet allowed = ByteSet::range(0x20, 0xFF);
  allowed = intersection(allowed, ByteSet::of('"').complement());
  allowed = intersection(allowed, ByteSet::of('\\').complement());
  Element element = builder_.group({builder_.byte('"'), embed(builder_, grammar, allowed), builder_.byte('"')});
  check_size();
  regexes_.emplace(std::move(key), element);
  return element;
}

}  // namespace gatehouse::grammar
