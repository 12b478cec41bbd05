#include "gateway/keys/key_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "base/hash.h"
#include "base/sqlite.h"
#include "gateway/upstream_error.h"
#include "keys_testing.h"

namespace gatehouse::gateway {
namespace {

using namespace std::chrono_literals;
using testing::ManualClock;
using testing::TempDir;

// The error admit() throws; fails the test when it admits instead.
UpstreamError refusal(KeyStore& store, const SecretString& key, std::string_view model) {
  try {
    store.admit(key, model);
  } catch (const UpstreamError& error) {
    return error;
  }
  ADD_FAILURE() << "admitted a request that should have been refused";
  return UpstreamError(500, "admitted");
}

std::string all_bytes_under(const std::filesystem::path& directory) {
  std::string bytes;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    std::ifstream file(entry.path(), std::ios::binary);
    bytes += std::string(std::istreambuf_iterator<char>(file), {});
  }
  return bytes;
}

KeySettings with_limits(std::optional<int64_t> rpm, std::optional<int64_t> tpm, std::optional<int64_t> parallel) {
  KeySettings settings;
  if (rpm) settings.rpm_limit = rpm;
  if (tpm) settings.tpm_limit = tpm;
  if (parallel) settings.max_parallel_requests = parallel;
  return settings;
}

TEST(KeyStore, GeneratesAKeyOnceAndStoresOnlyItsHash) {
  TempDir dir;
  std::string key;
  std::string token_hash;
  {
    KeyStore store(dir.file("keys.db"));
    GeneratedKey generated = store.generate({});
    key = generated.key.reveal();
    token_hash = generated.record.token_hash;
    EXPECT_TRUE(key.starts_with("sk-"));
    EXPECT_EQ(key.size(), 3u + 64u);  // 256 random bits, hex
    EXPECT_EQ(token_hash, sha256_hex(key));
    EXPECT_EQ(generated.record.key_name, "sk-..." + key.substr(key.size() - 4));
    EXPECT_NE(store.generate({}).key.reveal(), key);
    store.admit(generated.key, "any-model");
  }
  std::string stored = all_bytes_under(dir.path());
  EXPECT_EQ(stored.find(key), std::string::npos);
  EXPECT_EQ(stored.find(key.substr(3)), std::string::npos);
  EXPECT_NE(stored.find(token_hash), std::string::npos);
}

TEST(KeyStore, RefusesAnUnknownKeyWith401) {
  TempDir dir;
  KeyStore store(dir.file("keys.db"));
  store.generate({});
  UpstreamError error = refusal(store, SecretString("sk-0000"), "m");
  EXPECT_EQ(error.status(), 401);
  EXPECT_EQ(std::string(error.what()).find("sk-0000"), std::string::npos);
}

TEST(KeyStore, AllowListNamesTheModelsAKeyMayCall) {
  TempDir dir;
  KeyStore store(dir.file("keys.db"));
  KeySettings settings;
  settings.models = std::vector<std::string>{"small", "large"};
  GeneratedKey limited = store.generate(settings);
  GeneratedKey open = store.generate({});
  store.release(store.admit(limited.key, "small"));
  UpstreamError error = refusal(store, limited.key, "other");
  EXPECT_EQ(error.status(), 401);
  EXPECT_EQ(std::string(error.what()),
            "key not allowed to access model. This key can only access models=['small', 'large']. "
            "Tried to access other");
  store.release(store.admit(open.key, "other"));
  EXPECT_EQ(store.allowed_models(limited.key), (std::vector<std::string>{"small", "large"}));
  EXPECT_TRUE(store.allowed_models(open.key).empty());  // all
  EXPECT_THROW(store.allowed_models(SecretString("sk-0000")), UpstreamError);
}

TEST(KeyStore, AnExpiredKeyIsRefused) {
  TempDir dir;
  ManualClock clock;
  KeyStore store(dir.file("keys.db"), clock.options());
  KeySettings settings;
  settings.duration = std::optional<std::string>("1h");
  GeneratedKey generated = store.generate(settings);
  ASSERT_TRUE(generated.record.expires);
  EXPECT_EQ(*generated.record.expires, clock.now() + 1h);
  clock.advance(59min);
  store.release(store.admit(generated.key, "m"));
  clock.advance(1min);
  UpstreamError error = refusal(store, generated.key, "m");
  EXPECT_EQ(error.status(), 401);
  EXPECT_NE(std::string(error.what()).find("Expired Key"), std::string::npos);
  EXPECT_THROW(store.allowed_models(generated.key), UpstreamError);

  // Extending it (duration counts from the update) lets it in again.
  KeySettings extend;
  extend.duration = std::optional<std::string>("1d");
  store.update(generated.record.token_hash, extend);
  store.release(store.admit(generated.key, "m"));
}

TEST(KeyStore, BudgetIsEnforcedAndResetsEachPeriod) {
  TempDir dir;
  ManualClock clock;
  KeyStore store(dir.file("keys.db"), clock.options());
  KeySettings settings;
  settings.max_budget = std::optional<double>(1.0);
  settings.budget_duration = std::optional<std::string>("1d");
  GeneratedKey generated = store.generate(settings);
  KeyGrant grant = store.admit(generated.key, "m");
  store.record_usage(grant, "m", 100, 100, 0.6);
  store.release(grant);
  grant = store.admit(generated.key, "m");  // 0.6 < 1.0: still admitted
  store.record_usage(grant, "m", 100, 100, 0.6);
  store.release(grant);
  UpstreamError error = refusal(store, generated.key, "m");
  EXPECT_EQ(error.status(), 400);
  EXPECT_TRUE(std::string(error.what()).starts_with("Budget has been exceeded! Current cost: 1.2, Max budget: 1"))
      << error.what();

  clock.advance(24h);
  store.release(store.admit(generated.key, "m"));
  auto info = store.info(generated.record.token_hash);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->record.spend, 0);
  EXPECT_EQ(*info->record.budget_reset_at, clock.now() + 24h);
  // The per-model totals are not reset with the budget.
  ASSERT_EQ(info->model_usage.size(), 1u);
  EXPECT_DOUBLE_EQ(info->model_usage[0].usage.spend, 1.2);
}

TEST(KeyStore, RpmLimitRefusesWithRetryAfterUntilTheNextMinute) {
  TempDir dir;
  ManualClock clock;
  KeyStore store(dir.file("keys.db"), clock.options());
  GeneratedKey generated = store.generate(with_limits(2, std::nullopt, std::nullopt));
  clock.advance(15s);
  store.release(store.admit(generated.key, "m"));
  store.release(store.admit(generated.key, "m"));
  UpstreamError error = refusal(store, generated.key, "m");
  EXPECT_EQ(error.status(), 429);
  EXPECT_EQ(error.type(), "RateLimitError");
  ASSERT_TRUE(error.retry_after());
  EXPECT_EQ(*error.retry_after(), 45s);
  EXPECT_NE(std::string(error.what()).find("rpm_limit 2 requests per minute"), std::string::npos) << error.what();
  clock.advance(45s);
  store.release(store.admit(generated.key, "m"));
}

TEST(KeyStore, TpmLimitCountsRecordedTokens) {
  TempDir dir;
  ManualClock clock;
  KeyStore store(dir.file("keys.db"), clock.options());
  GeneratedKey generated = store.generate(with_limits(std::nullopt, 100, std::nullopt));
  KeyGrant grant = store.admit(generated.key, "m");
  store.record_usage(grant, "m", 60, 39, 0);
  store.release(grant);
  grant = store.admit(generated.key, "m");  // 99 < 100
  store.record_usage(grant, "m", 1, 0, 0);
  store.release(grant);
  UpstreamError error = refusal(store, generated.key, "m");
  EXPECT_EQ(error.status(), 429);
  EXPECT_NE(std::string(error.what()).find("tpm_limit"), std::string::npos);
  clock.advance(1min);
  store.release(store.admit(generated.key, "m"));
}

TEST(KeyStore, ParallelLimitCountsUntilRelease) {
  TempDir dir;
  KeyStore store(dir.file("keys.db"));
  GeneratedKey generated = store.generate(with_limits(std::nullopt, std::nullopt, 2));
  KeyGrant first = store.admit(generated.key, "m");
  KeyGrant second = store.admit(generated.key, "m");
  UpstreamError error = refusal(store, generated.key, "m");
  EXPECT_EQ(error.status(), 429);
  EXPECT_EQ(*error.retry_after(), 1s);
  EXPECT_NE(std::string(error.what()).find("Max parallel request limit reached"), std::string::npos);
  store.release(first);
  KeyGrant third = store.admit(generated.key, "m");
  store.release(second);
  store.release(third);
}

TEST(KeyStore, RecordsSpendAndTokensPerKeyAndModel) {
  TempDir dir;
  KeyStore store(dir.file("keys.db"));
  GeneratedKey a = store.generate({});
  GeneratedKey b = store.generate({});
  for (int i = 0; i < 3; ++i) {
    KeyGrant grant = store.admit(a.key, "small");
    store.record_usage(grant, "small", 10, 5, 0.25);
    store.release(grant);
  }
  KeyGrant grant = store.admit(a.key, "large");
  store.record_usage(grant, "large", 100, 50, 2.0);
  store.release(grant);
  grant = store.admit(b.key, "small");
  store.record_usage(grant, "small", 1, 1, 0.5);
  store.release(grant);

  auto info = store.info(a.record.token_hash);
  ASSERT_TRUE(info);
  EXPECT_DOUBLE_EQ(info->record.spend, 2.75);
  ASSERT_EQ(info->model_usage.size(), 2u);
  EXPECT_EQ(info->model_usage[0].model, "large");
  EXPECT_DOUBLE_EQ(info->model_usage[0].usage.spend, 2.0);
  EXPECT_EQ(info->model_usage[1].model, "small");
  EXPECT_DOUBLE_EQ(info->model_usage[1].usage.spend, 0.75);
  EXPECT_EQ(info->model_usage[1].usage.prompt_tokens, 30);
  EXPECT_EQ(info->model_usage[1].usage.completion_tokens, 15);
  EXPECT_EQ(info->model_usage[1].usage.requests, 3);
  EXPECT_DOUBLE_EQ(store.info(b.record.token_hash)->record.spend, 0.5);
}

int64_t stored_requests(const std::string& path) {
  sqlite::Database db(path);
  auto query = db.query("SELECT COALESCE(SUM(requests), 0) FROM key_model_usage");
  return query.step() ? query.integer(0) : 0;
}

TEST(KeyStore, TheBackgroundFlushWritesUsageWithoutBeingAsked) {
  TempDir dir;
  KeyStoreOptions options;
  options.flush_interval = 20ms;
  KeyStore store(dir.file("keys.db"), options);
  GeneratedKey generated = store.generate({});
  KeyGrant grant = store.admit(generated.key, "m");
  store.record_usage(grant, "m", 1, 1, 0.1);
  store.release(grant);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (stored_requests(dir.file("keys.db")) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(stored_requests(dir.file("keys.db")), 1);
}

TEST(KeyStore, TheAccumulatorIsBoundedAndWritesItselfWhenFull) {
  TempDir dir;
  KeyStoreOptions options;
  options.flush_interval = std::chrono::hours(1);  // only the bound can trigger a write
  options.max_pending = 3;
  KeyStore store(dir.file("keys.db"), options);
  GeneratedKey generated = store.generate({});
  for (int i = 0; i < 3; ++i) {
    KeyGrant grant = store.admit(generated.key, "model-" + std::to_string(i));
    store.record_usage(grant, "model-" + std::to_string(i), 1, 1, 0.1);
    store.release(grant);
  }
  EXPECT_EQ(stored_requests(dir.file("keys.db")), 3);
}

TEST(KeyStore, ARestartKeepsKeysSpendAndUsage) {
  TempDir dir;
  GeneratedKey generated;
  {
    KeyStoreOptions options;
    options.flush_interval = std::chrono::hours(1);  // only the destructor writes
    KeyStore store(dir.file("keys.db"), options);
    KeySettings settings;
    settings.key_alias = std::optional<std::string>("ci");
    settings.models = std::vector<std::string>{"m"};
    settings.rpm_limit = std::optional<int64_t>(10);
    generated = store.generate(settings);
    KeyGrant grant = store.admit(generated.key, "m");
    store.record_usage(grant, "m", 7, 3, 0.125);
    store.release(grant);
  }
  KeyStore store(dir.file("keys.db"));
  store.release(store.admit(generated.key, "m"));
  EXPECT_EQ(refusal(store, generated.key, "n").status(), 401);
  auto info = store.info(generated.record.token_hash);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->record.key_alias, "ci");
  EXPECT_EQ(info->record.rpm_limit, 10);
  EXPECT_DOUBLE_EQ(info->record.spend, 0.125);
  ASSERT_EQ(info->model_usage.size(), 1u);
  EXPECT_EQ(info->model_usage[0].usage.prompt_tokens, 7);
  EXPECT_EQ(info->model_usage[0].usage.completion_tokens, 3);
  EXPECT_EQ(store.token_hash_for_alias("ci"), generated.record.token_hash);
}

TEST(KeyStore, ManyThreadsAdmitAndRecordWithoutLosingUsage) {
  TempDir dir;
  KeyStoreOptions options;
  options.flush_interval = 5ms;
  options.max_pending = 4;
  KeyStore store(dir.file("keys.db"), options);
  std::vector<GeneratedKey> keys;
  for (int i = 0; i < 4; ++i) keys.push_back(store.generate(with_limits(std::nullopt, std::nullopt, 8)));
  constexpr int kThreads = 8;
  constexpr int kRequests = 1000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const GeneratedKey& key = keys[t % keys.size()];
      for (int i = 0; i < kRequests; ++i) {
        std::string model = "model-" + std::to_string(i % 3);
        KeyGrant grant = store.admit(key.key, model);
        store.record_usage(grant, model, 2, 1, 0.001);
        store.release(grant);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  int64_t requests = 0;
  int64_t prompt_tokens = 0;
  double spend = 0;
  for (const auto& key : keys) {
    auto info = store.info(key.record.token_hash);
    spend += info->record.spend;
    for (const auto& row : info->model_usage) {
      requests += row.usage.requests;
      prompt_tokens += row.usage.prompt_tokens;
    }
  }
  EXPECT_EQ(requests, kThreads * kRequests);
  EXPECT_EQ(prompt_tokens, 2 * kThreads * kRequests);
  EXPECT_NEAR(spend, 0.001 * kThreads * kRequests, 1e-6);
  // Every parallel slot came back: 8 at once are admitted again.
  std::vector<KeyGrant> grants;
  for (int i = 0; i < 8; ++i) grants.push_back(store.admit(keys[0].key, "m"));
  for (const auto& grant : grants) store.release(grant);
}

TEST(KeyStore, UpdateChangesSettingsAndDeleteRemovesTheKey) {
  TempDir dir;
  KeyStore store(dir.file("keys.db"));
  KeySettings settings;
  settings.key_alias = std::optional<std::string>("first");
  settings.rpm_limit = std::optional<int64_t>(1);
  GeneratedKey first = store.generate(settings);
  store.release(store.admit(first.key, "m"));
  EXPECT_EQ(refusal(store, first.key, "m").status(), 429);

  KeySettings lift;
  lift.rpm_limit = std::optional<int64_t>();  // null: no limit
  KeyRecord updated = store.update(first.record.token_hash, lift);
  EXPECT_FALSE(updated.rpm_limit);
  EXPECT_EQ(updated.key_alias, "first");
  KeyGrant running = store.admit(first.key, "m");

  // Aliases stay unique.
  KeySettings same_alias;
  same_alias.key_alias = std::optional<std::string>("first");
  try {
    store.generate(same_alias);
    ADD_FAILURE() << "a second key took the alias";
  } catch (const InvalidParameter& error) {
    EXPECT_EQ(error.parameter(), "key_alias");
  }

  // Usage of a request still running when its key goes is dropped, not written back.
  store.remove({first.record.token_hash});
  store.record_usage(running, "m", 1, 1, 1.0);
  store.release(running);
  store.flush();
  EXPECT_EQ(refusal(store, first.key, "m").status(), 401);
  EXPECT_FALSE(store.info(first.record.token_hash));
  EXPECT_EQ(stored_requests(dir.file("keys.db")), 0);
  EXPECT_THROW(store.update(first.record.token_hash, {}), Error);
  EXPECT_THROW(store.remove({first.record.token_hash}), Error);
}

TEST(KeyStore, RefusesBadSettingsNamingTheField) {
  TempDir dir;
  KeyStore store(dir.file("keys.db"));
  auto field_of = [&](const KeySettings& settings) -> std::string {
    try {
      store.generate(settings);
    } catch (const InvalidParameter& error) {
      return error.parameter();
    }
    return "accepted";
  };
  KeySettings settings;
  settings.budget_duration = std::optional<std::string>("1mo");
  EXPECT_EQ(field_of(settings), "budget_duration");
  settings = {};
  settings.duration = std::optional<std::string>("-5d");
  EXPECT_EQ(field_of(settings), "duration");
  settings = {};
  settings.duration = std::optional<std::string>("99999999999d");
  EXPECT_EQ(field_of(settings), "duration");
  settings = {};
  settings.max_budget = std::optional<double>(-1);
  EXPECT_EQ(field_of(settings), "max_budget");
  settings = {};
  settings.rpm_limit = std::optional<int64_t>(-1);
  EXPECT_EQ(field_of(settings), "rpm_limit");
  settings = {};
  settings.key_alias = std::optional<std::string>("");
  EXPECT_EQ(field_of(settings), "key_alias");
  settings = {};
  settings.models = std::vector<std::string>{""};
  EXPECT_EQ(field_of(settings), "models");
  // Nothing half-made was kept.
  EXPECT_FALSE(store.token_hash_for_alias(""));
}

TEST(KeyStore, DurationsReadAsLiteLlmWritesThem) {
  EXPECT_EQ(parse_duration("30s", "d"), 30s);
  EXPECT_EQ(parse_duration("30m", "d"), 30min);
  EXPECT_EQ(parse_duration("1h", "d"), 1h);
  EXPECT_EQ(parse_duration("30d", "d"), 30 * 24h);
  EXPECT_EQ(parse_duration("2w", "d"), 14 * 24h);
  for (std::string_view bad : {"", "d", "0d", "1", "1x", "1.5h", " 1h"}) {
    EXPECT_THROW(parse_duration(bad, "d"), InvalidParameter) << bad;
  }
}

}  // namespace
}  // namespace gatehouse::gateway
