#include "tokenizer/regex/onig_syntax.h"

#include <array>
#include <cctype>
#include <vector>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/error.h"
#include "base/utf8.h"

namespace gatehouse::tokenizer::regex {
namespace {

// A set of code points as PCRE2 class items ("\p{L}a-z"); `negated` means their complement.
struct CharSet {
  std::string items;
  bool negated = false;
};

// Oniguruma's \s is White_Space. PCRE2's \s (with UCP) lacks U+0085 and keeps U+180E.
constexpr std::string_view kSpaceItems =
    R"(\t\n\x{0B}\f\r\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";
// Oniguruma's \w and \p{Word}: Alphabetic, marks, decimal digits, connector punctuation, and (from
// its Latin-1 table) the superscripts and vulgar fractions. [[:word:]], and \w inside a class, lack
// that last part.
constexpr std::string_view kPosixWordItems = R"(\p{Alphabetic}\p{M}\p{Nd}\p{Pc})";
constexpr std::string_view kWordItems = R"(\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{B2}\x{B3}\x{B9}\x{BC}-\x{BE})";
constexpr std::string_view kHexItems = "0-9A-Fa-f";

struct NamedSet {
  std::string_view name;  // lower case, without ' ', '_' and '-'
  std::string_view items;
  bool negated;
};

// Oniguruma's names that PCRE2 lacks or defines differently ([:punct:] and [:word:] differ from
// \p{Punct} and \p{Word}, hence the POSIX table first).
constexpr std::array kPosixOnlySets = {
    NamedSet{"punct", R"(\p{P}\p{S})", false},
    NamedSet{"word", kPosixWordItems, false},
};
constexpr std::array kNamedSets = {
    NamedSet{"alnum", R"(\p{Alphabetic}\p{Nd})", false},
    NamedSet{"alpha", R"(\p{Alphabetic})", false},
    NamedSet{"blank", R"(\p{Zs}\t)", false},
    NamedSet{"cntrl", R"(\p{Cc})", false},
    NamedSet{"digit", R"(\p{Nd})", false},
    NamedSet{"graph", R"(\p{Z}\p{Cc}\p{Cn}\p{Cs})", true},
    NamedSet{"lower", R"(\p{Lowercase})", false},
    NamedSet{"print", R"(\p{Cc}\p{Cn}\p{Cs}\x{2028}\x{2029})", true},
    NamedSet{"punct", R"(\p{P})", false},
    NamedSet{"space", kSpaceItems, false},
    NamedSet{"upper", R"(\p{Uppercase})", false},
    NamedSet{"xdigit", kHexItems, false},
    NamedSet{"word", kWordItems, false},
    NamedSet{"ascii", R"(\x{0}-\x{7F})", false},
    NamedSet{"any", R"(\x{0}-\x{10FFFF})", false},
    NamedSet{"assigned", R"(\p{Cn})", true},
};

// General category long names, which PCRE2 does not know.
constexpr std::array<std::pair<std::string_view, std::string_view>, 38> kCategoryNames = {{
    {"letter", "L"}, {"casedletter", "L&"}, {"uppercaseletter", "Lu"}, {"lowercaseletter", "Ll"},
    {"titlecaseletter", "Lt"}, {"modifierletter", "Lm"}, {"otherletter", "Lo"}, {"mark", "M"},
    {"combiningmark", "M"}, {"nonspacingmark", "Mn"}, {"spacingmark", "Mc"}, {"enclosingmark", "Me"},
    {"number", "N"}, {"decimalnumber", "Nd"}, {"letternumber", "Nl"}, {"othernumber", "No"},
    {"punctuation", "P"}, {"connectorpunctuation", "Pc"}, {"dashpunctuation", "Pd"},
    {"openpunctuation", "Ps"}, {"closepunctuation", "Pe"}, {"initialpunctuation", "Pi"},
    {"finalpunctuation", "Pf"}, {"otherpunctuation", "Po"}, {"symbol", "S"}, {"mathsymbol", "Sm"},
    {"currencysymbol", "Sc"}, {"modifiersymbol", "Sk"}, {"othersymbol", "So"}, {"separator", "Z"},
    {"spaceseparator", "Zs"}, {"lineseparator", "Zl"}, {"paragraphseparator", "Zp"}, {"other", "C"},
    {"control", "Cc"}, {"format", "Cf"}, {"unassigned", "Cn"}, {"privateuse", "Co"},
}};

bool is_script(std::string_view name) {
  std::string probe = "\\p{sc:" + std::string(name) + "}";
  int error;
  PCRE2_SIZE offset;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(probe.data()), probe.size(), PCRE2_UTF | PCRE2_UCP,
                                   &error, &offset, nullptr);
  pcre2_code_free(code);
  return code != nullptr;
}

std::string loose_name(std::string_view name) {
  std::string key;
  for (char c : name) {
    if (c != ' ' && c != '_' && c != '-') key += char(std::tolower(static_cast<unsigned char>(c)));
  }
  return key;
}

// The set behind \p{name} (posix = false) or [:name:] (posix = true). For an unknown POSIX name
// the items are empty; other unknown names go to PCRE2 as they are.
CharSet named_set(std::string_view name, bool posix) {
  std::string key = loose_name(name);
  if (posix) {
    for (const NamedSet& set : kPosixOnlySets) {
      if (set.name == key) return {std::string(set.items), set.negated};
    }
  }
  for (const NamedSet& set : kNamedSets) {
    if (set.name == key) return {std::string(set.items), set.negated};
  }
  if (posix) return {};
  for (const auto& [long_name, short_name] : kCategoryNames) {
    if (long_name == key) return {"\\p{" + std::string(short_name) + "}", false};
  }
  if (key.starts_with("in")) {
    throw Error(ErrorCode::invalid_argument,
                "Unicode block properties like \\p{" + std::string(name) + "} are not supported");
  }
  // PCRE2's \p{Han} means the script extension; Oniguruma's means the script.
  if (key.size() > 2 && is_script(name)) return {"\\p{sc:" + std::string(name) + "}", false};
  return {"\\p{" + std::string(name) + "}", false};
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// One [...] class: the intersection (&&) of unions; a union is PCRE2 class items plus sub-patterns
// that each consume one char of a set PCRE2 cannot put inside brackets.
struct ClassUnion {
  std::string items;
  std::vector<std::string> alternatives;
};
struct ParsedClass {
  bool negated = false;
  std::vector<ClassUnion> parts;
};

std::string union_pattern(const ClassUnion& u) {
  std::vector<std::string> options;
  if (!u.items.empty()) options.push_back("[" + u.items + "]");
  options.insert(options.end(), u.alternatives.begin(), u.alternatives.end());
  if (options.empty()) return "(?!)";
  if (options.size() == 1) return options[0];
  std::string out = "(?:";
  for (size_t k = 0; k < options.size(); ++k) out += (k ? "|" : "") + options[k];
  return out + ")";
}

// A pattern that consumes exactly one char of the class.
std::string class_pattern(const ParsedClass& cls) {
  if (cls.parts.size() == 1 && cls.parts[0].alternatives.empty() && !cls.parts[0].items.empty()) {
    return std::string(cls.negated ? "[^" : "[") + cls.parts[0].items + "]";
  }
  std::string all;
  for (size_t k = 0; k < cls.parts.size(); ++k) {
    std::string part = union_pattern(cls.parts[k]);
    all += k + 1 < cls.parts.size() ? "(?=" + part + ")" : part;
  }
  return cls.negated ? "(?:(?!" + all + ")(?s:.))" : "(?:" + all + ")";
}

std::string set_pattern(const CharSet& set) {
  return std::string(set.negated ? "[^" : "[") + set.items + "]";
}

class Translator {
 public:
  explicit Translator(std::string_view pattern) : p_(pattern) {}

  std::string run() {
    while (i_ < p_.size()) {
      switch (p_[i_]) {
        case '\\':
          atom_ = out_.size();
          escape();
          break;
        case '[':
          atom_ = out_.size();
          out_ += class_pattern(parse_class());
          break;
        case '(':
          open_group();
          break;
        case ')':
          if (!groups_.empty()) {
            atom_ = groups_.back();
            groups_.pop_back();
          }
          out_ += ')';
          ++i_;
          break;
        case '{':
          interval();
          break;
        default:
          atom_ = out_.size();
          copy_char();
      }
    }
    return std::move(out_);
  }

 private:
  bool at(std::string_view text) const { return p_.substr(i_, text.size()) == text; }

  void copy_char() {
    size_t length = std::min<size_t>(size_t(utf8::sequence_length(static_cast<unsigned char>(p_[i_]))),
                                     p_.size() - i_);
    out_.append(p_.substr(i_, length));
    i_ += length;
  }

  // Copies "{...}" at i_ if there is one (after \x, \o, \k, \g).
  void copy_braces() {
    if (i_ >= p_.size() || p_[i_] != '{') return;
    size_t close = p_.find('}', i_);
    if (close == std::string_view::npos) return;
    out_.append(p_.substr(i_, close + 1 - i_));
    i_ = close + 1;
  }

  // \uHHHH -> \x{HHHH}; returns false (consuming nothing) when four hex digits do not follow.
  bool unicode_escape() {
    if (i_ + 6 > p_.size()) return false;
    for (size_t k = 2; k < 6; ++k) {
      if (!is_hex(p_[i_ + k])) return false;
    }
    out_ += "\\x{" + std::string(p_.substr(i_ + 2, 4)) + "}";
    i_ += 6;
    return true;
  }

  // \p{Name}, \p{^Name}, \P{Name} at i_.
  CharSet property() {
    bool negated = p_[i_ + 1] == 'P';
    i_ += 2;
    size_t close = i_ < p_.size() && p_[i_] == '{' ? p_.find('}', i_) : std::string_view::npos;
    if (close == std::string_view::npos) {
      throw Error(ErrorCode::invalid_argument, "\\p and \\P need a property name in braces, as in \\p{L}");
    }
    std::string_view name = p_.substr(i_ + 1, close - i_ - 1);
    i_ = close + 1;
    if (name.starts_with('^')) {
      negated = !negated;
      name.remove_prefix(1);
    }
    CharSet set = named_set(name, false);
    if (negated) set.negated = !set.negated;
    return set;
  }

  // The set of a shorthand escape (\s \w \h \d \p, negated forms too) at i_, if it is one.
  bool set_escape(CharSet& set, bool in_class) {
    if (i_ + 1 >= p_.size()) return false;
    char e = p_[i_ + 1];
    switch (e) {
      case 's': case 'S': set = {std::string(kSpaceItems), e == 'S'}; break;
      case 'w': case 'W': set = {std::string(in_class ? kPosixWordItems : kWordItems), e == 'W'}; break;
      case 'h': case 'H': set = {std::string(kHexItems), e == 'H'}; break;
      case 'd': case 'D': set = {R"(\p{Nd})", e == 'D'}; break;
      case 'p': case 'P': set = property(); return true;
      default: return false;
    }
    i_ += 2;
    return true;
  }

  void escape() {
    CharSet set;
    if (set_escape(set, false)) {
      out_ += set_pattern(set);
      return;
    }
    if (i_ + 1 >= p_.size()) {
      out_ += '\\';  // PCRE2 reports the trailing backslash
      ++i_;
      return;
    }
    char e = p_[i_ + 1];
    if (e == 'b' || e == 'B') {
      std::string word = "[" + std::string(kWordItems) + "]";
      out_ += e == 'b' ? "(?:(?<=" + word + ")(?!" + word + ")|(?<!" + word + ")(?=" + word + "))"
                       : "(?:(?<=" + word + ")(?=" + word + ")|(?<!" + word + ")(?!" + word + "))";
      i_ += 2;
      return;
    }
    if (e == 'v') {
      out_ += "\\x{0B}";
      i_ += 2;
      return;
    }
    if (e == 'u' && unicode_escape()) return;
    out_ += '\\';
    ++i_;
    copy_char();
    if (e == 'x' || e == 'o' || e == 'k' || e == 'g') copy_braces();
  }

  // One char inside a class (literal or escaped), as a PCRE2 class item.
  std::string class_char() {
    std::string saved = std::move(out_);
    out_.clear();
    if (p_[i_] == '\\' && i_ + 1 < p_.size()) {
      char e = p_[i_ + 1];
      if (e == 'v') {
        out_ = "\\x{0B}";
        i_ += 2;
      } else if (!(e == 'u' && unicode_escape())) {
        out_ += '\\';
        ++i_;
        copy_char();
        if (e == 'x') copy_braces();
      }
    } else {
      char c = p_[i_];
      if (c == '\\' || c == ']' || c == '[' || c == '^' || c == '-') out_ += '\\';
      copy_char();
    }
    std::swap(saved, out_);
    return saved;
  }

  ParsedClass parse_class() {
    ParsedClass cls;
    ++i_;
    if (i_ < p_.size() && p_[i_] == '^') {
      cls.negated = true;
      ++i_;
    }
    ClassUnion current;
    for (bool first = true;; first = false) {
      if (i_ >= p_.size()) throw Error(ErrorCode::invalid_argument, "a character class [...] is not closed");
      char c = p_[i_];
      if (c == ']' && !first) {
        ++i_;
        break;
      }
      if (at("[:")) {
        size_t close = p_.find(":]", i_ + 2);
        if (close != std::string_view::npos) {
          std::string_view name = p_.substr(i_ + 2, close - i_ - 2);
          bool negated = name.starts_with('^');
          if (negated) name.remove_prefix(1);
          CharSet set = named_set(name, true);
          if (!set.items.empty()) {
            if (negated) set.negated = !set.negated;
            add_set(current, set);
            i_ = close + 2;
            continue;
          }
        }
      }
      if (c == '[') {
        ParsedClass inner = parse_class();
        bool plain = !inner.negated && inner.parts.size() == 1 && inner.parts[0].alternatives.empty();
        if (plain) {
          current.items += inner.parts[0].items;
        } else {
          current.alternatives.push_back(class_pattern(inner));
        }
        continue;
      }
      if (at("&&")) {
        i_ += 2;
        cls.parts.push_back(std::move(current));
        current = {};
        continue;
      }
      CharSet set;
      if (c == '\\' && set_escape(set, true)) {
        add_set(current, set);
        continue;
      }
      std::string low = class_char();
      current.items += low;
      if (at("-") && i_ + 1 < p_.size() && p_[i_ + 1] != ']' && p_[i_ + 1] != '[') {
        size_t saved = i_;
        ++i_;
        if (p_[i_] == '\\' && set_escape(set, true)) {  // "a-\s": the '-' is a literal
          i_ = saved;
          continue;
        }
        current.items += '-';
        current.items += class_char();
      }
    }
    cls.parts.push_back(std::move(current));
    return cls;
  }

  static void add_set(ClassUnion& u, const CharSet& set) {
    if (set.negated) {
      u.alternatives.push_back(set_pattern(set));
    } else {
      u.items += set.items;
    }
  }

  void open_group() {
    if (at("(?#")) {
      size_t close = p_.find(')', i_);
      i_ = close == std::string_view::npos ? p_.size() : close + 1;
      return;
    }
    groups_.push_back(out_.size());
    if (at("(?")) {
      // Option letters: Ruby's m is PCRE2's s (dot matches newline).
      size_t j = i_ + 2;
      while (j < p_.size() && (p_[j] == 'i' || p_[j] == 'm' || p_[j] == 'x' || p_[j] == '-')) ++j;
      if (j > i_ + 2 && j < p_.size() && (p_[j] == ':' || p_[j] == ')')) {
        out_ += "(?";
        for (size_t k = i_ + 2; k < j; ++k) out_ += p_[k] == 'm' ? 's' : p_[k];
        out_ += p_[j];
        if (p_[j] == ')') groups_.pop_back();  // sets options; opens no group
        i_ = j + 1;
        return;
      }
    }
    out_ += '(';
    ++i_;
  }

  // `{n}`, `{n,}`, `{n,m}`, `{,m}` after an atom; anything else is a literal brace.
  void interval() {
    size_t j = i_ + 1;
    auto digits = [&] {
      size_t start = j;
      while (j < p_.size() && std::isdigit(static_cast<unsigned char>(p_[j]))) ++j;
      return std::string(p_.substr(start, j - start));
    };
    std::string low = digits();
    bool comma = j < p_.size() && p_[j] == ',';
    if (comma) ++j;
    std::string high = comma ? digits() : std::string();
    bool valid = j < p_.size() && p_[j] == '}' && (!low.empty() || !high.empty()) && atom_ != std::string::npos;
    if (!valid) {
      atom_ = out_.size();
      out_ += "\\{";
      ++i_;
      return;
    }
    std::string quantifier = "{";
    quantifier += low.empty() ? "0" : low;
    if (comma) quantifier += "," + high;
    quantifier += '}';
    i_ = j + 1;
    // In Ruby syntax X{n}+ and X{n,m}+ repeat X{n} (not possessive), and X{n}? makes it optional.
    bool nested = i_ < p_.size() && (p_[i_] == '+' || (p_[i_] == '?' && !comma));
    if (nested) {
      out_.insert(atom_, "(?:");
      out_ += quantifier + ")";
    } else {
      out_ += quantifier;
    }
  }

  std::string_view p_;
  size_t i_ = 0;
  std::string out_;
  std::vector<size_t> groups_;   // output positions of the open groups
  size_t atom_ = std::string::npos;  // output position of the last atom
};

}  // namespace

std::string onig_to_pcre2(std::string_view pattern) { return Translator(pattern).run(); }

}  // namespace gatehouse::tokenizer::regex
