// Fuzzes the tool-call parsers on any model output: the first byte picks the parser, the second
// how the text is cut into streamed pieces. parse() and streaming never throw; streamed in pieces
// or whole, the answer gives the same content and calls; every call's first delta names it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "serve/tool_parsers/tool_parser.h"

namespace {

using namespace gatehouse::serve;

struct Assembled {
  std::string content;
  std::vector<std::string> calls;  // name, then the arguments
};

Assembled stream(const ToolParser& parser, std::string_view text, size_t step) {
  Assembled out;
  std::unique_ptr<ToolCallStream> stream = parser.stream();
  auto take = [&](const StreamedToolOutput& output) {
    out.content += output.content;
    for (const ToolCallDelta& delta : output.calls) {
      if (delta.index == static_cast<int>(out.calls.size())) {
        if (!delta.id || !delta.name) std::abort();
        out.calls.push_back(*delta.name + "\n");
      } else if (delta.index + 1 != static_cast<int>(out.calls.size()) || delta.id || delta.name) {
        std::abort();
      }
      out.calls[delta.index] += delta.arguments.value_or("");
    }
  };
  for (size_t at = 0; at < text.size(); at += step) take(stream->feed(text.substr(at, step)));
  take(stream->finish());
  if (stream->called() != !out.calls.empty()) std::abort();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::vector<std::string> names = tool_parser_names();
  const std::unique_ptr<ToolParser> parser = make_tool_parser(names[data[0] % names.size()]);
  const size_t step = data[1] % 16 + 1;
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  const ParsedToolCalls parsed = parser->parse(text);
  if (parsed.calls.empty() && parsed.content != std::string(text)) std::abort();
  const Assembled whole = stream(*parser, text, text.size() + 1);
  const Assembled pieces = stream(*parser, text, step);
  if (whole.content != pieces.content || whole.calls != pieces.calls) std::abort();
  return 0;
}
