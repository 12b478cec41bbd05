// The part of every parser's ToolCallStream that is not about its format: the answer's text so
// far and how much of it has been decided, what happens when a call does not parse, and holding
// back a tail that may be the start of a marker. Subclasses read text_ from pos_ in advance().
// One per choice of a request; not thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "serve/tool_parsers/delta_writer.h"
#include "serve/tool_parsers/tool_parser.h"

namespace gatehouse::serve::tool_parsers {

class TextToolStream : public ToolCallStream {
 public:
  StreamedToolOutput feed(std::string_view text) final;
  StreamedToolOutput finish() final;
  bool called() const final { return out_.called(); }

 protected:
  // Reads text_ from pos_ as far as can be decided now; `final`: the answer is complete, nothing
  // may stay held back. Called only while parsing().
  virtual void advance(bool final) = 0;

  bool parsing() const { return mode_ == Mode::parsing; }
  // The answer is plain text from `from` on (it does not start like a call): content from there.
  void all_content(size_t from);
  // A call did not parse. Before any call went out the whole answer is content, as parse() says:
  // the text held back from `held_from` on is released, and all that follows. After a call went
  // out, nothing can be taken back and the rest of the answer is dropped.
  void give_up(size_t held_from);
  // Where reading must stop for now: the end of text_ when final, else before a tail of text_
  // (from pos_ on) that is the start of `marker`.
  size_t readable_end(std::string_view marker, bool final) const;

  std::string text_;
  size_t pos_ = 0;
  DeltaWriter out_;

 private:
  enum class Mode { parsing, content, dropped };
  StreamedToolOutput step(bool final);

  Mode mode_ = Mode::parsing;
};

}  // namespace gatehouse::serve::tool_parsers
