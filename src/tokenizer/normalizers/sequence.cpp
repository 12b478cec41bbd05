// Sequence: applies its normalizers in order (tk/normalizers/utils.rs).
#include <boost/json/value.hpp>

#include "base/error.h"
#include "tokenizer/normalizers/builders.h"

namespace gatehouse::tokenizer::normalizers {
namespace {

class Sequence final : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> stages) : stages_(std::move(stages)) {}
  void normalize(NormalizedString& text) const override {
    for (const auto& stage : stages_) stage->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> stages_;
};

}  // namespace

std::unique_ptr<Normalizer> make_sequence(const bj::object& config, const json::JsonPath& path) {
  json::JsonPath list_path = path / "normalizers";
  const bj::array& list = json::as_array(json::require(config, "normalizers", path), list_path);
  std::vector<std::unique_ptr<Normalizer>> stages;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].is_null()) {
      throw Error(ErrorCode::invalid_argument, list_path[i].str() + " is null; a Sequence holds normalizer objects");
    }
    stages.push_back(make_normalizer(list[i], list_path[i]));
  }
  return std::make_unique<Sequence>(std::move(stages));
}

}  // namespace gatehouse::tokenizer::normalizers
