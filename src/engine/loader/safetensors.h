// safetensors files: an 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then the data. The header is validated the way the reference
// library does (ranges inside the data, contiguous and without overlap, sizes matching dtype times
// shape) before any byte of a tensor is touched; the data is memory-mapped, never copied. Errors
// name the file and the tensor. An opened file is immutable and thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/file.h"
#include "engine/loader/dtype.h"

namespace gatehouse::engine {

struct TensorInfo {
  std::string name;
  DType dtype = DType::f32;
  std::vector<int64_t> shape;
  uint64_t offset = 0;  // from the start of the file
  uint64_t size = 0;    // bytes

  int64_t elements() const;
};

struct SafetensorsHeader {
  std::vector<TensorInfo> tensors;  // in file order
  std::map<std::string, std::string> metadata;
};

// Parses and validates the header of a whole file's bytes. `document` names the file in errors.
SafetensorsHeader parse_safetensors(std::string_view file, const std::string& document);

class SafetensorsFile {
 public:
  // Maps the file and validates its header.
  explicit SafetensorsFile(const std::filesystem::path& path);

  const SafetensorsHeader& header() const { return header_; }
  const TensorInfo* find(std::string_view name) const;
  // The tensor's bytes inside the mapping.
  std::string_view data(const TensorInfo& tensor) const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  files::MappedFile mapping_;
  SafetensorsHeader header_;
  std::map<std::string, size_t, std::less<>> index_;
};

// The weights of a checkpoint folder: model.safetensors, or the shards that
// model.safetensors.index.json lists in its weight_map. A tensor named in the index must be in
// the shard the index names.
class CheckpointWeights {
 public:
  explicit CheckpointWeights(const std::filesystem::path& folder);

  // The tensor and the file holding it, or nullptr for both when no file has it.
  std::pair<const TensorInfo*, const SafetensorsFile*> find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const SafetensorsFile*, std::less<>> owner_;
};

}  // namespace gatehouse::engine
