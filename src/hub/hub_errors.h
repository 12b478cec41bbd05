// Turns a Hub's error responses into Errors a user can act on, using X-Error-Code first and the
// status second, as huggingface_hub does: gated repos, missing repos, revisions and files, rejected
// tokens, rate limits and server failures. Messages never contain a token.
#pragma once

#include <string>

#include "http/client.h"
#include "hub/repo_id.h"

namespace gatehouse::hub {

// What was being asked for, for the message.
struct HubRequestContext {
  const RepoId& repo;
  std::string revision;
  std::string path;  // empty for repo-level requests
};

// Throws the Error matching a response with status >= 400; returns for anything else.
void raise_for_hub_status(const http::ClientResponse& response, const HubRequestContext& context);

// True for the statuses worth retrying: 408, 429 and 5xx.
bool is_retryable_status(int status);

}  // namespace gatehouse::hub
