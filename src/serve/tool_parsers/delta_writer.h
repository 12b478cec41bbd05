// Collects what one streaming step sends: content first, then call deltas in order, with the
// argument fragments of one call that follow each other joined into one delta. Remembers whether
// any call was started. Owned by one stream; not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "serve/tool_parsers/tool_parser.h"

namespace gatehouse::serve::tool_parsers {

class DeltaWriter {
 public:
  void content(std::string_view text) { out_.content += text; }
  // The first delta of call `index`: its id and name, and its first arguments when given (an
  // empty string still carries the "arguments" key, and fragments sent next join it).
  void start_call(int index, std::string id, std::string name, std::optional<std::string> arguments = std::nullopt);
  void arguments(int index, std::string_view fragment);

  // What was collected since the last take().
  StreamedToolOutput take();
  bool called() const { return called_; }

 private:
  StreamedToolOutput out_;
  bool called_ = false;
};

}  // namespace gatehouse::serve::tool_parsers
