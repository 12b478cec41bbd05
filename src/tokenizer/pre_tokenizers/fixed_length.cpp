// FixedLength: cuts every split into chunks of `length` chars, 5 by default
// (tk/pre_tokenizers/fixed_length.rs).
#include "base/error.h"
#include "tokenizer/pre_tokenizers/builders.h"
#include "tokenizer/regex/code_point.h"

namespace gatehouse::tokenizer::pre_tokenizers {
namespace {

class FixedLength final : public PreTokenizer {
 public:
  explicit FixedLength(size_t length) : length_(length) {}

  void pre_tokenize(PreTokenizedString& text) const override {
    text.split([&](size_t, const NormalizedString& piece, std::vector<NormalizedString>& out) {
      const std::string& s = piece.get();
      size_t chunk_begin = 0;
      size_t chars = 0;
      for (size_t pos = 0; pos < s.size();) {
        int length;
        regex::decode(s.data() + pos, length);
        pos += size_t(length);
        if (++chars == length_) {
          out.push_back(piece.slice(chunk_begin, pos));
          chunk_begin = pos;
          chars = 0;
        }
      }
      if (chunk_begin < s.size()) out.push_back(piece.slice(chunk_begin, s.size()));
    });
  }

 private:
  size_t length_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_fixed_length(const bj::object& config, const json::JsonPath& path) {
  int64_t length = json::get_int(config, "length", path, 5);
  if (length < 1) {
    throw Error(ErrorCode::invalid_argument,
                (path / "length").str() + " is " + std::to_string(length) + "; it must be at least 1");
  }
  return std::make_unique<FixedLength>(size_t(length));
}

}  // namespace gatehouse::tokenizer::pre_tokenizers
