// The TGI side of `gatehouse serve`, driven by @huggingface/inference (4.13.30) and plain fetch:
//
// 1. TGI routes: /generate (details, decoder_input_details, best_of with a seed per candidate, top_n_tokens,
//    return_full_text), seeds that reproduce, /generate_stream, POST / (compat), /info, and validation errors as
//    422 {"error", "error_type": "validation"}.
// 2. @huggingface/inference: textGeneration(Stream) and chatCompletion(Stream) with endpointUrl at the server
//    (with an endpointUrl the 4.13 client sends text generation to /v1/completions), compared with the openai SDK;
//    and as a new user writes it, `new InferenceClient(token).endpoint(url)` with no model, which names the model
//    by the URL (huggingface_hub and TGI's docs say "tgi"): the one served model answers both, as TGI answers
//    any name, while other unknown names keep vLLM's 404.
//
// One server on a tiny random-weight Llama checkpoint (Llama 3's tokenizer and chat template), served as
// meta-llama/Llama-3.2-1B-Instruct; stopped by the file. Nothing leaves 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { require } from './helpers.mjs';
import { tempDir } from './hub_helpers.mjs';
import {
  completionAt, get, greedyWithIdsAt, makeLlamaCheckpoint, post, sseData, startServer,
} from './serve_helpers.mjs';

const { OpenAI } = require('openai');
const { InferenceClient } = require('@huggingface/inference');

const SERVED = 'meta-llama/Llama-3.2-1B-Instruct';
const PROMPT = 'The quick brown fox';
const HI = [{ role: 'user', content: 'Say hi.' }];

let workDir;
let main;
let openai;

before(async () => {
  workDir = tempDir('serve-tgi');
  main = await startServer(['--model', makeLlamaCheckpoint(workDir), '--served-model-name', SERVED]);
  openai = new OpenAI({ baseURL: `${main.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
});

after(async () => {
  await main?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

const completion = (body) => completionAt(main, { model: SERVED, ...body });
const greedyWithIds = (maxTokens, prompt = PROMPT) => greedyWithIdsAt(main, SERVED, maxTokens, prompt);

// ---------------------------------------------------------------------------------------------------------------
// 1. TGI routes.

test('TGI /generate with details', async () => {
  const answer = await post(`${main.url}/generate`, {
    inputs: PROMPT, parameters: { max_new_tokens: 5, details: true },
  });
  assert.equal(answer.status, 200, answer.text);
  const { generated_text: text, details } = answer.json;
  assert.deepEqual(Object.keys(answer.json).sort(), ['details', 'generated_text']);
  const greedy = await greedyWithIds(5);
  assert.equal(text, greedy.text, 'TGI without do_sample is greedy');
  assert.equal(details.finish_reason, 'length');
  assert.equal(details.generated_tokens, 5);
  assert.deepEqual(details.prefill, []);
  assert.equal(details.tokens.length, 5);
  for (const [i, token] of details.tokens.entries()) {
    assert.deepEqual(Object.keys(token).sort(), ['id', 'logprob', 'special', 'text']);
    assert.equal(token.id, greedy.ids[i]);
    assert.equal(typeof token.text, 'string');
    assert.ok(token.logprob <= 0);
    assert.equal(token.special, false);
  }
  assert.equal(details.tokens.map((t) => t.text).join(''), text);
  assert.equal(details.top_tokens, undefined);
  assert.equal(details.best_of_sequences, undefined);

  const plain = await post(`${main.url}/generate`, { inputs: PROMPT, parameters: { max_new_tokens: 5 } });
  assert.deepEqual(plain.json, { generated_text: text });

  const stopped = await post(`${main.url}/generate`, {
    inputs: PROMPT, parameters: { max_new_tokens: 5, details: true, stop: [details.tokens[2].text] },
  });
  assert.equal(stopped.json.details.finish_reason, 'stop_sequence');
  // TGI keeps the stop sequence in generated_text.
  assert.ok(stopped.json.generated_text.endsWith(details.tokens[2].text), stopped.json.generated_text);
});

test('TGI decoder_input_details: the prompt\'s tokens with their logprobs in details.prefill', async () => {
  const ids = (await post(`${main.url}/tokenize`, { prompt: PROMPT })).json.tokens;
  const answer = await post(`${main.url}/generate`, {
    inputs: PROMPT, parameters: { max_new_tokens: 2, details: true, decoder_input_details: true },
  });
  assert.equal(answer.status, 200, answer.text);
  const { prefill } = answer.json.details;
  assert.deepEqual(prefill.map((t) => t.id), ids);
  assert.equal(prefill[0].logprob, null, 'nothing scores the first token');
  for (const token of prefill.slice(1)) assert.ok(token.logprob <= 0);
  assert.equal(prefill.map((t) => t.text).join(''), PROMPT);
  // The same scores as vLLM's prompt_logprobs on the OpenAI route.
  const scored = await completion({ prompt: PROMPT, max_tokens: 1, prompt_logprobs: 0 });
  for (let i = 1; i < ids.length; i++) {
    assert.ok(Math.abs(prefill[i].logprob - scored.choices[0].prompt_logprobs[i][String(ids[i])].logprob) < 1e-5);
  }
  const streamed = await post(`${main.url}/generate_stream`, { inputs: PROMPT, parameters: { decoder_input_details: true } });
  assert.equal(streamed.status, 422, 'TGI refuses decoder_input_details when streaming');
});

test('TGI /generate: best_of 2, top_n_tokens, return_full_text', async () => {
  const best = await post(`${main.url}/generate`, {
    inputs: PROMPT, parameters: { max_new_tokens: 4, details: true, best_of: 2, do_sample: true },
  });
  assert.equal(best.status, 200, best.text);
  const { details } = best.json;
  assert.equal(details.best_of_sequences.length, 1, 'the other of the two sequences');
  const other = details.best_of_sequences[0];
  assert.equal(other.generated_tokens, 4);
  assert.equal(other.tokens.length, 4);
  assert.equal(typeof other.generated_text, 'string');
  // Special tokens (the random model samples reserved ones) are left out of the text, as in TGI.
  assert.equal(other.tokens.filter((t) => !t.special).map((t) => t.text).join(''), other.generated_text);
  const mean = (tokens) => tokens.reduce((total, t) => total + t.logprob, 0) / tokens.length;
  assert.ok(mean(details.tokens) >= mean(other.tokens), 'the best sequence (mean token logprob) is returned first');

  const top = await post(`${main.url}/generate`, {
    inputs: PROMPT, parameters: { max_new_tokens: 3, details: true, top_n_tokens: 3 },
  });
  assert.equal(top.status, 200, top.text);
  const { tokens, top_tokens: topTokens } = top.json.details;
  assert.equal(topTokens.length, 3);
  for (const [i, alternatives] of topTokens.entries()) {
    assert.equal(alternatives.length, 3);
    assert.equal(alternatives[0].id, tokens[i].id, 'greedy: the chosen token is the best');
    const values = alternatives.map((t) => t.logprob);
    assert.deepEqual(values, [...values].sort((a, b) => b - a));
  }

  const full = await post(`${main.url}/generate`, {
    inputs: PROMPT, parameters: { max_new_tokens: 3, return_full_text: true },
  });
  const short = await post(`${main.url}/generate`, { inputs: PROMPT, parameters: { max_new_tokens: 3 } });
  assert.equal(full.json.generated_text, PROMPT + short.json.generated_text);
});

// A sampled TGI /generate of PROMPT with `extra` parameters (JSON text); the seeds it reports, as strings: TGI's seed
// is a u64, which JSON.parse would round, so they are read from the raw text.
async function sampledGenerate(extra) {
  const answer = await post(`${main.url}/generate`,
    `{"inputs": ${JSON.stringify(PROMPT)}, "parameters": {"max_new_tokens": 5, "details": true, "do_sample": true${extra}}}`);
  return { ...answer, seeds: [...answer.text.matchAll(/"seed":\s*(\d+)/g)].map((m) => m[1]) };
}

test('TGI do_sample: the reported seed is accepted back and reproduces the text', async () => {
  const generate = sampledGenerate;
  for (let i = 0; i < 8; i++) {
    const first = await generate('');
    assert.equal(first.status, 200, first.text);
    assert.equal(first.seeds.length, 1);
    const [seed] = first.seeds;
    assert.ok(BigInt(seed) < 2n ** 64n);
    const again = await generate(`, "seed": ${seed}`);
    assert.equal(again.status, 200, `the seed ${seed} the server reported is refused: ${again.text}`);
    assert.deepEqual(again.seeds, [seed]);
    assert.equal(again.json.generated_text, first.json.generated_text, `seed ${seed}`);
  }
});

test('TGI best_of: each sequence reports the seed that reproduces it', async () => {
  const generate = sampledGenerate;
  // Seeds of 2^63 and more are refused (see the test above): ask until both fit in an i64, so this test is about
  // which seeds are reported, not about their range.
  let best;
  for (let i = 0; i < 20; i++) {
    best = await generate(', "best_of": 2');
    assert.equal(best.status, 200, best.text);
    if (best.seeds.every((seed) => BigInt(seed) < 2n ** 63n)) break;
  }
  const sequences = [best.json, best.json.details.best_of_sequences[0]];
  assert.equal(best.seeds.length, 2);
  for (const [i, sequence] of sequences.entries()) {
    const again = await generate(`, "seed": ${best.seeds[i]}`);
    assert.equal(again.status, 200, `the seed ${best.seeds[i]} the server reported is refused: ${again.text}`);
    assert.equal(again.json.generated_text, sequence.generated_text,
      `best_of sequence ${i} (seeds reported: ${best.seeds.join(', ')}) is not reproduced by its seed`);
  }
});

test('TGI /generate_stream and POST / (compat)', async () => {
  const response = await fetch(`${main.url}/generate_stream`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: PROMPT, parameters: { max_new_tokens: 5, details: true, top_n_tokens: 2 } }),
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/event-stream/);
  const text = await response.text();
  assert.match(text, /^(data:[^\n]+\n\n)+$/, 'TGI events are `data:JSON` and a blank line');
  const events = sseData(text).map((data) => JSON.parse(data));  // no [DONE] in TGI streams
  assert.equal(events.length, 5);
  const greedy = await post(`${main.url}/generate`, { inputs: PROMPT, parameters: { max_new_tokens: 5 } });
  for (const [i, event] of events.entries()) {
    assert.equal(event.index, i + 1);
    assert.deepEqual(Object.keys(event.token).sort(), ['id', 'logprob', 'special', 'text']);
    assert.equal(event.top_tokens.length, 2);
    if (i < 4) {
      assert.equal(event.generated_text, null);
      assert.equal(event.details, null);
    }
  }
  const last = events.at(-1);
  assert.equal(last.generated_text, events.map((e) => e.token.text).join(''));
  assert.equal(last.generated_text, greedy.json.generated_text);
  assert.equal(last.details.finish_reason, 'length');
  assert.equal(last.details.generated_tokens, 5);
  assert.equal(typeof last.details.input_length, 'number');

  const compat = await post(`${main.url}/`, { inputs: PROMPT, parameters: { max_new_tokens: 5 } });
  assert.equal(compat.status, 200, compat.text);
  assert.deepEqual(compat.json, [{ generated_text: greedy.json.generated_text }]);
  const compatStream = await post(`${main.url}/`, { inputs: PROMPT, stream: true, parameters: { max_new_tokens: 3 } });
  const compatEvents = sseData(compatStream.text).map((data) => JSON.parse(data));
  assert.equal(compatEvents.length, 3);
  assert.equal(compatEvents.at(-1).generated_text, compatEvents.map((e) => e.token.text).join(''));
});

test('TGI validation errors are 422 {"error", "error_type": "validation"}', async () => {
  const cases = [
    { inputs: PROMPT, parameters: { temperature: -1 } },
    { inputs: PROMPT, parameters: { top_p: 1.5 } },
    { inputs: PROMPT, parameters: { max_new_tokens: 0 } },
    { inputs: PROMPT, parameters: { best_of: 2 } },
    { inputs: PROMPT, parameters: { top_n_tokens: 50 } },
    { inputs: PROMPT, parameters: { stop: ['a', 'b', 'c', 'd', 'e'] } },
    { inputs: PROMPT, parameters: { max_new_tokens: 100000 } },
    { inputs: '', parameters: { max_new_tokens: 1 } },
    { inputs: PROMPT, parameters: { temperature: 'hot' } },
  ];
  for (const body of cases) {
    const answer = await post(`${main.url}/generate`, body);
    assert.equal(answer.status, 422, `${JSON.stringify(body)}: ${answer.status} ${answer.text}`);
    assert.deepEqual(Object.keys(answer.json).sort(), ['error', 'error_type']);
    assert.equal(answer.json.error_type, 'validation');
    assert.ok(answer.json.error.length > 0);
  }
  const streamed = await post(`${main.url}/generate_stream`,
    { inputs: PROMPT, parameters: { best_of: 2, do_sample: true, max_new_tokens: 2 } });
  assert.equal(streamed.status, 422, streamed.text);
  assert.equal(streamed.json.error_type, 'validation');
  const malformed = await post(`${main.url}/generate`, '{"inputs": ');
  assert.equal(malformed.status, 422, malformed.text);
});

test('TGI /info', async () => {
  const info = await get(`${main.url}/info`);
  assert.equal(info.status, 200);
  for (const field of ['model_id', 'model_sha', 'model_pipeline_tag', 'max_concurrent_requests', 'max_best_of',
    'max_stop_sequences', 'max_input_tokens', 'max_total_tokens', 'validation_workers', 'max_client_batch_size',
    'router', 'version']) {
    assert.ok(field in info.json, `/info has ${field}`);
  }
  assert.equal(info.json.model_id, SERVED);
  assert.equal(info.json.model_pipeline_tag, 'text-generation');
  assert.equal(info.json.max_total_tokens, 2048);
  assert.ok(info.json.max_input_tokens < info.json.max_total_tokens);
  assert.equal(info.json.max_best_of, 2);
  assert.equal(info.json.max_stop_sequences, 4);
});

// ---------------------------------------------------------------------------------------------------------------
// 2. @huggingface/inference.

test('@huggingface/inference: textGeneration and textGenerationStream', async () => {
  const hf = new InferenceClient(undefined, { endpointUrl: main.url });
  const request = { model: SERVED, inputs: PROMPT, parameters: { max_new_tokens: 6, temperature: 0 } };
  const generated = await hf.textGeneration(request);
  const greedy = await completion({ prompt: PROMPT, max_tokens: 6, temperature: 0 });
  assert.equal(generated.generated_text, greedy.choices[0].text);

  // With an endpoint URL, 4.x sends text generation to /v1/completions: the stream yields OpenAI chunks, one a token.
  const pieces = [];
  for await (const chunk of hf.textGenerationStream(request)) pieces.push(chunk);
  assert.ok(pieces.length >= 2 && pieces.length <= 6, `${pieces.length} chunks for 6 tokens`);
  assert.equal(pieces.map((p) => p.choices[0].text).join(''), generated.generated_text);
  assert.equal(pieces.at(-1).choices[0].finish_reason, 'length');
});

test('@huggingface/inference: chatCompletion and chatCompletionStream', async () => {
  const hf = new InferenceClient(undefined, { endpointUrl: main.url });
  const request = { model: SERVED, messages: HI, max_tokens: 6, temperature: 0 };
  const answer = await hf.chatCompletion(request);
  assert.equal(answer.model, SERVED);
  assert.equal(answer.choices[0].message.role, 'assistant');
  assert.equal(answer.usage.completion_tokens, 6);
  const sdk = await openai.chat.completions.create(request);
  assert.equal(answer.choices[0].message.content, sdk.choices[0].message.content);

  let streamed = '';
  let finish = null;
  for await (const chunk of hf.chatCompletionStream(request)) {
    if (chunk.choices.length) {
      streamed += chunk.choices[0].delta.content ?? '';
      finish = chunk.choices[0].finish_reason ?? finish;
    }
  }
  assert.equal(streamed, answer.choices[0].message.content);
  assert.equal(finish, 'length');
});

test('@huggingface/inference: endpoint(url) with no model, and the name "tgi"', async () => {
  const hf = new InferenceClient('hf_unused').endpoint(main.url);
  const generated = await hf.textGeneration({ inputs: PROMPT, parameters: { max_new_tokens: 6, temperature: 0 } });
  const greedy = await completion({ prompt: PROMPT, max_tokens: 6, temperature: 0 });
  assert.equal(generated.generated_text, greedy.choices[0].text);

  const answer = await hf.chatCompletion({ messages: HI, max_tokens: 6, temperature: 0 });
  assert.equal(answer.model, SERVED, 'answers report the served name');
  const sdk = await openai.chat.completions.create({ model: SERVED, messages: HI, max_tokens: 6, temperature: 0 });
  assert.equal(answer.choices[0].message.content, sdk.choices[0].message.content);
  let streamed = '';
  for await (const chunk of hf.chatCompletionStream({ messages: HI, max_tokens: 6, temperature: 0 })) {
    streamed += chunk.choices[0]?.delta?.content ?? '';
  }
  assert.equal(streamed, answer.choices[0].message.content);

  const tgi = await post(`${main.url}/v1/chat/completions`, { model: 'tgi', messages: HI, max_tokens: 6, temperature: 0 });
  assert.equal(tgi.status, 200, tgi.text);
  assert.equal(tgi.json.choices[0].message.content, answer.choices[0].message.content);
  const url = await post(`${main.url}/v1/completions`, { model: 'https://my-endpoint.example/', prompt: PROMPT, max_tokens: 6, temperature: 0 });
  assert.equal(url.status, 200, url.text);

  for (const model of ['other/model', 'TGI-2', 'ftp://x']) {
    const unknown = await post(`${main.url}/v1/chat/completions`, { model, messages: HI, max_tokens: 2 });
    assert.equal(unknown.status, 404, `${model}: ${unknown.text}`);
    assert.equal(unknown.json.error.message, `The model \`${model}\` does not exist.`);
  }
});
