// Structured output on a SentencePiece vocabulary: a tiny random-weight Llama with Llama 2's real tokenizer
// (32k pieces, "▁" for spaces, byte-fallback tokens <0x00>..<0xFF> for what the pieces lack). Its tokens are matched
// against the grammar as the bytes they decode to, so non-ASCII text in schemas, regexes and choices must come out
// valid whether the model writes it with whole pieces or byte by byte. Answers are checked by ajv (ajv-formats),
// streamed and not, through the official openai SDK. Llama 2's tokenizer config has no chat template, so these are
// completions (vLLM's structured_outputs field). One server, stopped by the file; nothing leaves 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { require } from './helpers.mjs';
import { tempDir } from './hub_helpers.mjs';
import { assertValidJson, makeLlamaCheckpoint, post, startServer } from './serve_helpers.mjs';

const { OpenAI } = require('openai');

const SERVED = 'tiny-sentencepiece';
const PROMPT = 'Réponds en JSON :';

const SCHEMAS = {
  weather: {
    type: 'object',
    properties: {
      city: { type: 'string', maxLength: 6 },
      sky: { enum: ['☀ ensoleillé', '雨', 'nublado'] },
      degrees: { type: 'integer', minimum: -40, maximum: 50 },
    },
    required: ['city', 'sky', 'degrees'],
    additionalProperties: false,
  },
  greek: { type: 'array', items: { type: 'string', pattern: '^[α-ω]{1,3}$' }, minItems: 1, maxItems: 3 },
  when: { type: 'object', properties: { day: { type: 'string', format: 'date' }, ok: { type: 'boolean' } }, required: ['day', 'ok'] },
};

let workDir;
let server;
let openai;
let logitBias;

before(async () => {
  workDir = tempDir('serve-sentencepiece');
  const checkpoint = makeLlamaCheckpoint(workDir, { tokenizer: 'llama2' });
  server = await startServer(['--model', checkpoint, '--served-model-name', SERVED]);
  openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
  // The vocabulary really is SentencePiece with byte fallback.
  const pieces = await post(`${server.url}/tokenize`, { model: SERVED, prompt: 'a 雨', add_special_tokens: false, return_token_strs: true });
  assert.ok(pieces.json.token_strs.some((piece) => piece.startsWith('▁')), JSON.stringify(pieces.json));
  // Random weights rarely close a string; raise the closing pieces (the grammar is applied first, so this only
  // shortens answers).
  logitBias = {};
  for (const text of ['"', '}', ']', ',']) {
    const answer = await post(`${server.url}/tokenize`, { model: SERVED, prompt: text, add_special_tokens: false });
    for (const id of answer.json.tokens) logitBias[String(id)] = 6;
  }
});

after(async () => {
  await server?.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
});


test('JSON schemas with non-ASCII enums, patterns and formats: every answer that stops is valid', async () => {
  let stopped = 0;
  let total = 0;
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    const answer = await openai.completions.create({
      model: SERVED, prompt: PROMPT, n: 8, seed: total + 1, temperature: 1, max_tokens: 200, logit_bias: logitBias,
      structured_outputs: { json: schema },
    });
    for (const choice of answer.choices) {
      total += 1;
      if (choice.finish_reason !== 'stop') continue;
      stopped += 1;
      assertValidJson(schema, choice.text, `${name} choice ${choice.index}`);
    }
  }
  assert.ok(stopped >= total / 2, `${stopped} of ${total} answers stopped`);
});

test('streamed regex and choice with characters the pieces may spell byte by byte', async () => {
  const cases = [
    [{ regex: '(café|thé|水){1,3} [0-9]{2}' }, (text) => assert.match(text, /^(café|thé|水){1,3} [0-9]{2}$/u)],
    [{ choice: ['☯ neutre', 'ça va', 'ok'] }, (text) => assert.ok(['☯ neutre', 'ça va', 'ok'].includes(text), text)],
  ];
  for (const [constraint, check] of cases) {
    for (let seed = 1; seed <= 4; seed += 1) {
      const stream = await openai.completions.create({ model: SERVED, prompt: PROMPT, seed, max_tokens: 60, stream: true,
        structured_outputs: constraint });
      let text = '';
      let finish = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.text ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      assert.equal(finish, 'stop', `${JSON.stringify(constraint)} seed ${seed}: ${JSON.stringify(text)}`);
      check(text);
    }
  }
});
