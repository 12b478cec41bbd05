#include "serve/tool_parsers/streamed_json_call.h"

#include <algorithm>

#include "serve/tool_parsers/json_call.h"
#include "serve/tool_parsers/py_json.h"

namespace gatehouse::serve::tool_parsers {

size_t StreamedJsonCall::read(std::string_view text, DeltaWriter& out) {
  const size_t read = scanner_.feed(text);
  text_.append(text.substr(0, read));
  look_at_members();
  if (!started_ && name_ && arguments_member_) {
    out.start_call(index_, make_id_(), *name_);
    started_ = true;
  }
  if (started_) {
    const std::string_view arguments = arguments_so_far();
    if (arguments.size() > arguments_sent_) {
      out.arguments(index_, arguments.substr(arguments_sent_));
      arguments_sent_ = arguments.size();
    }
  }
  return read;
}

void StreamedJsonCall::send_without_arguments(DeltaWriter& out) {
  out.start_call(index_, make_id_(), *name_, "{}");
  started_ = true;
}

JsonObjectScanner::State StreamedJsonCall::state() const {
  return bad_name_ ? JsonObjectScanner::State::invalid : scanner_.state();
}

void StreamedJsonCall::look_at_members() {
  const auto& members = scanner_.members();
  auto slice = [&](size_t begin, size_t end) { return std::string_view(text_).substr(begin, end - begin); };
  for (; keys_read_ < members.size() && members[keys_read_].key_end != JsonObjectScanner::npos; ++keys_read_) {
    const std::optional<PyValue> key = json_loads(slice(members[keys_read_].key_begin, members[keys_read_].key_end));
    if (!key) continue;
    if (key->text == "name" && !name_member_) name_member_ = keys_read_;
    const bool arguments_key = std::find(argument_keys_.begin(), argument_keys_.end(), key->text) != argument_keys_.end();
    if (arguments_key && !arguments_member_) arguments_member_ = keys_read_;
  }
  if (name_member_ && !name_ && !bad_name_ && members[*name_member_].value_end != JsonObjectScanner::npos) {
    const JsonObjectScanner::Member& member = members[*name_member_];
    std::optional<PyValue> name = json_loads(slice(member.value_begin, member.value_end));
    if (name && name->kind == PyValue::Kind::string) {
      name_ = std::move(name->text);
    } else {
      bad_name_ = true;
    }
  }
}

std::string_view StreamedJsonCall::arguments_so_far() {
  if (!arguments_member_) return {};
  const JsonObjectScanner::Member& member = scanner_.members()[*arguments_member_];
  if (member.value_begin == JsonObjectScanner::npos) return {};
  const bool open = member.value_end == JsonObjectScanner::npos;
  if (text_[member.value_begin] == '"') {
    if (open) return {};
    if (!string_arguments_) {
      const std::optional<PyValue> value =
          json_loads(std::string_view(text_).substr(member.value_begin, member.value_end - member.value_begin));
      string_arguments_ = value ? arguments_text(*value) : std::string();
    }
    return *string_arguments_;
  }
  return std::string_view(text_).substr(member.value_begin, (open ? text_.size() : member.value_end) - member.value_begin);
}

}  // namespace gatehouse::serve::tool_parsers
