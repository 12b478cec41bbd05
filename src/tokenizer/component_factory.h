// The one way every pipeline stage is built from tokenizer.json: look up the object's "type" in a
// table of builders, and name the known types when it is not there.
#pragma once

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/json.h"

namespace gatehouse::tokenizer {

template <class Component>
using ComponentBuilder = std::unique_ptr<Component> (*)(const boost::json::object&, const json::JsonPath&);

template <class Component, size_t N>
using BuilderTable = std::array<std::pair<std::string_view, ComponentBuilder<Component>>, N>;

// `kind` names the stage in errors ("normalizer"). A JSON null gives nullptr (no such stage).
template <class Component, size_t N>
std::unique_ptr<Component> build_by_type(const BuilderTable<Component, N>& builders, const boost::json::value& config,
                                         const json::JsonPath& path, std::string_view kind) {
  if (config.is_null()) return nullptr;
  const auto& object = json::as_object(config, path);
  std::string_view type = json::as_string(json::require(object, "type", path), path / "type");
  for (const auto& [name, build] : builders) {
    if (name == type) return build(object, path);
  }
  std::string known;
  for (const auto& [name, build] : builders) known += (known.empty() ? "" : ", ") + std::string(name);
  throw Error(ErrorCode::invalid_argument, (path / "type").str() + " is \"" + std::string(type) + "\", which is not a " +
                                               std::string(kind) + " type; expected one of " + known);
}

// The stages of a Sequence: the array under `key`, each element built by `build`. A null element
// is an error (it is "no stage" only at the top level).
template <class Component>
std::vector<std::unique_ptr<Component>> build_stages(
    const boost::json::object& config, std::string_view key, const json::JsonPath& path,
    std::unique_ptr<Component> (*build)(const boost::json::value&, const json::JsonPath&)) {
  json::JsonPath list_path = path / key;
  const boost::json::array& list = json::as_array(json::require(config, key, path), list_path);
  std::vector<std::unique_ptr<Component>> stages;
  stages.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    json::as_object(list[i], list_path[i]);
    stages.push_back(build(list[i], list_path[i]));
  }
  return stages;
}

}  // namespace gatehouse::tokenizer
