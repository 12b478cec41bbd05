#include <array>
#include <boost/json/value.hpp>

#include "base/error.h"
#include "tokenizer/component_factory.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/normalizers/builders.h"

namespace gatehouse::tokenizer {
namespace {

using normalizers::UnicodeForm;

template <UnicodeForm form>
std::unique_ptr<Normalizer> make_form(const boost::json::object&, const json::JsonPath&) {
  return normalizers::make_unicode_form(form);
}

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const boost::json::value& config, const json::JsonPath& path) {
  static constexpr BuilderTable<Normalizer, 14> kBuilders = {{
      {"BertNormalizer", normalizers::make_bert},
      {"ByteLevel", normalizers::make_byte_level},
      {"Lowercase", normalizers::make_lowercase},
      {"NFC", make_form<UnicodeForm::nfc>},
      {"NFD", make_form<UnicodeForm::nfd>},
      {"NFKC", make_form<UnicodeForm::nfkc>},
      {"NFKD", make_form<UnicodeForm::nfkd>},
      {"Nmt", normalizers::make_nmt},
      {"Precompiled", normalizers::make_precompiled},
      {"Prepend", normalizers::make_prepend},
      {"Replace", normalizers::make_replace},
      {"Sequence", normalizers::make_sequence},
      {"Strip", normalizers::make_strip},
      {"StripAccents", normalizers::make_strip_accents},
  }};
  return build_by_type(kBuilders, config, path, "normalizer");
}

}  // namespace gatehouse::tokenizer
