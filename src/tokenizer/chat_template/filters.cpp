// Jinja2's built-in filters with Python semantics, plus transformers' tojson (ensure_ascii=False,
// no HTML escaping, insertion order).
#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <unordered_set>

#include "base/error.h"
#include "base/utf8.h"
#include "tokenizer/chat_template/builtins.h"
#include "tokenizer/chat_template/py_string.h"

namespace gatehouse::tokenizer::jinja {
namespace {

using Filter = Value (*)(const Value& subject, const CallArgs& args);

const Value* arg(const CallArgs& args, size_t index, std::string_view name) { return args.get(index, name); }

bool bool_arg(const CallArgs& args, size_t index, std::string_view name, bool fallback) {
  const Value* value = arg(args, index, name);
  return value ? value->truthy() : fallback;
}

int64_t int_arg(const CallArgs& args, size_t index, std::string_view name, int64_t fallback, std::string_view filter) {
  const Value* value = arg(args, index, name);
  return value ? int_argument(*value, filter) : fallback;
}

std::string string_arg(const CallArgs& args, size_t index, std::string_view name, std::string fallback,
                       std::string_view filter) {
  const Value* value = arg(args, index, name);
  return value ? string_argument(*value, filter) : fallback;
}

std::string text_of(const Value& value) { return to_str(value); }

// Jinja2's attribute paths for sort/map/groupby: "a.b.0".
Value attribute_path(const Value& item, const std::string& path) {
  Value current = item;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (current.is_undefined()) return current;
    errno = 0;
    long long index = numeric ? std::strtoll(part.c_str(), nullptr, 10) : 0;
    current = numeric && errno == 0 ? get_item(current, Value(int64_t(index))) : get_item(current, Value(part));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return current;
}

// The key sort/unique/min/max compare by: the attribute if given, lower-cased unless case_sensitive.
Value sort_key(const Value& item, const Value* attribute, bool case_sensitive) {
  Value key = attribute ? attribute_path(item, to_str(*attribute)) : item;
  if (!case_sensitive && key.is_string()) return py::lower(key.as_string());
  return key;
}

std::vector<Value> sorted(std::vector<Value> items, const Value* attribute, bool case_sensitive, bool reverse) {
  std::vector<std::pair<Value, Value>> keyed;
  for (Value& item : items) keyed.emplace_back(sort_key(item, attribute, case_sensitive), std::move(item));
  std::stable_sort(keyed.begin(), keyed.end(), [reverse](const auto& a, const auto& b) {
    return reverse ? less_than(b.first, a.first) : less_than(a.first, b.first);
  });
  std::vector<Value> out;
  for (auto& entry : keyed) out.push_back(std::move(entry.second));
  return out;
}

Value do_default(const Value& v, const CallArgs& a) {
  const Value* fallback = arg(a, 0, "default_value");
  bool boolean = bool_arg(a, 1, "boolean", false);
  if (v.is_undefined() || (boolean && !v.truthy())) return fallback ? *fallback : Value("");
  return v;
}

// transformers' signature: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
Value do_tojson(const Value& v, const CallArgs& a) {
  if (v.is_undefined()) undefined_error(v);
  JsonFormat format;
  format.ensure_ascii = bool_arg(a, 0, "ensure_ascii", false);
  if (const Value* indent = arg(a, 1, "indent"); indent && !indent->is_none()) {
    format.indent = std::max<int64_t>(int_argument(*indent, "tojson"), 0);  // json.dumps indents by ' ' * indent
  }
  if (const Value* separators = arg(a, 2, "separators"); separators && !separators->is_none()) {
    if (!separators->is_list() || separators->as_list().items.size() != 2) {
      throw Error(ErrorCode::invalid_argument, "tojson: separators must be an (item_separator, key_separator) pair");
    }
    format.item_separator = string_argument(separators->as_list().items[0], "tojson");
    format.key_separator = string_argument(separators->as_list().items[1], "tojson");
  }
  format.sort_keys = bool_arg(a, 3, "sort_keys", false);
  return to_json(v, format);
}

Value do_join(const Value& v, const CallArgs& a) {
  std::string separator = string_arg(a, 0, "d", "", "join");
  const Value* attribute = arg(a, 1, "attribute");
  BudgetedText out;
  bool first = true;
  for (const Value& item : iterate(v)) {
    if (!first) out += separator;
    first = false;
    out += text_of(attribute ? attribute_path(item, to_str(*attribute)) : item);
  }
  return out.take();
}

Value do_indent(const Value& v, const CallArgs& a) {
  const Value* width = arg(a, 0, "width");
  BudgetedText indention;  // ' ' * width, as Jinja2 builds it: a negative width is no indent
  if (width && width->is_string()) {
    indention += width->as_string();
  } else {
    indention.append(size_t(std::max<int64_t>(width ? int_argument(*width, "indent") : 4, 0)), ' ');
  }
  bool first = bool_arg(a, 1, "first", false);
  bool blank = bool_arg(a, 2, "blank", false);
  std::vector<std::string> lines = py::splitlines(text_of(v) + "\n");
  BudgetedText out;
  if (first) out += indention.view();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      out += '\n';
      if (blank || !lines[i].empty()) out += indention.view();
    }
    out += lines[i];
  }
  return out.take();
}

Value do_items(const Value& v, const CallArgs&) {
  if (v.is_undefined()) return Value::list();
  if (!v.is_dict()) throw Error(ErrorCode::invalid_argument, "items filter: expected a mapping, got " + std::string(v.type_name()));
  std::vector<Value> pairs;
  for (const auto& [key, value] : v.as_dict().entries) pairs.push_back(Value::list({Value(key), value}, true));
  return Value::list(std::move(pairs));
}

Value do_dictsort(const Value& v, const CallArgs& a) {
  bool case_sensitive = bool_arg(a, 0, "case_sensitive", false);
  std::string by = string_arg(a, 1, "by", "key", "dictsort");
  bool reverse = bool_arg(a, 2, "reverse", false);
  if (by != "key" && by != "value") throw Error(ErrorCode::invalid_argument, "You can only sort by either 'key' or 'value'");
  Value index(int64_t(by == "key" ? 0 : 1));
  std::vector<Value> pairs = do_items(v, a).as_list().items;
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& x, const Value& y) {
    Value kx = sort_key(x.as_list().items[size_t(index.as_int())], nullptr, case_sensitive);
    Value ky = sort_key(y.as_list().items[size_t(index.as_int())], nullptr, case_sensitive);
    return reverse ? less_than(ky, kx) : less_than(kx, ky);
  });
  return Value::list(std::move(pairs));
}

// select/reject/selectattr/rejectattr share this: keep the items whose test result is `keep`.
Value filter_items(const Value& v, const CallArgs& a, bool by_attribute, bool keep) {
  size_t next = 0;
  std::string attribute;
  if (by_attribute) {
    if (a.positional.empty()) throw Error(ErrorCode::invalid_argument, "selectattr/rejectattr need an attribute name");
    attribute = string_argument(a.positional[next++], "selectattr");
  }
  std::string test = "truthy";
  if (next < a.positional.size()) test = string_argument(a.positional[next++], "select");
  if (test != "truthy" && !has_test(test)) throw Error(ErrorCode::invalid_argument, "no test named '" + test + "'");
  CallArgs test_args;
  test_args.positional.assign(a.positional.begin() + long(next), a.positional.end());
  std::vector<Value> out;
  for (const Value& item : iterate(v)) {
    Value subject = by_attribute ? attribute_path(item, attribute) : item;
    if (apply_test(test, subject, test_args) == keep) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value do_map(const Value& v, const CallArgs& a) {
  std::vector<Value> out;
  if (const Value* attribute = arg(a, SIZE_MAX, "attribute")) {
    const Value* fallback = arg(a, SIZE_MAX, "default");
    for (const Value& item : iterate(v)) {
      Value mapped = attribute_path(item, to_str(*attribute));
      out.push_back(mapped.is_undefined() && fallback ? *fallback : mapped);
    }
    return Value::list(std::move(out));
  }
  if (a.positional.empty()) throw Error(ErrorCode::invalid_argument, "map needs a filter name or attribute=");
  std::string filter = string_argument(a.positional[0], "map");
  if (!has_filter(filter)) throw Error(ErrorCode::invalid_argument, "no filter named '" + filter + "'");
  CallArgs filter_args;
  filter_args.positional.assign(a.positional.begin() + 1, a.positional.end());
  filter_args.keyword = a.keyword;
  for (const Value& item : iterate(v)) out.push_back(apply_filter(filter, item, filter_args));
  return Value::list(std::move(out));
}

// For unique: one text per class of equal strings, numbers (1 == 1.0 == True) and None, the keys
// Python's set hashes; nullopt for the rest (and NaN, equal to nothing), compared one by one.
std::optional<std::string> hashed_key(const Value& key) {
  if (key.is_none()) return "n";
  if (key.is_string()) return "s" + key.as_string();
  if (key.is_int()) return "i" + std::to_string(key.as_int());
  if (key.is_bool()) return key.as_bool() ? "i1" : "i0";
  if (key.is_float()) {
    double number = key.as_number();
    if (std::isnan(number)) return std::nullopt;
    // An integral float within int64 equals that int; any other float has its own bits.
    if (number == std::trunc(number) && number >= -0x1p63 && number < 0x1p63) return "i" + std::to_string(int64_t(number));
    return "f" + std::to_string(std::bit_cast<uint64_t>(number));
  }
  return std::nullopt;
}

Value do_unique(const Value& v, const CallArgs& a) {
  bool case_sensitive = bool_arg(a, 0, "case_sensitive", false);
  const Value* attribute = arg(a, 1, "attribute");
  std::unordered_set<std::string> hashed;  // linear for the keys Python can hash
  std::vector<Value> others, out;
  for (const Value& item : iterate(v)) {
    Value key = sort_key(item, attribute, case_sensitive);
    bool first = false;
    if (std::optional<std::string> text = hashed_key(key)) {
      first = hashed.insert(std::move(*text)).second;
    } else if (std::none_of(others.begin(), others.end(), [&](const Value& s) { return equals(s, key); })) {
      others.push_back(std::move(key));
      first = true;
    }
    if (first) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value extreme(const Value& v, const CallArgs& a, bool want_max) {
  bool case_sensitive = bool_arg(a, 0, "case_sensitive", false);
  const Value* attribute = arg(a, 1, "attribute");
  std::vector<Value> items = iterate(v);
  if (items.empty()) return Undefined{"No aggregated item, sequence was empty."};
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    Value key = sort_key(items[i], attribute, case_sensitive);
    Value best_key = sort_key(items[best], attribute, case_sensitive);
    if (want_max ? less_than(best_key, key) : less_than(key, best_key)) best = i;
  }
  return items[best];
}

Value add(const Value& a, const Value& b) {
  if (a.is_int() && b.is_int()) {
    int64_t out;
    if (__builtin_add_overflow(a.as_int(), b.as_int(), &out)) throw Error(ErrorCode::invalid_argument, "integer overflow in sum");
    return out;
  }
  if ((a.is_int() || a.is_float() || a.is_bool()) && (b.is_int() || b.is_float() || b.is_bool())) {
    if (a.is_float() || b.is_float()) return a.as_number() + b.as_number();
    return int64_t(a.as_number() + b.as_number());
  }
  throw Error(ErrorCode::invalid_argument, "unsupported operand type(s) for +: '" + std::string(a.type_name()) +
                                               "' and '" + std::string(b.type_name()) + "'");
}

Value do_sum(const Value& v, const CallArgs& a) {
  const Value* attribute = arg(a, 0, "attribute");
  const Value* start = arg(a, 1, "start");
  Value total = start ? *start : Value(int64_t(0));
  for (const Value& item : iterate(v)) total = add(total, attribute ? attribute_path(item, to_str(*attribute)) : item);
  return total;
}

Value do_int(const Value& v, const CallArgs& a) {
  Value fallback = arg(a, 0, "default") ? *arg(a, 0, "default") : Value(int64_t(0));
  if (v.is_int()) return v;
  if (v.is_bool()) return int64_t(v.as_bool());
  if (v.is_float()) return std::isfinite(v.as_float()) ? Value(int64_t(v.as_float())) : fallback;
  if (v.is_string()) {
    std::string text = py::strip(v.as_string(), std::nullopt, py::Side::both);
    char* end = nullptr;
    errno = 0;
    long long parsed = std::strtoll(text.c_str(), &end, 10);
    if (!text.empty() && *end == '\0' && errno == 0) return int64_t(parsed);
    double d = std::strtod(text.c_str(), &end);
    if (!text.empty() && *end == '\0' && std::isfinite(d)) return int64_t(d);
  }
  return fallback;
}

Value do_float(const Value& v, const CallArgs& a) {
  Value fallback = arg(a, 0, "default") ? *arg(a, 0, "default") : Value(0.0);
  if (v.is_int() || v.is_bool() || v.is_float()) return v.as_number();
  if (v.is_string()) {
    std::string text = py::strip(v.as_string(), std::nullopt, py::Side::both);
    char* end = nullptr;
    double d = std::strtod(text.c_str(), &end);
    if (!text.empty() && *end == '\0') return d;
  }
  return fallback;
}

Value do_round(const Value& v, const CallArgs& a) {
  int64_t precision = int_arg(a, 0, "precision", 0, "round");
  std::string method = string_arg(a, 1, "method", "common", "round");
  if (method != "common" && method != "ceil" && method != "floor") {
    throw Error(ErrorCode::invalid_argument, "method must be common, ceil or floor");
  }
  if (!(v.is_int() || v.is_float() || v.is_bool())) {
    throw Error(ErrorCode::invalid_argument, "round filter: expected a number, got " + std::string(v.type_name()));
  }
  if (method == "common" && !v.is_float()) return v.is_bool() ? Value(int64_t(v.as_bool())) : v;  // Python's round(int)
  double scale = std::pow(10.0, double(precision));
  double x = v.as_number() * scale;
  double r = method == "ceil" ? std::ceil(x) : method == "floor" ? std::floor(x) : std::nearbyint(x);  // half to even
  return r / scale;
}

Value do_batch(const Value& v, const CallArgs& a) {
  int64_t size = int_arg(a, 0, "linecount", 1, "batch");
  if (size <= 0) throw Error(ErrorCode::invalid_argument, "batch size must be positive");
  const Value* fill = arg(a, 1, "fill_with");
  if (fill && !fill->is_none()) ensure_room(uint64_t(size), sizeof(Value));  // the last batch is padded to `size`
  std::vector<Value> out, current;
  for (const Value& item : iterate(v)) {
    current.push_back(item);
    if (int64_t(current.size()) == size) out.push_back(Value::list(std::exchange(current, {})));
  }
  if (!current.empty()) {
    if (fill && !fill->is_none()) current.resize(size_t(size), *fill);
    out.push_back(Value::list(std::move(current)));
  }
  return Value::list(std::move(out));
}

Value do_center(const Value& v, const CallArgs& a) {
  std::string text = text_of(v);
  int64_t width = int_arg(a, 0, "width", 80, "center");
  int64_t length = int64_t(utf8::count_code_points(text));
  if (width <= length) return text;
  int64_t pad = width - length;
  int64_t left = pad / 2 + (pad & width & 1);  // Python's str.center puts the odd space on the left when width is odd
  BudgetedText out;
  out.append(size_t(left), ' ');
  out += text;
  out.append(size_t(pad - left), ' ');
  return out.take();
}

Value do_truncate(const Value& v, const CallArgs& a) {
  std::string text = text_of(v);
  int64_t length = int_arg(a, 0, "length", 255, "truncate");
  bool killwords = bool_arg(a, 1, "killwords", false);
  std::string end = string_arg(a, 2, "end", "...", "truncate");
  int64_t leeway = int_arg(a, 3, "leeway", 5, "truncate");
  std::vector<Value> chars = iterate(Value(text));
  if (int64_t(chars.size()) <= length + leeway) return text;
  int64_t keep = std::max<int64_t>(0, length - int64_t(utf8::count_code_points(end)));
  std::string head;
  for (int64_t i = 0; i < keep && i < int64_t(chars.size()); ++i) head += chars[size_t(i)].as_string();
  if (killwords) return head + end;
  std::vector<std::string> parts = py::split(head, std::string(" "), 1, true);
  return parts[0] + end;
}

Value do_wordcount(const Value& v, const CallArgs&) {
  int64_t words = 0;
  bool in_word = false;
  for (const Value& c : iterate(Value(text_of(v)))) {
    int length = 1;
    char32_t cp = utf8::decode(c.as_string(), 0, length);
    bool word = py::is_alnum(cp) || cp == '_';
    if (word && !in_word) ++words;
    in_word = word;
  }
  return words;
}

Value do_escape(const Value& v, const CallArgs&) {
  BudgetedText out;  // up to six times the text
  for (char c : text_of(v)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out.take();
}

Value do_title(const Value& v, const CallArgs&) {
  // Jinja2 capitalizes each piece after a run of '-', whitespace or an opening bracket.
  std::string text = text_of(v), out, piece;
  auto flush = [&] {
    out += py::capitalize(piece);
    piece.clear();
  };
  for (const Value& c : iterate(Value(text))) {
    const std::string& ch = c.as_string();
    int length = 1;
    char32_t cp = utf8::decode(ch, 0, length);
    bool separator = cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' || py::is_space(cp);
    if (separator) {
      flush();
      out += ch;
    } else {
      piece += ch;
    }
  }
  flush();
  return out;
}

Value first_or_last(const Value& v, bool first) {
  std::vector<Value> items = iterate(v);
  if (items.empty()) return Undefined{"No first item, sequence was empty."};
  return first ? items.front() : items.back();
}

Value do_reverse(const Value& v, const CallArgs&) {
  std::vector<Value> items = iterate(v);
  std::reverse(items.begin(), items.end());
  if (!v.is_string()) return Value::list(std::move(items));
  std::string out;
  for (const Value& c : items) out += c.as_string();
  return out;
}

Value do_abs(const Value& v, const CallArgs&) {
  if (v.is_int()) {
    if (v.as_int() == INT64_MIN) throw Error(ErrorCode::invalid_argument, "integer overflow in abs");
    return std::abs(v.as_int());
  }
  if (v.is_bool()) return int64_t(v.as_bool());
  if (v.is_float()) return std::fabs(v.as_float());
  throw Error(ErrorCode::invalid_argument, "bad operand type for abs(): '" + std::string(v.type_name()) + "'");
}

Value do_replace(const Value& v, const CallArgs& a) {
  const Value* old = arg(a, 0, "old");
  const Value* replacement = arg(a, 1, "new");
  if (!old || !replacement) throw Error(ErrorCode::invalid_argument, "replace filter needs old and new strings");
  const Value* count = arg(a, 2, "count");
  return py::replace(text_of(v), text_of(*old), text_of(*replacement),
                     count && !count->is_none() ? int_argument(*count, "replace") : -1);
}

Value do_list(const Value& v, const CallArgs&) { return Value::list(iterate(v)); }

Value do_sort(const Value& v, const CallArgs& a) {
  return Value::list(sorted(iterate(v), arg(a, 2, "attribute"), bool_arg(a, 1, "case_sensitive", false),
                            bool_arg(a, 0, "reverse", false)));
}

const std::array<std::pair<std::string_view, Filter>, 44> kFilters = {{
    {"abs", do_abs},
    {"batch", do_batch},
    {"capitalize", [](const Value& v, const CallArgs&) -> Value { return py::capitalize(text_of(v)); }},
    {"center", do_center},
    {"count", [](const Value& v, const CallArgs&) -> Value { return length(v); }},
    {"d", do_default},
    {"default", do_default},
    {"dictsort", do_dictsort},
    {"e", do_escape},
    {"escape", do_escape},
    {"first", [](const Value& v, const CallArgs&) { return first_or_last(v, true); }},
    {"float", do_float},
    {"forceescape", do_escape},
    {"indent", do_indent},
    {"int", do_int},
    {"items", do_items},
    {"join", do_join},
    {"last", [](const Value& v, const CallArgs&) { return first_or_last(v, false); }},
    {"length", [](const Value& v, const CallArgs&) -> Value { return length(v); }},
    {"list", do_list},
    {"lower", [](const Value& v, const CallArgs&) -> Value { return py::lower(text_of(v)); }},
    {"map", do_map},
    {"max", [](const Value& v, const CallArgs& a) { return extreme(v, a, true); }},
    {"min", [](const Value& v, const CallArgs& a) { return extreme(v, a, false); }},
    {"reject", [](const Value& v, const CallArgs& a) { return filter_items(v, a, false, false); }},
    {"rejectattr", [](const Value& v, const CallArgs& a) { return filter_items(v, a, true, false); }},
    {"replace", do_replace},
    {"reverse", do_reverse},
    {"round", do_round},
    {"safe", [](const Value& v, const CallArgs&) { return v; }},
    {"select", [](const Value& v, const CallArgs& a) { return filter_items(v, a, false, true); }},
    {"selectattr", [](const Value& v, const CallArgs& a) { return filter_items(v, a, true, true); }},
    {"sort", do_sort},
    {"string", [](const Value& v, const CallArgs&) -> Value { return text_of(v); }},
    {"sum", do_sum},
    {"title", do_title},
    {"tojson", do_tojson},
    {"trim", [](const Value& v, const CallArgs& a) -> Value {
       const Value* chars = arg(a, 0, "chars");
       return py::strip(text_of(v), chars && !chars->is_none() ? std::optional<std::string>(to_str(*chars)) : std::nullopt,
                        py::Side::both);
     }},
    {"truncate", do_truncate},
    {"unique", do_unique},
    {"upper", [](const Value& v, const CallArgs&) -> Value { return py::upper(text_of(v)); }},
    {"wordcount", do_wordcount},
    {"attr", [](const Value& v, const CallArgs& a) -> Value {
       const Value* name = arg(a, 0, "name");
       if (!name) throw Error(ErrorCode::invalid_argument, "attr filter needs a name");
       return get_attribute(v, string_argument(*name, "attr"));
     }},
    {"pprint", [](const Value& v, const CallArgs&) -> Value { return to_repr(v); }},
}};

Filter find(std::string_view name) {
  for (const auto& [filter_name, filter] : kFilters) {
    if (filter_name == name) return filter;
  }
  return nullptr;
}

}  // namespace

bool has_filter(std::string_view name) { return find(name) != nullptr; }

Value apply_filter(std::string_view name, const Value& subject, const CallArgs& args) {
  Filter filter = find(name);
  if (!filter) throw Error(ErrorCode::invalid_argument, "no filter named '" + std::string(name) + "'");
  return filter(subject, args);
}

}  // namespace gatehouse::tokenizer::jinja
