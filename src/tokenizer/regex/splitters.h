// Hand-written matchers for the Split regexes that the common hub tokenizers run on every input
// (GPT-2's ByteLevel, Llama-3, Qwen2/3/3.5, GPT-4o's o200k, DeepSeek-V3). Each appends exactly the
// matches that Oniguruma's find_iter gives for its pattern, without a regex engine. They are picked
// by the pattern string; everything else runs on PCRE2. Stateless and thread-safe.
#pragma once

#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::tokenizer::regex {

using Matches = std::vector<std::pair<size_t, size_t>>;

// Appends the [begin, end) byte ranges of the pattern's matches in `text` (valid UTF-8).
using SplitterFn = void (*)(std::string_view text, Matches& out);

struct KnownPattern {
  std::string_view name;
  std::string_view pattern;  // as tokenizer.json spells it (Oniguruma syntax)
  SplitterFn splitter;
};

// Every pattern with a hand-written splitter (several spellings of one regex included).
std::span<const KnownPattern> known_patterns();

// The splitter for `pattern`, or nullptr. A raw CR or LF in the pattern counts as `\r` / `\n`,
// since hub files spell the same regex both ways.
SplitterFn find_splitter(std::string_view pattern);

// The splitters themselves (one file each).
void split_gpt2(std::string_view text, Matches& out);
void split_llama3(std::string_view text, Matches& out);
void split_qwen2(std::string_view text, Matches& out);
void split_qwen35(std::string_view text, Matches& out);
void split_o200k(std::string_view text, Matches& out);
void split_digits_1_3(std::string_view text, Matches& out);
void split_deepseek_cjk(std::string_view text, Matches& out);
void split_deepseek_words(std::string_view text, Matches& out);

}  // namespace gatehouse::tokenizer::regex
