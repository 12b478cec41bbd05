// `gatehouse render` and the Kubernetes manifests against the Kubernetes OpenAPI schemas, through a real
// validator (the pinned `kubernetes-models` package). No Kubernetes cluster can run here: what a
// cluster would accept is checked with that validator, and the apply step itself (kubectl apply
// --server-side with the manifests on stdin, get, logs, delete) runs against a recorded stand-in for
// kubectl in tests/unit/control/kubernetes_executor_test.cpp (tests/integration/fixtures/fake_kubectl).
// The validator checks types, formats (quantities, base64) and required fields; it does not reject
// unknown fields, which the golden files in tests/unit/control/golden/ pin down instead.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

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
