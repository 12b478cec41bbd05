// Fuzzes the checkpoint parsers: any bytes either parse as a safetensors file whose tensors lie
// inside the data, or give an Error; the same bytes go through the config.json reader. Nothing
// may crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "engine/loader/model_config.h"
#include "engine/loader/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view file(reinterpret_cast<const char*>(data), size);
  try {
    gatehouse::engine::SafetensorsHeader header = gatehouse::engine::parse_safetensors(file, "fuzz.safetensors");
    for (const auto& tensor : header.tensors) {
      if (tensor.offset + tensor.size > size || tensor.offset + tensor.size < tensor.offset) __builtin_trap();
    }
  } catch (const gatehouse::Error&) {
  }
  try {
    (void)gatehouse::engine::ModelConfig::parse(file, "fuzz config.json");
  } catch (const gatehouse::Error&) {
  }
  return 0;
}
