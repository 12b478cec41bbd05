#include "hub/cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <thread>

#include "base/error.h"
#include "base/file.h"
#include "scoped_env.h"

namespace gatehouse::hub {
namespace {

namespace fs = std::filesystem;
using testing::ScopedEnv;

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";
const std::string kOtherCommit = "fedcba9876543210fedcba9876543210fedcba98";
const std::string kEtag = "ce013625030ba8dba906f756967f9e9ca394464a";

class HubCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("gatehouse-cache-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void put_blob(const HubCache& cache, const RepoId& repo, const std::string& etag, const std::string& contents) {
    fs::path blob = cache.blob_path(repo, etag);
    fs::create_directories(blob.parent_path());
    std::ofstream(blob, std::ios::binary) << contents;
  }

  fs::path root_;
  RepoId repo_ = RepoId::parse("org/name");
};

TEST_F(HubCacheTest, Paths) {
  HubCache cache(root_);
  EXPECT_EQ(cache.repo_dir(repo_), root_ / "models--org--name");
  EXPECT_EQ(cache.repo_dir(RepoId::parse("squad", RepoType::dataset)), root_ / "datasets--squad");
  EXPECT_EQ(cache.blob_path(repo_, kEtag), root_ / "models--org--name" / "blobs" / kEtag);
  EXPECT_EQ(cache.snapshot_path(repo_, kCommit, "sub/file.json"),
            root_ / "models--org--name" / "snapshots" / kCommit / "sub" / "file.json");
  EXPECT_EQ(cache.ref_path(repo_, "main"), root_ / "models--org--name" / "refs" / "main");
  EXPECT_EQ(cache.ref_path(repo_, "refs/pr/1"), root_ / "models--org--name" / "refs" / "refs" / "pr" / "1");
  EXPECT_EQ(cache.no_exist_path(repo_, kCommit, "a/b.txt"),
            root_ / "models--org--name" / ".no_exist" / kCommit / "a" / "b.txt");
  EXPECT_EQ(cache.lock_path(repo_, kEtag), root_ / ".locks" / "models--org--name" / (kEtag + ".lock"));
}

// huggingface_hub's name for a partial download, the same on every call, so that the next run
// (ours or Python's) finds the bytes an interrupted one left.
TEST_F(HubCacheTest, IncompletePathIsHuggingfaceHubs) {
  HubCache cache(root_);
  fs::path first = cache.incomplete_path(repo_, kEtag);
  EXPECT_EQ(first, root_ / "models--org--name" / "blobs" / (kEtag + ".incomplete"));
  EXPECT_EQ(cache.incomplete_path(repo_, kEtag), first);
}

TEST_F(HubCacheTest, NothingEscapesTheRoot) {
  HubCache cache(root_);
  EXPECT_THROW(cache.repo_dir(RepoId{RepoType::model, "../x"}), Error);
  EXPECT_THROW(cache.blob_path(repo_, "../../x"), Error);
  EXPECT_THROW(cache.snapshot_path(repo_, kCommit, "../../../etc/passwd"), Error);
  EXPECT_THROW(cache.snapshot_path(repo_, "../" + kCommit.substr(3), "x"), Error);
  EXPECT_THROW(cache.snapshot_path(repo_, "main", "x"), Error);  // snapshots are keyed by commit
  EXPECT_THROW(cache.ref_path(repo_, "../../x"), Error);
  EXPECT_THROW(cache.no_exist_path(repo_, kCommit, "/abs"), Error);
  EXPECT_THROW(cache.lock_path(repo_, "a/b"), Error);
  EXPECT_THROW(cache.write_ref(repo_, "main", "not-a-commit"), Error);
  EXPECT_THROW(cache.cached_file(repo_, "main", "a\\b"), Error);
  EXPECT_THROW(HubCache(""), Error);
}

TEST_F(HubCacheTest, RefsAreWrittenAtomicallyWithoutNewline) {
  HubCache cache(root_);
  EXPECT_EQ(cache.read_ref(repo_, "main"), std::nullopt);
  cache.write_ref(repo_, "main", kCommit);
  EXPECT_EQ(files::read_file(cache.ref_path(repo_, "main")), kCommit);
  EXPECT_EQ(cache.read_ref(repo_, "main"), kCommit);

  // Unchanged value: the file is not rewritten.
  struct stat before {};
  ASSERT_EQ(::stat(cache.ref_path(repo_, "main").c_str(), &before), 0);
  cache.write_ref(repo_, "main", kCommit);
  struct stat after {};
  ASSERT_EQ(::stat(cache.ref_path(repo_, "main").c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);

  cache.write_ref(repo_, "main", kOtherCommit);
  EXPECT_EQ(cache.read_ref(repo_, "main"), kOtherCommit);
  for (const auto& entry : fs::directory_iterator(cache.repo_dir(repo_) / "refs")) {
    EXPECT_EQ(entry.path().filename().string(), "main") << "temporary file left behind";
  }
}

TEST_F(HubCacheTest, NestedRefs) {
  HubCache cache(root_);
  cache.write_ref(repo_, "refs/pr/1", kCommit);
  EXPECT_TRUE(fs::is_regular_file(cache.repo_dir(repo_) / "refs" / "refs" / "pr" / "1"));
  EXPECT_EQ(cache.read_ref(repo_, "refs/pr/1"), kCommit);
  EXPECT_EQ(cache.read_ref(repo_, "refs/pr/2"), std::nullopt);
}

TEST_F(HubCacheTest, ReadRefToleratesPythonStyleAndRejectsGarbage) {
  HubCache cache(root_);
  fs::path ref = cache.ref_path(repo_, "main");
  fs::create_directories(ref.parent_path());
  std::ofstream(ref) << kCommit << "\n";
  EXPECT_EQ(cache.read_ref(repo_, "main"), kCommit);
  std::ofstream(ref) << "garbage";
  EXPECT_EQ(cache.read_ref(repo_, "main"), std::nullopt);
}

TEST_F(HubCacheTest, LinkSnapshotMakesRelativeSymlinks) {
  HubCache cache(root_);
  put_blob(cache, repo_, kEtag, "hello\n");
  cache.link_snapshot(repo_, kCommit, "config.json", kEtag);
  cache.link_snapshot(repo_, kCommit, "sub/file", kEtag);
  cache.link_snapshot(repo_, kCommit, "a/b/c.txt", kEtag);

  fs::path top = cache.snapshot_path(repo_, kCommit, "config.json");
  ASSERT_TRUE(fs::is_symlink(top));
  EXPECT_EQ(fs::read_symlink(top).string(), "../../blobs/" + kEtag);
  EXPECT_EQ(files::read_file(top), "hello\n");

  fs::path nested = cache.snapshot_path(repo_, kCommit, "sub/file");
  ASSERT_TRUE(fs::is_symlink(nested));
  EXPECT_EQ(fs::read_symlink(nested).string(), "../../../blobs/" + kEtag);
  EXPECT_EQ(files::read_file(nested), "hello\n");

  EXPECT_EQ(fs::read_symlink(cache.snapshot_path(repo_, kCommit, "a/b/c.txt")).string(), "../../../../blobs/" + kEtag);
}

TEST_F(HubCacheTest, LinkSnapshotReplacesExistingEntry) {
  HubCache cache(root_);
  const std::string other = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  put_blob(cache, repo_, kEtag, "old");
  put_blob(cache, repo_, other, "new");
  cache.link_snapshot(repo_, kCommit, "f.txt", kEtag);
  cache.link_snapshot(repo_, kCommit, "f.txt", other);
  fs::path link = cache.snapshot_path(repo_, kCommit, "f.txt");
  EXPECT_EQ(fs::read_symlink(link).string(), "../../blobs/" + other);
  EXPECT_EQ(files::read_file(link), "new");
  cache.link_snapshot(repo_, kCommit, "f.txt", other);  // idempotent

  // A real file left by a copy-mode writer is replaced too.
  fs::path plain = cache.snapshot_path(repo_, kCommit, "g.txt");
  std::ofstream(plain) << "stale";
  cache.link_snapshot(repo_, kCommit, "g.txt", kEtag);
  EXPECT_TRUE(fs::is_symlink(plain));
  EXPECT_EQ(files::read_file(plain), "old");
  for (const auto& entry : fs::directory_iterator(cache.snapshot_dir(repo_, kCommit))) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << "temporary left behind";
  }
}

TEST_F(HubCacheTest, LinkSnapshotCopiesWhenSymlinksDisabled) {
  ScopedEnv env;
  env.set("HF_HUB_DISABLE_SYMLINKS", "1");
  HubCache cache(root_);
  put_blob(cache, repo_, kEtag, "hello\n");
  cache.link_snapshot(repo_, kCommit, "sub/file", kEtag);
  fs::path path = cache.snapshot_path(repo_, kCommit, "sub/file");
  EXPECT_FALSE(fs::is_symlink(path));
  EXPECT_EQ(files::read_file(path), "hello\n");
}

TEST_F(HubCacheTest, LinkSnapshotNeedsTheBlob) {
  HubCache cache(root_);
  try {
    cache.link_snapshot(repo_, kCommit, "x", kEtag);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::not_found);
  }
}

TEST_F(HubCacheTest, CachedFileViaRefAndViaCommit) {
  HubCache cache(root_);
  EXPECT_EQ(cache.cached_file(repo_, "main", "config.json"), std::nullopt);
  put_blob(cache, repo_, kEtag, "{}");
  cache.link_snapshot(repo_, kCommit, "config.json", kEtag);
  EXPECT_EQ(cache.cached_file(repo_, "main", "config.json"), std::nullopt);  // no ref yet
  EXPECT_EQ(cache.cached_file(repo_, kCommit, "config.json"), cache.snapshot_path(repo_, kCommit, "config.json"));
  cache.write_ref(repo_, "main", kCommit);
  EXPECT_EQ(cache.cached_file(repo_, "main", "config.json"), cache.snapshot_path(repo_, kCommit, "config.json"));
  EXPECT_EQ(cache.cached_file(repo_, "main", "other.json"), std::nullopt);
  EXPECT_EQ(cache.cached_file(repo_, kOtherCommit, "config.json"), std::nullopt);
  EXPECT_EQ(cache.resolve_revision(repo_, "main"), kCommit);
  EXPECT_EQ(cache.resolve_revision(repo_, kOtherCommit), kOtherCommit);
  EXPECT_EQ(cache.resolve_revision(repo_, "dev"), std::nullopt);

  // A broken link (blob deleted) is not a cached file.
  fs::remove(cache.blob_path(repo_, kEtag));
  EXPECT_EQ(cache.cached_file(repo_, "main", "config.json"), std::nullopt);
}

TEST_F(HubCacheTest, KnownMissing) {
  HubCache cache(root_);
  EXPECT_FALSE(cache.known_missing(repo_, kCommit, "sub/missing.bin"));
  cache.mark_missing(repo_, kCommit, "sub/missing.bin");
  EXPECT_TRUE(cache.known_missing(repo_, kCommit, "sub/missing.bin"));
  EXPECT_EQ(fs::file_size(cache.no_exist_path(repo_, kCommit, "sub/missing.bin")), 0u);
  EXPECT_FALSE(cache.known_missing(repo_, kOtherCommit, "sub/missing.bin"));
  cache.mark_missing(repo_, kCommit, "sub/missing.bin");  // idempotent
}

TEST_F(HubCacheTest, BlobLockCreatesFileAndExcludes) {
  HubCache cache(root_);
  fs::path lock_file = cache.lock_path(repo_, kEtag);
  int counter = 0;
  int max_inside = 0;
  int inside = 0;
  std::mutex mutex;
  auto worker = [&] {
    for (int i = 0; i < 20; ++i) {
      BlobLock lock(lock_file);  // separate open file descriptions, so flock excludes across threads too
      {
        std::lock_guard<std::mutex> guard(mutex);
        max_inside = std::max(max_inside, ++inside);
      }
      ++counter;
      {
        std::lock_guard<std::mutex> guard(mutex);
        --inside;
      }
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  EXPECT_EQ(counter, 40);
  EXPECT_EQ(max_inside, 1);
  struct stat info {};
  ASSERT_EQ(::stat(lock_file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0664u);
}

TEST(HubCacheRootTest, EnvironmentPrecedence) {
  ScopedEnv env;
  for (const char* name : {"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"}) env.unset(name);
  env.set("HOME", "/home/tester");
  EXPECT_EQ(HubCache::default_root(), fs::path("/home/tester/.cache/huggingface/hub"));
  env.set("XDG_CACHE_HOME", "/xdg");
  EXPECT_EQ(HubCache::default_root(), fs::path("/xdg/huggingface/hub"));
  env.set("HF_HOME", "/hf-home");
  EXPECT_EQ(HubCache::default_root(), fs::path("/hf-home/hub"));
  env.set("HUGGINGFACE_HUB_CACHE", "/legacy-cache");
  EXPECT_EQ(HubCache::default_root(), fs::path("/legacy-cache"));
  env.set("HF_HUB_CACHE", "/hub-cache");
  EXPECT_EQ(HubCache::default_root(), fs::path("/hub-cache"));
  env.set("HF_HUB_CACHE", "");  // empty counts as unset
  EXPECT_EQ(HubCache::default_root(), fs::path("/legacy-cache"));
  env.unset("HUGGINGFACE_HUB_CACHE");
  env.set("HF_HOME", "~/hf");
  EXPECT_EQ(HubCache::default_root(), fs::path("/home/tester/hf/hub"));
  env.set("GATEHOUSE_TEST_VAR", "/var-root");
  env.set("HF_HOME", "$GATEHOUSE_TEST_VAR/x/${GATEHOUSE_TEST_VAR}");
  EXPECT_EQ(HubCache::default_root(), fs::path("/var-root/x//var-root/hub"));
  env.set("HF_HOME", "/a/$GATEHOUSE_UNSET_VAR_123/b");
  env.unset("GATEHOUSE_UNSET_VAR_123");
  EXPECT_EQ(HubCache::default_root(), fs::path("/a/$GATEHOUSE_UNSET_VAR_123/b/hub"));
}

}  // namespace
}  // namespace gatehouse::hub
