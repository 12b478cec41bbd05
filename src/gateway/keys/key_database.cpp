#include "gateway/keys/key_database.h"

#include <boost/json.hpp>

#include "base/json.h"

namespace gatehouse::gateway {
namespace {

int64_t to_ms(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

TimePoint from_ms(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

std::optional<int64_t> optional_ms(const std::optional<TimePoint>& time) {
  if (!time) return std::nullopt;
  return to_ms(*time);
}

std::optional<TimePoint> optional_time(std::optional<int64_t> ms) {
  if (!ms) return std::nullopt;
  return from_ms(*ms);
}

std::string models_json(const std::vector<std::string>& models) {
  boost::json::array array;
  for (const auto& model : models) array.emplace_back(boost::json::string_view(model));
  return json::serialize(boost::json::value(std::move(array)));
}

std::vector<std::string> models_from_json(const std::string& text, const std::string& path) {
  const json::JsonPath where(path);
  const boost::json::value parsed = json::parse(text, path);
  std::vector<std::string> models;
  for (const auto& model : json::as_array(parsed, where)) {
    models.emplace_back(json::as_string(model, where));
  }
  return models;
}

}  // namespace

KeyDatabase::KeyDatabase(const std::filesystem::path& path) : db_(path) {
  // WAL: readers never wait for the writer; synchronous=NORMAL: a commit survives a crash of the
  // process (not of the machine), which is what the usage batches can promise anyway.
  db_.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
  db_.exec(R"(
    CREATE TABLE IF NOT EXISTS virtual_keys (
      token_hash TEXT PRIMARY KEY,
      key_name TEXT NOT NULL,
      key_alias TEXT UNIQUE,
      models TEXT NOT NULL,
      max_budget REAL,
      budget_duration TEXT,
      budget_reset_at INTEGER,
      expires INTEGER,
      rpm_limit INTEGER,
      tpm_limit INTEGER,
      max_parallel_requests INTEGER,
      metadata TEXT NOT NULL,
      spend REAL NOT NULL,
      created_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS key_model_usage (
      token_hash TEXT NOT NULL,
      model TEXT NOT NULL,
      spend REAL NOT NULL,
      prompt_tokens INTEGER NOT NULL,
      completion_tokens INTEGER NOT NULL,
      requests INTEGER NOT NULL,
      PRIMARY KEY (token_hash, model));
  )");
}

std::vector<KeyRecord> KeyDatabase::load_keys() {
  std::vector<KeyRecord> records;
  auto query = db_.query(
      "SELECT token_hash, key_name, key_alias, models, max_budget, budget_duration, budget_reset_at, expires, "
      "rpm_limit, tpm_limit, max_parallel_requests, metadata, spend, created_at FROM virtual_keys");
  while (query.step()) {
    KeyRecord record;
    record.token_hash = query.text(0);
    record.key_name = query.text(1);
    record.key_alias = query.optional_text(2);
    record.models = models_from_json(query.text(3), "the virtual key " + record.key_name + "'s models");
    record.max_budget = query.optional_real(4);
    record.budget_duration = query.optional_text(5);
    record.budget_reset_at = optional_time(query.optional_integer(6));
    record.expires = optional_time(query.optional_integer(7));
    record.rpm_limit = query.optional_integer(8);
    record.tpm_limit = query.optional_integer(9);
    record.max_parallel_requests = query.optional_integer(10);
    record.metadata = query.text(11);
    record.spend = query.real(12);
    record.created_at = from_ms(query.integer(13));
    records.push_back(std::move(record));
  }
  return records;
}

void KeyDatabase::save_key(const KeyRecord& record) {
  db_.query(
         "INSERT INTO virtual_keys (token_hash, key_name, key_alias, models, max_budget, budget_duration, "
         "budget_reset_at, expires, rpm_limit, tpm_limit, max_parallel_requests, metadata, spend, created_at) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
         "ON CONFLICT (token_hash) DO UPDATE SET key_alias = excluded.key_alias, models = excluded.models, "
         "max_budget = excluded.max_budget, budget_duration = excluded.budget_duration, "
         "budget_reset_at = excluded.budget_reset_at, expires = excluded.expires, rpm_limit = excluded.rpm_limit, "
         "tpm_limit = excluded.tpm_limit, max_parallel_requests = excluded.max_parallel_requests, "
         "metadata = excluded.metadata, spend = excluded.spend")
      .bind(1, record.token_hash)
      .bind(2, record.key_name)
      .bind_optional(3, record.key_alias)
      .bind(4, models_json(record.models))
      .bind_optional_real(5, record.max_budget)
      .bind_optional(6, record.budget_duration)
      .bind_optional(7, optional_ms(record.budget_reset_at))
      .bind_optional(8, optional_ms(record.expires))
      .bind_optional(9, record.rpm_limit)
      .bind_optional(10, record.tpm_limit)
      .bind_optional(11, record.max_parallel_requests)
      .bind(12, record.metadata)
      .bind_real(13, record.spend)
      .bind(14, to_ms(record.created_at))
      .run();
}

void KeyDatabase::delete_keys(const std::vector<std::string>& token_hashes) {
  sqlite::Transaction transaction(db_);
  for (const auto& token_hash : token_hashes) {
    db_.query("DELETE FROM virtual_keys WHERE token_hash = ?").bind(1, token_hash).run();
    db_.query("DELETE FROM key_model_usage WHERE token_hash = ?").bind(1, token_hash).run();
  }
  transaction.commit();
}

std::vector<ModelUsageRow> KeyDatabase::model_usage(const std::string& token_hash) {
  std::vector<ModelUsageRow> rows;
  auto query = db_.query(
      "SELECT model, spend, prompt_tokens, completion_tokens, requests FROM key_model_usage WHERE token_hash = ? "
      "ORDER BY model");
  query.bind(1, token_hash);
  while (query.step()) {
    rows.push_back({query.text(0), {query.real(1), query.integer(2), query.integer(3), query.integer(4)}});
  }
  return rows;
}

void KeyDatabase::write_usage(const std::vector<KeySpend>& spends, const std::vector<PendingUsage>& usage) {
  sqlite::Transaction transaction(db_);
  for (const auto& spend : spends) {
    db_.query("UPDATE virtual_keys SET spend = ?, budget_reset_at = ? WHERE token_hash = ?")
        .bind_real(1, spend.spend)
        .bind_optional(2, optional_ms(spend.budget_reset_at))
        .bind(3, spend.token_hash)
        .run();
  }
  for (const auto& pending : usage) {
    // The WHERE keeps a key deleted since the request from coming back as an orphan row.
    db_.query(
           "INSERT INTO key_model_usage (token_hash, model, spend, prompt_tokens, completion_tokens, requests) "
           "SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM virtual_keys WHERE token_hash = ?1) "
           "ON CONFLICT (token_hash, model) DO UPDATE SET spend = spend + excluded.spend, "
           "prompt_tokens = prompt_tokens + excluded.prompt_tokens, "
           "completion_tokens = completion_tokens + excluded.completion_tokens, "
           "requests = requests + excluded.requests")
        .bind(1, pending.token_hash)
        .bind(2, pending.model)
        .bind_real(3, pending.usage.spend)
        .bind(4, pending.usage.prompt_tokens)
        .bind(5, pending.usage.completion_tokens)
        .bind(6, pending.usage.requests)
        .run();
  }
  transaction.commit();
}

}  // namespace gatehouse::gateway
