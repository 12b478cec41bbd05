#include "serve/tool_parsers/text_tool_stream.h"

#include <algorithm>

namespace gatehouse::serve::tool_parsers {

StreamedToolOutput TextToolStream::feed(std::string_view text) {
  text_ += text;
  return step(false);
}

StreamedToolOutput TextToolStream::finish() { return step(true); }

StreamedToolOutput TextToolStream::step(bool final) {
  if (mode_ == Mode::parsing) advance(final);
  if (mode_ == Mode::content) {
    out_.content(std::string_view(text_).substr(pos_));
    pos_ = text_.size();
  }
  return out_.take();
}

void TextToolStream::all_content(size_t from) {
  mode_ = Mode::content;
  pos_ = from;
}

void TextToolStream::give_up(size_t held_from) {
  if (out_.called()) {
    mode_ = Mode::dropped;
  } else {
    all_content(held_from);
  }
}

size_t TextToolStream::readable_end(std::string_view marker, bool final) const {
  if (final) return text_.size();
  const std::string_view rest = std::string_view(text_).substr(pos_);
  for (size_t length = std::min(rest.size(), marker.size() - 1); length > 0; --length) {
    if (rest.substr(rest.size() - length) == marker.substr(0, length)) return text_.size() - length;
  }
  return text_.size();
}

}  // namespace gatehouse::serve::tool_parsers
