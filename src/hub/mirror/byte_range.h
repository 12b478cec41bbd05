// HTTP conditional and range request headers as the mirror answers them: one byte range
// (RFC 9110 "bytes=a-b", "a-", "-n"), and If-None-Match against a blob's ETag. Positions may have
// any number of digits (RFC 9110 14.1.1): one past 2^64 - 1 is far past the end, so unsatisfiable
// (416) like any other start past the end, never malformed; only a range that is not well-formed
// (junk, last < first) is ignored, as the RFC says, and the whole file is sent (200).
#pragma once

#include <cstdint>
#include <string_view>

namespace gatehouse::hub {

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

enum class RangeKind {
  none,           // no usable range: malformed or several ranges, so the whole file is sent (200)
  single,         // one satisfiable range (206)
  unsatisfiable,  // starts past the end (416)
};

struct RangeRequest {
  RangeKind kind = RangeKind::none;
  ByteRange range;
};

RangeRequest parse_range_header(std::string_view header, uint64_t size);

// True when the If-None-Match value lists `etag` (quoted or not, weak or strong) or is "*".
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace gatehouse::hub
