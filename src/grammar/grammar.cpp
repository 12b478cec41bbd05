#include "grammar/grammar.h"

#include <algorithm>
#include <functional>

#include "base/error.h"

namespace gatehouse::grammar {

ByteSet ByteSet::of(uint8_t byte) {
  ByteSet set;
  set.add(byte);
  return set;
}

ByteSet ByteSet::range(uint8_t lo, uint8_t hi) {
  ByteSet set;
  set.add_range(lo, hi);
  return set;
}

ByteSet ByteSet::all() { return range(0, 255); }

void ByteSet::add_range(uint8_t lo, uint8_t hi) {
  for (int b = lo; b <= hi; ++b) add(static_cast<uint8_t>(b));
}

void ByteSet::add_all(const ByteSet& other) {
  for (size_t i = 0; i < bits_.size(); ++i) bits_[i] |= other.bits_[i];
}

bool ByteSet::empty() const {
  return std::all_of(bits_.begin(), bits_.end(), [](uint64_t word) { return word == 0; });
}

ByteSet ByteSet::complement() const {
  ByteSet out;
  for (size_t i = 0; i < bits_.size(); ++i) out.bits_[i] = ~bits_[i];
  return out;
}

namespace {

std::string describe(const ByteSet& set) {
  auto show = [](int b) {
    if (b >= 0x21 && b < 0x7f && b != '\\' && b != ']' && b != '-') return std::string(1, static_cast<char>(b));
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\x%02X", b);
    return std::string(buffer);
  };
  std::string out = "[";
  for (int b = 0; b < 256;) {
    if (!set.contains(static_cast<uint8_t>(b))) {
      ++b;
      continue;
    }
    int end = b;
    while (end + 1 < 256 && set.contains(static_cast<uint8_t>(end + 1))) ++end;
    out += show(b);
    if (end > b) out += "-" + show(end);
    b = end + 1;
  }
  return out + "]";
}

// The UTF-8 byte-range sequences covering code points [lo, hi], which lie within one encoded
// length: split until every byte position is a full range or a single prefix.
void utf8_sequences(char32_t lo, char32_t hi, std::vector<std::vector<std::pair<uint8_t, uint8_t>>>& out) {
  static constexpr char32_t kMaxOfLength[] = {0x7F, 0x7FF, 0xFFFF, 0x10FFFF};
  for (int length = 1; length <= 4; ++length) {
    char32_t max = kMaxOfLength[length - 1];
    char32_t min = length == 1 ? 0 : kMaxOfLength[length - 2] + 1;
    if (lo < min && hi >= min) {
      utf8_sequences(lo, min - 1, out);
      utf8_sequences(min, hi, out);
      return;
    }
    if (lo <= max && hi > max) {
      utf8_sequences(lo, max, out);
      utf8_sequences(max + 1, hi, out);
      return;
    }
  }
  // Same length; split where a trailing group of continuation bits is not full.
  for (int shift = 6; shift <= 18; shift += 6) {
    char32_t mask = (char32_t{1} << shift) - 1;
    if ((lo & ~mask) != (hi & ~mask)) {
      if ((lo & mask) != 0) {
        utf8_sequences(lo, lo | mask, out);
        utf8_sequences((lo | mask) + 1, hi, out);
        return;
      }
      if ((hi & mask) != mask) {
        utf8_sequences(lo, (hi & ~mask) - 1, out);
        utf8_sequences(hi & ~mask, hi, out);
        return;
      }
    }
  }
  auto encode = [](char32_t cp) {
    std::vector<uint8_t> bytes;
    if (cp < 0x80) {
      bytes = {static_cast<uint8_t>(cp)};
    } else if (cp < 0x800) {
      bytes = {static_cast<uint8_t>(0xC0 | (cp >> 6)), static_cast<uint8_t>(0x80 | (cp & 0x3F))};
    } else if (cp < 0x10000) {
      bytes = {static_cast<uint8_t>(0xE0 | (cp >> 12)), static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F)),
               static_cast<uint8_t>(0x80 | (cp & 0x3F))};
    } else {
      bytes = {static_cast<uint8_t>(0xF0 | (cp >> 18)), static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F)),
               static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F)), static_cast<uint8_t>(0x80 | (cp & 0x3F))};
    }
    return bytes;
  };
  std::vector<uint8_t> a = encode(lo), b = encode(hi);
  std::vector<std::pair<uint8_t, uint8_t>> sequence;
  for (size_t i = 0; i < a.size(); ++i) sequence.emplace_back(a[i], b[i]);
  out.push_back(std::move(sequence));
}

}  // namespace

std::string Grammar::to_string() const {
  std::string out;
  for (size_t r = 0; r < rules_.size(); ++r) {
    out += rules_[r].name + " ::=";
    for (size_t a = 0; a < rules_[r].alternatives.size(); ++a) {
      out += a == 0 ? " " : " | ";
      if (rules_[r].alternatives[a].empty()) out += "\"\"";
      for (size_t e = 0; e < rules_[r].alternatives[a].size(); ++e) {
        const Element& element = rules_[r].alternatives[a][e];
        if (e > 0) out += " ";
        out += element.kind == Element::Kind::rule ? rules_[element.index].name : describe(byte_sets_[element.index]);
      }
    }
    out += "\n";
  }
  return out;
}

int32_t GrammarBuilder::declare(std::string name) {
  grammar_.rules_.push_back({std::move(name), {}});
  defined_.push_back(false);
  return static_cast<int32_t>(grammar_.rules_.size() - 1);
}

void GrammarBuilder::define(int32_t rule, std::vector<Sequence> alternatives) {
  for (const Sequence& sequence : alternatives) size_ += static_cast<int64_t>(sequence.size()) + 1;
  grammar_.rules_[rule].alternatives = std::move(alternatives);
  defined_[rule] = true;
}

int32_t GrammarBuilder::add_rule(std::string name, std::vector<Sequence> alternatives) {
  int32_t rule = declare(std::move(name));
  define(rule, std::move(alternatives));
  return rule;
}

Element GrammarBuilder::bytes(const ByteSet& set) {
  auto& sets = grammar_.byte_sets_;
  // Grammars use few distinct sets; share them (a linear scan over a short list).
  for (size_t i = 0; i < sets.size(); ++i) {
    if (sets[i] == set) return {Element::Kind::bytes, static_cast<int32_t>(i)};
  }
  sets.push_back(set);
  return {Element::Kind::bytes, static_cast<int32_t>(sets.size() - 1)};
}

Sequence GrammarBuilder::literal(std::string_view text) {
  Sequence sequence;
  for (char c : text) sequence.push_back(byte(static_cast<uint8_t>(c)));
  return sequence;
}

Element GrammarBuilder::codepoint_range(char32_t lo, char32_t hi) { return codepoints({{lo, hi}}); }

Element GrammarBuilder::codepoints(const std::vector<std::pair<char32_t, char32_t>>& ranges, bool negated) {
  // Normalize: sort, merge, clip to valid scalar values, then complement when negated.
  std::vector<std::pair<char32_t, char32_t>> merged;
  std::vector<std::pair<char32_t, char32_t>> sorted = ranges;
  std::sort(sorted.begin(), sorted.end());
  for (auto [lo, hi] : sorted) {
    if (lo > hi) continue;
    hi = std::min<char32_t>(hi, 0x10FFFF);
    if (!merged.empty() && lo <= merged.back().second + 1) {
      merged.back().second = std::max(merged.back().second, hi);
    } else {
      merged.emplace_back(lo, hi);
    }
  }
  if (negated) {
    std::vector<std::pair<char32_t, char32_t>> complement;
    char32_t next = 0;
    for (auto [lo, hi] : merged) {
      if (lo > next) complement.emplace_back(next, lo - 1);
      next = hi + 1;
    }
    if (next <= 0x10FFFF) complement.emplace_back(next, 0x10FFFF);
    merged = std::move(complement);
  }
  std::vector<std::pair<char32_t, char32_t>> valid;  // without the surrogates D800-DFFF
  for (auto [lo, hi] : merged) {
    if (hi < 0xD800 || lo > 0xDFFF) {
      valid.emplace_back(lo, hi);
      continue;
    }
    if (lo < 0xD800) valid.emplace_back(lo, 0xD7FF);
    if (hi > 0xDFFF) valid.emplace_back(0xE000, hi);
  }
  std::vector<std::vector<std::pair<uint8_t, uint8_t>>> encoded;
  for (auto [lo, hi] : valid) utf8_sequences(lo, hi, encoded);
  // One-byte sequences fold into a single set; longer ones become alternatives of a rule.
  ByteSet single;
  std::vector<Sequence> alternatives;
  for (const auto& sequence : encoded) {
    if (sequence.size() == 1) {
      single.add_range(sequence[0].first, sequence[0].second);
      continue;
    }
    Sequence alternative;
    for (auto [lo, hi] : sequence) alternative.push_back(bytes(ByteSet::range(lo, hi)));
    alternatives.push_back(std::move(alternative));
  }
  if (!single.empty()) {
    if (alternatives.empty()) return bytes(single);
    alternatives.insert(alternatives.begin(), Sequence{bytes(single)});
  }
  if (alternatives.empty()) return bytes(ByteSet{});  // matches nothing
  return ref(add_rule("char", std::move(alternatives)));
}

Element GrammarBuilder::star(Element item) {
  // Right recursive: the matcher runs a trailing self-reference as a loop, not a deeper stack.
  int32_t rule = declare("star");
  define(rule, {{item, ref(rule)}, {}});
  return ref(rule);
}

Element GrammarBuilder::plus(Element item) { return group({item, star(item)}); }

Element GrammarBuilder::optional(Element item) { return choice({{item}, {}}); }

Element GrammarBuilder::repeat(Element item, int64_t min, int64_t max) {
  if (max >= 0 && max < min) throw Error(ErrorCode::invalid_argument, "a repetition's maximum is below its minimum");
  Sequence sequence(static_cast<size_t>(min), item);
  if (max < 0) {
    sequence.push_back(star(item));
  } else if (max > min) {
    // item{0,k} as (item (item (...)?)?)?: nested optionals, k rules.
    Element tail = optional(item);
    for (int64_t i = min + 1; i < max; ++i) tail = optional(group({item, tail}));
    sequence.push_back(tail);
  }
  return group(std::move(sequence));
}

Element GrammarBuilder::group(Sequence sequence) {
  if (sequence.size() == 1) return sequence[0];
  return ref(add_rule("group", {std::move(sequence)}));
}

Element GrammarBuilder::choice(std::vector<Sequence> alternatives) {
  if (alternatives.size() == 1 && alternatives[0].size() == 1) return alternatives[0][0];
  return ref(add_rule("choice", std::move(alternatives)));
}

Element GrammarBuilder::embed(const Grammar& other) {
  const int32_t first = static_cast<int32_t>(grammar_.rules_.size());
  for (const Rule& rule : other.rules()) declare(rule.name);
  for (size_t r = 0; r < other.rules().size(); ++r) {
    std::vector<Sequence> alternatives = other.rules()[r].alternatives;
    for (Sequence& sequence : alternatives) {
      for (Element& element : sequence) {
        element = element.kind == Element::Kind::rule ? ref(first + element.index)
                                                      : bytes(other.byte_sets()[static_cast<size_t>(element.index)]);
      }
    }
    define(first + static_cast<int32_t>(r), std::move(alternatives));
  }
  return ref(first + other.root());
}

Grammar GrammarBuilder::build(int32_t root) && {
  const auto& rules = grammar_.rules_;
  for (size_t r = 0; r < rules.size(); ++r) {
    if (!defined_[r]) throw Error(ErrorCode::invalid_argument, "rule '" + rules[r].name + "' is used but never defined");
  }
  // Nullable rules (fixed point), then left recursion: a rule reachable from itself through
  // leftmost positions (those preceded only by nullable elements).
  std::vector<bool> nullable(rules.size(), false);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t r = 0; r < rules.size(); ++r) {
      if (nullable[r]) continue;
      for (const Sequence& sequence : rules[r].alternatives) {
        bool all = std::all_of(sequence.begin(), sequence.end(), [&](const Element& e) {
          return e.kind == Element::Kind::rule && nullable[e.index];
        });
        if (all) {
          nullable[r] = changed = true;
          break;
        }
      }
    }
  }
  std::vector<std::vector<int32_t>> leftmost(rules.size());
  for (size_t r = 0; r < rules.size(); ++r) {
    for (const Sequence& sequence : rules[r].alternatives) {
      for (size_t i = 0; i < sequence.size(); ++i) {
        const Element& element = sequence[i];
        if (element.kind == Element::Kind::bytes) break;
        // A reference in last place replaces its caller on the matcher's stack (a loop, not a
        // deeper stack), so only references with something after them can recurse without end.
        if (i + 1 < sequence.size()) leftmost[r].push_back(element.index);
        if (!nullable[element.index]) break;
      }
    }
  }
  std::vector<uint8_t> mark(rules.size(), 0);  // 0 new, 1 on the path, 2 done
  std::function<void(int32_t)> visit = [&](int32_t r) {
    mark[r] = 1;
    for (int32_t next : leftmost[r]) {
      if (mark[next] == 1) throw Error(ErrorCode::invalid_argument, "rule '" + rules[next].name + "' is left-recursive; write the repetition on the right (x ::= y x | y)");
      if (mark[next] == 0) visit(next);
    }
    mark[r] = 2;
  };
  for (size_t r = 0; r < rules.size(); ++r) {
    if (mark[r] == 0) visit(static_cast<int32_t>(r));
  }
  grammar_.root_ = root;
  return std::move(grammar_);
}

}  // namespace gatehouse::grammar
