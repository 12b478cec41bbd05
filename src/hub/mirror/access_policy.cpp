#include "hub/mirror/access_policy.h"

#include <boost/json.hpp>

#include "base/error.h"
#include "base/file.h"
#include "base/json.h"
#include "hub/patterns.h"

namespace gatehouse::hub {
namespace {

std::string glob_subject(const RepoId& repo) { return std::string(repo.url_prefix()) + repo.name; }

std::vector<std::string> read_globs(const boost::json::object& object, std::string_view key,
                                    const json::JsonPath& path) {
  std::vector<std::string> globs;
  const boost::json::value* value = json::find(object, key);
  if (!value) return globs;
  const boost::json::array& list = json::as_array(*value, path / key);
  for (size_t i = 0; i < list.size(); ++i) globs.emplace_back(json::as_string(list[i], (path / key)[i]));
  return globs;
}

}  // namespace

bool is_well_formed_token(const std::string& token) {
  if (token.size() < 3 + 34 || token.compare(0, 3, "hf_") != 0) return false;
  for (size_t i = 3; i < token.size(); ++i) {
    char c = token[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

AccessPolicy AccessPolicy::load(const std::filesystem::path& file) {
  return parse(files::read_file(file), file.filename().string());
}

AccessPolicy AccessPolicy::parse(std::string_view text, const std::string& document) {
  json::JsonPath path(document);
  boost::json::value root = json::parse(text, document);
  const boost::json::object& object = json::as_object(root, path);
  AccessPolicy policy;
  policy.everything_public_ = false;
  policy.public_ = read_globs(object, "public", path);
  policy.gated_ = read_globs(object, "gated", path);
  if (const boost::json::value* tokens = json::find(object, "tokens")) {
    const boost::json::object& map = json::as_object(*tokens, path / "tokens");
    size_t index = 0;
    for (const auto& [token, globs] : map) {
      std::string value(token);
      // Name the entry by position: the token itself is a secret.
      json::JsonPath entry = path / "tokens" / ("entry " + std::to_string(++index));
      if (!is_well_formed_token(value)) {
        throw Error(ErrorCode::invalid_argument, entry.str() + ": a token must be hf_ followed by 34 or more "
                                                               "letters and digits");
      }
      std::vector<std::string> list;
      const boost::json::array& array = json::as_array(globs, entry);
      for (size_t i = 0; i < array.size(); ++i) list.emplace_back(json::as_string(array[i], entry[i]));
      policy.tokens_[value] = std::move(list);
    }
  }
  for (const auto& [key, value] : object) {
    if (key != "public" && key != "gated" && key != "tokens") {
      throw Error(ErrorCode::invalid_argument, path.str() + " has an unknown key \"" + std::string(key) +
                                                   "\"; the keys are public, gated and tokens");
    }
  }
  return policy;
}

bool AccessPolicy::matches_any(const std::vector<std::string>& globs, const RepoId& repo) const {
  std::string subject = glob_subject(repo);
  for (const std::string& glob : globs) {
    if (fnmatch_case(subject, glob)) return true;
  }
  return false;
}

bool AccessPolicy::is_gated(const RepoId& repo) const {
  return !everything_public_ && !matches_any(public_, repo) && matches_any(gated_, repo);
}

Access AccessPolicy::metadata_access(const RepoId& repo, const std::string& token) const {
  if (everything_public_) return Access::allowed;  // without a policy any token, or none, reads
  if (!token.empty() && !knows_token(token)) return Access::invalid_token;
  if (matches_any(public_, repo) || matches_any(gated_, repo)) return Access::allowed;
  if (!token.empty() && matches_any(tokens_.at(token), repo)) return Access::allowed;
  return Access::hidden;
}

Access AccessPolicy::file_access(const RepoId& repo, const std::string& token) const {
  if (everything_public_) return Access::allowed;
  if (!token.empty() && !knows_token(token)) return Access::invalid_token;
  if (matches_any(public_, repo)) return Access::allowed;
  bool allowed = !token.empty() && matches_any(tokens_.at(token), repo);
  if (allowed) return Access::allowed;
  if (matches_any(gated_, repo)) return token.empty() ? Access::gated_anonymous : Access::gated_not_allowed;
  return Access::hidden;
}

}  // namespace gatehouse::hub
