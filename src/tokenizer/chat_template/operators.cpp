#include "tokenizer/chat_template/operators.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "base/error.h"
#include "tokenizer/chat_template/builtins.h"

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

Value repeat(const Value& sequence, int64_t times, size_t max_bytes) {
  times = std::max<int64_t>(times, 0);
  if (sequence.is_string()) {
    const std::string& text = sequence.as_string();
    if (!text.empty() && uint64_t(times) > max_bytes / text.size()) {
      throw Error(ErrorCode::resource_exhausted, "string repetition result too large");
    }
    std::string out;
    out.reserve(text.size() * size_t(times));
    for (int64_t i = 0; i < times; ++i) out += text;
    return out;
  }
  const List& list = sequence.as_list();
  if (!list.items.empty() && uint64_t(times) > max_bytes / 64 / list.items.size()) {
    throw Error(ErrorCode::resource_exhausted, "list repetition result too large");
  }
  std::vector<Value> items;
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

Value arithmetic(BinaryOp op, const Value& a, const Value& b, size_t max_bytes) {
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  if (is_numeric(a) && is_numeric(b)) {
    if (a.is_float() || b.is_float()) return float_arithmetic(op, a.as_number(), b.as_number());
    return integer_arithmetic(op, integer(a), integer(b));
  }
  if (op == BinaryOp::add) {
    if (a.is_string() && b.is_string()) {
      if (a.as_string().size() + b.as_string().size() > max_bytes) {
        throw Error(ErrorCode::resource_exhausted, "string concatenation result too large");
      }
      return a.as_string() + b.as_string();
    }
    if (a.is_list() && b.is_list() && a.as_list().is_tuple == b.as_list().is_tuple) {
      std::vector<Value> items = a.as_list().items;
      items.insert(items.end(), b.as_list().items.begin(), b.as_list().items.end());
      return Value::list(std::move(items), a.as_list().is_tuple);
    }
  }
  if (op == BinaryOp::multiply) {
    if ((a.is_string() || a.is_list()) && (b.is_int() || b.is_bool())) return repeat(a, integer(b), max_bytes);
    if ((b.is_string() || b.is_list()) && (a.is_int() || a.is_bool())) return repeat(b, integer(a), max_bytes);
  }
  if (op == BinaryOp::modulo && a.is_string()) {
    throw Error(ErrorCode::invalid_argument, "printf-style '%' string formatting is not supported; use ~ or format filters");
  }
  unsupported(symbol(op), a, b);
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
  std::vector<Value> items = iterate(object);
  const int64_t length = int64_t(items.size());
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
  std::vector<Value> out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(items[size_t(i)]);
  if (object.is_list()) return Value::list(std::move(out), object.as_list().is_tuple);
  std::string text;
  for (const Value& c : out) text += c.as_string();
  return text;
}

}  // namespace gatehouse::tokenizer::jinja
