// Loading a tokenizer folder whose files are not regular files: each is refused by name and kind
// instead of blocking (a FIFO) or reading until memory runs out (a link to /dev/zero).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "../base/blocking_guard.h"
#include "tokenizer/tokenizer.h"

namespace gatehouse::tokenizer {
namespace {

namespace fs = std::filesystem;

fs::path fresh_folder(const std::string& name) {
  fs::path folder = fs::temp_directory_path() / ("gatehouse-tokenizer-files-" + std::to_string(::getpid())) / name;
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

fs::path fixture() { return fs::path(GATEHOUSE_SOURCE_DIR) / "tests/fuzz/corpus/bpe_tokenizer.json"; }

void expect_named(const std::string& message, const std::string& file, const std::string& kind) {
  EXPECT_NE(message.find(file), std::string::npos) << message;
  EXPECT_NE(message.find(kind), std::string::npos) << message;
}

TEST(TokenizerFiles, ATokenizerJsonThatIsAFifoIsRefused) {
  fs::path folder = fresh_folder("fifo");
  ASSERT_EQ(::mkfifo((folder / "tokenizer.json").c_str(), 0600), 0);
  expect_named(test_support::error_unblocked(folder / "tokenizer.json", [&] { Tokenizer::from_directory(folder); }),
               "tokenizer.json", "FIFO");
}

TEST(TokenizerFiles, ConfigFilesThatAreNotRegularFilesAreRefused) {
  fs::path folder = fresh_folder("configs");
  fs::copy_file(fixture(), folder / "tokenizer.json");
  EXPECT_NO_THROW(Tokenizer::from_directory(folder));
  for (const char* name : {"tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja"}) {
    fs::create_symlink("/dev/zero", folder / name);
    expect_named(test_support::error_unblocked(folder / name, [&] { Tokenizer::from_directory(folder); }), name,
                 "character device");
    fs::remove(folder / name);
    ASSERT_EQ(::mkfifo((folder / name).c_str(), 0600), 0);
    expect_named(test_support::error_unblocked(folder / name, [&] { Tokenizer::from_directory(folder); }), name, "FIFO");
    fs::remove(folder / name);
  }
}

}  // namespace
}  // namespace gatehouse::tokenizer
