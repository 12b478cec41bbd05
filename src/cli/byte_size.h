// Sizes given on the command line: "4GiB", "512MiB", "64KiB", "1GB", or plain bytes.
#pragma once

#include <cstdint>
#include <string>

namespace gatehouse::cli {

// Throws invalid_argument naming `option` for anything else.
int64_t parse_byte_size(const std::string& text, const std::string& option);

}  // namespace gatehouse::cli
