// Sequence: applies its normalizers in order (tk/normalizers/utils.rs).
#include <boost/json/value.hpp>

#include "tokenizer/component_factory.h"
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
  return std::make_unique<Sequence>(build_stages(config, "normalizers", path, make_normalizer));
}

}  // namespace gatehouse::tokenizer::normalizers
