// Fuzzes what the gateway reads from upstreams: any bytes, cut into pieces at the places the first
// bytes choose, go through the SSE reader (which must give the same events however the bytes are
// cut), each event through the TGI stream translator, and the whole input as a /generate answer.
// Each step either succeeds or throws a gatehouse::Error (UpstreamError for the translations);
// nothing may crash, hang or read out of bounds. Where the input or an event is a JSON object, the
// relay's splice of a new `model` into its text (json::replace_member) must either decline or give
// the same document as setting the member on the parsed object.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "gateway/providers/tgi_translation.h"
#include "http/sse_reader.h"

namespace {

using namespace gatehouse;

std::vector<http::SseEvent> read_events(std::string_view text, const std::vector<size_t>& cuts, bool& cut_mid_event) {
  http::SseReader reader(1 << 16);
  std::vector<http::SseEvent> events;
  size_t at = 0;
  for (size_t cut : cuts) {
    reader.feed(text.substr(at, cut - at), [&](const http::SseEvent& e) { events.push_back(e); });
    at = cut;
  }
  reader.feed(text.substr(at), [&](const http::SseEvent& e) { events.push_back(e); });
  cut_mid_event = reader.mid_event();
  return events;
}

void check_model_splice(std::string_view text) {
  boost::json::value parsed;
  try {
    parsed = json::parse(text, "fuzz object");
  } catch (const Error&) {
    return;
  }
  if (!parsed.is_object()) return;
  const std::optional<std::string> spliced = json::replace_member(text, "model", R"("spliced\"model")");
  if (!spliced) return;
  parsed.get_object()["model"] = "spliced\"model";
  if (json::parse(*spliced, "spliced object") != parsed) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t step = data[0] % 16 + 1;
  const bool chat = data[1] & 1;
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  std::vector<size_t> cuts;
  for (size_t at = step; at < text.size(); at += step) cuts.push_back(at);

  std::vector<http::SseEvent> whole, pieces;
  bool whole_cut = false, pieces_cut = false;
  bool whole_failed = false, pieces_failed = false;
  try {
    whole = read_events(text, {}, whole_cut);
  } catch (const Error&) {
    whole_failed = true;
  }
  try {
    pieces = read_events(text, cuts, pieces_cut);
  } catch (const Error&) {
    pieces_failed = true;
  }
  if (!whole_failed && !pieces_failed) {
    if (whole.size() != pieces.size() || whole_cut != pieces_cut) std::abort();
    for (size_t i = 0; i < whole.size(); ++i) {
      if (whole[i].data != pieces[i].data || whole[i].event != pieces[i].event || whole[i].id != pieces[i].id) std::abort();
    }
  }

  check_model_splice(text);
  for (const http::SseEvent& event : whole) check_model_splice(event.data);

  const gateway::Endpoint endpoint = chat ? gateway::Endpoint::chat : gateway::Endpoint::text;
  gateway::providers::AnswerShape shape;
  shape.endpoint = endpoint;
  shape.logprobs = data[1] & 2;
  shape.top_logprobs = data[1] >> 4;
  shape.include_usage = data[1] & 4;
  const gateway::providers::PromptCounter count = [] { return std::int64_t(0); };
  size_t chunks = 0;
  try {
    gateway::providers::TgiStreamTranslator translator(shape, "http://fuzz", count, [&](boost::json::object) { ++chunks; });
    for (const http::SseEvent& event : whole) translator.on_event(event.data);
    translator.finish();
  } catch (const Error&) {
  }
  try {
    (void)gateway::providers::openai_answer(json::parse(text, "fuzz answer"), shape, std::nullopt, count, "http://fuzz");
  } catch (const Error&) {
  }
  return 0;
}
