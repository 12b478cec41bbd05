// Python's arithmetic on template values: + - * / // % ** and unary minus, with int overflow,
// division by zero and mixed types reported as errors in Python's words. Results that would be
// larger than `max_bytes` (string or list repetition) are refused.
#pragma once

#include <cstddef>

#include "tokenizer/chat_template/ast.h"

namespace gatehouse::tokenizer::jinja {

Value arithmetic(BinaryOp op, const Value& left, const Value& right, size_t max_bytes);
Value negate(const Value& operand);

// Python slicing of a list, tuple or string; missing bounds are Undefined values.
Value slice(const Value& object, const Value& start, const Value& stop, const Value& step);

}  // namespace gatehouse::tokenizer::jinja
