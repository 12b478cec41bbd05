// `gatehouse gateway` in front of real `gatehouse serve` processes (a tiny random Llama), spoken to
// with the official openai SDK: chat, streaming, errors, virtual keys, load spread over two live
// upstreams with a dead one cooling down, and a client cutting a stream cancelling its upstream.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { require, startListening } from './helpers.mjs';
import { get, makeLlamaCheckpoint, metricValue, parseMetrics, post, startServer } from './serve_helpers.mjs';

const OpenAI = require('openai');

const SERVED = 'tiny';
const MASTER_KEY = 'sk-gateway-master-test';
const [INPUT_COST, OUTPUT_COST] = [0.001, 0.002];
const COSTS = `      input_cost_per_token: ${INPUT_COST}\n      output_cost_per_token: ${OUTPUT_COST}\n`;
let workDir, upstreamA, upstreamB, deadPort, spread, keyed;

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// A LiteLLM config.yaml: `models` is [[model_name, api_base, id, more litellm_params lines], ...].
function writeConfig(name, models, extra = '') {
  const file = path.join(workDir, name);
  const entries = models.map(([modelName, apiBase, id, params = '']) => `  - model_name: ${modelName}
    litellm_params:
      model: openai/${SERVED}
      api_base: ${apiBase}
${params}    model_info:
      id: ${id}
`).join('');
  fs.writeFileSync(file, `model_list:\n${entries}${extra}`);
  return file;
}

function startGateway(config, args = []) {
  return startListening(['gateway', '--config', config, '--host', '127.0.0.1', '--port', '0',
    '--data-dir', path.join(workDir, `data-${path.basename(config)}`), ...args]);
}

async function scrape(server, headers = {}) {
  const answer = await get(`${server.url}/metrics`, headers);
  assert.equal(answer.status, 200, answer.text);
  return parseMetrics(answer.text);
}

// Requests the serve replica finished, whatever the reason.
async function finishedAt(server) {
  const samples = await scrape(server);
  return samples.filter((s) => s.name === 'vllm:request_success_total').reduce((sum, s) => sum + s.value, 0);
}

before(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-gateway-'));
  const model = makeLlamaCheckpoint(workDir);
  [upstreamA, upstreamB] = await Promise.all([
    startServer(['--model', model, '--served-model-name', SERVED]),
    startServer(['--model', model, '--served-model-name', SERVED]),
  ]);
  deadPort = await freePort();
  spread = await startGateway(writeConfig('spread.yaml', [
    [SERVED, `${upstreamA.url}/v1`, 'live-a'], [SERVED, `${upstreamB.url}/v1`, 'live-b'], [SERVED, `http://127.0.0.1:${deadPort}/v1`, 'dead'],
  ], `router_settings:
  routing_strategy: simple-shuffle
  num_retries: 3
  allowed_fails: 0
  cooldown_time: 60
litellm_settings:
  success_callback: ["langfuse"]
`));
  keyed = await startGateway(writeConfig('keyed.yaml', [[SERVED, `${upstreamA.url}/v1`, 'a', COSTS], ['other', `${upstreamB.url}/v1`, 'b']],
    `general_settings:\n  master_key: ${MASTER_KEY}\n`));
});

after(async () => {
  await Promise.all([spread, keyed, upstreamA, upstreamB].filter(Boolean).map((server) => server.stop()));
  fs.rmSync(workDir, { recursive: true, force: true });
});

const client = (server, apiKey = 'unused', options = {}) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0, ...options });

test('the gateway reports the settings it ignores by name', () => {
  assert.match(spread.stderr(), /litellm_settings\.success_callback/);
});

test('chat through the gateway with the openai SDK, with the overhead header', async () => {
  const { data, response } = await client(keyed, MASTER_KEY).chat.completions.create({
    model: SERVED, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 5, temperature: 0,
  }).withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.equal(typeof data.choices[0].message.content, 'string');
  assert.equal(data.usage.completion_tokens, 5);
  const overhead = Number(response.headers.get('x-gateway-overhead-ms'));
  assert.ok(overhead >= 0 && overhead < 1000, `x-gateway-overhead-ms: ${response.headers.get('x-gateway-overhead-ms')}`);
});

test('streaming passes the chunks through and ends with [DONE]', async () => {
  const stream = await client(keyed, MASTER_KEY).chat.completions.create({
    model: SERVED, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 6, temperature: 0, stream: true,
  });
  let text = '', chunks = 0, finish = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.choices.length === 0) continue;
    chunks += 1;
    text += chunk.choices[0].delta.content ?? '';
    finish = chunk.choices[0].finish_reason ?? finish;
  }
  assert.ok(chunks >= 6, `${chunks} chunks`);
  assert.equal(finish, 'length');
  const direct = await post(`${upstreamA.url}/v1/chat/completions`,
    { model: SERVED, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 6, temperature: 0 });
  assert.equal(text, direct.json.choices[0].message.content, 'the same text as the upstream gives directly');
  const raw = await post(`${keyed.url}/v1/chat/completions`,
    { model: SERVED, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2, stream: true }, { authorization: `Bearer ${MASTER_KEY}` });
  assert.ok(raw.text.trimEnd().endsWith('data: [DONE]'), raw.text);
  assert.ok(raw.headers.get('x-gateway-overhead-ms'));
});

test('errors come in the OpenAI envelope: unknown model, bad body, bad key', async () => {
  const openai = client(keyed, MASTER_KEY);
  await assert.rejects(openai.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    (error) => error instanceof OpenAI.NotFoundError && error.param === 'model' && /no-such-model/.test(error.message));
  const auth = { authorization: `Bearer ${MASTER_KEY}` };
  let answer = await post(`${keyed.url}/v1/chat/completions`, '{"model": "tiny", "messages": [', auth);
  assert.equal(answer.status, 400);
  assert.equal(answer.json.error.param, 'body');
  answer = await post(`${keyed.url}/v1/chat/completions`, { model: SERVED, messages: [{ content: 'x' }] }, auth);
  assert.equal(answer.status, 400);
  assert.equal(answer.json.error.param, 'messages[0].role');
  answer = await post(`${keyed.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'x' }] }, auth);
  assert.equal(answer.json.error.param, 'model');
  await assert.rejects(client(keyed, 'sk-wrong').chat.completions.create({ model: SERVED, messages: [{ role: 'user', content: 'x' }] }),
    (error) => error instanceof OpenAI.AuthenticationError && !error.message.includes(MASTER_KEY));
  assert.equal((await get(`${keyed.url}/v1/models`)).status, 401, 'no key');
  assert.equal((await get(`${keyed.url}/health/liveliness`)).status, 200, 'the probes need no key');
  const models = await client(keyed, MASTER_KEY).models.list();
  assert.deepEqual(models.data.map((m) => m.id), [SERVED, 'other']);
});

test('virtual keys: a model allow-list, spend from streams too, and an rpm limit, with clear refusals', async () => {
  const auth = { authorization: `Bearer ${MASTER_KEY}` };
  const generated = await post(`${keyed.url}/key/generate`, { models: [SERVED], rpm_limit: 3 }, auth);
  assert.equal(generated.status, 200, generated.text);
  const key = generated.json.key;
  assert.match(key, /^sk-/);
  const openai = client(keyed, key);
  const messages = [{ role: 'user', content: 'Hi' }];
  const answer = await openai.chat.completions.create({ model: SERVED, messages, max_tokens: 1 });
  assert.equal(answer.usage.completion_tokens, 1);
  const firstCost = answer.usage.prompt_tokens * INPUT_COST + answer.usage.completion_tokens * OUTPUT_COST;
  await assert.rejects(openai.chat.completions.create({ model: 'other', messages, max_tokens: 1 }),
    (error) => error.status === 401 && /other/.test(error.message));
  const stream = await openai.chat.completions.create({ model: SERVED, messages, max_tokens: 2, stream: true });
  for await (const chunk of stream) assert.ok(chunk.choices.length > 0, 'no usage chunk the client did not ask for');
  const info = await get(`${keyed.url}/key/info`, { authorization: `Bearer ${key}` });
  assert.equal(info.status, 200, info.text);
  assert.ok(info.json.info.spend > firstCost * 1.5, `the stream's tokens were charged: spend ${info.json.info.spend}, first call ${firstCost}`);
  // rpm_limit 3 with 2 used: the next one or two (should a minute begin meanwhile) pass, then 429.
  let refused = null, passed = 0;
  for (let i = 0; i < 5 && !refused; i++) {
    try {
      await openai.chat.completions.create({ model: SERVED, messages, max_tokens: 1 });
      passed += 1;
    } catch (error) {
      refused = error;
    }
  }
  assert.ok(refused instanceof OpenAI.RateLimitError, `refused with ${refused}`);
  assert.match(refused.message, /rpm/);
  assert.ok(passed <= 4, `${passed} passed`);
  assert.equal((await post(`${keyed.url}/key/generate`, {}, { authorization: `Bearer ${key}` })).status, 401, 'a virtual key cannot make keys');
});

test('traffic spreads over the two live upstreams, the dead one cools down, and no request fails', async () => {
  const [beforeA, beforeB] = [await finishedAt(upstreamA), await finishedAt(upstreamB)];
  const openai = client(spread);
  const results = await Promise.allSettled(Array.from({ length: 24 }, (_, i) => openai.chat.completions.create({
    model: SERVED, messages: [{ role: 'user', content: `Hello ${i}` }], max_tokens: 1, stream: i % 2 === 1,
  }).then(async (answer) => { if (i % 2 === 1) for await (const chunk of answer) { /* drain */ } })));
  const failed = results.filter((r) => r.status === 'rejected');
  assert.deepEqual(failed.map((r) => String(r.reason)), [], 'no request fails');
  const [servedA, servedB] = [(await finishedAt(upstreamA)) - beforeA, (await finishedAt(upstreamB)) - beforeB];
  assert.equal(servedA + servedB, 24);
  assert.ok(servedA >= 3 && servedB >= 3, `spread: ${servedA} on A, ${servedB} on B`);
  const samples = await scrape(spread);
  assert.equal(metricValue(samples, 'gatehouse_gateway_deployment_cooling_down', { deployment: 'dead' }), 1);
  assert.equal(metricValue(samples, 'gatehouse_gateway_deployment_cooling_down', { deployment: 'live-a' }), 0);
  assert.ok(metricValue(samples, 'gatehouse_gateway_cooldowns_total') >= 1);
  assert.ok(samples.some((s) => s.name === 'gatehouse_gateway_upstream_failures_total' && s.labels.deployment === 'dead' && s.value >= 1));
  assert.equal(metricValue(samples, 'gatehouse_gateway_requests_total', { model_name: SERVED, status: '200' }) >= 24, true);
  const health = await get(`${spread.url}/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(health.json.healthy_endpoints.map((e) => e.id).sort(), ['live-a', 'live-b']);
  assert.deepEqual(health.json.unhealthy_endpoints.map((e) => e.id), ['dead']);
});

test('a client cutting a stream cancels its upstream', async () => {
  const samplesOf = async () => scrape(upstreamA);
  const label = { model_name: SERVED };
  const abortedBefore = metricValue(await samplesOf(), 'vllm:request_success_total', { ...label, finished_reason: 'abort' }) ?? 0;
  const stream = await client(keyed, MASTER_KEY).completions.create({
    model: SERVED, prompt: 'Once upon a time', max_tokens: 1500, ignore_eos: true, temperature: 0, stream: true,
  });
  let received = 0;
  for await (const chunk of stream) {
    if (chunk.choices.length && ++received === 3) {
      assert.equal(metricValue(await samplesOf(), 'vllm:num_requests_running', label), 1, 'the upstream is generating');
      break;  // leaving the loop aborts the SDK's request
    }
  }
  let samples;
  for (let i = 0; i < 100; i++) {
    samples = await samplesOf();
    const aborted = metricValue(samples, 'vllm:request_success_total', { ...label, finished_reason: 'abort' }) ?? 0;
    if (metricValue(samples, 'vllm:num_requests_running', label) === 0 && aborted > abortedBefore) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(metricValue(samples, 'vllm:num_requests_running', label), 0);
  assert.equal(metricValue(samples, 'vllm:request_success_total', { ...label, finished_reason: 'abort' }), abortedBefore + 1,
    'the upstream counted the request as aborted');
});
