// Reads a client's body for /v1/chat/completions or /v1/completions as the gateway needs it: a
// JSON object whose `model` names a model group, with the fields the gateway itself acts on
// checked for type (`messages` or `prompt`, `stream`, `stream_options`, the sampling numbers).
// Everything else is passed to the provider as given. A bad body throws InvalidParameter naming
// the field, which the proxy answers with a 400 OpenAI error. Pure functions; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "gateway/completion.h"

namespace gatehouse::gateway {

struct ProxyRequest {
  Endpoint endpoint = Endpoint::chat;
  std::string model_name;     // the group the client asked for (router model_name)
  boost::json::object body;   // as sent; `model` is replaced per deployment
  std::string text;           // the body's text as sent (sent on as is where nothing changes)
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

ProxyRequest read_proxy_request(std::string_view body, Endpoint endpoint);

}  // namespace gatehouse::gateway
