#include "grammar/decimal_range.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <tuple>

#include "base/error.h"

namespace gatehouse::grammar {

std::optional<Decimal> Decimal::parse(std::string_view text) {
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t i = 0;
  bool negative = i < text.size() && text[i] == '-';
  if (negative) ++i;
  std::string digits;
  while (i < text.size() && is_digit(text[i])) digits += text[i++];
  if (digits.empty()) return std::nullopt;
  int64_t point = static_cast<int64_t>(digits.size());  // digits before the decimal point
  if (i < text.size() && text[i] == '.') {
    size_t before = digits.size();
    for (++i; i < text.size() && is_digit(text[i]);) digits += text[i++];
    if (digits.size() == before) return std::nullopt;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative_exponent = i < text.size() && text[i] == '-';
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    int64_t exponent = 0;
    size_t first = i;
    // Doubles stay within about 1e±330; a larger exponent is not a number we need to spell out.
    for (; i < text.size() && is_digit(text[i]); ++i) {
      exponent = exponent * 10 + (text[i] - '0');
      if (exponent > 1000) return std::nullopt;
    }
    if (i == first) return std::nullopt;
    point += negative_exponent ? -exponent : exponent;
  }
  if (i != text.size()) return std::nullopt;

  Decimal out;
  auto size = static_cast<int64_t>(digits.size());
  if (point <= 0) {
    out.fraction = std::string(static_cast<size_t>(-point), '0') + digits;
  } else if (point >= size) {
    out.integer = digits + std::string(static_cast<size_t>(point - size), '0');
  } else {
    out.integer = digits.substr(0, static_cast<size_t>(point));
    out.fraction = digits.substr(static_cast<size_t>(point));
  }
  size_t nonzero = out.integer.find_first_not_of('0');
  out.integer = nonzero == std::string::npos ? "0" : out.integer.substr(nonzero);
  out.fraction.erase(out.fraction.find_last_not_of('0') + 1);
  out.negative = negative && !out.is_zero();
  return out;
}

Decimal Decimal::of(double value) {
  char text[64];
  auto result = std::to_chars(text, text + sizeof text, value);
  std::optional<Decimal> decimal = Decimal::parse(std::string_view(text, result.ptr - text));
  GH_CHECK(decimal.has_value());  // callers pass finite doubles only
  return *decimal;
}

Decimal Decimal::negated() const {
  Decimal out = *this;
  out.negative = !negative && !is_zero();
  return out;
}

std::string Decimal::to_string() const {
  return (negative ? "-" : "") + integer + (fraction.empty() ? "" : "." + fraction);
}

namespace {

// Non-negative integers as canonical digit strings.
int compare_digits(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

std::string plus_one(std::string digits) {
  for (size_t i = digits.size(); i-- > 0;) {
    if (digits[i] != '9') {
      ++digits[i];
      return digits;
    }
    digits[i] = '0';
  }
  return "1" + digits;
}

std::string minus_one(std::string digits) {  // digits > 0
  for (size_t i = digits.size(); i-- > 0;) {
    if (digits[i] != '0') {
      --digits[i];
      break;
    }
    digits[i] = '9';
  }
  if (digits.size() > 1 && digits[0] == '0') digits.erase(0, 1);
  return digits;
}

bool all_are(std::string_view digits, char c) {
  return std::all_of(digits.begin(), digits.end(), [c](char d) { return d == c; });
}

// Fraction digits compared as 0.<digits> (no trailing zeros on either side).
int compare_fractions(std::string_view a, std::string_view b) { return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1); }

class RangeBuilder {
 public:
  explicit RangeBuilder(GrammarBuilder& builder)
      : builder_(builder), digit_(builder.bytes(ByteSet::range('0', '9'))), nonzero_(builder.bytes(ByteSet::range('1', '9'))) {}

  // Unsigned texts (no sign) of the values in [lower, upper], both bounds non-negative.
  std::vector<Sequence> unsigned_texts(const DecimalBound& lower, const std::optional<DecimalBound>& upper,
                                       bool integers_only) {
    if (upper) {
      int order = compare(lower.value, upper->value);
      if (order > 0 || (order == 0 && (lower.exclusive || upper->exclusive))) return {};
    }
    if (integers_only) return integer_texts(lower, upper);
    const Decimal& low = lower.value;
    if (upper && upper->value.integer == low.integer) {
      return with_fraction(low.integer, fraction_state(&lower, &*upper));
    }
    std::vector<Sequence> texts = with_fraction(low.integer, fraction_state(&lower, nullptr));
    std::string next = plus_one(low.integer);
    if (!upper) {
      texts.push_back({integers(next, std::nullopt), any_fraction()});
      return texts;
    }
    if (compare_digits(next, upper->value.integer) < 0) {
      texts.push_back({integers(next, minus_one(upper->value.integer)), any_fraction()});
    }
    for (Sequence& text : with_fraction(upper->value.integer, fraction_state(nullptr, &*upper))) texts.push_back(std::move(text));
    return texts;
  }

 private:
  std::vector<Sequence> integer_texts(const DecimalBound& lower, const std::optional<DecimalBound>& upper) {
    // The least integer above the lower bound, the greatest below the upper one (both >= 0).
    std::string low = lower.value.fraction.empty() && !lower.exclusive ? lower.value.integer : plus_one(lower.value.integer);
    if (!upper) return {{integers(low, std::nullopt)}};
    const Decimal& high_value = upper->value;
    bool high_included = !high_value.fraction.empty() || !upper->exclusive;
    if (!high_included && high_value.integer == "0") return {};
    std::string high = high_included ? high_value.integer : minus_one(high_value.integer);
    if (compare_digits(low, high) > 0) return {};
    return {{integers(low, high)}};
  }

  // Canonical integers in [low, high] (high absent: unbounded).
  Element integers(const std::string& low, const std::optional<std::string>& high) {
    size_t low_length = low.size();
    if (high && high->size() == low_length) return same_length(low, *high);
    std::vector<Sequence> alternatives{{same_length(low, std::string(low_length, '9'))}};
    if (!high) {
      alternatives.push_back({nonzero_, builder_.repeat(digit_, static_cast<int64_t>(low_length), -1)});
      return builder_.choice(std::move(alternatives));
    }
    size_t high_length = high->size();
    if (high_length - low_length >= 2) {  // every length strictly between
      alternatives.push_back({nonzero_, builder_.repeat(digit_, static_cast<int64_t>(low_length), static_cast<int64_t>(high_length - 2))});
    }
    std::string shortest(high_length, '0');  // 10^(length - 1)
    shortest[0] = '1';
    alternatives.push_back({same_length(shortest, *high)});
    return builder_.choice(std::move(alternatives));
  }

  // Digit strings of the length of `low` and `high` (low <= high), between them.
  Element same_length(std::string_view low, std::string_view high) {
    size_t n = low.size();
    if (all_are(low, '0') && all_are(high, '9')) return n == 1 ? digit_ : builder_.repeat(digit_, static_cast<int64_t>(n), static_cast<int64_t>(n));
    auto digits_between = [&](char lo, char hi) { return builder_.bytes(ByteSet::range(static_cast<uint8_t>(lo), static_cast<uint8_t>(hi))); };
    if (n == 1) return digits_between(low[0], high[0]);
    if (low[0] == high[0]) return builder_.group({builder_.byte(static_cast<uint8_t>(low[0])), same_length(low.substr(1), high.substr(1))});
    std::vector<Sequence> alternatives;
    alternatives.push_back({builder_.byte(static_cast<uint8_t>(low[0])), same_length(low.substr(1), std::string(n - 1, '9'))});
    if (low[0] + 1 < high[0]) {
      alternatives.push_back({digits_between(static_cast<char>(low[0] + 1), static_cast<char>(high[0] - 1)),
                              builder_.repeat(digit_, static_cast<int64_t>(n - 1), static_cast<int64_t>(n - 1))});
    }
    alternatives.push_back({builder_.byte(static_cast<uint8_t>(high[0])), same_length(std::string(n - 1, '0'), high.substr(1))});
    return builder_.choice(std::move(alternatives));
  }

  Element any_fraction() {
    if (!any_fraction_) any_fraction_ = builder_.optional(builder_.group({builder_.byte('.'), builder_.plus(digit_)}));
    return *any_fraction_;
  }

  // The fraction digits still to read, against what is left of each bound's fraction digits:
  // an offset into it, or -1 once that bound is met whatever follows.
  struct FractionState {
    const std::string* low = nullptr;
    int low_at = -1;
    bool low_exclusive = false;
    const std::string* high = nullptr;
    int high_at = -1;
    bool high_exclusive = false;

    std::string_view low_rest() const { return std::string_view(*low).substr(static_cast<size_t>(low_at)); }
    std::string_view high_rest() const { return std::string_view(*high).substr(static_cast<size_t>(high_at)); }
    auto key() const { return std::tuple(low_at, low_exclusive, high_at, high_exclusive); }
  };

  FractionState fraction_state(const DecimalBound* lower, const DecimalBound* upper) {
    FractionState state;
    if (lower) state = {&lower->value.fraction, 0, lower->exclusive};
    if (upper) {
      state.high = &upper->value.fraction;
      state.high_at = 0;
      state.high_exclusive = upper->exclusive;
    }
    fraction_states_.clear();  // memoized rules belong to one pair of bounds
    return normalized(state);
  }

  static FractionState normalized(FractionState state) {
    // "The rest is >= 0" always holds.
    if (state.low_at >= 0 && state.low_rest().empty() && !state.low_exclusive) state.low_at = -1;
    return state;
  }

  static bool accepts_empty(const FractionState& state) {
    bool low_met = state.low_at < 0;  // a pending low bound has a non-zero digit left, or is exclusive
    bool high_met = state.high_at < 0 || !state.high_exclusive || !state.high_rest().empty();
    return low_met && high_met;
  }

  static bool live(const FractionState& state) {
    if (state.high_at < 0) return true;
    if (state.low_at < 0) return !(state.high_rest().empty() && state.high_exclusive);
    int order = compare_fractions(state.low_rest(), state.high_rest());
    return order < 0 || (order == 0 && !state.low_exclusive && !state.high_exclusive);
  }

  static std::optional<FractionState> after(FractionState state, char digit) {
    if (state.low_at >= 0) {
      std::string_view rest = state.low_rest();
      char bound = rest.empty() ? '0' : rest[0];  // an empty rest is an exclusive 0: wait for a non-zero digit
      if (digit > bound) state.low_at = -1;
      else if (digit < bound) return std::nullopt;
      else if (!rest.empty()) ++state.low_at;
    }
    if (state.high_at >= 0) {
      std::string_view rest = state.high_rest();
      if (rest.empty()) {
        if (digit != '0' || state.high_exclusive) return std::nullopt;
      } else if (digit < rest[0]) {
        state.high_at = -1;
      } else if (digit > rest[0]) {
        return std::nullopt;
      } else {
        ++state.high_at;
      }
    }
    state = normalized(state);
    if (!live(state)) return std::nullopt;
    return state;
  }

  // A rule for the non-empty digit strings that satisfy `state`, a live one (there always are some).
  Element fraction_digits(const FractionState& state) {
    auto found = fraction_states_.find(state.key());
    if (found != fraction_states_.end()) return GrammarBuilder::ref(found->second);
    int32_t rule = builder_.declare("fraction");
    fraction_states_.emplace(state.key(), rule);
    std::vector<Sequence> alternatives;
    for (char digit = '0'; digit <= '9';) {
      std::optional<FractionState> next = after(state, digit);
      char last = digit;
      while (last < '9' && next.has_value() == after(state, static_cast<char>(last + 1)).has_value() &&
             (!next || after(state, static_cast<char>(last + 1))->key() == next->key())) {
        ++last;
      }
      if (next) {
        Element digits = builder_.bytes(ByteSet::range(static_cast<uint8_t>(digit), static_cast<uint8_t>(last)));
        if (accepts_empty(*next)) alternatives.push_back({digits});
        alternatives.push_back({digits, fraction_digits(*next)});
      }
      digit = static_cast<char>(last + 1);
    }
    builder_.define(rule, std::move(alternatives));
    return GrammarBuilder::ref(rule);
  }

  // `integer` followed by the fractions (none, or "." and digits) that `state` allows.
  std::vector<Sequence> with_fraction(const std::string& integer, const FractionState& state) {
    if (!live(state)) return {};
    Sequence digits = builder_.literal(integer);
    std::vector<Sequence> texts;
    if (accepts_empty(state)) texts.push_back(digits);
    Sequence text = digits;
    text.push_back(builder_.byte('.'));
    text.push_back(fraction_digits(state));
    texts.push_back(std::move(text));
    return texts;
  }

  GrammarBuilder& builder_;
  Element digit_, nonzero_;
  std::optional<Element> any_fraction_;
  std::map<std::tuple<int, bool, int, bool>, int32_t> fraction_states_;
};

}  // namespace

int compare(const Decimal& a, const Decimal& b) {
  if (a.negative != b.negative) return a.negative ? -1 : 1;
  int magnitude = compare_digits(a.integer, b.integer);
  if (magnitude == 0) magnitude = compare_fractions(a.fraction, b.fraction);
  return a.negative ? -magnitude : magnitude;
}

std::optional<Element> decimal_in_range(GrammarBuilder& builder, const std::optional<DecimalBound>& lower,
                                        const std::optional<DecimalBound>& upper, bool integers_only) {
  RangeBuilder ranges(builder);
  std::vector<Sequence> texts;
  // x >= 0: the bounds, the lower one raised to 0.
  DecimalBound zero_or_more{Decimal{}, false};
  DecimalBound positive_low = lower && !lower->value.negative ? *lower : zero_or_more;
  texts = ranges.unsigned_texts(positive_low, upper, integers_only);
  // x < 0, written "-" y with y > 0 (never a minus zero): y within the negated bounds.
  if (!lower || lower->value.negative) {
    DecimalBound low = upper && upper->value.negative ? DecimalBound{upper->value.negated(), upper->exclusive} : DecimalBound{Decimal{}, true};
    std::optional<DecimalBound> high;
    if (lower) high = DecimalBound{lower->value.negated(), lower->exclusive};
    std::vector<Sequence> negatives = ranges.unsigned_texts(low, high, integers_only);
    if (!negatives.empty()) texts.push_back({builder.byte('-'), builder.choice(std::move(negatives))});
  }
  if (texts.empty()) return std::nullopt;
  return builder.choice(std::move(texts));
}

}  // namespace gatehouse::grammar
