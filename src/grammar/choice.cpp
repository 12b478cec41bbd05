#include "grammar/choice.h"

#include <set>

#include "base/error.h"

namespace gatehouse::grammar {

Grammar compile_choice(const std::vector<std::string>& choices) {
  if (choices.empty()) throw Error(ErrorCode::invalid_argument, "Choice '[]' cannot be an empty list");
  GrammarBuilder builder;
  std::vector<Sequence> alternatives;
  std::set<std::string_view> seen;  // a repeated choice would only make the grammar ambiguous
  for (const std::string& choice : choices) {
    if (seen.insert(choice).second) alternatives.push_back(builder.literal(choice));
  }
  int32_t root = builder.add_rule("root", std::move(alternatives));
  return std::move(builder).build(root);
}

}  // namespace gatehouse::grammar
