// tool_choice "auto" end to end for the llama3_json, mistral and pythonic tool-call parsers (hermes is in
// serve_structured.test.mjs), and a Hermes tool round trip through a chat template, driven by the official openai
// SDK (the pinned 7.57.0, whose stream helper assembles streamed tool calls).
//
// The model is a tiny random-weight Llama with Llama 3's tokenizer, so a regex (structured_outputs) makes it write
// a call in the parser's format; the regex leaves some values to the sampler. The same request with tool_choice
// "none" (same seed, same prompt, same constraint, so the same tokens) shows the raw text the parser was given;
// the calls expected are read from that text with the same regex, as a JavaScript RegExp with groups. In the Llama 3
// tokenizer [TOOL_CALLS] and <|python_tag|> are plain text, which the parsers match as text.
//
// One server per parser, started together and stopped by the file. Nothing leaves 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

import { require } from './helpers.mjs';
import { tempDir } from './hub_helpers.mjs';
import { makeLlamaCheckpoint, post, startServer } from './serve_helpers.mjs';

const { OpenAI } = require('openai');
const { Template } = require('@huggingface/jinja');

const SERVED = 'tiny-tools';
const HERMES_TEMPLATE = fileURLToPath(new URL('./chat_templates/hermes_tools.jinja', import.meta.url));
const MESSAGES = [{ role: 'user', content: 'Weather in Paris, and the time?' }];
const SEEDS = [1, 2];
const OPENAI_ID = /^chatcmpl-tool-[0-9a-f]{32}$/;
const MISTRAL_ID = /^[A-Za-z0-9]{9}$/;

const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
  },
};
const TIME = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: ['string', 'null'] } } } } };
const TOOLS = [WEATHER, TIME];

// Python's json.dumps of a flat object (", " and ": "): what the parsers send as non-streamed arguments.
const pyDumps = (object) => `{${Object.entries(object).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;

const CITY = '(Paris|Oslo|Tokyo)';
const UNIT = '(celsius|fahrenheit)';
const ZONE = '(UTC|CET)';

// Per parser: answers that are calls (regex; the content and calls expected from the RegExp match of the raw text)
// and answers that look like calls but do not parse (they stay content, whole).
const PARSERS = {
  llama3_json: {
    id: OPENAI_ID,
    calls: [
      {
        what: 'one object with "parameters"',
        regex: `\\{"name": "get_weather", "parameters": \\{"city": "${CITY}", "unit": "${UNIT}"\\}\\}`,
        expect: (m) => ({ content: null, calls: [['get_weather', { city: m[1], unit: m[2] }]] }),
      },
      {
        what: '<|python_tag|> and two objects with "arguments", separated by "; "',
        regex: `<\\|python_tag\\|>\\{"name": "get_weather", "arguments": \\{"city": "${CITY}", "unit": "${UNIT}"\\}\\}; ` +
          `\\{"name": "get_time", "arguments": \\{"zone": "${ZONE}"\\}\\}`,
        expect: (m) => ({ content: null, calls: [['get_weather', { city: m[1], unit: m[2] }], ['get_time', { zone: m[3] }]] }),
      },
    ],
    broken: ['\\{"name": "get_weather", "city": "Paris"\\}', '<\\|python_tag\\|>\\{"name": oops\\}'],
  },
  mistral: {
    id: MISTRAL_ID,
    calls: [
      {
        what: 'content, then [TOOL_CALLS] and a JSON array of two calls',
        regex: `(Sure|OK)\\. \\[TOOL_CALLS\\]\\[\\{"name": "get_weather", "arguments": \\{"city": "${CITY}", "unit": "${UNIT}"\\}\\}, ` +
          `\\{"name": "get_time", "arguments": \\{"zone": "${ZONE}"\\}\\}\\]`,
        expect: (m) => ({ content: `${m[1]}. `, calls: [['get_weather', { city: m[2], unit: m[3] }], ['get_time', { zone: m[4] }]] }),
      },
      {
        what: 'the v11 form, [TOOL_CALLS]name{arguments} twice',
        regex: `\\[TOOL_CALLS\\]get_weather\\{"city": "${CITY}", "unit": "${UNIT}"\\}\\[TOOL_CALLS\\]get_time\\{"zone": "${ZONE}"\\}`,
        expect: (m) => ({ content: null, calls: [['get_weather', { city: m[1], unit: m[2] }], ['get_time', { zone: m[3] }]] }),
      },
    ],
    broken: ['\\[TOOL_CALLS\\]\\[\\{"name": oops\\}\\]', '\\[TOOL_CALLS\\]\\[\\{"arguments": \\{\\}\\}\\]'],
  },
  pythonic: {
    id: OPENAI_ID,
    calls: [
      {
        what: 'a Python list of two calls with literal arguments',
        regex: `\\[get_weather\\(city='${CITY}', unit="${UNIT}"\\), get_time\\(zone=None\\)\\]`,
        expect: (m) => ({ content: null, calls: [['get_weather', { city: m[1], unit: m[2] }], ['get_time', { zone: null }]] }),
      },
    ],
    broken: ['\\[get_weather\\(city=Paris\\)\\]', '\\[get_weather\\(city=\'Paris\', unit=celsius\\)\\]'],
  },
};

let workDir;
const servers = {};
const clients = {};

before(async () => {
  workDir = tempDir('serve-tool-parsers');
  const checkpoint = makeLlamaCheckpoint(workDir);
  const started = await Promise.all([
    ...Object.keys(PARSERS).map((parser) => startServer(['--model', checkpoint, '--served-model-name', SERVED,
      '--enable-auto-tool-choice', '--tool-call-parser', parser]).then((server) => [parser, server])),
    startServer(['--model', checkpoint, '--served-model-name', SERVED, '--enable-auto-tool-choice', '--tool-call-parser', 'hermes',
      '--chat-template', HERMES_TEMPLATE]).then((server) => ['hermes', server]),
  ]);
  for (const [parser, server] of started) {
    servers[parser] = server;
    clients[parser] = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
  }
  // A server's first constrained request is its slowest: all of them at once, here rather than in the first test.
  await Promise.all(Object.values(clients).map((client) =>
    client.chat.completions.create({ model: SERVED, messages: MESSAGES, max_tokens: 5, structured_outputs: { regex: 'ok' } })));
});

after(async () => {
  await Promise.all(Object.values(servers).map((server) => server.stop()));
  fs.rmSync(workDir, { recursive: true, force: true });
});

// The raw text the model writes under `regex` with `seed`: tool_choice "none" leaves it unparsed.
async function rawText(client, regex, seed) {
  const answer = await client.chat.completions.create({ model: SERVED, messages: MESSAGES, tools: TOOLS, tool_choice: 'none', seed, max_tokens: 200, structured_outputs: { regex } });
  assert.equal(answer.choices[0].finish_reason, 'stop');
  assert.deepEqual(answer.choices[0].message.tool_calls, []);
  return answer.choices[0].message.content;
}

// `streamed`: the SDK's stream helper starts the content with the first chunk's "" (vLLM's role delta), so no
// content reads as "" there, null otherwise.
function assertCalls(message, expected, idPattern, where, streamed = false) {
  assert.equal(message.content, expected.content ?? (streamed ? '' : null), `${where}: content`);
  assert.equal(message.tool_calls.length, expected.calls.length, `${where}: ${JSON.stringify(message.tool_calls)}`);
  for (const [i, call] of message.tool_calls.entries()) {
    const [name, args] = expected.calls[i];
    assert.match(call.id, idPattern, where);
    assert.equal(call.type, 'function', where);
    assert.equal(call.function.name, name, where);
    assert.equal(call.function.arguments, pyDumps(args), `${where}: call ${i} arguments`);
  }
  assert.equal(new Set(message.tool_calls.map((call) => call.id)).size, message.tool_calls.length, `${where}: ids are distinct`);
}

for (const [parser, { id, calls, broken }] of Object.entries(PARSERS)) {
  test(`${parser}: calls the model wrote come back as tool_calls, streamed (SDK stream helper) as not`, async () => {
    const client = clients[parser];
    const seen = new Set();
    for (const { what, regex, expect } of calls) {
      for (const seed of SEEDS) {
        const where = `${parser}, ${what}, seed ${seed}`;
        const raw = await rawText(client, regex, seed);
        const match = raw.match(new RegExp(`^${regex}$`));
        assert.ok(match, `${where}: the constraint held: ${JSON.stringify(raw)}`);
        seen.add(raw);
        const expected = expect(match);
        const body = { model: SERVED, messages: MESSAGES, tools: TOOLS, tool_choice: 'auto', seed, max_tokens: 200, structured_outputs: { regex } };

        const answer = await client.chat.completions.create(body);
        assert.equal(answer.choices[0].finish_reason, 'tool_calls', where);
        assertCalls(answer.choices[0].message, expected, id, where);

        const runner = client.chat.completions.stream(body);
        const deltas = [];
        runner.on('chunk', (chunk) => deltas.push(...(chunk.choices[0]?.delta?.tool_calls ?? [])));
        const streamed = await runner.finalChatCompletion();
        assert.equal(streamed.choices[0].finish_reason, 'tool_calls', `${where} (streamed)`);
        // Streamed arguments are the model's text, here in json.dumps' spelling, so the same text as parse()'s.
        assertCalls(streamed.choices[0].message, expected, id, `${where} (streamed)`, true);
        // Each call's id and name come once, in its first delta.
        for (const [i] of expected.calls.entries()) {
          assert.equal(deltas.filter((d) => d.index === i && d.id).length, 1, `${where}: one delta with the id of call ${i}`);
          assert.equal(deltas.find((d) => d.index === i).id, streamed.choices[0].message.tool_calls[i].id, where);
        }
      }
    }
    assert.ok(seen.size >= 2, `the sampler varied the calls over the seeds: ${[...seen].join(' | ')}`);
  });

  test(`${parser}: text that looks like a call but does not parse stays content, streamed and not`, async () => {
    const client = clients[parser];
    for (const regex of broken) {
      const text = await rawText(client, regex, 1);
      assert.match(text, new RegExp(`^${regex}$`));
      const body = { model: SERVED, messages: MESSAGES, tools: TOOLS, tool_choice: 'auto', seed: 1, max_tokens: 100, structured_outputs: { regex } };
      const answer = await client.chat.completions.create(body);
      assert.equal(answer.choices[0].message.content, text, regex);
      assert.deepEqual(answer.choices[0].message.tool_calls, [], regex);
      assert.equal(answer.choices[0].finish_reason, 'stop', regex);

      const streamed = await client.chat.completions.stream(body).finalChatCompletion();
      assert.equal(streamed.choices[0].message.content, text, `${regex} (streamed)`);
      assert.equal(streamed.choices[0].message.tool_calls, undefined, `${regex} (streamed)`);
      assert.equal(streamed.choices[0].finish_reason, 'stop', `${regex} (streamed)`);
    }
  });
}

test('hermes round trip: the call the model wrote, sent back with its tool result, renders through a Hermes template ' +
  'as the model wrote it, exactly as @huggingface/jinja renders the conversation', async () => {
  const client = clients.hermes;
  const regex = `<tool_call>\\n\\{"name": "get_weather", "arguments": \\{"city": "${CITY}", "unit": "${UNIT}"\\}\\}\\n</tool_call>`;
  const raw = await rawText(client, regex, 5);
  const first = await client.chat.completions.create({ model: SERVED, messages: MESSAGES, tools: TOOLS, tool_choice: 'auto', seed: 5, max_tokens: 100, structured_outputs: { regex } });
  const message = first.choices[0].message;
  assert.equal(first.choices[0].finish_reason, 'tool_calls');
  assert.equal(message.tool_calls.length, 1);
  const call = message.tool_calls[0];
  assert.match(call.id, OPENAI_ID);

  // The assistant message goes back as the SDK returned it (null fields included), with the tool's result.
  const conversation = [
    ...MESSAGES,
    message,
    { role: 'tool', tool_call_id: call.id, content: '{"temperature": 22, "condition": "sunny"}' },
  ];
  const second = await client.chat.completions.create({
    model: SERVED, messages: conversation, tools: TOOLS, tool_choice: 'auto', seed: 5, max_tokens: 50, structured_outputs: { regex: 'It is (sunny|cloudy)\\.' },
  });
  assert.match(second.choices[0].message.content, /^It is (sunny|cloudy)\.$/);
  assert.deepEqual(second.choices[0].message.tool_calls, []);
  assert.equal(second.choices[0].finish_reason, 'stop');

  // The prompt the server built for the second request, read back through /tokenize and /detokenize.
  const tokenized = await post(`${servers.hermes.url}/tokenize`, { model: SERVED, messages: conversation, tools: TOOLS, add_generation_prompt: true });
  assert.equal(tokenized.status, 200, tokenized.text);
  const detokenized = await post(`${servers.hermes.url}/detokenize`, { model: SERVED, tokens: tokenized.json.tokens });
  assert.equal(detokenized.status, 200, detokenized.text);
  const prompt = detokenized.json.prompt;
  const expected = new Template(fs.readFileSync(HERMES_TEMPLATE, 'utf8'))
    .render({ messages: structuredClone(conversation), tools: TOOLS, documents: null, add_generation_prompt: true });
  assert.equal(prompt, expected);
  // The model's call renders as the model wrote it, and the result names the function its tool_call_id called.
  assert.ok(prompt.includes(`<|im_start|>assistant\n${raw}<|im_end|>\n`), `${JSON.stringify(raw)} in\n${prompt}`);
  assert.ok(prompt.includes(`<|im_start|>tool\n<tool_response>\n${pyDumps({ name: 'get_weather', content: conversation[2].content })}\n</tool_response><|im_end|>\n`), prompt);
  assert.ok(prompt.endsWith('<|im_start|>assistant\n'));
});
