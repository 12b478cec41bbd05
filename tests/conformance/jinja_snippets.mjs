// Small Jinja templates covering the language features that real chat templates use, for the "syntax"
// suite of tests/integration/chat_template.test.mjs. The reference is Python jinja2 in transformers'
// environment (jinja2_render.py): gatehouse must give the identical text, or fail exactly where Python
// fails (error: true; messages are not compared).
//
// Each entry: { name, template, context (template variables, optional), error (Python raises, optional) }.
// The test also passes what gatehouse passes to every template (messages = [], tools = documents = none,
// add_generation_prompt = false, the llama2 tokenizer's bos/eos/unk tokens); the snippets do not use them
// unless they say so.
//
// @huggingface/jinja 0.5.11 is not a reference here: it differs from Python on 88 of these snippets (booleans
// print as true/false and containers as JSON, no raw blocks, no `{%+`/`+%}`, no iteration over strings, no
// loop.cycle, no select/reject/unique/sum/batch/escape/trim(chars) filters, no tuple printing, 1 / 0 gives
// Infinity, 'a' + 1 gives "a1", missing.attr renders empty, -7 % 3 gives -1, strip('x') ignores its argument, ...).
//
// Every expectation here was checked against Python jinja2 3.1.2 (Debian bookworm); the test checks it
// again on each run, so a snippet whose `error` flag is wrong fails loudly.

const s = (name, template, context = {}, extra = {}) => ({ name, template, context, ...extra });
const err = (name, template, context = {}) => ({ name, template, context, error: true });

const users = [
  { name: 'Ann', age: 31, active: true, role: 'admin' },
  { name: 'bob', age: 25, active: false, role: 'user' },
  { name: 'Cid', age: 40, active: true, role: 'user' },
];
const msgs = [
  { role: 'system', content: 'Be nice.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello!' },
  { role: 'user', content: 'Bye' },
];

export const snippets = [
  // ---- whitespace control, trim_blocks, lstrip_blocks, comments, trailing newline
  s('trim_blocks removes the newline after a block tag', '{% if true %}\nyes\n{% endif %}\nend'),
  s('trim_blocks removes only a newline directly after the tag', '{% if true %}  \nx{% endif %}'),
  s('lstrip_blocks strips indentation before block tags', 'a\n    {% if true %}\n    b\n    {% endif %}\nc'),
  s('lstrip_blocks keeps text before a tag on the same line', 'a  {% if true %}b{% endif %}  c'),
  s('minus strips around block tags', 'x  \n  {%- if true -%}  \n  a  \n  {%- endif -%}  \n  y'),
  s('minus strips around expressions', 'a \n {{- "b" -}} \n c'),
  s('minus on one side only', 'a   {{- "b" }}   c   {{ "d" -}}   e'),
  s('plus disables lstrip_blocks', 'a\n    {%+ if true %}b{% endif %}'),
  s('plus disables trim_blocks', '{% if true +%}\nb{% endif %}'),
  s('comments are removed and lstripped, newline after them trimmed', 'a\n  {# a comment #}\nb'),
  s('comments with minus', 'a  {#- comment -#}  b'),
  s('multi-line comment', 'a{# line 1\nline 2 {{ not rendered }} #}b'),
  s('one trailing newline of the template is dropped', 'text\n'),
  s('only one trailing newline is dropped', 'text\n\n'),
  s('expression tags do not trim the following newline', "{{ 'a' }}\nb"),
  s('CRLF line endings are normalised to LF', 'a\r\nb\r\n{% if true %}\r\nc{% endif %}'),
  s('raw block', '{% raw %}{{ not rendered }} {% if %}{% endraw %}'),
  s('raw block with whitespace control', 'a  {%- raw -%}  {{ x }}  {%- endraw -%}  b'),
  s('generation tag renders its body', '{% generation %}answer {{ 1 + 1 }}{% endgeneration %}!'),
  s('nested blocks with whitespace control', '{%- for i in [1, 2] -%}\n  {%- if i == 2 -%}\n    [{{ i }}]\n  {%- endif -%}\n{%- endfor -%}'),

  // ---- for loops
  s('loop index, index0, revindex, revindex0', '{% for x in "abc" %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }} {% endfor %}'),
  s('loop first, last, length', '{% for x in [10, 20, 30] %}{{ loop.first }}/{{ loop.last }}/{{ loop.length }};{% endfor %}'),
  s('loop previtem and nextitem', '{% for x in [1, 2, 3] %}({{ loop.previtem }},{{ loop.nextitem }}){% endfor %}'),
  s('loop.cycle', '{% for x in range(5) %}{{ loop.cycle("odd", "even") }} {% endfor %}'),
  s('for else on an empty list', '{% for x in [] %}{{ x }}{% else %}empty{% endfor %}'),
  s('for else not taken', '{% for x in [1] %}{{ x }}{% else %}empty{% endfor %}'),
  s('for with an if filter, loop counts filtered items', '{% for x in range(10) if x is odd %}{{ x }}:{{ loop.index }}/{{ loop.length }} {% endfor %}'),
  s('for else when the filter rejects everything', '{% for x in [1, 3] if x is even %}{{ x }}{% else %}none{% endfor %}'),
  s('tuple unpacking over items()', '{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}', { d: { b: 1, a: 2, c: 3 } }),
  s('tuple unpacking over dictsort', '{% for k, v in d | dictsort %}{{ k }}={{ v }};{% endfor %}', { d: { b: 1, a: 2, C: 3 } }),
  s('tuple unpacking over a list of pairs', '{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }},{% endfor %}'),
  s('iterating a dict gives its keys in order', '{% for k in d %}{{ k }}{% endfor %}', { d: { z: 1, y: 2, x: 3 } }),
  s('iterating a string gives characters', '{% for c in "héllo" %}[{{ c }}]{% endfor %}'),
  s('nested loops with the outer loop saved', '{% for a in [1, 2] %}{% set outer = loop %}{% for b in "xy" %}{{ outer.index }}{{ b }}{{ loop.index }} {% endfor %}{% endfor %}'),
  s('break and continue', '{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}'),
  s('loop variable does not leak out of the loop', "{% set x = 'outer' %}{% for x in [1, 2] %}{% endfor %}{{ x }}"),
  s('loop over messages with role checks', '{% for m in messages %}{% if m.role == "user" %}U:{{ m.content }}|{% elif m["role"] == "assistant" %}A:{{ m["content"] }}|{% endif %}{% endfor %}', { messages: msgs }),
  s('loop over reversed messages with index arithmetic', '{% for m in messages[::-1] %}{{ (messages | length - 1) - loop.index0 }}{{ m.role[0] }} {% endfor %}', { messages: msgs }),

  // ---- set, block set, namespace, scoping
  s('set and print', '{% set a = 1 %}{% set b = "two" %}{{ a }}{{ b }}'),
  s('set with tuple unpacking', '{% set a, b = 1, 2 %}{{ b }}{{ a }}'),
  s('block set', "{% set s %}hello {{ 'world' }}{% endset %}{{ s | upper }}"),
  s('block set with a filter', '{% set s | upper %}abc{% endset %}{{ s }}'),
  s('namespace accumulates across loop iterations', '{% set ns = namespace(count=0, seen="") %}{% for i in range(4) %}{% set ns.count = ns.count + i %}{% set ns.seen = ns.seen ~ i %}{% endfor %}{{ ns.count }} {{ ns.seen }}'),
  s('namespace attribute read with a computed initial value', '{% set ns = namespace(last=messages | length - 1, flag=true) %}{{ ns.last }}{{ ns.flag }}', { messages: msgs }),
  s('set inside for does not leak', '{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}'),
  s('set inside if leaks', '{% if true %}{% set y = 5 %}{% endif %}{{ y }}'),
  s('set inside a for body is per iteration', "{% for i in [1, 2] %}{% if i == 1 %}{% set v = 'a' %}{% endif %}[{{ v }}]{% endfor %}"),
  s('set reassigning a context variable', '{% set messages = messages[1:] %}{{ messages | length }}', { messages: msgs }),
  s('set inside a macro does not leak', "{% macro m() %}{% set z = 'in' %}{{ z }}{% endmacro %}{{ m() }}[{{ z }}]"),

  // ---- macros, call blocks, filter blocks
  s('macro with default and keyword arguments', "{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Bob') }} {{ greet('Ann', greeting='Hi') }} {{ greet(greeting='Yo', name='Z') }}"),
  s('recursive macro', '{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1) | int }}{% endif %}{% endmacro %}{{ fact(5) }}'),
  s('recursive macro over nested data', "{% macro render(v) %}{% if v is mapping %}{% for k, x in v.items() %}{{ k }}:({{ render(x) }}){% endfor %}{% elif v is string %}'{{ v }}'{% elif v is iterable %}[{% for x in v %}{{ render(x) }}{% if not loop.last %},{% endif %}{% endfor %}]{% else %}{{ v }}{% endif %}{% endmacro %}{{ render(data) }}", { data: { a: [1, 'x', { b: null }], c: true } }),
  s('macro varargs and kwargs', '{% macro m(a) %}{{ a }}|{{ varargs }}|{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, x=4) }}'),
  s('macro with whitespace control inside', '{%- macro item(x) -%}\n  <{{ x }}>\n{%- endmacro -%}\n{{ item(1) }}{{ item(2) }}'),
  s('macro result in an expression', "{% macro m() %}ab{% endmacro %}{{ m() ~ '!' }}{{ m() | upper }}{{ m() | length }}"),
  s('macro reads template variables', '{% macro m() %}{{ who }}{% endmacro %}{{ m() }}', { who: 'world' }),
  s('call block with caller()', '{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}inside{% endcall %}'),
  s('call block passing arguments to caller', '{% macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) each([1, 2]) %}[{{ x }}]{% endcall %}'),
  s('filter block', "{% filter upper %}hello {{ 'world' }}{% endfilter %}"),
  s('filter block with arguments', "{% filter replace('a', 'o') %}banana{% endfilter %}"),

  // ---- conditionals
  s('if elif else', "{% for x in [1, 2, 3] %}{% if x == 1 %}one{% elif x == 2 %}two{% else %}many{% endif %} {% endfor %}"),
  s('truthiness of values', '{% for v in [0, 1, "", "0", [], [0], {}, none, true, false] %}{{ "T" if v else "F" }}{% endfor %}'),
  s('ternary with else', "{{ 'yes' if flag else 'no' }}-{{ 'yes' if not flag else 'no' }}", { flag: true }),
  s('ternary without else', "[{{ 'shown' if true }}][{{ 'hidden' if false }}]"),
  s('nested ternary', "{{ 'a' if x == 1 else 'b' if x == 2 else 'c' }}", { x: 2 }),

  // ---- operators
  s('arithmetic on integers', '{{ 1 + 2 }} {{ 7 - 10 }} {{ 6 * 7 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }}'),
  s('true division gives floats', '{{ 7 / 2 }} {{ 8 / 2 }} {{ 1 / 4 }}'),
  s('power is left-associative in Jinja', '{{ 2 ** 3 ** 2 }}'),
  s('operator precedence', '{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 10 - 2 - 3 }} {{ 2 * 3 % 4 }} {{ -2 ** 2 }}'),
  s('tilde concatenation converts to strings', "{{ 'a' ~ 1 ~ none ~ true ~ [1] }}"),
  s('plus on strings and lists, times on strings', "{{ 'a' + 'b' }} {{ [1] + [2, 3] }} {{ 'ab' * 3 }} {{ '-' * 0 }}"),
  s('comparisons', "{{ 1 < 2 }}{{ 2 <= 2 }}{{ 3 > 4 }}{{ 4 >= 5 }}{{ 'a' == 'a' }}{{ 1 != 1 }}{{ 'a' < 'b' }}{{ [1, 2] == [1, 2] }}"),
  s('chained comparisons', '{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 1 == 1 == 1 }}'),
  s('and/or return an operand', "[{{ 0 or 'x' }}][{{ 'a' and 'b' }}][{{ '' and 'b' }}][{{ none or [] }}][{{ 0 or '' or 'last' }}]"),
  s('not and precedence with comparisons', '{{ not 0 }} {{ not true == false }} {{ not (true and false) }} {{ true and not false or false }}'),
  s('in and not in', "{{ 'b' in 'abc' }}{{ 2 in [1, 2] }}{{ 'k' in {'k': 1} }}{{ 'v' in {'k': 'v'} }}{{ 'z' not in 'abc' }}{{ not 'a' in 'abc' }}"),
  s('equality across types', "{{ 1 == '1' }} {{ 1 == true }} {{ 0 == false }} {{ none == none }} {{ 'a' == none }}"),

  // ---- subscripts and slicing
  s('index and negative index', "{{ 'abc'[1] }}{{ [1, 2, 3][-1] }}{{ msg['content'] }}{{ msg.content }}", { msg: { content: 'c' } }),
  s('slices', "{{ [1, 2, 3, 4][1:3] }} {{ 'hello'[::-1] }} {{ [1, 2, 3, 4, 5][::2] }} {{ 'hello'[-3:] }} {{ 'hello'[:-1] }} {{ [1, 2, 3][5:] }}"),
  s('slicing messages', "{% for m in messages[1:] %}{{ m.role }},{% endfor %}{{ messages[-1].content }}", { messages: msgs }),
  s('index out of range is undefined', "[{{ [1, 2][5] }}][{{ d['missing'] }}][{{ d.missing }}]", { d: {} }),
  s('attribute and subscript access are interchangeable', "{{ d.a }}{{ d['a'] }}{{ d.b.c }}{{ d['b']['c'] }}{{ d.b['c'] }}", { d: { a: 1, b: { c: 2 } } }),
  s('subscript with a variable key', '{% for k in ["a", "b"] %}{{ d[k] }}{% endfor %}', { d: { a: 'x', b: 'y' } }),

  // ---- string methods
  s('strip, lstrip, rstrip', "[{{ '  a b  '.strip() }}][{{ '  a '.lstrip() }}][{{ ' a  '.rstrip() }}]"),
  s('strip with characters', "[{{ 'xxhixx'.strip('x') }}][{{ '\\n\\nhi\\n'.lstrip('\\n') }}][{{ 'hi!?!'.rstrip('!?') }}]"),
  s('split with a separator and maxsplit', "{{ 'a,b,,c'.split(',') }} {{ 'a b  c'.split() }} {{ 'a-b-c'.split('-', 1) }} {{ 'x</think>y</think>z'.split('</think>')[-1] }}"),
  s('rsplit', "{{ 'a-b-c'.rsplit('-', 1) }} {{ 'a b c'.rsplit() }}"),
  s('startswith and endswith', "{{ 'hello'.startswith('he') }}{{ 'hello'.endswith('lo') }}{{ 'hello'.startswith(('x', 'h')) }}{{ 'hello'.endswith(('x', 'y')) }}{{ 'hello'.startswith('') }}"),
  s('replace and replace with a count', "{{ 'aaa'.replace('a', 'b') }} {{ 'aaa'.replace('a', 'b', 2) }} {{ 'abc'.replace('', '-') }}"),
  s('case methods', "{{ 'Hello World'.upper() }} {{ 'Hello World'.lower() }} {{ 'hello wORLD'.title() }} {{ 'hELLO wORLD'.capitalize() }} {{ \"bar's\".title() }}"),
  s('find, count, index of substrings', "{{ 'hello'.find('l') }} {{ 'hello'.find('z') }} {{ 'hello'.count('l') }} {{ 'banana'.count('an') }}"),
  s('join and splitlines', "{{ ', '.join(['a', 'b', 'c']) }}|{{ 'l1\\nl2\\r\\nl3'.splitlines() }}|{{ ''.join(['x', 'y']) }}"),
  s('string methods on a context value', "{{ m.content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}", { m: { content: '<think>\nreasoning\n</think>\n\nanswer' } }),

  // ---- dict methods
  s('dict items, keys, values', "{% for k, v in d.items() %}{{ k }}{{ v }}{% endfor %} {{ d.keys() | list }} {{ d.values() | list }}", { d: { x: 1, y: 2 } }),
  s('dict get with and without default', "[{{ d.get('a') }}][{{ d.get('zz') }}][{{ d.get('zz', 'dflt') }}][{{ d.get('n', 'dflt') }}]", { d: { a: 1, n: null } }),
  s('a key named like a method', "{{ d['items'] }} {{ d['keys'] }}", { d: { items: 'I', keys: 'K' } }),

  // ---- tojson
  s('tojson with Python separators and insertion order', '{{ d | tojson }}', { d: { b: 1, a: [1, 'two', null, true, false], c: { nested: 'ünïcødé 🤖' } } }),
  s('tojson with indent', '{{ d | tojson(indent=4) }}', { d: { name: 'x', args: { a: [1, 2], e: {}, l: [] } } }),
  s('tojson with indent 2 and sort_keys', '{{ d | tojson(indent=2, sort_keys=true) }}', { d: { b: 1, a: { d: 1, c: 2 } } }),
  s('tojson with separators', "{{ d | tojson(separators=(',', ':')) }}", { d: { a: [1, 2], b: 'c' } }),
  s('tojson escapes', "{{ '\"quoted\" back\\\\slash </script> & <b>\\n\\t\\x01' | tojson }}"),
  s('tojson of scalars and tuples', '{{ none | tojson }} {{ true | tojson }} {{ 42 | tojson }} {{ "s" | tojson }} {{ (1, 2) | tojson }} {{ [] | tojson }}'),
  s('tojson of a tool schema', '{{ tool | tojson }}', { tool: { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { x: { type: 'string', enum: ['a', 'b'] } }, required: ['x'] } } } }),

  // ---- other filters
  s('trim', "[{{ '  x  ' | trim }}][{{ 'xxhixx' | trim('x') }}][{{ '\\n\\tz\\n' | trim }}]"),
  s('length and count', "{{ 'héllo' | length }} {{ [1, 2] | length }} {{ {'a': 1} | length }} {{ [1, 2, 3] | count }}"),
  s('upper and lower', "{{ 'aBc' | upper }} {{ 'AbC' | lower }}"),
  s('default', "[{{ missing | default('d') }}][{{ '' | default('d') }}][{{ '' | default('d', true) }}][{{ none | default('d') }}][{{ none | default('d', boolean=true) }}][{{ 0 | d('z', true) }}]"),
  s('dictsort variants', "{{ d | dictsort }} {{ d | dictsort(reverse=true) }} {{ d | dictsort(by='value') }} {{ d | dictsort(true) }}", { d: { b: 2, a: 3, C: 1 } }),
  s('items filter', '{% for k, v in d | items %}{{ k }}{{ v }}{% endfor %}', { d: { q: 1, p: 2 } }),
  s('map with attribute and with a filter name', "{{ users | map(attribute='name') | join(', ') }} {{ ['a', 'b'] | map('upper') | list }} {{ users | map(attribute='missing', default='?') | join }}", { users }),
  s('selectattr and rejectattr', "{{ users | selectattr('active') | map(attribute='name') | list }} {{ users | rejectattr('active') | map(attribute='name') | list }}", { users }),
  s('selectattr with test arguments', "{{ users | selectattr('role', 'equalto', 'user') | map(attribute='name') | list }} {{ users | rejectattr('role', 'eq', 'user') | map(attribute='name') | list }} {{ users | selectattr('age', 'gt', 30) | list | length }}", { users }),
  s('selectattr on messages', "{{ messages | selectattr('role', 'equalto', 'user') | list | length }} {{ (messages | selectattr('role', 'eq', 'system') | first).content }}", { messages: msgs }),
  s('select and reject', "{{ [1, 2, 3, 4] | select('even') | list }} {{ [1, 2, 3, 4] | reject('odd') | list }} {{ [0, 1, '', 'a', none] | select | list }} {{ ['a', none, 'b'] | reject('none') | list }} {{ [1, 5, 9] | select('gt', 4) | list }}"),
  s('list filter', "{{ 'abc' | list }} {{ {'x': 1, 'y': 2} | list }} {{ range(3) | list }}"),
  s('join variants', "{{ [1, 2, 3] | join }} {{ [1, 2, 3] | join('-') }} {{ users | join(', ', attribute='name') }}", { users }),
  s('first and last', "{{ [1, 2, 3] | first }}{{ [1, 2, 3] | last }}{{ 'xyz' | first }}{{ 'xyz' | last }}[{{ [] | first }}]"),
  s('replace filter', "{{ 'hello' | replace('l', 'L') }} {{ 'aaaa' | replace('a', 'b', 2) }}"),
  s('string filter', "{{ 12 | string }} {{ none | string }} {{ [1, 'a'] | string }} {{ (12 | string) ~ '!' }}"),
  s('int and float filters', "{{ '42' | int }} {{ 'abc' | int }} {{ '7' | int + 1 }} {{ '2.5' | float }} {{ 3 | float }} {{ 'x' | float }} {{ '3.9' | int }} {{ '1e3' | float }}"),
  s('abs', '{{ -3 | abs }} {{ 3 | abs }}'),
  s('unique', "{{ ['a', 'A', 'b', 'a'] | unique | list }} {{ ['a', 'A', 'b'] | unique(case_sensitive=true) | list }} {{ [3, 1, 3, 2, 1] | unique | list }}"),
  s('unique across numbers, booleans, none and strings', "{{ [1, 1.0, true, 0, false, 0.0, 'a', 'A', none, none, 2.5, 2.5, -0.0, 1e300, 1e300] | unique | list }} {{ [(1, 2), (1, 2), (2, 1)] | unique | list }}"),
  s('indent', "{{ 'a\\nb\\n\\nc' | indent }}|{{ 'a\\nb' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(first=true, blank=true) }}|{{ 'x\\ny\\n' | indent(3) }}"),
  s('capitalize and title filters', "{{ 'hELLO wORLD' | capitalize }} {{ 'hello world-foo bar\\'s (x)' | title }}"),
  s('reverse', "{{ 'abc' | reverse }} {{ [1, 2, 3] | reverse | list }} {{ [1, 2, 3] | reverse | join(',') }}"),
  s('sort', "{{ [3, 1, 2] | sort }} {{ [3, 1, 2] | sort(reverse=true) }} {{ ['b', 'A', 'c'] | sort }} {{ ['b', 'A', 'c'] | sort(case_sensitive=true) }} {{ users | sort(attribute='age') | map(attribute='name') | join(',') }} {{ users | sort(attribute='name') | map(attribute='name') | join(',') }}", { users }),
  s('sum, min, max', "{{ [1, 2, 3] | sum }} {{ users | sum(attribute='age') }} {{ [1, 2] | sum(start=10) }} {{ [3, 1, 2] | min }} {{ [3, 1, 2] | max }} {{ ['b', 'A', 'c'] | min }} {{ (users | max(attribute='age')).name }}", { users }),
  s('round', "{{ 2.567 | round(2) }} {{ 2.5 | round }} {{ 3.5 | round }} {{ 1.55 | round(1, 'floor') }} {{ 1.21 | round(1, 'ceil') }} {{ 7 | round }}"),
  s('batch', "{{ [1, 2, 3, 4, 5] | batch(2) | list }} {{ [1, 2, 3] | batch(2, 'x') | list }}"),
  s('wordcount, center, truncate', "{{ 'one two  three' | wordcount }}|{{ 'ab' | center(8) }}|{{ 'hello world foo bar' | truncate(9) }}|{{ 'hello world foo bar' | truncate(9, true, '...', 0) }}|{{ 'short' | truncate(10) }}"),
  s('safe, escape, e', "{{ '<b>' | safe }} {{ '<a href=\"x\">&\\'' | escape }} {{ '<i>' | e }} {{ ('<i>' | e) ~ '<u>' }}"),
  s('filter chains and filters with arguments on expressions', "{{ (messages | length - 1) }} {{ messages | map(attribute='role') | unique | list | length }} {{ ('a,b' | upper).split(',') }}", { messages: msgs }),

  // ---- tests
  s('defined and undefined', '{{ x is defined }}{{ y is defined }}{{ y is undefined }}{{ n is defined }}{{ d.k is defined }}{{ d.z is defined }}', { x: 1, n: null, d: { k: 0 } }),
  s('none', '{{ n is none }}{{ x is none }}{{ x is not none }}{{ y is none }}', { n: null, x: 0 }),
  s('string, mapping, sequence, iterable', "{{ 's' is string }}{{ 1 is string }}{{ {} is mapping }}{{ [] is mapping }}{{ [] is sequence }}{{ 's' is sequence }}{{ {} is sequence }}{{ 's' is iterable }}{{ 1 is iterable }}{{ {} is iterable }}"),
  s('number, integer, float, boolean', '{{ 1 is number }}{{ 1.5 is number }}{{ true is number }}{{ 1 is integer }}{{ true is integer }}{{ 1.0 is integer }}{{ 1.0 is float }}{{ 1 is float }}{{ true is boolean }}{{ 1 is boolean }}'),
  s('true, false', '{{ true is true }}{{ 1 is true }}{{ false is false }}{{ 0 is false }}{{ none is false }}'),
  s('callable', "{{ range is callable }}{{ 'x' is callable }}{{ raise_exception is callable }}{{ 'x'.upper is callable }}"),
  s('odd, even, divisibleby', '{{ 3 is odd }}{{ 3 is even }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}'),
  s('equalto, eq, ne, gt, lt, ge, le', "{{ 1 is equalto 1 }}{{ 'a' is eq 'b' }}{{ 1 is ne 2 }}{{ 3 is gt 2 }}{{ 3 is lt 2 }}{{ 2 is ge 2 }}{{ 2 is le 1 }}"),
  s('in test', "{{ 2 is in [1, 2] }}{{ 'x' is in 'abc' }}{{ 'k' is in {'k': 1} }}"),
  s('lower and upper tests', "{{ 'abc' is lower }}{{ 'aBc' is lower }}{{ 'ABC' is upper }}{{ 'A1' is upper }}"),
  s('sameas', '{{ none is sameas none }}{{ true is sameas true }}{{ 1 is sameas true }}{{ false is sameas false }}'),
  s('negated tests', "{{ x is not defined }}{{ 1 is not string }}{{ 'a' is not mapping }}{{ 3 is not odd }}", {}),
  s('tests in conditions as real templates use them', "{% if m.tool_calls is defined and m.tool_calls %}calls{% endif %}{% if m.content is string %}str{% endif %}{% if m.reasoning is not none and m.reasoning is defined %}r{% endif %}", { m: { tool_calls: [{}], content: 'c', reasoning: null } }),

  // ---- printing non-strings (Python str())
  s('printing a list', "{{ [1, 'a', none, true, false] }}"),
  s('printing a dict', "{{ {'a': 1, 'b': [2, {'c': 'd'}], 'e': none} }}"),
  s('printing context values', '{{ d }} | {{ l }} | {{ e }} | {{ n }} | {{ t }} | {{ i }}', { d: { k: 'v', n: null, t: true }, l: [1, [2, 3]], e: {}, n: null, t: true, i: -7 }),
  s('printing scalars', '{{ none }}|{{ true }}|{{ false }}|{{ 42 }}|{{ -0 }}|{{ True }}|{{ None }}'),
  s('printing strings inside containers uses repr quoting', "{{ [\"it's\"] }} {{ ['say \"hi\"'] }} {{ ['both \\' and \"'] }} {{ ['new\\nline', 'tab\\t', 'back\\\\'] }}"),
  s('printing unicode inside containers', "{{ ['é', '中文', '🤖'] }} {{ {'ключ': 'значение'} }}"),
  s('printing tuples', '{{ (1, 2) }} {{ (1,) }} {{ () }} {{ [(1, "a")] }}'),
  s('printing empty containers and nested', '{{ [] }} {{ {} }} {{ [[], {}] }} {{ [{"a": [{}]}] }}'),
  s('printing a namespace attribute list', '{% set ns = namespace(items=[1, 2]) %}{{ ns.items }}'),

  // ---- undefined handling
  s('undefined prints empty', '[{{ missing }}][{{ d.missing }}][{{ d["missing"] }}]', { d: {} }),
  s('undefined is falsy', '{% if missing %}T{% else %}F{% endif %}{% if d.missing %}T{% else %}F{% endif %}{% if not missing %}N{% endif %}', { d: {} }),
  s('undefined in concatenation and length', "[{{ missing ~ 'a' }}][{{ missing | length }}][{{ missing | default('x') }}]"),
  s('iterating undefined gives nothing', '{% for x in missing %}{{ x }}{% else %}empty{% endfor %}'),
  s('undefined compared', "{{ missing == none }} {{ missing is none }} {{ 'a' in missing | default([]) }}"),

  // ---- literals
  s('string literals in both quote kinds with escapes', "{{ \"double 'q'\" }}|{{ 'single \"q\"' }}|{{ 'it\\'s' }}|{{ \"a\\nb\\tc\\\\d\" }}|{{ '\\u00e9\\x41' }}"),
  s('adjacent string literals are concatenated', "{{ 'a' 'b' \"c\" }}"),
  s('list, dict and tuple literals, trailing commas', "{{ [1, 2, ] | length }} {{ {'a': 1, 'b': 2, } | length }} {{ (1, 2, 3)[1] }} {{ {'k': [1, {'n': 'v'}]}['k'][1]['n'] }}"),
  s('boolean and none literals in every case', '{{ true }}{{ True }}{{ false }}{{ False }}{{ none is none }}{{ None is none }}'),
  s('integer literals with underscores', '{{ 1_000 + 1 }}'),
  s('range with one, two and three arguments', '{{ range(3) | list }} {{ range(1, 4) | list }} {{ range(0, 10, 3) | list }} {{ range(5, 0, -2) | list }} {{ range(0) | list }}'),
  s('strftime_now is a callable global', "{{ strftime_now is defined }} {{ strftime_now('%Y') | length }} {{ strftime_now('%Y-%m-%d') is string }}"),

  // ---- floats (Python is the reference: repr, not JS Number printing)
  s('float literals print as Python repr', '{{ 1.0 }} {{ 2.5 }} {{ 1e20 }} {{ 1.5e-7 }} {{ 0.1 + 0.2 }} {{ 3.0 * 2 }} {{ -0.0 }} {{ 1e3 }} {{ 100.0 / 3 }}'),
  s('floats from the context', '{{ x }} {{ x * 2 }} {{ x | int }} {{ [x] }} {{ x | tojson }}', { x: 2.5 }),
  s('floats in tojson', '{{ [1.0, 2.5, 1e20, 0.1, -3.0] | tojson }} {{ {"t": 21.0} | tojson }}'),
  s('float and int conversions', "{{ 3.0 | int }} {{ 7 | float }} {{ 1.0 == 1 }} {{ 3.7 | int }} {{ (2.5 ~ '') | length }}"),

  // ---- raise_exception and errors (Python raises; gatehouse must fail too)
  err('raise_exception', "{{ raise_exception('Conversation roles must alternate') }}"),
  err('raise_exception inside a loop after output', "a{% for m in messages %}{% if m.role == 'assistant' %}{{ raise_exception('no assistant here: ' ~ m.content) }}{% endif %}{% endfor %}", { messages: msgs }),
  err('syntax error: unclosed if', 'line 1\n{% if true %}\nnever closed'),
  err('syntax error: unclosed for', '{% for x in [1] %}x'),
  err('syntax error: stray endfor', 'a\n{% endfor %}'),
  err('syntax error: empty expression', '{{ }}'),
  err('syntax error: incomplete binary expression', 'ok\n\n{{ 1 + }}'),
  err('syntax error: unknown tag', '{% frobnicate %}'),
  err('syntax error: unclosed string', "{{ 'abc }}"),
  err('syntax error: unclosed expression tag', '{{ 1 + 1'),
  err('syntax error: elif after else', '{% if a %}{% else %}{% elif b %}{% endif %}'),
  err('unknown filter', "{{ 'a' | no_such_filter }}"),
  err('unknown test', '{{ 1 is no_such_test }}'),
  err('calling an undefined function', '{{ no_such_function() }}'),
  err('calling an undefined method', "{{ 'abc'.no_such_method() }}"),
  err('attribute of an undefined value', '{{ missing.attr }}'),
  err('arithmetic on undefined', '{{ missing + 1 }}'),
  err('adding a string and a number', "{{ 'a' + 1 }}"),
  err('division by zero', '{{ 1 / 0 }}'),
  err('integer division by zero', '{{ 1 // 0 }}'),
  err('list.append is blocked by the immutable sandbox', '{% set l = [1] %}{{ l.append(2) }}'),
  err('dict.update is blocked by the immutable sandbox', "{% set d = {} %}{{ d.update({'a': 1}) }}"),
  err('set on a non-namespace attribute', "{% set d = {'a': 1} %}{% set d.a = 2 %}"),
  err('break outside a loop', '{% break %}'),
  err('macro called with an unknown keyword argument', '{% macro m(a) %}{{ a }}{% endmacro %}{{ m(b=1) }}'),
  err('in on none', "{{ 'a' in none }}"),
];
