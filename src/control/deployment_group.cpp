// Deployment groups (§4.6): reading the group, ordering its members so dependencies come first,
// and the ${member.export} placeholders of their recipes.
#include <boost/json.hpp>

#include <algorithm>
#include <set>

#include "base/error.h"
#include "base/json.h"
#include "control/recipe.h"
#include "control/recipe_fields.h"

namespace gatehouse::control {

namespace {

constexpr std::string_view kExports[] = {"service_url", "internal_dns_name", "service_name"};
constexpr size_t kMaxMembers = 100;

// Called for each placeholder with its member, export and the path of the string holding it;
// returns the text that replaces it, or throws.
using Resolver = std::function<std::string(std::string_view member, std::string_view export_name,
                                           const std::string& path)>;

std::string child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

bool is_placeholder_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// "${member.export}" where both are runs of [A-Za-z0-9_-]. Anything else after "${" (a shell's
// ${HOME} or ${A:-b}) is left as it is. Each scan stops at the first character no placeholder
// holds, so the work stays linear in the text.
std::string substitute_string(std::string_view text, const std::string& path, const Resolver& resolve) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find("${", i);
    if (open == std::string_view::npos) break;
    out.append(text.substr(i, open - i));
    size_t end = open + 2;
    while (end < text.size() && (is_placeholder_char(text[end]) || text[end] == '.')) ++end;
    const std::string_view inside = text.substr(open + 2, end - open - 2);
    const size_t dot = inside.find('.');
    if (end == text.size() || text[end] != '}' || dot == 0 || dot == std::string_view::npos ||
        dot + 1 == inside.size() || inside.find('.', dot + 1) != std::string_view::npos) {
      out += "${";
      i = open + 2;
      continue;
    }
    out += resolve(inside.substr(0, dot), inside.substr(dot + 1), path);
    i = end + 1;
  }
  out.append(text.substr(std::min(i, text.size())));
  return out;
}

boost::json::value substitute_value(const boost::json::value& value, const std::string& path, const Resolver& resolve) {
  switch (value.kind()) {
    case boost::json::kind::string:
      return boost::json::string(substitute_string(value.get_string(), path, resolve));
    case boost::json::kind::array: {
      boost::json::array out;
      const auto& items = value.get_array();
      for (size_t i = 0; i < items.size(); ++i) {
        out.push_back(substitute_value(items[i], path + "[" + std::to_string(i) + "]", resolve));
      }
      return out;
    }
    case boost::json::kind::object: {
      boost::json::object out;
      for (const auto& entry : value.get_object()) {
        out[entry.key()] = substitute_value(entry.value(), child(path, entry.key()), resolve);
      }
      return out;
    }
    default:
      return value;
  }
}

boost::json::object substitute_object(const boost::json::object& recipe, const Resolver& resolve) {
  return substitute_value(recipe, "", resolve).get_object();
}

[[noreturn]] void reject(const std::string& path, const std::string& message) {
  throw InvalidParameter(path, path + ": " + message);
}

void refuse_unknown_keys(const boost::json::object& object, std::initializer_list<std::string_view> keys,
                         const std::string& path) {
  for (const auto& entry : object) {
    if (std::find(keys.begin(), keys.end(), std::string_view(entry.key())) == keys.end()) {
      std::string names;
      for (std::string_view key : keys) names += (names.empty() ? "" : ", ") + std::string(key);
      const std::string where = path.empty() ? "the body" : path;
      reject(child(path, entry.key()), "unknown key; " + where + " takes " + names);
    }
  }
}

const boost::json::object& object_at(const boost::json::object& parent, std::string_view key, const std::string& path) {
  const boost::json::value* value = json::find(parent, key);
  if (!value) reject(child(path, key), "is missing");
  if (!value->is_object()) reject(child(path, key), "expected an object, got " + std::string(json::kind_name(*value)));
  return value->get_object();
}

// A list of names (depends_on, exports), duplicates dropped.
std::vector<std::string> names_at(const boost::json::object& member, std::string_view key, const std::string& path) {
  std::vector<std::string> names;
  const boost::json::value* value = json::find(member, key);
  if (!value) return names;
  const std::string list_path = path + "." + std::string(key);
  if (!value->is_array()) reject(list_path, "expected an array of strings, got " + std::string(json::kind_name(*value)));
  for (size_t i = 0; i < value->get_array().size(); ++i) {
    const boost::json::value& item = value->get_array()[i];
    if (!item.is_string()) {
      reject(list_path + "[" + std::to_string(i) + "]", "expected a string, got " + std::string(json::kind_name(item)));
    }
    if (std::find(names.begin(), names.end(), item.get_string()) == names.end()) names.emplace_back(item.get_string());
  }
  return names;
}

GroupMember read_member(const boost::json::value& value, const std::string& path) {
  if (!value.is_object()) reject(path, "expected an object, got " + std::string(json::kind_name(value)));
  const boost::json::object& object = value.get_object();
  refuse_unknown_keys(object, {"name", "depends_on", "exports", "recipe"}, path);
  GroupMember member;
  const boost::json::value* name = json::find(object, "name");
  if (!name) reject(path + ".name", "is missing");
  if (!name->is_string() || !is_dns_label(name->get_string())) {
    reject(path + ".name", "must be a DNS label: 1 to 63 lower-case letters, digits or '-', starting and ending "
                           "with a letter or digit");
  }
  member.name = std::string(name->get_string());
  member.depends_on = names_at(object, "depends_on", path);
  member.exports = names_at(object, "exports", path);
  for (size_t i = 0; i < member.exports.size(); ++i) {
    if (std::find(std::begin(kExports), std::end(kExports), member.exports[i]) == std::end(kExports)) {
      reject(path + ".exports", "'" + member.exports[i] + "' is not an export; use service_url, internal_dns_name or service_name");
    }
  }
  member.recipe = object_at(object, "recipe", path);
  return member;
}

// Dependencies first; among members whose dependencies are all placed, the earliest listed first.
std::vector<GroupMember> order(std::vector<GroupMember> members, const std::string& path) {
  std::vector<GroupMember> ordered;
  std::set<std::string> placed;
  std::vector<bool> done(members.size(), false);
  while (ordered.size() < members.size()) {
    size_t next = members.size();
    for (size_t i = 0; i < members.size() && next == members.size(); ++i) {
      const auto& deps = members[i].depends_on;
      if (!done[i] && std::all_of(deps.begin(), deps.end(), [&](const std::string& d) { return placed.count(d); })) next = i;
    }
    if (next == members.size()) {
      // Every member left waits on another one left: walk those waits from the first until a
      // member repeats; the walk from that member back to itself is a cycle.
      auto index_of = [&](const std::string& name) {
        return size_t(std::find_if(members.begin(), members.end(), [&](const GroupMember& m) { return m.name == name; }) -
                      members.begin());
      };
      std::vector<size_t> walk;
      size_t at = size_t(std::find(done.begin(), done.end(), false) - done.begin());
      while (std::find(walk.begin(), walk.end(), at) == walk.end()) {
        walk.push_back(at);
        for (const std::string& dep : members[at].depends_on) {
          if (!placed.count(dep)) {
            at = index_of(dep);
            break;
          }
        }
      }
      std::string cycle;
      for (auto it = std::find(walk.begin(), walk.end(), at); it != walk.end(); ++it) cycle += members[*it].name + " -> ";
      reject(path, "the dependencies form a cycle: " + cycle + members[at].name);
    }
    done[next] = true;
    placed.insert(members[next].name);
    ordered.push_back(std::move(members[next]));
  }
  return ordered;
}

// Checks each member's placeholders and recipe before anything is deployed: a placeholder must
// name an export its member lists, of a member this one depends on; the recipe, with stand-ins for
// the placeholders, must pass parse_recipe; and the deployed names (<slug>-<group>) must be
// distinct DNS labels.
void check_recipes(DeploymentGroupSpec& group) {
  std::set<std::string> deployed_names;
  for (GroupMember& member : group.members) {
    const std::string recipe_path = member.path + ".recipe";
    auto resolve = [&](std::string_view name, std::string_view export_name, const std::string& field) -> std::string {
      const std::string placeholder = "${" + std::string(name) + "." + std::string(export_name) + "}";
      const std::string where = recipe_path + "." + field;
      auto other = std::find_if(group.members.begin(), group.members.end(),
                                [&](const GroupMember& m) { return m.name == name; });
      if (other == group.members.end()) reject(where, placeholder + " names no member of the group");
      if (std::find(member.depends_on.begin(), member.depends_on.end(), name) == member.depends_on.end()) {
        reject(where, placeholder + ": add '" + std::string(name) + "' to depends_on, so its value exists first");
      }
      if (std::find(other->exports.begin(), other->exports.end(), export_name) == other->exports.end()) {
        reject(where, placeholder + ": '" + std::string(name) + "' does not export " + std::string(export_name) +
                          "; add it to that member's exports (service_url, internal_dns_name or service_name)");
      }
      return std::string(name);  // a stand-in that fits wherever a name does
    };
    Recipe& recipe = member.checked;
    try {
      recipe = parse_recipe(substitute_object(member.recipe, resolve));
    } catch (const InvalidParameter& error) {
      if (error.parameter().starts_with(recipe_path)) throw;
      throw InvalidParameter(recipe_path + "." + error.parameter(), recipe_path + ": " + error.what());
    }
    const std::string deployed = slug(recipe.deployment_name) + "-" + group.name;
    if (deployed.size() > 63) {
      reject(recipe_path + ".deployment_name", "the deployed name \"" + deployed + "\" (the slug, '-', the group's name) "
                                               "is longer than the 63 characters of a DNS label; shorten either");
    }
    if (!deployed_names.insert(deployed).second) {
      reject(recipe_path + ".deployment_name", "another member deploys as \"" + deployed + "\" too; names must differ");
    }
  }
}

}  // namespace

DeploymentGroupSpec parse_deployment_group(const boost::json::value& body) {
  if (!body.is_object()) {
    throw Error(ErrorCode::invalid_argument, "a deployment group body is a JSON object, got " + std::string(json::kind_name(body)));
  }
  refuse_unknown_keys(body.get_object(), {"deployment_group"}, "");
  const std::string path = "deployment_group";
  const boost::json::object& group = object_at(body.get_object(), path, "");
  refuse_unknown_keys(group, {"name", "deployments"}, path);

  DeploymentGroupSpec spec;
  const boost::json::value* name = json::find(group, "name");
  if (!name) reject(path + ".name", "is missing");
  if (!name->is_string() || !is_dns_label(name->get_string())) {
    reject(path + ".name", "must be a DNS label: 1 to 63 lower-case letters, digits or '-', starting and ending with "
                           "a letter or digit");
  }
  spec.name = std::string(name->get_string());

  const boost::json::value* deployments = json::find(group, "deployments");
  const std::string list_path = path + ".deployments";
  if (!deployments) reject(list_path, "is missing");
  if (!deployments->is_array()) reject(list_path, "expected an array, got " + std::string(json::kind_name(*deployments)));
  const auto& items = deployments->get_array();
  if (items.empty()) reject(list_path, "is empty; a group has at least one deployment");
  if (items.size() > kMaxMembers) reject(list_path, "holds more than " + std::to_string(kMaxMembers) + " deployments");

  std::vector<GroupMember> members;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string member_path = list_path + "[" + std::to_string(i) + "]";
    GroupMember member = read_member(items[i], member_path);
    member.path = member_path;
    for (const GroupMember& earlier : members) {
      if (earlier.name == member.name) reject(member_path + ".name", "'" + member.name + "' names another member too");
    }
    members.push_back(std::move(member));
  }
  for (size_t i = 0; i < members.size(); ++i) {
    for (const std::string& dep : members[i].depends_on) {
      if (std::none_of(members.begin(), members.end(), [&](const GroupMember& m) { return m.name == dep; })) {
        reject(list_path + "[" + std::to_string(i) + "].depends_on", "'" + dep + "' names no member of the group");
      }
    }
  }

  spec.members = order(std::move(members), list_path);
  check_recipes(spec);
  return spec;
}

boost::json::object substitute_placeholders(
    const boost::json::object& recipe,
    const std::function<std::optional<std::string>(std::string_view member, std::string_view export_name)>& exports) {
  return substitute_object(recipe, [&](std::string_view member, std::string_view export_name, const std::string& path) {
    std::optional<std::string> value = exports(member, export_name);
    if (!value) {
      reject(path, "${" + std::string(member) + "." + std::string(export_name) +
                       "} names no export of the group's members (yet)");
    }
    return std::move(*value);
  });
}

}  // namespace gatehouse::control
