// vLLM's structural_tag constraint (XGrammar's structural tags) compiled into a grammar: mostly
// free text, in which given strings start structures that must then be written exactly (a tool
// call's JSON arguments between <function=...> and </function>, say). Two forms, both as vLLM
// receives them in response_format or structured_outputs.structural_tag:
// - legacy: {"type": "structural_tag", "structures": [{"begin", "schema", "end"}], "triggers": [...]}:
//   free text; where a trigger appears, one of the structures whose begin starts with it follows
//   (the rest of its begin, JSON for its schema, its end), then free text again.
// - a format tree: {"type": "structural_tag", "format": F}, F being one of
//   const_string {value}, json_schema {json_schema}, regex {pattern}, grammar {grammar} (EBNF),
//   any_text {}, sequence {elements}, or {elements}, tag {begin, content, end},
//   triggered_tags {triggers, tags, at_least_one, stop_after_first} and
//   tags_with_separator {tags, separator, at_least_one, stop_after_first}.
//   any_text as a tag's content is any text without the tag's end; elsewhere, any text.
// Free text never contains a trigger except where a structure starts: an Aho-Corasick automaton
// over the triggers becomes one right-recursive rule per state. An invalid or unknown shape is an
// Error(invalid_argument) naming its place ("structural tag: format.tags[0]: ...").
#pragma once

#include <boost/json/fwd.hpp>

#include "grammar/grammar.h"
#include "grammar/json_schema.h"

namespace gatehouse::grammar {

Grammar compile_structural_tag(const boost::json::value& spec, const JsonSchemaOptions& options = {});

}  // namespace gatehouse::grammar
