// Structured output and tool calling in `gatehouse serve`, driven by real clients: the openai SDK (the pinned
// 7.57.0, with its zodResponseFormat helper, .parse() and its stream helper that assembles tool calls) and
// @huggingface/inference (TGI's grammar). Every structured answer is checked by ajv, a JSON Schema validator
// nobody here wrote, against the schema it was constrained by.
//
// The model is a tiny random-weight Llama with Llama 3's real tokenizer (128k tokens), so its free output is noise:
// whatever it says inside the constraint must still be valid, for each of 200 seeded answers per schema of the
// corpus. Random weights rarely close a string, so requests raise the logits of a few closing tokens (", "}, ], ...)
// with logit_bias; the grammar is applied before the bias, so this only shortens answers, it cannot make an invalid
// token possible. Answers cut by max_tokens (finish_reason "length") are incomplete by definition and only counted;
// every answer that stopped is validated.
//
// tool_choice "auto" is run on real model output by constraining the model, with a regex, to write a Hermes call.
//
// One server, stopped by the file. Nothing leaves 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { require } from './helpers.mjs';
import { tempDir } from './hub_helpers.mjs';
import { assertOpenAIError, assertValidJson, makeLlamaCheckpoint, post, startServer } from './serve_helpers.mjs';

const { OpenAI } = require('openai');
const { zodResponseFormat } = require('openai/helpers/zod');
const { z } = require('zod');
const { InferenceClient } = require('@huggingface/inference');

const SERVED = 'tiny-structured';
const SCHEMAS = fileURLToPath(new URL('../unit/grammar/schemas/', import.meta.url));
const MESSAGES = [{ role: 'user', content: 'Answer in JSON.' }];
// Llama 3 ids of tokens that close strings, arrays and objects, and of @ and .com, without which an email format
// cannot close (checked against the tokenizer in before()).
const CLOSERS = {
  '"': 1, '",': 498, '"}': 9388, '}': 92, ']': 60, '"]': 1365, '},': 2186, '"]}': 93546, '}]': 26516, ']}': 14316, '"},': 14682,
  '@': 31, '.com': 916,
};
const logitBias = (value) => Object.fromEntries(Object.values(CLOSERS).map((id) => [String(id), value]));
const LOGIT_BIAS = logitBias(8);
// The corpus run: per schema, concurrent requests of CORPUS_N answers each, every request with its own seed (answers
// of one request differ by their index). A stronger bias makes most answers stop within max_tokens. min_p (1/1000 of
// the likeliest allowed token) lets the sampler draw from the few tokens above it instead of passing over all 128k
// logits, which is most of the time per token with this tiny model; it keeps the draw random over what the grammar
// allows, only the least likely tokens are left out.
const SAMPLES_PER_SCHEMA = 200;
const CORPUS_N = 50;
const CORPUS_LOGIT_BIAS = logitBias(12);
const CORPUS_MIN_P = 0.001;
const CORPUS_MIN_STOPPED = 0.4;  // of the answers per schema (0.58 or more seen)

const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', maxLength: 20 }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city', 'unit'],
    },
  },
};
const TIME = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string', format: 'date' } } } } };

let workDir;
let server;
let openai;

before(async () => {
  workDir = tempDir('serve-structured');
  const checkpoint = makeLlamaCheckpoint(workDir);
  server = await startServer(['--model', checkpoint, '--served-model-name', SERVED, '--enable-auto-tool-choice',
    '--tool-call-parser', 'hermes']);
  openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
  for (const [text, id] of Object.entries(CLOSERS)) {
    const answer = await post(`${server.url}/tokenize`, { model: SERVED, prompt: text, add_special_tokens: false });
    assert.deepEqual(answer.json.tokens, [id], text);
  }
});

after(async () => {
  await server?.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
});

test('response_format json_schema: hundreds of seeded samples per corpus schema, every one that stops valid', async (t) => {
  const files = fs.readdirSync(SCHEMAS).filter((name) => name.endsWith('.json') && !name.endsWith('.samples.json'));
  assert.ok(files.length >= 16, `${files.length} corpus schemas`);
  let seed = 0;
  for (const file of files) {
    const schema = JSON.parse(fs.readFileSync(path.join(SCHEMAS, file), 'utf8'));
    const seeds = Array.from({ length: SAMPLES_PER_SCHEMA / CORPUS_N }, () => (seed += 1));
    const answers = await Promise.all(seeds.map((requestSeed) => openai.chat.completions.create({
      model: SERVED, messages: MESSAGES, n: CORPUS_N, seed: requestSeed, temperature: 1, min_p: CORPUS_MIN_P,
      max_tokens: 200, logit_bias: CORPUS_LOGIT_BIAS,
      response_format: { type: 'json_schema', json_schema: { name: file.replace('.json', ''), schema, strict: true } },
    })));
    const stopped = [];
    for (const [i, answer] of answers.entries()) {
      assert.equal(answer.choices.length, CORPUS_N, file);
      for (const choice of answer.choices.filter((c) => c.finish_reason === 'stop')) {
        assertValidJson(schema, choice.message.content, `${file} seed ${seeds[i]} choice ${choice.index}`);
        stopped.push(choice.message.content);
      }
    }
    const distinct = new Set(stopped).size;
    t.diagnostic(`${file}: ${stopped.length} of ${SAMPLES_PER_SCHEMA} stopped, ${distinct} distinct`);
    assert.ok(stopped.length >= SAMPLES_PER_SCHEMA * CORPUS_MIN_STOPPED, `${file}: only ${stopped.length} of ${SAMPLES_PER_SCHEMA} stopped`);
    assert.ok(distinct >= stopped.length / 2, `${file}: ${distinct} distinct of ${stopped.length} stopped`);
  }
});

test('streamed constraints: json_object, regex, choice, EBNF grammar and the legacy guided_json', async () => {
  const cases = [
    { body: { response_format: { type: 'json_object' } }, check: (text) => assert.equal(typeof JSON.parse(text), 'object') },
    { body: { structured_outputs: { regex: '[A-Z][a-z]{2,8}-[0-9]{3}' } }, check: (text) => assert.match(text, /^[A-Z][a-z]{2,8}-[0-9]{3}$/) },
    { body: { structured_outputs: { choice: ['positive', 'negative', 'neutral ☯'] } }, check: (text) => assert.ok(['positive', 'negative', 'neutral ☯'].includes(text), text) },
    {
      body: { structured_outputs: { grammar: 'root ::= expr\nexpr ::= term ("+" term)*\nterm ::= [0-9]+ | "(" expr ")"' } },
      check: (text) => assert.match(text, /^[0-9()+]+$/),
    },
    { body: { guided_json: { type: 'array', items: { type: 'integer', minimum: -5, maximum: 5 }, maxItems: 4 } }, check: (text) => assertValidJson({ type: 'array', items: { type: 'integer', minimum: -5, maximum: 5 }, maxItems: 4 }, text, 'guided_json') },
  ];
  for (const [i, { body, check }] of cases.entries()) {
    for (let seed = 1; seed <= 4; seed += 1) {
      const stream = await openai.chat.completions.create({ model: SERVED, messages: MESSAGES, stream: true, seed: seed + 10 * i, max_tokens: 300, logit_bias: LOGIT_BIAS, ...body });
      let text = '';
      let finish = null;
      for await (const chunk of stream) {
        for (const choice of chunk.choices) {
          text += choice.delta.content ?? '';
          finish = choice.finish_reason ?? finish;
        }
      }
      if (finish === 'stop') check(text);
    }
  }
});

test('zodResponseFormat and .parse(): the answer parses into the zod type', async () => {
  const Event = z.object({ name: z.string().max(30), day: z.enum(['mon', 'tue', 'wed']), attendees: z.array(z.string().max(12)).max(3), online: z.boolean() });
  let parsed = 0;
  for (let seed = 1; seed <= 6; seed += 1) {
    const completion = await openai.chat.completions.parse({
      model: SERVED, messages: MESSAGES, seed, max_tokens: 300, logit_bias: LOGIT_BIAS, response_format: zodResponseFormat(Event, 'event'),
    });
    const message = completion.choices[0].message;
    if (completion.choices[0].finish_reason !== 'stop') continue;
    assert.deepEqual(Event.parse(message.parsed), message.parsed);
    parsed += 1;
  }
  assert.ok(parsed >= 3, `${parsed} of 6 parsed`);
});

test('tool_choice named and required: calls always parse and match the parameters, streamed and not', async () => {
  const named = await openai.chat.completions.create({
    model: SERVED, messages: MESSAGES, tools: [WEATHER, TIME], tool_choice: { type: 'function', function: { name: 'get_weather' } },
    seed: 3, max_tokens: 200, logit_bias: LOGIT_BIAS,
  });
  const call = named.choices[0].message.tool_calls[0];
  assert.equal(call.function.name, 'get_weather');
  assert.match(call.id, /^chatcmpl-tool-[0-9a-f]{32}$/);
  if (named.choices[0].finish_reason === 'stop') assertValidJson(WEATHER.function.parameters, call.function.arguments, 'named');

  let calls = 0;
  for (let seed = 1; seed <= 4; seed += 1) {
    const required = await openai.chat.completions.create({
      model: SERVED, messages: MESSAGES, tools: [WEATHER, TIME], tool_choice: 'required', seed, max_tokens: 300, logit_bias: LOGIT_BIAS,
    });
    const choice = required.choices[0];
    if (choice.finish_reason !== 'tool_calls') continue;
    for (const c of choice.message.tool_calls) {
      const tool = [WEATHER, TIME].find((t) => t.function.name === c.function.name);
      assert.ok(tool, c.function.name);
      assertValidJson(tool.function.parameters, c.function.arguments, `required ${c.function.name}`);
      calls += 1;
    }
  }
  assert.ok(calls >= 1, 'some required call finished');

  // The SDK's stream helper assembles the streamed deltas into the same shapes.
  const runner = openai.chat.completions.stream({
    model: SERVED, messages: MESSAGES, tools: [WEATHER, TIME], tool_choice: { type: 'function', function: { name: 'get_weather' } },
    seed: 3, max_tokens: 200, logit_bias: LOGIT_BIAS,
  });
  const streamed = await runner.finalChatCompletion();
  const streamedCall = streamed.choices[0].message.tool_calls[0];
  assert.equal(streamedCall.function.name, 'get_weather');
  assert.equal(streamedCall.function.arguments, call.function.arguments);  // same seed, same text
});

test('tool_choice auto: the hermes parser finds a call the model wrote, streamed and not', async () => {
  // A regex makes the random model write exactly a Hermes call, so the auto path runs on real model output.
  const regex = '<tool_call>\\n\\{"name": "get_weather", "arguments": \\{"city": "Paris", "unit": "celsius"\\}\\}\\n</tool_call>';
  const body = { model: SERVED, messages: MESSAGES, tools: [WEATHER, TIME], tool_choice: 'auto', max_tokens: 100, structured_outputs: { regex } };
  const answer = await openai.chat.completions.create(body);
  const choice = answer.choices[0];
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.content, null);
  assert.equal(choice.message.tool_calls.length, 1);
  assert.equal(choice.message.tool_calls[0].function.name, 'get_weather');
  assert.deepEqual(JSON.parse(choice.message.tool_calls[0].function.arguments), { city: 'Paris', unit: 'celsius' });

  const streamed = await openai.chat.completions.stream(body).finalChatCompletion();
  const call = streamed.choices[0].message.tool_calls[0];
  assert.equal(call.function.name, 'get_weather');
  assert.match(call.id, /^chatcmpl-tool-[0-9a-f]{32}$/);
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris', unit: 'celsius' });
  assert.equal(streamed.choices[0].finish_reason, 'tool_calls');

  // Something that looks like a call but does not parse stays content.
  const broken = await openai.chat.completions.create({ ...body, structured_outputs: { regex: '<tool_call>\\{"name": oops</tool_call>' } });
  assert.equal(broken.choices[0].message.content, '<tool_call>{"name": oops</tool_call>');
  assert.deepEqual(broken.choices[0].message.tool_calls, []);
  assert.equal(broken.choices[0].finish_reason, 'stop');
});

test('@huggingface/inference: TGI grammar on text generation', async () => {
  const hf = new InferenceClient(undefined, { endpointUrl: server.url });
  const schema = { type: 'object', properties: { ok: { type: 'boolean' }, n: { type: 'integer', minimum: 0, maximum: 99 } }, required: ['ok', 'n'] };
  const json = await hf.textGeneration({ inputs: 'JSON:', parameters: { max_new_tokens: 100, seed: 2, grammar: { type: 'json', value: schema } } });
  assertValidJson(schema, json.generated_text, 'grammar json');
  const regex = await hf.textGeneration({ inputs: 'Code:', parameters: { max_new_tokens: 20, seed: 2, grammar: { type: 'regex', value: '[0-9]{4}' } } });
  assert.match(regex.generated_text, /^[0-9]{4}$/);
  // TGI's own route.
  const generate = await post(`${server.url}/generate`, { inputs: 'x', parameters: { max_new_tokens: 30, seed: 1, grammar: { type: 'regex', value: '(yes|no)' } } });
  assert.equal(generate.status, 200);
  assert.match(generate.json.generated_text, /^(yes|no)$/);
});

test('bad constraints get a 400 naming the field and saying why', async () => {
  const chat = (extra) => post(`${server.url}/v1/chat/completions`, { model: SERVED, messages: MESSAGES, max_tokens: 5, ...extra });
  const cases = [
    [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'array', uniqueItems: true } } } }, 'response_format', /uniqueItems/],
    [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 5 } } } }, 'response_format', /type/],
    [{ response_format: { type: 'json_schema', json_schema: { name: 'x' } } }, 'response_format', /none are specified/],
    [{ structured_outputs: { regex: 'a(?=b)' } }, 'structured_outputs', /lookahead|lookaround/i],
    [{ structured_outputs: { regex: 'a', choice: ['a'] } }, 'structured_outputs', /multiple are specified/],
    [{ structured_outputs: { choice: [] } }, 'structured_outputs', /cannot be an empty list/],
    [{ structured_outputs: { grammar: 'expr ::= "a"' } }, 'structured_outputs', /root/],
    [{ guided_regex: '[' }, 'guided_regex', /regex/],
    [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'string', maxLength: 50_000_000 } } } }, 'response_format', /too large/],
    [{ tools: [WEATHER], tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice', /does not match/],
    [{ response_format: { type: 'structural_tag', format: { type: 'qwen_xml_parameter' } } }, 'response_format', /format\.type: 'qwen_xml_parameter'/],
    [{ structured_outputs: { structural_tag: '{"triggers": ["<f="], "structures": [{"begin": "<g>", "schema": {}, "end": "</g>"}]}' } },
      'structured_outputs', /structures\[0\]\.begin: '<g>' starts with none of the triggers/],
  ];
  for (const [extra, param, message] of cases) {
    const answer = await chat(extra);
    assertOpenAIError(answer, 400, param);
    assert.match(answer.json.error.message, message, JSON.stringify(extra));
  }
  // The server is still fine.
  assert.equal((await chat({})).status, 200);
});

test('structural tags: a format tree in response_format and the legacy form in structured_outputs, streamed and not', async () => {
  const parameters = WEATHER.function.parameters;
  const call = (text) => {
    const match = text.match(/^<function=get_weather>(.*)<\/function>$/s);
    assert.ok(match, text);
    assertValidJson(parameters, match[1], 'structural tag');
  };
  const tree = {
    type: 'structural_tag',
    format: { type: 'sequence', elements: [
      { type: 'const_string', value: 'Calling: ' },
      { type: 'tag', begin: '<function=get_weather>', content: { type: 'json_schema', json_schema: parameters }, end: '</function>' },
    ] },
  };
  let stopped = 0;
  for (let seed = 1; seed <= 4; seed += 1) {
    const answer = await openai.chat.completions.create({ model: SERVED, messages: MESSAGES, seed, max_tokens: 300, logit_bias: LOGIT_BIAS, response_format: tree });
    const { message, finish_reason: finish } = answer.choices[0];
    assert.ok(message.content.startsWith('Calling: <function=get_weather>'), message.content);
    if (finish === 'stop') {
      stopped += 1;
      call(message.content.slice('Calling: '.length));
    }
  }
  assert.ok(stopped >= 2, `${stopped} of 4 stopped`);
  // The legacy form (free text in which the trigger must start a call; its language is checked by
  // grammar_test): accepted as vLLM's JSON text, and the same seed streams the same text.
  const legacy = JSON.stringify({ type: 'structural_tag', triggers: ['<function='],
    structures: [{ begin: '<function=get_weather>', schema: parameters, end: '</function>' }] });
  const body = { model: SERVED, messages: MESSAGES, seed: 3, max_tokens: 40, structured_outputs: { structural_tag: legacy } };
  const whole = await openai.chat.completions.create(body);
  let text = '';
  for await (const chunk of await openai.chat.completions.create({ ...body, stream: true })) text += chunk.choices[0]?.delta.content ?? '';
  assert.ok(whole.choices[0].message.content.length > 0);
  assert.equal(text, whole.choices[0].message.content);
});
