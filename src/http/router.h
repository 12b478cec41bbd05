// A small request router: routes are (method, pattern), a pattern being a path such as
// "/deployment/{uuid}/logs/" where `{name}` matches one non-empty path segment, percent-decoded
// into the match's params. Matching ignores one trailing slash either way ("/deployment" and
// "/deployment/" both match "/deployment/"; nothing is redirected, so a POST keeps its body), and
// HEAD matches GET routes. A lookup tells "no such path" from "path exists, not this method" (with
// the allowed methods, for a 405 and its Allow header); the caller writes the error bodies, since
// each API has its own error format. Routes are tried in the order they were added. Add every
// route before serving: find() is then safe from any number of threads.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/server.h"

namespace gatehouse::http {

// The `{name}` segments of a matched path, percent-decoded.
class RouteParams {
 public:
  // The value of `{name}`, or nullptr when the pattern has no such parameter.
  const std::string* find(std::string_view name) const;
  // The value of `{name}`; the pattern must have it (checked).
  const std::string& at(std::string_view name) const;

  std::vector<std::pair<std::string, std::string>> values;  // in pattern order
};

using RouteHandler = std::function<Response(const Request&, const RouteParams&)>;

struct RouteMatch {
  enum class Kind { found, no_such_path, method_not_allowed };
  Kind kind = Kind::no_such_path;
  const RouteHandler* handler = nullptr;  // when found
  RouteParams params;                     // when found
  std::vector<std::string> allowed;       // when method_not_allowed: in route order, HEAD after GET

  // The Allow header's value: "GET, HEAD, POST".
  std::string allow_header() const;
};

class Router {
 public:
  // Throws Error(invalid_argument) for a pattern that does not start with '/', has an empty or
  // unclosed `{}`, or a `{name}` beside other text in its segment.
  void add(std::string method, std::string_view pattern, RouteHandler handler);
  RouteMatch find(std::string_view method, std::string_view path) const;

 private:
  struct Segment {
    std::string text;  // the literal, or the parameter's name
    bool parameter = false;
  };
  struct Route {
    std::string method;
    std::vector<Segment> segments;
    RouteHandler handler;
  };
  static bool matches(const Route& route, const std::vector<std::string_view>& segments, RouteParams* params);

  std::vector<Route> routes_;
};

}  // namespace gatehouse::http
