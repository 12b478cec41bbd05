// Decoders that rewrite token text: Fuse (join all), Strip (drop a char from the ends), Replace
// (pattern -> content), BPEDecoder (end-of-word suffix -> space), WordPiece ("##" joins, others
// get a space), CTC (collapse repeats, drop pad) and Metaspace (▁ -> space)
// (tk/decoders/*.rs, tk/pre_tokenizers/metaspace.rs).
#include <boost/json/value.hpp>

#include "base/error.h"
#include "base/utf8.h"
#include "tokenizer/decoders/builders.h"
#include "tokenizer/pre_tokenizers/builders.h"
#include "tokenizer/regex/code_point.h"
#include "tokenizer/regex/pattern_json.h"

namespace gatehouse::tokenizer::decoders {
namespace {

class Fuse final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string joined;
    for (const std::string& token : tokens) joined += token;
    tokens.assign(1, std::move(joined));
  }
};

class Strip final : public Decoder {
 public:
  Strip(char32_t content, size_t start, size_t stop) : content_(content), start_(start), stop_(stop) {}

  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::pair<char32_t, size_t>> chars;  // code point, byte position
    for (std::string& token : tokens) {
      chars.clear();
      for (size_t pos = 0; pos < token.size();) {
        int length;
        chars.emplace_back(regex::decode(token.data() + pos, length), pos);
        pos += size_t(length);
      }
      size_t start_cut = 0;
      while (start_cut < start_ && start_cut < chars.size() && chars[start_cut].first == content_) ++start_cut;
      size_t stop_cut = chars.size();
      for (size_t i = 0; i < stop_ && stop_cut > 0 && chars[stop_cut - 1].first == content_; ++i) --stop_cut;
      if (stop_cut <= start_cut) {
        token.clear();
        continue;
      }
      size_t begin = start_cut < chars.size() ? chars[start_cut].second : token.size();
      size_t end = stop_cut < chars.size() ? chars[stop_cut].second : token.size();
      token = token.substr(begin, end - begin);
    }
  }

 private:
  char32_t content_;
  size_t start_, stop_;
};

class Replace final : public Decoder {
 public:
  Replace(Regex pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}

  void decode_chain(std::vector<std::string>& tokens) const override {
    regex::Matches matches;
    for (std::string& token : tokens) {
      matches.clear();
      pattern_.find_matches(token, matches);
      if (matches.empty()) continue;
      std::string replaced;
      size_t pos = 0;
      for (auto [begin, end] : matches) {
        replaced.append(token, pos, begin - pos);
        replaced += content_;
        pos = end;
      }
      replaced.append(token, pos, std::string::npos);
      token = std::move(replaced);
    }
  }

 private:
  Regex pattern_;
  std::string content_;
};

class BpeDecoder final : public Decoder {
 public:
  explicit BpeDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) replace_all(tokens[i], suffix_, i + 1 == tokens.size() ? "" : " ");
  }

 private:
  std::string suffix_;
};

class WordPiece final : public Decoder {
 public:
  WordPiece(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& token = tokens[i];
      if (i != 0) {
        if (!prefix_.empty() && token.starts_with(prefix_)) {
          token.erase(0, prefix_.size());
        } else {
          token.insert(0, " ");
        }
      }
      if (cleanup_) cleanup_spaces(token);
    }
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

class Ctc final : public Decoder {
 public:
  Ctc(std::string pad, std::string delimiter, bool cleanup)
      : pad_(std::move(pad)), delimiter_(std::move(delimiter)), cleanup_(cleanup) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> result;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0 && tokens[i] == tokens[i - 1]) continue;  // CTC collapses repeats
      std::string token = tokens[i];
      replace_all(token, pad_, "");
      if (cleanup_) {
        cleanup_spaces(token);
        replace_all(token, delimiter_, " ");
      }
      if (!token.empty()) result.push_back(std::move(token));
    }
    tokens = std::move(result);
  }

 private:
  std::string pad_, delimiter_;
  bool cleanup_;
};

class Metaspace final : public Decoder {
 public:
  Metaspace(char32_t replacement, bool strip_first) : replacement_(replacement), strip_first_(strip_first) {}
  // Every replacement char becomes a space, except in the first token when a prefix was prepended.
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string replacement = utf8::encode(replacement_);
    for (size_t i = 0; i < tokens.size(); ++i) replace_all(tokens[i], replacement, i == 0 && strip_first_ ? "" : " ");
  }

 private:
  char32_t replacement_;
  bool strip_first_;
};

size_t read_count(const bj::object& config, std::string_view key, const json::JsonPath& path) {
  int64_t value = json::as_int(json::require(config, key, path), path / key);
  if (value < 0) throw Error(ErrorCode::invalid_argument, (path / key).str() + " must not be negative");
  return size_t(value);
}

}  // namespace

std::unique_ptr<Decoder> make_fuse(const bj::object&, const json::JsonPath&) { return std::make_unique<Fuse>(); }

std::unique_ptr<Decoder> make_strip(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<Strip>(pre_tokenizers::require_char(config, "content", path), read_count(config, "start", path),
                                 read_count(config, "stop", path));
}

std::unique_ptr<Decoder> make_replace(const bj::object& config, const json::JsonPath& path) {
  Regex pattern = regex_from_pattern_json(json::require(config, "pattern", path), path / "pattern");
  return std::make_unique<Replace>(std::move(pattern),
                                   std::string(json::as_string(json::require(config, "content", path), path / "content")));
}

std::unique_ptr<Decoder> make_bpe(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<BpeDecoder>(json::get_string(config, "suffix", path, "</w>"));
}

std::unique_ptr<Decoder> make_word_piece(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<WordPiece>(json::get_string(config, "prefix", path, "##"),
                                     json::get_bool(config, "cleanup", path, true));
}

std::unique_ptr<Decoder> make_ctc(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<Ctc>(json::get_string(config, "pad_token", path, "<pad>"),
                               json::get_string(config, "word_delimiter_token", path, "|"),
                               json::get_bool(config, "cleanup", path, true));
}

std::unique_ptr<Decoder> make_metaspace(const bj::object& config, const json::JsonPath& path) {
  char32_t replacement = pre_tokenizers::require_char(config, "replacement", path);
  std::string scheme = json::get_string(config, "prepend_scheme", path, "always");
  if (scheme != "always" && scheme != "first" && scheme != "never") {
    throw Error(ErrorCode::invalid_argument, (path / "prepend_scheme").str() + " is \"" + scheme +
                                                 "\"; expected \"first\", \"always\" or \"never\"");
  }
  bool legacy_no_prefix = !json::get_bool(config, "add_prefix_space", path, true);
  return std::make_unique<Metaspace>(replacement, scheme != "never" && !legacy_no_prefix);
}

}  // namespace gatehouse::tokenizer::decoders
