// Splits a template into tokens the way Jinja2 does under transformers' settings (trim_blocks,
// lstrip_blocks, keep_trailing_newline=False): text between tags, with the whitespace control of
// `{%-`, `-%}`, `{%+`, `+%}` already applied; `{% raw %}` bodies as text; expression tokens inside
// tags. Comments disappear. Errors are invalid_argument naming the line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::tokenizer::jinja {

enum class TokenType {
  text,            // literal output
  variable_begin,  // {{
  variable_end,    // }}
  block_begin,     // {%
  block_end,       // %}
  name,            // identifiers and keywords (if, for, in, not, true, ...)
  string,          // a string literal, escapes already resolved
  integer,
  floating,
  op,              // + - * / // % ** ~ == != < <= > >= = ( ) [ ] { } , . : |
  end,             // end of the template
};

struct Token {
  TokenType type;
  std::string value;
  int line;
};

std::vector<Token> lex(std::string_view source);

}  // namespace gatehouse::tokenizer::jinja
