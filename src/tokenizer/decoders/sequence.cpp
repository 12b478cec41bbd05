// Sequence: applies its decoders in order (tk/decoders/sequence.rs).
#include <boost/json/value.hpp>

#include "tokenizer/component_factory.h"
#include "tokenizer/decoders/builders.h"

namespace gatehouse::tokenizer::decoders {
namespace {

class Sequence final : public Decoder {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Decoder>> stages) : stages_(std::move(stages)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& stage : stages_) stage->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> stages_;
};

}  // namespace

std::unique_ptr<Decoder> make_sequence(const bj::object& config, const json::JsonPath& path) {
  return std::make_unique<Sequence>(build_stages(config, "decoders", path, make_decoder));
}

}  // namespace gatehouse::tokenizer::decoders
