// What the gateway knows of a virtual key (LiteLLM's fields), the changes an administrator may
// ask for, and the usage recorded per model. Plain values; the KeyStore owns the live copies.
// The key itself is never part of a record: only its SHA-256 (token_hash) is kept.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::gateway {

using WallClock = std::chrono::system_clock;
using TimePoint = WallClock::time_point;

struct KeyRecord {
  std::string token_hash;  // SHA-256 of the key, hex
  std::string key_name;    // "sk-...abcd" (the key's last four characters), for people
  std::optional<std::string> key_alias;
  std::vector<std::string> models;  // the model names it may call; empty: all
  std::optional<double> max_budget;  // USD, compared with `spend`
  std::optional<std::string> budget_duration;  // "30d": spend goes back to 0 every period
  std::optional<TimePoint> budget_reset_at;
  std::optional<TimePoint> expires;
  std::optional<int64_t> rpm_limit;
  std::optional<int64_t> tpm_limit;
  std::optional<int64_t> max_parallel_requests;
  std::string metadata = "{}";  // a JSON object's text
  double spend = 0;             // USD in the current budget period
  TimePoint created_at;
};

// What one key spent on one model, in total (not reset by budget_duration).
struct ModelUsage {
  double spend = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t requests = 0;
};

struct ModelUsageRow {
  std::string model;
  ModelUsage usage;
};

// A change to a key's settings. For each field, absent (outer nullopt) keeps the current value;
// for the optional ones, an inner nullopt (JSON null) clears it.
template <typename T>
using Change = std::optional<std::optional<T>>;

struct KeySettings {
  Change<std::string> key_alias;
  std::optional<std::vector<std::string>> models;
  Change<double> max_budget;
  Change<std::string> budget_duration;
  Change<std::string> duration;  // the key expires this long after the change ("30d"); null: never
  Change<int64_t> rpm_limit;
  Change<int64_t> tpm_limit;
  Change<int64_t> max_parallel_requests;
  std::optional<std::string> metadata;  // a JSON object's text
  std::optional<double> spend;
};

// "30s", "30m", "1h", "1d", "2w" (LiteLLM's duration strings, without calendar months) as a
// length. Throws InvalidParameter naming `field` for anything else, or a zero or huge length.
std::chrono::seconds parse_duration(std::string_view text, const std::string& field);

// "2026-12-07T04:35:59Z"
std::string format_time(TimePoint time);

}  // namespace gatehouse::gateway
