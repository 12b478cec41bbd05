// Grammars for the decimal numbers that lie within bounds, compared exactly (no floating point):
// what JSON Schema's minimum / maximum / exclusiveMinimum / exclusiveMaximum become for "integer"
// and "number". The texts are JSON numbers without an exponent ("-12", "0.250"), integer parts
// without leading zeros, and never a minus zero; each value may be written with any number of
// trailing fraction zeros. Pure functions over a GrammarBuilder the caller owns.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "grammar/grammar.h"

namespace gatehouse::grammar {

// A finite decimal value, exactly: sign, integer digits (no leading zeros, "0" for zero) and
// fraction digits (no trailing zeros). Zero is never negative.
struct Decimal {
  bool negative = false;
  std::string integer = "0";
  std::string fraction;

  // From a JSON number's text ("-1.5e-07", "1e+300", "42"); nullopt when it is not one.
  static std::optional<Decimal> parse(std::string_view text);
  // The shortest decimal that reads back as `value` (what a schema's author wrote, in practice).
  static Decimal of(double value);
  bool is_zero() const { return integer == "0" && fraction.empty(); }
  Decimal negated() const;
  std::string to_string() const;
};

// <0, 0, >0 as a is below, equal to, above b.
int compare(const Decimal& a, const Decimal& b);

struct DecimalBound {
  Decimal value;
  bool exclusive = false;
};

// The numbers within [lower, upper] (an absent bound: unbounded on that side; an exclusive bound
// leaves its value out); only integers when `integers_only`. nullopt when no number qualifies.
std::optional<Element> decimal_in_range(GrammarBuilder& builder, const std::optional<DecimalBound>& lower,
                                        const std::optional<DecimalBound>& upper, bool integers_only);

}  // namespace gatehouse::grammar
