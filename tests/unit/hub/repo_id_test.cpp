#include "hub/repo_id.h"
#include "http/percent_encoding.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gatehouse::hub {
namespace {

// Runs `fn`, expects an invalid_argument Error whose message contains `needle`.
template <typename Fn>
void expect_invalid(Fn fn, const std::string& needle, const std::string& input) {
  try {
    fn();
    ADD_FAILURE() << "accepted " << input;
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::invalid_argument) << input;
    EXPECT_NE(std::string(error.what()).find(needle), std::string::npos)
        << input << " -> " << error.what() << " (expected to mention " << needle << ")";
  }
}

TEST(RepoTypeTest, ParsesAndNames) {
  EXPECT_EQ(parse_repo_type("model"), RepoType::model);
  EXPECT_EQ(parse_repo_type("dataset"), RepoType::dataset);
  EXPECT_EQ(parse_repo_type("space"), RepoType::space);
  EXPECT_EQ(repo_type_name(RepoType::dataset), "dataset");
  expect_invalid([] { parse_repo_type("models"); }, "model, dataset, space", "models");
  expect_invalid([] { parse_repo_type(""); }, "model, dataset, space", "empty");
}

TEST(RepoIdTest, AcceptsHubNames) {
  for (const char* name : {"gpt2", "bert-base-uncased", "meta-llama/Llama-2-7b-hf", "org/name", "a/b", "Org_1/x.y-z",
                           "TheBloke/Llama-2-7B-GGUF", "user/name_", "1/2"}) {
    EXPECT_NO_THROW(validate_repo_name(name)) << name;
  }
  EXPECT_NO_THROW(validate_repo_name(std::string(96, 'a') + "/" + std::string(96, 'b')));
}

TEST(RepoIdTest, RejectsWithReasons) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"../etc", ".."},
      {"org/..", ".."},
      {"org/../x", ".."},
      {"..", ".."},
      {"/etc/passwd", "absolute"},
      {"/org", "absolute"},
      {"org\\name", "'\\'"},
      {"..\\..\\x", "'\\'"},
      {"org%2Fname", "percent-encoded"},
      {"%2e%2e/x", "percent-encoded"},
      {"a/b/c", "more than one '/'"},
      {"org/", "empty part"},
      {"/", "absolute"},
      {"org//name", "more than one '/'"},
      {"org--x/name", "'--'"},
      {"org/name.", "'.' or '-'"},
      {"org/name-", "'.' or '-'"},
      {"org/.name", "start"},
      {"-org/name", "start"},
      {"_org/name", "start"},
      {"org/na me", "' '"},
      {"org/na:me", "':'"},
      {"org/name\n", "control"},
      {std::string("org/na\0me", 9), "control"},
      {"org/name.git", ".git"},
      {"org/" + std::string(97, 'a'), "too long"},
      {"org/n\xc3\xa9", "contains"},
  };
  for (const auto& [name, reason] : cases) {
    expect_invalid([&] { validate_repo_name(name); }, reason, name);
    expect_invalid([&] { RepoId::parse(name); }, reason, name);
  }
}

TEST(RepoIdTest, FolderAndUrlParts) {
  RepoId model = RepoId::parse("meta-llama/Llama-2-7b-hf");
  EXPECT_EQ(model.cache_folder_name(), "models--meta-llama--Llama-2-7b-hf");
  EXPECT_EQ(model.url_prefix(), "");
  EXPECT_EQ(model.api_plural(), "models");
  RepoId dataset = RepoId::parse("squad", RepoType::dataset);
  EXPECT_EQ(dataset.cache_folder_name(), "datasets--squad");
  EXPECT_EQ(dataset.url_prefix(), "datasets/");
  EXPECT_EQ(dataset.api_plural(), "datasets");
  RepoId space = RepoId::parse("org/demo", RepoType::space);
  EXPECT_EQ(space.cache_folder_name(), "spaces--org--demo");
  EXPECT_EQ(space.url_prefix(), "spaces/");
  EXPECT_EQ(space.api_plural(), "spaces");
  EXPECT_EQ(RepoId::parse("gpt2").cache_folder_name(), "models--gpt2");
  EXPECT_EQ(model, RepoId::parse("meta-llama/Llama-2-7b-hf"));
  EXPECT_NE(model, RepoId::parse("meta-llama/Llama-2-7b-hf", RepoType::dataset));
}

TEST(RevisionTest, AcceptsBranchesTagsCommits) {
  for (const char* revision : {"main", "v1.0", "refs/pr/1", "refs/convert/parquet", "HEAD", "feature/x_y-z",
                               "0123456789abcdef0123456789abcdef01234567", "release-2024.01", "a%b"}) {
    EXPECT_NO_THROW(validate_revision(revision)) << revision;
  }
}

TEST(RevisionTest, Rejects) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"..", ".."},
      {"../main", ".."},
      {"refs/../../x", ".."},
      {"/main", "start with '/'"},
      {"main/", "end with '/'"},
      {"refs//pr", "//"},
      {"ma in", "' '"},
      {"ma\\in", "'\\\\'"},
      {"main\n", "control"},
      {std::string("ma\0in", 5), "control"},
      {"main\x7f", "control"},
      {"a~1", "'~'"},
      {"a^", "'^'"},
      {"a:b", "':'"},
      {"a?", "'?'"},
      {"a*", "'*'"},
      {"a[b", "'['"},
      {"a@{1}", "@{"},
      {".hidden", "starting with '.'"},
      {"refs/.x", "starting with '.'"},
      {"main.lock", ".lock"},
      {"@", "not a valid"},
      {std::string(300, 'a'), "too long"},
  };
  for (const auto& [revision, reason] : cases) {
    expect_invalid([&] { validate_revision(revision); }, reason, revision);
  }
}

TEST(RevisionTest, CommitHash) {
  EXPECT_TRUE(is_commit_hash("0123456789abcdef0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_hash("0123456789ABCDEF0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_hash("0123456789abcdef0123456789abcdef0123456"));
  EXPECT_FALSE(is_commit_hash("0123456789abcdef0123456789abcdef012345678"));
  EXPECT_FALSE(is_commit_hash("main"));
  EXPECT_FALSE(is_commit_hash("g123456789abcdef0123456789abcdef01234567"));
}

TEST(RepoPathTest, AcceptsNormalPaths) {
  for (const char* path : {"config.json", "sub/file.bin", "a/b/c/d.txt", ".gitattributes", "dir/.hidden",
                           "weird name (1).txt", "\xc3\xa9t\xc3\xa9.txt", "a..b", "...x"}) {
    EXPECT_EQ(validate_repo_path(path), path);
  }
}

TEST(RepoPathTest, Rejects) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"/etc/passwd", "absolute"},
      {"../x", "'..'"},
      {"a/../../x", "'..'"},
      {"..", "'..'"},
      {"./x", "'.'"},
      {"a/./b", "'.'"},
      {"a//b", "empty part"},
      {"a/", "empty part"},
      {"a\\b", "'\\'"},
      {"..\\..\\x", "'\\'"},
      {std::string("a\0b", 3), "control"},
      {"a\nb", "control"},
      {"a\x01", "control"},
      {"\xff\xfe", "UTF-8"},
      {std::string(5000, 'a'), "too long"},
  };
  for (const auto& [path, reason] : cases) {
    expect_invalid([&] { validate_repo_path(path); }, reason, path);
  }
}

TEST(EtagTest, AcceptsHexRejectsTraversal) {
  EXPECT_NO_THROW(validate_etag("ce013625030ba8dba906f756967f9e9ca394464a"));
  EXPECT_NO_THROW(validate_etag("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  for (const char* etag : {"", "..", ".", "../x", "a/b", "\"abc\"", ".hidden", "a b"}) {
    EXPECT_THROW(validate_etag(etag), Error) << etag;
  }
}

TEST(PercentTest, EncodesLikePythonQuote) {
  EXPECT_EQ(http::percent_encode("refs/pr/1", false), "refs%2Fpr%2F1");
  EXPECT_EQ(http::percent_encode("refs/pr/1", true), "refs/pr/1");
  EXPECT_EQ(http::percent_encode("a b+c&d?e#f%g", true), "a%20b%2Bc%26d%3Fe%23f%25g");
  EXPECT_EQ(http::percent_encode("Az09_.-~", false), "Az09_.-~");
  EXPECT_EQ(http::percent_encode("\xc3\xa9", false), "%C3%A9");
  EXPECT_EQ(http::percent_encode("", false), "");
}

TEST(PercentTest, DecodesAndRejectsMalformed) {
  EXPECT_EQ(http::percent_decode("refs%2Fpr%2F1"), "refs/pr/1");
  EXPECT_EQ(http::percent_decode("refs%2fpr%2f1"), "refs/pr/1");
  EXPECT_EQ(http::percent_decode("a+b"), "a+b");
  EXPECT_EQ(http::percent_decode("%C3%A9"), "\xc3\xa9");
  EXPECT_EQ(http::percent_decode(http::percent_encode("any / thing %", false)), "any / thing %");
  for (const char* bad : {"%", "%2", "a%zz", "%G1", "abc%"}) {
    expect_invalid([&] { http::percent_decode(bad); }, "percent-escape", bad);
  }
}

}  // namespace
}  // namespace gatehouse::hub
