#include "tokenizer/chat_template/methods.h"

#include <algorithm>
#include <array>
#include <optional>

#include "base/error.h"
#include "base/utf8.h"
#include "tokenizer/chat_template/builtins.h"
#include "tokenizer/chat_template/py_string.h"

namespace gatehouse::tokenizer::jinja {
namespace {

using Method = Value (*)(const Value& self, const CallArgs& args);

std::optional<std::string> optional_string(const CallArgs& args, size_t index, std::string_view name,
                                           std::string_view function) {
  const Value* value = args.get(index, name);
  if (!value || value->is_none()) return std::nullopt;
  return string_argument(*value, function);
}

int64_t optional_int(const CallArgs& args, size_t index, std::string_view name, int64_t fallback,
                     std::string_view function) {
  const Value* value = args.get(index, name);
  return value ? int_argument(*value, function) : fallback;
}

const Value& required(const CallArgs& args, size_t index, std::string_view name, std::string_view function) {
  const Value* value = args.get(index, name);
  if (!value) {
    throw Error(ErrorCode::invalid_argument, std::string(function) + "() missing required argument '" +
                                                 std::string(name) + "'");
  }
  return *value;
}

Value string_list(std::vector<std::string> parts) {
  std::vector<Value> items(parts.begin(), parts.end());
  return Value::list(std::move(items));
}

// startswith/endswith take a string or a tuple of strings.
bool affix_matches(const std::string& text, const Value& affix, bool prefix, std::string_view function) {
  if (affix.is_list()) {
    for (const Value& item : affix.as_list().items) {
      if (affix_matches(text, item, prefix, function)) return true;
    }
    return false;
  }
  const std::string& a = string_argument(affix, function);
  if (a.size() > text.size()) return false;
  return prefix ? text.compare(0, a.size(), a) == 0 : text.compare(text.size() - a.size(), a.size(), a) == 0;
}

int64_t code_point_index(const std::string& text, size_t byte_offset) {
  return int64_t(utf8::count_code_points(std::string_view(text).substr(0, byte_offset)));
}

Value strip_method(const Value& self, const CallArgs& args, py::Side side, std::string_view name) {
  return py::strip(self.as_string(), optional_string(args, 0, "chars", name), side);
}

Value split_method(const Value& self, const CallArgs& args, bool from_right, std::string_view name) {
  return string_list(py::split(self.as_string(), optional_string(args, 0, "sep", name),
                               optional_int(args, 1, "maxsplit", -1, name), from_right));
}

template <bool (*Predicate)(char32_t)>
Value char_predicate(const Value& self, const CallArgs&) {
  return py::all_chars(self.as_string(), Predicate);
}

const std::array<std::pair<std::string_view, Method>, 25> kStringMethods = {{
    {"strip", [](const Value& s, const CallArgs& a) { return strip_method(s, a, py::Side::both, "strip"); }},
    {"lstrip", [](const Value& s, const CallArgs& a) { return strip_method(s, a, py::Side::left, "lstrip"); }},
    {"rstrip", [](const Value& s, const CallArgs& a) { return strip_method(s, a, py::Side::right, "rstrip"); }},
    {"split", [](const Value& s, const CallArgs& a) { return split_method(s, a, false, "split"); }},
    {"rsplit", [](const Value& s, const CallArgs& a) { return split_method(s, a, true, "rsplit"); }},
    {"splitlines", [](const Value& s, const CallArgs&) { return string_list(py::splitlines(s.as_string())); }},
    {"startswith", [](const Value& s, const CallArgs& a) -> Value {
       return affix_matches(s.as_string(), required(a, 0, "prefix", "startswith"), true, "startswith");
     }},
    {"endswith", [](const Value& s, const CallArgs& a) -> Value {
       return affix_matches(s.as_string(), required(a, 0, "suffix", "endswith"), false, "endswith");
     }},
    {"replace", [](const Value& s, const CallArgs& a) -> Value {
       return py::replace(s.as_string(), string_argument(required(a, 0, "old", "replace"), "replace"),
                          string_argument(required(a, 1, "new", "replace"), "replace"),
                          optional_int(a, 2, "count", -1, "replace"));
     }},
    {"upper", [](const Value& s, const CallArgs&) -> Value { return py::upper(s.as_string()); }},
    {"lower", [](const Value& s, const CallArgs&) -> Value { return py::lower(s.as_string()); }},
    {"title", [](const Value& s, const CallArgs&) -> Value { return py::title(s.as_string()); }},
    {"capitalize", [](const Value& s, const CallArgs&) -> Value { return py::capitalize(s.as_string()); }},
    {"find", [](const Value& s, const CallArgs& a) -> Value {
       size_t at = s.as_string().find(string_argument(required(a, 0, "sub", "find"), "find"));
       return at == std::string::npos ? int64_t(-1) : code_point_index(s.as_string(), at);
     }},
    {"rfind", [](const Value& s, const CallArgs& a) -> Value {
       size_t at = s.as_string().rfind(string_argument(required(a, 0, "sub", "rfind"), "rfind"));
       return at == std::string::npos ? int64_t(-1) : code_point_index(s.as_string(), at);
     }},
    {"count", [](const Value& s, const CallArgs& a) -> Value {
       const std::string& sub = string_argument(required(a, 0, "sub", "count"), "count");
       if (sub.empty()) return int64_t(utf8::count_code_points(s.as_string()) + 1);
       int64_t n = 0;
       for (size_t at = s.as_string().find(sub); at != std::string::npos; at = s.as_string().find(sub, at + sub.size())) ++n;
       return n;
     }},
    {"join", [](const Value& s, const CallArgs& a) -> Value {
       BudgetedText out;
       bool first = true;
       for (const Value& item : iterate(required(a, 0, "iterable", "join"))) {
         if (!first) out += s.as_string();
         first = false;
         out += string_argument(item, "join");
       }
       return out.take();
     }},
    {"isspace", char_predicate<py::is_space>},
    {"isalpha", char_predicate<py::is_alpha>},
    {"isdigit", char_predicate<py::is_digit>},
    {"isalnum", char_predicate<py::is_alnum>},
    {"islower", [](const Value& s, const CallArgs&) -> Value { return py::is_lower(s.as_string()); }},
    {"isupper", [](const Value& s, const CallArgs&) -> Value { return py::is_upper(s.as_string()); }},
    {"swapcase", [](const Value& s, const CallArgs&) -> Value {
       std::string out;
       for (const Value& c : iterate(s)) out += py::is_upper(c.as_string()) ? py::lower(c.as_string()) : py::upper(c.as_string());
       return out;
     }},
    {"encode", [](const Value&, const CallArgs&) -> Value {
       throw Error(ErrorCode::invalid_argument, "str.encode() is not available in chat templates");
     }},
}};

Value list_count(const Value& self, const CallArgs& args) {
  const Value& x = required(args, 0, "value", "count");
  int64_t n = 0;
  for (const Value& item : self.as_list().items) n += equals(item, x);
  return n;
}

Value list_index(const Value& self, const CallArgs& args) {
  const Value& x = required(args, 0, "value", "index");
  const auto& items = self.as_list().items;
  for (size_t i = 0; i < items.size(); ++i) {
    if (equals(items[i], x)) return int64_t(i);
  }
  throw Error(ErrorCode::invalid_argument, to_repr(x) + " is not in list");
}

Value list_copy(const Value& self, const CallArgs&) { return Value::list(self.as_list().items); }

Value dict_items(const Value& self, const CallArgs&) {
  std::vector<Value> pairs;
  for (const auto& [key, value] : self.as_dict().entries) pairs.push_back(Value::list({Value(key), value}, true));
  return Value::list(std::move(pairs));
}

Value dict_keys(const Value& self, const CallArgs&) { return Value::list(iterate(self)); }

Value dict_values(const Value& self, const CallArgs&) {
  std::vector<Value> values;
  for (const auto& entry : self.as_dict().entries) values.push_back(entry.second);
  return Value::list(std::move(values));
}

Value dict_get(const Value& self, const CallArgs& args) {
  const Value& key = required(args, 0, "key", "get");
  if (key.is_string()) {
    if (const Value* found = self.as_dict().find(key.as_string())) return *found;
  }
  const Value* fallback = args.get(1, "default");
  return fallback ? *fallback : Value(None{});
}

Value dict_copy(const Value& self, const CallArgs&) {
  Value copy = Value::dict();
  copy.as_dict().entries = self.as_dict().entries;
  copy.as_dict().recharge();
  return copy;
}

Method find_method(const Value& object, std::string_view name) {
  if (object.is_string()) {
    for (const auto& [method_name, method] : kStringMethods) {
      if (method_name == name) return method;
    }
  } else if (object.is_list()) {
    if (name == "count") return list_count;
    if (name == "index") return list_index;
    if (name == "copy" && !object.as_list().is_tuple) return list_copy;
  } else if (object.is_dict() && !object.as_dict().is_namespace) {
    if (name == "items") return dict_items;
    if (name == "keys") return dict_keys;
    if (name == "values") return dict_values;
    if (name == "get") return dict_get;
    if (name == "copy") return dict_copy;
  }
  return nullptr;
}

bool is_mutator(const Value& object, std::string_view name) {
  static constexpr std::string_view list_mutators[] = {"append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"};
  static constexpr std::string_view dict_mutators[] = {"pop", "popitem", "setdefault", "update", "clear"};
  if (object.is_list() && !object.as_list().is_tuple) {
    return std::find(std::begin(list_mutators), std::end(list_mutators), name) != std::end(list_mutators);
  }
  if (object.is_dict() && !object.as_dict().is_namespace) {
    return std::find(std::begin(dict_mutators), std::end(dict_mutators), name) != std::end(dict_mutators);
  }
  return false;
}

}  // namespace

Value bound_method(const Value& object, std::string_view name) {
  if (Method method = find_method(object, name)) {
    return Value::function(std::string(name), [object, method](CallArgs& args) { return method(object, args); });
  }
  if (is_mutator(object, name)) {
    std::string message = "access to attribute '" + std::string(name) + "' of '" +
                          std::string(object.type_name()) + "' object is unsafe.";
    return Value::function(std::string(name), [message](CallArgs&) -> Value {
      throw Error(ErrorCode::invalid_argument, message);
    });
  }
  return Undefined{};
}

}  // namespace gatehouse::tokenizer::jinja
