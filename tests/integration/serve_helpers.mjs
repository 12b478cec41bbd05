// Shared by the model server tests: a tiny random-weight Llama checkpoint on disk, `gatehouse serve` started on a
// free port (and stopped by the test), and small readers for what the server sends (SSE streams, Prometheus text).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { lenml, require, startListening } from './helpers.mjs';

const makeCheckpointScript = fileURLToPath(new URL('../../scripts/make_checkpoint.py', import.meta.url));
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

// Parses a structured answer and checks it against its schema with ajv (2020 draft, ajv-formats), a validator
// nobody here wrote; `where` names the answer in failures. Returns the parsed value.
export function assertValidJson(schema, text, where) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    assert.fail(`${where}: not JSON (${error.message}): ${JSON.stringify(text).slice(0, 300)}`);
  }
  const check = ajv.compile(schema);  // compiled once per schema object: ajv caches by identity
  assert.ok(check(value), `${where}: ${ajv.errorsText(check.errors)}\n${JSON.stringify(text).slice(0, 300)}`);
  return value;
}

// Writes a tiny random Llama checkpoint with a real tokenizer and chat template (Llama 3's unless `tokenizer` names
// another @lenml/tokenizer-* package) into dir/model; returns that folder.
export function makeLlamaCheckpoint(dir, { tokenizer = 'llama3' } = {}) {
  const out = path.join(dir, 'model');
  const run = spawnSync('/usr/bin/python3',
    [makeCheckpointScript, '--arch', 'llama', '--out', out, '--tokenizer-from', lenml(tokenizer)],
    { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`make_checkpoint.py failed (${run.status}): ${run.stderr}`);
  return out;
}

// Starts `gatehouse serve --host 127.0.0.1 --port 0 ARGS` (see startListening).
export function startServer(args, { env = {}, startupMs = 60_000 } = {}) {
  return startListening(['serve', '--host', '127.0.0.1', '--port', '0', ...args], { env, startupMs });
}

// POSTs `body` (an object is sent as JSON; a string or Buffer as is) to url; resolves to {status, headers, text, json}
// (json is null when the body is not JSON).
export async function post(url, body, headers = {}) {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const response = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload,
  });
  return readResponse(response);
}

export async function get(url, headers = {}) {
  return readResponse(await fetch(url, { headers }));
}

async function readResponse(response) {
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, headers: response.headers, text, json };
}

// The `data:` payloads of an SSE body, in order (the field's optional leading space removed).
export function sseData(text) {
  const out = [];
  for (const event of text.split(/\r?\n\r?\n/)) {
    const lines = event.split(/\r?\n/).filter((line) => line.startsWith('data:'));
    if (lines.length) out.push(lines.map((line) => line.slice(5).replace(/^ /, '')).join('\n'));
  }
  return out;
}

// Parses Prometheus text exposition into [{name, labels: {..}, value}] (comments skipped).
export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/);
    if (!match) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = value;
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

// The value of the sample `name` whose labels include `labels`; undefined when there is none.
export function metricValue(samples, name, labels = {}) {
  const sample = samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return sample?.value;
}

// POST /v1/completions on `server`; asserts 200 and returns the answer's JSON.
export async function completionAt(server, body, headers = {}) {
  const answer = await post(`${server.url}/v1/completions`, body, headers);
  if (answer.status !== 200) throw new Error(`POST /v1/completions answered ${answer.status}: ${answer.text}`);
  return answer.json;
}

// A greedy completion of `prompt` with its token ids (read from logprobs with return_tokens_as_token_ids).
export async function greedyWithIdsAt(server, model, maxTokens, prompt) {
  const answer = await completionAt(server, {
    model, prompt, max_tokens: maxTokens, temperature: 0, logprobs: 0, return_tokens_as_token_ids: true,
  });
  const choice = answer.choices[0];
  return { text: choice.text, ids: choice.logprobs.tokens.map((t) => Number(t.replace(/^token_id:/, ''))) };
}

// Asserts an OpenAI error envelope with `status` (and `param` when given); returns the inner error object.
export function assertOpenAIError(answer, status, param) {
  assert.equal(answer.status, status, answer.text);
  assert.ok(answer.json && typeof answer.json.error === 'object', `not an OpenAI error envelope: ${answer.text}`);
  const { error } = answer.json;
  assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(typeof error.message, 'string');
  assert.ok(error.message.length > 0);
  assert.equal(typeof error.type, 'string');
  assert.equal(error.code, status);
  if (param !== undefined) assert.equal(error.param, param, answer.text);
  return error;
}

// GET /metrics of `server`: {text, samples}.
export async function scrapeMetrics(server) {
  const answer = await get(`${server.url}/metrics`);
  assert.equal(answer.status, 200);
  return { text: answer.text, samples: parseMetrics(answer.text) };
}
