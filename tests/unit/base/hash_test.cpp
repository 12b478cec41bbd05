#include "base/hash.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gatehouse {
namespace {

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

}  // namespace
}  // namespace gatehouse
