#include "grammar/reference_recognizer.h"

#include <set>
#include <tuple>
#include <vector>

namespace gatehouse::grammar {
namespace {

struct Item {
  int32_t rule, alternative, dot, origin;
  auto operator<=>(const Item&) const = default;
};

class Earley {
 public:
  explicit Earley(const Grammar& grammar) : grammar_(grammar) {
    sets_.emplace_back();
    predict(0, grammar.root());
    close(0);
  }

  // Consumes one byte; false when nothing survives.
  bool scan(uint8_t byte) {
    size_t at = sets_.size() - 1;
    sets_.emplace_back();
    for (const Item& item : sets_[at]) {
      const Sequence& sequence = grammar_.rules()[item.rule].alternatives[item.alternative];
      if (item.dot >= static_cast<int32_t>(sequence.size())) continue;
      const Element& element = sequence[item.dot];
      if (element.kind == Element::Kind::bytes && grammar_.byte_sets()[element.index].contains(byte)) {
        sets_[at + 1].insert({item.rule, item.alternative, item.dot + 1, item.origin});
      }
    }
    close(at + 1);
    return !sets_.back().empty();
  }

  bool complete() const {
    for (const Item& item : sets_.back()) {
      if (item.rule == grammar_.root() && item.origin == 0 && done(item)) return true;
    }
    return false;
  }

 private:
  bool done(const Item& item) const {
    return item.dot == static_cast<int32_t>(grammar_.rules()[item.rule].alternatives[item.alternative].size());
  }

  void predict(size_t at, int32_t rule) {
    for (size_t a = 0; a < grammar_.rules()[rule].alternatives.size(); ++a) {
      sets_[at].insert({rule, static_cast<int32_t>(a), 0, static_cast<int32_t>(at)});
    }
  }

  // Prediction and completion to a fixed point (simple, not fast: reruns until nothing changes).
  void close(size_t at) {
    for (bool changed = true; changed;) {
      changed = false;
      std::vector<Item> items(sets_[at].begin(), sets_[at].end());
      for (const Item& item : items) {
        const Sequence& sequence = grammar_.rules()[item.rule].alternatives[item.alternative];
        if (done(item)) {
          for (const Item& parent : std::vector<Item>(sets_[item.origin].begin(), sets_[item.origin].end())) {
            const Sequence& parent_sequence = grammar_.rules()[parent.rule].alternatives[parent.alternative];
            if (parent.dot < static_cast<int32_t>(parent_sequence.size()) &&
                parent_sequence[parent.dot] == Element{Element::Kind::rule, item.rule}) {
              changed |= sets_[at].insert({parent.rule, parent.alternative, parent.dot + 1, parent.origin}).second;
            }
          }
        } else if (sequence[item.dot].kind == Element::Kind::rule) {
          size_t before = sets_[at].size();
          predict(at, sequence[item.dot].index);
          changed |= sets_[at].size() != before;
        }
      }
    }
  }

  const Grammar& grammar_;
  std::vector<std::set<Item>> sets_;
};

}  // namespace

bool matches(const Grammar& grammar, std::string_view text) {
  Earley earley(grammar);
  for (char c : text) {
    if (!earley.scan(static_cast<uint8_t>(c))) return false;
  }
  return earley.complete();
}

bool is_viable_prefix(const Grammar& grammar, std::string_view text) {
  Earley earley(grammar);
  for (char c : text) {
    if (!earley.scan(static_cast<uint8_t>(c))) return false;
  }
  return true;
}

}  // namespace gatehouse::grammar
