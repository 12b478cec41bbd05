// Buffered stdin line reading and stdout writing for the --jsonl batch modes.
#pragma once

#include <cstdio>
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

}  // namespace gatehouse::cli
