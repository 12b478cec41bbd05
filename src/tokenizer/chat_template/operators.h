// Python's arithmetic on template values: + - * / // % ** and unary minus, with int overflow,
// division by zero and mixed types reported as errors in Python's words, and Jinja's ~. Results
// that would not fit the render's memory budget are refused before they are built.
#pragma once

#include <cstddef>

#include "tokenizer/chat_template/ast.h"

namespace gatehouse::tokenizer::jinja {

// `left` is taken by value: a string or list nothing else refers to is appended to in place by +,
// so `x = x + [item]` in a loop stays linear.
Value arithmetic(BinaryOp op, Value left, const Value& right);
// `left ~ right`: both printed and joined, in place when `left` is an unshared string.
Value concat(Value left, const Value& right);
Value negate(const Value& operand);

// Python slicing of a list, tuple or string; missing bounds are Undefined values.
Value slice(const Value& object, const Value& start, const Value& stop, const Value& step);

}  // namespace gatehouse::tokenizer::jinja
