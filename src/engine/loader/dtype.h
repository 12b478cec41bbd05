// The element types a safetensors file may declare, by their names in the header ("BF16", ...).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace gatehouse::engine {

enum class DType { boolean, u8, i8, f8_e4m3, f8_e5m2, i16, u16, f16, bf16, i32, u32, f32, f64, i64, u64 };

// nullopt for a name safetensors does not define.
std::optional<DType> parse_dtype(std::string_view name);
std::string_view dtype_name(DType dtype);
size_t dtype_size(DType dtype);

}  // namespace gatehouse::engine
