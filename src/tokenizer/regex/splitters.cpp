#include "tokenizer/regex/splitters.h"

#include <array>
#include <string>

namespace gatehouse::tokenizer::regex {
namespace {

constexpr std::array kKnownPatterns = {
    KnownPattern{"gpt2", R"re('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)re",
                 split_gpt2},
    KnownPattern{"llama3",
                 R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re",
                 split_llama3},
    KnownPattern{"qwen2",
                 R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re",
                 split_qwen2},
    KnownPattern{"qwen3.5",
                 R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re",
                 split_qwen35},
    KnownPattern{"o200k",
                 R"re([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re",
                 split_o200k},
    KnownPattern{"digits-1-3", R"re(\p{N}{1,3})re", split_digits_1_3},
    KnownPattern{"deepseek-cjk", "[一-龥぀-ゟ゠-ヿ]+", split_deepseek_cjk},
    KnownPattern{"deepseek-words",
                 R"re([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re",
                 split_deepseek_words},
};

// A raw CR or LF means the same as its escape in these patterns (none uses extended mode).
std::string canonical(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 8);
  for (char c : pattern) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::span<const KnownPattern> known_patterns() { return kKnownPatterns; }

SplitterFn find_splitter(std::string_view pattern) {
  std::string key = canonical(pattern);
  for (const KnownPattern& known : kKnownPatterns) {
    if (known.pattern == key) return known.splitter;
  }
  return nullptr;
}

}  // namespace gatehouse::tokenizer::regex
