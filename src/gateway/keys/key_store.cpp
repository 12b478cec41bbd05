#include "gateway/keys/key_store.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "base/error.h"
#include "base/hash.h"
#include "base/log.h"
#include "gateway/keys/key_database.h"
#include "gateway/upstream_error.h"

namespace gatehouse::gateway {
namespace {

constexpr size_t kKeyBytes = 32;

std::string random_key() {
  unsigned char bytes[kKeyBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw Error(ErrorCode::internal, "no random bytes for a new key");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "sk-";
  for (unsigned char byte : bytes) {
    key += kHex[byte >> 4];
    key += kHex[byte & 0xf];
  }
  return key;
}

// How people name a key in messages: its alias, or "sk-...abcd".
const std::string& display_name(const KeyRecord& record) {
  return record.key_alias ? *record.key_alias : record.key_name;
}

std::string format_number(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "'" : ", '") + name + "'";
  return "[" + text + "]";
}

int64_t minute_of(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::minutes>(time.time_since_epoch()).count();
}

// Seconds left in the clock minute of `time`, at least 1.
std::chrono::seconds rest_of_minute(TimePoint time) {
  auto into = time.time_since_epoch() - std::chrono::duration_cast<std::chrono::minutes>(time.time_since_epoch());
  auto left = std::chrono::ceil<std::chrono::seconds>(std::chrono::minutes(1) - into);
  return std::max(left, std::chrono::seconds(1));
}

void require_non_negative(const std::optional<int64_t>& value, const std::string& field) {
  if (value && *value < 0) throw InvalidParameter(field, field + " must be 0 or more");
}

void require_amount(const std::optional<double>& value, const std::string& field) {
  if (value && !(std::isfinite(*value) && *value >= 0)) throw InvalidParameter(field, field + " must be 0 or more");
}

}  // namespace

KeyStore::KeyStore(const std::string& database_path, KeyStoreOptions options)
    : options_(std::move(options)), database_(std::make_unique<KeyDatabase>(database_path)) {
  for (auto& record : database_->load_keys()) {
    std::string token_hash = record.token_hash;
    keys_.emplace(std::move(token_hash), LiveKey{std::move(record), {}, 0});
  }
  flusher_ = std::thread([this] { run_flusher(); });
}

KeyStore::~KeyStore() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  flusher_.join();
  try {
    flush();
  } catch (const std::exception& error) {
    GH_LOG(error) << "the gateway's key usage could not be written at exit: " << error.what();
  }
}

std::string KeyStore::hash_key(std::string_view key) {
  // A key carries 256 random bits, so no guess can find it from its hash: a fast unsalted
  // SHA-256 is enough (a slow salted hash only protects low-entropy secrets such as passwords),
  // and it lets a request find its key by one map lookup.
  return sha256_hex(key);
}

KeyStore::LiveKey* KeyStore::find_locked(const std::string& token_hash) {
  auto found = keys_.find(token_hash);
  return found == keys_.end() ? nullptr : &found->second;
}

KeyGrant KeyStore::admit(const SecretString& key, std::string_view model_name) {
  std::string token_hash = hash_key(key.reveal());
  TimePoint now = options_.clock();
  std::lock_guard lock(mutex_);
  LiveKey& live = valid_locked(token_hash, now);
  check_limits_locked(live, model_name, now);
  ++live.window.requests;
  ++live.in_flight;
  return KeyGrant{std::move(token_hash)};
}

std::vector<std::string> KeyStore::allowed_models(const SecretString& key) {
  const std::string token_hash = hash_key(key.reveal());
  const TimePoint now = options_.clock();
  std::lock_guard lock(mutex_);
  return valid_locked(token_hash, now).record.models;
}

KeyStore::LiveKey& KeyStore::valid_locked(const std::string& token_hash, TimePoint now) {
  LiveKey* live = find_locked(token_hash);
  if (!live) {
    throw UpstreamError(401, "Authentication Error: the virtual key is not valid. Check the key, or ask the "
                             "gateway's administrator for one (POST /key/generate).");
  }
  const KeyRecord& record = live->record;
  if (record.expires && now >= *record.expires) {
    throw UpstreamError(401, "Authentication Error - Expired Key. Key " + display_name(record) + " expired at " +
                                 format_time(*record.expires) + " (now " + format_time(now) +
                                 "); ask the gateway's administrator to extend it (POST /key/update).");
  }
  return *live;
}

void KeyStore::check_limits_locked(LiveKey& live, std::string_view model_name, TimePoint now) {
  const KeyRecord& record = live.record;
  if (!record.models.empty() &&
      std::find(record.models.begin(), record.models.end(), model_name) == record.models.end()) {
    throw UpstreamError(401, "key not allowed to access model. This key can only access models=" +
                                 join(record.models) + ". Tried to access " + std::string(model_name));
  }
  reset_budget_locked(live, now);
  if (record.max_budget && record.spend >= *record.max_budget) {
    std::string message = "Budget has been exceeded! Current cost: " + format_number(record.spend) +
                          ", Max budget: " + format_number(*record.max_budget) + " (key " + display_name(record) + ")";
    if (record.budget_reset_at) message += "; it resets at " + format_time(*record.budget_reset_at);
    throw UpstreamError(400, message);
  }
  int64_t minute = minute_of(now);
  if (live.window.minute != minute) live.window = RateWindow{minute, 0, 0};
  auto over = [&](std::string_view what, int64_t limit, std::string_view unit, std::chrono::seconds retry_after) {
    throw UpstreamError(429,
                        "Rate limit exceeded for key " + display_name(record) + ": " + std::string(what) + " " +
                            std::to_string(limit) + " " + std::string(unit) + ". Retry after " +
                            std::to_string(retry_after.count()) + " s.",
                        retry_after);
  };
  if (record.rpm_limit && live.window.requests >= *record.rpm_limit) {
    over("rpm_limit", *record.rpm_limit, "requests per minute", rest_of_minute(now));
  }
  if (record.tpm_limit && live.window.tokens >= *record.tpm_limit) {
    over("tpm_limit", *record.tpm_limit, "tokens per minute", rest_of_minute(now));
  }
  if (record.max_parallel_requests && live.in_flight >= *record.max_parallel_requests) {
    over("Max parallel request limit reached, max_parallel_requests", *record.max_parallel_requests,
         "requests at once", std::chrono::seconds(1));
  }
}

void KeyStore::reset_budget_locked(LiveKey& live, TimePoint now) {
  KeyRecord& record = live.record;
  if (!record.budget_duration || !record.budget_reset_at || now < *record.budget_reset_at) return;
  record.spend = 0;
  record.budget_reset_at = now + parse_duration(*record.budget_duration, "budget_duration");
  dirty_spend_.insert(record.token_hash);
}

void KeyStore::release(const KeyGrant& grant) {
  std::lock_guard lock(mutex_);
  if (LiveKey* live = find_locked(grant.token_hash); live && live->in_flight > 0) --live->in_flight;
}

void KeyStore::record_usage(const KeyGrant& grant, std::string_view model_name, int64_t prompt_tokens,
                            int64_t completion_tokens, double cost) {
  // Upstream counts are outside input: nonsense adds nothing rather than lowering a total.
  prompt_tokens = std::max<int64_t>(prompt_tokens, 0);
  completion_tokens = std::max<int64_t>(completion_tokens, 0);
  if (!std::isfinite(cost) || cost < 0) cost = 0;
  TimePoint now = options_.clock();
  bool full = false;
  {
    std::lock_guard lock(mutex_);
    LiveKey* live = find_locked(grant.token_hash);
    if (!live) return;  // deleted while the request ran
    int64_t minute = minute_of(now);
    if (live->window.minute != minute) live->window = RateWindow{minute, 0, 0};
    live->window.tokens += prompt_tokens + completion_tokens;
    live->record.spend += cost;
    dirty_spend_.insert(grant.token_hash);
    ModelUsage& usage = pending_[{grant.token_hash, std::string(model_name)}];
    usage.spend += cost;
    usage.prompt_tokens += prompt_tokens;
    usage.completion_tokens += completion_tokens;
    ++usage.requests;
    full = pending_.size() >= options_.max_pending;
  }
  if (full) flush();
}

void KeyStore::apply_locked(KeyRecord& record, const KeySettings& settings, TimePoint now) {
  if (settings.key_alias) {
    const auto& alias = *settings.key_alias;
    if (alias && alias->empty()) throw InvalidParameter("key_alias", "key_alias must not be empty");
    if (alias) {
      for (const auto& [token_hash, other] : keys_) {
        if (token_hash != record.token_hash && other.record.key_alias == alias) {
          throw InvalidParameter("key_alias", "key_alias '" + *alias + "' is used by another key; choose another");
        }
      }
    }
    record.key_alias = alias;
  }
  if (settings.models) {
    for (const auto& model : *settings.models) {
      if (model.empty()) throw InvalidParameter("models", "models must not contain an empty name");
    }
    record.models = *settings.models;
  }
  if (settings.max_budget) {
    require_amount(*settings.max_budget, "max_budget");
    record.max_budget = *settings.max_budget;
  }
  if (settings.budget_duration) {
    record.budget_duration = *settings.budget_duration;
    record.budget_reset_at.reset();
    if (record.budget_duration) {
      record.budget_reset_at = now + parse_duration(*record.budget_duration, "budget_duration");
    }
  }
  if (settings.duration) {
    record.expires.reset();
    if (*settings.duration) record.expires = now + parse_duration(**settings.duration, "duration");
  }
  for (auto [change, field, name] : {std::tuple{&settings.rpm_limit, &record.rpm_limit, "rpm_limit"},
                                     std::tuple{&settings.tpm_limit, &record.tpm_limit, "tpm_limit"},
                                     std::tuple{&settings.max_parallel_requests, &record.max_parallel_requests,
                                                "max_parallel_requests"}}) {
    if (!*change) continue;
    require_non_negative(**change, name);
    *field = **change;
  }
  if (settings.metadata) record.metadata = *settings.metadata;
  if (settings.spend) {
    require_amount(settings.spend, "spend");
    record.spend = *settings.spend;
  }
}

GeneratedKey KeyStore::generate(const KeySettings& settings) {
  std::string key = random_key();
  KeyRecord record;
  record.token_hash = hash_key(key);
  record.key_name = "sk-..." + key.substr(key.size() - 4);
  record.created_at = options_.clock();
  std::lock_guard database_lock(database_mutex_);
  std::lock_guard lock(mutex_);
  apply_locked(record, settings, record.created_at);
  database_->save_key(record);
  keys_.emplace(record.token_hash, LiveKey{record, {}, 0});
  return GeneratedKey{SecretString(std::move(key)), std::move(record)};
}

KeyRecord KeyStore::update(const std::string& token_hash, const KeySettings& settings) {
  std::lock_guard database_lock(database_mutex_);
  std::lock_guard lock(mutex_);
  LiveKey* live = find_locked(token_hash);
  if (!live) throw Error(ErrorCode::not_found, "no such key; list your keys with GET /key/info");
  KeyRecord record = live->record;
  apply_locked(record, settings, options_.clock());
  database_->save_key(record);
  live->record = record;
  return record;
}

void KeyStore::remove(const std::vector<std::string>& token_hashes) {
  std::lock_guard database_lock(database_mutex_);
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < token_hashes.size(); ++i) {
    if (!keys_.contains(token_hashes[i])) {
      throw Error(ErrorCode::not_found, "keys[" + std::to_string(i) + "]: no such key; nothing was deleted");
    }
  }
  database_->delete_keys(token_hashes);
  for (const auto& token_hash : token_hashes) {
    keys_.erase(token_hash);
    dirty_spend_.erase(token_hash);
    std::erase_if(pending_, [&](const auto& entry) { return entry.first.first == token_hash; });
  }
}

std::optional<KeyInfo> KeyStore::info(const std::string& token_hash) {
  std::lock_guard database_lock(database_mutex_);
  flush_locked_database();
  KeyInfo info;
  {
    std::lock_guard lock(mutex_);
    LiveKey* live = find_locked(token_hash);
    if (!live) return std::nullopt;
    reset_budget_locked(*live, options_.clock());
    info.record = live->record;
  }
  info.model_usage = database_->model_usage(token_hash);
  return info;
}

std::optional<std::string> KeyStore::token_hash_for_alias(std::string_view alias) {
  std::lock_guard lock(mutex_);
  for (const auto& [token_hash, live] : keys_) {
    if (live.record.key_alias == alias) return token_hash;
  }
  return std::nullopt;
}

void KeyStore::flush() {
  std::lock_guard database_lock(database_mutex_);
  flush_locked_database();
}

void KeyStore::flush_locked_database() {
  std::vector<KeySpend> spends;
  std::vector<PendingUsage> usage;
  {
    std::lock_guard lock(mutex_);
    for (const auto& token_hash : dirty_spend_) {
      if (const LiveKey* live = find_locked(token_hash)) {
        spends.push_back({token_hash, live->record.spend, live->record.budget_reset_at});
      }
    }
    for (auto& [key, totals] : pending_) usage.push_back({key.first, key.second, totals});
    dirty_spend_.clear();
    pending_.clear();
  }
  if (spends.empty() && usage.empty()) return;
  try {
    database_->write_usage(spends, usage);
  } catch (...) {
    // Nothing is lost: the batch goes back, to be written by the next flush.
    std::lock_guard lock(mutex_);
    for (const auto& spend : spends) dirty_spend_.insert(spend.token_hash);
    for (const auto& pending : usage) {
      if (!keys_.contains(pending.token_hash)) continue;
      ModelUsage& totals = pending_[{pending.token_hash, pending.model}];
      totals.spend += pending.usage.spend;
      totals.prompt_tokens += pending.usage.prompt_tokens;
      totals.completion_tokens += pending.usage.completion_tokens;
      totals.requests += pending.usage.requests;
    }
    throw;
  }
}

void KeyStore::run_flusher() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.flush_interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    try {
      flush();
    } catch (const std::exception& error) {
      GH_LOG(warn) << "the gateway's key usage could not be written (kept for the next try): " << error.what();
    }
    lock.lock();
  }
}

}  // namespace gatehouse::gateway
