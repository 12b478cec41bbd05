// The mirror's pure decisions: byte ranges, If-None-Match, and the access policy.
#include <gtest/gtest.h>

#include "base/error.h"
#include "hub/mirror/access_policy.h"
#include "hub/mirror/byte_range.h"
#include "hub/mirror/mirror_service.h"

namespace gatehouse::hub {
namespace {

TEST(ByteRange, SingleRangesAsRfc9110) {
  auto range = parse_range_header("bytes=0-0", 100);
  EXPECT_EQ(range.kind, RangeKind::single);
  EXPECT_EQ(range.range.offset, 0u);
  EXPECT_EQ(range.range.length, 1u);
  range = parse_range_header("bytes=90-", 100);
  EXPECT_EQ(range.range.offset, 90u);
  EXPECT_EQ(range.range.length, 10u);
  range = parse_range_header("bytes=-10", 100);
  EXPECT_EQ(range.range.offset, 90u);
  EXPECT_EQ(range.range.length, 10u);
  range = parse_range_header("bytes=50-1000", 100);  // clipped to the end
  EXPECT_EQ(range.range.length, 50u);
  EXPECT_EQ(parse_range_header("bytes=100-", 100).kind, RangeKind::unsatisfiable);
  EXPECT_EQ(parse_range_header("bytes=-0", 100).kind, RangeKind::unsatisfiable);
  EXPECT_EQ(parse_range_header("bytes=0-0", 0).kind, RangeKind::unsatisfiable);
}

TEST(ByteRange, UnusableRangesAreIgnored) {
  for (const char* header : {"bytes=0-1,5-6", "items=0-1", "bytes=5-1", "bytes=a-b", "bytes=", "bytes=-",
                             "bytes=+5-", "bytes=0x10-", "bytes=5--", "bytes=1-2-3", "bytes=-+5",
                             // last < first stays invalid however long the numbers are
                             "bytes=99999999999999999999-5", "bytes=99999999999999999999-99999999999999999998",
                             "bytes=18446744073709551616-18446744073709551615"}) {
    EXPECT_EQ(parse_range_header(header, 100).kind, RangeKind::none) << header;
  }
}

// RFC 9110 14.1.1: a position is 1*DIGIT, so a start past 2^64 - 1 is well-formed and, like any
// start past the end, unsatisfiable; an end or suffix past 2^64 - 1 just reaches the end.
TEST(ByteRange, PositionsPastUint64AreFarNotMalformed) {
  for (const char* header : {"bytes=99999999999999999999-", "bytes=18446744073709551615-", "bytes=18446744073709551616-",
                             "bytes=99999999999999999999999-", "bytes=000000000000000000000000000100-",
                             "bytes=99999999999999999999-99999999999999999999", "BYTES=18446744073709551616-"}) {
    EXPECT_EQ(parse_range_header(header, 100).kind, RangeKind::unsatisfiable) << header;
  }
  auto range = parse_range_header("bytes=10-99999999999999999999", 100);
  EXPECT_EQ(range.kind, RangeKind::single);
  EXPECT_EQ(range.range.offset, 10u);
  EXPECT_EQ(range.range.length, 90u);
  range = parse_range_header("bytes=-99999999999999999999", 100);
  EXPECT_EQ(range.kind, RangeKind::single);
  EXPECT_EQ(range.range.offset, 0u);
  EXPECT_EQ(range.range.length, 100u);
  range = parse_range_header("bytes=00000000000000000000000007-000000000000000000000000008", 100);
  EXPECT_EQ(range.kind, RangeKind::single);
  EXPECT_EQ(range.range.offset, 7u);
  EXPECT_EQ(range.range.length, 2u);
  range = parse_range_header("bytes=18446744073709551614-", UINT64_MAX);  // the last byte of the largest size
  EXPECT_EQ(range.kind, RangeKind::single);
  EXPECT_EQ(range.range.length, 1u);
}

TEST(PublicUrl, SchemeHostPortAndPrefixOnly) {
  EXPECT_EQ(normalize_public_url("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  EXPECT_EQ(normalize_public_url("https://gatehouse.example/hub/"), "https://gatehouse.example/hub");
  EXPECT_EQ(normalize_public_url("http://[::1]:9000//"), "http://[::1]:9000");
  for (const char* bad : {"", "gatehouse.example", "ftp://x.example", "http://", "http:///hub", "http://:80",
                          "http://user@x.example", "http://x.example/?a=1", "http://x.example/#top",
                          "http://x.example/a b", "http://x.exa\nmple", "javascript://x.example",
                          "http://x.example\\y", "http://x_y.example"}) {
    EXPECT_THROW(normalize_public_url(bad), Error) << bad;
  }
  try {
    normalize_public_url("http://user:secret@x.example");
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("public URL"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("user info"), std::string::npos) << error.what();
  }
}

TEST(ByteRange, IfNoneMatch) {
  EXPECT_TRUE(etag_matches("\"abc\"", "abc"));
  EXPECT_TRUE(etag_matches("W/\"abc\"", "abc"));
  EXPECT_TRUE(etag_matches("\"x\", \"abc\"", "abc"));
  EXPECT_TRUE(etag_matches("*", "abc"));
  EXPECT_FALSE(etag_matches("\"abcd\"", "abc"));
  EXPECT_FALSE(etag_matches("", "abc"));
}

// Fake tokens in the mirror's format, spelled out at run time.
const std::string kAllowed = "hf_" + std::string(36, 'A');
const std::string kOther = "hf_" + std::string(36, 'B');

TEST(AccessPolicy, WithoutAFileEverythingIsPublic) {
  AccessPolicy policy;
  RepoId repo = RepoId::parse("org/name");
  EXPECT_EQ(policy.file_access(repo, ""), Access::allowed);
  EXPECT_EQ(policy.file_access(repo, "anything"), Access::allowed);
  EXPECT_FALSE(policy.is_gated(repo));
}

TEST(AccessPolicy, PublicGatedAndPrivate) {
  AccessPolicy policy = AccessPolicy::parse(
      R"({"public": ["open/*"], "gated": ["meta-llama/*"],
          "tokens": {")" + kAllowed + R"(": ["meta-llama/*", "private/one", "datasets/org/*"], ")" + kOther + R"(": []}})",
      "access.json");
  RepoId open = RepoId::parse("open/x"), gated = RepoId::parse("meta-llama/Llama-2-7b-hf");
  RepoId hidden = RepoId::parse("private/one"), dataset = RepoId::parse("org/d", RepoType::dataset);
  EXPECT_EQ(policy.file_access(open, ""), Access::allowed);
  EXPECT_EQ(policy.metadata_access(gated, ""), Access::allowed);  // gated metadata is public, as on the Hub
  EXPECT_EQ(policy.file_access(gated, ""), Access::gated_anonymous);
  EXPECT_EQ(policy.file_access(gated, kOther), Access::gated_not_allowed);
  EXPECT_EQ(policy.file_access(gated, kAllowed), Access::allowed);
  EXPECT_EQ(policy.file_access(gated, "hf_" + std::string(36, 'C')), Access::invalid_token);
  EXPECT_EQ(policy.metadata_access(hidden, ""), Access::hidden);
  EXPECT_EQ(policy.metadata_access(hidden, kOther), Access::hidden);
  EXPECT_EQ(policy.file_access(hidden, kAllowed), Access::allowed);
  EXPECT_EQ(policy.file_access(dataset, kAllowed), Access::allowed);  // globs see the datasets/ prefix
  EXPECT_TRUE(policy.is_gated(gated));
  EXPECT_FALSE(policy.is_gated(open));
}

TEST(AccessPolicy, BadFilesNameTheProblemNotTheToken) {
  auto message = [](const std::string& text) {
    try {
      AccessPolicy::parse(text, "access.json");
    } catch (const Error& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("{\"gated\": \"x\"}").find("access.json: gated"), std::string::npos);
  EXPECT_NE(message("{\"tokens\": {\"hf_short\": []}}").find("entry 1"), std::string::npos);
  EXPECT_EQ(message("{\"tokens\": {\"hf_short\": []}}").find("hf_short"), std::string::npos);
  EXPECT_NE(message("{\"publik\": []}").find("unknown key \"publik\""), std::string::npos);
  EXPECT_NE(message("{\"public\": [").find("access.json"), std::string::npos);
  EXPECT_TRUE(is_well_formed_token(kAllowed));
  EXPECT_FALSE(is_well_formed_token("hf_" + std::string(35, 'A') + "-"));
  EXPECT_FALSE(is_well_formed_token("xx_" + std::string(36, 'A')));
  EXPECT_FALSE(is_well_formed_token("hf_" + std::string(33, 'A')));
}

}  // namespace
}  // namespace gatehouse::hub
