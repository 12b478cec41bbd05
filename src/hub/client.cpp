#include "hub/client.h"

#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <charconv>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "http/client.h"
#include "hub/hub_errors.h"
#include "hub/patterns.h"
#include "hub/progress.h"
#include "hub/token.h"
#include "hub/verifying_writer.h"
#include "http/percent_encoding.h"

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

// When to try a failing request again: after 0.25, 0.5, 1, 2, then every 4 s, for as long as the
// retry window lasts since the request last made progress.
class RetryWindow {
 public:
  explicit RetryWindow(std::chrono::milliseconds window) : window_(window), since_(Clock::now()) {}

  // Bytes arrived: the window starts over.
  void progressed() {
    since_ = Clock::now();
    attempt_ = 0;
  }

  // Waits and returns true when another try still fits in the window; false when it is spent.
  bool wait() {
    auto delay = std::chrono::milliseconds(250) * (1 << std::min(attempt_, 4));
    if (Clock::now() + delay - since_ > window_) return false;
    std::this_thread::sleep_for(delay);
    ++attempt_;
    return true;
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::chrono::milliseconds window_;
  Clock::time_point since_;
  int attempt_ = 0;
};

// GATEHOUSE_HUB_RETRY_WINDOW: seconds, a number from 0 to 86400.
std::chrono::milliseconds retry_window_from_environment(std::chrono::milliseconds fallback) {
  const char* text = std::getenv("GATEHOUSE_HUB_RETRY_WINDOW");
  if (!text || !*text) return fallback;
  char* end = nullptr;
  double seconds = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(seconds >= 0 && seconds <= 86400)) {
    throw Error(ErrorCode::invalid_argument, "GATEHOUSE_HUB_RETRY_WINDOW=" + quoted_for_message(text) +
                                                 " is not a number of seconds from 0 to 86400");
  }
  return std::chrono::milliseconds(int64_t(seconds * 1000));
}

// The Hub's ETag, without W/ and quotes.
std::string normalize_etag(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag.erase(0, 2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}

// A byte count as a header carries it: digits only, no sign or spaces, at most 2^64 - 1.
std::optional<uint64_t> parse_decimal(std::string_view text) {
  uint64_t value = 0;
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool is_valid_etag(std::string_view etag) {
  try {
    validate_etag(etag);
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

HubClientOptions HubClientOptions::from_environment(const std::optional<std::string>& explicit_token) {
  HubClientOptions options;
  if (const char* endpoint = std::getenv("HF_ENDPOINT"); endpoint && *endpoint) options.endpoint = endpoint;
  while (!options.endpoint.empty() && options.endpoint.back() == '/') options.endpoint.pop_back();
  options.token = resolve_token(explicit_token);
  options.cache_root = HubCache::default_root();
  options.offline = env_true("HF_HUB_OFFLINE") || env_true("TRANSFORMERS_OFFLINE");
  options.progress = isatty(STDERR_FILENO) && !env_true("HF_HUB_DISABLE_PROGRESS_BARS");
  options.retry_window = retry_window_from_environment(options.retry_window);
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
           http::percent_encode(revision, false) + "/" + http::percent_encode(path, true);
  }

  // The token goes only to the origin (scheme, host and port) of the endpoint the user configured:
  // a pagination Link or a redirect naming another host is followed without it.
  void authorize(http::ClientRequest& request) const {
    request.bearer_token.reset();
    if (options.token && http::same_origin(request.url, options.endpoint)) request.bearer_token = options.token;
  }

  // Sends with retries on network errors and retryable statuses for as long as the retry window lasts.
  http::ClientResponse send(http::ClientRequest request) {
    authorize(request);
    RetryWindow retry(options.retry_window);
    while (true) {
      try {
        http::ClientResponse response = http.send(request);
        if (!is_retryable_status(response.status) || !retry.wait()) return response;
      } catch (const Error& error) {
        if (error.code() != ErrorCode::unavailable || !retry.wait()) {
          throw Error(error.code(), std::string(error.what()) + " (the Hub at " + options.endpoint +
                                        " could not be reached; check the network or HF_ENDPOINT)");
        }
      }
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

  // Downloads into blobs/<etag>.incomplete (the caller holds the blob's lock), continuing after the
  // bytes an interrupted run (ours or huggingface_hub's) left there, and renames it into place once
  // size and hash match. Progress is kept when the Hub stays unreachable past the retry window;
  // a partial file that turns out wrong is discarded and the file downloaded once more from the start.
  void download_to(const fs::path& blob, const RepoId& repo, const std::string& commit, const RepoFile& file,
                   Progress* progress) {
    fs::path partial = cache.incomplete_path(repo, file.etag());
    std::string what = repo.name + "/" + file.path;
    try {
      VerifyingWriter writer(partial, file.etag(), file.size);
      if (writer.resumed() > 0) {
        GH_LOG(info) << "resuming " << what << " after the " << writer.resumed() << " bytes in " << partial.string();
      }
      if (progress) progress->add(int64_t(writer.resumed()));
      while (true) {
        receive(writer, repo, commit, file, progress);
        try {
          writer.finish(what);
          break;
        } catch (const Error& error) {
          if (error.code() != ErrorCode::data_loss || writer.resumed() == 0) throw;
          GH_LOG(warn) << "the partial file of " << what << " did not verify (" << error.what()
                       << "); downloading it again from the start";
          if (progress) progress->add(-int64_t(file.size));
          writer.restart();
        }
      }
      fs::permissions(partial, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                   fs::perms::others_read);
      fs::rename(partial, blob);
    } catch (const Error& error) {
      // Wrong bytes and a full disk leave nothing behind; anything else (the Hub unreachable, an
      // error status) keeps the partial file for the next run to continue.
      if (error.code() == ErrorCode::data_loss || error.code() == ErrorCode::resource_exhausted) {
        std::error_code ignored;
        fs::remove(partial, ignored);
      }
      throw;
    }
  }

  // Receives the rest of the file after writer.written(), asking for it with Range and retrying
  // while the retry window lasts since bytes last arrived.
  void receive(VerifyingWriter& writer, const RepoId& repo, const std::string& commit, const RepoFile& file,
               Progress* progress) {
    RetryWindow retry(options.retry_window);
    while (writer.written() < file.size || file.size == 0) {
      http::ClientRequest request;
      request.url = resolve_url(repo, commit, file.path);
      authorize(request);
      request.follow_redirects = true;
      uint64_t before = writer.written();
      if (before > 0) request.headers.emplace_back("range", "bytes=" + std::to_string(before) + "-");
      try {
        http::ClientResponse response = http.download(
            request,
            [&](const http::ClientResponse& head) {
              if (head.status >= 400) return false;  // no body to keep: the status is raised below
              if (head.status == 200 && before > 0) {  // the server ignored Range: start over
                writer.restart();
                if (progress) progress->add(-int64_t(before));
              }
              if (head.status == 206) {
                const std::string* value = head.header("content-range");
                std::optional<http::ContentRange> range = value ? http::parse_content_range(*value) : std::nullopt;
                if (!range || range->unsatisfied || range->first != before) {
                  throw Error(ErrorCode::data_loss, "the server answered the request for " + repo.name + "/" + file.path +
                                                        " from byte " + std::to_string(before) +
                                                        " with another range: " + (value ? quoted_for_message(*value) : "none"));
                }
              }
              return true;
            },
            [&](std::string_view chunk) {
              writer.write(chunk);
              if (progress) progress->add(int64_t(chunk.size()));
            });
        raise_for_hub_status(response, {repo, commit, file.path});
        return;
      } catch (const Error& error) {
        if (error.code() != ErrorCode::unavailable) throw;
        if (writer.written() > before) retry.progressed();
        if (!retry.wait()) {
          throw Error(ErrorCode::unavailable, std::string(error.what()) + " (gave up on " + repo.name + "/" + file.path +
                                                  " after " + std::to_string(writer.written()) + " of " +
                                                  std::to_string(file.size) + " bytes; they are kept and the next run "
                                                  "continues from there)");
        }
        GH_LOG(warn) << "download of " << repo.name << "/" << file.path << " interrupted after " << writer.written()
                     << " bytes (" << error.what() << "); resuming";
      }
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
  bj::value info = impl_->get_json(impl_->api_url(repo, "/revision/" + http::percent_encode(revision, false)), {repo, revision, ""});
  const bj::object& object = json::as_object(info, json::JsonPath("repo info"));
  std::string commit(json::as_string(json::require(object, "sha", json::JsonPath("repo info")), json::JsonPath("repo info") / "sha"));
  if (!is_commit_hash(commit)) {
    throw Error(ErrorCode::data_loss, "the Hub at " + options_.endpoint + " gave an invalid commit id (\"sha\") " +
                                          quoted_for_message(commit) + " for " + repo.name + " (expected 40 hex digits)");
  }
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
  if (!commit_header || !etag_header || !size_header) {
    throw Error(ErrorCode::data_loss, "the server at " + options_.endpoint + " did not send X-Repo-Commit, ETag and a size "
                                      "for " + repo.name + "/" + file_path + "; is HF_ENDPOINT a Hugging Face Hub?");
  }
  auto invalid_header = [&](std::string_view name, const std::string& value, std::string_view expected) {
    return Error(ErrorCode::data_loss, "the server at " + options_.endpoint + " sent an invalid " + std::string(name) +
                                           " header " + quoted_for_message(value) + " for " + repo.name + "/" + file_path +
                                           " (expected " + std::string(expected) + "); is HF_ENDPOINT a Hugging Face Hub?");
  };
  if (!is_commit_hash(*commit_header)) throw invalid_header("X-Repo-Commit", *commit_header, "a 40-hex commit id");
  const char* size_name = response.header("x-linked-size") ? "X-Linked-Size" : "Content-Length";
  std::optional<uint64_t> size = parse_decimal(*size_header);
  if (!size) throw invalid_header(size_name, *size_header, "a byte count");
  std::string etag = normalize_etag(*etag_header);
  if (!is_valid_etag(etag)) {
    throw invalid_header(response.header("x-linked-etag") ? "X-Linked-Etag" : "ETag", *etag_header, "a blob hash");
  }
  RepoFile file;
  file.path = file_path;
  file.size = *size;
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
