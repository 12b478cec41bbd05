// Kubernetes' $(VAR) expansion of container commands and arguments, with its corner cases: an
// unknown or unterminated reference stays as written, "$$" is one literal '$', and any other
// character after '$' is kept with it. Values are not expanded again.
#include "control/recipe.h"

namespace gatehouse::control {

std::string expand_env_references(std::string_view text,
                                  const std::function<std::optional<std::string>(std::string_view)>& lookup) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  // The first ')' after the last "$(" looked from, kept so that a text of many "$(" and no ')' is
  // scanned once rather than once per "$(".
  size_t close = std::string_view::npos;
  bool searched = false;
  while (i < text.size()) {
    const size_t dollar = text.find('$', i);
    if (dollar == std::string_view::npos || dollar + 1 == text.size()) {
      out.append(text.substr(i));  // no '$' left, or one at the very end: kept
      break;
    }
    out.append(text.substr(i, dollar - i));
    const char next = text[dollar + 1];
    if (next == '$') {
      out += '$';
      i = dollar + 2;
    } else if (next == '(') {
      if (!searched || (close != std::string_view::npos && close < dollar + 2)) {
        close = text.find(')', dollar + 2);
        searched = true;
      }
      if (close == std::string_view::npos) {
        out += "$(";  // unterminated: kept, and the scan goes on after "$("
        i = dollar + 2;
        continue;
      }
      const std::string_view name = text.substr(dollar + 2, close - dollar - 2);
      const std::optional<std::string> value = lookup(name);
      if (value) out += *value;
      else out.append(text.substr(dollar, close - dollar + 1));
      i = close + 1;
    } else {
      out += '$';
      out += next;
      i = dollar + 2;
    }
  }
  return out;
}

}  // namespace gatehouse::control
