// `gatehouse serve` against hostile input: secret flags (serve's and download's) never show in the process listing
// however they are spelled, request data never forges or floods the log, per-request chat templates are refused
// unless the operator allows them, fields that would change the answer are refused, and /detokenize refuses ids
// outside the vocabulary by value.
//
// Each test starts the servers it needs on the tiny random-weight Llama checkpoint and stops them. Nothing leaves
// 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { bin } from './helpers.mjs';
import { tempDir } from './hub_helpers.mjs';
import { assertOpenAIError, get, makeLlamaCheckpoint, post, startServer } from './serve_helpers.mjs';

let workDir;
let modelDir;

before(() => {
  workDir = tempDir('serve-hardening');
  modelDir = makeLlamaCheckpoint(workDir);
});

after(() => {
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

const secret = (label) => `sk-${label}-${crypto.randomBytes(10).toString('hex')}`;

test('--api-key: every value, in every spelling, is gone from /proc/PID/cmdline and still authenticates', async () => {
  const keys = [secret('first'), secret('second'), secret('equals'), secret('repeat-a'), secret('repeat-b')];
  const hubToken = `hf_${crypto.randomBytes(12).toString('hex')}`;
  const server = await startServer(['--model', modelDir, '--api-key', keys[0], keys[1], `--api-key=${keys[2]}`,
    `--hf-token=${hubToken}`, '--api-key', keys[3], '--api-key', keys[4]]);
  try {
    const cmdline = fs.readFileSync(`/proc/${server.process.pid}/cmdline`, 'latin1');
    assert.ok(cmdline.includes('--api-key'), `the listing still shows the flags: ${JSON.stringify(cmdline)}`);
    for (const value of [...keys, hubToken]) {
      // No key, and no 4-character piece of one past the "***" mask.
      assert.ok(!cmdline.includes(value.slice(3, 7)) && !cmdline.includes(value.slice(-4)),
        `a secret shows in /proc/PID/cmdline: ${JSON.stringify(cmdline)}`);
    }
    for (const key of keys) {
      const answer = await get(`${server.url}/v1/models`, { authorization: `Bearer ${key}` });
      assert.equal(answer.status, 200, `key ${keys.indexOf(key)}: ${answer.text}`);
    }
    assertOpenAIError(await get(`${server.url}/v1/models`, { authorization: `Bearer ${secret('wrong')}` }), 401);
    for (const value of [...keys, hubToken]) assert.ok(!server.stderr().includes(value), 'a secret is in the log');
  } finally {
    await server.stop();
  }
});

test('download --token: the same rule hides the token of another subcommand, in both spellings', async () => {
  // A Hub that accepts connections and never answers keeps the download waiting while /proc is read.
  const sockets = [];
  const hub = net.createServer((socket) => sockets.push(socket));
  await new Promise((resolve) => hub.listen(0, '127.0.0.1', resolve));
  const tokens = [`hf_${crypto.randomBytes(12).toString('hex')}`, `hf_${crypto.randomBytes(12).toString('hex')}`];
  const children = [['--token', tokens[0]], [`--token=${tokens[1]}`]].map((flag) => spawn(bin,
    ['download', 'org/repo', 'config.json', ...flag, '--cache-dir', path.join(workDir, 'cache'), '--quiet'],
    { env: { ...process.env, HF_ENDPOINT: `http://127.0.0.1:${hub.address().port}` }, stdio: 'ignore' }));
  try {
    for (let i = 0; i < 100 && sockets.length < children.length; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(sockets.length, children.length, 'both downloads reached the Hub');
    for (const [i, child] of children.entries()) {
      const cmdline = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'latin1');
      assert.ok(cmdline.includes('download') && !cmdline.includes(tokens[i].slice(3, 11)), JSON.stringify(cmdline));
    }
  } finally {
    for (const child of children) child.kill('SIGKILL');
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => hub.close(resolve));
  }
});

test('/detokenize refuses ids outside the vocabulary by the value sent, with the vocab size', async () => {
  const server = await startServer(['--model', modelDir]);
  try {
    const hello = (await post(`${server.url}/tokenize`, { prompt: 'Hello', add_special_tokens: false })).json.tokens;
    assert.equal((await post(`${server.url}/detokenize`, { tokens: hello })).json.prompt, 'Hello');
    const size = 128256;  // the checkpoint carries Llama 3's tokenizer
    const cases = [
      ['99999999999999999999', '1e+20', 'outside the vocabulary'],
      ['18446744073709551615', '18446744073709551615', 'outside the vocabulary'],
      ['4294967297', '4294967297', 'outside the vocabulary'],
      [String(size), String(size), 'outside the vocabulary'],
      ['-1', '-1', 'outside the vocabulary'],
      ['2.5', '2.5', 'not a token id'],
      ['"7"', '"7"', 'not a token id'],
    ];
    for (const [sent, shown, what] of cases) {
      const answer = await post(`${server.url}/detokenize`, `{"tokens": [${hello[0]}, ${sent}]}`);
      const error = assertOpenAIError(answer, 400, 'tokens');
      assert.ok(error.message.startsWith(`tokens[1] is ${shown}, ${what}`), error.message);
      assert.ok(error.message.includes(`from 0 to ${size - 1} (the vocabulary has ${size} tokens)`), error.message);
    }
    assert.equal((await post(`${server.url}/detokenize`, { tokens: [size - 1] })).status, 200);
  } finally {
    await server.stop();
  }
});

// The lines the server wrote to stderr after `from` characters, without the final empty piece.
const linesSince = (server, from) => server.stderr().slice(from).split('\n').filter((line) => line !== '');

async function waitForLines(server, from, count) {
  for (let i = 0; i < 100 && linesSince(server, from).length < count; i++) await new Promise((r) => setTimeout(r, 20));
  return linesSince(server, from);
}

test('unknown request fields: one escaped log line per request, however many and whatever they hold', async () => {
  const server = await startServer(['--model', modelDir]);
  try {
    const url = `${server.url}/v1/completions`;
    // A newline that would forge a line, an ANSI colour, a one-character CSI (C1), a bidi override, DEL, NUL.
    const hostile = ['a\n2026-01-01T00:00:00Z INFO serve: forged', '\u001b[31mred\u001b[0m', '\u009b2J', 'x\u202eevil', 'del\u007f',
      'nul\u0000'];
    let from = server.stderr().length;
    const body = { prompt: 'hi', max_tokens: 1 };
    for (const key of hostile) body[key] = 1;
    assert.equal((await post(url, body)).status, 200);
    let lines = await waitForLines(server, from, 1);
    await new Promise((r) => setTimeout(r, 100));
    lines = linesSince(server, from);
    assert.equal(lines.length, 1, `one line for the request: ${JSON.stringify(lines)}`);
    const [line] = lines;
    assert.match(line, /^\S+ WARN 6 request fields \("a\\n2026-01-01T00:00:00Z INFO serve: forged", "\\x1B\[31mred\\x1B\[0m", "\\u\{009B\}2J" and 3 more\) are not used/);
    for (const raw of ['\u001b', '\u009b', '\u202e', '\u007f', '\u0000', '\r']) assert.ok(!server.stderr().includes(raw), JSON.stringify(raw));

    from = server.stderr().length;
    const second = { prompt: 'hi', max_tokens: 1, 'x\u202eevil': 1, 'del\u007f': 2, 'nul\u0000': 3 };
    assert.equal((await post(url, second)).status, 200);
    lines = await waitForLines(server, from, 1);
    assert.ok(lines[0].includes('("x\\u{202E}evil", "del\\x7F", "nul\\x00") are not used'), lines[0]);

    // Bytes that are not UTF-8 never reach the log: the body is refused.
    from = server.stderr().length;
    const invalid = Buffer.concat([Buffer.from('{"prompt": "hi", "max_tokens": 1, "k'), Buffer.from([0xff, 0xc3]), Buffer.from('": 1}')]);
    assertOpenAIError(await post(url, invalid), 400);
    assert.ok(!server.stderr().slice(from).includes('\ufffd'));

    // 200k unknown fields: still one short line.
    from = server.stderr().length;
    const many = ['{"prompt": "hi", "max_tokens": 1'];
    for (let i = 0; i < 200_000; i++) many.push(`, "unknown_${i}": ${i}`);
    many.push('}');
    assert.equal((await post(url, many.join(''))).status, 200);
    lines = await waitForLines(server, from, 1);
    await new Promise((r) => setTimeout(r, 100));
    lines = linesSince(server, from);
    assert.equal(lines.length, 1, `${lines.length} lines`);
    assert.ok(lines[0].length < 300, `${lines[0].length} characters`);
    assert.ok(lines[0].includes('200000 request fields ("unknown_0", "unknown_1", "unknown_2" and 199997 more)'), lines[0]);

    // A long name is cut.
    from = server.stderr().length;
    assert.equal((await post(url, { prompt: 'hi', max_tokens: 1, ['n'.repeat(100_000)]: 1 })).status, 200);
    lines = await waitForLines(server, from, 1);
    assert.ok(lines[0].length < 300 && lines[0].includes(`request field "${'n'.repeat(64)}..." is not used`), lines[0]);
  } finally {
    await server.stop();
  }
});

const UNTRUSTED = 'Chat template is passed with request, but --trust-request-chat-template is not set. Refused request with ' +
  'untrusted chat template.';
const HI = [{ role: 'user', content: 'hi' }];
const REQUEST_TEMPLATE = '{% for m in messages %}<<{{ m.role }}|{{ m.content }}|{{ mood }}>>{% endfor %}' +
  '{% if add_generation_prompt %}[go]{% endif %}';

test('a request\'s chat_template is refused in vLLM\'s words without --trust-request-chat-template', async () => {
  const server = await startServer(['--model', modelDir]);
  try {
    const chat = `${server.url}/v1/chat/completions`;
    for (const [url, body] of [
      [chat, { messages: HI, max_tokens: 1, chat_template: REQUEST_TEMPLATE }],
      [chat, { messages: HI, max_tokens: 1, chat_template_kwargs: { chat_template: REQUEST_TEMPLATE } }],
      [chat, { messages: HI, max_tokens: 1, stream: true, chat_template: REQUEST_TEMPLATE }],
      [`${server.url}/tokenize`, { messages: HI, chat_template: REQUEST_TEMPLATE }],
    ]) {
      const error = assertOpenAIError(await post(url, body), 400);
      assert.equal(error.message, UNTRUSTED);
    }
    // null is no template: the model's own renders.
    const plain = await post(chat, { messages: HI, max_tokens: 1, chat_template: null });
    assert.equal(plain.status, 200, plain.text);
  } finally {
    await server.stop();
  }
});

test('with --trust-request-chat-template a request\'s chat_template is rendered, with chat_template_kwargs', async () => {
  const server = await startServer(['--model', modelDir, '--trust-request-chat-template']);
  try {
    const render = async (body) => {
      const tokenized = await post(`${server.url}/tokenize`, body);
      assert.equal(tokenized.status, 200, tokenized.text);
      const text = (await post(`${server.url}/detokenize`, { tokens: tokenized.json.tokens })).json.prompt;
      return { text, count: tokenized.json.count };
    };
    const kwargs = { mood: 'calm' };
    const own = await render({ messages: HI, chat_template: REQUEST_TEMPLATE, chat_template_kwargs: kwargs });
    assert.equal(own.text, '<<user|hi|calm>>[go]');
    const viaKwargs = await render({ messages: HI, chat_template_kwargs: { ...kwargs, chat_template: REQUEST_TEMPLATE } });
    assert.equal(viaKwargs.text, own.text);
    assert.equal((await render({ messages: HI, chat_template: REQUEST_TEMPLATE, add_generation_prompt: false,
      chat_template_kwargs: { mood: 'x' } })).text, '<<user|hi|x>>');
    // The chat completion renders the same prompt.
    const answer = await post(`${server.url}/v1/chat/completions`,
      { messages: HI, max_tokens: 1, chat_template: REQUEST_TEMPLATE, chat_template_kwargs: kwargs });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json.usage.prompt_tokens, own.count);
    // Without one, the model's own template (Llama 3's).
    assert.match((await render({ messages: HI })).text, /^<\|begin_of_text\|><\|start_header_id\|>user/);
    // A broken template, or one that raises, is a 400.
    for (const template of ['{% for m in messages %}', "{{ raise_exception('no thanks') }}", 42]) {
      assertOpenAIError(await post(`${server.url}/v1/chat/completions`, { messages: HI, max_tokens: 1, chat_template: template }), 400);
    }
  } finally {
    await server.stop();
  }
});

test('fields that would change the answer are refused, not ignored', async () => {
  const server = await startServer(['--model', modelDir]);
  try {
    const chat = `${server.url}/v1/chat/completions`;
    const refused = [
      ['allowed_token_ids', [1, 2]], ['bad_words', ['hello']], ['logits_processors', ['my.module:Processor']],
      ['vllm_xargs', { key: 1 }], ['functions', [{ name: 'f', parameters: {} }]], ['function_call', { name: 'f' }],
      ['modalities', ['text', 'audio']], ['audio', { voice: 'alloy', format: 'wav' }],
    ];
    for (const [key, value] of refused) {
      const error = assertOpenAIError(await post(chat, { messages: HI, max_tokens: 1, [key]: value }), 400, key);
      assert.ok(error.message.includes(key) || error.message.includes('text only'), error.message);
    }
    assertOpenAIError(await post(`${server.url}/v1/completions`, { prompt: 'hi', max_tokens: 1, prompt_embeds: 'AAAA' }), 400,
      'prompt_embeds');
    // Values that change nothing pass.
    const neutral = await post(chat, {
      messages: HI, max_tokens: 1, allowed_token_ids: null, bad_words: [], logits_processors: [], function_call: 'none',
      modalities: ['text'], chat_template_kwargs: {},
    });
    assert.equal(neutral.status, 200, neutral.text);
  } finally {
    await server.stop();
  }
});
