// The registry of tool-call parsers, by the names of vLLM's --tool-call-parser.
#include "serve/tool_parsers/tool_parser.h"

#include <array>

#include "base/error.h"
#include "serve/tool_parsers/parsers.h"

namespace gatehouse::serve {

namespace {

struct Registered {
  std::string_view name;
  std::unique_ptr<ToolParser> (*make)();
};

constexpr std::array<Registered, 5> kParsers = {{
    {"hermes", tool_parsers::make_hermes_parser},
    {"llama3_json", tool_parsers::make_llama3_json_parser},
    {"llama4_json", tool_parsers::make_llama3_json_parser},
    {"mistral", tool_parsers::make_mistral_parser},
    {"pythonic", tool_parsers::make_pythonic_parser},
}};

}  // namespace

std::unique_ptr<ToolParser> make_tool_parser(std::string_view name) {
  for (const Registered& parser : kParsers) {
    if (parser.name == name) return parser.make();
  }
  std::string known;
  for (const Registered& parser : kParsers) known += (known.empty() ? "" : ", ") + std::string(parser.name);
  throw Error(ErrorCode::invalid_argument, "invalid tool call parser: " + std::string(name) + " (choose from " + known + ")");
}

std::vector<std::string> tool_parser_names() {
  std::vector<std::string> names;
  for (const Registered& parser : kParsers) names.emplace_back(parser.name);
  return names;
}

}  // namespace gatehouse::serve
