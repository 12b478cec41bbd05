// Sequence: applies several pre-tokenizers in order (tk/pre_tokenizers/sequence.rs).
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "tokenizer/component_factory.h"
#include "tokenizer/pre_tokenizers/builders.h"

namespace gatehouse::tokenizer::pre_tokenizers {
namespace {

class Sequence final : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}

  void pre_tokenize(PreTokenizedString& text) const override {
    for (const auto& step : steps_) step->pre_tokenize(text);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_sequence(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<Sequence>(build_stages(config, "pretokenizers", path, make_pre_tokenizer));
}

}  // namespace gatehouse::tokenizer::pre_tokenizers
