// A parsed Jinja template, rendered the way transformers renders chat templates (Jinja2's
// ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks, loop controls, and transformers'
// tojson, raise_exception and strftime_now). Parse once, render many times; rendering is
// const and thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/chat_template/value.h"

namespace gatehouse::tokenizer::jinja {

struct Stmt;

class Template {
 public:
  // Throws invalid_argument naming the line on a syntax error, an unknown tag, filter or test.
  explicit Template(std::string_view source);

  // Renders with these variables (they shadow the globals of the same name).
  std::string render(const std::vector<std::pair<std::string, Value>>& variables) const;

 private:
  std::shared_ptr<const std::vector<std::unique_ptr<Stmt>>> body_;
};

}  // namespace gatehouse::tokenizer::jinja
