#include "hub/token.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/file.h"
#include "scoped_env.h"

namespace gatehouse::hub {
namespace {

namespace fs = std::filesystem;
using testing::ScopedEnv;

class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gatehouse-token-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HOME", "XDG_CACHE_HOME"}) {
      env_.unset(name);
    }
    env_.set("HOME", (dir_ / "home").string());
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string value(const std::optional<SecretString>& token) { return token ? token->reveal() : "<none>"; }

  void write(const fs::path& path, const std::string& contents) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << contents;
  }

  ScopedEnv env_;
  fs::path dir_;
};

TEST_F(TokenTest, TokenPathDefaults) {
  EXPECT_EQ(token_path(), dir_ / "home" / ".cache" / "huggingface" / "token");
  env_.set("XDG_CACHE_HOME", (dir_ / "xdg").string());
  EXPECT_EQ(token_path(), dir_ / "xdg" / "huggingface" / "token");
  env_.set("HF_HOME", (dir_ / "hf").string());
  EXPECT_EQ(token_path(), dir_ / "hf" / "token");
  env_.set("HF_TOKEN_PATH", "~/my-token");
  EXPECT_EQ(token_path(), dir_ / "home" / "my-token");
}

TEST_F(TokenTest, NoTokenAnywhere) { EXPECT_EQ(resolve_token(std::nullopt), std::nullopt); }

TEST_F(TokenTest, Precedence) {
  env_.set("HF_HOME", (dir_ / "hf").string());
  write(dir_ / "hf" / "token", "hf_file\n");
  EXPECT_EQ(value(resolve_token(std::nullopt)), "hf_file");
  env_.set("HUGGING_FACE_HUB_TOKEN", "hf_legacy");
  EXPECT_EQ(value(resolve_token(std::nullopt)), "hf_legacy");
  env_.set("HF_TOKEN", "hf_env");
  EXPECT_EQ(value(resolve_token(std::nullopt)), "hf_env");
  EXPECT_EQ(value(resolve_token(std::string("hf_explicit"))), "hf_explicit");
  // Empty sources fall through to the next one.
  EXPECT_EQ(value(resolve_token(std::string(" \n"))), "hf_env");
  env_.set("HF_TOKEN", "");
  EXPECT_EQ(value(resolve_token(std::nullopt)), "hf_legacy");
  env_.unset("HUGGING_FACE_HUB_TOKEN");
  env_.set("HF_TOKEN", "\r\n");
  EXPECT_EQ(value(resolve_token(std::nullopt)), "hf_file");
}

TEST_F(TokenTest, HfTokenPathWinsOverHfHome) {
  env_.set("HF_HOME", (dir_ / "hf").string());
  write(dir_ / "hf" / "token", "hf_home_token");
  write(dir_ / "elsewhere" / "tok", "hf_path_token");
  env_.set("HF_TOKEN_PATH", (dir_ / "elsewhere" / "tok").string());
  EXPECT_EQ(value(resolve_token(std::nullopt)), "hf_path_token");
}

TEST_F(TokenTest, CleaningStripsCrLfAndSpaces) {
  EXPECT_EQ(value(clean_token("  hf_abc\r\n")), "hf_abc");
  EXPECT_EQ(value(clean_token("hf_a\nbc")), "hf_abc");
  EXPECT_EQ(value(clean_token("\t hf_abc \t")), "hf_abc");
  EXPECT_EQ(clean_token(""), std::nullopt);
  EXPECT_EQ(clean_token(" \r\n "), std::nullopt);
  env_.set("HF_HOME", (dir_ / "hf").string());
  write(dir_ / "hf" / "token", "\n  \n");
  EXPECT_EQ(resolve_token(std::nullopt), std::nullopt);
}

TEST_F(TokenTest, StoreTokenWritesMode0600Atomically) {
  env_.set("HF_HOME", (dir_ / "new" / "hf").string());
  store_token(SecretString("  hf_stored\n"));
  fs::path path = dir_ / "new" / "hf" / "token";
  EXPECT_EQ(files::read_file(path), "hf_stored");
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(value(resolve_token(std::nullopt)), "hf_stored");

  store_token(SecretString("hf_second"));
  EXPECT_EQ(files::read_file(path), "hf_second");
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  for (const auto& entry : fs::directory_iterator(path.parent_path())) {
    EXPECT_EQ(entry.path().filename().string(), "token") << "temporary file left behind";
  }
  EXPECT_THROW(store_token(SecretString(" \n")), Error);
}

TEST_F(TokenTest, ErrorsNeverContainTheToken) {
  env_.set("HF_HOME", (dir_ / "hf").string());
  write(dir_ / "hf", "not a folder");  // the token's folder is a file, so storing must fail
  try {
    store_token(SecretString("hf_supersecretvalue"));
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()).find("supersecret"), std::string::npos) << error.what();
  }
  std::ostringstream printed;
  printed << *clean_token("hf_supersecretvalue");
  EXPECT_EQ(printed.str(), "***");
}

}  // namespace
}  // namespace gatehouse::hub
