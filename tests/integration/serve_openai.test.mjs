// `gatehouse serve` driven by real clients: the openai SDK (the pinned 7.57.0), @huggingface/inference (4.13.30),
// curl, and plain fetch / raw sockets where a client has to misbehave.
//
// 1. Seed 000 through curl, byte for byte the seed's request: the response has exactly vLLM's shape.
// 2. OpenAI API through the openai SDK: chat and completions, streaming and not (greedy streamed text equals the
//    non-streamed text), n > 1, logprobs (chat and legacy), stop strings, stop_token_ids, include_usage, seeds,
//    max_tokens, echo, token-id prompts, return_tokens_as_token_ids and the other vLLM sampling extras.
// 3. vLLM's operational routes: /health, /ping, /version, /v1/models, /tokenize, /detokenize, /metrics.
// (Bad input, limits and misbehaving clients: serve_limits.test.mjs; TGI's routes and @huggingface/inference:
// serve_tgi.test.mjs.)
//
// One server on a tiny random-weight Llama checkpoint (Llama 3's tokenizer and chat template), served as
// meta-llama/Llama-3.2-1B-Instruct; stopped by the file. Nothing leaves 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

import { require } from './helpers.mjs';
import { runProcess, tempDir } from './hub_helpers.mjs';
import {
  assertOpenAIError, completionAt, get, greedyWithIdsAt, makeLlamaCheckpoint, metricValue, post, scrapeMetrics, sseData,
  startServer,
} from './serve_helpers.mjs';

const { OpenAI } = require('openai');

const SERVED = 'meta-llama/Llama-3.2-1B-Instruct';
const ALIAS = 'llama-alias';
const PROMPT = 'The quick brown fox';
const HI = [{ role: 'user', content: 'Say hi.' }];
const SEED_FILE = fileURLToPath(new URL('../../../shared/seeds/000_cd82a0cdfeff3ce1.txt', import.meta.url));

let workDir;
let main;
let openai;

before(async () => {
  workDir = tempDir('serve');
  main = await startServer(['--model', makeLlamaCheckpoint(workDir), '--served-model-name', SERVED, ALIAS]);
  openai = new OpenAI({ baseURL: `${main.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
});

after(async () => {
  await main?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------
// Small helpers.

const codePoints = (s) => [...s].length;
const completion = (body, server = main, headers = {}) => completionAt(server, { model: SERVED, ...body }, headers);
const greedyWithIds = (maxTokens, prompt = PROMPT) => greedyWithIdsAt(main, SERVED, maxTokens, prompt);
const metrics = () => scrapeMetrics(main);




// ---------------------------------------------------------------------------------------------------------------
// 1. Seed 000 through curl.

// The request body of the seed's curl command, exactly as written there.
function seedRequest() {
  const text = fs.readFileSync(SEED_FILE, 'utf8');
  const match = text.match(/curl[\s\S]*?'(https?:\/\/[^']+)'[\s\S]*?-d '(\{[\s\S]*?\})' \| jq/);
  assert.ok(match, 'the seed file holds a curl command with a -d body');
  const body = match[2];
  JSON.parse(body);
  return { path: new URL(match[1]).pathname, body };
}

test('seed 000 through curl: vLLM\'s exact response shape', async () => {
  const seed = seedRequest();
  assert.equal(seed.path, '/v1/chat/completions');
  const run = await runProcess('curl', ['-sS', '-Lk', '-X', 'POST', `${main.url}${seed.path}`,
    '-H', 'accept: application/json', '-H', 'Content-Type: application/json', '-d', seed.body,
    '-w', '\n%{http_code}']);
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  const status = lines.pop();
  assert.equal(status, '200', run.stdout);
  const response = JSON.parse(lines.join('\n'));
  const request = JSON.parse(seed.body);

  assert.deepEqual(Object.keys(response),
    ['id', 'object', 'created', 'model', 'choices', 'usage', 'prompt_logprobs', 'kv_transfer_params']);
  assert.match(response.id, /^chatcmpl-[0-9a-f]{32}$/);
  assert.equal(response.object, 'chat.completion');
  assert.equal(response.model, SERVED);
  assert.ok(Number.isInteger(response.created));
  assert.ok(Math.abs(response.created - Date.now() / 1000) < 300, `created ${response.created} is not now`);
  assert.equal(response.prompt_logprobs, null);
  assert.equal(response.kv_transfer_params, null);

  assert.equal(response.choices.length, 1);
  const [choice] = response.choices;
  assert.deepEqual(Object.keys(choice), ['index', 'message', 'logprobs', 'finish_reason', 'stop_reason']);
  assert.equal(choice.index, 0);
  assert.equal(choice.logprobs, null);
  assert.deepEqual(Object.keys(choice.message), ['role', 'reasoning_content', 'content', 'tool_calls']);
  assert.equal(choice.message.role, 'assistant');
  assert.equal(choice.message.reasoning_content, null);
  assert.deepEqual(choice.message.tool_calls, []);
  assert.equal(typeof choice.message.content, 'string');
  assert.ok(!choice.message.content.includes('hello'), 'the stop string "hello" is never in the content');

  assert.deepEqual(Object.keys(response.usage),
    ['prompt_tokens', 'total_tokens', 'completion_tokens', 'prompt_tokens_details']);
  const { usage } = response;
  assert.equal(usage.prompt_tokens_details, null);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  if (choice.finish_reason === 'length') {
    assert.equal(usage.completion_tokens, request.max_tokens);
    assert.equal(choice.stop_reason, null);
  } else {
    assert.equal(choice.finish_reason, 'stop');
    assert.ok(usage.completion_tokens <= request.max_tokens);
  }
  // The prompt is the messages through the model's chat template, as /tokenize counts it.
  const tokenized = await post(`${main.url}/tokenize`, { model: SERVED, messages: request.messages });
  assert.equal(tokenized.status, 200, tokenized.text);
  assert.equal(usage.prompt_tokens, tokenized.json.count);
});

// ---------------------------------------------------------------------------------------------------------------
// 2. OpenAI API through the openai SDK.

test('openai SDK: chat completion, streamed and not, gives the same greedy text', async () => {
  const request = { model: SERVED, messages: HI, max_tokens: 12, temperature: 0 };
  const full = await openai.chat.completions.create(request);
  assert.match(full.id, /^chatcmpl-/);
  assert.equal(full.object, 'chat.completion');
  assert.equal(full.model, SERVED);
  const [choice] = full.choices;
  assert.equal(choice.message.role, 'assistant');
  assert.ok(choice.message.content.length > 0);
  assert.equal(choice.finish_reason, 'length');
  assert.equal(full.usage.completion_tokens, 12);

  const again = await openai.chat.completions.create(request);
  assert.equal(again.choices[0].message.content, choice.message.content, 'greedy decoding is deterministic');

  const stream = await openai.chat.completions.create({ ...request, stream: true });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.length >= 3, `${chunks.length} chunks`);
  const ids = new Set(chunks.map((c) => c.id));
  assert.equal(ids.size, 1, 'every chunk carries the same id');
  assert.match(chunks[0].id, /^chatcmpl-/);
  for (const chunk of chunks) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    assert.equal(chunk.model, SERVED);
  }
  assert.equal(chunks[0].choices[0].delta.role, 'assistant', 'the first chunk carries the role');
  assert.ok(chunks.slice(1).every((c) => c.choices.every((x) => x.delta.role === undefined)),
    'only the first chunk carries the role');
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
  assert.equal(text, choice.message.content);
  const last = chunks.at(-1).choices[0];
  assert.equal(last.finish_reason, 'length');
  assert.ok(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null));
});

test('openai SDK: content given as an array of text parts is the same prompt as a string', async () => {
  const asString = await openai.chat.completions.create({ model: SERVED, messages: HI, max_tokens: 6, temperature: 0 });
  const asParts = await openai.chat.completions.create({
    model: SERVED, max_tokens: 6, temperature: 0,
    messages: [{ role: 'user', content: [{ type: 'text', text: HI[0].content }] }],
  });
  assert.equal(asParts.usage.prompt_tokens, asString.usage.prompt_tokens);
  assert.equal(asParts.choices[0].message.content, asString.choices[0].message.content);
  const withSystem = await openai.chat.completions.create({
    model: SERVED, max_tokens: 6, temperature: 0,
    messages: [{ role: 'system', content: 'You are terse.' }, ...HI],
  });
  assert.ok(withSystem.usage.prompt_tokens > asString.usage.prompt_tokens, 'the system message is in the prompt');
});

test('openai SDK: completions, streamed and not, gives the same greedy text', async () => {
  const request = { model: SERVED, prompt: PROMPT, max_tokens: 10, temperature: 0 };
  const full = await openai.completions.create(request);
  assert.match(full.id, /^cmpl-/);
  assert.equal(full.object, 'text_completion');
  assert.equal(full.model, SERVED);
  const [choice] = full.choices;
  assert.equal(choice.index, 0);
  assert.equal(choice.finish_reason, 'length');
  assert.equal(full.usage.completion_tokens, 10);
  assert.equal(full.usage.total_tokens, full.usage.prompt_tokens + 10);

  const stream = await openai.completions.create({ ...request, stream: true });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.length >= 2);
  for (const chunk of chunks) {
    assert.equal(chunk.object, 'text_completion');
    assert.equal(chunk.id, chunks[0].id);
  }
  assert.equal(chunks.map((c) => c.choices[0].text).join(''), choice.text);
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'length');
});

test('openai SDK: n > 1 gives n choices with distinct indexes', async () => {
  const chat = await openai.chat.completions.create({
    model: SERVED, messages: HI, max_tokens: 6, temperature: 1, seed: 11, n: 3,
  });
  assert.deepEqual(chat.choices.map((c) => c.index).sort(), [0, 1, 2]);
  assert.equal(chat.usage.completion_tokens, 18);
  const texts = new Set(chat.choices.map((c) => c.message.content));
  assert.ok(texts.size > 1, `three samples at temperature 1 are not all the same: ${[...texts]}`);

  const completions = await openai.completions.create({ model: SERVED, prompt: PROMPT, max_tokens: 4, temperature: 0, n: 2 });
  assert.deepEqual(completions.choices.map((c) => c.index).sort(), [0, 1]);

  const stream = await openai.chat.completions.create({
    model: SERVED, messages: HI, max_tokens: 4, temperature: 1, seed: 11, n: 2, stream: true,
  });
  const byIndex = new Map();
  const finished = new Map();
  for await (const chunk of stream) {
    for (const c of chunk.choices) {
      byIndex.set(c.index, (byIndex.get(c.index) ?? '') + (c.delta.content ?? ''));
      if (c.finish_reason) finished.set(c.index, c.finish_reason);
    }
  }
  assert.deepEqual([...byIndex.keys()].sort(), [0, 1]);
  assert.deepEqual([...finished.entries()].sort(), [[0, 'length'], [1, 'length']]);
});

test('openai SDK: chat logprobs with top_logprobs', async () => {
  const answer = await openai.chat.completions.create({
    model: SERVED, messages: HI, max_tokens: 5, temperature: 0, logprobs: true, top_logprobs: 3,
  });
  const [choice] = answer.choices;
  const entries = choice.logprobs.content;
  assert.equal(entries.length, 5);
  for (const entry of entries) {
    assert.deepEqual(Object.keys(entry).sort(), ['bytes', 'logprob', 'token', 'top_logprobs']);
    assert.equal(typeof entry.token, 'string');
    assert.ok(entry.logprob <= 0);
    assert.deepEqual(entry.bytes, [...Buffer.from(entry.token, 'utf8')]);
    assert.equal(entry.top_logprobs.length, 3);
    for (const top of entry.top_logprobs) {
      assert.deepEqual(Object.keys(top).sort(), ['bytes', 'logprob', 'token']);
      assert.deepEqual(top.bytes, [...Buffer.from(top.token, 'utf8')]);
    }
    const values = entry.top_logprobs.map((t) => t.logprob);
    assert.deepEqual(values, [...values].sort((a, b) => b - a), 'top_logprobs are best first');
    // Greedy: the chosen token is the most likely one.
    assert.equal(entry.top_logprobs[0].token, entry.token);
    assert.equal(entry.top_logprobs[0].logprob, entry.logprob);
  }
  assert.equal(entries.map((e) => e.token).join(''), choice.message.content);

  // Streamed, each chunk carries the logprobs of its tokens: together the same entries.
  const stream = await openai.chat.completions.create({
    model: SERVED, messages: HI, max_tokens: 5, temperature: 0, logprobs: true, top_logprobs: 3, stream: true,
  });
  const streamed = [];
  for await (const chunk of stream) streamed.push(...(chunk.choices[0]?.logprobs?.content ?? []));
  assert.deepEqual(streamed.map((e) => e.token), entries.map((e) => e.token));
  for (const [i, entry] of streamed.entries()) {
    assert.ok(Math.abs(entry.logprob - entries[i].logprob) < 1e-4);
    assert.equal(entry.top_logprobs.length, 3);
  }

  const without = await openai.chat.completions.create({ model: SERVED, messages: HI, max_tokens: 2, temperature: 0 });
  assert.equal(without.choices[0].logprobs, null);
});

test('openai SDK: completions legacy logprobs', async () => {
  const answer = await openai.completions.create({
    model: SERVED, prompt: PROMPT, max_tokens: 6, temperature: 0, logprobs: 2,
  });
  const [choice] = answer.choices;
  const { tokens, token_logprobs: tokenLogprobs, top_logprobs: topLogprobs, text_offset: textOffset } = choice.logprobs;
  for (const list of [tokens, tokenLogprobs, topLogprobs, textOffset]) assert.equal(list.length, 6);
  assert.equal(tokens.join(''), choice.text);
  assert.equal(textOffset[0], 0);
  for (let i = 1; i < 6; i++) assert.equal(textOffset[i], textOffset[i - 1] + codePoints(tokens[i - 1]));
  for (let i = 0; i < 6; i++) {
    assert.ok(tokenLogprobs[i] <= 0);
    const keys = Object.keys(topLogprobs[i]);
    assert.ok(keys.length >= 1 && keys.length <= 3, `top_logprobs[${i}] has ${keys.length} entries`);
    assert.equal(topLogprobs[i][tokens[i]], tokenLogprobs[i], 'the chosen token is among the top logprobs');
    assert.equal(Math.max(...Object.values(topLogprobs[i])), tokenLogprobs[i], 'greedy picks the best');
  }
});

test('stop strings end the text right before the stop string, streamed or not', async () => {
  const base = await completion({ prompt: PROMPT, max_tokens: 16, temperature: 0 });
  const text = base.choices[0].text;
  const chars = [...text];
  // A 3-character stop string from the middle of the greedy text (no replacement characters).
  let start = Math.floor(chars.length / 2);
  while (start > 1 && chars.slice(start, start + 3).join('').includes('\ufffd')) start--;
  const stop = chars.slice(start, start + 3).join('');
  assert.ok(stop.length > 0 && !stop.includes('\ufffd'), `no usable stop string in ${JSON.stringify(text)}`);
  const expected = text.slice(0, text.indexOf(stop));

  const stopped = await completion({ prompt: PROMPT, max_tokens: 16, temperature: 0, stop: [stop] });
  const choice = stopped.choices[0];
  assert.equal(choice.text, expected, `stop ${JSON.stringify(stop)} in ${JSON.stringify(text)}`);
  assert.equal(choice.finish_reason, 'stop');
  assert.equal(choice.stop_reason, stop);
  assert.ok(stopped.usage.completion_tokens < 16);

  const kept = await completion({
    prompt: PROMPT, max_tokens: 16, temperature: 0, stop: [stop], include_stop_str_in_output: true,
  });
  assert.equal(kept.choices[0].text, expected + stop);

  const stream = await openai.completions.create({
    model: SERVED, prompt: PROMPT, max_tokens: 16, temperature: 0, stop: [stop], stream: true,
  });
  let streamed = '';
  let last;
  for await (const chunk of stream) {
    streamed += chunk.choices[0].text;
    assert.ok(!streamed.includes(stop), `the streamed text so far contains the stop string: ${JSON.stringify(streamed)}`);
    last = chunk.choices[0];
  }
  assert.equal(streamed, expected);
  assert.equal(last.finish_reason, 'stop');
  assert.equal(last.stop_reason, stop);

  // Chat: the same, through the SDK.
  const chatBase = await openai.chat.completions.create({ model: SERVED, messages: HI, max_tokens: 16, temperature: 0 });
  const chatText = chatBase.choices[0].message.content;
  const chatChars = [...chatText];
  let chatStart = Math.floor(chatChars.length / 2);
  while (chatStart > 1 && chatChars.slice(chatStart, chatStart + 3).join('').includes('\ufffd')) chatStart--;
  const chatStop = chatChars.slice(chatStart, chatStart + 3).join('');
  const chatExpected = chatText.slice(0, chatText.indexOf(chatStop));
  const chatStopped = await openai.chat.completions.create({
    model: SERVED, messages: HI, max_tokens: 16, temperature: 0, stop: [chatStop],
  });
  assert.equal(chatStopped.choices[0].message.content, chatExpected);
  assert.equal(chatStopped.choices[0].finish_reason, 'stop');
  assert.equal(chatStopped.choices[0].stop_reason, chatStop);
  const chatStream = await openai.chat.completions.create({
    model: SERVED, messages: HI, max_tokens: 16, temperature: 0, stop: [chatStop], stream: true,
  });
  let chatStreamed = '';
  for await (const chunk of chatStream) chatStreamed += chunk.choices[0]?.delta.content ?? '';
  assert.equal(chatStreamed, chatExpected);
  assert.ok(!chatStreamed.includes(chatStop));
});

test('stream_options.include_usage ends the stream with a usage chunk', async () => {
  const stream = await openai.chat.completions.create({
    model: SERVED, messages: HI, max_tokens: 5, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  const last = chunks.at(-1);
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage.completion_tokens, 5);
  assert.ok(last.usage.prompt_tokens > 0);
  assert.equal(last.usage.total_tokens, last.usage.prompt_tokens + 5);
  assert.ok(chunks.slice(0, -1).every((c) => !c.usage), 'only the last chunk carries usage');

  const completionStream = await openai.completions.create({
    model: SERVED, prompt: PROMPT, max_tokens: 3, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  const completionChunks = [];
  for await (const chunk of completionStream) completionChunks.push(chunk);
  assert.deepEqual(completionChunks.at(-1).choices, []);
  assert.equal(completionChunks.at(-1).usage.completion_tokens, 3);

  const plain = await post(`${main.url}/v1/chat/completions`,
    { model: SERVED, messages: HI, max_tokens: 2, temperature: 0, stream: true });
  assert.match(plain.headers.get('content-type'), /^text\/event-stream/);
  assert.match(plain.text, /^(data: [^\n]+\n\n)+$/, 'SSE events are `data: JSON` and a blank line');
  assert.ok(plain.text.endsWith('data: [DONE]\n\n'));
  const events = sseData(plain.text);
  assert.equal(events.at(-1), '[DONE]');
  assert.ok(events.slice(0, -1).every((e) => JSON.parse(e).usage === undefined || JSON.parse(e).usage === null),
    'no usage without include_usage');
});

test('seeded sampling is reproducible and depends on the seed', async () => {
  const request = { model: SERVED, prompt: PROMPT, max_tokens: 8, temperature: 1, seed: 7 };
  const first = await openai.completions.create(request);
  const second = await openai.completions.create(request);
  assert.equal(first.choices[0].text, second.choices[0].text);
  const other = await openai.completions.create({ ...request, seed: 8 });
  assert.notEqual(other.choices[0].text, first.choices[0].text);

  const chatRequest = { model: SERVED, messages: HI, max_tokens: 8, temperature: 1, seed: 7 };
  const chatFirst = await openai.chat.completions.create(chatRequest);
  const chatSecond = await openai.chat.completions.create({ ...chatRequest, stream: false });
  assert.equal(chatFirst.choices[0].message.content, chatSecond.choices[0].message.content);
  const chatStream = await openai.chat.completions.create({ ...chatRequest, stream: true });
  let streamed = '';
  for await (const chunk of chatStream) streamed += chunk.choices[0]?.delta.content ?? '';
  assert.equal(streamed, chatFirst.choices[0].message.content, 'a seeded stream samples the same tokens');
});

test('max_tokens and max_completion_tokens end with finish_reason "length"', async () => {
  for (const maxTokens of [1, 7]) {
    const answer = await openai.completions.create({
      model: SERVED, prompt: PROMPT, max_tokens: maxTokens, temperature: 0, ignore_eos: true,
    });
    assert.equal(answer.choices[0].finish_reason, 'length');
    assert.equal(answer.choices[0].stop_reason, null);
    assert.equal(answer.usage.completion_tokens, maxTokens);
  }
  const chat = await openai.chat.completions.create({
    model: SERVED, messages: HI, max_completion_tokens: 3, temperature: 0,
  });
  assert.equal(chat.choices[0].finish_reason, 'length');
  assert.equal(chat.usage.completion_tokens, 3);
});

test('echo puts the prompt before the completion', async () => {
  const plain = await openai.completions.create({ model: SERVED, prompt: PROMPT, max_tokens: 4, temperature: 0 });
  const echoed = await openai.completions.create({
    model: SERVED, prompt: PROMPT, max_tokens: 4, temperature: 0, echo: true,
  });
  assert.equal(echoed.choices[0].text, PROMPT + plain.choices[0].text);
  assert.equal(echoed.usage.completion_tokens, 4);
});

test('prompt_logprobs and echo with logprobs score the prompt tokens, as the engine scores a forced token', async () => {
  const ids = (await post(`${main.url}/tokenize`, { prompt: PROMPT })).json.tokens;
  const scored = await completion({ prompt: PROMPT, max_tokens: 1, temperature: 0, prompt_logprobs: 2 });
  const positions = scored.choices[0].prompt_logprobs;
  assert.equal(positions.length, ids.length);
  assert.equal(positions[0], null, 'nothing scores the first prompt token');
  for (let i = 1; i < ids.length; i++) {
    const entry = positions[i][String(ids[i])];
    assert.ok(entry, `position ${i} scores the prompt's token ${ids[i]}: ${JSON.stringify(positions[i])}`);
    assert.ok(entry.logprob <= 0 && entry.rank >= 1 && typeof entry.decoded_token === 'string');
    assert.ok(Object.keys(positions[i]).length <= 3, 'the token and at most 2 alternatives');
  }
  // Echo with logprobs lists the prompt's tokens first, with the same scores.
  const echoed = await completion({ prompt: PROMPT, max_tokens: 2, temperature: 0, echo: true, logprobs: 1 });
  const legacy = echoed.choices[0].logprobs;
  assert.equal(legacy.tokens.length, ids.length + 2);
  assert.equal(legacy.token_logprobs[0], null);
  assert.equal(legacy.top_logprobs[0], null);
  for (let i = 1; i < ids.length; i++) {
    assert.ok(Math.abs(legacy.token_logprobs[i] - positions[i][String(ids[i])].logprob) < 1e-5, `echo position ${i}`);
  }
  // The last prompt token's score equals its raw logprob when a one-token completion of the prompt before it is
  // forced to it with logit_bias (logprobs are those of the raw model output).
  const k = ids.length - 1;
  const forced = await completion({
    prompt: ids.slice(0, k), max_tokens: 1, temperature: 0, logprobs: 0, logit_bias: { [ids[k]]: 100 },
  });
  assert.ok(Math.abs(forced.choices[0].logprobs.token_logprobs[0] - positions[k][String(ids[k])].logprob) < 1e-4,
    `forced ${forced.choices[0].logprobs.token_logprobs[0]} vs scored ${positions[k][String(ids[k])].logprob}`);
  const streaming = await post(`${main.url}/v1/completions`, { model: SERVED, prompt: PROMPT, stream: true, prompt_logprobs: 1 });
  assertOpenAIError(streaming, 400, 'prompt_logprobs');
});

test('token-id prompts: [ids] and [[ids], [ids]] match the text prompts', async () => {
  const tokenized = await post(`${main.url}/tokenize`, { model: SERVED, prompt: PROMPT });
  const ids = tokenized.json.tokens;
  const other = (await post(`${main.url}/tokenize`, { model: SERVED, prompt: 'Hello world' })).json.tokens;
  const byText = await completion({ prompt: PROMPT, max_tokens: 5, temperature: 0 });
  const byIds = await completion({ prompt: ids, max_tokens: 5, temperature: 0 });
  assert.equal(byIds.choices[0].text, byText.choices[0].text);
  assert.equal(byIds.usage.prompt_tokens, ids.length);

  const otherText = await completion({ prompt: 'Hello world', max_tokens: 5, temperature: 0 });
  const batch = await completion({ prompt: [ids, other], max_tokens: 5, temperature: 0 });
  assert.deepEqual(batch.choices.map((c) => c.index), [0, 1]);
  assert.equal(batch.choices[0].text, byText.choices[0].text);
  assert.equal(batch.choices[1].text, otherText.choices[0].text);
  assert.equal(batch.usage.prompt_tokens, ids.length + other.length);
  assert.equal(batch.usage.completion_tokens, 10);

  const strings = await completion({ prompt: [PROMPT, 'Hello world'], max_tokens: 5, temperature: 0 });
  assert.deepEqual(strings.choices.map((c) => c.text), [byText.choices[0].text, otherText.choices[0].text]);

  const outOfVocab = await post(`${main.url}/v1/completions`, { model: SERVED, prompt: [5, 99999999], max_tokens: 1 });
  assertOpenAIError(outOfVocab, 400);
});

test('stop_token_ids stop on the token and report it as stop_reason', async () => {
  const greedy = await greedyWithIds(8);
  const stopId = greedy.ids[2];
  const position = greedy.ids.indexOf(stopId);  // 2 unless the token came earlier too
  const answer = await completion({ prompt: PROMPT, max_tokens: 8, temperature: 0, stop_token_ids: [stopId] });
  const [choice] = answer.choices;
  assert.equal(choice.finish_reason, 'stop');
  assert.equal(choice.stop_reason, stopId);
  assert.equal(answer.usage.completion_tokens, position + 1);
  // As in vLLM, the token that stopped the sequence is counted but not part of the text, special or not.
  const prefix = position === 0 ? '' : (await completion({ prompt: PROMPT, max_tokens: position, temperature: 0 })).choices[0].text;
  assert.equal(choice.text, prefix);
  const kept = await completion({ prompt: PROMPT, max_tokens: 8, temperature: 0, stop_token_ids: [stopId], include_stop_str_in_output: true });
  const withToken = await completion({ prompt: PROMPT, max_tokens: position + 1, temperature: 0 });
  assert.equal(kept.choices[0].text, withToken.choices[0].text, 'include_stop_str_in_output keeps it');

  const chat = await post(`${main.url}/v1/chat/completions`, {
    model: SERVED, messages: HI, max_tokens: 8, temperature: 0, logprobs: true, return_tokens_as_token_ids: true,
  });
  const chatIds = chat.json.choices[0].logprobs.content.map((e) => Number(e.token.replace('token_id:', '')));
  const chatStopped = await openai.chat.completions.create({
    model: SERVED, messages: HI, max_tokens: 8, temperature: 0, stop_token_ids: [chatIds[2]],
  });
  assert.equal(chatStopped.choices[0].finish_reason, 'stop');
  assert.equal(chatStopped.choices[0].stop_reason, chatIds[2]);
  assert.equal(chatStopped.usage.completion_tokens, chatIds.indexOf(chatIds[2]) + 1);
});

test('return_tokens_as_token_ids shows logprob tokens as token_id:N', async () => {
  const answer = await completion({
    prompt: PROMPT, max_tokens: 5, temperature: 0, logprobs: 1, return_tokens_as_token_ids: true,
  });
  const { logprobs, text } = answer.choices[0];
  assert.equal(logprobs.tokens.length, 5);
  for (const [i, token] of logprobs.tokens.entries()) {
    assert.match(token, /^token_id:\d+$/);
    assert.ok(token in logprobs.top_logprobs[i], 'top_logprobs keys are token ids too');
  }
  const ids = logprobs.tokens.map((t) => Number(t.slice('token_id:'.length)));
  const detokenized = await post(`${main.url}/detokenize`, { model: SERVED, tokens: ids });
  assert.equal(detokenized.json.prompt, text);

  const chat = await openai.chat.completions.create({
    model: SERVED, messages: HI, max_tokens: 3, temperature: 0, logprobs: true, top_logprobs: 2,
    return_tokens_as_token_ids: true,
  });
  for (const entry of chat.choices[0].logprobs.content) {
    assert.match(entry.token, /^token_id:\d+$/);
    assert.deepEqual(entry.bytes, [...Buffer.from(entry.token, 'utf8')]);
    for (const top of entry.top_logprobs) assert.match(top.token, /^token_id:\d+$/);
  }
  const chatIds = chat.choices[0].logprobs.content.map((e) => Number(e.token.slice('token_id:'.length)));
  const chatText = await post(`${main.url}/detokenize`, { model: SERVED, tokens: chatIds });
  assert.equal(chatText.json.prompt, chat.choices[0].message.content);
});

test('vLLM sampling extras: logit_bias, top_k, min_p, repetition_penalty, min_tokens', async () => {
  const hello = (await post(`${main.url}/tokenize`, { model: SERVED, prompt: 'Hello' })).json.tokens;
  assert.equal(hello.length, 1);
  const biased = await completion({
    prompt: PROMPT, max_tokens: 3, temperature: 0, logit_bias: { [hello[0]]: 100 },
  });
  assert.equal(biased.choices[0].text, 'HelloHelloHello');

  const greedy = await completion({ prompt: PROMPT, max_tokens: 6, temperature: 0 });
  const topK1 = await completion({ prompt: PROMPT, max_tokens: 6, temperature: 1, top_k: 1, seed: 3 });
  assert.equal(topK1.choices[0].text, greedy.choices[0].text, 'top_k 1 is greedy');
  const minP1 = await completion({ prompt: PROMPT, max_tokens: 6, temperature: 1, min_p: 1, seed: 5 });
  assert.equal(minP1.choices[0].text, greedy.choices[0].text, 'min_p 1 keeps only the best token');

  // A strong repetition penalty changes a greedy run that repeats tokens.
  const repeated = await greedyWithIds(16);
  const penalized = await completion({
    prompt: PROMPT, max_tokens: 16, temperature: 0, repetition_penalty: 100, logprobs: 0,
    return_tokens_as_token_ids: true,
  });
  const penalizedIds = penalized.choices[0].logprobs.tokens.map((t) => Number(t.slice('token_id:'.length)));
  assert.ok(new Set(repeated.ids).size < repeated.ids.length, `the greedy run repeats a token: ${repeated.ids}`);
  assert.notDeepEqual(penalizedIds, repeated.ids, 'repetition_penalty changes a run that repeats tokens');

  // min_tokens holds off a stop token until that many tokens are out.
  const first = repeated.ids[0];
  const early = await completion({ prompt: PROMPT, max_tokens: 6, temperature: 0, stop_token_ids: [first] });
  assert.equal(early.usage.completion_tokens, 1);
  const held = await completion({
    prompt: PROMPT, max_tokens: 6, temperature: 0, stop_token_ids: [first], min_tokens: 4,
  });
  assert.ok(held.usage.completion_tokens >= 4, `min_tokens 4 gave ${held.usage.completion_tokens} tokens`);
});

test('served model names: every --served-model-name is listed and accepted; the first is reported', async () => {
  const models = await openai.models.list();
  const ids = [];
  for await (const model of models) ids.push(model.id);
  assert.deepEqual(ids, [SERVED, ALIAS]);
  const byAlias = await openai.completions.create({ model: ALIAS, prompt: PROMPT, max_tokens: 1 });
  assert.equal(byAlias.model, SERVED);
});

// ---------------------------------------------------------------------------------------------------------------
// 3. Operational routes.

test('ops: /health, /ping, /version, /v1/models', async () => {
  assert.equal((await get(`${main.url}/health`)).status, 200);
  assert.equal((await get(`${main.url}/ping`)).status, 200);
  assert.equal((await post(`${main.url}/ping`, '')).status, 200);
  const version = await get(`${main.url}/version`);
  assert.equal(version.status, 200);
  assert.equal(typeof version.json.version, 'string');
  assert.ok(version.json.version.length > 0);

  const models = await get(`${main.url}/v1/models`);
  assert.equal(models.status, 200);
  assert.equal(models.json.object, 'list');
  const [model] = models.json.data;
  assert.equal(model.id, SERVED);
  assert.equal(model.object, 'model');
  assert.equal(model.max_model_len, 2048);
  assert.equal(typeof model.created, 'number');
  assert.equal(typeof model.owned_by, 'string');

  const unknownRoute = await get(`${main.url}/v1/nothing-here`);
  assertOpenAIError(unknownRoute, 404);
});

test('ops: /tokenize and /detokenize round trip', async () => {
  const text = 'Hello world, the quick brown fox!';
  const tokenized = await post(`${main.url}/tokenize`, { model: SERVED, prompt: text, return_token_strs: true });
  assert.equal(tokenized.status, 200, tokenized.text);
  const { count, max_model_len: maxModelLen, tokens, token_strs: tokenStrs } = tokenized.json;
  assert.equal(count, tokens.length);
  assert.equal(maxModelLen, 2048);
  assert.ok(tokens.every(Number.isInteger));
  assert.equal(tokenStrs.length, tokens.length);
  const back = await post(`${main.url}/detokenize`, { model: SERVED, tokens });
  assert.equal(back.status, 200, back.text);
  assert.equal(back.json.prompt, text);

  const plain = await post(`${main.url}/tokenize`, { prompt: text });
  assert.equal(plain.json.token_strs, undefined, 'token_strs only when asked');

  // Messages go through the chat template: the prompt a chat completion with them counts.
  const messages = await post(`${main.url}/tokenize`, { model: SERVED, messages: HI });
  assert.equal(messages.status, 200, messages.text);
  const rendered = await post(`${main.url}/detokenize`, { model: SERVED, tokens: messages.json.tokens });
  assert.ok(rendered.json.prompt.startsWith('<|begin_of_text|><|start_header_id|>user<|end_header_id|>'),
    rendered.json.prompt);
  assert.ok(rendered.json.prompt.includes('Say hi.'));
  const chat = await openai.chat.completions.create({ model: SERVED, messages: HI, max_tokens: 1 });
  assert.equal(chat.usage.prompt_tokens, messages.json.count);

  assertOpenAIError(await post(`${main.url}/detokenize`, { model: SERVED, tokens: [1, 10_000_000] }), 400, 'tokens');
  assertOpenAIError(await post(`${main.url}/tokenize`, { model: SERVED, prompt: 5 }), 400, 'prompt');
});

test('ops: /metrics counts requests, tokens and latencies with vLLM\'s names', async () => {
  const before = (await metrics()).samples;
  const label = { model_name: SERVED };
  await openai.completions.create({ model: SERVED, prompt: PROMPT, max_tokens: 4, temperature: 0 });
  await openai.chat.completions.create({ model: SERVED, messages: HI, max_tokens: 3, temperature: 0 });
  // The server may count a request just after its response is out (vLLM does too): give it a moment.
  let samples;
  let text;
  for (let i = 0; i < 40; i++) {
    ({ samples, text } = await metrics());
    const done = metricValue(samples, 'vllm:request_success_total', { ...label, finished_reason: 'length' }) -
      metricValue(before, 'vllm:request_success_total', { ...label, finished_reason: 'length' });
    if (done >= 2) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.match(text, /^# TYPE vllm:time_to_first_token_seconds histogram$/m);
  assert.match(text, /^# TYPE vllm:request_success_total counter$/m);
  for (const name of ['vllm:time_to_first_token_seconds_count', 'vllm:e2e_request_latency_seconds_count',
    'vllm:inter_token_latency_seconds_count', 'vllm:request_prompt_tokens_count', 'vllm:request_generation_tokens_count']) {
    const value = metricValue(samples, name, label);
    assert.ok(value > 0, `${name} is ${value}`);
  }
  const delta = (name, labels = {}) =>
    (metricValue(samples, name, { ...label, ...labels }) ?? NaN) - (metricValue(before, name, { ...label, ...labels }) ?? NaN);
  assert.equal(delta('vllm:request_success_total', { finished_reason: 'length' }), 2);
  assert.equal(delta('vllm:time_to_first_token_seconds_count'), 2);
  assert.equal(delta('vllm:e2e_request_latency_seconds_count'), 2);
  assert.equal(delta('vllm:generation_tokens_total'), 7);
  assert.ok(delta('vllm:prompt_tokens_total') > 0);
  assert.ok(metricValue(samples, 'vllm:num_requests_running', label) !== undefined);
  assert.ok(metricValue(samples, 'vllm:num_requests_waiting', label) !== undefined);
  // A histogram's +Inf bucket is its count.
  assert.equal(metricValue(samples, 'vllm:time_to_first_token_seconds_bucket', { ...label, le: '+Inf' }),
    metricValue(samples, 'vllm:time_to_first_token_seconds_count', label));
});

test('ops: /metrics bucket bounds are written the way prometheus_client writes them (le="0.005")', async () => {
  const { samples } = await metrics();
  // prometheus_client (vLLM) writes a float bound with Python's repr: 0.005, 1.0, 2560.0, +Inf. Dashboards and alerts
  // written against vLLM select buckets by that exact label text, e.g. {le="0.005"}.
  const pythonRepr = (x) => (Number.isInteger(x) ? x.toFixed(1) : String(x));
  const bounds = samples.filter((s) => s.name === 'vllm:time_to_first_token_seconds_bucket').map((s) => s.labels.le);
  assert.ok(bounds.length > 2);
  const odd = bounds.filter((le) => le !== '+Inf' && le !== pythonRepr(Number(le)));
  assert.deepEqual(odd, [], `bucket bounds not as prometheus_client writes them: ${odd.join(', ')}`);
});
