// How deep the JSON that `gatehouse serve` accepts may nest: deep tool schemas (tools[].function.parameters) are
// parsed, converted for the chat template and written back by its tojson filter up to the documented limit of 512
// levels; one level more is a 400 that names the limit, and the server stays up.
//
// One server on a tiny random-weight Llama checkpoint with a chat template that renders the length of
// `tools | tojson`, so the whole schema is walked; stopped by the file. Nothing leaves 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { tempDir } from './hub_helpers.mjs';
import { assertOpenAIError, get, makeLlamaCheckpoint, post, startServer } from './serve_helpers.mjs';

const SERVED = 'tiny-llama';
const MAX_DEPTH = 512;  // docs/serve.md
const TEMPLATE = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}" +
  '{% if tools %}tools json length: {{ tools | tojson | length }}\n{% endif %}assistant:';

let workDir;
let server;

before(async () => {
  workDir = tempDir('serve-json-depth');
  const template = path.join(workDir, 'template.jinja');
  fs.writeFileSync(template, TEMPLATE);
  server = await startServer(['--model', makeLlamaCheckpoint(workDir), '--served-model-name', SERVED,
    '--chat-template', template]);
});

after(async () => {
  await server?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

// Nesting depth as the parser counts it: each array or object is one level.
function depth(value) {
  if (value === null || typeof value !== 'object') return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depth));
}

// A JSON schema of object properties nested `levels` deep (each object with its properties is two levels).
function schema(levels) {
  let node = levels % 2 ? { type: 'string' } : { type: 'array', items: { type: 'string' } };
  while (depth(node) < levels) node = { type: 'object', properties: { inner: node } };
  assert.equal(depth(node), levels);
  return node;
}

// A chat request whose body nests `total` levels deep, the deepest part being the tool's parameters.
function chatWithTools(total) {
  const body = {
    model: SERVED, messages: [{ role: 'user', content: 'Call the tool.' }], max_tokens: 2, temperature: 0,
    tools: [{ type: 'function', function: { name: 'deep', description: 'a deep schema', parameters: {} } }],
    tool_choice: 'none',  // the server runs without a tool-call parser; the template still sees the tools
  };
  body.tools[0].function.parameters = schema(total - 4);  // body, tools, the tool, function
  assert.equal(depth(body), total);
  return body;
}

// The text Python's json.dumps writes (transformers' tojson): ", " and ": " between items.
function pythonJson(value) {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

test('deep tool schemas, up to the 512-level limit, are accepted and rendered whole', async () => {
  for (const total of [40, 200, MAX_DEPTH]) {
    const body = chatWithTools(total);
    const answer = await post(`${server.url}/v1/chat/completions`, body);
    assert.equal(answer.status, 200, `depth ${total}: ${answer.text.slice(0, 300)}`);
    assert.equal(answer.json.choices.length, 1);

    // The template saw the whole schema: its tojson is as long as Python's json.dumps of the tools.
    const tokenized = await post(`${server.url}/tokenize`, { model: SERVED, messages: body.messages, tools: body.tools });
    assert.equal(tokenized.status, 200, tokenized.text.slice(0, 300));
    const rendered = await post(`${server.url}/detokenize`, { model: SERVED, tokens: tokenized.json.tokens });
    assert.ok(rendered.json.prompt.includes(`tools json length: ${pythonJson(body.tools).length}\n`), rendered.json.prompt);
  }
});

test('one level past the limit is a 400 that names the limit, and the server stays up', async () => {
  for (const text of [
    JSON.stringify(chatWithTools(MAX_DEPTH + 1)),
    // Nesting anywhere in the body counts, however deep it goes.
    `{"model": "${SERVED}", "messages": [{"role": "user", "content": "x"}], "extra": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
  ]) {
    const error = assertOpenAIError(await post(`${server.url}/v1/chat/completions`, text), 400);
    assert.match(error.message, /nested deeper than 512 levels/, error.message);
    assert.match(error.message, /^request body: invalid JSON near line 1 \(byte \d+\)/, error.message);
  }
  const tokenize = assertOpenAIError(await post(`${server.url}/tokenize`, { model: SERVED, prompt: 'x', deep: schema(600) }), 400);
  assert.match(tokenize.message, /deeper than 512/);
  assert.equal((await get(`${server.url}/health`)).status, 200);
});

test('empty and truncated bodies say that the JSON ended early', async () => {
  for (const [text, pattern] of [
    ['', /empty document/],
    ['  \n', /empty document/],
    [`{"model": "${SERVED}", "messages": [`, /unexpected end of JSON \(incomplete document\)/],
    [`{"model": "${SERVED}", "prompt": "abc`, /unexpected end of JSON/],
    [`{"model": "${SERVED}", "max_tokens": 1`, /unexpected end of JSON/],
  ]) {
    const error = assertOpenAIError(await post(`${server.url}/v1/completions`, text), 400);
    assert.match(error.message, pattern, error.message);
    assert.doesNotMatch(error.message, /Success/);
    assert.match(error.message, new RegExp(`\\(byte ${Buffer.byteLength(text)}\\)`), error.message);
  }
});
