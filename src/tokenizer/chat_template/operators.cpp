#include "tokenizer/chat_template/operators.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "base/error.h"
#include "base/utf8.h"
#include "tokenizer/chat_template/builtins.h"
#include "tokenizer/chat_template/py_string.h"

namespace gatehouse::tokenizer::jinja {
namespace {

bool is_numeric(const Value& v) { return v.is_int() || v.is_float() || v.is_bool(); }
int64_t integer(const Value& v) { return v.is_int() ? v.as_int() : int64_t(v.as_bool()); }

[[noreturn]] void unsupported(std::string_view symbol, const Value& a, const Value& b) {
  throw Error(ErrorCode::invalid_argument, "unsupported operand type(s) for " + std::string(symbol) + ": '" +
                                               std::string(a.type_name()) + "' and '" + std::string(b.type_name()) + "'");
}

[[noreturn]] void overflow() { throw Error(ErrorCode::invalid_argument, "integer overflow"); }

std::string_view symbol(BinaryOp op) {
  switch (op) {
    case BinaryOp::add: return "+";
    case BinaryOp::subtract: return "-";
    case BinaryOp::multiply: return "*";
    case BinaryOp::divide: return "/";
    case BinaryOp::floor_divide: return "//";
    case BinaryOp::modulo: return "%";
    case BinaryOp::power: return "**";
    default: return "?";
  }
}

Value repeat(const Value& sequence, int64_t times) {
  times = std::max<int64_t>(times, 0);
  if (sequence.is_string()) {
    const std::string& text = sequence.as_string();
    ensure_room(uint64_t(times), text.size());
    std::string out;
    out.reserve(text.size() * size_t(times));
    for (int64_t i = 0; i < times; ++i) out += text;
    return out;
  }
  const List& list = sequence.as_list();
  ensure_room(uint64_t(times), list.items.size() * sizeof(Value));
  std::vector<Value> items;
  items.reserve(list.items.size() * size_t(times));
  for (int64_t i = 0; i < times; ++i) items.insert(items.end(), list.items.begin(), list.items.end());
  return Value::list(std::move(items), list.is_tuple);
}

Value integer_arithmetic(BinaryOp op, int64_t a, int64_t b) {
  int64_t out = 0;
  switch (op) {
    case BinaryOp::add:
      if (__builtin_add_overflow(a, b, &out)) overflow();
      return out;
    case BinaryOp::subtract:
      if (__builtin_sub_overflow(a, b, &out)) overflow();
      return out;
    case BinaryOp::multiply:
      if (__builtin_mul_overflow(a, b, &out)) overflow();
      return out;
    case BinaryOp::divide:
      if (b == 0) throw Error(ErrorCode::invalid_argument, "division by zero");
      return double(a) / double(b);
    case BinaryOp::floor_divide:
    case BinaryOp::modulo: {
      if (b == 0) throw Error(ErrorCode::invalid_argument, "integer division or modulo by zero");
      if (a == INT64_MIN && b == -1) overflow();
      int64_t quotient = a / b, remainder = a % b;
      if (remainder != 0 && ((remainder < 0) != (b < 0))) {  // Python floors toward negative infinity
        --quotient;
        remainder += b;
      }
      return op == BinaryOp::floor_divide ? quotient : remainder;
    }
    case BinaryOp::power: {
      if (b < 0) return std::pow(double(a), double(b));
      int64_t result = 1;
      for (int64_t i = 0; i < b; ++i) {
        if (__builtin_mul_overflow(result, a, &result)) overflow();
        if (result == 0 || result == 1) break;
        if (result == -1) {
          result = ((b - i - 1) % 2 == 0) ? -1 : 1;
          break;
        }
      }
      return result;
    }
    default: break;
  }
  GH_CHECK(false);
}

Value float_arithmetic(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::add: return a + b;
    case BinaryOp::subtract: return a - b;
    case BinaryOp::multiply: return a * b;
    case BinaryOp::divide:
      if (b == 0) throw Error(ErrorCode::invalid_argument, "float division by zero");
      return a / b;
    case BinaryOp::floor_divide:
      if (b == 0) throw Error(ErrorCode::invalid_argument, "float floor division by zero");
      return std::floor(a / b);
    case BinaryOp::modulo: {
      if (b == 0) throw Error(ErrorCode::invalid_argument, "float modulo");
      double r = std::fmod(a, b);
      if (r != 0 && ((r < 0) != (b < 0))) r += b;
      return r;
    }
    case BinaryOp::power: return std::pow(a, b);
    default: break;
  }
  GH_CHECK(false);
}

}  // namespace

Value arithmetic(BinaryOp op, Value a, const Value& b) {
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  if (is_numeric(a) && is_numeric(b)) {
    if (a.is_float() || b.is_float()) return float_arithmetic(op, a.as_number(), b.as_number());
    return integer_arithmetic(op, integer(a), integer(b));
  }
  if (op == BinaryOp::add) {
    if (a.append_in_place(b)) return a;
    if (a.is_string() && b.is_string()) return concat(std::move(a), b);
    if (a.is_list() && b.is_list() && a.as_list().is_tuple == b.as_list().is_tuple) {
      ensure_room(a.as_list().items.size() + b.as_list().items.size(), sizeof(Value));
      std::vector<Value> items;
      items.reserve(a.as_list().items.size() + b.as_list().items.size());
      items.insert(items.end(), a.as_list().items.begin(), a.as_list().items.end());
      items.insert(items.end(), b.as_list().items.begin(), b.as_list().items.end());
      return Value::list(std::move(items), a.as_list().is_tuple);
    }
  }
  if (op == BinaryOp::multiply) {
    if ((a.is_string() || a.is_list()) && (b.is_int() || b.is_bool())) return repeat(a, integer(b));
    if ((b.is_string() || b.is_list()) && (a.is_int() || a.is_bool())) return repeat(b, integer(a));
  }
  if (op == BinaryOp::modulo && a.is_string()) {
    throw Error(ErrorCode::invalid_argument, "printf-style '%' string formatting is not supported; use ~ or format filters");
  }
  unsupported(symbol(op), a, b);
}

Value concat(Value left, const Value& right) {
  Value right_text = right.is_string() ? right : Value(to_str(right));
  if (left.is_string() && left.append_in_place(right_text)) return left;
  std::string left_text = left.is_string() ? std::string() : to_str(left);
  std::string_view a = left.is_string() ? std::string_view(left.as_string()) : left_text;
  std::string_view b = right_text.as_string();
  ensure_room(a.size() + b.size(), 1);
  std::string text;
  text.reserve(a.size() + b.size());
  text.append(a).append(b);
  return text;
}

Value negate(const Value& operand) {
  if (operand.is_undefined()) undefined_error(operand);
  if (operand.is_int()) {
    if (operand.as_int() == INT64_MIN) overflow();
    return -operand.as_int();
  }
  if (operand.is_bool()) return -int64_t(operand.as_bool());
  if (operand.is_float()) return -operand.as_float();
  throw Error(ErrorCode::invalid_argument, "bad operand type for unary -: '" + std::string(operand.type_name()) + "'");
}

Value slice(const Value& object, const Value& start_value, const Value& stop_value, const Value& step_value) {
  if (object.is_undefined()) undefined_error(object);
  if (!object.is_list() && !object.is_string()) {
    throw Error(ErrorCode::invalid_argument, "'" + std::string(object.type_name()) + "' object is not subscriptable");
  }
  auto bound = [](const Value& v) -> std::optional<int64_t> {
    if (v.is_undefined() || v.is_none()) return std::nullopt;
    return int_argument(v, "slice");
  };
  // A string is sliced by code point offsets, not as a list of one-character strings.
  const std::vector<Value> no_items;
  const std::vector<Value>& items = object.is_list() ? object.as_list().items : no_items;
  const int64_t length = object.is_list() ? int64_t(items.size()) : int64_t(utf8::count_code_points(object.as_string()));
  int64_t step = bound(step_value).value_or(1);
  if (step == 0) throw Error(ErrorCode::invalid_argument, "slice step cannot be zero");
  const int64_t lower = step > 0 ? 0 : -1;
  const int64_t upper = step > 0 ? length : length - 1;
  auto adjust = [&](std::optional<int64_t> index, int64_t fallback) {
    if (!index) return fallback;
    int64_t i = *index < 0 ? *index + length : *index;
    return std::clamp(i, lower, upper);
  };
  int64_t start = adjust(bound(start_value), step > 0 ? lower : upper);
  int64_t stop = adjust(bound(stop_value), step > 0 ? upper : lower);
  if (object.is_list()) {
    std::vector<Value> out;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(items[size_t(i)]);
    return Value::list(std::move(out), object.as_list().is_tuple);
  }
  std::string_view text = object.as_string();
  if (step == 1) {
    size_t begin = py::code_point_offset(text, size_t(start));
    return std::string(text.substr(begin, py::code_point_offset(text.substr(begin), size_t(std::max(stop - start, int64_t(0))))));
  }
  ensure_room(uint64_t(length) + 1, sizeof(size_t));
  std::vector<size_t> bounds = py::boundaries(text);
  std::string out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.append(text, bounds[size_t(i)], bounds[size_t(i) + 1] - bounds[size_t(i)]);
  }
  return out;
}

}  // namespace gatehouse::tokenizer::jinja
