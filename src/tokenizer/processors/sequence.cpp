// Sequence: runs its post-processors in order on the list of encodings (tk/processors/sequence.rs).
#include <boost/json/value.hpp>

#include "tokenizer/component_factory.h"
#include "tokenizer/processors/builders.h"

namespace gatehouse::tokenizer::processors {
namespace {

class Sequence final : public PostProcessor {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PostProcessor>> stages) : stages_(std::move(stages)) {}

  size_t added_tokens(bool is_pair) const override {
    size_t total = 0;
    for (const auto& stage : stages_) total += stage->added_tokens(is_pair);
    return total;
  }

  std::vector<Encoding> process_encodings(std::vector<Encoding> encodings, bool add_special_tokens) const override {
    for (const auto& stage : stages_) encodings = stage->process_encodings(std::move(encodings), add_special_tokens);
    return encodings;
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> stages_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_sequence(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<Sequence>(build_stages(config, "processors", path, make_post_processor));
}

}  // namespace gatehouse::tokenizer::processors
