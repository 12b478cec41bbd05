// Repo ids, revisions and in-repo paths as the Hugging Face Hub accepts them, validated so that
// none can escape a cache or mirror root, plus the URL percent-encoding the Hub clients use.
// Pure functions; thread-safe. Every validator throws Error(invalid_argument) saying what is wrong.
#pragma once

#include <string>
#include <string_view>

namespace gatehouse::hub {

enum class RepoType { model, dataset, space };

// Parses "model" | "dataset" | "space".
RepoType parse_repo_type(std::string_view text);
// "model" | "dataset" | "space".
std::string_view repo_type_name(RepoType type);

struct RepoId {
  RepoType type = RepoType::model;
  std::string name;  // "org/name", or a legacy "name" without a namespace

  // Validates `name` (see validate_repo_name) and builds the id.
  static RepoId parse(std::string_view name, RepoType type = RepoType::model);

  // "models--org--name" / "datasets--org--name" / "spaces--org--name".
  std::string cache_folder_name() const;
  // "" / "datasets/" / "spaces/": the prefix of /{prefix}{name}/resolve/... URLs.
  std::string_view url_prefix() const;
  // "models" / "datasets" / "spaces": the /api/{plural}/... segment.
  std::string_view api_plural() const;

  friend bool operator==(const RepoId&, const RepoId&) = default;
};

// The Hub's rules: at most one '/', each part 1..96 chars of [A-Za-z0-9._-] starting with a letter or
// digit and not ending in '.' or '-', no "--" or ".." anywhere, no ".git" suffix.
void validate_repo_name(std::string_view name);

// Branch or tag names ("main", "v1.0", "refs/pr/1") or commit hashes: git's ref-name rules, so no
// "..", no '.'/'..'/empty segments, no leading or trailing '/', no spaces, control characters, '\\',
// '~', '^', ':', '?', '*', '[', no "@{" and no ".lock" segment suffix; at most 255 bytes.
void validate_revision(std::string_view revision);

// True for a full 40-character lowercase hex commit id.
bool is_commit_hash(std::string_view revision);

// A file path inside a repo: relative, '/'-separated, valid UTF-8, no empty, '.' or '..' segments,
// no '\\', NUL or control characters. Returns the path unchanged (it is already normal).
std::string validate_repo_path(std::string_view path);

// A blob name in the cache: an ETag such as a 40/64-hex sha, [A-Za-z0-9._-] not starting with '.'.
void validate_etag(std::string_view etag);

// Untrusted text (user input, a server's header) for an error message, in single quotes: printable
// ASCII as is, other bytes as \xNN, cut after 120 characters with "...".
std::string quoted_for_message(std::string_view text);

}  // namespace gatehouse::hub
