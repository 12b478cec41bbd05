#include "base/hash.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "base/error.h"

namespace gatehouse {
namespace {

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("gatehouse-hash-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(HashTest, KnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(HashTest, StreamingEqualsOneShot) {
  Hasher hasher(Hasher::sha256);
  hasher.update("a");
  hasher.update("");
  hasher.update("bc");
  EXPECT_EQ(hasher.hex_digest(), sha256_hex("abc"));
  EXPECT_EQ(hasher.hex_digest(), sha256_hex("abc"));  // stable once finished
  Hasher moved = std::move(hasher);
  EXPECT_EQ(moved.hex_digest(), sha256_hex("abc"));
}

TEST(HashTest, GitBlobSha1) {
  EXPECT_EQ(git_blob_sha1("hello\n"), "ce013625030ba8dba906f756967f9e9ca394464a");
  EXPECT_EQ(git_blob_sha1(""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  GitBlobHasher streaming(6);
  streaming.update("hel");
  streaming.update("lo\n");
  EXPECT_EQ(streaming.hex_digest(), "ce013625030ba8dba906f756967f9e9ca394464a");
}

TEST(HashTest, GitBlobSizeMismatchIsAnError) {
  GitBlobHasher short_input(10);
  short_input.update("hello\n");
  try {
    short_input.hex_digest();
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
  }
}

TEST(HashTest, HashFileStreamsInChunks) {
  auto path = temp_dir() / "big.bin";
  std::string contents;
  for (size_t i = 0; i < (size_t(3) << 20) + 12345; ++i) contents.push_back(char('a' + i % 26));
  std::ofstream(path, std::ios::binary) << contents;
  EXPECT_EQ(hash_file(path, Hasher::sha256), sha256_hex(contents));
  EXPECT_EQ(hash_file(path, Hasher::sha1), sha1_hex(contents));
  EXPECT_EQ(git_blob_sha1_file(path), git_blob_sha1(contents));

  auto empty = temp_dir() / "empty.bin";
  std::ofstream(empty, std::ios::binary).flush();
  EXPECT_EQ(hash_file(empty, Hasher::sha256), sha256_hex(""));
  EXPECT_EQ(git_blob_sha1_file(empty), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
}

TEST(HashTest, MissingFileIsNotFound) {
  try {
    hash_file(temp_dir() / "missing.bin", Hasher::sha256);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::not_found);
    EXPECT_NE(std::string(error.what()).find("missing.bin"), std::string::npos);
  }
}

}  // namespace
}  // namespace gatehouse
