// Fuzzes the compilers of JSON specifications: any bytes are parsed as JSON and compiled as a
// structural tag when the object says "type": "structural_tag", else as a JSON schema, with
// options taken from the first byte. Each either compiles or throws a gatehouse::Error; nothing may
// crash, hang, overflow the stack or grow without bound.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "base/json.h"
#include "grammar/json_schema.h"
#include "grammar/structural_tag.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gatehouse::grammar::JsonSchemaOptions options;
  if (size > 0) {
    options.any_whitespace = (data[0] & 1) == 0;
    options.strict = (data[0] & 2) == 0;
    options.max_whitespace = (data[0] & 4) ? data[0] >> 4 : -1;
  }
  boost::json::value schema;
  try {
    schema = gatehouse::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz schema");
  } catch (const gatehouse::Error&) {
    return 0;
  }
  try {
    const boost::json::value* type = schema.is_object() ? schema.get_object().if_contains("type") : nullptr;
    if (type && type->is_string() && type->get_string() == "structural_tag") {
      (void)gatehouse::grammar::compile_structural_tag(schema, options);
    } else {
      (void)gatehouse::grammar::compile_json_schema(schema, options);
    }
  } catch (const gatehouse::Error&) {
  }
  return 0;
}
