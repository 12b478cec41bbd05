// `gatehouse serve` against hostile operators' and clients' input: secret flags never show in the process listing
// however they are spelled, request data never forges or floods the log, per-request chat templates are refused
// unless the operator allows them, and /detokenize refuses ids outside the vocabulary by value.
//
// Each test starts the servers it needs on the tiny random-weight Llama checkpoint and stops them. Nothing leaves
// 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';

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
