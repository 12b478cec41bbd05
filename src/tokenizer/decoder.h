// Decoder: turns token strings back into text pieces (ByteLevel, Metaspace, WordPiece,
// ByteFallback, Fuse, Strip, Replace, BPEDecoder, CTC, Sequence). decode_chain rewrites the list in
// place; the tokenizer joins the result. Immutable and thread-safe.
#pragma once

#include <boost/json/fwd.hpp>
#include <memory>
#include <string>
#include <vector>

#include "base/json.h"

namespace gatehouse::tokenizer {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

std::unique_ptr<Decoder> make_decoder(const boost::json::value& config, const json::JsonPath& path);

}  // namespace gatehouse::tokenizer
