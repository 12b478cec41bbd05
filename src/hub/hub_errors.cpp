#include "hub/hub_errors.h"

#include "base/error.h"

namespace gatehouse::hub {
namespace {

std::string server_message(const http::ClientResponse& response) {
  const std::string* message = response.header("x-error-message");
  return message && !message->empty() ? " (the Hub says: " + *message + ")" : "";
}

std::string kind(const RepoId& repo) { return std::string(repo_type_name(repo.type)); }

}  // namespace

bool is_retryable_status(int status) { return status == 408 || status == 429 || status >= 500; }

void raise_for_hub_status(const http::ClientResponse& response, const HubRequestContext& context) {
  int status = response.status;
  if (status < 400) return;
  const std::string* code_header = response.header("x-error-code");
  std::string code = code_header ? *code_header : "";
  const RepoId& repo = context.repo;
  std::string said = server_message(response);
  if (code == "GatedRepo") {
    throw Error(ErrorCode::permission_denied,
                "access to " + repo.name + " is restricted; accept its license on the Hub and use a token that has "
                "been granted access (set HF_TOKEN or run gatehouse login)" + said);
  }
  if (code == "RepoNotFound") {
    throw Error(ErrorCode::not_found,
                kind(repo) + " repository " + repo.name + " was not found: check the repo id and --repo-type; if it "
                "is private or gated, use a token that has access" + said);
  }
  if (code == "RevisionNotFound") {
    throw Error(ErrorCode::not_found, "revision \"" + context.revision + "\" was not found in " + repo.name + said);
  }
  if (code == "EntryNotFound") {
    throw Error(ErrorCode::not_found, "\"" + context.path + "\" was not found in " + repo.name + " at revision \"" +
                                          context.revision + "\"" + said);
  }
  if (status == 401) {
    throw Error(ErrorCode::unauthenticated,
                "the Hub rejected the token (invalid or revoked) while reading " + repo.name +
                    ": check HF_TOKEN, HUGGING_FACE_HUB_TOKEN or the token saved by gatehouse login" + said);
  }
  if (status == 403) {
    throw Error(ErrorCode::permission_denied,
                "the Hub refused access to " + repo.name + ": make sure the token has the right permissions" + said);
  }
  if (status == 404) {
    throw Error(ErrorCode::not_found, "the Hub answered 404 for " + repo.name +
                                          (context.path.empty() ? "" : "/" + context.path) + said);
  }
  if (status == 429) {
    throw Error(ErrorCode::unavailable, "the Hub is rate-limiting requests (429); retry later" + said);
  }
  throw Error(status >= 500 ? ErrorCode::unavailable : ErrorCode::invalid_argument,
              "the Hub answered " + std::to_string(status) + " for " + repo.name +
                  (context.path.empty() ? "" : "/" + context.path) + said);
}

}  // namespace gatehouse::hub
