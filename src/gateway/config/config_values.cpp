#include "gateway/config/config_values.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "base/error.h"

namespace gatehouse::gateway {
namespace {

constexpr std::string_view kEnvPrefix = "os.environ/";
constexpr double kMaxSeconds = 1e9;  // about 31 years: past any timeout, inside milliseconds' range

template <typename T>
bool parse_whole(std::string_view text, T& out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool is_one_of(std::string_view text, std::initializer_list<std::string_view> words) {
  for (auto word : words)
    if (text == word) return true;
  return false;
}

}  // namespace

std::string key_path(std::string_view path, std::string_view key) { return std::string(path) + "." + std::string(key); }
std::string key_path(std::string_view path, size_t index) { return std::string(path) + "[" + std::to_string(index) + "]"; }

void ConfigValues::fail(const YamlNode& at, std::string_view path, const std::string& what) const {
  throw Error(ErrorCode::invalid_argument,
              std::string(file_name_) + ":" + std::to_string(at.line) + ": " + std::string(path) + ": " + what);
}

void ConfigValues::expect_mapping(const YamlNode& node, std::string_view path) const {
  if (node.kind != YamlNode::Kind::mapping && !node.is_null())
    fail(node, path, "expected a mapping (key: value lines), got " + std::string(node.kind_name()));
}

void ConfigValues::expect_sequence(const YamlNode& node, std::string_view path) const {
  if (node.kind != YamlNode::Kind::sequence)
    fail(node, path, "expected a list (lines starting with -), got " + std::string(node.kind_name()));
}

ConfigValues::Scalar ConfigValues::scalar(const YamlNode& node, std::string_view path) const {
  if (node.kind != YamlNode::Kind::scalar) fail(node, path, "expected a value, got " + std::string(node.kind_name()));
  std::string_view text = node.text;
  if (!text.starts_with(kEnvPrefix)) return {node.text, ""};
  const std::string name(text.substr(kEnvPrefix.size()));
  if (name.empty() || name.find('=') != std::string::npos)
    fail(node, path, "\"os.environ/\" must be followed by an environment variable's name, e.g. os.environ/HF_TOKEN");
  if (std::optional<std::string> value = variable(name)) return {std::move(*value), name};
  fail(node, path, "the environment variable " + name + " (os.environ/" + name +
                       ") is not set; set it, or name it under environment_variables");
}

std::optional<std::string> ConfigValues::variable(const std::string& name) const {
  for (const auto& [variable, value] : variables_)
    if (variable == name) return value.reveal();
  if (const char* value = std::getenv(name.c_str())) return std::string(value);
  return std::nullopt;
}

std::string ConfigValues::got(const Scalar& value) {
  if (!value.variable.empty()) return "got the value of os.environ/" + value.variable;
  constexpr size_t kShown = 60;
  if (value.text.size() > kShown) return "got \"" + value.text.substr(0, kShown) + "...\"";
  return "got \"" + value.text + "\"";
}

std::string ConfigValues::text(const YamlNode& node, std::string_view path) const {
  return scalar(node, path).text;
}

int64_t ConfigValues::integer(const YamlNode& node, std::string_view path, int64_t min) const {
  const Scalar value = scalar(node, path);
  int64_t result = 0;
  if (!parse_whole(std::string_view(value.text), result)) fail(node, path, "expected an integer, " + got(value));
  if (result < min) fail(node, path, "must be at least " + std::to_string(min) + ", " + got(value));
  return result;
}

double ConfigValues::number(const YamlNode& node, std::string_view path) const {
  const Scalar value = scalar(node, path);
  double result = 0;
  if (!parse_whole(std::string_view(value.text), result) || !std::isfinite(result))
    fail(node, path, "expected a number, " + got(value));
  if (result < 0) fail(node, path, "must not be negative, " + got(value));
  return result;
}

std::chrono::milliseconds ConfigValues::seconds(const YamlNode& node, std::string_view path) const {
  const double value = number(node, path);
  if (value > kMaxSeconds) fail(node, path, "is more than " + std::to_string(int64_t(kMaxSeconds)) + " seconds");
  return std::chrono::milliseconds(std::llround(value * 1000));
}

std::vector<std::string> ConfigValues::strings(const YamlNode& node, std::string_view path) const {
  expect_sequence(node, path);
  std::vector<std::string> result;
  for (size_t index = 0; index < node.items.size(); ++index)
    result.push_back(text(node.items[index], key_path(path, index)));
  return result;
}

boost::json::value ConfigValues::to_json(const YamlNode& node, std::string_view path) const {
  if (node.kind == YamlNode::Kind::sequence) {
    boost::json::array array;
    for (size_t index = 0; index < node.items.size(); ++index)
      array.push_back(to_json(node.items[index], key_path(path, index)));
    return array;
  }
  if (node.kind == YamlNode::Kind::mapping) {
    boost::json::object object;
    for (const auto& entry : node.entries) object[entry.key] = to_json(entry.value, key_path(path, entry.key));
    return object;
  }
  if (node.quoted) return boost::json::string(text(node, path));
  if (node.is_null()) return nullptr;
  std::string_view plain = node.text;
  if (is_one_of(plain, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})) return true;
  if (is_one_of(plain, {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"})) return false;
  int64_t integer_value = 0;
  if (parse_whole(plain, integer_value)) return integer_value;
  double double_value = 0;
  if (plain.find_first_of("0123456789") != std::string_view::npos && parse_whole(plain, double_value) &&
      std::isfinite(double_value))
    return double_value;
  return boost::json::string(text(node, path));
}

}  // namespace gatehouse::gateway
