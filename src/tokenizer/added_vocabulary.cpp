#include "tokenizer/added_vocabulary.h"

#include "base/unicode.h"
#include "base/utf8.h"

namespace gatehouse::tokenizer {
namespace {

// The code point that ends just before byte `pos` (pos > 0), decoded backwards.
char32_t code_point_before(std::string_view text, size_t pos) {
  size_t start = pos - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80 && pos - start < 4) --start;
  int length;
  return utf8::decode(text, start, length);
}

char32_t code_point_at(std::string_view text, size_t pos, int& length) {
  return utf8::decode(text, pos, length);
}

}  // namespace

void AddedVocabulary::Matcher::add(std::string_view key, uint32_t id) {
  if (key.empty()) return;
  uint32_t node = 0;
  for (unsigned char byte : key) {
    auto found = nodes_[node].children.find(byte);
    if (found == nodes_[node].children.end()) {
      nodes_.emplace_back();
      uint32_t child = uint32_t(nodes_.size() - 1);
      nodes_[node].children.emplace(byte, child);
      node = child;
    } else {
      node = found->second;
    }
  }
  if (nodes_[node].id < 0) nodes_[node].id = id;  // the first token with this form wins
  first_bytes_[static_cast<unsigned char>(key[0])] = true;
}

std::optional<uint32_t> AddedVocabulary::Matcher::longest_at(std::string_view text, size_t pos,
                                                             size_t& length) const {
  std::optional<uint32_t> best;
  uint32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    auto found = nodes_[node].children.find(static_cast<unsigned char>(text[i]));
    if (found == nodes_[node].children.end()) break;
    node = found->second;
    if (nodes_[node].id >= 0) {
      best = uint32_t(nodes_[node].id);
      length = i + 1 - pos;
    }
  }
  return best;
}

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const std::vector<uint32_t>& declared_ids,
                                 const Model& model, const Normalizer* normalizer) {
  uint32_t next_id = uint32_t(model.vocab_size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    AddedToken& token = tokens[i];
    if (token.content.empty() || by_content_.count(token.content)) continue;
    uint32_t id;
    if (auto existing = model.token_to_id(token.content)) {
      id = *existing;
    } else if (i < declared_ids.size() && !by_id_.count(declared_ids[i]) &&
               !model.id_to_token(declared_ids[i])) {
      id = declared_ids[i];
    } else {
      id = next_id;
    }
    next_id = std::max(next_id, id + 1);
    end_id_ = std::max(end_id_, id + 1);
    if (token.special) special_contents_.insert(token.content);
    by_content_.emplace(token.content, id);
    if (token.normalized) {
      NormalizedString form(token.content, 0);
      if (normalizer) normalizer->normalize(form);
      normalized_matcher_.add(form.get(), id);
    } else {
      raw_matcher_.add(token.content, id);
    }
    by_id_.emplace(id, std::move(token));
  }
}

std::optional<uint32_t> AddedVocabulary::token_to_id(std::string_view content) const {
  auto found = by_content_.find(std::string(content));
  if (found == by_content_.end()) return std::nullopt;
  return found->second;
}

const AddedToken* AddedVocabulary::token(uint32_t id) const {
  auto found = by_id_.find(id);
  return found == by_id_.end() ? nullptr : &found->second;
}

void AddedVocabulary::split_with(
    const Matcher& matcher, const NormalizedString& text, std::vector<Split>& out,
    const std::function<void(NormalizedString&&, std::vector<Split>&)>& on_gap) const {
  const std::string& s = text.get();
  if (matcher.empty()) {
    on_gap(NormalizedString(text), out);
    return;
  }
  size_t gap_start = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    if (!matcher.may_start(static_cast<unsigned char>(s[pos]))) {
      ++pos;
      continue;
    }
    size_t length = 0;
    std::optional<uint32_t> id = matcher.longest_at(s, pos, length);
    if (!id) {
      ++pos;
      continue;
    }
    size_t start = pos, stop = pos + length;
    pos = stop;  // like a non-overlapping find_iter, a rejected match is still consumed
    const AddedToken& token = by_id_.at(*id);
    if (token.single_word) {
      int next_length;
      bool word_before = start > 0 && unicode::is_word_char(code_point_before(s, start));
      bool word_after = stop < s.size() && unicode::is_word_char(code_point_at(s, stop, next_length));
      if (word_before || word_after) continue;
    }
    if (token.lstrip) {
      size_t new_start = start;
      while (new_start > gap_start) {
        size_t prev = new_start - 1;
        while (prev > gap_start && (static_cast<unsigned char>(s[prev]) & 0xC0) == 0x80) --prev;
        int char_length;
        if (!unicode::is_white_space(code_point_at(s, prev, char_length))) break;
        new_start = prev;
      }
      start = new_start;
    }
    if (token.rstrip) {
      while (stop < s.size()) {
        int char_length;
        if (!unicode::is_white_space(code_point_at(s, stop, char_length))) break;
        stop += size_t(char_length);
      }
      pos = stop;
    }
    if (gap_start < start) on_gap(text.slice(gap_start, start), out);
    Split split{text.slice(start, stop), std::vector<Token>{Token{*id, {0, uint32_t(stop - start)}}}};
    out.push_back(std::move(split));
    gap_start = stop;
  }
  if (gap_start < s.size()) on_gap(text.slice(gap_start, s.size()), out);
}

PreTokenizedString AddedVocabulary::extract_and_normalize(std::string_view text, const Normalizer* normalizer,
                                                          bool offsets) const {
  std::vector<Split> splits;
  NormalizedString whole{std::string(text), 0};
  if (!offsets) whole.stop_tracking_alignments();
  split_with(raw_matcher_, whole, splits, [&](NormalizedString&& gap, std::vector<Split>& out) {
    if (normalizer) normalizer->normalize(gap);
    split_with(normalized_matcher_, gap, out, [](NormalizedString&& piece, std::vector<Split>& inner) {
      if (!piece.empty()) inner.push_back(Split{std::move(piece), std::nullopt});
    });
  });
  return PreTokenizedString(std::move(splits));
}

}  // namespace gatehouse::tokenizer
