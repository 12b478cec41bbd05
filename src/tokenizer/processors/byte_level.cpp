// ByteLevel post-processor: only trims offsets (tk/pre_tokenizers/byte_level.rs, process_offsets).
#include <boost/json/value.hpp>

#include "base/unicode.h"
#include "tokenizer/byte_level_alphabet.h"
#include "tokenizer/processors/builders.h"
#include "tokenizer/regex/code_point.h"

namespace gatehouse::tokenizer::processors {
namespace {

bool is_space_like(char32_t c) { return c == byte_level::char_of_byte(' ') || unicode::is_white_space(c); }

class ByteLevel final : public PostProcessor {
 public:
  ByteLevel(bool add_prefix_space, bool trim_offsets) : add_prefix_space_(add_prefix_space), trim_offsets_(trim_offsets) {}

  size_t added_tokens(bool) const override { return 0; }
  std::vector<Encoding> process_encodings(std::vector<Encoding> encodings, bool) const override {
    if (trim_offsets_) {
      for (Encoding& encoding : encodings) trim_byte_level_offsets(encoding, add_prefix_space_);
    }
    return encodings;
  }

 private:
  bool add_prefix_space_, trim_offsets_;
};

}  // namespace

void trim_byte_level_offsets(Encoding& encoding, bool add_prefix_space) {
  std::vector<char32_t> chars;
  for (size_t i = 0; i < encoding.size(); ++i) {
    chars.clear();
    const std::string& token = encoding.tokens[i];
    for (size_t pos = 0; pos < token.size();) {
      int length;
      chars.push_back(regex::decode(token.data() + pos, length));
      pos += size_t(length);
    }
    uint32_t leading = 0, trailing = 0;
    while (leading < chars.size() && is_space_like(chars[leading])) ++leading;
    while (trailing < chars.size() && is_space_like(chars[chars.size() - 1 - trailing])) ++trailing;
    Offsets& offsets = encoding.offsets[i];
    if (leading > 0) {
      bool is_first = i == 0 || offsets.begin == 0;
      if (is_first && add_prefix_space && leading == 1) leading = 0;  // keep the space the pre-tokenizer added
      offsets.begin = std::min(offsets.begin + leading, offsets.end);
    }
    if (trailing > 0 && offsets.end >= trailing) offsets.end = std::max(offsets.end - trailing, offsets.begin);
  }
}

std::unique_ptr<PostProcessor> make_byte_level(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<ByteLevel>(json::get_bool(config, "add_prefix_space", path, true),
                                     json::get_bool(config, "trim_offsets", path, true));
}

}  // namespace gatehouse::tokenizer::processors
