#include "engine/loader/safetensors.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstring>

#include "base/error.h"
#include "base/json.h"

namespace gatehouse::engine {
namespace {

namespace bj = boost::json;

// The reference library refuses headers over 100 MB.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

[[noreturn]] void fail(const std::string& document, const std::string& message) {
  throw Error(ErrorCode::invalid_argument, document + ": " + message);
}

uint64_t read_u64_le(std::string_view bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[size_t(i)]);
  return value;
}

TensorInfo parse_tensor(const std::string& name, const bj::value& value, const json::JsonPath& path,
                        const std::string& document) {
  const bj::object& entry = json::as_object(value, path);
  TensorInfo tensor;
  tensor.name = name;
  std::string_view dtype_text = json::as_string(json::require(entry, "dtype", path), path / "dtype");
  std::optional<DType> dtype = parse_dtype(dtype_text);
  if (!dtype) fail(document, "tensor \"" + name + "\" has an unknown dtype \"" + std::string(dtype_text) + "\"");
  tensor.dtype = *dtype;
  const bj::array& shape = json::as_array(json::require(entry, "shape", path), path / "shape");
  if (shape.size() > 16) fail(document, "tensor \"" + name + "\" has " + std::to_string(shape.size()) + " dimensions");
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t dimension = json::as_int(shape[i], (path / "shape")[i]);
    if (dimension < 0) fail(document, "tensor \"" + name + "\" has a negative dimension");
    tensor.shape.push_back(dimension);
  }
  const bj::array& offsets = json::as_array(json::require(entry, "data_offsets", path), path / "data_offsets");
  if (offsets.size() != 2) fail(document, "tensor \"" + name + "\": data_offsets must be [begin, end]");
  int64_t begin = json::as_int(offsets[0], (path / "data_offsets")[0]);
  int64_t end = json::as_int(offsets[1], (path / "data_offsets")[1]);
  if (begin < 0 || end < begin) fail(document, "tensor \"" + name + "\" has data_offsets that run backwards");
  tensor.offset = uint64_t(begin);
  tensor.size = uint64_t(end - begin);
  unsigned __int128 expected = dtype_size(tensor.dtype);
  for (int64_t dimension : tensor.shape) {
    expected *= uint64_t(dimension);
    if (expected > UINT64_MAX) fail(document, "tensor \"" + name + "\" is too large");
  }
  if (uint64_t(expected) != tensor.size) {
    fail(document, "tensor \"" + name + "\" is " + std::string(dtype_name(tensor.dtype)) + " with " +
                       std::to_string(uint64_t(expected) / dtype_size(tensor.dtype)) + " elements (" +
                       std::to_string(uint64_t(expected)) + " bytes) but its data_offsets span " +
                       std::to_string(tensor.size) + " bytes");
  }
  return tensor;
}

}  // namespace

int64_t TensorInfo::elements() const {
  int64_t count = 1;
  for (int64_t dimension : shape) count *= dimension;
  return count;
}

SafetensorsHeader parse_safetensors(std::string_view file, const std::string& document) {
  if (file.size() < 8) fail(document, "too short for a safetensors file (" + std::to_string(file.size()) + " bytes)");
  uint64_t header_size = read_u64_le(file.substr(0, 8));
  if (header_size > kMaxHeaderBytes) fail(document, "the header claims " + std::to_string(header_size) + " bytes (at most 100 MB)");
  if (header_size > file.size() - 8) {
    fail(document, "the header claims " + std::to_string(header_size) + " bytes but the file has only " +
                       std::to_string(file.size() - 8) + " after the length: the file is truncated");
  }
  std::string_view text = file.substr(8, header_size);
  if (text.empty() || text.front() != '{') fail(document, "the header is not a JSON object");
  bj::value root = json::parse(text, document + " header");
  json::JsonPath path(document + " header");
  const bj::object& object = json::as_object(root, path);
  SafetensorsHeader header;
  for (const auto& [key, value] : object) {
    std::string name(key);
    if (name == "__metadata__") {
      for (const auto& [meta_key, meta_value] : json::as_object(value, path / name)) {
        header.metadata[std::string(meta_key)] = std::string(json::as_string(meta_value, path / name / meta_key));
      }
      continue;
    }
    header.tensors.push_back(parse_tensor(name, value, path / name, document));
  }
  // The data must be covered exactly: sorted by offset, each tensor starts where the last ended.
  std::vector<TensorInfo*> by_offset;
  for (TensorInfo& tensor : header.tensors) by_offset.push_back(&tensor);
  std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) {
    return a->offset != b->offset ? a->offset < b->offset : a->size < b->size;
  });
  uint64_t expected = 0;
  for (TensorInfo* tensor : by_offset) {
    if (tensor->offset != expected) {
      fail(document, "tensor \"" + tensor->name + "\" starts at byte " + std::to_string(tensor->offset) + " of the data, "
                     "expected " + std::to_string(expected) + " (tensors overlap or leave a gap)");
    }
    expected = tensor->offset + tensor->size;
  }
  uint64_t data_size = file.size() - 8 - header_size;
  if (expected != data_size) {
    fail(document, "the tensors cover " + std::to_string(expected) + " bytes but the file holds " + std::to_string(data_size) +
                       " bytes of data" + (expected > data_size ? ": the file is truncated" : ""));
  }
  for (TensorInfo& tensor : header.tensors) tensor.offset += 8 + header_size;
  return header;
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : path_(path), mapping_(path) {
  header_ = parse_safetensors(mapping_.view(), path.filename().string());
  for (size_t i = 0; i < header_.tensors.size(); ++i) index_[header_.tensors[i].name] = i;
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &header_.tensors[it->second];
}

std::string_view SafetensorsFile::data(const TensorInfo& tensor) const {
  return mapping_.view().substr(tensor.offset, tensor.size);
}

CheckpointWeights::CheckpointWeights(const std::filesystem::path& folder) {
  std::filesystem::path single = folder / "model.safetensors";
  std::filesystem::path index = folder / "model.safetensors.index.json";
  std::error_code ec;
  if (std::filesystem::exists(index, ec)) {
    json::JsonPath path("model.safetensors.index.json");
    bj::value root = json::parse(files::read_file(index, files::kConfigFileLimit), "model.safetensors.index.json");
    const bj::object& weight_map = json::as_object(json::require(json::as_object(root, path), "weight_map", path),
                                                   path / "weight_map");
    std::map<std::string, const SafetensorsFile*> by_file;
    for (const auto& [tensor, shard_value] : weight_map) {
      std::string shard(json::as_string(shard_value, path / "weight_map" / tensor));
      if (shard.empty() || shard.find('/') != std::string::npos || shard.find("..") != std::string::npos) {
        throw Error(ErrorCode::invalid_argument, path.str() + " weight_map names the shard \"" + shard +
                                                     "\"; shards must be files of the same folder");
      }
      auto [it, added] = by_file.emplace(shard, nullptr);
      if (added) {
        files_.push_back(std::make_unique<SafetensorsFile>(folder / shard));
        it->second = files_.back().get();
      }
      if (!it->second->find(tensor)) {
        throw Error(ErrorCode::invalid_argument, "model.safetensors.index.json puts \"" + std::string(tensor) + "\" in " +
                                                     shard + ", which has no such tensor");
      }
      owner_[std::string(tensor)] = it->second;
    }
    return;
  }
  if (!std::filesystem::exists(single, ec)) {
    throw Error(ErrorCode::not_found, folder.string() + " has neither model.safetensors nor model.safetensors.index.json");
  }
  files_.push_back(std::make_unique<SafetensorsFile>(single));
  for (const TensorInfo& tensor : files_.back()->header().tensors) owner_[tensor.name] = files_.back().get();
}

std::pair<const TensorInfo*, const SafetensorsFile*> CheckpointWeights::find(std::string_view name) const {
  auto it = owner_.find(name);
  if (it == owner_.end()) return {nullptr, nullptr};
  return {it->second->find(name), it->second};
}

std::vector<std::string> CheckpointWeights::names() const {
  std::vector<std::string> out;
  for (const auto& [name, file] : owner_) out.push_back(name);
  return out;
}

}  // namespace gatehouse::engine
