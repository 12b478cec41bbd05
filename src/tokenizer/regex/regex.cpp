#include "tokenizer/regex/regex.h"

#include "base/error.h"
#include "tokenizer/regex/code_point.h"
#include "tokenizer/regex/onig_syntax.h"
#include "tokenizer/regex/pcre2_program.h"

namespace gatehouse::tokenizer {

Regex::Regex(std::string pattern, Engine engine) : pattern_(std::move(pattern)) {
  if (engine == Engine::automatic) splitter_ = regex::find_splitter(pattern_);
  if (splitter_) return;
  try {
    program_ = std::make_unique<regex::Pcre2Program>(regex::onig_to_pcre2(pattern_));
  } catch (const Error& error) {
    throw Error(ErrorCode::invalid_argument, "regex \"" + pattern_ + "\" does not compile: " + error.what());
  }
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

void Regex::find_matches(std::string_view text, regex::Matches& out) const {
  if (splitter_) {
    splitter_(text, out);
    return;
  }
  // onig's find_iter: search from the end of the last match; an empty match right there is
  // skipped by searching again one char further.
  size_t position = 0;
  size_t last_end = std::string_view::npos;
  size_t begin;
  size_t end;
  while (position <= text.size() && program_->search(text, position, begin, end)) {
    if (begin == end && end == last_end) {
      if (position == text.size()) break;
      int length;
      regex::decode(text.data() + position, length);
      position += size_t(length);
      continue;
    }
    out.emplace_back(begin, end);
    position = last_end = end;
  }
}

std::string Regex::escape(std::string_view literal) {
  // The characters Rust's regex::escape escapes, which is what HF applies.
  constexpr std::string_view kMeta = "\\.+*?()|[]{}^$#&-~";
  std::string out;
  out.reserve(literal.size() + 4);
  for (char c : literal) {
    if (kMeta.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace gatehouse::tokenizer
