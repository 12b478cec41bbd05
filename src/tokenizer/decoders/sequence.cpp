// Sequence: applies its decoders in order (tk/decoders/sequence.rs).
#include <boost/json/value.hpp>

#include "base/error.h"
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
  json::JsonPath list_path = path / "decoders";
  const bj::array& list = json::as_array(json::require(config, "decoders", path), list_path);
  std::vector<std::unique_ptr<Decoder>> stages;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].is_null()) {
      throw Error(ErrorCode::invalid_argument, list_path[i].str() + " is null; a Sequence holds decoder objects");
    }
    stages.push_back(make_decoder(list[i], list_path[i]));
  }
  return std::make_unique<Sequence>(std::move(stages));
}

}  // namespace gatehouse::tokenizer::decoders
