#include "api/sse.h"

namespace gatehouse::api {
namespace {

std::string framed(std::string_view prefix, std::string_view data) {
  std::string event;
  event.reserve(prefix.size() + data.size() + 2);
  event.append(prefix).append(data).append("\n\n");
  return event;
}

}  // namespace

std::string sse_event(std::string_view data) { return framed("data: ", data); }

std::string tgi_sse_event(std::string_view data) { return framed("data:", data); }

}  // namespace gatehouse::api
