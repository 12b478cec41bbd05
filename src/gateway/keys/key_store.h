// The gateway's virtual keys (LiteLLM's /key/* model): who may call which models, within which
// budget and rate limits, and what each key spent per model. Keys are "sk-" and 256 random bits,
// shown once when generated; only their SHA-256 is stored. Every key lives in memory, so admitting
// a request touches no disk: the SQLite file (KeyDatabase) is written at once for administrative
// changes, and for usage by a background thread every flush_interval (and at destruction), from an
// accumulator holding at most max_pending (key, model) totals; past that, record_usage writes them
// itself. Rate windows (requests and tokens per clock minute) and parallel counts live in memory
// only. Thread-safe: one mutex guards the keys (held for short steps), another the database.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/secret_string.h"
#include "gateway/keys/key_record.h"

namespace gatehouse::gateway {

class KeyDatabase;

// A request admitted by KeyStore::admit, to be passed back to release() and record_usage().
struct KeyGrant {
  std::string token_hash;
};

struct KeyStoreOptions {
  std::function<TimePoint()> clock = [] { return WallClock::now(); };
  std::chrono::milliseconds flush_interval{1000};
  size_t max_pending = 10000;
};

struct GeneratedKey {
  SecretString key;  // shown to the caller once, then gone
  KeyRecord record;
};

struct KeyInfo {
  KeyRecord record;
  std::vector<ModelUsageRow> model_usage;
};

class KeyStore {
 public:
  // Opens or creates the database file and loads every key. Throws Error naming the file.
  explicit KeyStore(const std::string& database_path, KeyStoreOptions options = {});
  // Stops the flusher and writes what it still held.
  ~KeyStore();
  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;

  // The token_hash of a key: SHA-256, hex.
  static std::string hash_key(std::string_view key);

  // Admits one request of `model_name` for `key`. Throws UpstreamError: 401 for an unknown or
  // expired key, or a model outside its allow-list; 400 once its budget is spent (LiteLLM's
  // BudgetExceededError); 429 with Retry-After past its rpm, tpm or parallel limit. Counts the
  // request toward rpm and (until release()) the parallel limit.
  KeyGrant admit(const SecretString& key, std::string_view model_name);
  // The model names `key` may call (empty: all). Throws UpstreamError(401), as admit does, for an
  // unknown or expired key.
  std::vector<std::string> allowed_models(const SecretString& key);
  // The admitted request ended (whatever its outcome).
  void release(const KeyGrant& grant);
  // Adds a finished request's tokens (to the minute's tpm count and the totals) and its cost (to
  // the key's spend and the model's).
  void record_usage(const KeyGrant& grant, std::string_view model_name, int64_t prompt_tokens,
                    int64_t completion_tokens, double cost);

  // Administration (KeyApi). Invalid settings throw InvalidParameter naming the field; an
  // unknown key throws Error(not_found).
  GeneratedKey generate(const KeySettings& settings);
  KeyRecord update(const std::string& token_hash, const KeySettings& settings);
  // Deletes the keys, all or (throwing not_found, saying which position) none.
  void remove(const std::vector<std::string>& token_hashes);
  // The key and its per-model usage as of now (the accumulator is written first).
  std::optional<KeyInfo> info(const std::string& token_hash);
  std::optional<std::string> token_hash_for_alias(std::string_view alias);

  // Writes the accumulated usage now.
  void flush();

 private:
  struct RateWindow {
    int64_t minute = -1;  // minutes since the epoch
    int64_t requests = 0;
    int64_t tokens = 0;
  };
  struct LiveKey {
    KeyRecord record;
    RateWindow window;
    int64_t in_flight = 0;
  };

  LiveKey* find_locked(const std::string& token_hash);
  // The key, or UpstreamError(401) when it is unknown or expired.
  LiveKey& valid_locked(const std::string& token_hash, TimePoint now);
  void apply_locked(KeyRecord& record, const KeySettings& settings, TimePoint now);
  void reset_budget_locked(LiveKey& key, TimePoint now);
  void check_limits_locked(LiveKey& key, std::string_view model_name, TimePoint now);
  void flush_locked_database();
  void run_flusher();

  KeyStoreOptions options_;
  std::mutex database_mutex_;  // taken before mutex_ when both are needed
  std::unique_ptr<KeyDatabase> database_;

  std::mutex mutex_;
  std::unordered_map<std::string, LiveKey> keys_;
  std::map<std::pair<std::string, std::string>, ModelUsage> pending_;  // (token_hash, model)
  std::unordered_set<std::string> dirty_spend_;                        // token hashes
  bool stopping_ = false;
  std::condition_variable wake_;
  std::thread flusher_;
};

}  // namespace gatehouse::gateway
