#!/usr/bin/python3
"""Renders Jinja templates the way Hugging Face transformers renders chat templates.

This is the Python oracle of the chat-template tests. It builds the same environment as
transformers' `_compile_jinja_template` (src/transformers/utils/chat_template_utils.py):

  - jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with the
    loop-controls extension (break/continue) and a `{% generation %}...{% endgeneration %}` tag that
    renders its body unchanged (transformers' AssistantTracker only records offsets for assistant
    masks, it never changes the text);
  - the `tojson` filter replaced by json.dumps(x, ensure_ascii=False, indent=indent,
    separators=separators, sort_keys=sort_keys): Python separators, unicode kept, no HTML escaping,
    insertion order kept;
  - globals raise_exception(message) (raises TemplateError) and strftime_now(format) (local time).

Protocol: one JSON object per stdin line, {"template": str, "context": {...}}; one JSON line per input
on stdout, {"text": rendered} or {"error": str(exception), "type": exception class name, "line": the
template line of a syntax error}. Blank input lines are ignored. Compiled templates are cached by source.

Needs the Debian package python3-jinja2 (`make deps`).
"""

import json
import sys
from datetime import datetime

import jinja2
import jinja2.ext
import jinja2.nodes
import jinja2.sandbox


class GenerationTag(jinja2.ext.Extension):
    """`{% generation %}body{% endgeneration %}`: renders body as is."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        call = self.call_method("_render_body")
        return jinja2.nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _render_body(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime.now().strftime(fmt)


def make_environment():
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[GenerationTag, jinja2.ext.loopcontrols],
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    env = make_environment()
    cache = {}
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            source = request["template"]
            context = request.get("context") or {}
            template = cache.get(source)
            if template is None:
                template = env.from_string(source)
                cache[source] = template
            result = {"text": template.render(**context)}
        except Exception as e:  # every failure is a result, the next line is still rendered
            result = {"error": str(e), "type": type(e).__name__}
            if isinstance(e, jinja2.exceptions.TemplateSyntaxError) and e.lineno:
                result["line"] = e.lineno
        # ASCII output: lone surrogates and any stdout encoding survive the trip.
        out.write(json.dumps(result, ensure_ascii=True) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
