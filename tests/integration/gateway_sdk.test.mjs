// Seed 001 end to end: LiteLLM's `completion(model="huggingface/<endpoint URL>", messages=...)` with
// HUGGINGFACE_API_KEY set, as `gatehouse complete` makes it, against `gatehouse serve --api-key` on a tiny model
// served from our Hub mirror. The SDK reads the endpoint's /info, fetches the model's chat template from the mirror
// (HF_ENDPOINT), renders the prompt, calls TGI's /generate (or /generate_stream) and answers in the seed's shape.
// Also: a wrong key is an AuthenticationError that does not echo the key; with no template reachable the endpoint's
// own chat route answers (and the choice is logged); huggingface/tgi + api_base, the HF router form and hosted_vllm reach
// serve too; a dead endpoint is a clear error and a non-zero exit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { bin } from './helpers.mjs';
import { runProcess, startMirror, tempDir } from './hub_helpers.mjs';
import { makeLlamaCheckpoint, post, startServer } from './serve_helpers.mjs';

const REPO = 'gatehouse-test/tiny-llama-chat';
const KEY = 'gh-endpoint-key-0123456789abcdef';
const WRONG_KEY = 'gh-wrong-key-fedcba9876543210';
const MESSAGE = "There's a llama in my garden. What should I do?";
let scratch;
let mirror;
let server;
let endpoint;

before(async () => {
  scratch = tempDir('gateway-sdk');
  const checkpoint = makeLlamaCheckpoint(scratch);
  const repo = path.join(scratch, 'root', REPO);
  fs.mkdirSync(path.dirname(repo), { recursive: true });
  fs.renameSync(checkpoint, repo);
  mirror = await startMirror(['--root', path.join(scratch, 'root')]);
  server = await startServer(['--model', REPO, '--max-model-len', '256', '--api-key', KEY],
    { env: { HF_ENDPOINT: mirror.url, HF_HUB_CACHE: path.join(scratch, 'serve-cache'), HF_TOKEN: '' } });
  endpoint = `huggingface/${server.url}`;
});

after(async () => {
  await server?.stop();
  await mirror?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

// Runs `gatehouse complete ARGS` as a user with only HUGGINGFACE_API_KEY set; each run has a cache of its own.
let runs = 0;
function complete(args, { key = KEY, hubEndpoint = mirror.url, extraEnv = {} } = {}) {
  const cache = path.join(scratch, `complete-cache-${runs++}`);
  const env = { ...process.env, HF_ENDPOINT: hubEndpoint, HF_HUB_CACHE: cache, HF_HOME: path.join(cache, 'home'), HUGGINGFACE_API_KEY: key,
    ...extraEnv };
  for (const name of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_API_BASE', 'HUGGINGFACE_API_BASE']) delete env[name];
  return runProcess(bin, ['complete', ...args], { env, timeoutMs: 120_000 });
}

// The prompt's token count as the server itself counts the same chat (its own template, on its OpenAI route).
async function serverPromptTokens() {
  const answer = await post(`${server.url}/v1/chat/completions`,
    { model: REPO, messages: [{ role: 'user', content: MESSAGE }], max_tokens: 1 }, { authorization: `Bearer ${KEY}` });
  assert.equal(answer.status, 200, answer.text);
  return answer.json.usage.prompt_tokens;
}

test("the seed's completion: OpenAI fields, model as given, summed logprobs, usage from TGI's counts", async () => {
  const run = await complete(['--model', endpoint, '--message', MESSAGE, '--max-tokens', '6']);
  assert.equal(run.status, 0, run.stderr);
  const answer = JSON.parse(run.stdout);
  assert.equal(answer.model, endpoint);
  assert.equal(answer.object, 'chat.completion');
  assert.equal(typeof answer.created, 'number');
  assert.ok(Math.abs(answer.created - Date.now() / 1000) < 120, `created is now: ${answer.created}`);
  assert.equal(answer.choices.length, 1);
  const [choice] = answer.choices;
  assert.equal(choice.index, 0);
  assert.equal(choice.message.role, 'assistant');
  assert.equal(typeof choice.message.content, 'string');
  assert.equal(typeof choice.message.logprobs, 'number', 'the seed shows the summed logprob on the message');
  assert.ok(choice.message.logprobs < 0);
  assert.equal(choice.logprobs, null, "OpenAI's standard logprobs only when asked for");
  assert.ok(['stop', 'length'].includes(choice.finish_reason), choice.finish_reason);
  const { usage } = answer;
  assert.equal(usage.prompt_tokens + usage.completion_tokens, usage.total_tokens);
  assert.ok(usage.completion_tokens >= 1 && usage.completion_tokens <= 6);
  if (choice.finish_reason === 'length') assert.equal(usage.completion_tokens, 6);
  // Rendered with the model's own template and tokenized by the endpoint, the prompt counts what the server's own
  // chat route counts (one BOS, not two).
  assert.equal(usage.prompt_tokens, await serverPromptTokens());
  assert.match(run.stderr, /chat template/, 'says how the prompt was made');
  assert.ok(!run.stderr.includes(KEY) && !run.stdout.includes(KEY));
});

test('the streamed form prints the same greedy text as the whole answer', async () => {
  const whole = await complete(['--model', endpoint, '--message', MESSAGE, '--max-tokens', '8']);
  assert.equal(whole.status, 0, whole.stderr);
  const streamed = await complete(['--model', endpoint, '--message', MESSAGE, '--max-tokens', '8', '--stream']);
  assert.equal(streamed.status, 0, streamed.stderr);
  assert.equal(streamed.stdout, `${JSON.parse(whole.stdout).choices[0].message.content}\n`);
});

test('a wrong key is an AuthenticationError (401) that does not echo the key', async () => {
  const run = await complete(['--model', endpoint, '--message', MESSAGE, '--max-tokens', '2'], { key: WRONG_KEY });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /AuthenticationError \(401\)/, run.stderr);
  assert.match(run.stderr, /API key/, "the endpoint's own message");
  assert.ok(!run.stderr.includes(WRONG_KEY) && !run.stdout.includes(WRONG_KEY));
  const flag = await complete(['--model', endpoint, '--message', MESSAGE, '--max-tokens', '2', '--api-key', WRONG_KEY]);
  assert.match(flag.stderr, /AuthenticationError \(401\)/, 'an explicit key wins over the environment');
  assert.ok(!flag.stderr.includes(WRONG_KEY));
  const streamed = await complete(['--model', endpoint, '--message', MESSAGE, '--stream'], { key: WRONG_KEY });
  assert.notEqual(streamed.status, 0);
  assert.match(streamed.stderr, /AuthenticationError \(401\)/, streamed.stderr);
  assert.ok(!streamed.stderr.includes(WRONG_KEY) && !streamed.stdout.includes(WRONG_KEY));
});

test("without a reachable chat template the endpoint's chat route answers, and the choice is logged", async () => {
  const run = await complete(['--model', endpoint, '--message', MESSAGE, '--max-tokens', '4', '--temperature', '0'],
    { hubEndpoint: 'http://127.0.0.1:9' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /\/v1\/chat\/completions/, run.stderr);
  const answer = JSON.parse(run.stdout);
  assert.equal(answer.model, endpoint);
  assert.equal(answer.choices[0].message.role, 'assistant');
  assert.equal(answer.usage.prompt_tokens, await serverPromptTokens());
  const streamed = await complete(['--model', endpoint, '--message', MESSAGE, '--max-tokens', '4', '--temperature', '0', '--stream'],
    { hubEndpoint: 'http://127.0.0.1:9' });
  assert.equal(streamed.status, 0, streamed.stderr);
  assert.equal(streamed.stdout, `${answer.choices[0].message.content}\n`);
});

test('hosted_vllm/<model> passes the request through to an OpenAI-compatible server', async () => {
  const model = `hosted_vllm/${REPO}`;
  const run = await complete(['--model', model, '--api-base', `${server.url}/v1`, '--api-key', KEY, '--message', MESSAGE,
    '--max-tokens', '3', '--temperature', '0']);
  assert.equal(run.status, 0, run.stderr);
  const answer = JSON.parse(run.stdout);
  assert.equal(answer.model, model);
  assert.equal(answer.usage.completion_tokens + answer.usage.prompt_tokens, answer.usage.total_tokens);
  const streamed = await complete(['--model', model, '--api-base', server.url, '--api-key', KEY, '--message', MESSAGE,
    '--max-tokens', '3', '--temperature', '0', '--stream']);
  assert.equal(streamed.status, 0, streamed.stderr);
  assert.equal(streamed.stdout, `${answer.choices[0].message.content}\n`);
});

test('huggingface/tgi with api_base speaks the endpoint\'s Messages API, which serve answers under the name "tgi"', async () => {
  const model = 'huggingface/tgi';
  // LiteLLM's URL rule: a base ending in /v1/ gets chat/completions added.
  const run = await complete(['--model', model, '--api-base', `${server.url}/v1/`, '--api-key', KEY, '--message', MESSAGE,
    '--max-tokens', '3', '--temperature', '0']);
  assert.equal(run.status, 0, run.stderr);
  const answer = JSON.parse(run.stdout);
  assert.equal(answer.model, model);
  assert.equal(answer.choices[0].message.role, 'assistant');
  assert.equal(answer.usage.completion_tokens + answer.usage.prompt_tokens, answer.usage.total_tokens);
  const wrong = await complete(['--model', model, '--api-base', server.url, '--api-key', 'not-the-key', '--message', MESSAGE]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /AuthenticationError \(401\)/);
  assert.doesNotMatch(wrong.stderr, /not-the-key/);
});

test('huggingface/<org>/<model>[:policy] goes to the Hugging Face router (HF_ROUTER_URL, here serve) with the Hub id', async () => {
  const router = { HF_ROUTER_URL: server.url };
  const run = await complete(['--model', `huggingface/${REPO}`, '--message', MESSAGE, '--max-tokens', '3', '--temperature', '0'],
    { extraEnv: router });
  assert.equal(run.status, 0, run.stderr);
  const answer = JSON.parse(run.stdout);
  assert.equal(answer.model, `huggingface/${REPO}`);
  assert.equal(answer.choices[0].message.role, 'assistant');
  // The policy suffix reaches the router as part of the model; serve, not being the router, names it in its 404.
  const policy = await complete(['--model', `huggingface/${REPO}:fastest`, '--message', MESSAGE], { extraEnv: router });
  assert.equal(policy.status, 1);
  assert.match(policy.stderr, /NotFoundError \(404\)/);
  assert.match(policy.stderr, new RegExp(`${REPO}:fastest`));
});

test('a dead endpoint is a clear connection error and a non-zero exit', async () => {
  const run = await complete(['--model', 'huggingface/http://127.0.0.1:9', '--message', 'hi']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /APIConnectionError/);
  assert.match(run.stderr, /127\.0\.0\.1:9/);
  assert.equal(run.stdout, '');
  const unknown = await complete(['--model', 'nosuch/x', '--message', 'hi']);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /unknown provider 'nosuch'/);
});
