// Fuzzes encode and decode on a byte-level BPE and a byte-fallback BPE tokenizer: arbitrary bytes
// (invalid UTF-8 replaced) must encode, and the ids must decode, without crashing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"
#include "tokenizer/tokenizer.h"

namespace {

using gatehouse::tokenizer::InvalidUtf8;
using gatehouse::tokenizer::Tokenizer;

// Small tokenizers that exercise added tokens, normalizers, pre-tokenizers and both fallbacks.
const char* kByteLevel = R"({"version":"1.0","added_tokens":[
  {"id":6,"content":"<s>","special":true,"normalized":false},
  {"id":7,"content":" x","lstrip":true,"rstrip":true,"single_word":true,"normalized":true}],
  "normalizer":{"type":"NFC"},
  "pre_tokenizer":{"type":"ByteLevel","add_prefix_space":true,"use_regex":true},
  "post_processor":{"type":"ByteLevel","trim_offsets":true},
  "decoder":{"type":"ByteLevel"},
  "model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2,"Ġ":3,"Ġa":4,"c":5},"merges":["a b","Ġ a"]}})";

const char* kByteFallback = R"({"version":"1.0","added_tokens":[{"id":0,"content":"<unk>","special":true,"normalized":false}],
  "normalizer":{"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]},
  "decoder":{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"▁"},"content":" "},{"type":"ByteFallback"},{"type":"Fuse"},{"type":"Strip","content":" ","start":1,"stop":0}]},
  "model":{"type":"BPE","unk_token":"<unk>","fuse_unk":true,"byte_fallback":true,
    "vocab":{"<unk>":0,"<0x41>":1,"<0xC3>":2,"<0xA9>":3,"▁":4,"a":5,"▁a":6},"merges":["▁ a"]}})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Tokenizer byte_level = Tokenizer::from_json(kByteLevel);
  static const Tokenizer byte_fallback = Tokenizer::from_json(kByteFallback);
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const Tokenizer* tokenizer : {&byte_level, &byte_fallback}) {
    auto encoding = tokenizer->encode(text, true, InvalidUtf8::replace);
    for (const auto& offsets : encoding.offsets) {
      if (offsets.begin > offsets.end) __builtin_trap();
    }
    (void)tokenizer->decode(encoding.ids, true);
    try {
      (void)tokenizer->encode_ids(text, false, InvalidUtf8::reject);
    } catch (const gatehouse::Error&) {
    }
  }
  return 0;
}
