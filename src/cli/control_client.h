// The client side of `gatehouse up`'s Blueprints API, shared by the secrets, deploy, deployments,
// logs and undeploy commands: where the control plane is (--url, GATEHOUSE_URL), who we are
// (GATEHOUSE_API_TOKEN, or --username / GATEHOUSE_USERNAME with GATEHOUSE_PASSWORD or a prompt
// without echo, never a flag: command lines are visible in ps), one login per invocation, and the
// server's errors (DRF's detail, field maps, non_field_errors) turned into gatehouse::Error with
// the server's own words. A ControlClient owns one HttpClient and the session token (a
// SecretString sent only in the Authorization header); one thread at a time.
#pragma once

#include <CLI/App.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/secret_string.h"
#include "http/client.h"

namespace gatehouse::cli {

inline constexpr const char* kDefaultControlUrl = "http://127.0.0.1:8080";

struct ConnectionOptions {
  std::string url = kDefaultControlUrl;  // --url, else GATEHOUSE_URL
  std::string username = "admin";        // --username, else GATEHOUSE_USERNAME
};

// Adds --url and --username (with their environment variables) to a client command.
void add_connection_options(CLI::App& command, ConnectionOptions& options);

// An answer of the API: its status and its JSON body (null when the body was empty).
struct ApiAnswer {
  int status = 0;
  boost::json::value body;
};

class ControlClient {
 public:
  // Checks the URL, takes GATEHOUSE_API_TOKEN or logs in (POST /login/) with the username and a
  // password from GATEHOUSE_PASSWORD or the terminal. Throws Error(unauthenticated) when the
  // credentials are refused or missing, Error(unavailable) when the control plane is unreachable.
  explicit ControlClient(const ConnectionOptions& options);

  // One request with the session's token; `body`, when not empty, is sent as `content_type`. Any
  // status comes back; network failures throw Error(unavailable) naming the URL and `gatehouse up`.
  ApiAnswer request(const std::string& method, std::string_view path, std::string body = "",
                    std::string_view content_type = "application/json");
  // The same, but a status of 400 or more throws the server's message (see error_for).
  boost::json::value get(std::string_view path);
  boost::json::value post(std::string_view path, std::string body);

  // GET of a newline-delimited JSON stream (the logs' follow mode): `on_item` receives each line's
  // value as it arrives, until the server ends the stream. An error status throws as get() does.
  void follow(std::string_view path, const std::function<void(const boost::json::value&)>& on_item);

  const std::string& url() const { return url_; }

 private:
  http::ClientRequest make_request(const std::string& method, std::string_view path, std::string body,
                                   std::string_view content_type) const;
  SecretString log_in(const std::string& username);

  std::string url_;
  http::HttpClient http_;
  SecretString token_;
};

// The Error a failed answer stands for: its code from the status, its message from the body as
// DRF writes it ({"detail"}, {"field": ["message"]}, {"non_field_errors"}), prefixed by `what`.
Error error_for(const ApiAnswer& answer, std::string_view what);

// Rows under a header, each column as wide as its widest cell, two spaces apart; one line each.
std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// item[key] when item is an object holding it, else null.
const boost::json::value& field(const boost::json::value& item, std::string_view key);

// A JSON value as the text a table cell shows: strings as they are, null as "-", lists joined by ",".
std::string cell(const boost::json::value& value);

}  // namespace gatehouse::cli
