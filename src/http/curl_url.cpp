// URL helpers of client.h (url_join, resolve_url, same_origin, redact_url), built on libcurl's
// URL API so that they parse exactly as the transfers do.
#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "http/client.h"

namespace gatehouse::http {
namespace {

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

// The same flags curl uses when it follows a Location header itself.
constexpr unsigned kParseFlags = CURLU_URLENCODE | CURLU_ALLOW_SPACE;

std::optional<UrlHandle> parse(std::string_view text) {
  UrlHandle url(curl_url());
  if (!url) return std::nullopt;
  std::string owned(text);
  if (curl_url_set(url.get(), CURLUPART_URL, owned.c_str(), kParseFlags) != CURLUE_OK) {
    return std::nullopt;
  }
  return url;
}

std::optional<std::string> part(CURLU* url, CURLUPart which, unsigned flags = 0) {
  char* value = nullptr;
  if (curl_url_get(url, which, &value, flags) != CURLUE_OK || value == nullptr) return std::nullopt;
  std::string result(value);
  curl_free(value);
  return result;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : char(c); });
  return text;
}

}  // namespace

std::string url_join(std::string_view base, std::string_view path) {
  if (path.empty()) return std::string(base);
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string result(base);
  result += '/';
  result += path;
  return result;
}

std::string resolve_url(std::string_view base, std::string_view reference) {
  auto url = parse(base);
  if (!url) throw Error(ErrorCode::invalid_argument, "not an absolute URL: " + redact_url(base));
  std::string owned(reference);
  if (curl_url_set(url->get(), CURLUPART_URL, owned.c_str(), kParseFlags) != CURLUE_OK) {
    throw Error(ErrorCode::invalid_argument,
                "cannot resolve a redirect or link target against " + redact_url(base));
  }
  auto result = part(url->get(), CURLUPART_URL);
  if (!result) throw Error(ErrorCode::invalid_argument, "cannot resolve URL against " + redact_url(base));
  return *result;
}

bool same_origin(std::string_view a, std::string_view b) {
  auto x = parse(a);
  auto y = parse(b);
  if (!x || !y) return false;
  for (CURLUPart which : {CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT}) {
    unsigned flags = which == CURLUPART_PORT ? CURLU_DEFAULT_PORT : 0;
    auto p = part(x->get(), which, flags);
    auto q = part(y->get(), which, flags);
    if (!p || !q || lower(*p) != lower(*q)) return false;
  }
  return true;
}

std::string redact_url(std::string_view text) {
  auto url = parse(text);
  if (!url) return "(invalid URL)";
  auto scheme = part(url->get(), CURLUPART_SCHEME);
  auto host = part(url->get(), CURLUPART_HOST);
  if (!scheme || !host) return "(invalid URL)";
  std::string result = *scheme + "://" + *host;
  if (auto port = part(url->get(), CURLUPART_PORT)) result += ":" + *port;
  result += part(url->get(), CURLUPART_PATH).value_or("/");
  return result;
}

}  // namespace gatehouse::http
