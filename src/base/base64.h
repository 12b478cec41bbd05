// Standard base64 (RFC 4648, with padding) decoding for binary blobs carried in JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::base64 {

// The decoded bytes, or nullopt when `text` is not valid padded base64.
std::optional<std::string> decode(std::string_view text);

}  // namespace gatehouse::base64
