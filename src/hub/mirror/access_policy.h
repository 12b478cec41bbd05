// Who may read what from a mirror, from the --access JSON file:
//   {"public": [repo globs anyone may read],
//    "gated": [repo globs whose files need a token allowed on them],
//    "tokens": {"hf_...": [repo globs this token may read]}}
// Globs match "org/name" for models and "datasets/org/name", "spaces/org/name" for the others
// ('*' crosses '/'). Repos matched by neither list are private: only tokens that list them see
// them at all. Without a file every repo is public. Tokens are `hf_` and 34 or more letters and
// digits, so official clients accept them. Immutable after loading; thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "hub/repo_id.h"

namespace gatehouse::hub {

enum class Access {
  allowed,
  invalid_token,      // a token was presented and the mirror does not know it
  gated_anonymous,    // gated repo, no token
  gated_not_allowed,  // gated repo, a known token not allowed on it
  hidden,             // private repo the caller may not see (or no such repo)
};

class AccessPolicy {
 public:
  // Every repo public, no tokens.
  AccessPolicy() = default;
  // Reads the file; malformed JSON, wrong types or badly formed tokens are invalid_argument
  // errors naming the field (never the token).
  static AccessPolicy load(const std::filesystem::path& file);
  // The same from the file's text; `document` names it in errors.
  static AccessPolicy parse(std::string_view text, const std::string& document);

  // What a request with `token` (empty: none) may do with the repo's metadata (info, tree).
  Access metadata_access(const RepoId& repo, const std::string& token) const;
  // What it may do with the repo's files.
  Access file_access(const RepoId& repo, const std::string& token) const;

  bool is_gated(const RepoId& repo) const;
  bool knows_token(const std::string& token) const { return tokens_.count(token) > 0; }
  // False when there is no policy file and everything is public.
  bool is_restrictive() const { return !everything_public_; }

 private:
  bool matches_any(const std::vector<std::string>& globs, const RepoId& repo) const;

  bool everything_public_ = true;
  std::vector<std::string> public_, gated_;
  std::unordered_map<std::string, std::vector<std::string>> tokens_;
};

// True for `hf_` followed by 34 or more ASCII letters and digits.
bool is_well_formed_token(const std::string& token);

}  // namespace gatehouse::hub
