#include "http/form.h"

#include <algorithm>

#include "base/error.h"
#include "http/header_text.h"
#include "http/percent_encoding.h"

namespace gatehouse::http {
namespace {

[[noreturn]] void invalid(const std::string& message) { throw Error(ErrorCode::invalid_argument, message); }

// The value of parameter `name` in a header value such as `form-data; name="x"` or
// `multipart/form-data; boundary=abc`, quotes removed; empty when absent.
std::string header_parameter(std::string_view value, std::string_view name) {
  size_t start = value.find(';');
  while (start != std::string_view::npos) {
    std::string_view rest = value.substr(start + 1);
    size_t end = std::min(rest.find(';'), rest.size());
    std::string_view parameter = trim_ows(rest.substr(0, end));
    const size_t equals = parameter.find('=');
    if (equals != std::string_view::npos && iequals(trim_ows(parameter.substr(0, equals)), name)) {
      std::string_view found = trim_ows(parameter.substr(equals + 1));
      if (found.size() >= 2 && found.front() == '"' && found.back() == '"') found = found.substr(1, found.size() - 2);
      return std::string(found);
    }
    start = end < rest.size() ? start + 1 + end : std::string_view::npos;
  }
  return "";
}

FormFields parse_multipart(std::string_view body, const std::string& boundary) {
  if (boundary.empty()) invalid("multipart/form-data body without a boundary parameter in its Content-Type");
  const std::string delimiter = "--" + boundary;
  FormFields fields;
  size_t position = body.find(delimiter);
  if (position == std::string_view::npos) invalid("multipart/form-data body without its boundary line");
  while (true) {
    position += delimiter.size();
    if (body.substr(position, 2) == "--") return fields;  // the closing delimiter
    if (body.substr(position, 2) != "\r\n") invalid("malformed multipart/form-data body: a boundary line must end in CRLF");
    position += 2;
    const size_t headers_end = body.find("\r\n\r\n", position);
    if (headers_end == std::string_view::npos) invalid("malformed multipart/form-data body: a part has no blank line after its headers");
    std::string name;
    std::string_view headers = body.substr(position, headers_end - position);
    while (!headers.empty()) {
      const size_t line_end = std::min(headers.find("\r\n"), headers.size());
      std::string_view line = headers.substr(0, line_end);
      headers.remove_prefix(std::min(line_end + 2, headers.size()));
      if (istarts_with(line, "content-disposition:")) name = header_parameter(line, "name");
    }
    const size_t content_start = headers_end + 4;
    const size_t next = body.find("\r\n" + delimiter, content_start);
    if (next == std::string_view::npos) invalid("malformed multipart/form-data body: a part does not end with the boundary");
    if (!name.empty()) fields.emplace_back(std::move(name), std::string(body.substr(content_start, next - content_start)));
    position = next + 2;
  }
}

}  // namespace

FormFields parse_urlencoded(std::string_view text) {
  FormFields fields;
  while (!text.empty()) {
    std::string_view pair = text.substr(0, text.find('&'));
    text.remove_prefix(std::min(text.size(), pair.size() + 1));
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    std::string name(pair.substr(0, equals));
    std::string value(equals == std::string_view::npos ? "" : pair.substr(equals + 1));
    std::replace(name.begin(), name.end(), '+', ' ');
    std::replace(value.begin(), value.end(), '+', ' ');
    fields.emplace_back(percent_decode(name), percent_decode(value));
  }
  return fields;
}

FormFields parse_form_body(const Request& request) {
  const std::string* type = request.header("content-type");
  if (!type) return parse_urlencoded(request.body);  // curl -d without a type is urlencoded
  if (istarts_with(*type, "application/x-www-form-urlencoded")) return parse_urlencoded(request.body);
  if (istarts_with(*type, "multipart/form-data")) return parse_multipart(request.body, header_parameter(*type, "boundary"));
  return {};
}

const std::string* form_value(const FormFields& fields, std::string_view name) {
  for (const auto& [key, value] : fields) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::string query_value(std::string_view query, std::string_view name) {
  for (auto& [key, value] : parse_urlencoded(query)) {
    if (key == name) return std::move(value);
  }
  return "";
}

bool is_true_flag(std::string_view value) { return value == "1" || value == "true" || value == "True"; }

}  // namespace gatehouse::http
