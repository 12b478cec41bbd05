#include "tokenizer/chat_template/template.h"

#include "tokenizer/chat_template/builtins.h"
#include "tokenizer/chat_template/interpreter.h"
#include "tokenizer/chat_template/parser.h"

namespace gatehouse::tokenizer::jinja {

Template::Template(std::string_view source) : body_(std::make_shared<Body>(parse(source))) {}

std::string Template::render(const std::vector<std::pair<std::string, Value>>& variables) const {
  auto globals = std::make_shared<Scope>();
  for (auto& [name, value] : global_functions()) globals->set(name, std::move(value));
  auto root = std::make_shared<Scope>(std::move(globals));
  for (const auto& [name, value] : variables) root->set(name, value);
  return Interpreter().render(*body_, std::move(root));
}

}  // namespace gatehouse::tokenizer::jinja
