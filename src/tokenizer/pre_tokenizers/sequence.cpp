// Sequence: applies several pre-tokenizers in order (tk/pre_tokenizers/sequence.rs).
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

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
  json::JsonPath list_path = path / "pretokenizers";
  const bj::array& list = json::as_array(json::require(config, "pretokenizers", path), list_path);
  std::vector<std::unique_ptr<PreTokenizer>> steps;
  for (size_t i = 0; i < list.size(); ++i) {
    json::as_object(list[i], list_path[i]);  // a null step is an error, not "no pre-tokenizer"
    steps.push_back(make_pre_tokenizer(list[i], list_path[i]));
  }
  return std::make_unique<Sequence>(std::move(steps));
}

}  // namespace gatehouse::tokenizer::pre_tokenizers
