#include "http/sse_reader.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "base/error.h"

namespace gatehouse::http {
namespace {

std::vector<SseEvent> read_in_pieces(std::string_view stream, const std::vector<size_t>& cuts, bool* cut_mid_event = nullptr) {
  SseReader reader;
  std::vector<SseEvent> events;
  size_t at = 0;
  for (size_t cut : cuts) {
    reader.feed(stream.substr(at, cut - at), [&](const SseEvent& e) { events.push_back(e); });
    at = cut;
  }
  reader.feed(stream.substr(at), [&](const SseEvent& e) { events.push_back(e); });
  if (cut_mid_event) *cut_mid_event = reader.mid_event();
  return events;
}

// TGI's and OpenAI's framing, with CRLF, lone CR, comments, multi-line data, ids and a byte order mark.
const std::string kStream =
    "\xEF\xBB\xBF: keep-alive\n\n"
    "data:{\"token\":{\"text\":\"h\xC3\xA9\"}}\n\n"
    "event: chunk\r\nid: 7\r\ndata: line one\r\ndata: line two\r\n\r\n"
    "data: lone CR\r\r"
    "id: 8\n\n"
    "data\n\n"
    "data: [DONE]\n\n";

void expect_stream_events(const std::vector<SseEvent>& events) {
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].data, "{\"token\":{\"text\":\"h\xC3\xA9\"}}");
  EXPECT_EQ(events[0].event, "");
  EXPECT_EQ(events[1].data, "line one\nline two");
  EXPECT_EQ(events[1].event, "chunk");
  EXPECT_EQ(events[1].id, "7");
  EXPECT_EQ(events[2].data, "lone CR");
  EXPECT_EQ(events[2].id, "7");
  EXPECT_EQ(events[3].data, "");  // a bare "data" line is an empty data field
  EXPECT_EQ(events[3].id, "8");   // an id-only event sets the id without being dispatched
  EXPECT_TRUE(events[4].is_done());
  EXPECT_FALSE(events[0].is_done());
}

TEST(SseReader, ReadsAWholeStream) { expect_stream_events(read_in_pieces(kStream, {})); }

TEST(SseReader, EverySplitIntoTwoGivesTheSameEvents) {
  for (size_t cut = 0; cut <= kStream.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    expect_stream_events(read_in_pieces(kStream, {cut}));
  }
}

TEST(SseReader, ByteByByteAndRandomSplitsGiveTheSameEvents) {
  std::vector<size_t> every;
  for (size_t i = 1; i < kStream.size(); ++i) every.push_back(i);
  expect_stream_events(read_in_pieces(kStream, every));
  std::mt19937 random(17);
  for (int round = 0; round < 200; ++round) {
    std::vector<size_t> cuts;
    for (size_t i = 1; i < kStream.size(); ++i) {
      if (random() % 4 == 0) cuts.push_back(i);
    }
    expect_stream_events(read_in_pieces(kStream, cuts));
  }
}

TEST(SseReader, KnowsWhenAStreamStopsMidEvent) {
  bool cut = false;
  EXPECT_TRUE(read_in_pieces("data: {\"a\":1}\n\ndata: {\"b\"", {}, &cut).size() == 1);
  EXPECT_TRUE(cut);
  read_in_pieces("data: {\"a\":1}\n", {}, &cut);  // the event's blank line never came
  EXPECT_TRUE(cut);
  read_in_pieces("data: {\"a\":1}\n\n: bye\n", {}, &cut);
  EXPECT_FALSE(cut);
}

TEST(SseReader, BoundsAnEventWithoutLineBreaks) {
  SseReader reader(64);
  auto ignore = [](const SseEvent&) {};
  reader.feed("data: " + std::string(40, 'x'), ignore);
  EXPECT_THROW(reader.feed(std::string(40, 'x'), ignore), Error);
  SseReader lines(64);
  lines.feed("data: " + std::string(40, 'x') + "\n", ignore);
  EXPECT_THROW(lines.feed("data: " + std::string(40, 'x') + "\n", ignore), Error);
}

}  // namespace
}  // namespace gatehouse::http
