// Python methods reachable from templates: `text.strip()`, `message.get('content', '')`,
// `xs.count(x)`. Mutating list and dict methods exist but refuse to run, with the message
// transformers' ImmutableSandboxedEnvironment gives.
#pragma once

#include <string_view>

#include "tokenizer/chat_template/value.h"

namespace gatehouse::tokenizer::jinja {

// The method `name` of `object` bound to it, or Undefined when the type has no such method.
Value bound_method(const Value& object, std::string_view name);

}  // namespace gatehouse::tokenizer::jinja
