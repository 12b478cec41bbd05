#include "base/file.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gatehouse::files {
namespace {

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("gatehouse-file-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(FileTest, AtomicWriteThenReadAndMap) {
  auto path = temp_dir() / "a.txt";
  write_file_atomic(path, "hello");
  write_file_atomic(path, "hello, again");
  EXPECT_EQ(read_file(path), "hello, again");
  MappedFile mapped(path);
  EXPECT_EQ(mapped.view(), "hello, again");
  for (const auto& entry : std::filesystem::directory_iterator(path.parent_path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << "temporary file left behind";
  }
}

TEST(FileTest, ErrorsSayWhatAndWhere) {
  try {
    read_file(temp_dir() / "missing.json");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::not_found);
    EXPECT_NE(std::string(error.what()).find("missing.json"), std::string::npos);
  }
  try {
    read_file(temp_dir());
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
  }
}

TEST(FileTest, EmptyFileMapsToEmptyView) {
  auto path = temp_dir() / "empty";
  write_file_atomic(path, "");
  MappedFile mapped(path);
  EXPECT_TRUE(mapped.view().empty());
}

}  // namespace
}  // namespace gatehouse::files
