#include "serve/text_output.h"

#include <algorithm>
#include <string_view>


namespace gatehouse::serve {

namespace {

size_t characters(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

TextOutput::TextOutput(const tokenizer::Tokenizer& tokenizer, bool skip_special_tokens, const StopStrings& stop)
    : stream_(tokenizer, skip_special_tokens), stop_(stop) {
  size_t longest_characters = 0;
  for (const std::string& s : stop.strings) {
    longest_stop_ = std::max(longest_stop_, s.size());
    longest_characters = std::max(longest_characters, characters(s));
  }
  if (!stop.include_in_output && longest_characters > 0) holdback_characters_ = longest_characters - 1;
}

TextOutput::Delta TextOutput::add(std::span<const int32_t> tokens, bool finished) {
  Delta delta;
  if (stopped_) return delta;
  const size_t before = text_.size();
  for (int32_t token : tokens) {
    if (auto piece = stream_.step(static_cast<uint32_t>(token))) text_ += *piece;
  }
  tokens_ += static_cast<int64_t>(tokens.size());
  if (finished) text_ += stream_.finish();
  if (!stop_.strings.empty() && tokens_ > stop_.min_tokens && text_.size() > before) {
    // Only a match that ends in the new text is new: start one stop length before it.
    const size_t from = before > longest_stop_ ? before - longest_stop_ + 1 : 0;
    size_t best = std::string::npos;
    const std::string* matched = nullptr;
    for (const std::string& s : stop_.strings) {
      const size_t at = text_.find(s, from);
      if (at < best) {
        best = at;
        matched = &s;
      }
    }
    if (matched) {
      text_.resize(stop_.include_in_output ? best + matched->size() : best);
      stopped_ = true;
      delta.stop_string = *matched;
    }
  }
  const size_t end = std::max(sent_, visible_end(finished || stopped_));
  delta.text = text_.substr(sent_, end - sent_);
  sent_ = end;
  return delta;
}

size_t TextOutput::visible_end(bool final) const {
  if (final || holdback_characters_ == 0) return text_.size();
  size_t end = text_.size();
  for (size_t held = 0; held < holdback_characters_ && end > 0; ++held) {
    do {
      --end;
    } while (end > 0 && (static_cast<unsigned char>(text_[end]) & 0xC0) == 0x80);
  }
  return end;
}

}  // namespace gatehouse::serve
