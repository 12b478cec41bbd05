#include "grammar/reference_recognizer.h"

#include <set>
#include <tuple>
#include <unordered_map>
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

  size_t size() const { return sets_.size(); }
  void truncate(size_t size) {
    sets_.resize(size);
    waiting_.resize(size);
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

  // Prediction and completion with a worklist. A rule completed without consuming anything (an
  // empty match at this set) also advances items that ask for it after it completed.
  void close(size_t at) {
    std::vector<Item> work(sets_[at].begin(), sets_[at].end());
    std::set<int32_t> empty_matches;
    auto add = [&](const Item& item) {
      if (sets_[at].insert(item).second) work.push_back(item);
    };
    while (!work.empty()) {
      const Item item = work.back();
      work.pop_back();
      const Sequence& sequence = grammar_.rules()[item.rule].alternatives[item.alternative];
      if (done(item)) {
        if (item.origin == static_cast<int32_t>(at)) empty_matches.insert(item.rule);
        // Items waiting for this rule; the set of an earlier position does not change meanwhile
        // (this one's may, and the empty-match rule covers what joins it later).
        std::vector<Item> advanced;
        if (static_cast<size_t>(item.origin) < at) {
          auto waiting = waiting_[static_cast<size_t>(item.origin)].find(item.rule);
          if (waiting != waiting_[static_cast<size_t>(item.origin)].end()) {
            for (const Item& parent : waiting->second) advanced.push_back({parent.rule, parent.alternative, parent.dot + 1, parent.origin});
          }
        } else {
          for (const Item& parent : sets_[at]) {
            const Sequence& parent_sequence = grammar_.rules()[parent.rule].alternatives[parent.alternative];
            if (parent.dot < static_cast<int32_t>(parent_sequence.size()) &&
                parent_sequence[parent.dot] == Element{Element::Kind::rule, item.rule}) {
              advanced.push_back({parent.rule, parent.alternative, parent.dot + 1, parent.origin});
            }
          }
        }
        for (const Item& next : advanced) add(next);
      } else if (sequence[item.dot].kind == Element::Kind::rule) {
        const int32_t rule = sequence[item.dot].index;
        for (size_t a = 0; a < grammar_.rules()[rule].alternatives.size(); ++a) {
          add({rule, static_cast<int32_t>(a), 0, static_cast<int32_t>(at)});
        }
        if (empty_matches.count(rule)) add({item.rule, item.alternative, item.dot + 1, item.origin});
      }
    }
    // The finished set, indexed by the rule each item waits for (later completions look it up).
    waiting_.resize(at + 1);
    waiting_[at].clear();
    for (const Item& item : sets_[at]) {
      const Sequence& sequence = grammar_.rules()[item.rule].alternatives[item.alternative];
      if (!done(item) && sequence[item.dot].kind == Element::Kind::rule) waiting_[at][sequence[item.dot].index].push_back(item);
    }
  }

  const Grammar& grammar_;
  std::vector<std::set<Item>> sets_;
  std::vector<std::unordered_map<int32_t, std::vector<Item>>> waiting_;  // per finished set
};

}  // namespace

class EarleyRecognizer::Sets : public Earley {
  using Earley::Earley;
};

EarleyRecognizer::EarleyRecognizer(const Grammar& grammar) : sets_(std::make_unique<Sets>(grammar)) {}
EarleyRecognizer::~EarleyRecognizer() = default;

bool EarleyRecognizer::feed(std::string_view bytes) {
  for (char c : bytes) {
    if (!sets_->scan(static_cast<uint8_t>(c))) return false;
  }
  return true;
}

bool EarleyRecognizer::complete() const { return sets_->complete(); }
size_t EarleyRecognizer::position() const { return sets_->size() - 1; }
void EarleyRecognizer::rewind(size_t position) { sets_->truncate(position + 1); }

bool matches(const Grammar& grammar, std::string_view text) {
  EarleyRecognizer recognizer(grammar);
  return recognizer.feed(text) && recognizer.complete();
}

bool is_viable_prefix(const Grammar& grammar, std::string_view text) {
  return EarleyRecognizer(grammar).feed(text);
}

}  // namespace gatehouse::grammar
