// For tests of code that must not block on a FIFO: runs an action on another thread, and if it is
// still blocked after five seconds (in open() waiting for a writer), opens the FIFO's writing end
// so the action returns and the test fails instead of hanging.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <string>

#include "base/error.h"

namespace gatehouse::test_support {

// The message of the gatehouse::Error `action` throws ("" and a failure when it throws none).
inline std::string error_unblocked(const std::filesystem::path& fifo, const std::function<void()>& action) {
  auto result = std::async(std::launch::async, [&]() -> std::string {
    try {
      action();
    } catch (const Error& error) {
      return error.what();
    }
    return "";
  });
  if (result.wait_for(std::chrono::seconds(5)) == std::future_status::timeout) {
    ADD_FAILURE() << "still blocked on " << fifo << " after 5 s";
    int writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (writer >= 0) ::close(writer);
  }
  std::string message = result.get();
  EXPECT_FALSE(message.empty()) << "no error for " << fifo;
  return message;
}

}  // namespace gatehouse::test_support
