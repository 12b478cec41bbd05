#include "cli/control_client.h"

#include <unistd.h>

#include <boost/json.hpp>
#include <algorithm>
#include <cstdlib>

#include "base/json.h"
#include "cli/line_io.h"
#include "http/percent_encoding.h"

namespace gatehouse::cli {
namespace {

namespace bj = boost::json;

constexpr size_t kMaxAnswerBytes = size_t(64) << 20;

// An environment variable's value, or "" when it is unset.
std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string normalize_url(std::string url) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    throw InvalidParameter("--url", "the control plane's URL must start with http:// or https:// (got '" +
                                        http::redact_url(url) + "'); set --url or GATEHOUSE_URL");
  }
  const size_t host = url.find("://") + 3;
  while (url.size() > host && url.back() == '/') url.pop_back();
  return url;
}

ErrorCode code_for_status(int status) {
  switch (status) {
    case 401: return ErrorCode::unauthenticated;
    case 403: return ErrorCode::permission_denied;
    case 404: return ErrorCode::not_found;
    case 409: return ErrorCode::conflict;
    case 413:
    case 429: return ErrorCode::resource_exhausted;
    default: return status >= 500 ? ErrorCode::unavailable : ErrorCode::invalid_argument;
  }
}

// The messages of a DRF error body: detail and non_field_errors as they are, "field: message"
// for field maps (nested fields dotted).
void describe(const bj::value& body, const std::string& where, std::vector<std::string>& out) {
  if (body.is_string()) {
    out.push_back((where.empty() ? "" : where + ": ") + std::string(body.as_string()));
  } else if (body.is_array()) {
    for (const bj::value& item : body.as_array()) describe(item, where, out);
  } else if (body.is_object()) {
    for (const auto& [key, value] : body.as_object()) {
      const bool unnamed = key == "detail" || key == "non_field_errors";
      describe(value, unnamed ? where : (where.empty() ? std::string(key) : where + "." + std::string(key)), out);
    }
  } else if (!body.is_null()) {
    out.push_back((where.empty() ? "" : where + ": ") + json::serialize(body));
  }
}

}  // namespace

void add_connection_options(CLI::App& command, ConnectionOptions& options) {
  command.add_option("--url", options.url, "The control plane (gatehouse up)")->envname("GATEHOUSE_URL")->capture_default_str();
  command.add_option("--username", options.username,
                     "User to log in as, with the password from GATEHOUSE_PASSWORD or a prompt; "
                     "GATEHOUSE_API_TOKEN skips the login")
      ->envname("GATEHOUSE_USERNAME")
      ->capture_default_str();
}

ControlClient::ControlClient(const ConnectionOptions& options) : url_(normalize_url(options.url)) {
  std::string token = environment("GATEHOUSE_API_TOKEN");
  token_ = token.empty() ? log_in(options.username) : SecretString(std::move(token));
}

SecretString ControlClient::log_in(const std::string& username) {
  std::string password = environment("GATEHOUSE_PASSWORD");
  if (password.empty()) {
    if (!isatty(STDIN_FILENO)) {
      throw Error(ErrorCode::unauthenticated,
                  "no credentials for the control plane at " + url_ + ": set GATEHOUSE_API_TOKEN to a token, or "
                  "GATEHOUSE_PASSWORD to the password of '" + username + "' (--username or GATEHOUSE_USERNAME for another user)");
    }
    password = read_hidden_line(("Password of '" + username + "' at " + url_ + " (input is hidden): ").c_str());
  }
  const SecretString secret(std::move(password));
  // A form, as DRF's obtain_auth_token is usually called.
  ApiAnswer answer = request("POST", "/login/",
                             "username=" + http::percent_encode(username, false) +
                                 "&password=" + http::percent_encode(secret.reveal(), false),
                             "application/x-www-form-urlencoded");
  if (answer.status == 400) {
    const Error refusal = error_for(answer, "the control plane at " + url_ + " refused the login of '" + username + "'");
    throw Error(ErrorCode::unauthenticated, std::string(refusal.what()) + "; check GATEHOUSE_PASSWORD, or set GATEHOUSE_API_TOKEN");
  }
  if (answer.status != 200) throw error_for(answer, "login at " + url_);
  const bj::value& token = field(answer.body, "token");
  if (!token.is_string() || token.as_string().empty()) {
    throw Error(ErrorCode::unavailable, "the login answer of " + url_ + " has no token: is it a gatehouse control plane?");
  }
  return SecretString(std::string(token.as_string()));
}

http::ClientRequest ControlClient::make_request(const std::string& method, std::string_view path, std::string body,
                                                std::string_view content_type) const {
  http::ClientRequest request;
  request.method = method;
  request.url = http::url_join(url_, path);
  request.headers.emplace_back("Accept", "application/json");
  if (!token_.empty()) request.headers.emplace_back("Authorization", "Token " + token_.reveal());
  if (!body.empty()) request.headers.emplace_back("Content-Type", std::string(content_type));
  request.body = std::move(body);
  request.max_body_bytes = kMaxAnswerBytes;
  request.low_speed_timeout = std::chrono::seconds(120);  // a deploy may take a while to answer
  return request;
}

ApiAnswer ControlClient::request(const std::string& method, std::string_view path, std::string body,
                                 std::string_view content_type) {
  http::ClientResponse response;
  try {
    response = http_.send(make_request(method, path, std::move(body), content_type));
  } catch (const Error& error) {
    if (error.code() != ErrorCode::unavailable) throw;
    throw Error(ErrorCode::unavailable, "cannot reach the control plane at " + url_ +
                                            ": start it with `gatehouse up` or set --url / GATEHOUSE_URL (" + error.what() + ")");
  }
  ApiAnswer answer{response.status, nullptr};
  if (response.body.empty()) return answer;
  try {
    answer.body = json::parse(response.body, "the answer of " + url_);
  } catch (const Error&) {
    if (response.status < 400) {
      throw Error(ErrorCode::unavailable, url_ + std::string(path) + " answered " + std::to_string(response.status) +
                                              " with something that is not JSON: is " + url_ + " a gatehouse control plane?");
    }
    answer.body = response.body.substr(0, 200);  // a proxy's error page: its start says enough
  }
  return answer;
}

bj::value ControlClient::get(std::string_view path) {
  ApiAnswer answer = request("GET", path);
  if (answer.status >= 400) throw error_for(answer, "GET " + std::string(path));
  return std::move(answer.body);
}

bj::value ControlClient::post(std::string_view path, std::string body) {
  ApiAnswer answer = request("POST", path, std::move(body));
  if (answer.status >= 400) throw error_for(answer, "POST " + std::string(path));
  return std::move(answer.body);
}

void ControlClient::follow(std::string_view path, const std::function<void(const bj::value&)>& on_item) {
  http::ClientRequest request = make_request("GET", path, "", "");
  request.low_speed_timeout = std::chrono::milliseconds(0);  // a quiet deployment sends nothing for long
  std::string pending;  // a line not yet complete, or an error answer's body
  int status = 0;
  auto on_headers = [&status](const http::ClientResponse& response) {
    status = response.status;
    return true;
  };
  auto on_chunk = [&](std::string_view chunk) {
    pending.append(chunk);
    if (status >= 400) {
      if (pending.size() > kMaxAnswerBytes) throw Error(ErrorCode::resource_exhausted, "the error answer of " + url_ + " is too large");
      return;
    }
    for (size_t end = pending.find('\n'); end != std::string::npos; end = pending.find('\n')) {
      const std::string line = pending.substr(0, end);
      pending.erase(0, end + 1);
      if (!line.empty()) on_item(json::parse(line, "the log stream of " + url_));
    }
    if (pending.size() > kMaxAnswerBytes) throw Error(ErrorCode::resource_exhausted, "a log line from " + url_ + " is too large");
  };
  try {
    http_.download(request, on_headers, on_chunk);
  } catch (const Error& error) {
    if (error.code() != ErrorCode::unavailable) throw;
    throw Error(ErrorCode::unavailable, (status == 0 ? "cannot reach the control plane at " + url_ +
                                                           ": start it with `gatehouse up` or set --url / GATEHOUSE_URL ("
                                                     : "lost the connection to the control plane at " + url_ + " (") +
                                            error.what() + ")");
  }
  if (status >= 400) {
    ApiAnswer answer{status, nullptr};
    try {
      answer.body = json::parse(pending, "the answer of " + url_);
    } catch (const Error&) {
      answer.body = pending.substr(0, 200);
    }
    throw error_for(answer, "GET " + std::string(path));
  }
}

Error error_for(const ApiAnswer& answer, std::string_view what) {
  std::vector<std::string> messages;
  describe(answer.body, "", messages);
  std::string text;
  for (const std::string& message : messages) text += (text.empty() ? "" : "; ") + message;
  if (text.empty()) text = "no reason given";
  return Error(code_for_status(answer.status), std::string(what) + ": " + text + " (HTTP " + std::to_string(answer.status) + ")");
}

std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  auto add_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) line.append(widths[i] - cells[i].size() + 2, ' ');
    }
    out += line + "\n";
  };
  add_line(header);
  for (const auto& row : rows) add_line(row);
  return out;
}

const bj::value& field(const bj::value& item, std::string_view key) {
  static const bj::value null;
  const bj::value* found = item.is_object() ? item.as_object().if_contains(key) : nullptr;
  return found ? *found : null;
}

std::string cell(const bj::value& value) {
  if (value.is_string()) return std::string(value.as_string());
  if (value.is_null()) return "-";
  if (value.is_array()) {
    std::string joined;
    for (const bj::value& item : value.as_array()) joined += (joined.empty() ? "" : ",") + cell(item);
    return joined.empty() ? "-" : joined;
  }
  return json::serialize(value);
}

}  // namespace gatehouse::cli
