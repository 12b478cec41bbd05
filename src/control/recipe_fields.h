// The recipe's field table: every top-level field of a Blueprints recipe (the 68 of the public
// schema and the newer ones Oracle's own packs send), its JSON type, the shape of its nested
// objects and whether only OCI can act on it. Each field is described once, here; check_object()
// walks a recipe against the table. Also the name rules (DNS labels and subdomains) that recipes,
// deployment groups and secrets share. Constant data and pure functions; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gatehouse::control {

enum class FieldType {
  string,
  integer,        // integral; 8.0 reads as 8
  number,
  boolean,
  port,           // a port 1..65535 as a string ("8000"), or as an integer
  int_or_string,  // recipe_container_env values
  string_list,
  string_map,     // an object whose values are strings
  object,         // checked against `shape`
  object_list,    // an array of objects, each checked against `shape`
};

struct ObjectShape;

struct FieldSpec {
  std::string_view name;
  FieldType type;
  bool required = false;               // nested keys only: a recipe's own are parse_recipe's to check
  double min = 0;                      // integer and number bounds, inclusive
  double max = 1e9;
  const ObjectShape* shape = nullptr;  // object and object_list
  std::span<const std::string_view> choices = {};  // string: the allowed values, when fixed
  bool oci_only = false;               // top-level fields: only OCI (or Blueprints' OCI stack) acts on it
};

struct ObjectShape {
  std::span<const FieldSpec> fields;
  std::span<const std::string_view> one_of = {};  // exactly one of these keys must be present
  std::string_view note = {};                     // appended to the message about an unknown key
};

// The top level of a recipe.
extern const ObjectShape kRecipeShape;

// Checks every present key of `object` against `shape`, recursively; `path` names the object
// ("" for the recipe itself, else "recipe_readiness_probe_params" or "recipe_container_env[1]").
// Null values read as absent (Python clients send None for unset fields). Throws InvalidParameter
// naming the key's path and what was expected; never quotes a value, since values may be secrets.
void check_object(const boost::json::object& object, const ObjectShape& shape, const std::string& path);

// The port a port field holds, or nullopt when it is not a port 1..65535 (as text or an integer).
std::optional<int> read_port(const boost::json::value& value);

// RFC 1123 names as Kubernetes checks them: a label is [a-z0-9]([-a-z0-9]*[a-z0-9])? of at most 63
// characters; a subdomain is the same with '.' allowed inside, at most 253 characters.
bool is_dns_label(std::string_view name);
bool is_dns_subdomain(std::string_view name);

}  // namespace gatehouse::control
