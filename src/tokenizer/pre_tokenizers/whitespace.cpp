// Whitespace: keeps the runs of word chars and the runs of other non-space chars, the matches of
// Rust regex `\w+|[^\w\s]+` (tk/pre_tokenizers/whitespace.rs); whitespace is dropped.
#include "base/unicode.h"
#include "tokenizer/pre_tokenizers/builders.h"
#include "tokenizer/regex/code_point.h"
#include "tokenizer/regex/splitters.h"

namespace gatehouse::tokenizer::pre_tokenizers {
namespace {

class Whitespace final : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& text) const override {
    regex::Matches runs;
    text.split([&](size_t, const NormalizedString& piece, std::vector<NormalizedString>& out) {
      runs.clear();
      find_runs(piece.get(), runs);
      split_by_matches(piece, runs, SplitBehavior::removed, true, out);
    });
  }

 private:
  enum class Kind { space, word, other };
  static Kind kind(char32_t c) {
    if (unicode::is_word_char(c)) return Kind::word;
    return unicode::is_white_space(c) ? Kind::space : Kind::other;
  }

  static void find_runs(const std::string& s, regex::Matches& runs) {
    size_t run_begin = 0;
    Kind run_kind = Kind::space;
    for (size_t pos = 0; pos < s.size();) {
      int length;
      Kind k = kind(regex::decode(s.data() + pos, length));
      if (k != run_kind) {
        if (run_kind != Kind::space) runs.emplace_back(run_begin, pos);
        run_begin = pos;
        run_kind = k;
      }
      pos += size_t(length);
    }
    if (run_kind != Kind::space) runs.emplace_back(run_begin, s.size());
  }
};

}  // namespace

std::unique_ptr<PreTokenizer> make_whitespace(const bj::object&, const json::JsonPath&) {
  return std::make_unique<Whitespace>();
}

}  // namespace gatehouse::tokenizer::pre_tokenizers
