#include "control/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <set>
#include <thread>

#include "base/error.h"
#include "base/sqlite.h"
#include "store_fixture.h"

namespace gatehouse::control::testing {
namespace {

TEST_F(StoreTest, FilesArePrivateAndTheSchemaIsVersioned) {
  EXPECT_EQ(mode_of(data_dir()), 0700u);
  store_->apply_secret_operations({operation(SecretAction::create, "s", {{"k", "v"}})});
  for (const char* name : {"gatehouse.db", "gatehouse.db-wal", "gatehouse.db-shm"}) {
    EXPECT_EQ(mode_of(data_dir() / name), 0600u) << name;
  }
  sqlite::Database db(data_dir() / "gatehouse.db");
  EXPECT_EQ(db.pragma_integer("user_version"), 1);
  auto journal = db.query("PRAGMA journal_mode");
  ASSERT_TRUE(journal.step());
  EXPECT_EQ(journal.text(0), "wal");
}

TEST_F(StoreTest, RefusesADatabaseFromANewerVersion) {
  store_.reset();
  sqlite::Database(data_dir() / "gatehouse.db").exec("PRAGMA user_version = 99");
  Error error = error_of([&] { reopen(); });
  EXPECT_EQ(error.code(), ErrorCode::unimplemented);
  EXPECT_NE(std::string(error.what()).find("schema version 99"), std::string::npos) << error.what();
}

TEST_F(StoreTest, AdminIsCreatedOnceWithTheGivenPassword) {
  auto created = store_->ensure_admin(SecretString("correct horse"));
  ASSERT_TRUE(created);
  EXPECT_EQ(created->reveal(), "correct horse");
  EXPECT_FALSE(store_->ensure_admin(SecretString("another")));
  EXPECT_FALSE(store_->ensure_admin(std::nullopt));
  EXPECT_TRUE(store_->check_password("admin", SecretString("correct horse")));
  EXPECT_FALSE(store_->check_password("admin", SecretString("another")));
  EXPECT_FALSE(store_->check_password("admin", SecretString("")));
  EXPECT_FALSE(store_->check_password("nobody", SecretString("correct horse")));
  EXPECT_EQ(database_bytes().find("correct horse"), std::string::npos);
}

TEST_F(StoreTest, AdminGetsAGeneratedPasswordWhenNoneIsGiven) {
  auto generated = store_->ensure_admin(std::nullopt);
  ASSERT_TRUE(generated);
  const std::string& password = generated->reveal();
  EXPECT_EQ(password.size(), 24u);
  EXPECT_TRUE(std::all_of(password.begin(), password.end(), [](char c) { return std::isalnum(c) || c == '-' || c == '_'; }));
  EXPECT_TRUE(store_->check_password("admin", *generated));
  TempDir other("store-empty-password");
  Store fresh(other.path(), Vault::with_key(kKey));
  EXPECT_EQ(error_of([&] { fresh.ensure_admin(SecretString("")); }).code(), ErrorCode::invalid_argument);
}

TEST_F(StoreTest, UnknownUsersCostAsMuchAsKnownOnes) {
  store_->ensure_admin(SecretString("pw"));
  store_->check_password("warm-up", SecretString("pw"));  // computes the dummy hash once
  auto fastest = [&](const std::string& user) {
    auto best = std::chrono::steady_clock::duration::max();
    for (int i = 0; i < 3; ++i) {
      auto start = std::chrono::steady_clock::now();
      store_->check_password(user, SecretString("wrong"));
      best = std::min(best, std::chrono::steady_clock::now() - start);
    }
    return best;
  };
  auto known = fastest("admin");
  auto unknown = fastest("nobody");
  // Same Argon2id work both ways: without the dummy verification an unknown user answers in
  // microseconds, thousands of times faster.
  EXPECT_GT(unknown * 3, known) << "known " << known.count() << " unknown " << unknown.count();
}

TEST_F(StoreTest, TokensAreRandomAndStoredOnlyAsHashes) {
  store_->ensure_admin(SecretString("pw"));
  SecretString token = store_->issue_token("admin");
  EXPECT_EQ(token.reveal().size(), 40u);
  EXPECT_EQ(token.reveal().find_first_not_of("0123456789abcdef"), std::string::npos) << token.reveal();
  EXPECT_NE(store_->issue_token("admin").reveal(), token.reveal());
  EXPECT_EQ(store_->user_for_token(token), "admin");
  EXPECT_FALSE(store_->user_for_token(SecretString(std::string(40, '0'))));
  EXPECT_FALSE(store_->user_for_token(SecretString("")));
  EXPECT_EQ(error_of([&] { store_->issue_token("nobody"); }).code(), ErrorCode::not_found);

  EXPECT_EQ(database_bytes().find(token.reveal()), std::string::npos);
  reopen();
  EXPECT_EQ(database_bytes().find(token.reveal()), std::string::npos);
  EXPECT_EQ(store_->user_for_token(token), "admin");
}

TEST_F(StoreTest, AUserKeepsItsNewestTokens) {
  store_->ensure_admin(SecretString("pw"));
  SecretString first = store_->issue_token("admin");
  SecretString last;
  for (int i = 0; i < 100; ++i) last = store_->issue_token("admin");
  EXPECT_FALSE(store_->user_for_token(first));
  EXPECT_EQ(store_->user_for_token(last), "admin");
}

TEST_F(StoreTest, SecretOperationsSucceedOrFailEachOnItsOwn) {
  auto results = store_->apply_secret_operations({
      operation(SecretAction::create, "hf-secret", {{"hf-token", "hf_one"}}),
      operation(SecretAction::create, "hf-secret", {{"hf-token", "hf_two"}}),
      operation(SecretAction::update, "missing", {{"k", "v"}}),
      operation(SecretAction::remove, "missing"),
      operation(SecretAction::create, "other", {{"k", "v"}}),
      operation(SecretAction::update, "other", {{"k2", "v2"}}),
      operation(SecretAction::remove, "other"),
  });
  ASSERT_EQ(results.size(), 7u);
  std::vector<std::pair<bool, std::string>> got;
  for (const auto& result : results) {
    EXPECT_EQ(result.namespace_name, "default");
    got.emplace_back(result.success, result.message);
  }
  EXPECT_EQ(got, (std::vector<std::pair<bool, std::string>>{
                     {true, "Secret 'hf-secret' created successfully"},
                     {false, "Secret 'hf-secret' already exists in namespace 'default'; use action \"update\" to change it"},
                     {false, "Secret 'missing' not found in namespace 'default'"},
                     {false, "Secret 'missing' not found in namespace 'default'"},
                     {true, "Secret 'other' created successfully"},
                     {true, "Secret 'other' updated successfully"},
                     {true, "Secret 'other' deleted successfully"},
                 }));
  EXPECT_EQ(results[2].action, "update");
  EXPECT_EQ(results[3].action, "delete");
  EXPECT_EQ(results[3].name, "missing");
  // The failed create left the first value alone.
  EXPECT_EQ(revealed(*store_->resolve_secret("hf-secret")), (std::map<std::string, std::string>{{"hf-token", "hf_one"}}));
  EXPECT_FALSE(store_->find_secret("other"));
  EXPECT_FALSE(store_->resolve_secret("other"));
}

TEST_F(StoreTest, UpdateReplacesTheDataAndKeepsTheCreationTime) {
  store_->apply_secret_operations({operation(SecretAction::create, "creds", {{"a", "1"}, {"b", "2"}})});
  {
    sqlite::Database db(data_dir() / "gatehouse.db");
    db.exec("UPDATE secrets SET created_unix = 1000 WHERE name = 'creds'");
  }
  auto results = store_->apply_secret_operations(
      {operation(SecretAction::update, "creds",
                 {{"registry_server", "iad.ocir.io"}, {"username", "u"}, {"password", "p"}, {"email", "e@x"}},
                 "container_registry")});
  ASSERT_TRUE(results[0].success) << results[0].message;
  auto info = store_->find_secret("creds");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->created_unix, 1000);
  EXPECT_EQ(info->type, "container_registry");
  EXPECT_EQ(info->data_keys, (std::vector<std::string>{"email", "password", "registry_server", "username"}));
  auto resolved = store_->resolve_secret("creds");
  EXPECT_EQ(resolved->type, "container_registry");
  EXPECT_EQ(revealed(*resolved), (std::map<std::string, std::string>{
                                     {"email", "e@x"}, {"password", "p"}, {"registry_server", "iad.ocir.io"}, {"username", "u"}}));
}

TEST_F(StoreTest, ListsSecretsByNamespaceWithoutValues) {
  auto before = std::chrono::system_clock::now();
  store_->apply_secret_operations({operation(SecretAction::create, "b-secret", {{"zeta", "1"}, {"alpha", "2"}, {"mid", "3"}}),
                                   operation(SecretAction::create, "a-secret", {{"k", "v"}})});
  store_->apply_secret_operations({operation(SecretAction::create, "a-secret", {{"k", "team value"}})}, "team-a");

  auto all = store_->list_secrets(std::nullopt);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "a-secret");
  EXPECT_EQ(all[0].namespace_name, "default");
  EXPECT_EQ(all[1].name, "b-secret");
  EXPECT_EQ(all[1].data_keys, (std::vector<std::string>{"alpha", "mid", "zeta"}));
  EXPECT_EQ(all[1].type, "opaque");
  EXPECT_GE(all[1].created_unix, std::chrono::system_clock::to_time_t(before));
  EXPECT_EQ(all[2].namespace_name, "team-a");

  auto team = store_->list_secrets("team-a");
  ASSERT_EQ(team.size(), 1u);
  EXPECT_EQ(team[0].name, "a-secret");
  EXPECT_TRUE(store_->list_secrets("nowhere").empty());
  EXPECT_EQ(store_->list_secrets("default").size(), 2u);
  EXPECT_EQ(revealed(*store_->resolve_secret("a-secret", "team-a")).at("k"), "team value");
  EXPECT_EQ(revealed(*store_->resolve_secret("a-secret")).at("k"), "v");
  EXPECT_FALSE(store_->find_secret("b-secret", "team-a"));
}

TEST_F(StoreTest, SecretValuesNeverReachTheDatabaseFilesInClear) {
  const std::string planted = "PLANTED-" + std::to_string(::getpid()) + "-value";
  store_->apply_secret_operations({operation(SecretAction::create, "planted-secret", {{"token", planted + "-1"}}),
                                   operation(SecretAction::create, "gone", {{"token", planted + "-3"}})});
  std::vector<std::string> old_sealed;  // the values updated and deleted below
  {
    sqlite::Database db(data_dir() / "gatehouse.db");
    auto query = db.query("SELECT sealed FROM secret_values");
    while (query.step()) old_sealed.push_back(query.blob(0));
  }
  ASSERT_EQ(old_sealed.size(), 2u);
  store_->apply_secret_operations({operation(SecretAction::update, "planted-secret", {{"token", planted + "-2"}}),
                                   operation(SecretAction::remove, "gone")});
  const std::string bytes = database_bytes();
  // The search can find what is there: names are stored in clear, and so is the sealed value.
  ASSERT_NE(bytes.find("planted-secret"), std::string::npos);
  for (const auto& sealed : old_sealed) ASSERT_NE(bytes.find(sealed), std::string::npos);
  EXPECT_EQ(bytes.find("PLANTED-"), std::string::npos);
  reopen();  // the WAL is checkpointed into the database file
  const std::string checkpointed = database_bytes();
  EXPECT_EQ(checkpointed.find("PLANTED-"), std::string::npos);
  // secure_delete: the replaced and deleted values' cells were zeroed, not left in free space.
  for (const auto& sealed : old_sealed) EXPECT_EQ(checkpointed.find(sealed), std::string::npos);
  EXPECT_EQ(revealed(*store_->resolve_secret("planted-secret")).at("token"), planted + "-2");
}

TEST_F(StoreTest, ASealedValueMovedOrChangedDoesNotOpen) {
  store_->apply_secret_operations({operation(SecretAction::create, "one", {{"k", "value one"}}),
                                   operation(SecretAction::create, "two", {{"k", "value two"}})});
  {
    sqlite::Database db(data_dir() / "gatehouse.db");
    db.exec("UPDATE secret_values SET sealed = (SELECT sealed FROM secret_values JOIN secrets ON id = secret_id "
            "WHERE name = 'one') WHERE secret_id = (SELECT id FROM secrets WHERE name = 'two')");
  }
  Error moved = error_of([&] { store_->resolve_secret("two"); });
  EXPECT_EQ(moved.code(), ErrorCode::data_loss);
  EXPECT_NE(std::string(moved.what()).find("secret 'two' key 'k'"), std::string::npos) << moved.what();
  EXPECT_EQ(revealed(*store_->resolve_secret("one")).at("k"), "value one");

  store_.reset();
  Store other_key(data_dir(), Vault::with_key(SecretString(std::string(32, 'x'))));
  EXPECT_EQ(error_of([&] { other_key.resolve_secret("one"); }).code(), ErrorCode::data_loss);
}

TEST_F(StoreTest, ConcurrentSecretOperationsLeaveAConsistentStore) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;  // 200 operations
  std::atomic<int> shared_creates{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string name = "s-" + std::to_string(t) + "-" + std::to_string(i / 3);
        std::vector<SecretOperation> ops;
        switch (i % 3) {
          case 0: ops.push_back(operation(SecretAction::create, name, {{"v", "created"}})); break;
          case 1: ops.push_back(operation(SecretAction::update, name, {{"v", "updated by " + std::to_string(t)}})); break;
          case 2:
            // Every third secret is deleted; all threads also race to create one shared name.
            ops.push_back(operation(i % 2 == 0 ? SecretAction::remove : SecretAction::create, "shared", {{"v", "x"}}));
            if (i / 3 % 2 == 0) ops.push_back(operation(SecretAction::remove, name));
            break;
        }
        for (const auto& result : store_->apply_secret_operations(ops)) {
          if (result.name == "shared" && result.action == "create" && result.success) shared_creates++;
          if (result.name != "shared") {
            EXPECT_TRUE(result.success) << result.message;
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  // Per thread: names 0..8 created (i = 0, 3, ..., 24), those with an even index deleted at
  // i = 2, 8, 14, 20 (names 0, 2, 4, 6); name 8 was created at i = 24 and never deleted.
  std::set<std::string> expected;
  for (int t = 0; t < kThreads; ++t) {
    for (int n : {1, 3, 5, 7, 8}) expected.insert("s-" + std::to_string(t) + "-" + std::to_string(n));
  }
  std::set<std::string> listed;
  bool shared_exists = false;
  for (const auto& info : store_->list_secrets("default")) {
    if (info.name == "shared") shared_exists = true;
    else listed.insert(info.name);
  }
  EXPECT_EQ(listed, expected);
  EXPECT_GE(shared_creates.load(), 1);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(revealed(*store_->resolve_secret("s-" + std::to_string(t) + "-1")).at("v"), "updated by " + std::to_string(t));
    EXPECT_EQ(revealed(*store_->resolve_secret("s-" + std::to_string(t) + "-8")).at("v"), "created");
  }
  sqlite::Database db(data_dir() / "gatehouse.db");
  auto orphans = db.query("SELECT COUNT(*) FROM secret_values WHERE secret_id NOT IN (SELECT id FROM secrets)");
  ASSERT_TRUE(orphans.step());
  EXPECT_EQ(orphans.integer(0), 0);
  auto values = db.query("SELECT COUNT(*) FROM secret_values");
  ASSERT_TRUE(values.step());
  EXPECT_EQ(values.integer(0), static_cast<int64_t>(expected.size() + (shared_exists ? 1 : 0)));
}

TEST_F(StoreTest, EverythingSurvivesAReopen) {
  store_->ensure_admin(SecretString("pw"));
  SecretString token = store_->issue_token("admin");
  store_->apply_secret_operations({operation(SecretAction::create, "hf-secret", {{"hf-token", "hf_kept"}})});
  store_->insert_deployment(deployment("u1", "kept"));
  store_->insert_group(GroupRecord{.id = "g1", .name = "pair", .created_unix = 5, .spec_json = "{}"});
  uint64_t seq = store_->append_log(LifecycleEvent{.uuid = "u1", .step = "Deployment", .status = "created", .message = ""});

  reopen();
  EXPECT_FALSE(store_->ensure_admin(SecretString("other")));
  EXPECT_TRUE(store_->check_password("admin", SecretString("pw")));
  EXPECT_EQ(store_->user_for_token(token), "admin");
  EXPECT_EQ(revealed(*store_->resolve_secret("hf-secret")).at("hf-token"), "hf_kept");
  EXPECT_EQ(store_->find_deployment("u1")->deployment_name, "kept");
  EXPECT_EQ(store_->find_group("g1")->name, "pair");
  ASSERT_EQ(store_->logs("u1", 0, 10).size(), 1u);
  EXPECT_GT(store_->append_log(LifecycleEvent{.uuid = "u1", .step = "x", .status = "y", .message = ""}), seq);
}

}  // namespace
}  // namespace gatehouse::control::testing
