#include <boost/json/value.hpp>

#include "tokenizer/component_factory.h"
#include "tokenizer/processors/builders.h"

namespace gatehouse::tokenizer {

Encoding default_process(Encoding first, std::optional<Encoding> second) {
  if (second) first.append(*second);
  return first;
}

Encoding PostProcessor::process(Encoding first, std::optional<Encoding> second, bool add_special_tokens) const {
  std::vector<Encoding> encodings;
  encodings.push_back(std::move(first));
  if (second) encodings.push_back(std::move(*second));
  encodings = process_encodings(std::move(encodings), add_special_tokens);
  if (encodings.empty()) return Encoding{};
  Encoding merged = std::move(encodings.front());
  for (size_t i = 1; i < encodings.size(); ++i) merged.append(encodings[i]);
  return merged;
}

namespace processors {

Encoding special_tokens_encoding(const std::vector<uint32_t>& ids, const std::vector<std::string>& tokens,
                                 uint32_t type_id) {
  Encoding encoding;
  encoding.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) encoding.push(ids[i], tokens[i], Offsets{}, type_id, true, -1);
  return encoding;
}

}  // namespace processors

std::unique_ptr<PostProcessor> make_post_processor(const boost::json::value& config, const json::JsonPath& path) {
  static constexpr BuilderTable<PostProcessor, 5> kBuilders = {{
      {"BertProcessing", processors::make_bert},
      {"ByteLevel", processors::make_byte_level},
      {"RobertaProcessing", processors::make_roberta},
      {"Sequence", processors::make_sequence},
      {"TemplateProcessing", processors::make_template},
  }};
  return build_by_type(kBuilders, config, path, "post-processor");
}

}  // namespace gatehouse::tokenizer
