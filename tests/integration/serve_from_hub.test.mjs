// `gatehouse serve` with a Hub repo id, as a Blueprints recipe runs vLLM: the model is a gated repo on our own Hub
// mirror (a tiny random Llama with Llama 3's tokenizer), HF_ENDPOINT points at the mirror and HF_TOKEN carries the
// token (or --hf-token carries it). With a token on the repo's allow-list the server downloads the snapshot into the huggingface_hub cache and
// serves it (the openai SDK gets a completion, /info reports the commit served); without a token, or with one that
// has no access, it exits with the Hub's gated-repo error. The token never appears in the server's output.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { bin, require } from './helpers.mjs';
import { ALLOWED_TOKEN, OTHER_TOKEN, runProcess, startMirror } from './hub_helpers.mjs';
import { makeLlamaCheckpoint, startServer } from './serve_helpers.mjs';

const REPO = 'meta-llama/Llama-3.2-1B-Instruct';
let scratch;
let mirror;

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-serve-hub-'));
  const checkpoint = makeLlamaCheckpoint(scratch);
  const repo = path.join(scratch, 'root', REPO);
  fs.mkdirSync(path.dirname(repo), { recursive: true });
  fs.renameSync(checkpoint, repo);
  const access = path.join(scratch, 'access.json');
  fs.writeFileSync(access, JSON.stringify({ gated: ['meta-llama/*'], tokens: { [ALLOWED_TOKEN]: ['meta-llama/*'], [OTHER_TOKEN]: [] } }));
  mirror = await startMirror(['--root', path.join(scratch, 'root'), '--access', access]);
});

after(async () => {
  await mirror?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

const environment = (token, cache) =>
  ({ HF_ENDPOINT: mirror.url, HF_HUB_CACHE: cache, HF_HOME: path.join(cache, 'home'), HF_TOKEN: token ?? '' });

test('a gated repo id with HF_TOKEN is downloaded and served; the token stays out of the output', async (t) => {
  const cache = path.join(scratch, 'cache-allowed');
  const server = await startServer(['--model', REPO, '--max-model-len', '256'], { env: environment(ALLOWED_TOKEN, cache) });
  t.after(() => server.stop());
  const { default: OpenAI } = await import(require.resolve('openai'));
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused' });
  const completion = await client.completions.create({ model: REPO, prompt: 'Hello', max_tokens: 4, temperature: 0 });
  assert.equal(completion.model, REPO);
  assert.equal(completion.usage.completion_tokens, 4);
  const info = await (await fetch(`${server.url}/info`)).json();
  assert.match(info.model_sha, /^[0-9a-f]{40}$/, 'the commit of the snapshot served');
  const snapshot = path.join(cache, 'models--meta-llama--Llama-3.2-1B-Instruct', 'snapshots', info.model_sha);
  assert.ok(fs.existsSync(path.join(snapshot, 'model.safetensors')), 'the weights are in the huggingface_hub cache');
  assert.ok(!server.stderr().includes(ALLOWED_TOKEN), 'the token is not in the server log');
});

test('--hf-token works like HF_TOKEN, and the token does not stay in the process\'s command line', async (t) => {
  const cache = path.join(scratch, 'cache-flag');
  const server = await startServer(['--model', REPO, '--max-model-len', '256', '--hf-token', ALLOWED_TOKEN],
    { env: environment(undefined, cache) });
  t.after(() => server.stop());
  const models = await (await fetch(`${server.url}/v1/models`)).json();
  assert.equal(models.data[0].id, REPO);
  const commandLine = fs.readFileSync(`/proc/${server.process.pid}/cmdline`, 'utf8');
  assert.ok(!commandLine.includes(ALLOWED_TOKEN), 'ps would show the token');
  assert.ok(commandLine.includes('--hf-token'), 'the flag itself is still there');
  assert.ok(!server.stderr().includes(ALLOWED_TOKEN));
});

test('without a token, or with a token that has no access, serve fails with the gated-repo error', async () => {
  for (const [label, token] of [['no token', undefined], ['a token without access', OTHER_TOKEN]]) {
    const cache = path.join(scratch, `cache-${label.replace(/ /g, '-')}`);
    const run = await runProcess(bin, ['serve', '--model', REPO, '--host', '127.0.0.1', '--port', '0'],
      { env: { ...process.env, ...environment(token, cache) }, timeoutMs: 60_000 });
    assert.notEqual(run.status, 0, `${label}: the server must not start`);
    assert.match(run.stderr, /gated|restricted|access/i, `${label}: says the repo is gated:\n${run.stderr}`);
    if (token) assert.ok(!run.stderr.includes(token) && !run.stdout.includes(token), `${label}: token not echoed`);
  }
});
