// What a gateway config can say, against real processes: `--control-data-dir` reading upstream
// keys from the control plane's vault (a `gatehouse serve --api-key` upstream reached with a key
// kept only in a secret of a running `gatehouse up`; the key order explicit, environment, secret
// per deployment; a wrong secret name stopping the gateway at start, naming it),
// LITELLM_MASTER_KEY, /v1/models listing only what a virtual key may call, and LiteLLM's wildcard
// model names forwarding any requested model.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { api, login, startControlPlane } from './control_helpers.mjs';
import { startListening } from './helpers.mjs';
import { get, makeLlamaCheckpoint, post, startServer } from './serve_helpers.mjs';

const SERVED = 'tiny';
const UPSTREAM_KEY = 'sk-upstream-only-in-the-vault-7f3a';
const MASTER_KEY = 'sk-master-from-litellm-variable';
// Neither the machine's keys nor a master key reach the gateways unless a test says so.
const CLEAN_ENV = { OPENAI_API_KEY: '', LITELLM_MASTER_KEY: '' };
let workDir, dataDir, upstream, plane;

// A config with one deployment per [model_name, litellm_params lines, litellm_params.model].
function writeConfig(name, models) {
  const file = path.join(workDir, name);
  fs.writeFileSync(file, `model_list:\n${models.map(([modelName, params, model = `openai/${SERVED}`]) => `  - model_name: "${modelName}"
    litellm_params:
      model: "${model}"
      api_base: ${upstream.url}/v1
${params}`).join('')}`);
  return file;
}

function startGateway(config, env = {}) {
  return startListening(['gateway', '--config', config, '--host', '127.0.0.1', '--port', '0', '--data-dir',
    path.join(workDir, `keys-${path.basename(config)}`), '--control-data-dir', dataDir], { env: { ...CLEAN_ENV, ...env } });
}

const chat = (gateway, model, headers = {}) =>
  post(`${gateway.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 }, headers);

before(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-gateway-secrets-'));
  dataDir = path.join(workDir, 'control');
  [upstream, plane] = await Promise.all([
    startServer(['--model', makeLlamaCheckpoint(workDir), '--served-model-name', SERVED, '--api-key', UPSTREAM_KEY]),
    startControlPlane(dataDir),
  ]);
  const token = await login(plane.url);
  const created = await api(plane.url, token, 'POST', '/secrets/', { secrets_payload: [
    { name: 'hf-secret', action: 'create', type: 'opaque', data: { 'hf-token': UPSTREAM_KEY } },
    { name: 'two-keys', action: 'create', type: 'opaque', data: { stale: 'sk-stale-key', current: UPSTREAM_KEY } },
  ] });
  assert.equal(created.status, 200, created.text);
});

after(async () => {
  await Promise.all([upstream, plane].filter(Boolean).map((server) => server.stop()));
  fs.rmSync(workDir, { recursive: true, force: true });
});

test('the upstream key comes from a control-plane secret while gatehouse up runs', async () => {
  const gateway = await startGateway(writeConfig('secret.yaml', [
    ['one-key', '      api_key_secret: hf-secret\n'],
    ['named-key', '      api_key_secret: two-keys/current\n'],
    ['no-key', ''],
  ]));
  try {
    for (const model of ['one-key', 'named-key']) {
      const answer = await chat(gateway, model);
      assert.equal(answer.status, 200, `${model}: ${answer.text}`);
      assert.equal(answer.json.object, 'chat.completion');
    }
    assert.equal((await chat(gateway, 'no-key')).status, 401, 'the upstream refuses a call without its key');
    assert.doesNotMatch(gateway.stderr() + gateway.stdout(), new RegExp(UPSTREAM_KEY));
  } finally {
    await gateway.stop();
  }
});

test('per deployment, an explicit api_key and then the environment win over the secret', async () => {
  const config = writeConfig('order.yaml', [
    ['explicit', `      api_key: ${UPSTREAM_KEY}\n      api_key_secret: two-keys/stale\n`],
    ['secret', '      api_key_secret: hf-secret\n'],
  ]);
  const quiet = await startGateway(config);
  const loud = await startGateway(config, { OPENAI_API_KEY: 'sk-wrong-from-environment' });
  try {
    assert.equal((await chat(quiet, 'explicit')).status, 200);
    assert.equal((await chat(quiet, 'secret')).status, 200);
    assert.equal((await chat(loud, 'explicit')).status, 200, 'an explicit key wins over the environment');
    assert.equal((await chat(loud, 'secret')).status, 401, 'the environment wins over the secret');
  } finally {
    await Promise.all([quiet.stop(), loud.stop()]);
  }
});

test('a secret that is not there stops the gateway at start, naming it', async () => {
  const cases = [
    ['api_key_secret: hf-secert', /missing\.yaml:6: model_list\[0\]\.litellm_params\.api_key_secret: the control plane has no secret 'hf-secert'/],
    ['api_key_secret: two-keys', /the control-plane secret 'two-keys' has 2 keys \(current, stale\); name one as two-keys\/<key>/],
    ['api_key_secret: two-keys/HF_TOKEN', /the control-plane secret 'two-keys' has no key 'HF_TOKEN'; its keys: current, stale/],
  ];
  for (const [line, message] of cases) {
    const config = writeConfig('missing.yaml', [['m', `      ${line}\n`]]);
    await assert.rejects(startGateway(config), (error) => {
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, new RegExp(UPSTREAM_KEY));
      return true;
    });
  }
  const config = writeConfig('elsewhere.yaml', [['m', '      api_key_secret: hf-secret\n']]);
  await assert.rejects(startListening(['gateway', '--config', config, '--port', '0', '--control-data-dir', path.join(workDir, 'nothing')],
    { env: CLEAN_ENV }), /--control-data-dir .*nothing holds no control-plane database \(gatehouse\.db\)/);
  await assert.rejects(startListening(['gateway', '--config', config, '--port', '0'], { env: CLEAN_ENV }),
    /names the control-plane secret 'hf-secret', but the gateway has no control plane to read it from; start it with --control-data-dir/);
});

test('LITELLM_MASTER_KEY guards the gateway, and /v1/models lists what a virtual key may call', async () => {
  const gateway = await startGateway(writeConfig('keyed.yaml', [['first', `      api_key: ${UPSTREAM_KEY}\n`], ['second', '']]),
    { LITELLM_MASTER_KEY: MASTER_KEY });
  try {
    const master = { authorization: `Bearer ${MASTER_KEY}` };
    assert.equal((await get(`${gateway.url}/v1/models`)).status, 401);
    const all = await get(`${gateway.url}/v1/models`, master);
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.json.data.map((model) => model.id).sort(), ['first', 'second']);
    const generated = await post(`${gateway.url}/key/generate`, { models: ['first'] }, master);
    assert.equal(generated.status, 200, generated.text);
    const limited = await get(`${gateway.url}/v1/models`, { authorization: `Bearer ${generated.json.key}` });
    assert.equal(limited.status, 200, limited.text);
    assert.deepEqual(limited.json.data.map((model) => model.id), ['first']);
    const open = await post(`${gateway.url}/key/generate`, {}, master);
    const unlimited = await get(`${gateway.url}/v1/models`, { authorization: `Bearer ${open.json.key}` });
    assert.deepEqual(unlimited.json.data.map((model) => model.id).sort(), ['first', 'second']);
    assert.equal((await get(`${gateway.url}/v1/models`, { authorization: 'Bearer sk-not-a-key' })).status, 401);
  } finally {
    await gateway.stop();
  }
});

test('wildcard model names forward the model asked for, as LiteLLM does', async () => {
  const key = `      api_key: ${UPSTREAM_KEY}\n`;
  const gateway = await startGateway(writeConfig('wildcard.yaml', [
    ['fixed', key], ['*', key, 'openai/*'], ['openai/*', key, 'openai/*'],
  ]));
  try {
    // The answer's model is the provider string the deployment was called with.
    const any = await chat(gateway, SERVED);  // "*": openai/* becomes openai/tiny
    assert.equal(any.status, 200, any.text);
    assert.equal(any.json.model, `openai/${SERVED}`);
    const prefixed = await chat(gateway, `openai/${SERVED}`);  // "openai/*", more specific than "*": openai/tiny again
    assert.equal(prefixed.status, 200, prefixed.text);
    assert.equal(prefixed.json.model, `openai/${SERVED}`);
    const unknown = await chat(gateway, 'not-served-upstream');
    assert.equal(unknown.status, 404, 'the name reaches the upstream, which does not serve it');
    assert.match(unknown.json.error.message, /not-served-upstream/);
    assert.equal((await chat(gateway, 'fixed')).status, 200);
  } finally {
    await gateway.stop();
  }
});
