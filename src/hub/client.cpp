#include "hub/client.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "base/error.h"
#include "base/hash.h"
#include "base/json.h"
#include "base/log.h"
#include "http/client.h"
#include "hub/hub_errors.h"
#include "hub/patterns.h"
#include "hub/progress.h"
#include "hub/token.h"

namespace gatehouse::hub {
namespace {

namespace fs = std::filesystem;
namespace bj = boost::json;

bool env_true(const char* name) {
  const char* value = std::getenv(name);
  if (!value) return false;
  std::string text(value);
  for (char& c : text) c = char(std::toupper(static_cast<unsigned char>(c)));
  return text == "1" || text == "ON" || text == "YES" || text == "TRUE";
}

// Waits before retry `attempt` + 1: 0.25, 0.5, 1, 2, 4 s.
void back_off(int attempt) {
  std::this_thread::sleep_for(std::chrono::milliseconds(250) * (1 << std::min(attempt - 1, 4)));
}

// The Hub's ETag, without W/ and quotes.
std::string normalize_etag(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag.erase(0, 2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}

// Streams a body into a file while hashing it as the Hub's id says: 64 hex is a SHA-256, 40 hex
// a git blob SHA-1. Bytes are gathered into 1 MiB blocks: one write(2) each, then the block goes
// to the hashing thread.
class VerifyingWriter {
 public:
  VerifyingWriter(fs::path path, std::string etag, uint64_t size)
      : path_(std::move(path)), etag_(std::move(etag)), size_(size) {
    restart();
  }
  ~VerifyingWriter() {
    background_.reset();
    if (fd_ >= 0) ::close(fd_);
  }

  // Starts the file over (the server ignored a Range request).
  void restart() {
    background_.reset();  // joins before the hashers it feeds are replaced
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(ErrorCode::permission_denied, "cannot write " + path_.string() + ": " + std::strerror(errno));
    written_ = 0;
    block_.clear();
    sha256_.emplace(Hasher::sha256);
    git_.emplace(size_);
    background_ = std::make_unique<BackgroundHasher>([this](std::string_view block) {
      if (etag_.size() == 64) sha256_->update(block);
      if (etag_.size() == 40) git_->update(block);
    });
  }

  void write(std::string_view chunk) {
    if (written_ + chunk.size() > size_) {
      throw Error(ErrorCode::data_loss, "the server sent more than the " + std::to_string(size_) + " bytes announced");
    }
    written_ += chunk.size();
    block_.append(chunk);
    if (block_.size() >= kBlockBytes) flush_block();
  }

  uint64_t written() const { return written_; }

  // Checks size and hash; the caller deletes the file when this throws.
  void finish(const std::string& what) {
    flush_block();
    background_->finish();
    if (::close(std::exchange(fd_, -1)) != 0) {
      throw Error(ErrorCode::resource_exhausted, "writing " + path_.string() + " failed: " + std::strerror(errno));
    }
    if (written_ != size_) {
      throw Error(ErrorCode::data_loss, what + ": received " + std::to_string(written_) + " of " + std::to_string(size_) +
                                            " bytes");
    }
    std::string actual = etag_.size() == 64 ? sha256_->hex_digest() : etag_.size() == 40 ? git_->hex_digest() : etag_;
    if (actual != etag_) {
      throw Error(ErrorCode::data_loss, what + ": the content does not match the hash the Hub published (" + etag_ +
                                            ", got " + actual + "); the file was not kept");
    }
  }

 private:
  static constexpr size_t kBlockBytes = 1u << 20;

  void flush_block() {
    if (block_.empty()) return;
    for (size_t done = 0; done < block_.size();) {
      ssize_t n = ::write(fd_, block_.data() + done, block_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        throw Error(ErrorCode::resource_exhausted, "writing " + path_.string() + " failed: " + std::strerror(errno) +
                                                       " (is the disk full?)");
      }
      done += size_t(n);
    }
    background_->push(std::move(block_));
    block_ = std::string();
    block_.reserve(kBlockBytes);
  }

  fs::path path_;
  std::string etag_;
  uint64_t size_;
  int fd_ = -1;
  std::string block_;
  uint64_t written_ = 0;
  std::optional<Hasher> sha256_;
  std::optional<GitBlobHasher> git_;
  std::unique_ptr<BackgroundHasher> background_;  // hashes on its own thread while we receive
};

}  // namespace

HubClientOptions HubClientOptions::from_environment(const std::optional<std::string>& explicit_token) {
  HubClientOptions options;
  if (const char* endpoint = std::getenv("HF_ENDPOINT"); endpoint && *endpoint) options.endpoint = endpoint;
  while (!options.endpoint.empty() && options.endpoint.back() == '/') options.endpoint.pop_back();
  options.token = resolve_token(explicit_token);
  options.cache_root = HubCache::default_root();
  options.offline = env_true("HF_HUB_OFFLINE") || env_true("TRANSFORMERS_OFFLINE");
  options.progress = isatty(STDERR_FILENO) && !env_true("HF_HUB_DISABLE_PROGRESS_BARS");
  return options;
}

struct HubClient::Impl {
  const HubClientOptions& options;
  const HubCache& cache;
  http::HttpClient http;

  std::string api_url(const RepoId& repo, const std::string& rest) const {
    return options.endpoint + "/api/" + std::string(repo.api_plural()) + "/" + repo.name + rest;
  }

  std::string resolve_url(const RepoId& repo, const std::string& revision, const std::string& path) const {
    return options.endpoint + "/" + std::string(repo.url_prefix()) + repo.name + "/resolve/" +
           percent_encode(revision, false) + "/" + percent_encode(path, true);
  }

  // Sends with retries on network errors and retryable statuses, backing off 1, 2, 4 s...
  http::ClientResponse send(http::ClientRequest request) {
    request.bearer_token = options.token;
    for (int attempt = 1;; ++attempt) {
      try {
        http::ClientResponse response = http.send(request);
        if (!is_retryable_status(response.status) || attempt >= options.max_attempts) return response;
      } catch (const Error& error) {
        if (error.code() != ErrorCode::unavailable || attempt >= options.max_attempts) {
          throw Error(error.code(), std::string(error.what()) + " (the Hub at " + options.endpoint +
                                        " could not be reached; check the network or HF_ENDPOINT)");
        }
      }
      back_off(attempt);
    }
  }

  bj::value get_json(const std::string& url, const HubRequestContext& context, http::ClientResponse* raw = nullptr) {
    http::ClientRequest request;
    request.url = url;
    request.max_body_bytes = 256u << 20;
    http::ClientResponse response = send(request);
    raise_for_hub_status(response, context);
    if (raw) *raw = response;
    return json::parse(response.body, "the Hub's answer to " + http::redact_url(url));
  }

  // Downloads one blob into the cache (under its lock), verified, and links it into the snapshot.
  void fetch_blob(const RepoId& repo, const std::string& commit, const RepoFile& file, Progress* progress) {
    const std::string& etag = file.etag();
    fs::path blob = cache.blob_path(repo, etag);
    if (!fs::exists(blob)) {
      fs::create_directories(blob.parent_path());
      BlobLock lock(cache.lock_path(repo, etag));
      if (!fs::exists(blob)) download_to(blob, repo, commit, file, progress);  // another process may have won
    } else if (progress) {
      progress->add(file.size);
    }
    cache.link_snapshot(repo, commit, file.path, etag);
  }

  void download_to(const fs::path& blob, const RepoId& repo, const std::string& commit, const RepoFile& file,
                   Progress* progress) {
    fs::path temporary = cache.incomplete_path(repo, file.etag());
    std::string what = repo.name + "/" + file.path;
    try {
      VerifyingWriter writer(temporary, file.etag(), file.size);
      for (int attempt = 1;; ++attempt) {
        http::ClientRequest request;
        request.url = resolve_url(repo, commit, file.path);
        request.bearer_token = options.token;
        request.follow_redirects = true;
        if (writer.written() > 0) request.headers.emplace_back("range", "bytes=" + std::to_string(writer.written()) + "-");
        uint64_t before = writer.written();
        try {
          http::ClientResponse response = http.download(
              request,
              [&](const http::ClientResponse& head) {
                if (head.status >= 400) return false;  // no body to keep: the status is raised below
                if (head.status == 200 && before > 0) {  // the server ignored Range: start over
                  writer.restart();
                  if (progress) progress->add(-int64_t(before));
                }
                return true;
              },
              [&](std::string_view chunk) {
                writer.write(chunk);
                if (progress) progress->add(int64_t(chunk.size()));
              });
          raise_for_hub_status(response, {repo, commit, file.path});
          break;
        } catch (const Error& error) {
          if (error.code() != ErrorCode::unavailable || attempt >= options.max_attempts) throw;
          GH_LOG(warn) << "download of " << what << " interrupted after " << writer.written() << " bytes (" << error.what()
                       << "); resuming";
          back_off(attempt);
        }
      }
      writer.finish(what);
      fs::permissions(temporary, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                     fs::perms::others_read);
      fs::rename(temporary, blob);
    } catch (...) {
      std::error_code ignored;
      fs::remove(temporary, ignored);
      throw;
    }
  }
};

HubClient::HubClient(HubClientOptions options)
    : options_(std::move(options)), cache_(options_.cache_root), impl_(new Impl{options_, cache_, {}}) {}

HubClient::~HubClient() = default;

std::string HubClient::resolve_commit(const RepoId& repo, const std::string& revision) {
  validate_revision(revision);
  if (options_.offline) {
    if (auto commit = cache_.resolve_revision(repo, revision)) return *commit;
    throw Error(ErrorCode::not_found, "HF_HUB_OFFLINE is set and revision \"" + revision + "\" of " + repo.name +
                                          " is not in the cache at " + cache_.root().string() +
                                          "; download it once online, or unset HF_HUB_OFFLINE");
  }
  bj::value info = impl_->get_json(impl_->api_url(repo, "/revision/" + percent_encode(revision, false)), {repo, revision, ""});
  const bj::object& object = json::as_object(info, json::JsonPath("repo info"));
  std::string commit(json::as_string(json::require(object, "sha", json::JsonPath("repo info")), json::JsonPath("repo info") / "sha"));
  if (!is_commit_hash(commit)) throw Error(ErrorCode::data_loss, "the Hub gave an invalid commit id for " + repo.name);
  if (revision != commit) cache_.write_ref(repo, revision, commit);
  return commit;
}

std::vector<RepoFile> HubClient::list_files(const RepoId& repo, const std::string& commit) {
  std::vector<RepoFile> files;
  std::optional<std::string> url = impl_->api_url(repo, "/tree/" + commit + "?recursive=true&expand=false");
  for (int page = 0; url; ++page) {
    if (page > 100000) throw Error(ErrorCode::data_loss, "the Hub's file listing for " + repo.name + " does not end");
    http::ClientResponse response;
    bj::value listing = impl_->get_json(*url, {repo, commit, ""}, &response);
    json::JsonPath where("file listing of " + repo.name);
    const bj::array& entries = json::as_array(listing, where);
    for (size_t i = 0; i < entries.size(); ++i) {
      const bj::object& entry = json::as_object(entries[i], where[i]);
      if (json::get_string(entry, "type", where[i], "") != "file") continue;
      RepoFile file;
      file.path = validate_repo_path(json::as_string(json::require(entry, "path", where[i]), where[i] / "path"));
      file.size = uint64_t(json::as_int(json::require(entry, "size", where[i]), where[i] / "size"));
      file.oid = std::string(json::as_string(json::require(entry, "oid", where[i]), where[i] / "oid"));
      if (const bj::value* lfs = json::find(entry, "lfs")) {
        const bj::object& lfs_object = json::as_object(*lfs, where[i] / "lfs");
        file.sha256 = std::string(json::as_string(json::require(lfs_object, "oid", where[i] / "lfs"), where[i] / "lfs" / "oid"));
      }
      validate_etag(file.etag());
      files.push_back(std::move(file));
    }
    url = http::next_link(response);
  }
  return files;
}

fs::path HubClient::download_file(const RepoId& repo, const std::string& revision, const std::string& path) {
  validate_revision(revision);
  std::string file_path = validate_repo_path(path);
  if (is_commit_hash(revision)) {
    fs::path cached = cache_.snapshot_path(repo, revision, file_path);
    if (fs::exists(cached)) return cached;
  }
  if (options_.offline) {
    if (auto cached = cache_.cached_file(repo, revision, file_path)) return *cached;
    throw Error(ErrorCode::not_found, "HF_HUB_OFFLINE is set and " + repo.name + "/" + file_path + " (revision \"" +
                                          revision + "\") is not in the cache at " + cache_.root().string());
  }
  // HEAD for the commit, the blob id and the size; relative redirects only, as huggingface_hub.
  http::ClientRequest head;
  head.method = "HEAD";
  head.url = impl_->resolve_url(repo, revision, file_path);
  http::ClientResponse response;
  try {
    response = impl_->send(head);
    for (int hops = 0; response.status >= 300 && response.status < 400 && hops < 10; ++hops) {
      const std::string* location = response.header("location");
      if (!location || location->empty() || (*location)[0] != '/') break;
      head.url = http::resolve_url(head.url, *location);
      response = impl_->send(head);
    }
  } catch (const Error&) {
    // Like huggingface_hub: when the Hub cannot be reached, a cached copy still serves.
    if (auto cached = cache_.cached_file(repo, revision, file_path)) return *cached;
    throw;
  }
  const std::string* commit_header = response.header("x-repo-commit");
  if (response.status == 404 && commit_header && response.header("x-error-code") &&
      *response.header("x-error-code") == "EntryNotFound" && is_commit_hash(*commit_header)) {
    cache_.mark_missing(repo, *commit_header, file_path);
  }
  raise_for_hub_status(response, {repo, revision, file_path});
  const std::string* etag_header = response.header("x-linked-etag") ? response.header("x-linked-etag") : response.header("etag");
  const std::string* size_header = response.header("x-linked-size") ? response.header("x-linked-size") : response.header("content-length");
  if (!commit_header || !etag_header || !size_header || !is_commit_hash(*commit_header)) {
    throw Error(ErrorCode::data_loss, "the server at " + options_.endpoint + " did not send X-Repo-Commit, ETag and a size "
                                      "for " + repo.name + "/" + file_path + "; is HF_ENDPOINT a Hugging Face Hub?");
  }
  RepoFile file;
  file.path = file_path;
  file.size = std::stoull(*size_header);
  std::string etag = normalize_etag(*etag_header);
  validate_etag(etag);
  if (etag.size() == 64) file.sha256 = etag; else file.oid = etag;
  std::string commit = *commit_header;
  if (revision != commit) cache_.write_ref(repo, revision, commit);
  fs::path pointer = cache_.snapshot_path(repo, commit, file_path);
  if (fs::exists(pointer)) return pointer;
  std::unique_ptr<Progress> progress = options_.progress ? std::make_unique<Progress>(file_path, file.size) : nullptr;
  impl_->fetch_blob(repo, commit, file, progress.get());
  return pointer;
}

fs::path HubClient::snapshot(const RepoId& repo, const std::string& revision, const SnapshotFilter& filter) {
  std::string commit = resolve_commit(repo, revision);
  fs::path directory = cache_.snapshot_dir(repo, commit);
  if (options_.offline) {
    if (fs::is_directory(directory)) return directory;
    throw Error(ErrorCode::not_found, "HF_HUB_OFFLINE is set and the snapshot " + commit + " of " + repo.name +
                                          " is not in the cache");
  }
  std::vector<RepoFile> wanted;
  uint64_t total = 0;
  for (RepoFile& file : list_files(repo, commit)) {
    if (!keep_file(file.path, filter.include, filter.exclude)) continue;
    total += file.size;
    wanted.push_back(std::move(file));
  }
  std::unique_ptr<Progress> progress =
      options_.progress ? std::make_unique<Progress>(repo.name + " (" + std::to_string(wanted.size()) + " files)", total)
                        : nullptr;
  std::atomic<size_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  auto worker = [&](Impl& impl) {
    while (true) {
      size_t index = next++;
      if (index >= wanted.size()) return;
      {
        std::lock_guard lock(failure_mutex);
        if (failure) return;
      }
      try {
        impl.fetch_blob(repo, commit, wanted[index], progress.get());
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  };
  size_t workers = std::min<size_t>(wanted.size(), size_t(std::max(1, options_.max_workers)));
  std::vector<std::unique_ptr<Impl>> impls;
  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers; ++i) {
    impls.push_back(std::make_unique<Impl>(Impl{options_, cache_, {}}));
    threads.emplace_back(worker, std::ref(*impls.back()));
  }
  worker(*impl_);
  for (auto& thread : threads) thread.join();
  if (failure) std::rethrow_exception(failure);
  fs::create_directories(directory);  // also when the filter kept no file
  return directory;
}

}  // namespace gatehouse::hub
