#include "base/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <thread>

#include "base/error.h"
#include "blocking_guard.h"

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

// The message of the Error `action` throws, or "" (with a failure) when it throws none.
std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(FileTest, AFifoIsRefusedWithoutBlocking) {
  auto fifo = temp_dir() / "tokenizer.json";
  std::filesystem::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string message = test_support::error_unblocked(fifo, [&] { read_file(fifo); });
  EXPECT_NE(message.find("tokenizer.json"), std::string::npos) << message;
  EXPECT_NE(message.find("FIFO"), std::string::npos) << message;
  message = test_support::error_unblocked(fifo, [&] { MappedFile mapped(fifo); });
  EXPECT_NE(message.find("FIFO"), std::string::npos) << message;
  std::filesystem::remove(fifo);
}

TEST(FileTest, DevicesAndDirectoriesAreRefusedByWhatTheyAre) {
  auto link = temp_dir() / "config.json";
  std::filesystem::remove(link);
  std::filesystem::create_symlink("/dev/zero", link);  // would read until memory runs out
  std::string message = error_of([&] { read_file(link); });
  EXPECT_NE(message.find("config.json"), std::string::npos) << message;
  EXPECT_NE(message.find("character device"), std::string::npos) << message;
  EXPECT_NE(error_of([&] { MappedFile mapped(link); }).find("character device"), std::string::npos);
  EXPECT_NE(error_of([] { read_file("/dev/null"); }).find("character device"), std::string::npos);
  EXPECT_NE(error_of([] { read_file(temp_dir()); }).find("a directory"), std::string::npos);
  std::filesystem::remove(link);
}

TEST(FileTest, ASymlinkToARegularFileIsRead) {
  auto target = temp_dir() / "blob";
  auto link = temp_dir() / "generation_config.json";
  write_file_atomic(target, "{}");
  std::filesystem::remove(link);
  std::filesystem::create_symlink(target, link);
  EXPECT_EQ(read_file(link, 2), "{}");
  EXPECT_EQ(MappedFile(link).view(), "{}");
}

TEST(FileTest, AFileLargerThanTheLimitIsRefusedNamingTheLimit) {
  auto path = temp_dir() / "tokenizer_config.json";
  write_file_atomic(path, std::string(3000, 'x'));
  EXPECT_EQ(read_file(path, 3000).size(), 3000u);
  std::string message = error_of([&] { read_file(path, 2999); });
  EXPECT_NE(message.find("tokenizer_config.json"), std::string::npos) << message;
  EXPECT_NE(message.find("2999 bytes limit"), std::string::npos) << message;
  write_file_atomic(path, std::string((size_t(1) << 20) + 1, 'x'));
  EXPECT_NE(error_of([&] { read_file(path, size_t(1) << 20); }).find("1 MiB limit"), std::string::npos);
}

// Inputs named on the command line may be pipes (`--messages <(...)`, a named pipe): read to their
// end, within the limit; devices and directories are still refused.
TEST(FileTest, NamedInputsMayBePipes) {
  int ends[2];
  ASSERT_EQ(::pipe(ends), 0);
  const std::string sent(100000, 'm');  // more than a pipe holds: read as it is written
  std::thread writer([&] {
    for (size_t done = 0; done < sent.size();) done += size_t(std::max<ssize_t>(0, ::write(ends[1], sent.data() + done, sent.size() - done)));
    ::close(ends[1]);
  });
  EXPECT_EQ(read_named_input("/dev/fd/" + std::to_string(ends[0])), sent);
  writer.join();
  ::close(ends[0]);

  auto fifo = temp_dir() / "chat.json";
  std::filesystem::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread fifo_writer([&] {
    int fd = ::open(fifo.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "0123456789", 10), 10);
    ::close(fd);
  });
  std::string message = error_of([&] { read_named_input(fifo, 9); });
  EXPECT_NE(message.find("9 bytes limit"), std::string::npos) << message;
  fifo_writer.join();
  std::filesystem::remove(fifo);

  EXPECT_NE(error_of([] { read_named_input("/dev/zero"); }).find("character device"), std::string::npos);
  EXPECT_NE(error_of([] { read_named_input(temp_dir()); }).find("a directory"), std::string::npos);
  auto path = temp_dir() / "regular.json";
  write_file_atomic(path, "{}");
  EXPECT_EQ(read_named_input(path), "{}");
}

}  // namespace
}  // namespace gatehouse::files
