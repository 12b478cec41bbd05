#include "http/router.h"

#include <algorithm>
#include <optional>

#include "base/error.h"
#include "http/percent_encoding.h"

namespace gatehouse::http {
namespace {

// The segments between the slashes of an absolute path, one trailing slash ignored:
// "/a/b/" and "/a/b" give {"a", "b"}, "/" gives {}, "/a//" gives {"a", ""}.
std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return segments;
  while (true) {
    const size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return segments;
    path.remove_prefix(slash + 1);
  }
}


}  // namespace

const std::string* RouteParams::find(std::string_view name) const {
  for (const auto& [key, value] : values) {
    if (key == name) return &value;
  }
  return nullptr;
}

const std::string& RouteParams::at(std::string_view name) const {
  const std::string* value = find(name);
  GH_CHECK(value != nullptr);
  return *value;
}

std::string RouteMatch::allow_header() const {
  std::string header;
  for (const std::string& method : allowed) header += (header.empty() ? "" : ", ") + method;
  return header;
}

void Router::add(std::string method, std::string_view pattern, RouteHandler handler) {
  auto invalid = [&](const std::string& why) {
    throw Error(ErrorCode::invalid_argument, "route pattern \"" + std::string(pattern) + "\" " + why);
  };
  if (pattern.empty() || pattern.front() != '/') invalid("must start with '/'");
  Route route{std::move(method), {}, std::move(handler)};
  for (std::string_view segment : split_segments(pattern)) {
    const size_t open = segment.find('{');
    if (open == std::string_view::npos && segment.find('}') == std::string_view::npos) {
      route.segments.push_back({std::string(segment), false});
      continue;
    }
    if (open != 0 || segment.size() < 3 || segment.back() != '}' ||
        segment.substr(1, segment.size() - 2).find_first_of("{}") != std::string_view::npos) {
      invalid("has a malformed segment \"" + std::string(segment) + "\": a parameter is a whole segment, \"{name}\"");
    }
    route.segments.push_back({std::string(segment.substr(1, segment.size() - 2)), true});
  }
  routes_.push_back(std::move(route));
}

bool Router::matches(const Route& route, const std::vector<std::string_view>& segments, RouteParams* params) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& expected = route.segments[i];
    if (!expected.parameter) {
      if (expected.text != segments[i]) return false;
      continue;
    }
    if (segments[i].empty()) return false;
    if (!params) continue;
    std::optional<std::string> value = try_percent_decode(segments[i]);
    if (!value) return false;
    params->values.emplace_back(expected.text, std::move(*value));
  }
  return true;
}

RouteMatch Router::find(std::string_view method, std::string_view path) const {
  const std::vector<std::string_view> segments = split_segments(path);
  RouteMatch match;
  const Route* for_get = nullptr;  // a GET route, which answers HEAD when no HEAD route does
  for (const Route& route : routes_) {
    const bool same_method = route.method == method;
    if (!same_method && !(method == "HEAD" && route.method == "GET" && !for_get)) {
      // Only the path matters here, for the 405's Allow list.
      if (matches(route, segments, nullptr)) {
        match.kind = RouteMatch::Kind::method_not_allowed;
        match.allowed.push_back(route.method);
      }
      continue;
    }
    RouteParams params;
    if (!matches(route, segments, &params)) continue;
    if (!same_method) {
      for_get = &route;
      match.params = std::move(params);
      continue;
    }
    return RouteMatch{RouteMatch::Kind::found, &route.handler, std::move(params), {}};
  }
  if (for_get) return RouteMatch{RouteMatch::Kind::found, &for_get->handler, std::move(match.params), {}};
  if (match.kind == RouteMatch::Kind::method_not_allowed) {
    std::vector<std::string> allowed;
    auto allow = [&](const std::string& name) {
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) allowed.push_back(name);
    };
    for (const std::string& name : match.allowed) {
      allow(name);
      if (name == "GET") allow("HEAD");
    }
    match.allowed = std::move(allowed);
  }
  return match;
}

}  // namespace gatehouse::http
