// One {"name": ..., "arguments": ...} call object streamed as its text arrives. Its first delta
// (index, a new id, the name) goes out once the name's string is complete and the arguments' key
// has been read, so that an object without arguments, which parse() takes for text, sends nothing;
// then the arguments go out as they grow, in the model's own text, which reads as the same JSON as
// parse()'s re-serialised arguments (when the JSON breaks, what came before the break has gone
// out). Arguments written as a string of JSON go out whole once the string is complete, as
// arguments_text() makes them. One per call; not thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "serve/tool_parsers/delta_writer.h"
#include "serve/tool_parsers/json_object_scanner.h"
#include "serve/tool_parsers/tool_call_id.h"

namespace gatehouse::serve::tool_parsers {

class StreamedJsonCall {
 public:
  // `argument_keys` (static strings) name the arguments member, the first one to appear wins;
  // `make_id` makes the call's id (the parser's format of ids).
  StreamedJsonCall(int index, std::span<const std::string_view> argument_keys, std::string (*make_id)() = make_tool_call_id)
      : index_(index), argument_keys_(argument_keys), make_id_(make_id) {}

  // Reads `text`, which continues the object, up to the object's end, and sends what became
  // known; returns the bytes read.
  size_t read(std::string_view text, DeltaWriter& out);

  // complete once the object is, invalid for bad JSON or a name that is not a string.
  JsonObjectScanner::State state() const;
  bool has_name() const { return name_.has_value(); }
  bool has_arguments() const { return arguments_member_.has_value(); }

  // For formats whose calls may leave the arguments out (mistral): sends the call with {} for its
  // arguments; for an object that is complete, with a name and without arguments.
  void send_without_arguments(DeltaWriter& out);

 private:
  void look_at_members();
  std::string_view arguments_so_far();

  int index_;
  std::span<const std::string_view> argument_keys_;
  std::string (*make_id_)();
  JsonObjectScanner scanner_;
  std::string text_;          // the object's text read so far
  size_t keys_read_ = 0;      // members whose key has been looked at
  std::optional<size_t> name_member_, arguments_member_;
  std::optional<std::string> name_;
  bool bad_name_ = false;
  bool started_ = false;
  size_t arguments_sent_ = 0;
  std::optional<std::string> string_arguments_;
};

}  // namespace gatehouse::serve::tool_parsers
