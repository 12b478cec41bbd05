#include "serve/tool_parsers/delta_writer.h"

#include <utility>

namespace gatehouse::serve::tool_parsers {

void DeltaWriter::start_call(int index, std::string id, std::string name, std::optional<std::string> arguments) {
  out_.calls.push_back({index, std::move(id), std::move(name), std::move(arguments)});
  called_ = true;
}

void DeltaWriter::arguments(int index, std::string_view fragment) {
  if (fragment.empty()) return;
  if (!out_.calls.empty() && out_.calls.back().index == index && out_.calls.back().arguments) {
    *out_.calls.back().arguments += fragment;
    return;
  }
  out_.calls.push_back({index, std::nullopt, std::nullopt, std::string(fragment)});
}

StreamedToolOutput DeltaWriter::take() { return std::exchange(out_, {}); }

}  // namespace gatehouse::serve::tool_parsers
