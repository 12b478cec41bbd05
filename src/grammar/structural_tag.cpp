#include "grammar/structural_tag.h"

#include <boost/json.hpp>

#include <array>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "grammar/ebnf.h"
#include "grammar/regex.h"

namespace gatehouse::grammar {
namespace {

namespace bj = boost::json;

// The automaton of a text has a state per byte of its stop strings, each a 256-way table.
constexpr size_t kMaxStopBytes = 4096;

[[noreturn]] void invalid(const std::string& path, const std::string& message) {
  throw Error(ErrorCode::invalid_argument, "structural tag: " + path + ": " + message);
}

// The place of `key` inside `path`, for messages ("format.tags[0].begin"; "triggers" at the top).
std::string join(const std::string& path, const char* key) { return path.empty() ? key : path + "." + key; }

const bj::object& object_at(const bj::value& value, const std::string& path) {
  if (!value.is_object()) invalid(path, "must be an object");
  return value.get_object();
}

const bj::value& member(const bj::object& object, const char* key, const std::string& path) {
  const bj::value* value = object.if_contains(key);
  if (!value) invalid(path, std::string("needs \"") + key + "\"");
  return *value;
}

std::string string_member(const bj::object& object, const char* key, const std::string& path) {
  const bj::value& value = member(object, key, path);
  if (!value.is_string()) invalid(join(path, key), "must be a string");
  return std::string(value.get_string());
}

bool flag(const bj::object& object, const char* key, const std::string& path) {
  const bj::value* value = object.if_contains(key);
  if (!value || value->is_null()) return false;
  if (!value->is_bool()) invalid(join(path, key), "must be true or false");
  return value->get_bool();
}

const bj::array& array_member(const bj::object& object, const char* key, const std::string& path, bool non_empty) {
  const bj::value& value = member(object, key, path);
  if (!value.is_array()) invalid(join(path, key), "must be an array");
  if (non_empty && value.get_array().empty()) invalid(join(path, key), "must not be empty");
  return value.get_array();
}

std::vector<std::string> strings(const bj::array& array, const std::string& path) {
  std::vector<std::string> out;
  for (size_t i = 0; i < array.size(); ++i) {
    if (!array[i].is_string() || array[i].get_string().empty()) {
      invalid(path + "[" + std::to_string(i) + "]", "must be a non-empty string");
    }
    out.emplace_back(array[i].get_string());
  }
  return out;
}

class StructuralTagCompiler {
 public:
  explicit StructuralTagCompiler(const JsonSchemaOptions& options) : options_(options) {}

  Grammar legacy(const bj::object& spec) && {
    const std::vector<std::string> triggers = strings(array_member(spec, "triggers", "", true), "triggers");
    const bj::array& structures = array_member(spec, "structures", "", true);
    std::vector<Tag> tags;
    for (size_t i = 0; i < structures.size(); ++i) {
      const std::string path = "structures[" + std::to_string(i) + "]";
      const bj::object& structure = object_at(structures[i], path);
      Tag tag{string_member(structure, "begin", path), {}, string_member(structure, "end", path)};
      tag.content.push_back(builder_.embed(compile_json_schema(member(structure, "schema", path), options_)));
      tags.push_back(std::move(tag));
    }
    const int32_t root = builder_.add_rule("root", {triggered(triggers, tags, false, false, "structures")});
    return finish(root);
  }

  Grammar tree(const bj::value& format) && {
    const int32_t root = builder_.add_rule("root", {compile(format, "format")});
    return finish(root);
  }

 private:
  // A tag's parts; content is its compiled middle, or empty with any_text (text up to the end).
  struct Tag {
    std::string begin;
    Sequence content;
    std::string end;
    bool any_text = false;
  };

  Sequence compile(const bj::value& value, const std::string& path) {
    const bj::object& format = object_at(value, path);
    const std::string type = string_member(format, "type", path);
    if (type == "const_string") return builder_.literal(string_member(format, "value", path));
    if (type == "json_schema") return {builder_.embed(compile_json_schema(member(format, "json_schema", path), options_))};
    if (type == "regex") return {builder_.embed(compile_regex(string_member(format, "pattern", path)))};
    if (type == "grammar") return {builder_.embed(compile_ebnf(string_member(format, "grammar", path)))};
    if (type == "any_text") return {builder_.star(builder_.bytes(ByteSet::all()))};
    if (type == "sequence") {
      Sequence sequence;
      const bj::array& elements = array_member(format, "elements", path, true);
      for (size_t i = 0; i < elements.size(); ++i) {
        Sequence element = compile(elements[i], path + ".elements[" + std::to_string(i) + "]");
        sequence.insert(sequence.end(), element.begin(), element.end());
      }
      return sequence;
    }
    if (type == "or") {
      std::vector<Sequence> alternatives;
      const bj::array& elements = array_member(format, "elements", path, true);
      for (size_t i = 0; i < elements.size(); ++i) {
        alternatives.push_back(compile(elements[i], path + ".elements[" + std::to_string(i) + "]"));
      }
      return {builder_.choice(std::move(alternatives))};
    }
    if (type == "tag") return whole(tag(format, path));
    if (type == "triggered_tags") {
      return triggered(strings(array_member(format, "triggers", path, true), path + ".triggers"), tags(format, path),
                       flag(format, "at_least_one", path), flag(format, "stop_after_first", path), path + ".tags");
    }
    if (type == "tags_with_separator") return with_separator(format, path);
    invalid(path + ".type", "'" + type + "' is not a structural tag format this server supports");
  }

  Tag tag(const bj::object& format, const std::string& path) {
    if (const bj::value* type = format.if_contains("type"); type && !(type->is_string() && type->get_string() == "tag")) {
      invalid(path + ".type", "must be \"tag\"");
    }
    Tag tag{string_member(format, "begin", path), {}, string_member(format, "end", path)};
    const bj::value& content = member(format, "content", path);
    const bj::value* content_type = content.is_object() ? content.get_object().if_contains("type") : nullptr;
    if (content_type && content_type->is_string() && content_type->get_string() == "any_text") {
      if (tag.end.empty()) invalid(path + ".end", "must not be empty when the content is any_text");
      tag.any_text = true;
    } else {
      tag.content = compile(content, path + ".content");
    }
    return tag;
  }

  std::vector<Tag> tags(const bj::object& format, const std::string& path) {
    std::vector<Tag> out;
    const bj::array& list = array_member(format, "tags", path, true);
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string at = path + ".tags[" + std::to_string(i) + "]";
      out.push_back(tag(object_at(list[i], at), at));
    }
    return out;
  }

  // The tag from `skip` bytes into its begin (a trigger already read the first ones) to its end.
  Sequence rest_of(const Tag& tag, size_t skip) {
    Sequence sequence = builder_.literal(std::string_view(tag.begin).substr(skip));
    if (tag.any_text) {
      sequence.push_back(text_until(builder_.declare("tag_text"), {tag.end}, {Sequence{}}, false));
    } else {
      sequence.insert(sequence.end(), tag.content.begin(), tag.content.end());
      Sequence end = builder_.literal(tag.end);
      sequence.insert(sequence.end(), end.begin(), end.end());
    }
    return sequence;
  }
  Sequence whole(const Tag& tag) { return rest_of(tag, 0); }

  Sequence with_separator(const bj::object& format, const std::string& path) {
    std::vector<Sequence> alternatives;
    for (const Tag& tag : tags(format, path)) alternatives.push_back(whole(tag));
    const Element one = builder_.choice(std::move(alternatives));
    const bool at_least_one = flag(format, "at_least_one", path);
    if (flag(format, "stop_after_first", path)) return {at_least_one ? one : builder_.optional(one)};
    Sequence more = builder_.literal(string_member(format, "separator", path));
    more.push_back(one);
    const Element list = builder_.group({one, builder_.star(builder_.group(std::move(more)))});
    return {at_least_one ? list : builder_.optional(list)};
  }

  // Free text in which each trigger starts one of the tags whose begin starts with it; after a
  // tag, free text again (none with stop_after_first). With at_least_one the text may not end
  // before a tag.
  Sequence triggered(const std::vector<std::string>& triggers, const std::vector<Tag>& tags, bool at_least_one,
                     bool stop_after_first, const std::string& tags_path) {
    const bool again = !stop_after_first;
    const int32_t text = builder_.declare("text");
    // With at_least_one, the text before the first tag may not end; after it, the text may.
    const int32_t first_text = at_least_one && again ? builder_.declare("text_before_a_tag") : text;
    const Sequence next = again ? Sequence{GrammarBuilder::ref(text)} : Sequence{};
    std::vector<Sequence> after_trigger(triggers.size());
    std::vector<bool> used(tags.size(), false);
    for (size_t k = 0; k < triggers.size(); ++k) {
      std::vector<Sequence> alternatives;
      for (size_t t = 0; t < tags.size(); ++t) {
        if (!tags[t].begin.starts_with(triggers[k])) continue;
        used[t] = true;
        Sequence sequence = rest_of(tags[t], triggers[k].size());
        sequence.insert(sequence.end(), next.begin(), next.end());
        alternatives.push_back(std::move(sequence));
      }
      // A trigger no tag begins with may never appear.
      after_trigger[k] = alternatives.empty() ? Sequence{builder_.bytes(ByteSet{})} : Sequence{builder_.choice(std::move(alternatives))};
    }
    for (size_t t = 0; t < tags.size(); ++t) {
      if (!used[t]) invalid(tags_path + "[" + std::to_string(t) + "].begin", "'" + tags[t].begin + "' starts with none of the triggers");
    }
    if (first_text != text) text_until(text, triggers, after_trigger, true);
    return {text_until(first_text, triggers, std::move(after_trigger), !at_least_one)};
  }

  // Defines `root` as text that contains none of `stops` until one ends, which continues with
  // after[k] for the stop k that ended first. The states of an Aho-Corasick automaton over the
  // stops become rules; a byte moves from one to the next (right recursion, which the matcher
  // runs as a loop). may_end: the text may also end without a stop.
  Element text_until(int32_t root, const std::vector<std::string>& stops, std::vector<Sequence> after, bool may_end) {
    size_t stop_bytes = 0;
    for (const std::string& stop : stops) stop_bytes += stop.size();
    if (stop_bytes > kMaxStopBytes) {
      invalid("triggers", "the triggers (or a tag's end) add up to " + std::to_string(stop_bytes) + " bytes; at most " +
                              std::to_string(kMaxStopBytes) + " are allowed");
    }
    struct State {
      std::array<int32_t, 256> next;
      int32_t fail = 0;
      std::vector<size_t> ends;  // stops ending here, including through fail links
    };
    std::vector<State> states(1);
    states[0].next.fill(-1);
    for (size_t k = 0; k < stops.size(); ++k) {
      int32_t at = 0;
      for (const char c : stops[k]) {
        const uint8_t byte = static_cast<uint8_t>(c);
        if (states[static_cast<size_t>(at)].next[byte] < 0) {
          states[static_cast<size_t>(at)].next[byte] = static_cast<int32_t>(states.size());
          states.emplace_back().next.fill(-1);
        }
        at = states[static_cast<size_t>(at)].next[byte];
      }
      states[static_cast<size_t>(at)].ends.push_back(k);
    }
    // Breadth first: fail links, inherited ends, and every missing move filled from the fail state.
    std::deque<int32_t> queue;
    for (int32_t& next : states[0].next) {
      if (next < 0) next = 0;
      else queue.push_back(next);
    }
    while (!queue.empty()) {
      const int32_t at = queue.front();
      queue.pop_front();
      State& state = states[static_cast<size_t>(at)];
      const State& fail = states[static_cast<size_t>(state.fail)];
      state.ends.insert(state.ends.end(), fail.ends.begin(), fail.ends.end());
      for (size_t byte = 0; byte < 256; ++byte) {
        int32_t& next = states[static_cast<size_t>(at)].next[byte];
        const int32_t fallback = states[static_cast<size_t>(states[static_cast<size_t>(at)].fail)].next[byte];
        if (next < 0) {
          next = fallback;
        } else {
          states[static_cast<size_t>(next)].fail = fallback;
          queue.push_back(next);
        }
      }
    }
    std::vector<int32_t> rules(states.size(), -1);
    rules[0] = root;
    for (size_t s = 1; s < states.size(); ++s) {
      if (states[s].ends.empty()) rules[s] = builder_.declare("text");
    }
    for (size_t s = 0; s < states.size(); ++s) {
      if (rules[s] < 0) continue;
      std::map<int32_t, ByteSet> moves;  // next state → the bytes that lead there
      for (size_t byte = 0; byte < 256; ++byte) moves[states[s].next[byte]].add(static_cast<uint8_t>(byte));
      std::vector<Sequence> alternatives;
      if (may_end) alternatives.emplace_back();
      for (const auto& [next, bytes] : moves) {
        const State& target = states[static_cast<size_t>(next)];
        if (target.ends.empty()) {
          alternatives.push_back({builder_.bytes(bytes), GrammarBuilder::ref(rules[static_cast<size_t>(next)])});
          continue;
        }
        // The first stop to end wins; stops ending together (one a suffix of another) are all allowed.
        std::vector<Sequence> continuations;
        for (size_t k : target.ends) continuations.push_back(after[k]);
        alternatives.push_back({builder_.bytes(bytes), builder_.choice(std::move(continuations))});
      }
      builder_.define(rules[s], std::move(alternatives));
    }
    return GrammarBuilder::ref(root);
  }

  Grammar finish(int32_t root) {
    if (builder_.size() > kMaxGrammarSize) {
      invalid("the specification", "its grammar has " + std::to_string(builder_.size()) + " elements; at most " +
                                       std::to_string(kMaxGrammarSize) + " are allowed");
    }
    return std::move(builder_).build(root);
  }

  JsonSchemaOptions options_;
  GrammarBuilder builder_;
};

}  // namespace

Grammar compile_structural_tag(const bj::value& spec, const JsonSchemaOptions& options) {
  const bj::object& object = object_at(spec, "the specification");
  if (const bj::value* type = object.if_contains("type"); type && !(type->is_string() && type->get_string() == "structural_tag")) {
    invalid("type", "must be \"structural_tag\"");
  }
  if (const bj::value* format = object.if_contains("format")) return StructuralTagCompiler(options).tree(*format);
  if (object.if_contains("structures") || object.if_contains("triggers")) return StructuralTagCompiler(options).legacy(object);
  invalid("the specification", "needs \"format\" (a format tree) or \"structures\" and \"triggers\" (the legacy form)");
}

}  // namespace gatehouse::grammar
