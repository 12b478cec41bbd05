// Runs a program to completion as a child process, without a shell: argv goes to posix_spawnp as
// it is, `input` is written to its stdin (the way a secret may reach it: never argv), and its
// stdout and stderr are collected. Used for kubectl. Thread-safe; each call owns its child.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::control {

struct ProcessResult {
  int exit_code = 0;  // the exit status, or 128 + the signal that ended it
  std::string out;
  std::string err;
};

// Most bytes kept of each of stdout and stderr; a child that writes more is an error.
inline constexpr size_t kMaxProcessOutput = size_t(64) << 20;

// Throws Error(unavailable) when the program cannot be started (naming it and why), when it runs
// longer than `timeout` (it is killed) or writes more than kMaxProcessOutput. A non-zero exit is
// not an error here: the caller reads exit_code.
ProcessResult run_process(const std::vector<std::string>& argv, std::string_view input,
                          std::chrono::milliseconds timeout);

}  // namespace gatehouse::control
