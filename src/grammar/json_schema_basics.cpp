// The rules every JSON Schema grammar shares, each made once on first use: whitespace and
// separators, strings, numbers, literals, and "any JSON value".
#include "base/json.h"
#include "grammar/json_schema_compiler.h"

namespace gatehouse::grammar {

Sequence JsonSchemaCompiler::whitespace() {
  if (!options_.any_whitespace || options_.max_whitespace == 0) return {};
  if (!whitespace_) {
    ByteSet blanks;
    for (uint8_t byte : {' ', '\n', '\t'}) blanks.add(byte);
    Element space = builder_.bytes(blanks);
    if (options_.max_whitespace < 0) {
      int32_t rule = builder_.declare("ws");
      builder_.define(rule, {{space, GrammarBuilder::ref(rule)}, {}});
      whitespace_ = GrammarBuilder::ref(rule);
    } else {
      whitespace_ = GrammarBuilder::ref(builder_.add_rule("ws", {{builder_.repeat(space, 0, options_.max_whitespace)}}));
    }
  }
  return {*whitespace_};
}

Element JsonSchemaCompiler::comma() {
  if (!comma_) {
    Sequence separator = options_.any_whitespace ? whitespace() : Sequence{};
    separator.push_back(builder_.byte(','));
    for (Element element : options_.any_whitespace ? whitespace() : builder_.literal(" ")) separator.push_back(element);
    comma_ = GrammarBuilder::ref(builder_.add_rule("comma", {separator}));
  }
  return *comma_;
}

Element JsonSchemaCompiler::colon() {
  if (!colon_) {
    Sequence separator = options_.any_whitespace ? whitespace() : Sequence{};
    separator.push_back(builder_.byte(':'));
    for (Element element : options_.any_whitespace ? whitespace() : builder_.literal(" ")) separator.push_back(element);
    colon_ = GrammarBuilder::ref(builder_.add_rule("colon", {separator}));
  }
  return *colon_;
}

Element JsonSchemaCompiler::escape() {
  if (!escape_) {
    // After the backslash: a one-letter escape, or \uXXXX of anything but a surrogate (so that each
    // string character is one code point).
    ByteSet letters;
    for (uint8_t byte : {'"', '\\', '/', 'b', 'f', 'n', 'r', 't'}) letters.add(byte);
    ByteSet hex = ByteSet::range('0', '9');
    hex.add_range('a', 'f');
    hex.add_range('A', 'F');
    ByteSet hex_but_d = ByteSet::range('0', '9');
    for (auto [lo, hi] : std::initializer_list<std::pair<uint8_t, uint8_t>>{{'a', 'c'}, {'e', 'f'}, {'A', 'C'}, {'E', 'F'}}) {
      hex_but_d.add_range(lo, hi);
    }
    ByteSet d = ByteSet::of('d');
    d.add('D');
    Element h = builder_.bytes(hex);
    escape_ = GrammarBuilder::ref(builder_.add_rule(
        "escape", {{builder_.bytes(letters)},
                   {builder_.byte('u'), builder_.bytes(hex_but_d), h, h, h},
                   {builder_.byte('u'), builder_.bytes(d), builder_.bytes(ByteSet::range('0', '7')), h, h}}));
  }
  return *escape_;
}

namespace {
// A string character that needs no escape: any code point but '"', '\' and the controls.
Element unescaped_char(GrammarBuilder& builder) { return builder.codepoints({{0, 0x1F}, {'"', '"'}, {'\\', '\\'}}, /*negated=*/true); }
}  // namespace

Element JsonSchemaCompiler::json_char() {
  if (!json_char_) {
    json_char_ = GrammarBuilder::ref(builder_.add_rule("string_char", {{unescaped_char(builder_)}, {builder_.byte('\\'), escape()}}));
  }
  return *json_char_;
}

Element JsonSchemaCompiler::string_tail() {
  if (!string_tail_) {
    // The characters up to and including the closing quote, right-recursive (a loop for a matcher).
    int32_t rule = builder_.declare("string_tail");
    Element self = GrammarBuilder::ref(rule);
    builder_.define(rule, {{builder_.byte('"')}, {unescaped_char(builder_), self}, {builder_.byte('\\'), escape(), self}});
    string_tail_ = self;
  }
  return *string_tail_;
}

Element JsonSchemaCompiler::any_string() {
  if (!any_string_) any_string_ = GrammarBuilder::ref(builder_.add_rule("string", {{builder_.byte('"'), string_tail()}}));
  return *any_string_;
}

Element JsonSchemaCompiler::any_integer() {
  if (!any_integer_) {
    Element nonzero = builder_.bytes(ByteSet::range('1', '9'));
    Element digits = builder_.star(builder_.bytes(ByteSet::range('0', '9')));
    any_integer_ = GrammarBuilder::ref(
        builder_.add_rule("integer", {{builder_.byte('0')}, {nonzero, digits}, {builder_.byte('-'), nonzero, digits}}));
  }
  return *any_integer_;
}

Element JsonSchemaCompiler::any_number() {
  if (!any_number_) {
    Element digit = builder_.bytes(ByteSet::range('0', '9'));
    Element integer_part = builder_.choice({{builder_.byte('0')}, {builder_.bytes(ByteSet::range('1', '9')), builder_.star(digit)}});
    Element fraction = builder_.optional(builder_.group({builder_.byte('.'), builder_.plus(digit)}));
    ByteSet e = ByteSet::of('e');
    e.add('E');
    ByteSet sign = ByteSet::of('+');
    sign.add('-');
    Element exponent = builder_.optional(builder_.group({builder_.bytes(e), builder_.optional(builder_.bytes(sign)), builder_.plus(digit)}));
    any_number_ = GrammarBuilder::ref(builder_.add_rule(
        "number", {{integer_part, fraction, exponent}, {builder_.byte('-'), integer_part, fraction, exponent}}));
  }
  return *any_number_;
}

Element JsonSchemaCompiler::boolean() {
  if (!boolean_) boolean_ = GrammarBuilder::ref(builder_.add_rule("boolean", {builder_.literal("true"), builder_.literal("false")}));
  return *boolean_;
}

Element JsonSchemaCompiler::null() {
  if (!null_) null_ = GrammarBuilder::ref(builder_.add_rule("null", {builder_.literal("null")}));
  return *null_;
}

Element JsonSchemaCompiler::container(char open, std::optional<Element> content, bool may_be_empty, char close) {
  Sequence start{builder_.byte(static_cast<uint8_t>(open))};
  for (Element element : whitespace()) start.push_back(element);
  std::vector<Sequence> alternatives;
  if (may_be_empty) {
    alternatives.push_back(start);
    alternatives.back().push_back(builder_.byte(static_cast<uint8_t>(close)));
  }
  if (content) {
    alternatives.push_back(start);
    alternatives.back().push_back(*content);
    for (Element element : whitespace()) alternatives.back().push_back(element);
    alternatives.back().push_back(builder_.byte(static_cast<uint8_t>(close)));
  }
  return GrammarBuilder::ref(builder_.add_rule(std::string(1, open) + std::string(1, close), std::move(alternatives)));
}

Element JsonSchemaCompiler::any_value() {
  if (!any_value_rule_) {
    // value, object and array refer to each other: declare all three first.
    any_value_rule_ = builder_.declare("value");
    any_object_rule_ = builder_.declare("object");
    any_array_rule_ = builder_.declare("array");
    Element value = GrammarBuilder::ref(*any_value_rule_);
    builder_.define(*any_value_rule_, {{GrammarBuilder::ref(*any_object_rule_)},
                                       {GrammarBuilder::ref(*any_array_rule_)},
                                       {any_string()},
                                       {any_number()},
                                       {boolean()},
                                       {null()}});
    Element member = builder_.group({any_string(), colon(), value});
    Element members = builder_.group({member, builder_.star(builder_.group({comma(), member}))});
    builder_.define(*any_object_rule_, {{container('{', members, true, '}')}});
    Element values = builder_.group({value, builder_.star(builder_.group({comma(), value}))});
    builder_.define(*any_array_rule_, {{container('[', values, true, ']')}});
  }
  return GrammarBuilder::ref(*any_value_rule_);
}

Element JsonSchemaCompiler::any_object() {
  any_value();
  return GrammarBuilder::ref(*any_object_rule_);
}

Element JsonSchemaCompiler::any_array() {
  any_value();
  return GrammarBuilder::ref(*any_array_rule_);
}

std::string JsonSchemaCompiler::render(const bj::value& value) const {
  std::string_view comma = options_.any_whitespace ? "," : ", ";
  std::string_view colon = options_.any_whitespace ? ":" : ": ";
  std::string out;
  if (value.is_object()) {
    out += "{";
    for (const auto& entry : value.get_object()) {
      if (out.size() > 1) out += comma;
      out += json::serialize(bj::value(entry.key())) + std::string(colon) + render(entry.value());
    }
    return out + "}";
  }
  if (value.is_array()) {
    out += "[";
    for (const bj::value& item : value.get_array()) {
      if (out.size() > 1) out += comma;
      out += render(item);
    }
    return out + "]";
  }
  return json::serialize(value);
}

}  // namespace gatehouse::grammar
