// `gatehouse serve` against bad input and bad clients, with the openai SDK (7.57.0), fetch and raw sockets:
// OpenAI error envelopes with the right status and param, --max-model-len (a prompt that does not fit names both
// lengths; one far past it is refused without being tokenized to its end), --max-prompt-bytes, --max-body-bytes,
// memory given back after large requests, --api-key (on /tokenize and /detokenize too; the key never in the logs or
// answers), --max-pending-requests, a streaming
// client that goes away (its sequence is cancelled), a client that sends half a request (cut off while the others
// are served), and the flags that change answers (--chat-template, --return-tokens-as-token-ids,
// --enable-prompt-tokens-details).
//
// Two servers share one tiny random-weight Llama checkpoint: `main` (served as meta-llama/Llama-3.2-1B-Instruct)
// and `guarded` (--api-key, --max-model-len 64, small body, prompt and queue limits, its own --chat-template,
// --return-tokens-as-token-ids, --enable-prompt-tokens-details). Both, and every socket a test opens, are closed by
// the file. Nothing leaves 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { require } from './helpers.mjs';
import { tempDir } from './hub_helpers.mjs';
import {
  assertOpenAIError, completionAt, get, makeLlamaCheckpoint, metricValue, post, scrapeMetrics, startServer,
} from './serve_helpers.mjs';

const { OpenAI } = require('openai');

const SERVED = 'meta-llama/Llama-3.2-1B-Instruct';
const API_KEY = `sk-gatehouse-${crypto.randomBytes(12).toString('hex')}`;
const GUARDED_MAX_MODEL_LEN = 64;
const GUARDED_MAX_BODY = 4096;
const GUARDED_MAX_PROMPT_BYTES = 1500;
const PROMPT = 'The quick brown fox';
const HI = [{ role: 'user', content: 'Say hi.' }];
const TEMPLATE = "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}" +
  '{% if add_generation_prompt %}[assistant]{% endif %}';

let workDir;
let modelDir;
let main;
let guarded;
let openai;
let slowClient;

before(async () => {
  workDir = tempDir('serve-limits');
  modelDir = makeLlamaCheckpoint(workDir);
  const template = path.join(workDir, 'template.jinja');
  fs.writeFileSync(template, TEMPLATE);
  const started = await Promise.allSettled([
    startServer(['--model', modelDir, '--served-model-name', SERVED]),
    startServer(['--model', modelDir, '--api-key', API_KEY, '--max-model-len', String(GUARDED_MAX_MODEL_LEN),
      '--max-body-bytes', String(GUARDED_MAX_BODY), '--max-prompt-bytes', String(GUARDED_MAX_PROMPT_BYTES),
      '--max-pending-requests', '2', '--chat-template', template,
      '--return-tokens-as-token-ids', '--enable-prompt-tokens-details']),
  ]);
  [main, guarded] = started.map((s) => s.value);  // after() stops whichever started
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  openai = new OpenAI({ baseURL: `${main.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
  // Opened first so the server's 30 s request timeout runs while the other tests do; checked by its own test.
  slowClient = openHalfRequest(main.port);
});

after(async () => {
  slowClient?.socket.destroy();
  await Promise.all([main?.stop(), guarded?.stop()]);
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

const completion = (body, server = main, headers = {}) => completionAt(server, { model: SERVED, ...body }, headers);
const metrics = () => scrapeMetrics(main);

// A raw socket that sends the headers and half of the body of a request, then nothing more.
function openHalfRequest(port) {
  const started = Date.now();
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  const closed = new Promise((resolve) => {
    socket.on('close', () => resolve(Date.now() - started));
    socket.on('error', () => {});
  });
  socket.on('data', (chunk) => { received += chunk; });
  socket.on('connect', () => {
    socket.write('POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      'Content-Length: 200\r\n\r\n{"model": "x", "prompt": "hal');
  });
  return { socket, closed, started, received: () => received };
}

const withTimeout = (promise, ms, what) => Promise.race([
  promise,
  new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms).unref()),
]);

// ---------------------------------------------------------------------------------------------------------------
// Bad input and bad clients.

test('bad input: OpenAI error envelopes with status and param', async () => {
  const chatUrl = `${main.url}/v1/chat/completions`;
  const completionsUrl = `${main.url}/v1/completions`;

  const malformed = assertOpenAIError(await post(chatUrl, '{"model": "x", "messages": ['), 400);
  assert.match(malformed.message, /JSON/i);

  const wrongType = assertOpenAIError(
    await post(chatUrl, { model: SERVED, messages: HI, temperature: 'hot' }), 400, 'temperature');
  assert.match(wrongType.message, /temperature/);
  assertOpenAIError(await post(completionsUrl, { model: SERVED, prompt: PROMPT, max_tokens: 'many' }), 400, 'max_tokens');
  assertOpenAIError(await post(chatUrl, { model: SERVED, messages: 'hello' }), 400, 'messages');

  const unknown = assertOpenAIError(await post(chatUrl, { model: 'no-such-model', messages: HI }), 404);
  assert.equal(unknown.message, 'The model `no-such-model` does not exist.');
  assertOpenAIError(await post(completionsUrl, { model: 'no-such-model', prompt: PROMPT }), 404);

  assertOpenAIError(await post(chatUrl, { model: SERVED, messages: HI, max_tokens: 1e9 }), 400, 'max_tokens');
  assertOpenAIError(await post(completionsUrl, { model: SERVED, prompt: PROMPT, max_tokens: 1e9 }), 400, 'max_tokens');
  assertOpenAIError(await post(chatUrl, { model: SERVED, messages: HI, n: 100000 }), 400, 'n');
  assertOpenAIError(await post(completionsUrl, { model: SERVED, prompt: PROMPT, n: 100000 }), 400, 'n');
  assertOpenAIError(await post(chatUrl, { model: SERVED, messages: HI, temperature: -1 }), 400, 'temperature');
  assertOpenAIError(await post(chatUrl, { model: SERVED, messages: HI, top_p: 7 }), 400, 'top_p');
  assertOpenAIError(await post(chatUrl, { model: SERVED, messages: HI, max_tokens: 0 }), 400, 'max_tokens');
  assertOpenAIError(await post(chatUrl, { model: SERVED, messages: HI, logprobs: true, top_logprobs: 21 }), 400,
    'top_logprobs');
  assertOpenAIError(await post(completionsUrl, { model: SERVED, prompt: PROMPT, logprobs: 21 }), 400, 'logprobs');
  assertOpenAIError(await post(chatUrl, { model: SERVED, messages: [] }), 400, 'messages');
  // vLLM takes seeds in torch.long's range.
  assertOpenAIError(await post(completionsUrl,
    `{"model": "${SERVED}", "prompt": "hi", "max_tokens": 1, "seed": 9223372036854775808}`), 400, 'seed');
  assert.equal((await post(completionsUrl,
    `{"model": "${SERVED}", "prompt": "hi", "max_tokens": 1, "seed": 9223372036854775807}`)).status, 200);
  // An error for a streaming request is a plain JSON error, not a stream.
  assertOpenAIError(await post(chatUrl, { model: 'no-such-model', messages: HI, stream: true }), 404);

  const badUtf8 = Buffer.concat([
    Buffer.from(`{"model": "${SERVED}", "messages": [{"role": "user", "content": "h`),
    Buffer.from([0xff, 0xfe, 0xc3]),
    Buffer.from('i"}], "max_tokens": 1}'),
  ]);
  assertOpenAIError(await post(chatUrl, badUtf8), 400);

  // Fields the server does not know are ignored, as vLLM does.
  const extra = await post(chatUrl, {
    model: SERVED, messages: HI, max_tokens: 1, some_future_field: { nested: [1, 2] }, another: 'x',
  });
  assert.equal(extra.status, 200, extra.text);
  assert.equal(extra.json.choices.length, 1);

  // The SDK surfaces the envelope.
  await assert.rejects(openai.chat.completions.create({ model: SERVED, messages: HI, temperature: 'hot' }),
    (error) => error.status === 400 && error.param === 'temperature');

  // Still healthy after all that.
  assert.equal((await get(`${main.url}/health`)).status, 200);
});

test('--max-model-len: a prompt that does not fit is a 400 naming both lengths', async () => {
  const auth = { authorization: `Bearer ${API_KEY}` };
  // Counted on `main` (same tokenizer, room for them): `guarded` refuses to tokenize past its context.
  const countOn = async (body) => (await post(`${main.url}/tokenize`, body)).json.count;
  // Exactly max_model_len tokens: the exact count is known and named.
  let words = 1;
  while (await countOn({ prompt: 'hello '.repeat(words).trim() }) < GUARDED_MAX_MODEL_LEN) words++;
  const exact = 'hello '.repeat(words).trim();
  assert.equal(await countOn({ prompt: exact }), GUARDED_MAX_MODEL_LEN);
  const atLimit = assertOpenAIError(await post(`${guarded.url}/v1/completions`, { model: modelDir, max_tokens: 1, prompt: exact },
    auth), 400, 'prompt');
  assert.ok(atLimit.message.includes(`maximum context length is ${GUARDED_MAX_MODEL_LEN} tokens`), atLimit.message);
  assert.ok(atLimit.message.includes(`has ${GUARDED_MAX_MODEL_LEN} input tokens`), atLimit.message);
  // Longer: refused as "more than" the context, counted only that far, on every route that tokenizes.
  const prompt = 'hello '.repeat(100).trim();
  assert.ok(await countOn({ prompt }) > GUARDED_MAX_MODEL_LEN);
  const more = `more than ${GUARDED_MAX_MODEL_LEN} input tokens`;
  for (const [route, body, param] of [['/v1/completions', { prompt }, 'prompt'],
    ['/v1/chat/completions', { messages: [{ role: 'user', content: prompt }] }, 'messages'], ['/tokenize', { prompt }, 'prompt'],
    ['/tokenize', { messages: [{ role: 'user', content: prompt }] }, 'messages']]) {
    const answer = await post(`${guarded.url}${route}`, { model: modelDir, max_tokens: 1, ...body }, auth);
    const error = assertOpenAIError(answer, 400, param);
    assert.ok(error.message.includes(`maximum context length is ${GUARDED_MAX_MODEL_LEN} tokens`), error.message);
    assert.ok(error.message.includes(more), `${route}: ${error.message}`);
  }
  const tgi = await post(`${guarded.url}/generate`, { inputs: prompt, parameters: { max_new_tokens: 1 } }, auth);
  assert.equal(tgi.status, 422, tgi.text);
  assert.ok(tgi.json.error.includes(more), tgi.text);
  // A prompt that fits, with max_tokens that do not, is a 400 on max_tokens.
  const tooMany = await post(`${guarded.url}/v1/completions`, { model: modelDir, prompt: 'hello', max_tokens: 100 }, auth);
  assertOpenAIError(tooMany, 400, 'max_tokens');
  const fits = await post(`${guarded.url}/v1/completions`, { model: modelDir, prompt: 'hello', max_tokens: 5 }, auth);
  assert.equal(fits.status, 200, fits.text);
});

test('--max-prompt-bytes: a longer prompt text is refused before tokenizing, naming the limit and the flag', async () => {
  const auth = { authorization: `Bearer ${API_KEY}` };
  const over = 'ab '.repeat(Math.ceil((GUARDED_MAX_PROMPT_BYTES + 10) / 3));
  const under = 'ab '.repeat(Math.floor((GUARDED_MAX_PROMPT_BYTES - 60) / 3));  // room for the chat template's text
  const cases = [
    ['/v1/completions', (text) => ({ prompt: text }), 'prompt'],
    ['/v1/completions', (text) => ({ prompt: ['hi', text] }), 'prompt'],
    ['/v1/chat/completions', (text) => ({ messages: [{ role: 'user', content: text }] }), 'messages'],
    ['/v1/chat/completions', (text) => ({ messages: [{ role: 'user', content: [{ type: 'text', text }] }] }), 'messages'],
    ['/tokenize', (text) => ({ prompt: text }), 'prompt'],
  ];
  for (const [route, body, param] of cases) {
    const error = assertOpenAIError(await post(`${guarded.url}${route}`, { model: modelDir, max_tokens: 1, ...body(over) }, auth),
      400, param);
    assert.ok(error.message.includes(String(GUARDED_MAX_PROMPT_BYTES)) && error.message.includes('--max-prompt-bytes'),
      `${route}: ${error.message}`);
    // Just under the limit the text is tokenized (and here found too long for the context instead).
    const answer = await post(`${guarded.url}${route}`, { model: modelDir, max_tokens: 1, ...body(under) }, auth);
    assert.ok(!answer.text.includes('--max-prompt-bytes'), `${route}: ${answer.text}`);
    assert.match(answer.json.error.message, /maximum context length/);
  }
  const tgi = await post(`${guarded.url}/generate`, { inputs: over, parameters: { max_new_tokens: 1 } }, auth);
  assert.equal(tgi.status, 422, tgi.text);
  assert.ok(tgi.json.error.includes('--max-prompt-bytes'), tgi.text);
});

test('a huge prompt is refused quickly as too long for the context, without tokenizing all of it', async () => {
  // Just under the default --max-prompt-bytes (1 MiB): about 200k tokens for a context of 2048.
  const words = ['hello', 'world', 'the', 'quick', 'brown', 'fox', '\u00fcber', '\u6570\u636e', 'code', '\n'];
  let text = '';
  for (let i = 0; text.length < 300_000; i++) text += `${words[(i * 7) % words.length]} `;
  const started = Date.now();
  const answers = await Promise.all([
    post(`${main.url}/v1/completions`, { model: SERVED, prompt: text, max_tokens: 1 }),
    post(`${main.url}/v1/chat/completions`, { model: SERVED, messages: [{ role: 'user', content: text }], max_tokens: 1 }),
    post(`${main.url}/tokenize`, { prompt: text }),
    post(`${main.url}/generate`, { inputs: text, parameters: { max_new_tokens: 1 } }),
  ]);
  const elapsed = Date.now() - started;
  for (const answer of answers.slice(0, 3)) {
    const error = assertOpenAIError(answer, 400);
    // "more than": the count stopped at the context; a full count would name the number of tokens.
    assert.ok(error.message.includes('more than 2048 input tokens'), error.message);
  }
  assert.equal(answers[3].status, 422, answers[3].text);
  assert.ok(elapsed < 20_000, `four huge prompts took ${elapsed} ms`);
  // The default limit: 1 MiB of text.
  const tooLong = assertOpenAIError(await post(`${main.url}/v1/completions`,
    { model: SERVED, prompt: 'x'.repeat((1 << 20) + 1), max_tokens: 1 }), 400, 'prompt');
  assert.ok(tooLong.message.includes(`${1 << 20} bytes per prompt (--max-prompt-bytes)`), tooLong.message);
});

test('memory taken by large requests is given back once they are done', async () => {
  const rss = () => Number(fs.readFileSync(`/proc/${main.process.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024;
  const text = 'lorem ipsum dolor sit amet, '.repeat(1_000_000 / 28);
  const warm = await post(`${main.url}/tokenize`, { prompt: text });
  assert.equal(warm.status, 400);
  const before = rss();
  const big = 'the quick brown fox '.repeat(12_000_000 / 20);  // 12 MB bodies, under --max-body-bytes
  for (let round = 0; round < 2; round++) {
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2
      ? post(`${main.url}/tokenize`, { prompt: big })
      : post(`${main.url}/v1/completions`, { model: SERVED, prompt: [text, text.slice(1)], max_tokens: 1 }))));
    for (const answer of answers) assert.equal(answer.status, 400, answer.text.slice(0, 200));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const idle = rss();
  assert.ok(idle - before < 200, `idle RSS grew from ${before.toFixed(0)} to ${idle.toFixed(0)} MiB after large requests`);
});

test('--chat-template, --return-tokens-as-token-ids and --enable-prompt-tokens-details', async () => {
  const auth = { authorization: `Bearer ${API_KEY}` };
  const messages = [{ role: 'system', content: 'S' }, { role: 'user', content: 'hi there' }];
  const tokenized = await post(`${guarded.url}/tokenize`, { messages }, auth);
  assert.equal(tokenized.status, 200, tokenized.text);
  const rendered = await post(`${guarded.url}/detokenize`, { tokens: tokenized.json.tokens }, auth);
  assert.equal(rendered.json.prompt, '[system] S\n[user] hi there\n[assistant]');
  const noPrompt = await post(`${guarded.url}/tokenize`, { messages, add_generation_prompt: false }, auth);
  const renderedNoPrompt = await post(`${guarded.url}/detokenize`, { tokens: noPrompt.json.tokens }, auth);
  assert.equal(renderedNoPrompt.json.prompt, '[system] S\n[user] hi there\n');

  const sdk = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: API_KEY, maxRetries: 0 });
  const chat = await sdk.chat.completions.create({ model: modelDir, messages, max_tokens: 2, logprobs: true });
  assert.equal(chat.usage.prompt_tokens, tokenized.json.count);
  // --return-tokens-as-token-ids: without asking in the request.
  for (const entry of chat.choices[0].logprobs.content) assert.match(entry.token, /^token_id:\d+$/);
  const legacy = await completion({ model: modelDir, prompt: 'hello', max_tokens: 2, logprobs: 1 }, guarded, auth);
  for (const token of legacy.choices[0].logprobs.tokens) assert.match(token, /^token_id:\d+$/);

  // --enable-prompt-tokens-details: the second time a prompt of more than one block (16) comes, that block is cached.
  const prompt = `${crypto.randomBytes(4).toString('hex')} one two three four five six seven eight nine ten eleven ` +
    'twelve thirteen fourteen fifteen sixteen';
  const count = (await post(`${guarded.url}/tokenize`, { prompt }, auth)).json.count;
  assert.ok(count > 16 && count < 40, `${count} tokens`);
  const first = await completion({ model: modelDir, prompt, max_tokens: 1 }, guarded, auth);
  assert.deepEqual(first.usage.prompt_tokens_details, { cached_tokens: 0 });
  const second = await completion({ model: modelDir, prompt, max_tokens: 1 }, guarded, auth);
  assert.ok(second.usage.prompt_tokens_details.cached_tokens >= 16, JSON.stringify(second.usage));
  assert.ok(second.usage.prompt_tokens_details.cached_tokens < count);
});

test('--max-body-bytes: a larger body is a 413', async () => {
  const auth = { authorization: `Bearer ${API_KEY}` };
  const big = await post(`${guarded.url}/v1/completions`,
    { model: modelDir, prompt: 'a'.repeat(GUARDED_MAX_BODY + 100), max_tokens: 1 }, auth);
  assertOpenAIError(big, 413);
  assert.match(big.json.error.message, /larger than \d+ bytes: send a smaller one, or start the server with a larger --max-body-bytes/);
  const small = await post(`${guarded.url}/v1/completions`, { model: modelDir, prompt: 'a', max_tokens: 1 }, auth);
  assert.equal(small.status, 200, small.text);
});

test('--api-key: 401 without the right key on /v1 and TGI routes; the key never shows', async () => {
  const wrong = `sk-wrong-${crypto.randomBytes(8).toString('hex')}`;
  const body = { model: modelDir, prompt: 'hi', max_tokens: 1 };
  for (const headers of [{}, { authorization: `Bearer ${wrong}` }, { authorization: API_KEY },
    { authorization: `Basic ${API_KEY}` }]) {
    const answer = await post(`${guarded.url}/v1/completions`, body, headers);
    const error = assertOpenAIError(answer, 401);
    assert.ok(!answer.text.includes(wrong) && !answer.text.includes(API_KEY), 'the error does not echo a key');
    assert.equal(typeof error.message, 'string');
  }
  assertOpenAIError(await get(`${guarded.url}/v1/models`), 401);
  // Tokenizing is work too: /tokenize and /detokenize need the key, as in vLLM.
  for (const [route, request] of [['/tokenize', { prompt: 'hi' }], ['/detokenize', { tokens: [1, 2] }]]) {
    assertOpenAIError(await post(`${guarded.url}${route}`, request), 401);
    assertOpenAIError(await post(`${guarded.url}${route}`, request, { authorization: `Bearer ${wrong}` }), 401);
    const keyed = await post(`${guarded.url}${route}`, request, { authorization: `Bearer ${API_KEY}` });
    assert.equal(keyed.status, 200, `${route}: ${keyed.text}`);
  }
  for (const route of ['/generate', '/generate_stream', '/']) {
    const answer = await post(`${guarded.url}${route}`, { inputs: 'hi', parameters: { max_new_tokens: 1 } });
    assert.equal(answer.status, 401, `${route}: ${answer.text}`);
  }

  const right = await post(`${guarded.url}/v1/completions`, body, { authorization: `Bearer ${API_KEY}` });
  assert.equal(right.status, 200, right.text);
  const sdk = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: API_KEY, maxRetries: 0 });
  const viaSdk = await sdk.completions.create({ ...body, prompt: 'hello' });
  assert.equal(viaSdk.choices.length, 1);
  const badSdk = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: wrong, maxRetries: 0 });
  await assert.rejects(badSdk.completions.create(body), (error) => error.status === 401);
  const tgi = await post(`${guarded.url}/generate`, { inputs: 'hi', parameters: { max_new_tokens: 1 } },
    { authorization: `Bearer ${API_KEY}` });
  assert.equal(tgi.status, 200, tgi.text);

  // Health and metrics stay open, as in vLLM.
  assert.equal((await get(`${guarded.url}/health`)).status, 200);
  assert.equal((await get(`${guarded.url}/metrics`)).status, 200);

  assert.ok(!guarded.stderr().includes(API_KEY), 'the API key is not in the server log');
  assert.ok(!guarded.stderr().includes(wrong), 'a wrong key is not in the server log');
});

test('--max-pending-requests: requests over the limit get 503 while two are running', async () => {
  const auth = { authorization: `Bearer ${API_KEY}` };
  const body = { model: modelDir, prompt: 'hello', max_tokens: 60, ignore_eos: true, stream: true };
  let lastOutcome;
  for (let attempt = 0; attempt < 3; attempt++) {
    const controllers = [new AbortController(), new AbortController()];
    const streams = controllers.map(async (controller) => {
      const response = await fetch(`${guarded.url}/v1/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body),
        signal: controller.signal,
      });
      assert.equal(response.status, 200);
      const reader = response.body.getReader();
      const state = { done: false, firstChunk: null };
      state.firstChunk = reader.read();
      state.rest = (async () => {
        try {
          for (;;) {
            const { done } = await reader.read();
            if (done) break;
          }
        } catch { /* aborted */ }
        state.done = true;
      })();
      await state.firstChunk;
      return state;
    });
    const states = await Promise.all(streams);
    const third = await post(`${guarded.url}/v1/completions`, { ...body, stream: false, max_tokens: 1 }, auth);
    const bothRunning = states.every((s) => !s.done);
    controllers.forEach((c) => c.abort());
    await Promise.all(states.map((s) => s.rest));
    lastOutcome = `${third.status} ${third.text}`;
    if (!bothRunning) continue;  // a stream ended before the third request was answered: try again
    assertOpenAIError(third, 503);
    break;
  }
  assert.match(lastOutcome, /^503 /, `no 503 while two requests were running: ${lastOutcome}`);
  // Once they are gone, requests are served again.
  let after = null;
  for (let i = 0; i < 50; i++) {
    after = await post(`${guarded.url}/v1/completions`, { model: modelDir, prompt: 'hello', max_tokens: 1 }, auth);
    if (after.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(after.status, 200, after.text);
});

test('--max-pending-requests: a request whose response has arrived no longer counts', async () => {
  // Two clients, each sending its next request only after the previous answer is in: never more than two requests
  // are queued or running, so none may be refused.
  const auth = { authorization: `Bearer ${API_KEY}` };
  const statuses = {};
  const client = async () => {
    for (let i = 0; i < 150; i++) {
      const answer = await post(`${guarded.url}/v1/completions`, { model: modelDir, prompt: 'hello', max_tokens: 1 }, auth);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    }
  };
  await Promise.all([client(), client()]);
  assert.deepEqual(statuses, { 200: 300 }, 'two sequential clients under --max-pending-requests 2');
});

test('a streaming client that goes away gets its sequence cancelled', async () => {
  const label = { model_name: SERVED };
  const before = (await metrics()).samples;
  const abortedBefore = metricValue(before, 'vllm:request_success_total', { ...label, finished_reason: 'abort' }) ?? 0;
  const tokensBefore = metricValue(before, 'vllm:generation_tokens_total', label);

  const stream = await openai.completions.create({
    model: SERVED, prompt: PROMPT, max_tokens: 2000, ignore_eos: true, temperature: 0, stream: true,
  });
  let received = 0;
  for await (const chunk of stream) {
    assert.equal(chunk.choices[0].finish_reason, null);
    if (++received === 3) break;  // leaving the loop aborts the SDK's AbortController
  }
  assert.ok(stream.controller.signal.aborted, 'the SDK aborted the request');

  let samples;
  for (let i = 0; i < 100; i++) {
    samples = (await metrics()).samples;
    const running = metricValue(samples, 'vllm:num_requests_running', label);
    const aborted = metricValue(samples, 'vllm:request_success_total', { ...label, finished_reason: 'abort' }) ?? 0;
    if (running === 0 && aborted > abortedBefore) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(metricValue(samples, 'vllm:request_success_total', { ...label, finished_reason: 'abort' }),
    abortedBefore + 1, 'the request is counted as aborted');
  assert.equal(metricValue(samples, 'vllm:num_requests_running', label), 0);
  const generated = metricValue(samples, 'vllm:generation_tokens_total', label) - tokensBefore;
  assert.ok(generated < 1000, `the sequence went on after the client left: ${generated} tokens`);

  const next = await openai.completions.create({ model: SERVED, prompt: PROMPT, max_tokens: 2, temperature: 0 });
  assert.equal(next.usage.completion_tokens, 2);

  // A non-streaming request whose client goes away is cancelled too.
  const controller = new AbortController();
  const pending = openai.completions.create(
    { model: SERVED, prompt: PROMPT, max_tokens: 2000, ignore_eos: true, temperature: 0 }, { signal: controller.signal });
  const tokensBeforeSecond = metricValue((await metrics()).samples, 'vllm:generation_tokens_total', label);
  for (let i = 0; i < 200; i++) {  // until it is generating
    const tokens = metricValue((await metrics()).samples, 'vllm:generation_tokens_total', label);
    if (tokens > tokensBeforeSecond + 5) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  controller.abort();
  await assert.rejects(pending);
  for (let i = 0; i < 100; i++) {
    samples = (await metrics()).samples;
    const aborted = metricValue(samples, 'vllm:request_success_total', { ...label, finished_reason: 'abort' });
    if (metricValue(samples, 'vllm:num_requests_running', label) === 0 && aborted >= abortedBefore + 2) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const secondGenerated = metricValue(samples, 'vllm:generation_tokens_total', label) - tokensBeforeSecond;
  assert.ok(secondGenerated < 1000, `the sequence went on after the client left: ${secondGenerated} tokens`);
  assert.equal(metricValue(samples, 'vllm:request_success_total', { ...label, finished_reason: 'abort' }),
    abortedBefore + 2, 'the non-streaming request is counted as aborted');
});

test('a client that sends half a request is cut off while the others are served', async () => {
  // Opened in before(): headers and half of the body, then silence.
  const health = await get(`${main.url}/health`);
  assert.equal(health.status, 200);
  const served = await openai.completions.create({ model: SERVED, prompt: PROMPT, max_tokens: 1 });
  assert.equal(served.choices.length, 1);
  const elapsed = await withTimeout(slowClient.closed, Math.max(1000, 60_000 - (Date.now() - slowClient.started)),
    'closing the half-sent request');
  assert.ok(elapsed < 60_000, `closed after ${elapsed} ms`);
  assert.ok(!/^HTTP\/1\.1 2/.test(slowClient.received()), `no success for half a request: ${slowClient.received()}`);
  assert.equal((await get(`${main.url}/health`)).status, 200);
});

test('without --served-model-name the model is named by its --model argument, as vLLM does', async () => {
  const models = await get(`${guarded.url}/v1/models`, { authorization: `Bearer ${API_KEY}` });
  assert.deepEqual(models.json.data.map((m) => m.id), [modelDir]);
  assert.equal(models.json.data[0].max_model_len, GUARDED_MAX_MODEL_LEN);
});
