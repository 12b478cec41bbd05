// `gatehouse gateway` in front of real `gatehouse serve` processes (a tiny random Llama), spoken to
// with the official openai SDK: chat, streaming, errors, virtual keys, load spread over two live
// upstreams with a dead one cooling down, and a client cutting a stream cancelling its upstream.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { require, startListening } from './helpers.mjs';
import { get, makeLlamaCheckpoint, metricValue, parseMetrics, post, sseData, startServer } from './serve_helpers.mjs';

const OpenAI = require('openai');

const SERVED = 'tiny';
const MASTER_KEY = 'sk-gateway-master-test';
const [INPUT_COST, OUTPUT_COST] = [0.001, 0.002];
const COSTS = `      input_cost_per_token: ${INPUT_COST}\n      output_cost_per_token: ${OUTPUT_COST}\n`;
let workDir, upstreamA, upstreamB, deadPort, spread, keyed, faulty, faults, narrow, echo;
const faultHits = {};
const echoed = [];  // the bodies /echo received, as text

// Two parallel tool calls streamed as vLLM streams them: each call's first delta carries its index,
// id, type and name; later deltas carry only the index and a fragment of the arguments, interleaved.
// (A scripted upstream: no server that makes tool calls runs here yet — vLLM needs a GPU, and
// `gatehouse serve` has no tool calling before issue 18.)
const TOOL_DELTAS = [
  { role: 'assistant', content: null },
  { tool_calls: [{ index: 0, id: 'call_weather', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
  { tool_calls: [{ index: 1, id: 'call_time', type: 'function', function: { name: 'get_time', arguments: '' } }] },
  { tool_calls: [{ index: 0, function: { arguments: '{"city": ' } }] },
  { tool_calls: [{ index: 1, function: { arguments: '{"zone": "UTC"}' } }] },
  { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
];

// /echo's answers: spacing and number spellings a re-serialization would change.
const ECHO_ANSWER = '{"id": "e", "object":"chat.completion", "created":1,"model" : "m", "choices":[{"index":0,' +
  '"message":{"role":"assistant","content":"hi"},"finish_reason":"stop","logprob":-0.0, "score":1.0e0}],' +
  '"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}';
const ECHO_CHUNK = '{"id":"e","object":"chat.completion.chunk","created":1, "model":"m","choices":[{"index":0,' +
  '"delta":{"content":"hi"},"finish_reason":"stop","score":2.50}]}';

// An upstream that misbehaves as its api_base's first path segment says: /cut streams two chunks
// and drops the connection, /slow answers after 1.5 s, /fail500 and /fail400 answer those statuses;
// /tools streams TOOL_DELTAS; /echo keeps the body it got and answers ECHO_ANSWER (without its
// model for the user "no-model"; ECHO_CHUNK and its usage, streamed).
function startFaultServer() {
  const chunk = (i) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm',
    choices: [{ index: 0, delta: { content: `piece ${i} ` }, finish_reason: null }] })}\n\n`;
  const answer = { id: 'c', object: 'chat.completion', created: 1, model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: 'slow answer' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };
  const server = http.createServer((request, response) => {
    const behaviour = request.url.split('/')[1];
    faultHits[behaviour] = (faultHits[behaviour] ?? 0) + 1;
    let body = '';
    request.setEncoding('utf8').on('data', (data) => { body += data; });
    request.on('end', () => {
      if (behaviour === 'echo') {
        echoed.push(body);
        const sent = JSON.parse(body);
        const answer = sent.user === 'no-model' ? ECHO_ANSWER.replace('"model" : "m",', '') : ECHO_ANSWER;
        if (!sent.stream) return response.writeHead(200, { 'content-type': 'application/json' }).end(answer);
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.end(`data: ${ECHO_CHUNK}\n\ndata: {"id":"e","object":"chat.completion.chunk","created":1,"model":"m",` +
          '"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}\n\ndata: [DONE]\n\n');
      } else if (behaviour === 'cut') {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(chunk(0) + chunk(1));
        setTimeout(() => response.socket.destroy(), 50);
      } else if (behaviour === 'tools') {
        const event = (delta, finish = null) => `data: ${JSON.stringify({ id: 't', object: 'chat.completion.chunk', created: 1,
          model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.end(TOOL_DELTAS.map((delta) => event(delta)).join('') + event({}, 'tool_calls') + 'data: [DONE]\n\n');
      } else if (behaviour === 'slow') {
        setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)), 1500);
      } else {
        const status = behaviour === 'fail400' ? 400 : 500;
        response.writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: `upstream says ${status}`, type: 'x', param: null, code: status } }));
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

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
  faulty = await startFaultServer();
  const faultBase = `http://127.0.0.1:${faulty.address().port}`;
  faults = await startGateway(writeConfig('faults.yaml', [
    ['cut', `${faultBase}/cut/v1`, 'cut'], ['tools', `${faultBase}/tools/v1`, 'tools'], ['late', `${faultBase}/slow/v1`, 'late', '      timeout: 0.3\n'], ['broken', `${faultBase}/fail500/v1`, 'broken'], ['refused', `${faultBase}/fail400/v1`, 'refused'],
    [SERVED, `${upstreamA.url}/v1`, 'a'],
  ], `router_settings:
  num_retries: 2
  fallbacks: [{"broken": ["${SERVED}"]}, {"refused": ["${SERVED}"]}]
`), ['--busy-poll', '300']);  // its faults (cuts, timeouts, retries) also pass through polling event loops
  narrow = await startGateway(writeConfig('narrow.yaml', [['slow', `${faultBase}/slow/v1`, 'slow']]), ['--workers', '1', '--max-queue', '0']);
  echo = await startGateway(writeConfig('echo.yaml', [[SERVED, `${faultBase}/echo/v1`, 'same'], ['renamed', `${faultBase}/echo/v1`, 'renamed'],
    ['defaulted', `${faultBase}/echo/v1`, 'defaulted', '      max_tokens: 3\n']]));
  keyed = await startGateway(writeConfig('keyed.yaml', [[SERVED, `${upstreamA.url}/v1`, 'a', COSTS], ['other', `${upstreamB.url}/v1`, 'b', '      max_tokens: 3\n      temperature: 0\n']],
    `general_settings:\n  master_key: ${MASTER_KEY}\n`));
});

after(async () => {
  await Promise.all([spread, keyed, faults, narrow, echo, upstreamA, upstreamB].filter(Boolean).map((server) => server.stop()));
  faulty?.close();
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

test('litellm_params beyond the known ones fill the fields a request leaves out', async () => {
  const openai = client(keyed, MASTER_KEY);
  const messages = [{ role: 'user', content: 'Hello' }];
  assert.equal((await openai.chat.completions.create({ model: 'other', messages })).usage.completion_tokens, 3);
  assert.equal((await openai.chat.completions.create({ model: 'other', messages, max_tokens: 1 })).usage.completion_tokens, 1);
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

test('a body that needs no change goes upstream as sent, and answers keep the upstream\'s text but for model', async () => {
  const url = `${echo.url}/v1/chat/completions`;
  const asIs = `{ "model" : "${SERVED}", "messages":[{"role":"user","content":"a\\u00e9"}], "temperature": 1.0e0 }`;
  const answer = await post(url, asIs);
  assert.equal(answer.status, 200, answer.text);
  assert.equal(echoed.at(-1), asIs, 'the same bytes upstream');
  assert.equal(answer.text, ECHO_ANSWER.replace('"model" : "m"', `"model" : "openai/${SERVED}"`));

  // What the deployment changes is sent rewritten: its model, a "stream": false it drops, its defaults.
  const rewritten = [
    [{ model: 'renamed', messages: [{ role: 'user', content: 'x' }] }, { model: SERVED, messages: [{ role: 'user', content: 'x' }] }],
    [{ model: SERVED, messages: [{ role: 'user', content: 'x' }], stream: false }, { model: SERVED, messages: [{ role: 'user', content: 'x' }] }],
    [{ model: 'defaulted', messages: [{ role: 'user', content: 'x' }] }, { model: SERVED, messages: [{ role: 'user', content: 'x' }], max_tokens: 3 }],
  ];
  for (const [sent, expected] of rewritten) {
    assert.equal((await post(url, sent)).status, 200);
    assert.deepEqual(JSON.parse(echoed.at(-1)), expected);
  }

  // An answer without a model gets one all the same.
  const modelless = await post(url, { model: SERVED, messages: [{ role: 'user', content: 'x' }], user: 'no-model' });
  assert.deepEqual(modelless.json, { ...JSON.parse(ECHO_ANSWER), model: `openai/${SERVED}` });

  // A stream's chunks likewise; the usage chunk the gateway asked for itself is not passed on.
  const streamed = await post(url, { model: SERVED, messages: [{ role: 'user', content: 'x' }], stream: true });
  assert.deepEqual(JSON.parse(echoed.at(-1)).stream_options, { include_usage: true });
  assert.deepEqual(sseData(streamed.text), [ECHO_CHUNK.replace('"model":"m"', `"model":"openai/${SERVED}"`), '[DONE]']);
});

test('errors come in the OpenAI envelope: unknown model, bad body, bad key', async () => {
  const openai = client(keyed, MASTER_KEY);
  await assert.rejects(openai.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    (error) => error instanceof OpenAI.NotFoundError && error.param === 'model' && /no-such-model/.test(error.message));
  const auth = { authorization: `Bearer ${MASTER_KEY}` };
  let answer = await post(`${keyed.url}/v1/chat/completions`, '{"model": "tiny", "messages": [', auth);
  assert.equal(answer.status, 400);
  assert.equal(answer.json.error.param, 'body');
  assert.match(answer.json.error.message, /invalid JSON near line 1 \(byte 31\): unexpected end of JSON/);
  const notUtf8 = Buffer.concat([Buffer.from(`{"model": "${SERVED}", "messages": [{"role": "user", "content": "`), Buffer.from([0xc3, 0x28]),
    Buffer.from('"}]}')]);
  answer = await post(`${keyed.url}/v1/chat/completions`, notUtf8, auth);
  assert.equal(answer.status, 400);
  assert.match(answer.json.error.message, /invalid UTF-8/);
  // As deep as serve itself accepts (Boost.JSON's default would stop at 32 levels).
  let deep = 1;
  for (let level = 0; level < 100; level += 1) deep = { a: deep };
  answer = await post(`${keyed.url}/v1/chat/completions`, { model: SERVED, messages: [{ role: 'user', content: 'x' }], max_tokens: 1,
    metadata: deep }, auth);
  assert.equal(answer.status, 200, answer.text);
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

test('a stream cut by its upstream ends with an error event, not [DONE]', async () => {
  const stream = await client(faults).chat.completions.create({ model: 'cut', messages: [{ role: 'user', content: 'x' }], stream: true });
  const pieces = [];
  await assert.rejects((async () => { for await (const chunk of stream) pieces.push(chunk.choices[0].delta.content); })(),
    (error) => error instanceof OpenAI.APIError);
  assert.deepEqual(pieces, ['piece 0 ', 'piece 1 ']);
  const raw = await post(`${faults.url}/v1/chat/completions`, { model: 'cut', messages: [{ role: 'user', content: 'x' }], stream: true });
  const events = raw.text.trim().split('\n\n');
  assert.ok(!raw.text.includes('[DONE]'), raw.text);
  assert.ok(JSON.parse(events[events.length - 1].replace(/^data: /, '')).error.message, raw.text);
});

test('streamed tool-call deltas keep their index, so the SDK assembles parallel calls', async () => {
  const tools = ['get_weather', 'get_time'].map((name) => ({ type: 'function', function: { name, parameters: { type: 'object' } } }));
  const stream = client(faults).chat.completions.stream({ model: 'tools', messages: [{ role: 'user', content: 'x' }], tools });
  const final = await stream.finalChatCompletion();
  assert.equal(final.choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(final.choices[0].message.tool_calls.map((call) => [call.id, call.function.name, JSON.parse(call.function.arguments)]),
    [['call_weather', 'get_weather', { city: 'Paris' }], ['call_time', 'get_time', { zone: 'UTC' }]]);
});

test('a retryable failure is retried, then falls back to the next group; a 400 is answered at once', async () => {
  const hits = faultHits.fail500 ?? 0;
  const answer = await client(faults).chat.completions.create({ model: 'broken', messages: [{ role: 'user', content: 'x' }], max_tokens: 1 });
  assert.equal(answer.usage.completion_tokens, 1, 'answered by the fallback group');
  assert.equal(faultHits.fail500 - hits, 3, 'the one broken deployment was tried 1 + num_retries times');
  const before400 = faultHits.fail400 ?? 0;
  await assert.rejects(client(faults).chat.completions.create({ model: 'refused', messages: [{ role: 'user', content: 'x' }] }),
    (error) => error instanceof OpenAI.BadRequestError && /upstream says 400/.test(error.message));
  assert.equal(faultHits.fail400 - before400, 1, 'no retry and no fallback for a 400');
  const samples = await scrape(faults);
  assert.ok(metricValue(samples, 'gatehouse_gateway_upstream_failures_total', { deployment: 'broken', status: '500' }) >= 1);
});

test('an upstream past its timeout is retried, then answered with 408', async () => {
  const hits = faultHits.slow ?? 0;
  const started = performance.now();
  await assert.rejects(client(faults).chat.completions.create({ model: 'late', messages: [{ role: 'user', content: 'x' }] }),
    (error) => error.status === 408 && typeof error.message === 'string');
  assert.ok(performance.now() - started < 5000, 'no hang');
  assert.equal(faultHits.slow - hits, 3, '1 + num_retries tries');
});

test('overload gets 429 with Retry-After at once, not a queue', async () => {
  const body = { model: 'slow', messages: [{ role: 'user', content: 'x' }] };
  const first = post(`${narrow.url}/v1/chat/completions`, body);
  await new Promise((resolve) => setTimeout(resolve, 300));  // the one worker is now waiting on the slow upstream
  const started = performance.now();
  const second = await post(`${narrow.url}/v1/chat/completions`, body);
  assert.ok(performance.now() - started < 1000, 'refused at once');
  assert.equal(second.status, 429, second.text);
  assert.equal(second.headers.get('retry-after'), '1');
  assert.match(second.json.error.message, /capacity/);
  const during = await scrape(narrow);
  assert.equal(metricValue(during, 'gatehouse_gateway_relayed_requests'), 1, 'a loopback OpenAI upstream is relayed by the event loop');
  assert.equal(metricValue(during, 'gatehouse_gateway_workers_busy'), 0);
  assert.equal((await first).status, 200);
  const samples = await scrape(narrow);
  assert.equal(metricValue(samples, 'gatehouse_gateway_rejected_requests_total'), 1);
});
