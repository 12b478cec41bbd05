#include "control/vault.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <thread>
#include <vector>

#include "../hub/scoped_env.h"
#include "base/error.h"
#include "base/file.h"
#include "control_testing.h"

namespace gatehouse::control {
namespace {

namespace fs = std::filesystem;
using hub::testing::ScopedEnv;
using testing::mode_of;
using testing::TempDir;

const SecretString kKey(std::string(32, '\x42'));
const std::string kHexKey = "4242424242424242424242424242424242424242424242424242424242424242";

ErrorCode code_of(const std::function<void()>& action) { return testing::error_of(action).code(); }
std::string message_of(const std::function<void()>& action) { return testing::error_of(action).what(); }

class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override { env_.unset("GATEHOUSE_MASTER_KEY"); }
  ScopedEnv env_;
  TempDir dir_{"vault-test"};
};

TEST_F(VaultTest, SealsAndOpens) {
  Vault vault = Vault::with_key(kKey);
  std::string sealed = vault.seal(SecretString("hf_value"), "default/hf-secret/hf-token");
  EXPECT_EQ(sealed.size(), 24 + std::string("hf_value").size() + 16);
  EXPECT_EQ(sealed.find("hf_value"), std::string::npos);
  EXPECT_EQ(vault.open(sealed, "default/hf-secret/hf-token").reveal(), "hf_value");
  EXPECT_EQ(vault.open(vault.seal(SecretString(""), "ad"), "ad").reveal(), "");
}

TEST_F(VaultTest, EachSealHasItsOwnNonce) {
  Vault vault = Vault::with_key(kKey);
  EXPECT_NE(vault.seal(SecretString("same"), "ad"), vault.seal(SecretString("same"), "ad"));
}

TEST_F(VaultTest, TamperedValuesDoNotOpen) {
  Vault vault = Vault::with_key(kKey);
  const std::string sealed = vault.seal(SecretString("a secret value"), "ad");
  for (size_t at : {size_t(0), size_t(23), size_t(24), sealed.size() / 2, sealed.size() - 1}) {
    std::string tampered = sealed;
    tampered[at] ^= 0x01;
    EXPECT_EQ(code_of([&] { vault.open(tampered, "ad"); }), ErrorCode::data_loss) << "byte " << at;
  }
  EXPECT_EQ(code_of([&] { vault.open(sealed.substr(0, sealed.size() - 1), "ad"); }), ErrorCode::data_loss);
  EXPECT_EQ(code_of([&] { vault.open(sealed.substr(0, 39), "ad"); }), ErrorCode::data_loss);
  EXPECT_EQ(code_of([&] { vault.open("", "ad"); }), ErrorCode::data_loss);
}

TEST_F(VaultTest, WrongKeyOrAssociatedDataDoesNotOpen) {
  Vault vault = Vault::with_key(kKey);
  Vault other = Vault::with_key(SecretString(std::string(32, '\x43')));
  const std::string sealed = vault.seal(SecretString("value"), "default/a/key");
  EXPECT_EQ(code_of([&] { other.open(sealed, "default/a/key"); }), ErrorCode::data_loss);
  EXPECT_EQ(code_of([&] { vault.open(sealed, "default/b/key"); }), ErrorCode::data_loss);
  EXPECT_EQ(code_of([&] { vault.open(sealed, ""); }), ErrorCode::data_loss);
}

TEST_F(VaultTest, KeyMustBe32Bytes) {
  EXPECT_EQ(code_of([] { Vault::with_key(SecretString(std::string(31, 'k'))); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([] { Vault::with_key(SecretString(std::string(33, 'k'))); }), ErrorCode::invalid_argument);
}

TEST_F(VaultTest, KeyFileIsCreatedPrivateAndReused) {
  const fs::path data_dir = dir_.path() / "data";
  Vault first = Vault::open(data_dir);
  EXPECT_EQ(mode_of(data_dir), 0700u);
  const fs::path key_file = data_dir / "master.key";
  EXPECT_EQ(mode_of(key_file), 0600u);
  EXPECT_EQ(fs::file_size(key_file), 32u);
  const std::string key_bytes = files::read_file(key_file);

  Vault second = Vault::open(data_dir);
  EXPECT_EQ(files::read_file(key_file), key_bytes);
  EXPECT_EQ(second.open(first.seal(SecretString("kept"), "ad"), "ad").reveal(), "kept");
  // The file holds the key itself: a vault made from its bytes opens what the first one sealed.
  EXPECT_EQ(Vault::with_key(SecretString(key_bytes)).open(first.seal(SecretString("x"), "ad"), "ad").reveal(), "x");
  EXPECT_EQ(std::distance(fs::directory_iterator(data_dir), fs::directory_iterator()), 1) << "no temporary file left";
}

TEST_F(VaultTest, DataDirectoryWithParentsAndATrailingSlashIsPrivate) {
  Vault::open(dir_.path() / "parent" / "data/");
  EXPECT_EQ(mode_of(dir_.path() / "parent" / "data"), 0700u);
  EXPECT_EQ(mode_of(dir_.path() / "parent" / "data" / "master.key"), 0600u);
}

TEST_F(VaultTest, ConcurrentOpensAgreeOnOneKey) {
  const fs::path data_dir = dir_.path() / "data";
  std::vector<std::optional<Vault>> vaults(8);
  std::vector<std::thread> threads;
  for (auto& vault : vaults) threads.emplace_back([&] { vault = Vault::open(data_dir); });
  for (auto& thread : threads) thread.join();
  const std::string sealed = vaults[0]->seal(SecretString("shared"), "ad");
  for (const auto& vault : vaults) EXPECT_EQ(vault->open(sealed, "ad").reveal(), "shared");
}

TEST_F(VaultTest, KeyFileReadableByOthersIsRefused) {
  const fs::path key_file = dir_.path() / "master.key";
  std::ofstream(key_file, std::ios::binary) << std::string(32, 'k');
  fs::permissions(key_file, fs::perms(0644));
  std::string message = message_of([&] { Vault::open(dir_.path()); });
  EXPECT_NE(message.find(key_file.string()), std::string::npos) << message;
  EXPECT_NE(message.find("chmod 600"), std::string::npos) << message;
  fs::permissions(key_file, fs::perms(0600));
  EXPECT_NO_THROW(Vault::open(dir_.path()));
}

TEST_F(VaultTest, KeyFileOfWrongSizeIsRefused) {
  const fs::path key_file = dir_.path() / "master.key";
  std::ofstream(key_file, std::ios::binary) << std::string(31, 'k');
  fs::permissions(key_file, fs::perms(0600));
  std::string message = message_of([&] { Vault::open(dir_.path()); });
  EXPECT_NE(message.find("31 bytes instead of 32"), std::string::npos) << message;
  EXPECT_EQ(code_of([&] { Vault::open(dir_.path()); }), ErrorCode::invalid_argument);
}

TEST_F(VaultTest, KeyFromTheEnvironment) {
  env_.set("GATEHOUSE_MASTER_KEY", kHexKey);
  Vault vault = Vault::open(dir_.path());
  EXPECT_FALSE(fs::exists(dir_.path() / "master.key"));
  EXPECT_EQ(Vault::with_key(kKey).open(vault.seal(SecretString("v"), "ad"), "ad").reveal(), "v");
}

TEST_F(VaultTest, BadKeyInTheEnvironmentIsRefusedWithoutEchoingIt) {
  const std::string planted = "PLANTEDf00d";
  for (const std::string& value : {planted + std::string(53, 'a'), kHexKey.substr(0, 62) + planted.substr(0, 1),
                                   kHexKey + "00", planted, kHexKey.substr(0, 63) + "g", std::string()}) {
    env_.set("GATEHOUSE_MASTER_KEY", value);
    std::string message = message_of([&] { Vault::open(dir_.path()); });
    EXPECT_NE(message.find("GATEHOUSE_MASTER_KEY must be 64 hex digits"), std::string::npos) << message;
    EXPECT_EQ(message.find("PLANTED"), std::string::npos) << message;
    EXPECT_EQ(message.find("aaaaaaaa"), std::string::npos) << message;
    EXPECT_EQ(message.find("42424242"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace gatehouse::control
