#include <boost/json/value.hpp>

#include "tokenizer/component_factory.h"
#include "tokenizer/decoders/builders.h"

namespace gatehouse::tokenizer {
namespace decoders {

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  std::string result;
  size_t pos = 0;
  for (size_t hit; (hit = text.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
    result.append(text, pos, hit - pos);
    result.append(to);
  }
  if (pos == 0) return;
  result.append(text, pos, std::string::npos);
  text = std::move(result);
}

void cleanup_spaces(std::string& text) {
  static constexpr std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."},     {" ?", "?"},       {" !", "!"},         {" ,", ","},     {" ' ", "'"},   {" n't", "n't"},
      {" 'm", "'m"},   {" do not", " don't"}, {" 's", "'s"},   {" 've", "'ve"}, {" 're", "'re"},
  };
  for (const auto& [from, to] : kRules) replace_all(text, from, to);
}

}  // namespace decoders

std::unique_ptr<Decoder> make_decoder(const boost::json::value& config, const json::JsonPath& path) {
  static constexpr BuilderTable<Decoder, 10> kBuilders = {{
      {"BPEDecoder", decoders::make_bpe},
      {"ByteFallback", decoders::make_byte_fallback},
      {"ByteLevel", decoders::make_byte_level},
      {"CTC", decoders::make_ctc},
      {"Fuse", decoders::make_fuse},
      {"Metaspace", decoders::make_metaspace},
      {"Replace", decoders::make_replace},
      {"Sequence", decoders::make_sequence},
      {"Strip", decoders::make_strip},
      {"WordPiece", decoders::make_word_piece},
  }};
  return build_by_type(kBuilders, config, path, "decoder");
}

}  // namespace gatehouse::tokenizer
