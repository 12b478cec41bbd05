// One PCRE2 pattern compiled once (UTF, UCP, JIT where the platform has it) and searched with
// bounded backtracking, so that a pathological pattern/input pair fails fast instead of hanging.
// Immutable after construction; search() is thread-safe (match data is per thread).
#pragma once

#include <string>
#include <string_view>

struct pcre2_real_code_8;

namespace gatehouse::tokenizer::regex {

class Pcre2Program {
 public:
  // `pattern` is PCRE2 syntax. Throws Error(invalid_argument) with PCRE2's message when it does
  // not compile.
  explicit Pcre2Program(const std::string& pattern);
  ~Pcre2Program();
  Pcre2Program(const Pcre2Program&) = delete;
  Pcre2Program& operator=(const Pcre2Program&) = delete;

  // The leftmost-first match that starts at or after `start` (lookbehinds see the text before
  // it); false when there is none. `text` must be valid UTF-8. Throws Error(resource_exhausted)
  // when the search passes the backtracking limits.
  bool search(std::string_view text, size_t start, size_t& begin, size_t& end) const;

 private:
  pcre2_real_code_8* code_ = nullptr;
  bool jit_ = false;
};

}  // namespace gatehouse::tokenizer::regex
