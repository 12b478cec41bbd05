// Server-sent events as the APIs frame them: one "data:" line per event and a blank line after
// it. OpenAI and vLLM write "data: <json>" and end a stream with "data: [DONE]"; TGI writes
// "data:<json>" (no space) and sends no [DONE]. `data` is one line (compact JSON); a reader of
// these streams is http's. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace gatehouse::api {

// "data: <data>\n\n": one OpenAI-style event.
std::string sse_event(std::string_view data);

// "data: [DONE]\n\n": the end of an OpenAI-style stream.
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

// "data:<data>\n\n": one TGI event.
std::string tgi_sse_event(std::string_view data);

}  // namespace gatehouse::api
