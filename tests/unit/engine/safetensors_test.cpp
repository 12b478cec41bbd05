// safetensors parsing and checkpoint folders, with files the tests write byte by byte, so that
// every way a header can lie is covered.
#include "engine/loader/safetensors.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "base/error.h"

namespace gatehouse::engine {
namespace {

namespace fs = std::filesystem;

// An 8-byte little-endian length, the header, then the data.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t size = header.size();
  for (int i = 0; i < 8; ++i) out[size_t(i)] = char((size >> (8 * i)) & 0xFF);
  return out + header + data;
}

std::string error_of(const std::string& bytes) {
  try {
    parse_safetensors(bytes, "model.safetensors");
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
    return error.what();
  }
  return "no error";
}

const std::string kHeader =
    R"({"__metadata__": {"format": "pt"}, "b": {"dtype": "BF16", "shape": [4], "data_offsets": [24, 32]},)"
    R"( "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}})";

TEST(Safetensors, ParsesTensorsAndMetadata) {
  std::string data(32, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = char(i);
  SafetensorsHeader header = parse_safetensors(safetensors_bytes(kHeader, data), "model.safetensors");
  ASSERT_EQ(header.tensors.size(), 2u);
  EXPECT_EQ(header.metadata.at("format"), "pt");
  const TensorInfo& a = header.tensors[1];
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.dtype, DType::f32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.elements(), 6);
  EXPECT_EQ(a.offset, 8 + kHeader.size());
  EXPECT_EQ(a.size, 24u);
}

TEST(Safetensors, RefusesHeadersThatLie) {
  std::string data(32, '\0');
  EXPECT_NE(error_of("abc").find("too short"), std::string::npos);
  EXPECT_NE(error_of(safetensors_bytes(kHeader, data).substr(0, 40)).find("truncated"), std::string::npos);
  EXPECT_NE(error_of(safetensors_bytes(kHeader, data.substr(0, 30))).find("truncated"), std::string::npos);
  EXPECT_NE(error_of(safetensors_bytes(kHeader, data + "xx")).find("holds 34 bytes"), std::string::npos);
  EXPECT_NE(error_of(safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}})", "1234"))
                .find("2 elements (8 bytes) but its data_offsets span 4 bytes"),
            std::string::npos);
  EXPECT_NE(error_of(safetensors_bytes(R"({"a": {"dtype": "Q4", "shape": [1], "data_offsets": [0, 1]}})", "1"))
                .find("unknown dtype \"Q4\""),
            std::string::npos);
  EXPECT_NE(error_of(safetensors_bytes(R"({"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},)"
                                       R"( "b": {"dtype": "U8", "shape": [2], "data_offsets": [1, 3]}})", "123"))
                .find("overlap"),
            std::string::npos);
  EXPECT_NE(error_of(safetensors_bytes(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}})", "12"))
                .find("gap"),
            std::string::npos);
  EXPECT_NE(error_of(safetensors_bytes(R"({"a": {"dtype": "U8", "shape": [-1], "data_offsets": [0, 1]}})", "1"))
                .find("negative"),
            std::string::npos);
  EXPECT_NE(error_of(safetensors_bytes(R"({"a": {"dtype": "U8", "shape": [1]}})", "1")).find("data_offsets"),
            std::string::npos);
  EXPECT_NE(error_of(safetensors_bytes("[1, 2]", "")).find("not a JSON object"), std::string::npos);
  EXPECT_NE(error_of(safetensors_bytes("{\"a\": ", "")).find("model.safetensors"), std::string::npos);
  std::string huge(8, '\xff');
  EXPECT_NE(error_of(huge + "{}").find("at most 100 MB"), std::string::npos);
}

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() / ("gatehouse-checkpoint-" + std::to_string(::getpid()));
    fs::remove_all(folder_);
    fs::create_directories(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }
  void write(const std::string& name, const std::string& bytes) { std::ofstream(folder_ / name, std::ios::binary) << bytes; }

  fs::path folder_;
};

TEST_F(CheckpointTest, SingleFileAndShardsThroughTheIndex) {
  write("model.safetensors", safetensors_bytes(kHeader, std::string(32, 'x')));
  CheckpointWeights single(folder_);
  auto [tensor, file] = single.find("b");
  ASSERT_NE(tensor, nullptr);
  EXPECT_EQ(file->data(*tensor), std::string(8, 'x'));
  EXPECT_EQ(single.find("missing").first, nullptr);

  fs::remove(folder_ / "model.safetensors");
  write("model-00001-of-00002.safetensors",
        safetensors_bytes(R"({"x": {"dtype": "U8", "shape": [3], "data_offsets": [0, 3]}})", "abc"));
  write("model-00002-of-00002.safetensors",
        safetensors_bytes(R"({"y": {"dtype": "I16", "shape": [1], "data_offsets": [0, 2]}})", "de"));
  write("model.safetensors.index.json", R"({"metadata": {}, "weight_map": {"x": "model-00001-of-00002.safetensors",
      "y": "model-00002-of-00002.safetensors"}})");
  CheckpointWeights sharded(folder_);
  EXPECT_EQ(sharded.names(), (std::vector<std::string>{"x", "y"}));
  auto [y, y_file] = sharded.find("y");
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(y_file->data(*y), "de");
}

TEST_F(CheckpointTest, IndexMistakesAreErrors) {
  write("a.safetensors", safetensors_bytes(R"({"x": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}})", "a"));
  write("model.safetensors.index.json", R"({"weight_map": {"z": "a.safetensors"}})");
  EXPECT_THROW(CheckpointWeights{folder_}, Error);
  write("model.safetensors.index.json", R"({"weight_map": {"x": "../a.safetensors"}})");
  try {
    CheckpointWeights weights(folder_);
    FAIL() << "a shard outside the folder must be refused";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("same folder"), std::string::npos);
  }
  fs::remove(folder_ / "model.safetensors.index.json");
  fs::remove(folder_ / "a.safetensors");
  try {
    CheckpointWeights weights(folder_);
    FAIL() << "an empty folder must be refused";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::not_found);
  }
}

}  // namespace
}  // namespace gatehouse::engine
