// The values a chat template computes with, modelled on the Python objects Jinja2 sees under
// transformers: undefined, None, bool, int, float, str, list/tuple, dict (insertion-ordered, string
// keys) and callables (globals, macros, bound methods). Lists and dicts are shared by reference, as
// in Python, so a namespace assigned in a loop is seen outside it. Strings, lists and dicts made
// during a render are charged to its MemoryBudget while they live. Not thread-safe; one render
// owns its values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json/fwd.hpp>

#include "tokenizer/chat_template/memory_budget.h"

namespace gatehouse::tokenizer::jinja {

class Value;

struct String {
  std::string text;
  Charge charge;
  void recharge();  // after `text` changed
};

struct List {
  std::vector<Value> items;
  bool is_tuple = false;  // printed as (a, b) and immutable, otherwise a Python list
  Charge charge;
  void recharge();  // after `items` changed
};

struct Dict {
  std::vector<std::pair<std::string, Value>> entries;  // insertion order, as Python dicts
  bool is_namespace = false;  // Jinja's namespace(): the one object `set x.attr = ...` may change
  Charge charge;

  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  void set(std::string key, Value value);
  void recharge();  // after `entries` changed other than through set()
};

// Positional and keyword arguments of one call.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // The argument at `index`, or the keyword `name`, or nullptr. Unknown keywords are not checked.
  const Value* get(size_t index, std::string_view name) const;
};

struct Callable {
  std::string name;
  std::function<Value(CallArgs&)> call;
};

struct Undefined {
  Undefined() = default;
  // A hint can quote a template's value (the missing key), so it is cut to 200 bytes: an undefined
  // value holds no more memory than its message needs, whatever it was looked up with.
  Undefined(std::string text);
  std::string hint;  // what was looked up, for the error when it is used: "'x' is undefined"
};
struct None {};

class Value {
 public:
  using StringPtr = std::shared_ptr<String>;
  using ListPtr = std::shared_ptr<List>;
  using DictPtr = std::shared_ptr<Dict>;
  using CallablePtr = std::shared_ptr<Callable>;

  Value() : data_(Undefined{}) {}
  Value(Undefined undefined) : data_(std::move(undefined)) {}
  Value(None) : data_(None{}) {}
  Value(bool b) : data_(b) {}
  Value(int i) : data_(int64_t(i)) {}
  Value(int64_t i) : data_(i) {}
  Value(double d) : data_(d) {}
  // Strings are immutable and shared: copying a Value never copies the text.
  Value(std::string s);
  Value(std::string_view s) : Value(std::string(s)) {}
  Value(const char* s) : Value(std::string(s)) {}
  Value(ListPtr list) : data_(std::move(list)) {}
  Value(DictPtr dict) : data_(std::move(dict)) {}
  Value(CallablePtr callable) : data_(std::move(callable)) {}

  static Value list(std::vector<Value> items = {}, bool is_tuple = false);
  static Value dict();
  static Value function(std::string name, std::function<Value(CallArgs&)> call);
  // Converts JSON as Python's json.loads would: integers stay int, numbers with a fraction or an
  // exponent become float, objects keep their key order.
  static Value from_json(const boost::json::value& json);

  bool is_undefined() const { return std::holds_alternative<Undefined>(data_); }
  bool is_none() const { return std::holds_alternative<None>(data_); }
  bool is_bool() const { return std::holds_alternative<bool>(data_); }
  bool is_int() const { return std::holds_alternative<int64_t>(data_); }
  bool is_float() const { return std::holds_alternative<double>(data_); }
  bool is_number() const { return is_int() || is_float(); }  // bool counts too in Python; see type_name
  bool is_string() const { return std::holds_alternative<StringPtr>(data_); }
  bool is_list() const { return std::holds_alternative<ListPtr>(data_); }
  bool is_dict() const { return std::holds_alternative<DictPtr>(data_); }
  bool is_callable() const { return std::holds_alternative<CallablePtr>(data_); }

  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return std::get<int64_t>(data_); }
  double as_float() const { return std::get<double>(data_); }
  // int, float or bool as a double (Python's numeric tower).
  double as_number() const;
  const std::string& as_string() const { return std::get<StringPtr>(data_)->text; }
  List& as_list() const { return *std::get<ListPtr>(data_); }
  Dict& as_dict() const { return *std::get<DictPtr>(data_); }
  Callable& as_callable() const { return *std::get<CallablePtr>(data_); }
  const Undefined& as_undefined() const { return std::get<Undefined>(data_); }

  // `x = x + y` without copying x: when this value is a string or list that nothing else refers
  // to, appends `more` (a string, or a list of the same kind) to it in place and returns true.
  // Otherwise changes nothing and returns false. Throws when the growth passes the budget.
  bool append_in_place(const Value& more);

  // Python truthiness.
  bool truthy() const;
  // Python's type name, for error messages: "str", "int", "list", "dict", "NoneType", ...
  std::string_view type_name() const;

 private:
  std::variant<Undefined, None, bool, int64_t, double, StringPtr, ListPtr, DictPtr, CallablePtr> data_;
};

// Python ==, with int/float/bool comparing numerically and containers element-wise.
bool equals(const Value& a, const Value& b);

// Python <: numbers with numbers, strings with strings, lists lexicographically; anything else is
// an invalid_argument error naming both types.
bool less_than(const Value& a, const Value& b);

// Python's str(): what {{ value }} prints (undefined prints nothing).
std::string to_str(const Value& value);

// Python's repr(): strings quoted the way Python quotes them, floats as the shortest round trip.
std::string to_repr(const Value& value);

// Python's repr() of a float: "1.0", "0.1", "1e+16", "inf", "nan".
std::string float_repr(double value);

// The arguments of Python's json.dumps that transformers' tojson passes through.
struct JsonFormat {
  int64_t indent = -1;  // < 0: None (one line)
  bool sort_keys = false;
  bool ensure_ascii = false;
  // Separators; empty means Python's default: ", " (or "," with an indent) and ": ".
  std::string item_separator, key_separator;
};

// json.dumps(value, ...), the tojson filter transformers installs.
std::string to_json(const Value& value, const JsonFormat& format = {});

}  // namespace gatehouse::tokenizer::jinja
