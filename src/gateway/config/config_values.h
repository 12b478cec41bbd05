// Reads typed values out of a parsed config (YamlNode) with errors that name the file, the line
// and the key path: `gateway.yaml:7: model_list[1].litellm_params.rpm: expected an integer, got
// "ten"`. Resolves LiteLLM's `os.environ/NAME` references, from the config's environment_variables
// first and then the process environment; a value read from the environment is never quoted in a
// message. Used while one config is read; holds references to the caller's file name and variables.
#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/secret_string.h"
#include "gateway/config/yaml_tree.h"

namespace gatehouse::gateway {

// Key paths for messages: key_path("model_list", 1) is "model_list[1]", key_path(that, "rpm") "model_list[1].rpm".
std::string key_path(std::string_view path, std::string_view key);
std::string key_path(std::string_view path, size_t index);

class ConfigValues {
 public:
  using Variables = std::vector<std::pair<std::string, SecretString>>;

  ConfigValues(std::string_view file_name, const Variables& variables) : file_name_(file_name), variables_(variables) {}

  [[noreturn]] void fail(const YamlNode& at, std::string_view path, const std::string& what) const;

  // The node must be a mapping (a null one reads as empty) or a list; else fail.
  void expect_mapping(const YamlNode& node, std::string_view path) const;
  void expect_sequence(const YamlNode& node, std::string_view path) const;

  // A scalar's text with os.environ/ resolved. Its messages never show the value, so that it
  // serves for secrets too.
  std::string text(const YamlNode& node, std::string_view path) const;
  int64_t integer(const YamlNode& node, std::string_view path, int64_t min = 0) const;
  double number(const YamlNode& node, std::string_view path) const;  // finite and >= 0
  // Seconds (an integer or a decimal, >= 0), as LiteLLM writes timeouts, in milliseconds.
  std::chrono::milliseconds seconds(const YamlNode& node, std::string_view path) const;
  // A list of strings, or fail.
  std::vector<std::string> strings(const YamlNode& node, std::string_view path) const;
  // An environment variable as os.environ/ reads it: the config's environment_variables first,
  // then the process environment; nullopt when neither has it.
  std::optional<std::string> variable(const std::string& name) const;

  // The node as JSON, reading plain scalars as YAML 1.1 (PyYAML) does: null, true/yes/on,
  // false/no/off, integers, decimals, else strings (os.environ/ resolved).
  boost::json::value to_json(const YamlNode& node, std::string_view path) const;

 private:
  struct Scalar {
    std::string text;
    std::string variable;  // the environment variable it came from, or empty
  };
  Scalar scalar(const YamlNode& node, std::string_view path) const;
  // `got "ten"`, or `got the value of os.environ/RPM` for a value from the environment.
  static std::string got(const Scalar& value);

  std::string_view file_name_;
  const Variables& variables_;
};

}  // namespace gatehouse::gateway
