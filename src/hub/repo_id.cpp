#include "hub/repo_id.h"

#include "base/error.h"
#include "base/utf8.h"

namespace gatehouse::hub {
namespace {

constexpr size_t kMaxRepoPartLength = 96;
constexpr size_t kMaxRevisionLength = 255;
constexpr size_t kMaxPathLength = 4096;

[[noreturn]] void invalid(const std::string& message) { throw Error(ErrorCode::invalid_argument, message); }

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }
bool has_control(std::string_view text) {
  for (char c : text) if (is_control(c)) return true;
  return false;
}
bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

void validate_repo_part(std::string_view part, std::string_view name) {
  const std::string where = "repo id " + quoted_for_message(name);
  if (part.empty()) invalid(where + " has an empty part; use 'org/name' or 'name'");
  if (part.size() > kMaxRepoPartLength) {
    invalid(where + " is too long: each part may have at most " + std::to_string(kMaxRepoPartLength) + " characters");
  }
  for (char c : part) {
    if (!is_alnum(c) && c != '.' && c != '_' && c != '-') {
      invalid(where + " contains " + quoted_for_message(std::string_view(&c, 1)) +
              "; only letters, digits, '.', '_' and '-' are allowed (and one '/')");
    }
  }
  if (!is_alnum(part.front())) invalid(where + " must start each part with a letter or digit");
  if (part.back() == '.' || part.back() == '-') invalid(where + " must not end a part with '.' or '-'");
}

}  // namespace

std::string quoted_for_message(std::string_view text) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "'";
  size_t shown = 0;
  for (char c : text) {
    if (++shown > 120) {
      out += "...";
      break;
    }
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '\\') {
      out.push_back(c);
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += "\\x";
      out.push_back(kDigits[byte >> 4]);
      out.push_back(kDigits[byte & 0xF]);
    }
  }
  return out + "'";
}

RepoType parse_repo_type(std::string_view text) {
  if (text == "model") return RepoType::model;
  if (text == "dataset") return RepoType::dataset;
  if (text == "space") return RepoType::space;
  invalid("unknown repo type " + quoted_for_message(text) + "; use one of: model, dataset, space");
}

std::string_view repo_type_name(RepoType type) {
  switch (type) {
    case RepoType::model: return "model";
    case RepoType::dataset: return "dataset";
    case RepoType::space: return "space";
  }
  GH_CHECK(false);
}

RepoId RepoId::parse(std::string_view name, RepoType type) {
  validate_repo_name(name);
  return RepoId{type, std::string(name)};
}

std::string RepoId::cache_folder_name() const {
  std::string folder(api_plural());
  for (size_t start = 0;;) {
    size_t slash = name.find('/', start);
    folder += "--";
    folder += name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return folder;
}

std::string_view RepoId::url_prefix() const {
  switch (type) {
    case RepoType::model: return "";
    case RepoType::dataset: return "datasets/";
    case RepoType::space: return "spaces/";
  }
  GH_CHECK(false);
}

std::string_view RepoId::api_plural() const {
  switch (type) {
    case RepoType::model: return "models";
    case RepoType::dataset: return "datasets";
    case RepoType::space: return "spaces";
  }
  GH_CHECK(false);
}

void validate_repo_name(std::string_view name) {
  const std::string where = "repo id " + quoted_for_message(name);
  if (name.empty()) invalid("repo id is empty; use 'org/name' or 'name'");
  if (name.find('\\') != std::string_view::npos) invalid(where + " contains '\\'; use 'org/name'");
  if (name.find('%') != std::string_view::npos) invalid(where + " must not be percent-encoded; use 'org/name'");
  if (name.front() == '/') invalid(where + " must be relative like 'org/name', not an absolute path");
  if (has_control(name)) invalid(where + " contains control characters");
  if (name.find("..") != std::string_view::npos) invalid(where + " must not contain '..'");
  if (name.find("--") != std::string_view::npos) invalid(where + " must not contain '--'");
  size_t slash = name.find('/');
  if (slash != std::string_view::npos && name.find('/', slash + 1) != std::string_view::npos) {
    invalid(where + " has more than one '/'; use 'org/name'");
  }
  if (slash == std::string_view::npos) {
    validate_repo_part(name, name);
  } else {
    validate_repo_part(name.substr(0, slash), name);
    validate_repo_part(name.substr(slash + 1), name);
  }
  if (ends_with(name, ".git")) invalid(where + " must not end with '.git'");
}

void validate_revision(std::string_view revision) {
  const std::string where = "revision " + quoted_for_message(revision);
  if (revision.empty()) invalid("revision is empty; use a branch, tag or commit such as 'main'");
  if (revision.size() > kMaxRevisionLength) {
    invalid(where + " is too long (at most " + std::to_string(kMaxRevisionLength) + " bytes)");
  }
  if (has_control(revision)) invalid(where + " contains control characters");
  if (!utf8::is_valid(revision)) invalid(where + " is not valid UTF-8");
  for (char c : revision) {
    if (c == ' ' || c == '\\' || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' || c == '[') {
      invalid(where + " contains " + quoted_for_message(std::string_view(&c, 1)) + ", which git does not allow in a ref name");
    }
  }
  if (revision.find("..") != std::string_view::npos) invalid(where + " must not contain '..'");
  if (revision.find("@{") != std::string_view::npos) invalid(where + " must not contain '@{'");
  if (revision == "@") invalid(where + " is not a valid ref name");
  if (revision.front() == '/') invalid(where + " must not start with '/'");
  if (revision.back() == '/') invalid(where + " must not end with '/'");
  for (size_t start = 0; start <= revision.size();) {
    size_t slash = revision.find('/', start);
    if (slash == std::string_view::npos) slash = revision.size();
    std::string_view segment = revision.substr(start, slash - start);
    if (segment.empty()) invalid(where + " must not contain '//'");
    if (segment.front() == '.') invalid(where + " must not have a part starting with '.'");
    if (ends_with(segment, ".lock")) invalid(where + " must not have a part ending with '.lock'");
    start = slash + 1;
  }
}

bool is_commit_hash(std::string_view revision) {
  if (revision.size() != 40) return false;
  for (char c : revision) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string validate_repo_path(std::string_view path) {
  const std::string where = "file path " + quoted_for_message(path);
  if (path.empty()) invalid("file path is empty");
  if (path.size() > kMaxPathLength) invalid(where + " is too long (at most " + std::to_string(kMaxPathLength) + " bytes)");
  if (path.find('\0') != std::string_view::npos || has_control(path)) invalid(where + " contains control characters");
  if (path.find('\\') != std::string_view::npos) invalid(where + " contains '\\'; use '/' between folders");
  if (path.front() == '/') invalid(where + " must be relative to the repo root, not absolute");
  if (!utf8::is_valid(path)) invalid(where + " is not valid UTF-8");
  for (size_t start = 0; start <= path.size();) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view segment = path.substr(start, slash - start);
    if (segment.empty()) invalid(where + " has an empty part ('//' or a trailing '/')");
    if (segment == "." || segment == "..") invalid(where + " must not contain '.' or '..' parts");
    start = slash + 1;
  }
  return std::string(path);
}

void validate_etag(std::string_view etag) {
  if (etag.empty()) invalid("blob etag is empty");
  if (etag.size() > 255) invalid("blob etag is too long");
  for (char c : etag) {
    if (!is_alnum(c) && c != '.' && c != '_' && c != '-') {
      invalid("blob etag " + quoted_for_message(etag) + " contains " + quoted_for_message(std::string_view(&c, 1)) +
              "; expected a hex digest");
    }
  }
  if (etag.front() == '.') invalid("blob etag " + quoted_for_message(etag) + " must not start with '.'");
}

}  // namespace gatehouse::hub
