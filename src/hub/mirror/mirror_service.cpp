#include "hub/mirror/mirror_service.h"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "base/error.h"
#include "base/hash.h"
#include "base/json.h"
#include "base/log.h"
#include "http/auth.h"
#include "http/form.h"
#include "http/percent_encoding.h"
#include "hub/mirror/byte_range.h"

namespace gatehouse::hub {
namespace {

namespace bj = boost::json;

// An error in the Hub's contract: status, X-Error-Code, X-Error-Message, {"error": message}.
struct HubError {
  int status;
  std::string code;
  std::string message;
  std::string commit;  // X-Repo-Commit, sent with EntryNotFound so clients remember the miss
};

http::Response error_response(const HubError& error) {
  http::Response response = http::Response::json(error.status, bj::serialize(bj::object{{"error", error.message}}));
  response.headers.emplace_back("X-Error-Code", error.code);
  response.headers.emplace_back("X-Error-Message", error.message);
  if (!error.commit.empty()) response.headers.emplace_back("X-Repo-Commit", error.commit);
  return response;
}

http::Response json_response(const bj::value& value) { return http::Response::json(200, bj::serialize(value)); }

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 1;  // the path starts with '/'
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string segment = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    segments.push_back(http::percent_decode(segment));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return segments;
}

// An in-repo path with an empty part ("a//b", "config.json/", or one from a decoded "%2F") names
// no file: the Hub answers 404 for it, never the file without the slash.
bool has_empty_part(const std::string& path) {
  return path.empty() || path.front() == '/' || path.back() == '/' || path.find("//") != std::string::npos;
}

std::string join(const std::vector<std::string>& segments, size_t from) {
  std::string out;
  for (size_t i = from; i < segments.size(); ++i) out += (i > from ? "/" : "") + segments[i];
  return out;
}

std::string_view kind_word(RepoType type) {
  return type == RepoType::model ? "model" : type == RepoType::dataset ? "dataset" : "space";
}

// A host[:port] as URLs carry it: a DNS name or IPv4 address, or an IPv6 address in brackets.
bool is_host_and_port(std::string_view host) {
  return !host.empty() && host.size() <= 255 &&
         host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == std::string_view::npos;
}

// The last comma-separated value of a forwarding header: the one the nearest proxy wrote.
std::string_view last_value(std::string_view header) {
  size_t comma = header.rfind(',');
  std::string_view value = comma == std::string_view::npos ? header : header.substr(comma + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value;
}

bj::object file_entry(const RepoFile& file) {
  bj::object entry{{"type", "file"}, {"oid", file.oid}, {"size", file.size}, {"path", file.path}};
  if (file.sha256) entry["lfs"] = bj::object{{"oid", *file.sha256}, {"size", file.size}, {"pointerSize", 134}};
  return entry;
}

bj::object directory_entry(const std::string& path, const RepoSnapshot& snapshot) {
  Hasher oid(Hasher::sha1);  // stable per content, like a git tree id
  for (const RepoFile& file : snapshot.files) {
    if (file.path.compare(0, path.size() + 1, path + "/") == 0) oid.update(file.path + "\n" + file.etag() + "\n");
  }
  return bj::object{{"type", "directory"}, {"oid", oid.hex_digest()}, {"size", 0}, {"path", path}};
}

void add_last_commit(bj::object& entry, const RepoSnapshot& snapshot) {
  entry["lastCommit"] = bj::object{{"id", snapshot.commit}, {"title", "Gatehouse mirror snapshot"},
                                   {"date", snapshot.last_modified}};
}

// Every folder that holds a file of the snapshot.
std::set<std::string> directories(const RepoSnapshot& snapshot) {
  std::set<std::string> out;
  for (const RepoFile& file : snapshot.files) {
    for (size_t slash = file.path.find('/'); slash != std::string::npos; slash = file.path.find('/', slash + 1)) {
      out.insert(file.path.substr(0, slash));
    }
  }
  return out;
}

std::string parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// What a client hears when the upstream Hub fails: 504 when it cannot be reached, 502 otherwise.
// The details (the upstream's address, its answer to the mirror's own token) stay in the log.
HubError upstream_failure(const Error& error, const std::string& what) {
  GH_LOG(warn) << "upstream request for " << what << " failed: " << error.what();
  if (error.code() == ErrorCode::unavailable) {
    return {504, "UpstreamUnavailable", "the mirror could not reach its upstream Hub for " + what + "; retry later", ""};
  }
  return {502, "UpstreamError", "the mirror's upstream Hub refused or failed the request for " + what, ""};
}

}  // namespace

struct MirrorService::Call {
  const http::Request& request;
  std::vector<std::string> segments;
  std::string token;
  RepoId repo;
  std::optional<RepoSnapshot> snapshot;
  const RepoSource* source = nullptr;  // where the repo was found

  // The repo's content after the access check; throws HubError as the Hub answers.
  const RepoSnapshot& open(const MirrorService& service, bool files) {
    const AccessPolicy& policy = service.policy_;
    Access access = files ? policy.file_access(repo, token) : policy.metadata_access(repo, token);
    if (access == Access::invalid_token) throw HubError{401, "InvalidCredentials", "Invalid credentials in Authorization header", ""};
    if (access != Access::hidden) snapshot = service.find_repo(repo, source);
    if (access == Access::hidden || !snapshot) {
      // Anonymous callers get 401, as the Hub does for repos that are missing or private.
      throw HubError{token.empty() ? 401 : 404, "RepoNotFound", "Repository not found: " + repo.name +
                     (token.empty() ? " (if it is private or gated, send a token that has access)" : ""), ""};
    }
    std::string kind(kind_word(repo.type));
    if (access == Access::gated_anonymous) {
      throw HubError{401, "GatedRepo", "Access to " + kind + " " + repo.name + " is restricted. You must have access to "
                     "it and be authenticated to access it. Please log in.", ""};
    }
    if (access == Access::gated_not_allowed) {
      throw HubError{403, "GatedRepo", "Access to " + kind + " " + repo.name + " is restricted and you are not in the "
                     "authorized list. Ask the mirror's administrator for access.", ""};
    }
    return *snapshot;
  }

  // The content a revision names: main (also as "HEAD" or its commit) or another branch, tag or
  // commit of the repo. Call after open().
  const RepoSnapshot& select(const std::string& revision) {
    if (revision == "main" || revision == "HEAD" || revision == snapshot->commit) return *snapshot;
    std::optional<RepoSnapshot> other;
    try {
      other = source->revision(repo, revision);
    } catch (const Error& error) {
      if (error.code() == ErrorCode::invalid_argument) throw;
      throw upstream_failure(error, repo.name + "@" + revision);
    }
    if (!other) throw HubError{404, "RevisionNotFound", "Invalid rev id: " + revision, ""};
    snapshot = std::move(other);
    return *snapshot;
  }
};

std::string normalize_public_url(std::string_view url) {
  auto invalid = [&](const std::string& why) {
    throw Error(ErrorCode::invalid_argument, "public URL " + quoted_for_message(url) + " " + why +
                                                 "; expected http(s)://host[:port][/path], e.g. https://example.com/hub");
  };
  size_t scheme_end = url.find("://");
  std::string_view scheme = url.substr(0, scheme_end);
  if (scheme_end == std::string_view::npos || (scheme != "http" && scheme != "https")) invalid("must start with http:// or https://");
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#@\\ \t\r\n") != std::string_view::npos) invalid("must not have user info, a query or a fragment");
  for (char c : rest) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) invalid("must be printable ASCII");
  }
  std::string_view host = rest.substr(0, rest.find('/'));
  if (!is_host_and_port(host) || host.front() == ':') invalid("has no valid host");
  std::string normal(url);
  while (normal.back() == '/') normal.pop_back();
  return normal;
}

MirrorService::MirrorService(std::shared_ptr<const RepoStore> store, std::shared_ptr<const RepoSource> upstream,
                             AccessPolicy policy, MirrorOptions options)
    : store_(std::move(store)), upstream_(std::move(upstream)), policy_(std::move(policy)), options_(std::move(options)) {
  options_.public_url = normalize_public_url(options_.public_url);
}

std::string MirrorService::public_base(const http::Request& request) const {
  if (!options_.trust_proxy_headers) return options_.public_url;
  // http(s)://host[:port][/prefix]: the proxy's scheme and host where it sent valid ones.
  std::string_view public_url = options_.public_url;
  size_t scheme_end = public_url.find("://");
  size_t prefix = std::min(public_url.find('/', scheme_end + 3), public_url.size());
  std::string_view scheme = public_url.substr(0, scheme_end);
  std::string_view host = public_url.substr(scheme_end + 3, prefix - scheme_end - 3);
  if (const std::string* proto = request.header("x-forwarded-proto")) {
    if (last_value(*proto) == "http" || last_value(*proto) == "https") scheme = last_value(*proto);
  }
  if (const std::string* forwarded = request.header("x-forwarded-host")) {
    if (is_host_and_port(last_value(*forwarded))) host = last_value(*forwarded);
  }
  return std::string(scheme) + "://" + std::string(host) + std::string(public_url.substr(prefix));
}

std::optional<RepoSnapshot> MirrorService::find_repo(const RepoId& repo, const RepoSource*& source) const {
  source = store_.get();
  if (auto local = store_->snapshot(repo)) return local;
  if (!upstream_) return std::nullopt;
  source = upstream_.get();
  try {
    return upstream_->snapshot(repo);
  } catch (const Error& error) {
    throw upstream_failure(error, repo.name);
  }
}

http::CorsOptions mirror_cors_options() {
  http::CorsOptions options;
  options.expose_headers = {"X-Repo-Commit", "X-Error-Code", "X-Error-Message", "ETag", "Link", "Accept-Ranges",
                            "Content-Range", "X-Linked-Size", "X-Linked-ETag"};
  return options;
}

http::Response MirrorService::handle(const http::Request& request) const {
  http::Response response;
  try {
    Call call{request, split_path(request.path), std::string(http::authorization_credentials(request, {"Bearer"}).value_or("")), {}, {}};
    response = route(call);
  } catch (const HubError& error) {
    response = error_response(error);
  } catch (const Error& error) {
    if (error.code() != ErrorCode::invalid_argument) throw;
    response = error_response({400, "BadRequest", error.what(), ""});
  }
  return response;
}

http::Response MirrorService::route(Call& call) const {
  auto& s = call.segments;
  const std::string& method = call.request.method;
  bool get = method == "GET" || method == "HEAD";
  // API routes take one trailing '/' (".../tree/main/" lists the root); more is an empty part.
  if (s.size() > 1 && s[0] == "api" && s.back().empty()) s.pop_back();
  if (s.size() == 2 && s[0] == "api" && s[1] == "whoami-v2" && get) return whoami(call);
  if (s.size() >= 4 && s[0] == "api" && (s[1] == "models" || s[1] == "datasets" || s[1] == "spaces")) {
    RepoType type = s[1] == "models" ? RepoType::model : s[1] == "datasets" ? RepoType::dataset : RepoType::space;
    call.repo = RepoId::parse(s[2] + "/" + s[3], type);
    if (s.size() == 4 && get) return repo_info(call);
    if (s.size() == 6 && s[4] == "revision" && get) return repo_info(call);
    if (s.size() >= 6 && s[4] == "tree" && get) return tree(call);
    if (s.size() == 6 && s[4] == "paths-info" && method == "POST") return paths_info(call);
    if (s.size() == 5 && s[4] == "refs" && get) return refs(call);
  }
  size_t at = 0;
  RepoType type = RepoType::model;
  if (!s.empty() && (s[0] == "datasets" || s[0] == "spaces")) {
    type = s[0] == "datasets" ? RepoType::dataset : RepoType::space;
    at = 1;
  }
  if (s.size() >= at + 5 && s[at + 2] == "resolve" && get) {
    call.repo = RepoId::parse(s[at] + "/" + s[at + 1], type);
    return resolve(call);
  }
  throw HubError{404, "NotFound", "no such route: " + method + " " + call.request.path +
                 " (this mirror serves /api/{models,datasets,spaces}/... and /{repo}/resolve/{revision}/{path})", ""};
}

http::Response MirrorService::repo_info(Call& call) const {
  call.open(*this, false);
  const RepoSnapshot& snapshot = call.select(call.segments.size() == 6 ? call.segments[5] : "main");
  bool blobs = http::is_true_flag(http::query_value(call.request.query, "blobs"));
  bj::array siblings;
  for (const RepoFile& file : snapshot.files) {
    bj::object sibling{{"rfilename", file.path}};
    if (blobs) {
      sibling["size"] = file.size;
      sibling["blobId"] = file.oid;
      if (file.sha256) sibling["lfs"] = bj::object{{"size", file.size}, {"sha256", *file.sha256}, {"pointerSize", 134}};
    }
    siblings.push_back(std::move(sibling));
  }
  const std::string& name = call.repo.name;
  bj::object info{
      {"_id", snapshot.commit.substr(0, 24)},
      {"id", name},
      {"author", name.substr(0, name.find('/'))},
      {"sha", snapshot.commit},
      {"lastModified", snapshot.last_modified},
      {"createdAt", snapshot.last_modified},
      {"private", false},
      {"gated", policy_.is_gated(call.repo) ? bj::value("manual") : bj::value(false)},
      {"disabled", false},
      {"downloads", 0},
      {"likes", 0},
      {"tags", bj::array{}},
      {"siblings", std::move(siblings)},
  };
  if (call.repo.type == RepoType::model) info["modelId"] = name;
  return json_response(info);
}

http::Response MirrorService::tree(Call& call) const {
  call.open(*this, false);
  const std::string& revision = call.segments[5];
  const RepoSnapshot& snapshot = call.select(revision);
  std::string path = call.segments.size() > 6 ? join(call.segments, 6) : "";
  bool empty_part = call.segments.size() > 6 && has_empty_part(path);
  if (!empty_part && !path.empty()) validate_repo_path(path);
  std::set<std::string> folders = directories(snapshot);
  if (empty_part || (!path.empty() && !folders.count(path))) {
    throw HubError{404, "EntryNotFound", path + " does not exist on \"" + revision + "\"", snapshot.commit};
  }
  const std::string& query = call.request.query;
  bool recursive = http::is_true_flag(http::query_value(query, "recursive"));
  bool expand = http::is_true_flag(http::query_value(query, "expand"));
  auto inside = [&](const std::string& candidate) {
    if (!path.empty() && candidate.compare(0, path.size() + 1, path + "/") != 0) return false;
    return recursive || parent_of(candidate) == path;
  };
  std::vector<bj::object> entries;
  for (const std::string& folder : folders) {
    if (inside(folder)) entries.push_back(directory_entry(folder, snapshot));
  }
  for (const RepoFile& file : snapshot.files) {
    if (inside(file.path)) entries.push_back(file_entry(file));
  }
  std::sort(entries.begin(), entries.end(), [](const bj::object& a, const bj::object& b) {
    return a.at("path").as_string() < b.at("path").as_string();
  });
  size_t start = 0;
  std::string cursor = http::query_value(query, "cursor");
  if (!cursor.empty()) {
    if (cursor.find_first_not_of("0123456789") != std::string::npos || cursor.size() > 9) {
      throw HubError{400, "BadRequest", "invalid cursor", ""};
    }
    start = std::min(entries.size(), size_t(std::stoul(cursor)));
  }
  size_t end = std::min(entries.size(), start + options_.tree_page_size);
  bj::array page;
  for (size_t i = start; i < end; ++i) {
    if (expand) add_last_commit(entries[i], snapshot);
    page.push_back(std::move(entries[i]));
  }
  http::Response response = json_response(page);
  if (end < entries.size()) {
    // Rebuilt from the decoded parts, percent-encoded again: nothing of the raw request is echoed.
    std::string next = public_base(call.request) + "/api/" + std::string(call.repo.api_plural()) + "/" + call.repo.name +
                       "/tree/" + http::percent_encode(revision, false);
    if (!path.empty()) next.append("/").append(http::percent_encode(path, true));
    next += std::string("?recursive=") + (recursive ? "true" : "false") + "&expand=" + (expand ? "true" : "false") +
            "&cursor=" + std::to_string(end);
    response.headers.emplace_back("Link", "<" + next + ">; rel=\"next\"");
  }
  return response;
}

http::Response MirrorService::paths_info(Call& call) const {
  call.open(*this, false);
  const RepoSnapshot& snapshot = call.select(call.segments[5]);
  std::vector<std::string> paths;
  bool expand = false;
  const std::string& body = call.request.body;
  const std::string* type = call.request.header("content-type");
  if (type && type->find("application/json") != std::string::npos) {
    bj::value document = json::parse(body, "paths-info request body");
    const bj::object& object = json::as_object(document, json::JsonPath("paths-info request body"));
    json::JsonPath where("paths-info request body");
    const bj::array& list = json::as_array(json::require(object, "paths", where), where / "paths");
    for (size_t i = 0; i < list.size(); ++i) paths.emplace_back(json::as_string(list[i], (where / "paths")[i]));
    expand = json::get_bool(object, "expand", where, false);
  } else {  // huggingface_hub sends a form: paths=a&paths=b&expand=True
    for (auto& [key, value] : http::parse_urlencoded(body)) {
      if (key == "paths") paths.push_back(std::move(value));
      if (key == "expand") expand = http::is_true_flag(value);
    }
  }
  std::set<std::string> folders = directories(snapshot);
  bj::array entries;
  for (const std::string& raw : paths) {
    std::string path = validate_repo_path(raw);
    bj::object entry;
    if (const RepoFile* file = snapshot.find(path)) {
      entry = file_entry(*file);
    } else if (folders.count(path)) {
      entry = directory_entry(path, snapshot);
    } else {
      continue;
    }
    if (expand) add_last_commit(entry, snapshot);
    entries.push_back(std::move(entry));
  }
  return json_response(entries);
}

http::Response MirrorService::refs(Call& call) const {
  const RepoSnapshot& main = call.open(*this, false);
  bj::array branches{bj::object{{"name", "main"}, {"ref", "refs/heads/main"}, {"targetCommit", main.commit}}};
  bj::array pull_requests;
  if (call.source == store_.get()) {
    for (const std::string& name : store_->revision_names(call.repo)) {
      std::optional<RepoSnapshot> other = store_->revision(call.repo, name);
      if (!other) continue;
      bool pull_request = name.rfind("refs/pr/", 0) == 0;
      bj::object ref{{"name", pull_request ? name.substr(8) : name},
                     {"ref", pull_request ? name : "refs/heads/" + name}, {"targetCommit", other->commit}};
      (pull_request ? pull_requests : branches).push_back(std::move(ref));
    }
  }
  bj::object refs{{"branches", std::move(branches)}, {"tags", bj::array{}}, {"converts", bj::array{}}};
  if (http::is_true_flag(http::query_value(call.request.query, "include_prs"))) refs["pullRequests"] = std::move(pull_requests);
  return json_response(refs);
}

http::Response MirrorService::whoami(Call& call) const {
  if (call.token.empty() || (!policy_.knows_token(call.token) && policy_.is_restrictive())) {
    throw HubError{401, "InvalidCredentials", "Invalid credentials in Authorization header", ""};
  }
  return json_response(bj::object{
      {"type", "user"},
      {"id", sha256_hex(call.token).substr(0, 24)},
      {"name", "mirror-user"},
      {"fullname", "Gatehouse mirror user"},
      {"emailVerified", false},
      {"canPay", false},
      {"isPro", false},
      {"periodEnd", nullptr},
      {"avatarUrl", ""},
      {"orgs", bj::array{}},
      {"auth", bj::object{{"type", "access_token"},
                          {"accessToken", bj::object{{"displayName", "mirror token"}, {"role", "read"}}}}},
  });
}

http::Response MirrorService::resolve(Call& call) const {
  const auto& s = call.segments;
  size_t at = call.repo.type == RepoType::model ? 0 : 1;
  const std::string& revision = s[at + 3];
  std::string path = join(s, at + 4);
  bool empty_part = has_empty_part(path);
  if (!empty_part) validate_repo_path(path);
  call.open(*this, true);
  const RepoSnapshot& snapshot = call.select(revision);
  const RepoFile* file = empty_part ? nullptr : snapshot.find(path);
  if (!file) throw HubError{404, "EntryNotFound", path + " does not exist on \"" + revision + "\"", snapshot.commit};

  http::Response response;
  std::string etag = "\"" + file->etag() + "\"";
  response.headers = {{"ETag", etag}, {"X-Repo-Commit", snapshot.commit}, {"X-Linked-Size", std::to_string(file->size)},
                      {"Accept-Ranges", "bytes"}, {"Content-Type", "application/octet-stream"}};
  if (file->sha256) response.headers.emplace_back("X-Linked-Etag", etag);
  if (const std::string* match = call.request.header("if-none-match"); match && etag_matches(*match, file->etag())) {
    response.status = 304;
    return response;
  }
  ByteRange range{0, file->size};
  if (const std::string* header = call.request.header("range")) {
    RangeRequest requested = parse_range_header(*header, file->size);
    if (requested.kind == RangeKind::unsatisfiable) {
      response.status = 416;
      response.headers.emplace_back("Content-Range", "bytes */" + std::to_string(file->size));
      return response;
    }
    if (requested.kind == RangeKind::single) {
      range = requested.range;
      response.status = 206;
      response.headers.emplace_back("Content-Range", "bytes " + std::to_string(range.offset) + "-" +
                                                          std::to_string(range.offset + range.length - 1) + "/" +
                                                          std::to_string(file->size));
    }
  }
  // A local file is opened and checked once more (still the regular file listed), and sent from
  // that descriptor; an upstream one is fetched into the mirror's cache first.
  files::UniqueFd local;
  try {
    local = call.source->open_file(call.repo, snapshot, *file);
  } catch (const Error& error) {
    if (call.source != store_.get()) throw upstream_failure(error, call.repo.name + "/" + path);
    GH_LOG(warn) << "hub mirror: " << error.what();
    throw HubError{503, "FileChanged", path + " changed on the mirror while it was being served; retry", ""};
  }
  response.file = http::FileRegion{std::make_shared<const files::UniqueFd>(std::move(local)), range.offset, range.length};
  return response;
}

}  // namespace gatehouse::hub
