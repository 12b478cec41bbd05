// Normalizer: the first stage of the pipeline, rewriting text (NFC, lowercase, replace, ...) while
// keeping alignments. Built from tokenizer.json's "normalizer" by its "type". Immutable after
// construction, so one instance is shared by all threads.
#pragma once

#include <boost/json/fwd.hpp>
#include <memory>

#include "base/json.h"
#include "tokenizer/normalized_string.h"

namespace gatehouse::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedString& text) const = 0;
};

// Builds the normalizer described by `config` (an object with "type"). Throws invalid_argument
// naming the path for an unknown type or a bad field. A JSON null gives nullptr (no normalizer).
std::unique_ptr<Normalizer> make_normalizer(const boost::json::value& config, const json::JsonPath& path);

}  // namespace gatehouse::tokenizer
