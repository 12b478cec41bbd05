#include "tokenizer/chat_template/value.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>
#include <utility>

#include "base/error.h"
#include "base/utf8.h"

namespace gatehouse::tokenizer::jinja {

namespace {

// A value's heap object: the struct and shared_ptr's control block.
template <typename T>
constexpr size_t kHeader = sizeof(T) + 16;

}  // namespace

Undefined::Undefined(std::string text) : hint(std::move(text)) {
  constexpr size_t kMaxHint = 200;
  if (hint.size() <= kMaxHint) return;
  size_t cut = kMaxHint;
  while (cut > 0 && (static_cast<unsigned char>(hint[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  hint.resize(cut);
  hint += "...";
}

void String::recharge() { charge.resize(kHeader<String> + text.capacity()); }

void List::recharge() { charge.resize(kHeader<List> + items.capacity() * sizeof(Value)); }

const Value* Dict::find(std::string_view key) const {
  for (const auto& [name, value] : entries) {
    if (name == key) return &value;
  }
  return nullptr;
}

Value* Dict::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Dict*>(this)->find(key));
}

void Dict::set(std::string key, Value value) {
  if (Value* existing = find(key)) {
    *existing = std::move(value);
    return;
  }
  entries.emplace_back(std::move(key), std::move(value));
  recharge();
}

void Dict::recharge() {
  size_t bytes = kHeader<Dict> + entries.capacity() * sizeof(entries[0]);
  for (const auto& entry : entries) bytes += entry.first.capacity();
  charge.resize(bytes);
}

Value::Value(std::string s) {
  auto string = std::make_shared<String>();
  string->text = std::move(s);
  string->recharge();
  data_ = std::move(string);
}

bool Value::append_in_place(const Value& more) {
  if (is_string() && more.is_string()) {
    const StringPtr& string = std::get<StringPtr>(data_);
    if (string.use_count() != 1) return false;
    std::string& text = string->text;
    const std::string& tail = more.as_string();
    if (text.size() + tail.size() > text.capacity()) {
      text.reserve(string->charge.grow(text.capacity(), text.size() + tail.size(), 1, kHeader<String>));
    }
    text += tail;
    return true;
  }
  if (is_list() && more.is_list() && as_list().is_tuple == more.as_list().is_tuple) {
    const ListPtr& list = std::get<ListPtr>(data_);
    if (list.use_count() != 1) return false;
    auto& items = list->items;
    const auto& tail = more.as_list().items;
    if (items.size() + tail.size() > items.capacity()) {
      items.reserve(list->charge.grow(items.capacity(), items.size() + tail.size(), sizeof(Value), kHeader<List>));
    }
    items.insert(items.end(), tail.begin(), tail.end());
    return true;
  }
  return false;
}

const Value* CallArgs::get(size_t index, std::string_view name) const {
  if (index < positional.size()) return &positional[index];
  for (const auto& [key, value] : keyword) {
    if (key == name) return &value;
  }
  return nullptr;
}

Value Value::list(std::vector<Value> items, bool is_tuple) {
  auto list = std::make_shared<List>();
  list->items = std::move(items);
  list->is_tuple = is_tuple;
  list->recharge();
  return Value(std::move(list));
}

Value Value::dict() {
  auto dict = std::make_shared<Dict>();
  dict->recharge();
  return Value(std::move(dict));
}

Value Value::function(std::string name, std::function<Value(CallArgs&)> call) {
  return Value(std::make_shared<Callable>(Callable{std::move(name), std::move(call)}));
}

Value Value::from_json(const boost::json::value& json) {
  switch (json.kind()) {
    case boost::json::kind::null: return None{};
    case boost::json::kind::bool_: return json.get_bool();
    case boost::json::kind::int64: return json.get_int64();
    case boost::json::kind::uint64:
      if (json.get_uint64() > uint64_t(INT64_MAX)) return double(json.get_uint64());
      return int64_t(json.get_uint64());
    case boost::json::kind::double_: return json.get_double();
    case boost::json::kind::string: return std::string_view(json.get_string());
    case boost::json::kind::array: {
      std::vector<Value> items;
      items.reserve(json.get_array().size());
      for (const auto& item : json.get_array()) items.push_back(from_json(item));
      return list(std::move(items));
    }
    case boost::json::kind::object: {
      Value result = dict();
      for (const auto& [key, item] : json.get_object()) {
        result.as_dict().entries.emplace_back(std::string(key), from_json(item));
      }
      result.as_dict().recharge();
      return result;
    }
  }
  return None{};
}

double Value::as_number() const {
  if (is_int()) return double(as_int());
  if (is_bool()) return as_bool() ? 1.0 : 0.0;
  return as_float();
}

bool Value::truthy() const {
  return std::visit(
      [](const auto& v) -> bool {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Undefined> || std::is_same_v<T, None>) return false;
        else if constexpr (std::is_same_v<T, bool>) return v;
        else if constexpr (std::is_same_v<T, int64_t>) return v != 0;
        else if constexpr (std::is_same_v<T, double>) return v != 0.0;
        else if constexpr (std::is_same_v<T, StringPtr>) return !v->text.empty();
        else if constexpr (std::is_same_v<T, ListPtr>) return !v->items.empty();
        else if constexpr (std::is_same_v<T, DictPtr>) return v->is_namespace || !v->entries.empty();
        else return true;
      },
      data_);
}

std::string_view Value::type_name() const {
  if (is_undefined()) return "Undefined";
  if (is_none()) return "NoneType";
  if (is_bool()) return "bool";
  if (is_int()) return "int";
  if (is_float()) return "float";
  if (is_string()) return "str";
  if (is_list()) return as_list().is_tuple ? "tuple" : "list";
  if (is_dict()) return as_dict().is_namespace ? "Namespace" : "dict";
  return "function";
}

namespace {

bool is_numeric_like(const Value& v) { return v.is_int() || v.is_float() || v.is_bool(); }

// Pairs of containers already found equal in one comparison. A value that nests one value twice,
// n times over ({'a': d, 'b': d}), has 2^n paths through n containers: without this, comparing two
// such values (which the memory budget cannot stop: they are small) would take 2^n steps. The
// first difference ends a comparison, so everything compared before it is in here: each pair of
// containers is compared once.
using ProvenEqual = std::set<std::pair<const void*, const void*>>;

bool equals(const Value& a, const Value& b, ProvenEqual& proven) {
  if (is_numeric_like(a) && is_numeric_like(b)) {
    if (a.is_float() || b.is_float()) return a.as_number() == b.as_number();
    auto integer = [](const Value& v) { return v.is_int() ? v.as_int() : int64_t(v.as_bool()); };
    return integer(a) == integer(b);
  }
  if (a.is_undefined() || b.is_undefined()) return a.is_undefined() && b.is_undefined();
  if (a.is_none() || b.is_none()) return a.is_none() && b.is_none();
  if (a.is_string() && b.is_string()) return a.as_string() == b.as_string();
  if (a.is_list() && b.is_list()) {
    const List& x = a.as_list();
    const List& y = b.as_list();
    if (&x == &y) return true;  // Python compares an object with itself as equal
    if (x.is_tuple != y.is_tuple || x.items.size() != y.items.size()) return false;
    if (proven.count({&x, &y})) return true;
    for (size_t i = 0; i < x.items.size(); ++i) {
      if (!equals(x.items[i], y.items[i], proven)) return false;
    }
    proven.emplace(&x, &y);
    return true;
  }
  if (a.is_dict() && b.is_dict()) {
    const Dict& x = a.as_dict();
    const Dict& y = b.as_dict();
    if (&x == &y || x.is_namespace || y.is_namespace) return &x == &y;
    if (x.entries.size() != y.entries.size()) return false;
    if (proven.count({&x, &y})) return true;
    for (const auto& [key, value] : x.entries) {
      const Value* other = y.find(key);
      if (!other || !equals(value, *other, proven)) return false;
    }
    proven.emplace(&x, &y);
    return true;
  }
  if (a.is_callable() && b.is_callable()) return &a.as_callable() == &b.as_callable();
  return false;
}

}  // namespace

bool equals(const Value& a, const Value& b) {
  ProvenEqual proven;  // allocates only when containers are compared
  return equals(a, b, proven);
}

bool less_than(const Value& a, const Value& b) {
  if (is_numeric_like(a) && is_numeric_like(b)) {
    if (a.is_int() && b.is_int()) return a.as_int() < b.as_int();
    return a.as_number() < b.as_number();
  }
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();
  if (a.is_list() && b.is_list() && a.as_list().is_tuple == b.as_list().is_tuple) {
    const auto& x = a.as_list().items;
    const auto& y = b.as_list().items;
    for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
      if (!equals(x[i], y[i])) return less_than(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  throw Error(ErrorCode::invalid_argument, "'<' not supported between instances of '" +
                                               std::string(a.type_name()) + "' and '" +
                                               std::string(b.type_name()) + "'");
}

std::string float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string_view text(buffer, end - buffer);  // "-d.ddde+XX": the shortest round-trip digits
  bool negative = text.front() == '-';
  if (negative) text.remove_prefix(1);
  size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exponent = std::stoi(std::string(text.substr(e + 1)));
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {  // Python's repr switches to exponent notation here
    out += digits[0];
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp[8];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + exp;
  }
  if (exponent < 0) return out + "0." + std::string(size_t(-exponent - 1), '0') + digits;
  if (digits.size() <= size_t(exponent) + 1) {
    return out + digits + std::string(size_t(exponent) + 1 - digits.size(), '0') + ".0";
  }
  return out + digits.substr(0, size_t(exponent) + 1) + "." + digits.substr(size_t(exponent) + 1);
}

namespace {

// Python's str.__repr__: single quotes unless the text has ' and no ", escapes for the
// quote, backslash and control characters.
std::string string_repr(const std::string& text) {
  char quote = (text.find('\'') != std::string::npos && text.find('"') == std::string::npos) ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : text) {
    if (c == quote || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += char(c);
    }
  }
  out += quote;
  return out;
}

void append_json_string(BudgetedText& out, const std::string& text, bool ensure_ascii) {
  out += '"';
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    char escaped[16];
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else if (c >= 0x80 && ensure_ascii) {
          int length = 1;
          char32_t cp = utf8::decode(text, i, length);
          i += size_t(length) - 1;
          if (cp >= 0x10000) {  // a surrogate pair, as Python writes it
            cp -= 0x10000;
            std::snprintf(escaped, sizeof escaped, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
          } else {
            std::snprintf(escaped, sizeof escaped, "\\u%04x", unsigned(cp));
          }
          out += escaped;
        } else {
          out += char(c);
        }
    }
  }
  out += '"';
}

void append_json(BudgetedText& out, const Value& value, const JsonFormat& format, int depth) {
  if (depth > 512) throw Error(ErrorCode::invalid_argument, "tojson: value nested too deeply");
  auto newline = [&](int level) {
    if (format.indent < 0) return;
    out += '\n';
    size_t spaces = 0;
    if (__builtin_mul_overflow(size_t(format.indent), size_t(level), &spaces)) spaces = SIZE_MAX;
    out.append(spaces, ' ');  // too many for any budget throws its error
  };
  const std::string item_separator =
      !format.item_separator.empty() ? format.item_separator : format.indent < 0 ? ", " : ",";
  const std::string key_separator = !format.key_separator.empty() ? format.key_separator : ": ";
  if (value.is_none()) {
    out += "null";
  } else if (value.is_bool()) {
    out += value.as_bool() ? "true" : "false";
  } else if (value.is_int()) {
    out += std::to_string(value.as_int());
  } else if (value.is_float()) {
    double d = value.as_float();
    out += std::isnan(d) ? "NaN" : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity") : float_repr(d);
  } else if (value.is_string()) {
    append_json_string(out, value.as_string(), format.ensure_ascii);
  } else if (value.is_list()) {
    const auto& items = value.as_list().items;
    if (items.empty()) {
      out += "[]";
      return;
    }
    out += '[';
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += item_separator;
      newline(depth + 1);
      append_json(out, items[i], format, depth + 1);
    }
    newline(depth);
    out += ']';
  } else if (value.is_dict() && !value.as_dict().is_namespace) {
    std::vector<const std::pair<std::string, Value>*> entries;
    for (const auto& entry : value.as_dict().entries) entries.push_back(&entry);
    if (entries.empty()) {
      out += "{}";
      return;
    }
    if (format.sort_keys) {
      std::stable_sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
    }
    out += '{';
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i) out += item_separator;
      newline(depth + 1);
      append_json_string(out, entries[i]->first, format.ensure_ascii);
      out += key_separator;
      append_json(out, entries[i]->second, format, depth + 1);
    }
    newline(depth);
    out += '}';
  } else {
    throw Error(ErrorCode::invalid_argument,
                "tojson: Object of type " + std::string(value.type_name()) + " is not JSON serializable");
  }
}

void container_repr(BudgetedText& out, const Value& value, int depth);

void repr_at(BudgetedText& out, const Value& value, int depth) {
  if (value.is_string()) {
    out += string_repr(value.as_string());
  } else if (value.is_list() || value.is_dict()) {
    container_repr(out, value, depth + 1);
  } else {
    out += to_str(value);
  }
}

void container_repr(BudgetedText& out, const Value& value, int depth) {
  if (depth > 512) throw Error(ErrorCode::invalid_argument, "value nested too deeply to print");
  if (value.is_list()) {
    const List& list = value.as_list();
    out += list.is_tuple ? '(' : '[';
    for (size_t i = 0; i < list.items.size(); ++i) {
      if (i) out += ", ";
      repr_at(out, list.items[i], depth);
    }
    if (list.is_tuple && list.items.size() == 1) out += ',';
    out += list.is_tuple ? ')' : ']';
    return;
  }
  const Dict& dict = value.as_dict();
  if (dict.is_namespace) out += "<Namespace ";
  out += '{';
  for (size_t i = 0; i < dict.entries.size(); ++i) {
    if (i) out += ", ";
    out += string_repr(dict.entries[i].first);
    out += ": ";
    repr_at(out, dict.entries[i].second, depth);
  }
  out += '}';
  if (dict.is_namespace) out += '>';
}

}  // namespace

std::string to_str(const Value& value) {
  if (value.is_undefined()) return "";
  if (value.is_none()) return "None";
  if (value.is_bool()) return value.as_bool() ? "True" : "False";
  if (value.is_int()) return std::to_string(value.as_int());
  if (value.is_float()) return float_repr(value.as_float());
  if (value.is_string()) return value.as_string();
  if (value.is_list() || value.is_dict()) {
    BudgetedText out;
    container_repr(out, value, 0);
    return out.take();
  }
  return "<function " + value.as_callable().name + ">";
}

std::string to_repr(const Value& value) {
  BudgetedText out;
  repr_at(out, value, 0);
  return out.take();
}

std::string to_json(const Value& value, const JsonFormat& format) {
  BudgetedText out;
  append_json(out, value, format, 0);
  return out.take();
}

}  // namespace gatehouse::tokenizer::jinja
