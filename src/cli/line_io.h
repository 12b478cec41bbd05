// Buffered stdin line reading and stdout writing for the --jsonl batch modes, and the hidden prompt
// that reads a token or password.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <cstdint>

namespace gatehouse::cli {

// Reads one line (without the '\n'); returns false at end of input.
bool read_line(std::FILE* in, std::string& line);

// Appends `[1, 2, 3]` (Python json.dumps spacing) to `out`.
void append_id_array(std::string& out, const std::vector<uint32_t>& ids);

void write_out(std::string_view text);

// The first line of stdin: on a terminal, typed after `prompt` (written to stderr) with echo off;
// from a pipe, read as it is.
std::string read_hidden_line(const char* prompt);

// The --jsonl batch loop: `handle` turns one stdin line (named `document`, e.g. "stdin line 3", for
// error messages) into one output line. A line whose handler throws gatehouse::Error gets
// {"error": "..."} instead and the run goes on; returns the exit code, 1 if any line failed.
int run_jsonl_lines(const std::function<std::string(std::string& line, const std::string& document)>& handle);

}  // namespace gatehouse::cli
