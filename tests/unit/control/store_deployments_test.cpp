// The Store's deployments, deployment groups and lifecycle log.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "base/error.h"
#include "control/store.h"
#include "store_fixture.h"

namespace gatehouse::control::testing {
namespace {

TEST_F(StoreTest, DeploymentsRoundTrip) {
  DeploymentRecord record = deployment("0123456789abcdef0123456789abcdef", "vllm-from-hf");
  record.recipe_id = "llm_inference_nvidia";
  record.group_id = "group-1";
  record.sub_deployment_name = "server";
  store_->insert_deployment(record);
  auto found = store_->find_deployment(record.uuid);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->deployment_name, "vllm-from-hf");
  EXPECT_EQ(found->recipe_id, "llm_inference_nvidia");
  EXPECT_EQ(found->recipe_json, record.recipe_json);
  EXPECT_EQ(found->public_host, record.public_host);
  EXPECT_EQ(found->group_id, "group-1");
  EXPECT_EQ(found->sub_deployment_name, "server");
  EXPECT_EQ(found->created_unix, 1700000000);

  store_->set_status(record.uuid, "failed", "gated repo: 401");
  found = store_->find_deployment(record.uuid);
  EXPECT_EQ(found->status, "failed");
  EXPECT_EQ(found->last_error, "gated repo: 401");
  EXPECT_FALSE(store_->find_deployment("nope"));
  EXPECT_EQ(error_of([&] { store_->set_status("nope", "active", ""); }).code(), ErrorCode::not_found);
  EXPECT_EQ(error_of([&] { store_->set_directive("nope", "decommission"); }).code(), ErrorCode::not_found);
  EXPECT_EQ(error_of([&] { store_->insert_deployment(deployment(record.uuid, "another-name")); }).code(),
            ErrorCode::conflict);
}

TEST_F(StoreTest, ACommissionedNameHasOneOwnerUntilDecommissioned) {
  constexpr int kThreads = 8;
  std::atomic<int> wins{0};
  std::vector<std::string> messages(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        store_->insert_deployment(deployment("uuid-" + std::to_string(t), "same-name"));
        wins++;
      } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::conflict);
        messages[t] = error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wins.load(), 1);
  auto all = store_->list_deployments();
  ASSERT_EQ(all.size(), 1u);
  const std::string winner = all[0].uuid;
  for (const auto& message : messages) {
    if (message.empty()) continue;
    EXPECT_EQ(message, "a deployment named 'same-name' already exists (uuid " + winner +
                           "); undeploy it first or choose another deployment_name");
  }

  store_->set_directive(winner, "decommission");
  store_->insert_deployment(deployment("uuid-next", "same-name"));
  EXPECT_EQ(store_->list_deployments().size(), 2u);
  // Bringing the old one back would make two owners.
  EXPECT_EQ(error_of([&] { store_->set_directive(winner, "commission"); }).code(), ErrorCode::conflict);
}

TEST_F(StoreTest, GroupsRoundTrip) {
  store_->insert_group(GroupRecord{.id = "g1", .name = "pair", .created_unix = 5, .spec_json = R"({"deployments":[]})"});
  store_->insert_group(GroupRecord{.id = "g2", .name = "other", .created_unix = 6, .spec_json = "{}"});
  auto groups = store_->list_groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].id, "g1");
  EXPECT_EQ(groups[0].spec_json, R"({"deployments":[]})");
  EXPECT_EQ(store_->find_group("g2")->name, "other");
  EXPECT_FALSE(store_->find_group("g3"));
  EXPECT_EQ(error_of([&] { store_->insert_group(GroupRecord{.id = "g1", .name = "x", .created_unix = 0, .spec_json = "{}"}); })
                .code(),
            ErrorCode::conflict);
}

TEST_F(StoreTest, LogsAreReadAfterASeqAndByTail) {
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 10; ++i) {
    seqs.push_back(store_->append_log(LifecycleEvent{
        .uuid = i % 2 == 0 ? "even" : "odd", .step = "Step", .status = "ok", .message = std::to_string(i)}));
  }
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
  auto messages = [](const std::vector<LogEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& entry : entries) out.push_back(entry.event.message);
    return out;
  };
  EXPECT_EQ(messages(store_->logs("", 0, 100)), (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
  EXPECT_EQ(messages(store_->logs("even", 0, 100)), (std::vector<std::string>{"0", "2", "4", "6", "8"}));
  EXPECT_EQ(messages(store_->logs("even", 0, 2)), (std::vector<std::string>{"6", "8"}));
  EXPECT_EQ(messages(store_->logs("odd", seqs[5], 100)), (std::vector<std::string>{"7", "9"}));
  EXPECT_EQ(messages(store_->logs("", seqs[7], 1)), (std::vector<std::string>{"9"}));
  EXPECT_TRUE(store_->logs("", seqs[9], 100).empty());
  EXPECT_TRUE(store_->logs("", 0, 0).empty());
  EXPECT_TRUE(store_->logs("nobody", 0, 100).empty());
  EXPECT_EQ(store_->logs("", 0, SIZE_MAX).size(), 10u);
  auto entry = store_->logs("odd", 0, 1).at(0);
  EXPECT_EQ(entry.seq, seqs[9]);
  EXPECT_EQ(entry.event.uuid, "odd");
  EXPECT_EQ(entry.event.step, "Step");
  EXPECT_EQ(entry.event.status, "ok");
  auto now_millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(entry.unix_millis, now_millis);
  EXPECT_GT(entry.unix_millis, now_millis - 60'000);
}

}  // namespace
}  // namespace gatehouse::control::testing
