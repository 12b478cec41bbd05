// A regex from tokenizer.json (Split/Replace patterns, written for Oniguruma) and its matches,
// found the way HF tokenizers finds them with onig's find_iter: leftmost-first, non-overlapping,
// and an empty match is skipped where the previous match ended. Known hub patterns run on
// hand-written splitters (regex/splitters.h); any other is translated (regex/onig_syntax.h) and
// run on PCRE2 with JIT. Immutable after construction; find_matches is safe from many threads.
//
//   Regex words(R"(\p{L}+)");
//   std::vector<std::pair<size_t, size_t>> matches;
//   words.find_matches("hi there", matches);  // {0, 2}, {3, 8}
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/regex/splitters.h"

namespace gatehouse::tokenizer {

namespace regex {
class Pcre2Program;
}

class Regex {
 public:
  // `automatic` uses a hand-written splitter when the pattern has one; `pcre2` never does (for
  // tests and benchmarks that compare the two).
  enum class Engine { automatic, pcre2 };

  // Throws Error(invalid_argument) with the engine's message when the pattern does not compile.
  explicit Regex(std::string pattern, Engine engine = Engine::automatic);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;

  // Appends the [begin, end) byte ranges of the matches in `text` (valid UTF-8) to `out`.
  // Throws Error(resource_exhausted) when a search backtracks past the limit (Oniguruma's
  // 10 million steps), where HF would panic.
  void find_matches(std::string_view text, regex::Matches& out) const;

  const std::string& pattern() const { return pattern_; }
  bool has_splitter() const { return splitter_ != nullptr; }

  // A pattern matching `literal` itself (what HF does to Split's {"String": ...}).
  static std::string escape(std::string_view literal);

 private:
  std::string pattern_;
  regex::SplitterFn splitter_ = nullptr;
  std::unique_ptr<regex::Pcre2Program> program_;
};

}  // namespace gatehouse::tokenizer
