#include "engine/loader/dtype.h"

#include <array>
#include <utility>

namespace gatehouse::engine {
namespace {

struct DTypeInfo {
  DType dtype;
  std::string_view name;
  size_t size;
};

constexpr std::array<DTypeInfo, 15> kTypes = {{
    {DType::boolean, "BOOL", 1}, {DType::u8, "U8", 1},   {DType::i8, "I8", 1},     {DType::f8_e4m3, "F8_E4M3", 1},
    {DType::f8_e5m2, "F8_E5M2", 1}, {DType::i16, "I16", 2}, {DType::u16, "U16", 2}, {DType::f16, "F16", 2},
    {DType::bf16, "BF16", 2},   {DType::i32, "I32", 4},  {DType::u32, "U32", 4},   {DType::f32, "F32", 4},
    {DType::f64, "F64", 8},     {DType::i64, "I64", 8},  {DType::u64, "U64", 8},
}};

const DTypeInfo& info(DType dtype) {
  for (const DTypeInfo& entry : kTypes) {
    if (entry.dtype == dtype) return entry;
  }
  return kTypes[0];
}

}  // namespace

std::optional<DType> parse_dtype(std::string_view name) {
  for (const DTypeInfo& entry : kTypes) {
    if (entry.name == name) return entry.dtype;
  }
  return std::nullopt;
}

std::string_view dtype_name(DType dtype) { return info(dtype).name; }
size_t dtype_size(DType dtype) { return info(dtype).size; }

}  // namespace gatehouse::engine
