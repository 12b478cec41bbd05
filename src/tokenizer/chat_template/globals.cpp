// The functions every template sees: Jinja2's range (with the sandbox's size cap), dict, namespace
// and joiner, and the two transformers adds, raise_exception and strftime_now.
#include <ctime>

#include "base/error.h"
#include "tokenizer/chat_template/builtins.h"

namespace gatehouse::tokenizer::jinja {
namespace {

constexpr int64_t kMaxRange = 100000;  // Jinja2's SandboxedEnvironment MAX_RANGE

Value range(CallArgs& args) {
  if (!args.keyword.empty()) throw Error(ErrorCode::invalid_argument, "range() takes no keyword arguments");
  std::vector<int64_t> n;
  for (const Value& v : args.positional) n.push_back(int_argument(v, "range"));
  int64_t start = 0, stop = 0, step = 1;
  if (n.size() == 1) {
    stop = n[0];
  } else if (n.size() == 2 || n.size() == 3) {
    start = n[0];
    stop = n[1];
    if (n.size() == 3) step = n[2];
  } else {
    throw Error(ErrorCode::invalid_argument, "range expected 1 to 3 arguments, got " + std::to_string(n.size()));
  }
  if (step == 0) throw Error(ErrorCode::invalid_argument, "range() arg 3 must not be zero");
  __int128 count = step > 0 ? (__int128(stop) - start + step - 1) / step : (__int128(start) - stop - step - 1) / -step;
  if (count > kMaxRange) {
    throw Error(ErrorCode::invalid_argument, "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  }
  std::vector<Value> items;
  for (int64_t i = 0; i < int64_t(std::max<__int128>(count, 0)); ++i) items.emplace_back(start + i * step);
  return Value::list(std::move(items));
}

// dict(**kwargs) and namespace(mapping, **kwargs) build the same entries.
Value mapping_from_args(CallArgs& args, bool is_namespace) {
  Value out = Value::dict();
  out.as_dict().is_namespace = is_namespace;
  for (const Value& positional : args.positional) {
    if (!positional.is_dict()) {
      throw Error(ErrorCode::invalid_argument, std::string(is_namespace ? "namespace" : "dict") +
                                                   "() takes a mapping, got " + std::string(positional.type_name()));
    }
    for (const auto& [key, value] : positional.as_dict().entries) out.as_dict().set(key, value);
  }
  for (auto& [key, value] : args.keyword) out.as_dict().set(key, value);
  return out;
}

Value strftime_now(CallArgs& args) {
  const Value* format = args.get(0, "format");
  if (!format) throw Error(ErrorCode::invalid_argument, "strftime_now() needs a format string");
  const std::string& pattern = string_argument(*format, "strftime_now");
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  ensure_room(256 + pattern.size() * 16);
  std::string out(256 + pattern.size() * 16, '\0');
  size_t written = std::strftime(out.data(), out.size(), pattern.c_str(), &local);
  out.resize(written);
  return out;
}

Value joiner(CallArgs& args) {
  const Value* separator = args.get(0, "sep");
  Value text = separator ? *separator : Value(", ");  // kept as the shared value, not a copy of its text
  string_argument(text, "joiner");
  auto used = std::make_shared<bool>(false);
  return Value::function("joiner", [text, used](CallArgs&) -> Value {
    if (!*used) {
      *used = true;
      return "";
    }
    return text;
  });
}

}  // namespace

std::vector<std::pair<std::string, Value>> global_functions() {
  return {
      {"range", Value::function("range", range)},
      {"dict", Value::function("dict", [](CallArgs& a) { return mapping_from_args(a, false); })},
      {"namespace", Value::function("namespace", [](CallArgs& a) { return mapping_from_args(a, true); })},
      {"joiner", Value::function("joiner", joiner)},
      {"raise_exception", Value::function("raise_exception", [](CallArgs& a) -> Value {
         const Value* message = a.get(0, "message");
         throw TemplateRaised(message ? to_str(*message) : "raise_exception() called");
       })},
      {"strftime_now", Value::function("strftime_now", strftime_now)},
  };
}

}  // namespace gatehouse::tokenizer::jinja
