// `gatehouse up --executor kubernetes` end to end, `gatehouse render`, and the Kubernetes manifests
// against the Kubernetes OpenAPI schemas through a real validator (the pinned `kubernetes-models`
// package). No Kubernetes cluster can run here: what a cluster would accept is checked with that
// validator, and the apply step itself (kubectl apply --server-side with the manifests on stdin, get,
// logs, delete) runs against a recorded stand-in for kubectl (tests/integration/fixtures/fake_kubectl,
// answering `get` with kubectl output recorded from a cluster, tests/integration/fixtures/kubectl/).
// The control plane, its API, vault, store, controller and executor are the real ones.
// The validator checks types, formats (quantities, base64) and required fields; it does not reject
// unknown fields, which the golden files in tests/unit/control/golden/ pin down instead.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { api, login, readExample, startControlPlane, waitForStatus } from './control_helpers.mjs';
import { bin } from './helpers.mjs';

// kubernetes-models is ESM only (no `require` export), so it is imported from the pinned copy by path.
const models = (group) => import(new URL(`../conformance/node_modules/kubernetes-models/${group}/index.js`, import.meta.url));
const { Deployment } = await models('apps/v1');
const { Job } = await models('batch/v1');
const { Ingress } = await models('networking.k8s.io/v1');
const { Secret, Service } = await models('v1');

const examplesDir = fileURLToPath(new URL('../../../shared/blueprints-examples/', import.meta.url));
const goldenDir = fileURLToPath(new URL('../unit/control/golden/', import.meta.url));
const EXAMPLES = ['vllm_from_hf', 'hf_downloader', 'autoscaling_blueprint', 'cpu-inference-mistral-vm'];
const MODELS = { Deployment, Job, Ingress, Secret, Service };

function render(args) {
  if (!bin) throw new Error('GATEHOUSE_BIN is not set: build gatehouse and point GATEHOUSE_BIN at the binary');
  const run = spawnSync(bin, ['render', ...args], { encoding: 'utf8' });
  if (run.error) throw run.error;
  return run;
}

// Validates one object with the model of its kind; throws the validator's error.
function validate(object) {
  const Model = MODELS[object.kind];
  assert.ok(Model, `no schema model for kind ${object.kind}`);
  new Model(object).validate();
}

for (const name of EXAMPLES) {
  test(`render ${name}: every object passes the Kubernetes schema`, () => {
    const run = render([path.join(examplesDir, `${name}.json`), '--base-domain', '127-0-0-1.nip.io']);
    assert.equal(run.status, 0, run.stderr);
    const list = JSON.parse(run.stdout);
    assert.equal(list.apiVersion, 'v1');
    assert.equal(list.kind, 'List');
    const recipe = JSON.parse(fs.readFileSync(path.join(examplesDir, `${name}.json`), 'utf8'));
    const kinds = list.items.map((item) => item.kind);
    assert.deepEqual(kinds, recipe.recipe_mode === 'job' ? ['Job'] : ['Deployment', 'Service', 'Ingress']);
    for (const item of list.items) validate(item);
    if (recipe.recipe_mode === 'service') {
      const ingress = list.items.find((item) => item.kind === 'Ingress');
      assert.match(ingress.spec.rules[0].host, /^[a-z0-9-]+\.127-0-0-1\.nip\.io$/);
    }
    // Secrets appear as references only; stderr says who creates them.
    for (const secret of recipe.recipe_environment_secrets ?? []) {
      assert.match(run.stderr, new RegExp(`secret '${secret.secret_name}' is referenced as Secret recipe-`));
    }
  });

  test(`golden ${name}: every object, placeholder Secrets included, passes the Kubernetes schema`, () => {
    const list = JSON.parse(fs.readFileSync(path.join(goldenDir, `${name}.json`), 'utf8'));
    assert.ok(list.items.length > 0);
    for (const item of list.items) validate(item);
  });
}

test('the validator rejects objects Kubernetes would reject, so the checks above can fail', () => {
  const list = JSON.parse(render([path.join(examplesDir, 'vllm_from_hf.json')]).stdout);
  const deployment = structuredClone(list.items.find((item) => item.kind === 'Deployment'));
  deployment.spec.replicas = '1';
  assert.throws(() => validate(deployment), /replicas must be integer/);
  const limits = structuredClone(list.items.find((item) => item.kind === 'Deployment'));
  limits.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'] = 'one';
  assert.throws(() => validate(limits), /quantity/);
  const ingress = structuredClone(list.items.find((item) => item.kind === 'Ingress'));
  delete ingress.spec.rules[0].http.paths[0].pathType;
  assert.throws(() => validate(ingress), /pathType/);
  assert.throws(() => validate({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: 'not base64!' } }),
    /byte/);
});

test('render refuses an invalid recipe with the parse error naming the field', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-render-'));
  try {
    const file = path.join(dir, 'recipe.json');
    fs.writeFileSync(file, JSON.stringify({ recipe_mode: 'service', deployment_name: 'x', recipe_replica_count: 'two' }));
    const run = render([file]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /recipe_replica_count/);
    assert.equal(run.stdout, '');
    fs.writeFileSync(file, JSON.stringify({ recipe_mode: 'service', deployment_name: 'no image' }));
    const noImage = render([file]);
    assert.equal(noImage.status, 1);
    assert.match(noImage.stderr, /recipe_image_uri/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('render --namespace and --base-domain set the namespace and the ingress host', () => {
  const run = render([path.join(examplesDir, 'vllm_from_hf.json'), '--namespace', 'models', '--base-domain', 'ai.example.com']);
  assert.equal(run.status, 0, run.stderr);
  const list = JSON.parse(run.stdout);
  for (const item of list.items) assert.equal(item.metadata.namespace, 'models');
  const ingress = list.items.find((item) => item.kind === 'Ingress');
  assert.equal(ingress.metadata.name, 'recipe-vllm-from-hf-ingress');
  assert.equal(ingress.spec.rules[0].host, 'vllm-from-hf.ai.example.com');
});

// --- gatehouse up --executor kubernetes, with kubectl a recorded stand-in -----------------------------

const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url));
const PLANTED = 'hf_' + 'Planted4Kube8Token0123456789abcdefXYZ';
const REGISTRY_PASSWORD = 'registry' + '-Planted5Password-0123456789';
const APPLY_ARGV = ['--namespace=default', 'apply', '--server-side', '--field-manager=gatehouse', '--filename=-'];
const base64 = (text) => Buffer.from(text, 'utf8').toString('base64');

const kube = { dir: '', dataDir: '', plane: null, token: '', answers: [] };

// What the cluster answers to `kubectl get` from now on: a recorded output, swapped in atomically.
function clusterSays(fixture) {
  const staged = path.join(kube.dir, 'get.json.new');
  fs.copyFileSync(path.join(fixturesDir, 'kubectl', fixture), staged);
  fs.renameSync(staged, path.join(kube.dir, 'get.json'));
}

function kubectlCalls() {
  const file = path.join(kube.dir, 'calls.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

async function waitForCall(predicate, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = kubectlCalls().find(predicate);
    if (found) return found;
    if (Date.now() > deadline) assert.fail(`kubectl was not called to ${what}: ${JSON.stringify(kubectlCalls().map((c) => c.argv))}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Calls the API and keeps the answer's text for the leak check at the end.
async function call(method, route, body) {
  const answer = await api(kube.plane.url, kube.token, method, route, body);
  kube.answers.push(answer.text);
  return answer;
}

// The List applied for `name` (a Deployment or Job of that object name), parsed.
function appliedList(objectName) {
  const applied = kubectlCalls().filter((c) => c.argv.includes('apply')).map((c) => ({ argv: c.argv, list: JSON.parse(c.stdin) }));
  return applied.find((c) => c.list.items.some((item) => ['Deployment', 'Job'].includes(item.kind) && item.metadata.name === objectName));
}

function allFilesUnder(root) {
  return fs.readdirSync(root, { withFileTypes: true, recursive: true }).filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

before(async () => {
  kube.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-kubectl-'));
  kube.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-up-kube-'));
  fs.copyFileSync(path.join(fixturesDir, 'kubectl', 'logs.txt'), path.join(kube.dir, 'logs.txt'));
  clusterSays('deployment_starting.json');
  // Every 100 ms instead of kubernetes' default 5 s, so the recorded answers are seen quickly.
  kube.plane = await startControlPlane(kube.dataDir, ['--executor', 'kubernetes', '--poll-interval', '0.1'], {
    env: { GATEHOUSE_KUBECTL: path.join(fixturesDir, 'fake_kubectl'), FAKE_KUBECTL_DIR: kube.dir },
  });
  kube.token = await login(kube.plane.url);
});

after(async () => {
  await kube.plane?.stop();
  fs.rmSync(kube.dir, { recursive: true, force: true });
  fs.rmSync(kube.dataDir, { recursive: true, force: true });
});

test('up --executor kubernetes: vllm_from_hf is applied server-side with its token only in a Secret on stdin', async () => {
  const secret = readExample('hf-token-secret.json');
  secret.secrets_payload[0].data['hf-token'] = PLANTED;
  const created = await call('POST', '/secrets/', secret);
  assert.equal(created.status, 200, created.text);

  const deployed = await call('POST', '/deployment/', readExample('vllm_from_hf.json'));
  assert.equal(deployed.status, 201, deployed.text);
  assert.equal(deployed.json.deployment_status, 'scheduled');
  const uuid = deployed.json.deployment_uuid;
  kube.vllm = uuid;

  const apply = await waitForCall((c) => c.argv.includes('apply'), 'apply the recipe');
  assert.deepEqual(apply.argv, APPLY_ARGV);
  const list = JSON.parse(apply.stdin);
  assert.deepEqual(list.items.map((item) => item.kind), ['Secret', 'Deployment', 'Service', 'Ingress']);
  for (const item of list.items) {
    validate(item);
    assert.equal(item.metadata.labels['gatehouse.deployment-uuid'], uuid);
  }
  const [secretObject, deployment, service, ingress] = list.items;
  assert.equal(secretObject.metadata.name, 'recipe-vllm-from-hf-hf-secret');
  assert.deepEqual(secretObject.data, { 'hf-token': base64(PLANTED) });
  const container = deployment.spec.template.spec.containers[0];
  assert.equal(container.image, 'docker.io/vllm/vllm-openai:v0.9.1');
  assert.deepEqual(container.env.find((env) => env.name === 'HF_TOKEN'),
    { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'recipe-vllm-from-hf-hf-secret', key: 'hf-token' } } });
  assert.equal(container.resources.limits['nvidia.com/gpu'], '1');
  assert.equal(service.metadata.name, 'recipe-vllm-from-hf');
  assert.equal(ingress.spec.ingressClassName, 'nginx');
  assert.equal(ingress.spec.rules[0].host, 'vllm-from-hf.127-0-0-1.nip.io');
  assert.equal(ingress.spec.rules[0].http.paths[0].backend.service.name, 'recipe-vllm-from-hf');
});

test('up --executor kubernetes: the recorded cluster answers take it active → monitoring, a crash loop → failed, undeploy deletes by uuid label', async () => {
  const uuid = kube.vllm;
  assert.ok(uuid, 'the previous test deployed vllm_from_hf');
  // The pod runs but its readiness probe has not passed: active, for as many looks as it takes.
  const active = await waitForStatus(kube.plane.url, kube.token, uuid, ['active']);
  await waitForCall((c) => c.argv.includes('get') && c.argv.includes(`--selector=gatehouse.deployment-uuid=${uuid}`),
    'look at the workload');
  // Three more looks within 5 s (one look per 5 s without --poll-interval), and it stays active.
  const looks = () => kubectlCalls().filter((c) => c.argv.includes('get')).length;
  const looksBefore = looks();
  const deadline = Date.now() + 5000;
  while (looks() < looksBefore + 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(looks() >= looksBefore + 3, `--poll-interval 0.1: ${looks() - looksBefore} looks in 5 s`);
  const stillActive = (await call('GET', `/deployment/${uuid}/`)).json;
  assert.equal(stillActive.deployment_status, 'active');
  assert.equal(stillActive.ready_replicas, 0);
  assert.equal(active.executor, 'kubernetes');

  clusterSays('deployment_ready.json');
  await waitForStatus(kube.plane.url, kube.token, uuid, ['monitoring']);
  const detail = await call('GET', `/deployment/${uuid}/`);
  assert.equal(detail.status, 200);
  assert.equal(detail.json.deployment_status, 'monitoring');
  assert.equal(detail.json.public_endpoint, 'vllm-from-hf.127-0-0-1.nip.io');
  assert.equal(detail.json.desired_replicas, 1);
  assert.equal(detail.json.ready_replicas, 1);
  assert.deepEqual(detail.json.replicas.map((r) => [r.id, r.state, r.restarts]),
    [['recipe-vllm-from-hf-7d9c8b6f5-x2k4q', 'ready', 0]]);
  assert.equal(detail.json.last_error, null);
  const logs = await call('GET', `/deployment_logs/${uuid}/`);
  assert.equal(logs.status, 200);
  assert.match(logs.text, /vLLM API server version 0\.9\.1/);
  assert.match(logs.text, /Started server process/);
  const listed = (await call('GET', '/deployment/')).json.find((d) => d.deployment_uuid === uuid);
  assert.equal(listed.deployment_status, 'monitoring');

  clusterSays('deployment_crashloop.json');
  const failed = await waitForStatus(kube.plane.url, kube.token, uuid, ['failed']);
  assert.match(failed.last_error, /pod recipe-vllm-from-hf-7d9c8b6f5-x2k4q: CrashLoopBackOff: back-off/);
  assert.match(failed.last_error, /last exit code 1/);
  assert.equal(failed.replicas[0].state, 'restarting');
  assert.equal(failed.replicas[0].restarts, 4);
  const failedLogs = await call('GET', `/deployment_logs/${uuid}/`);
  assert.match(failedLogs.text, /CrashLoopBackOff/);

  const undeployed = await call('POST', '/undeploy/', { deployment_uuid: uuid });
  assert.equal(undeployed.status, 200, undeployed.text);
  assert.equal(undeployed.json.deployment_directive, 'decommission');
  const deleted = await waitForCall((c) => c.argv.includes('delete'), 'delete the workload');
  assert.deepEqual(deleted.argv, ['--namespace=default', 'delete', 'ingress,service,deployment,job,secret',
    `--selector=gatehouse.deployment-uuid=${uuid}`, '--ignore-not-found', '--wait', '--cascade=foreground']);
  assert.equal((await call('GET', `/deployment/${uuid}/`)).json.deployment_directive, 'decommission');
  const again = await call('POST', '/undeploy/', { deployment_uuid: uuid });
  assert.equal(again.status, 404);
});

test('up --executor kubernetes: the hf_downloader job runs to completed when the recorded Job says it succeeded', async () => {
  const registry = readExample('example_registry_create.json');
  registry.secrets_payload = registry.secrets_payload.slice(0, 1);
  registry.secrets_payload[0].data.password = REGISTRY_PASSWORD;
  assert.equal((await call('POST', '/secrets/', registry)).status, 200);

  clusterSays('job_running.json');
  const deployed = await call('POST', '/deployment/', readExample('hf_downloader.json'));
  assert.equal(deployed.status, 201, deployed.text);
  const uuid = deployed.json.deployment_uuid;
  const running = await waitForStatus(kube.plane.url, kube.token, uuid, ['active']);
  assert.equal(running.replicas[0]?.state, 'ready');

  const applied = appliedList('recipe-llama31-8b');
  assert.ok(applied, 'the Job was applied');
  assert.deepEqual(applied.argv, APPLY_ARGV);
  assert.deepEqual(applied.list.items.map((item) => item.kind), ['Secret', 'Job']);
  for (const item of applied.list.items) validate(item);
  const [pullSecret, job] = applied.list.items;
  assert.equal(pullSecret.type, 'kubernetes.io/dockerconfigjson');
  const dockerConfig = JSON.parse(Buffer.from(pullSecret.data['.dockerconfigjson'], 'base64').toString('utf8'));
  assert.equal(dockerConfig.auths['iad.ocir.io'].password, REGISTRY_PASSWORD);
  assert.deepEqual(job.spec.template.spec.imagePullSecrets, [{ name: pullSecret.metadata.name }]);
  assert.equal(job.spec.template.spec.containers[0].image, 'iad.ocir.io/iduyx1qnmway/dktest/hfdownloader:v1');

  clusterSays('job_complete.json');
  const completed = await waitForStatus(kube.plane.url, kube.token, uuid, ['completed']);
  assert.equal(completed.last_error, null);
  assert.equal(completed.replicas[0].state, 'exited');
});

test('an image only a cluster can run is deployed by up --executor kubernetes and refused by the local executor', async () => {
  const recipe = readExample('cpu-inference-mistral-vm.json');
  const deployed = await call('POST', '/deployment/', recipe);
  assert.equal(deployed.status, 201, deployed.text);
  const applied = await waitForCall((c) => c.argv.includes('apply') && c.stdin.includes('recipe-cpu-inference-mistral-e4flex'),
    'apply the cpu inference recipe');
  const deployment = JSON.parse(applied.stdin).items.find((item) => item.kind === 'Deployment');
  validate(deployment);
  assert.equal(deployment.spec.template.spec.containers[0].image, recipe.recipe_image_uri);
  assert.equal((await call('POST', '/undeploy/', { deployment_uuid: deployed.json.deployment_uuid })).status, 200);
  await waitForCall((c) => c.argv.includes(`--selector=gatehouse.deployment-uuid=${deployed.json.deployment_uuid}`) &&
    c.argv.includes('delete'), 'delete the cpu inference recipe');

  const localData = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-up-local-'));
  const local = await startControlPlane(localData);
  try {
    const refused = await api(local.url, await login(local.url), 'POST', '/deployment/', recipe);
    assert.equal(refused.status, 400, refused.text);
    assert.deepEqual(Object.keys(refused.json), ['recipe_image_uri']);
    assert.match(refused.json.recipe_image_uri[0], /local executor/);
    assert.match(refused.json.recipe_image_uri[0], /--executor kubernetes/);
  } finally {
    await local.stop();
    fs.rmSync(localData, { recursive: true, force: true });
  }
});

test('the planted token and registry password appear only base64-encoded on kubectl apply\'s stdin', async () => {
  for (const route of ['/secrets/', '/secrets/hf-secret/', '/secrets/iad-creds/', '/deployment/', '/deployment_logs/',
    '/workspace/']) {
    assert.equal((await call('GET', route)).status, 200, route);
  }
  for (const uuid of (await call('GET', '/deployment/')).json.map((d) => d.deployment_uuid)) {
    await call('GET', `/deployment/${uuid}/`);
    await call('GET', `/deployment_digests/${uuid}/`);
  }
  const calls = kubectlCalls();
  const values = [PLANTED, REGISTRY_PASSWORD];
  const texts = [
    ...kube.answers.map((text) => ['an API answer', text]),
    ...calls.map((c) => ['kubectl argv', JSON.stringify(c.argv)]),
    ...calls.map((c) => ['kubectl stdin in clear', c.stdin]),
    ['gatehouse up stdout', kube.plane.stdout()], ['gatehouse up stderr', kube.plane.stderr()],
    ...allFilesUnder(kube.dataDir).map((file) => [file, fs.readFileSync(file).toString('latin1')]),
  ];
  for (const [where, text] of texts) {
    for (const value of values) assert.ok(!text.includes(value), `a planted value in ${where}: ${text.slice(0, 200)}`);
  }
  // The encoded token travels on stdin (the Secret), nowhere else.
  const encoded = base64(PLANTED);
  assert.ok(calls.some((c) => c.stdin.includes(encoded)));
  for (const [where, text] of texts.filter(([where]) => where !== 'kubectl stdin in clear')) {
    assert.ok(!text.includes(encoded), `the base64 token in ${where}`);
  }
});
