#include "hub/patterns.h"

#include <algorithm>
#include <utility>

#include "base/utf8.h"

namespace gatehouse::hub {
namespace {

using CodePoints = std::u32string;

// Decodes UTF-8 to code points; invalid bytes become U+DC80..U+DCFF (Python's surrogateescape), so
// distinct bytes stay distinct.
CodePoints decode(std::string_view text) {
  CodePoints out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    int length = 1;
    char32_t cp = utf8::decode(text, pos, length);
    bool real_replacement = length == 3 && text.substr(pos, 3) == "\xEF\xBF\xBD";
    if (cp == utf8::kReplacement && !real_replacement) {
      for (int k = 0; k < length; ++k) out.push_back(0xDC00 + static_cast<unsigned char>(text[pos + size_t(k)]));
    } else {
      out.push_back(cp);
    }
    pos += size_t(length);
  }
  return out;
}

struct Token {
  enum Kind { literal, any_char, star, set, never } kind = literal;
  char32_t cp = 0;
  bool negated = false;
  std::vector<std::pair<char32_t, char32_t>> ranges;  // inclusive

  static Token of(Kind kind, char32_t cp = 0) {
    Token token;
    token.kind = kind;
    token.cp = cp;
    return token;
  }
};

// One character of the set text that Python's translate() hands to the regex engine: either a
// literal or the '-' that joins two characters into a range.
struct SetChar {
  char32_t cp;
  bool range_hyphen;
};

// Python's fnmatch.translate for "[...]": `stuff` is the text between the brackets.
Token compile_set(const CodePoints& stuff) {
  std::vector<SetChar> chars;
  if (stuff.find(U'-') == CodePoints::npos) {
    for (char32_t c : stuff) chars.push_back({c, false});
  } else {
    std::vector<CodePoints> chunks;
    size_t i = 0;
    size_t k = (!stuff.empty() && stuff[0] == U'!') ? 2 : 1;
    while (true) {
      k = k < stuff.size() ? stuff.find(U'-', k) : CodePoints::npos;
      if (k == CodePoints::npos) break;
      chunks.push_back(stuff.substr(i, k - i));
      i = k + 1;
      k = k + 3;
    }
    CodePoints last = stuff.substr(std::min(i, stuff.size()));
    if (!last.empty()) chunks.push_back(last);
    else chunks.back().push_back(U'-');
    // Drop empty ranges (like "z-a"), which the regex engine would reject.
    for (size_t index = chunks.size() - 1; index > 0; --index) {
      if (chunks[index - 1].back() > chunks[index].front()) {
        chunks[index - 1].pop_back();
        chunks[index - 1] += chunks[index].substr(1);
        chunks.erase(chunks.begin() + std::ptrdiff_t(index));
      }
    }
    for (size_t index = 0; index < chunks.size(); ++index) {
      if (index > 0) chars.push_back({U'-', true});
      for (char32_t c : chunks[index]) chars.push_back({c, false});
    }
  }

  Token token;
  if (chars.empty()) {
    token.kind = Token::never;
    return token;
  }
  if (chars.size() == 1 && chars[0].cp == U'!' && !chars[0].range_hyphen) {
    token.kind = Token::any_char;
    return token;
  }
  token.kind = Token::set;
  size_t start = 0;
  if (chars[0].cp == U'!' && !chars[0].range_hyphen) {
    token.negated = true;
    start = 1;
  }
  for (size_t i = start; i < chars.size();) {
    if (i + 2 < chars.size() && chars[i + 1].range_hyphen) {
      token.ranges.emplace_back(chars[i].cp, chars[i + 2].cp);
      i += 3;
    } else {
      token.ranges.emplace_back(chars[i].cp, chars[i].cp);
      i += 1;
    }
  }
  return token;
}

std::vector<Token> compile(const CodePoints& pattern) {
  std::vector<Token> tokens;
  const size_t n = pattern.size();
  for (size_t i = 0; i < n;) {
    char32_t c = pattern[i++];
    if (c == U'*') {
      if (tokens.empty() || tokens.back().kind != Token::star) tokens.push_back(Token::of(Token::star));
    } else if (c == U'?') {
      tokens.push_back(Token::of(Token::any_char));
    } else if (c == U'[') {
      size_t j = i;
      if (j < n && pattern[j] == U'!') ++j;
      if (j < n && pattern[j] == U']') ++j;
      while (j < n && pattern[j] != U']') ++j;
      if (j >= n) {
        tokens.push_back(Token::of(Token::literal, U'['));
      } else {
        tokens.push_back(compile_set(pattern.substr(i, j - i)));
        i = j + 1;
      }
    } else {
      tokens.push_back(Token::of(Token::literal, c));
    }
  }
  return tokens;
}

bool matches_one(const Token& token, char32_t c) {
  switch (token.kind) {
    case Token::literal: return token.cp == c;
    case Token::any_char: return true;
    case Token::never: return false;
    case Token::set: {
      bool inside = std::any_of(token.ranges.begin(), token.ranges.end(),
                                [c](const auto& range) { return range.first <= c && c <= range.second; });
      return inside != token.negated;
    }
    case Token::star: return false;
  }
  return false;
}

// Wildcard match with backtracking to the last '*' (every other token matches exactly one char).
bool match(const std::vector<Token>& tokens, const CodePoints& name) {
  size_t t = 0, s = 0;
  size_t star_t = std::string::npos, star_s = 0;
  while (s < name.size()) {
    if (t < tokens.size() && tokens[t].kind == Token::star) {
      star_t = t++;
      star_s = s;
    } else if (t < tokens.size() && matches_one(tokens[t], name[s])) {
      ++t;
      ++s;
    } else if (star_t != std::string::npos) {
      t = star_t + 1;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (t < tokens.size() && tokens[t].kind == Token::star) ++t;
  return t == tokens.size();
}

std::string slashes(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '\\', '/');
  return out;
}

}  // namespace

bool fnmatch_case(std::string_view name, std::string_view pattern) {
  return match(compile(decode(pattern)), decode(name));
}

std::string normalize_pattern(std::string_view pattern) {
  std::string out = slashes(pattern);
  if (!out.empty() && out.back() == '/') out.push_back('*');
  return out;
}

bool keep_file(std::string_view path, const std::vector<std::string>& allow_patterns,
               const std::vector<std::string>& ignore_patterns) {
  const std::string name = slashes(path);
  if (!allow_patterns.empty()) {
    bool allowed = std::any_of(allow_patterns.begin(), allow_patterns.end(),
                               [&](const std::string& p) { return fnmatch_case(name, normalize_pattern(p)); });
    if (!allowed) return false;
  }
  return std::none_of(ignore_patterns.begin(), ignore_patterns.end(),
                      [&](const std::string& p) { return fnmatch_case(name, normalize_pattern(p)); });
}

}  // namespace gatehouse::hub
