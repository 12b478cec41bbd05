#include "tokenizer/chat_template/lexer.h"

#include <algorithm>
#include <cstring>

#include "base/error.h"
#include "base/utf8.h"

namespace gatehouse::tokenizer::jinja {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

[[noreturn]] void fail(int line, const std::string& message) {
  throw Error(ErrorCode::invalid_argument, "chat template: line " + std::to_string(line) + ": " + message);
}

// Jinja2 reads the template with universal newlines and, without keep_trailing_newline, drops
// one trailing newline.
std::string normalize_newlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string source) : src_(std::move(source)) {}

  std::vector<Token> run() {
    while (pos_ < src_.size()) {
      size_t tag = find_tag(pos_);
      std::string text = src_.substr(pos_, tag - pos_);
      if (tag == src_.size()) {
        emit_text(std::move(text));
        pos_ = tag;
        break;
      }
      char kind = src_[tag + 1];  // '{', '%' or '#'
      char modifier = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
      apply_left_whitespace_control(text, kind, modifier);
      emit_text(std::move(text));
      line_ += count_lines(pos_, tag);
      bool has_modifier = modifier == '-' || (modifier == '+' && kind != '{');
      pos_ = tag + 2 + (has_modifier ? 1 : 0);
      if (kind == '#') {
        comment();
      } else if (kind == '%' && raw_block()) {
        // handled
      } else {
        tag_contents(kind == '{');
      }
    }
    tokens_.push_back({TokenType::end, "", line_});
    return std::move(tokens_);
  }

 private:
  size_t find_tag(size_t from) const {
    for (size_t i = from; i + 1 < src_.size(); ++i) {
      if (src_[i] == '{' && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    }
    return src_.size();
  }

  int count_lines(size_t from, size_t to) const {
    return int(std::count(src_.begin() + from, src_.begin() + to, '\n'));
  }

  void emit_text(std::string text) {
    if (!text.empty()) tokens_.push_back({TokenType::text, std::move(text), line_});
  }

  // `{%-` strips all whitespace before the tag; otherwise lstrip_blocks strips the blanks between
  // the start of the line and a block or comment tag, unless the tag opens with `{%+`.
  void apply_left_whitespace_control(std::string& text, char kind, char modifier) {
    if (modifier == '-') {
      while (!text.empty() && is_space(text.back())) text.pop_back();
      return;
    }
    if (kind == '{' || modifier == '+') return;
    size_t line_start = text.rfind('\n');
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    if (line_start == 0 && !line_starting_) return;
    if (std::all_of(text.begin() + line_start, text.end(), is_space)) text.resize(line_start);
  }

  // After a tag: `-%}` strips the whitespace that follows, trim_blocks removes one newline after
  // a block or comment tag unless it closes with `+%}`.
  void apply_right_whitespace_control(char closer_modifier, bool is_block_or_comment) {
    line_starting_ = false;
    if (closer_modifier == '-') {
      size_t start = pos_;
      while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
      line_ += count_lines(start, pos_);
      line_starting_ = pos_ > start && src_[pos_ - 1] == '\n';
    } else if (is_block_or_comment && closer_modifier != '+' && pos_ < src_.size() && src_[pos_] == '\n') {
      ++pos_;
      ++line_;
      line_starting_ = true;
    }
  }

  void comment() {
    size_t close = src_.find("#}", pos_);
    if (close == std::string::npos) fail(line_, "unclosed comment: add '#}'");
    char modifier = close > pos_ && src_[close - 1] == '-' ? '-' : '\0';
    line_ += count_lines(pos_, close);
    pos_ = close + 2;
    apply_right_whitespace_control(modifier, true);
  }

  // Matches `\s*word\s*` at `at`; returns the position after it, or npos.
  size_t match_word(size_t at, std::string_view word) const {
    while (at < src_.size() && is_space(src_[at])) ++at;
    if (src_.compare(at, word.size(), word) != 0) return std::string::npos;
    at += word.size();
    if (at < src_.size() && is_name_char(src_[at])) return std::string::npos;
    while (at < src_.size() && is_space(src_[at])) ++at;
    return at;
  }

  // `{% raw %}...{% endraw %}`: the body is text, tags inside it are not interpreted.
  bool raw_block() {
    size_t after = match_word(pos_, "raw");
    if (after == std::string::npos) return false;
    char open_modifier = '\0';
    if (src_.compare(after, 3, "-%}") == 0) {
      open_modifier = '-';
      after += 3;
    } else if (src_.compare(after, 2, "%}") == 0) {
      after += 2;
    } else {
      return false;
    }
    line_ += count_lines(pos_, after);
    pos_ = after;
    if (open_modifier == '-') apply_right_whitespace_control('-', false);
    for (size_t search = pos_;;) {
      size_t tag = src_.find("{%", search);
      if (tag == std::string::npos) fail(line_, "unclosed raw block: add '{% endraw %}'");
      size_t inner = tag + 2;
      char modifier = inner < src_.size() && (src_[inner] == '-' || src_[inner] == '+') ? src_[inner++] : '\0';
      size_t end = match_word(inner, "endraw");
      if (end == std::string::npos) {
        search = tag + 2;
        continue;
      }
      char close_modifier = '\0';
      if (src_.compare(end, 3, "-%}") == 0 || src_.compare(end, 3, "+%}") == 0) {
        close_modifier = src_[end];
        end += 3;
      } else if (src_.compare(end, 2, "%}") == 0) {
        end += 2;
      } else {
        fail(line_ + count_lines(pos_, tag), "expected '%}' after 'endraw'");
      }
      std::string body = src_.substr(pos_, tag - pos_);
      apply_left_whitespace_control(body, '%', modifier);
      emit_text(std::move(body));
      line_ += count_lines(pos_, end);
      pos_ = end;
      apply_right_whitespace_control(close_modifier, true);
      return true;
    }
  }

  // The tokens of one {{ ... }} or {% ... %}.
  void tag_contents(bool is_variable) {
    tokens_.push_back({is_variable ? TokenType::variable_begin : TokenType::block_begin, "", line_});
    int depth = 0;
    while (true) {
      while (pos_ < src_.size() && is_space(src_[pos_])) {
        if (src_[pos_] == '\n') ++line_;
        ++pos_;
      }
      if (pos_ >= src_.size()) fail(line_, is_variable ? "unclosed '{{': add '}}'" : "unclosed '{%': add '%}'");
      if (depth == 0 && closes_tag(is_variable)) return;
      char c = src_[pos_];
      if (is_name_start(c)) {
        size_t start = pos_;
        while (pos_ < src_.size() && is_name_char(src_[pos_])) ++pos_;
        tokens_.push_back({TokenType::name, src_.substr(start, pos_ - start), line_});
      } else if (is_digit(c)) {
        number();
      } else if (c == '\'' || c == '"') {
        string_literal(c);
      } else {
        operator_token(depth);
      }
    }
  }

  bool closes_tag(bool is_variable) {
    std::string_view closer = is_variable ? "}}" : "%}";
    char modifier = '\0';
    size_t at = pos_;
    if ((src_[at] == '-' || (!is_variable && src_[at] == '+')) && src_.compare(at + 1, 2, closer) == 0) {
      modifier = src_[at++];
    }
    if (src_.compare(at, 2, closer) != 0) return false;
    pos_ = at + 2;
    tokens_.push_back({is_variable ? TokenType::variable_end : TokenType::block_end, "", line_});
    apply_right_whitespace_control(modifier, !is_variable);
    return true;
  }

  void number() {
    size_t start = pos_;
    auto digits = [&] {
      while (pos_ < src_.size() && (is_digit(src_[pos_]) || (src_[pos_] == '_' && pos_ + 1 < src_.size() && is_digit(src_[pos_ + 1])))) ++pos_;
    };
    digits();
    bool is_float = false;
    if (pos_ + 1 < src_.size() && src_[pos_] == '.' && is_digit(src_[pos_ + 1])) {
      is_float = true;
      ++pos_;
      digits();
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      size_t mark = pos_++;
      if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-')) ++pos_;
      if (pos_ < src_.size() && is_digit(src_[pos_])) {
        is_float = true;
        digits();
      } else {
        pos_ = mark;
      }
    }
    std::string text;
    for (size_t i = start; i < pos_; ++i) {
      if (src_[i] != '_') text += src_[i];
    }
    tokens_.push_back({is_float ? TokenType::floating : TokenType::integer, text, line_});
  }

  // Python string literal escapes, as Jinja2 resolves them.
  void string_literal(char quote) {
    int start_line = line_;
    ++pos_;
    std::string value;
    while (true) {
      if (pos_ >= src_.size()) fail(start_line, "unterminated string literal");
      char c = src_[pos_++];
      if (c == quote) break;
      if (c == '\n') ++line_;
      if (c != '\\') {
        value += c;
        continue;
      }
      if (pos_ >= src_.size()) fail(start_line, "unterminated string literal");
      char e = src_[pos_++];
      switch (e) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        case '\\': value += '\\'; break;
        case '\'': value += '\''; break;
        case '"': value += '"'; break;
        case 'a': value += '\a'; break;
        case 'b': value += '\b'; break;
        case 'f': value += '\f'; break;
        case 'v': value += '\v'; break;
        case '0': value += '\0'; break;
        case '\n': ++line_; break;  // a backslash-newline continues the line
        case 'x': value += hex_escape(2, start_line); break;
        case 'u': value += hex_escape(4, start_line); break;
        case 'U': value += hex_escape(8, start_line); break;
        default:
          value += '\\';
          value += e;
      }
    }
    tokens_.push_back({TokenType::string, std::move(value), start_line});
  }

  std::string hex_escape(int digits, int line) {
    if (pos_ + digits > src_.size()) fail(line, "truncated \\x, \\u or \\U escape in a string literal");
    uint32_t code = 0;
    for (int i = 0; i < digits; ++i) {
      char h = src_[pos_++];
      int v = is_digit(h) ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
      if (v < 0) fail(line, "invalid hex digit in a \\x, \\u or \\U escape");
      code = code * 16 + uint32_t(v);
    }
    if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) fail(line, "escape is not a Unicode scalar value");
    return utf8::encode(char32_t(code));
  }

  void operator_token(int& depth) {
    static constexpr std::string_view two[] = {"//", "**", "==", "!=", "<=", ">="};
    for (std::string_view op : two) {
      if (src_.compare(pos_, 2, op) == 0) {
        tokens_.push_back({TokenType::op, std::string(op), line_});
        pos_ += 2;
        return;
      }
    }
    char c = src_[pos_];
    if (!std::strchr("+-*/%~<>=()[]{},.:|", c)) {
      fail(line_, std::string("unexpected character '") + c + "'");
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') depth = std::max(0, depth - 1);
    tokens_.push_back({TokenType::op, std::string(1, c), line_});
    ++pos_;
  }

  std::string src_;
  size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> lex(std::string_view source) { return Lexer(normalize_newlines(source)).run(); }

}  // namespace gatehouse::tokenizer::jinja
