// `gatehouse serve --reasoning-parser` and the tool flags, driven by the openai SDK (the pinned 7.57.0).
//
// Random weights write no meaningful reasoning, so nothing here depends on what the model says. What holds
// whatever it says: with deepseek_r1 (whose templates open <think> in the prompt) an answer that never writes
// </think> is all reasoning, so message.reasoning_content (and the streamed delta.reasoning_content) is exactly the
// text the same prompt gives on /v1/completions, and content is null. The token that ends a sequence is never in
// the text, even with skip_special_tokens false (which tool-call parsing sets). Tool requests on a server without a
// tool-call parser get vLLM's 400s; bad parser flags stop the server at start-up, naming the valid choices.
//
// One server on a tiny random-weight Llama checkpoint (Llama 3's tokenizer and chat template); stopped by the
// file. Nothing leaves 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { bin, require } from './helpers.mjs';
import { tempDir } from './hub_helpers.mjs';
import { assertOpenAIError, completionAt, makeLlamaCheckpoint, post, startServer } from './serve_helpers.mjs';

const { OpenAI } = require('openai');

const SERVED = 'tiny-r1';
const MESSAGES = [{ role: 'user', content: 'What is 2 + 2?' }];
const WEATHER = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

let workDir;
let checkpoint;
let server;
let openai;

before(async () => {
  workDir = tempDir('serve-reasoning');
  checkpoint = makeLlamaCheckpoint(workDir);
  server = await startServer(['--model', checkpoint, '--served-model-name', SERVED, '--reasoning-parser', 'deepseek_r1']);
  openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
});

after(async () => {
  await server?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

// The greedy text of the chat's prompt on /v1/completions, where no reasoning parser applies.
async function plainText(maxTokens) {
  const tokenized = await post(`${server.url}/tokenize`, { model: SERVED, messages: MESSAGES });
  assert.equal(tokenized.status, 200, tokenized.text);
  const answer = await completionAt(server, { model: SERVED, prompt: tokenized.json.tokens, max_tokens: maxTokens, temperature: 0 });
  return answer.choices[0].text;
}

test('deepseek_r1: an answer without </think> is all reasoning_content, streamed or not', async () => {
  const text = await plainText(12);
  assert.ok(text.length > 0 && !text.includes('</think>'), JSON.stringify(text));

  const answer = await openai.chat.completions.create({ model: SERVED, messages: MESSAGES, max_tokens: 12, temperature: 0 });
  const { message } = answer.choices[0];
  assert.equal(message.reasoning_content, text);
  assert.equal(message.content, null);
  assert.deepEqual(message.tool_calls, []);
  assert.equal(answer.choices[0].finish_reason, 'length');

  const stream = await openai.chat.completions.create({ model: SERVED, messages: MESSAGES, max_tokens: 12, temperature: 0, stream: true });
  const deltas = [];
  let finish = null;
  for await (const chunk of stream) {
    for (const choice of chunk.choices) {
      deltas.push(choice.delta);
      finish = choice.finish_reason ?? finish;
    }
  }
  assert.deepEqual(deltas[0], { role: 'assistant', content: '' });
  assert.equal(deltas.slice(1).map((d) => d.reasoning_content ?? '').join(''), text);
  assert.ok(deltas.slice(1).every((d) => d.content === undefined && d.tool_calls === undefined), JSON.stringify(deltas));
  assert.equal(finish, 'length');

  const hidden = await openai.chat.completions.create({
    model: SERVED, messages: MESSAGES, max_tokens: 12, temperature: 0, include_reasoning: false,
  });
  assert.equal(hidden.choices[0].message.reasoning_content, null);
  assert.equal(hidden.choices[0].message.content, null);
});

test('the token that ends the sequence is not in the text, even with skip_special_tokens false', async () => {
  const config = JSON.parse(fs.readFileSync(path.join(checkpoint, 'generation_config.json'), 'utf8'));
  const eos = [config.eos_token_id].flat()[0];
  const answer = await completionAt(server, {
    model: SERVED, prompt: 'Hello', max_tokens: 4, temperature: 0, logit_bias: { [eos]: 100 }, skip_special_tokens: false,
  });
  assert.equal(answer.choices[0].finish_reason, 'stop');
  assert.equal(answer.choices[0].text, '');
  assert.equal(answer.usage.completion_tokens, 1);
  // A special stop token the request names, too.
  const reserved = 128010;  // <|reserved_special_token_5|> in Llama 3 (<|python_tag|> in Llama 3.1)
  const stopped = await completionAt(server, {
    model: SERVED, prompt: 'Hello', max_tokens: 4, temperature: 0, logit_bias: { [reserved]: 100 }, stop_token_ids: [reserved],
    skip_special_tokens: false,
  });
  assert.equal(stopped.choices[0].stop_reason, reserved);
  assert.equal(stopped.choices[0].text, '');
});

test('without a tool-call parser, tool requests get vLLM\'s 400s; tool_choice "none" is served', async () => {
  const url = `${server.url}/v1/chat/completions`;
  const base = { model: SERVED, messages: MESSAGES, max_tokens: 2 };
  const auto = assertOpenAIError(await post(url, { ...base, tools: [WEATHER] }), 400, 'tool_choice');
  assert.equal(auto.message, '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set');
  const required = assertOpenAIError(await post(url, { ...base, tools: [WEATHER], tool_choice: 'required' }), 400, 'tool_choice');
  assert.equal(required.message, 'tool_choice="required" requires --tool-call-parser to be set');
  const unknown = assertOpenAIError(await post(url, {
    ...base, tools: [WEATHER], tool_choice: { type: 'function', function: { name: 'get_time' } },
  }), 400, 'tool_choice');
  assert.equal(unknown.message, 'The tool specified in `tool_choice` does not match any of the specified `tools`');
  await assert.rejects(
    openai.chat.completions.create({ ...base, tool_choice: 'auto' }),
    (error) => error.status === 400 && error.message.includes('When using `tool_choice`, `tools` must be set.'));

  const none = await openai.chat.completions.create({ ...base, tools: [WEATHER], tool_choice: 'none' });
  assert.deepEqual(none.choices[0].message.tool_calls, []);
  assert.equal(typeof none.choices[0].message.reasoning_content, 'string');
});

test('bad parser flags stop the server at start-up, naming the valid choices', () => {
  const start = (...flags) => spawnSync(bin, ['serve', '--model', checkpoint, '--port', '0', ...flags], { encoding: 'utf8', timeout: 60_000 });
  const reasoning = start('--reasoning-parser', 'granite');
  assert.notEqual(reasoning.status, 0);
  assert.match(reasoning.stderr, /invalid reasoning parser: granite \(chose from \{ deepseek_r1,qwen3,think \}\)/);
  const auto = start('--enable-auto-tool-choice');
  assert.notEqual(auto.status, 0);
  assert.match(auto.stderr, /--enable-auto-tool-choice requires --tool-call-parser/);
  const tools = start('--enable-auto-tool-choice', '--tool-call-parser', 'no_such_parser');
  assert.notEqual(tools.status, 0);
  assert.match(tools.stderr, /no_such_parser/);
});
