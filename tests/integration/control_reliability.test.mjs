// The control plane under bad input, failures and concurrency, with real processes: every route needs a valid
// token, bad logins are slowed down, a planted secret value appears nowhere it must not (answers, logs, `ps`, the
// database files), a replica killed mid-stream gives the client an error and comes back, `kill -9` of
// `gatehouse up` leaves no orphan and a restart brings every secret and deployment back, concurrent secret
// operations and deploy/undeploy races leave a consistent store, and malformed bodies get 400s naming the field.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { scratch } from './hub_helpers.mjs';
import { makeLlamaCheckpoint, metricValue, parseMetrics } from './serve_helpers.mjs';
import { ADMIN_PASSWORD, api, login, startControlPlane, waitForStatus } from './control_helpers.mjs';

const PLANTED = 'hf_' + 'Planted7Secret9Value0123456789abcdefXYZ';

let dir;
let dataDir;
let model;
let plane;
let token;

before(async () => {
  dir = scratch('control-reliability');
  model = makeLlamaCheckpoint(dir);
  dataDir = path.join(dir, 'data');
  plane = await startControlPlane(dataDir);
  token = await login(plane.url);
});

after(async () => { await plane?.stop(); });

function modelRecipe(name, overrides = {}) {
  return {
    recipe_mode: 'service', deployment_name: name, recipe_image_uri: 'docker.io/vllm/vllm-openai:v0.9.1',
    recipe_container_port: '8000', recipe_replica_count: 1,
    recipe_environment_secrets: [{ envvar_name: 'HF_TOKEN', secret_name: 'planted', secret_key: 'token' }],
    recipe_container_command_args: ['--model', model, '--max-model-len', '2048'],
    ...overrides,
  };
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

function allFilesUnder(root) {
  const out = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.join(entry.parentPath ?? entry.path, entry.name));
  }
  return out;
}

test('no route works without a valid token', async () => {
  const routes = [['GET', '/'], ['GET', '/secrets/'], ['POST', '/secrets/'], ['GET', '/secrets/x/'], ['GET', '/deployment/'],
    ['POST', '/deployment/'], ['GET', `/deployment/${'a'.repeat(32)}/`], ['POST', '/undeploy/'], ['GET', '/deployment_logs/'],
    ['GET', '/deployment_digests/'], ['GET', '/workspace/'], ['GET', '/deployment_groups/'], ['GET', '/deployment'],
    ['DELETE', '/secrets/'], ['GET', '/no/such/route/']];
  for (const [method, route] of routes) {
    const anonymous = await api(plane.url, null, method, route, method === 'POST' ? {} : undefined);
    assert.equal(anonymous.status, 401, `${method} ${route}`);
    assert.equal(anonymous.json.detail, 'Authentication credentials were not provided.');
    assert.equal(anonymous.headers.get('www-authenticate'), 'Token');
    const wrong = await api(plane.url, 'f'.repeat(40), method, route, method === 'POST' ? {} : undefined);
    assert.equal(wrong.status, 401, `${method} ${route}`);
    assert.equal(wrong.json.detail, 'Invalid token.');
  }
  const bearer = await fetch(`${plane.url}/deployment/`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(bearer.status, 200);
  const noSlash = await api(plane.url, token, 'POST', '/secrets', { secrets_payload: [{ name: 'x', action: 'delete' }] });
  assert.equal(noSlash.status, 400);  // reached the handler with its body: the secret does not exist
  assert.equal(noSlash.json.results[0].status, 'error');
});

test('login takes urlencoded, multipart and JSON bodies, as DRF does', async () => {
  const viaJson = await fetch(`${plane.url}/login/`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  assert.equal(viaJson.status, 200);
  assert.match((await viaJson.json()).token, /^[0-9a-f]{40}$/);
  const form = new FormData();
  form.append('username', 'admin');
  form.append('password', ADMIN_PASSWORD);
  const viaMultipart = await fetch(`${plane.url}/login/`, { method: 'POST', body: form });
  assert.equal(viaMultipart.status, 200);
  const brokenJson = await fetch(`${plane.url}/login/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"username":' });
  assert.equal(brokenJson.status, 400);
  assert.match((await brokenJson.json()).detail, /JSON parse error/);
});

test('password checks run off the event loop: a request sent during two logins is answered first', async () => {
  // One event loop: were Argon2 run on it, the probe would wait for both hashes.
  const single = await startControlPlane(path.join(dir, 'one-loop'), ['--threads', '1']);
  try {
    const order = [];
    const form = () => new URLSearchParams({ username: 'admin', password: ADMIN_PASSWORD });
    const logins = [0, 1].map(() => fetch(`${single.url}/login/`, { method: 'POST', body: form() })
      .then(async (response) => { await response.text(); order.push(`login ${response.status}`); }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const probe = fetch(`${single.url}/secrets/`).then(async (response) => { await response.text(); order.push(`probe ${response.status}`); });
    await Promise.all([...logins, probe]);
    assert.deepEqual(order, ['probe 401', 'login 200', 'login 200']);
  } finally {
    await single.stop();
  }
});

test('repeated bad logins from one client are slowed down: 429 with Retry-After', async () => {
  const statuses = [];
  for (let i = 0; i < 8; i++) {
    const response = await fetch(`${plane.url}/login/`, { method: 'POST', body: new URLSearchParams({ username: 'admin', password: `wrong${i}` }) });
    statuses.push(response.status);
    if (response.status === 429) {
      assert.match(response.headers.get('retry-after'), /^\d+$/);
      assert.match((await response.json()).detail, /throttled/);
    } else {
      assert.deepEqual(await response.json(), { non_field_errors: ['Unable to log in with provided credentials.'] });
    }
  }
  assert.ok(statuses.includes(429), `no 429 in ${statuses}`);
  const missing = await fetch(`${plane.url}/login/`, { method: 'POST', body: new URLSearchParams({ username: 'admin' }) });
  assert.ok([400, 429].includes(missing.status));
});

test('malformed, mistyped, oversized and unknown input gets a 400 naming the field', async () => {
  const cases = [
    ['POST', '/deployment/', '{"recipe_mode": "service", ', /JSON parse error/],
    ['POST', '/deployment/', [], /Expected a dictionary/],
    ['POST', '/deployment/', { recipe_mode: 'service' }, /deployment_name/],
    ['POST', '/deployment/', { recipe_mode: 'service', deployment_name: '___' }, /deployment_name/],
    ['POST', '/deployment/', { recipe_mode: 'service', deployment_name: 'x', recipe_replica_count: 'two' }, /recipe_replica_count/],
    ['POST', '/deployment/', { recipe_mode: 'service', deployment_name: 'x', recipe_bogus: 1 }, /recipe_bogus/],
    ['POST', '/deployment/', { recipe_mode: 'team', deployment_name: 'x' }, /recipe_mode/],
    ['POST', '/deployment/', { recipe_mode: 'service', deployment_name: 'x', recipe_image_uri: 'nginx:latest' }, /recipe_image_uri/],
    ['POST', '/secrets/', { secrets_payload: [{ name: 'Bad_Name', action: 'create', type: 'opaque', data: {} }] }, /secrets_payload\[0\]\.name/],
    ['POST', '/secrets/', { secrets_payload: [{ name: 'ok', action: 'create', type: 'opaque', data: { k: 5 } }] }, /secrets_payload\[0\]\.data\.k/],
    ['POST', '/secrets/', { secrets_payload: [{ name: 'ok', action: 'zap' }] }, /action/],
    ['POST', '/undeploy/', { deployment_uuid: 5 }, /deployment_uuid/],
  ];
  for (const [method, route, body, pattern] of cases) {
    const answer = await api(plane.url, token, method, route, body);
    assert.equal(answer.status, 400, `${route} ${JSON.stringify(body)}: ${answer.text}`);
    assert.match(answer.text, pattern);
  }
  const huge = await api(plane.url, token, 'POST', '/deployment/', JSON.stringify({ recipe_mode: 'x'.repeat(2 << 20) }));
  assert.equal(huge.status, 413);
  const invalidUtf8 = await fetch(`${plane.url}/deployment/`, {
    method: 'POST', headers: { Authorization: `Token ${token}` }, body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
  });
  assert.equal(invalidUtf8.status, 400);
  assert.equal((await api(plane.url, token, 'POST', '/undeploy/', { deployment_uuid: 'a'.repeat(32) })).status, 404);
  assert.equal((await api(plane.url, token, 'GET', `/deployment/${'a'.repeat(32)}/`)).status, 404);
});

test('200 concurrent secret operations and deploy/undeploy races leave a consistent store', async () => {
  const operations = [];
  for (let i = 0; i < 200; i++) {
    const name = `race-${i % 20}`;
    const action = ['create', 'update', 'delete'][i % 3];
    const item = action === 'delete' ? { name, action } : { name, action, type: 'opaque', data: { k: `v${i}` } };
    operations.push(api(plane.url, token, 'POST', '/secrets/', { secrets_payload: [item] }));
  }
  const answers = await Promise.all(operations);
  for (const answer of answers) {
    assert.ok([200, 400].includes(answer.status), answer.text);
    assert.equal(answer.json.operations_processed, 1);
  }
  const listed = (await api(plane.url, token, 'GET', '/secrets/')).json.filter((s) => s.name.startsWith('race-'));
  for (let i = 0; i < 20; i++) {
    const name = `race-${i}`;
    const present = listed.some((s) => s.name === name);
    const one = await api(plane.url, token, 'GET', `/secrets/${name}/`);
    assert.equal(one.status, present ? 200 : 404);
  }

  // The same name posted 10 times at once: exactly one deployment wins.
  const job = { recipe_mode: 'job', deployment_name: 'race-job', recipe_image_uri: 'gatehouse', recipe_container_command_args: ['--version'] };
  const posts = await Promise.all(Array.from({ length: 10 }, () => api(plane.url, token, 'POST', '/deployment/', job)));
  const won = posts.filter((p) => p.status === 201);
  assert.equal(won.length, 1, posts.map((p) => p.text).join('\n'));
  for (const lost of posts.filter((p) => p.status !== 201)) assert.match(lost.json.deployment_name[0], /already exists/);
  const uuid = won[0].json.deployment_uuid;
  const undeploys = await Promise.all(Array.from({ length: 5 }, () => api(plane.url, token, 'POST', '/undeploy/', { deployment_uuid: uuid })));
  assert.equal(undeploys.filter((u) => u.status === 200).length, 1);
  assert.equal(undeploys.filter((u) => u.status === 404).length, 4);
  const again = await api(plane.url, token, 'POST', '/deployment/', job);
  assert.equal(again.status, 201, again.text);
  const entries = (await api(plane.url, token, 'GET', '/deployment/')).json.filter((d) => d.deployment_name === 'race-job');
  assert.equal(entries.filter((d) => d.deployment_directive === 'commission').length, 1);
});

test('a planted secret value appears in no answer, log, command line or database file; replicas survive kill -9', async () => {
  const created = await api(plane.url, token, 'POST', '/secrets/',
    { secrets_payload: [{ name: 'planted', action: 'create', type: 'opaque', data: { token: PLANTED } }] });
  assert.equal(created.status, 200);
  const recipe = modelRecipe('planted-model');
  const deployed = await api(plane.url, token, 'POST', '/deployment/', recipe);
  assert.equal(deployed.status, 201, deployed.text);
  const uuid = deployed.json.deployment_uuid;
  const ready = await waitForStatus(plane.url, token, uuid, ['monitoring']);
  // A client that leaves mid-stream ends the generation upstream (the ingress closes its connection).
  const running = async () => metricValue(parseMetrics(await (await fetch(`${plane.url}/deployments/planted-model/metrics`)).text()),
    'vllm:num_requests_running');
  const leaving = new AbortController();
  const left = await fetch(`${plane.url}/deployments/planted-model/v1/completions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, signal: leaving.signal,
    body: JSON.stringify({ model, prompt: 'Once upon a time', max_tokens: 2000, stream: true, ignore_eos: true }),
  });
  await left.body.getReader().read();
  assert.equal(await running(), 1);
  leaving.abort();
  const cancelDeadline = Date.now() + 2000;
  while (await running() !== 0 && Date.now() < cancelDeadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(await running(), 0, 'the generation went on after its client left');
  // A streaming request, then the replica is killed mid-stream: the client sees an error, not a clean end.
  const response = await fetch(`${plane.url}/deployments/planted-model/v1/completions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model, prompt: 'Once upon a time', max_tokens: 2000, stream: true, ignore_eos: true }),
  });
  assert.equal(response.status, 200);
  const reader = response.body.getReader();
  await reader.read();
  const replicaPid = Number(spawnSync('pgrep', ['-f', `serve.*${model}`], { encoding: 'utf8' }).stdout.trim().split('\n')[0]);
  assert.ok(replicaPid > 0);
  process.kill(replicaPid, 'SIGKILL');
  let broken = false;
  try {
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
  } catch {
    broken = true;
  }
  assert.ok(broken, 'the client must see the stream break, not a normal end');
  let back;
  const deadline = Date.now() + 30_000;
  do {
    await new Promise((resolve) => setTimeout(resolve, 100));
    back = (await api(plane.url, token, 'GET', `/deployment/${uuid}/`)).json;
  } while (!(back.replicas[0]?.restarts >= 1 && back.deployment_status === 'monitoring') && Date.now() < deadline);
  assert.equal(back.deployment_status, 'monitoring', JSON.stringify(back));
  assert.ok(back.replicas[0].restarts >= 1, JSON.stringify(back.replicas));
  assert.equal(ready.deployment_uuid, uuid);

  // Everywhere a value must not be.
  const texts = [];
  for (const route of ['/secrets/', '/secrets/planted/', '/deployment/', `/deployment/${uuid}/`, `/deployment_logs/${uuid}/`,
    '/deployment_logs/', `/deployment_digests/${uuid}/`, '/workspace/']) {
    texts.push((await api(plane.url, token, 'GET', route)).text);
  }
  texts.push((await api(plane.url, token, 'POST', '/secrets/',
    { secrets_payload: [{ name: 'planted', action: 'create', type: 'opaque', data: { token: PLANTED } }] })).text);
  texts.push(spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout);
  texts.push(plane.stderr(), plane.stdout());
  for (const file of allFilesUnder(dataDir)) texts.push(fs.readFileSync(file).toString('latin1'));
  for (const text of texts) assert.ok(!text.includes(PLANTED), `planted value found in: ${text.slice(0, 200)}`);
});

test('kill -9 of gatehouse up leaves no orphan; a restart brings secrets and deployments back', async () => {
  const listed = (await api(plane.url, token, 'GET', '/deployment/')).json;
  const running = listed.find((d) => d.deployment_name === 'planted-model' && d.deployment_directive === 'commission');
  assert.ok(running);
  const pids = spawnSync('pgrep', ['-f', `serve.*${model}`], { encoding: 'utf8' }).stdout.trim().split('\n').map(Number).filter(Boolean);
  assert.ok(pids.length >= 1);
  plane.kill('SIGKILL');
  await plane.exited;
  const deadline = Date.now() + 5000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(pids.filter(alive), [], 'replicas outlived the control plane');

  const started = Date.now();
  plane = await startControlPlane(dataDir);
  const firstAnswer = await fetch(`${plane.url}/login/`, { method: 'POST', body: new URLSearchParams({ username: 'admin', password: ADMIN_PASSWORD }) });
  assert.equal(firstAnswer.status, 200);
  token = (await firstAnswer.json()).token;
  assert.ok(Date.now() - started < 5000);
  const secrets = (await api(plane.url, token, 'GET', '/secrets/')).json;
  assert.ok(secrets.some((s) => s.name === 'planted'));
  await waitForStatus(plane.url, token, running.deployment_uuid, ['monitoring']);
  const models = await fetch(`${plane.url}/deployments/planted-model/v1/models`);
  assert.equal(models.status, 200);
});

test('a deployment without a ready replica answers 503, and logs can be followed to the end of a job', async () => {
  const root = path.join(dir, 'empty-hub');
  fs.mkdirSync(root, { recursive: true });
  const neverReady = {
    recipe_mode: 'service', deployment_name: 'never-ready', recipe_image_uri: 'gatehouse', recipe_container_port: '8000',
    recipe_container_command_args: ['hub', 'serve', '--root', root],
    recipe_readiness_probe_params: { endpoint_path: '/api/models/no/such-repo' },
  };
  const deployed = await api(plane.url, token, 'POST', '/deployment/', neverReady);
  assert.equal(deployed.status, 201, deployed.text);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const answer = await fetch(`${plane.url}/deployments/never-ready/api/models`);
  assert.equal(answer.status, 503);
  assert.equal(answer.headers.get('retry-after'), '1');
  assert.match((await answer.json()).error.message, /never-ready.*no ready replica/);
  assert.equal((await api(plane.url, token, 'POST', '/undeploy/', { deployment_uuid: deployed.json.deployment_uuid })).status, 200);

  const job = { recipe_mode: 'job', deployment_name: 'say-version', recipe_image_uri: 'gatehouse', recipe_container_command_args: ['--version'] };
  const started = await api(plane.url, token, 'POST', '/deployment/', job);
  assert.equal(started.status, 201, started.text);
  const followed = await fetch(`${plane.url}/deployment_logs/${started.json.deployment_uuid}/?follow=true`,
    { headers: { Authorization: `Token ${token}` }, signal: AbortSignal.timeout(30_000) });
  assert.equal(followed.headers.get('content-type'), 'application/x-ndjson');
  const entries = (await followed.text()).trim().split('\n').map((line) => JSON.parse(line));
  assert.ok(entries.some((e) => e.type === 'lifecycle' && e.step === 'Status' && e.status === 'completed'), JSON.stringify(entries));
  assert.ok(entries.some((e) => e.type === 'output' && /^gatehouse \d/.test(e.message)), JSON.stringify(entries));
  const tail = await api(plane.url, token, 'GET', `/deployment_logs/${started.json.deployment_uuid}/?tail=2`);
  assert.equal(tail.json.lifecycle.length, 2);
  assert.equal((await api(plane.url, token, 'GET', `/deployment_logs/${started.json.deployment_uuid}/?tail=x`)).status, 400);
});

test('without GATEHOUSE_ADMIN_PASSWORD a password is generated and printed on the first start only', async () => {
  const fresh = path.join(dir, 'fresh-data');
  const first = await startControlPlane(fresh, [], { env: { GATEHOUSE_ADMIN_PASSWORD: '' } });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const match = first.stdout().match(/admin \/ (\S+)\s+\(shown once/);
  assert.ok(match, first.stdout());
  await login(first.url, match[1]);
  await first.stop();
  const second = await startControlPlane(fresh, [], { env: { GATEHOUSE_ADMIN_PASSWORD: '' } });
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(!second.stdout().includes(match[1]));
  await login(second.url, match[1]);
  await second.stop();
});
