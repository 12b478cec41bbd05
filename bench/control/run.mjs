// Ingress proxy benchmark: the latency and throughput Response::proxied adds in front of a fixed
// responder (bench/control/proxy_bench.cpp), direct and proxied runs alternating, several rounds.
// 1. Max throughput: Debian's wrk (--latency) with a few connections on /small (a small JSON answer)
//    and /stream (N server-sent events, chunked): requests/s and p50/p99, as wrk measures them.
// 2. Fixed rate: a Node load generator (http.Agent keep-alive) sending /small at --rate requests/s
//    for --seconds; p50/p99/max latency direct and proxied, and the added p99 (the target:
//    under 1 ms at 2,000 requests/s). The generator shares the machine with both servers.
// Usage: node bench/control/run.mjs [--bin build/bench/proxy_bench] [--rounds 3] [--seconds 5]
//   [--rate 2000] [--connections 4] [--threads 2]
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import readline from 'node:readline';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    bin: { type: 'string', default: 'build/bench/proxy_bench' }, rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' }, rate: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '4' }, threads: { type: 'string', default: '2' },
  },
});
const rounds = Number(args.rounds), seconds = Number(args.seconds), rate = Number(args.rate);

const server = spawn(args.bin, ['--threads', args.threads], { stdio: ['pipe', 'pipe', 'inherit'] });
const ports = await new Promise((resolve, reject) => {
  readline.createInterface({ input: server.stdout }).once('line', (line) => resolve(JSON.parse(line)));
  server.once('exit', (code) => reject(new Error(`${args.bin} exited with ${code}`)));
});

// wrk's "Latency Distribution" lines, in microseconds.
function micros(text) {
  const [, value, unit] = text.match(/([\d.]+)(us|ms|s)/);
  return Number(value) * { us: 1, ms: 1e3, s: 1e6 }[unit];
}

function wrk(port, path) {
  const run = spawnSync('/usr/bin/wrk', ['-t1', `-c${args.connections}`, `-d${seconds}s`, '--latency',
    `http://127.0.0.1:${port}${path}`], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  const percentile = (p) => micros(run.stdout.match(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm'))[1]);
  return { rps: Number(run.stdout.match(/Requests\/sec:\s+([\d.]+)/)[1]), p50: percentile(50), p99: percentile(99) };
}

// Sends /small at `rate` per second (in 1 ms ticks) for `seconds`; latencies in microseconds.
async function fixedRate(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies = [];
  let errors = 0;
  const one = () => new Promise((resolve) => {
    const start = process.hrtime.bigint();
    http.get({ host: '127.0.0.1', port, path: '/small', agent }, (response) => {
      response.resume();
      response.on('end', () => { latencies.push(Number(process.hrtime.bigint() - start) / 1e3); resolve(); });
    }).on('error', () => { errors += 1; resolve(); });
  });
  const pending = [];
  const begin = performance.now();
  let sent = 0;
  while (performance.now() - begin < seconds * 1000) {
    const due = Math.floor(((performance.now() - begin) / 1000) * rate);
    for (; sent < due; sent += 1) pending.push(one());
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99), max: latencies[latencies.length - 1], errors };
}

const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = [];
const f = (value, digits = 0) => value.toFixed(digits);
for (const path of ['/small', '/stream']) {
  const direct = [], proxied = [];
  for (let round = 0; round < rounds; round += 1) {
    direct.push(wrk(ports.direct, path));
    proxied.push(wrk(ports.proxy, path));
  }
  const d = { rps: median(direct.map((r) => r.rps)), p50: median(direct.map((r) => r.p50)), p99: median(direct.map((r) => r.p99)) };
  const p = { rps: median(proxied.map((r) => r.rps)), p50: median(proxied.map((r) => r.p50)), p99: median(proxied.map((r) => r.p99)) };
  rows.push([`wrk ${path} (max, ${args.connections} conn)`, f(d.rps), f(p.rps), f(d.p50), f(p.p50), f(d.p99), f(p.p99), f(p.p99 - d.p99)]);
}
{
  const direct = [], proxied = [];
  for (let round = 0; round < rounds; round += 1) {
    direct.push(await fixedRate(ports.direct));
    proxied.push(await fixedRate(ports.proxy));
  }
  const d = { rps: median(direct.map((r) => r.rps)), p50: median(direct.map((r) => r.p50)), p99: median(direct.map((r) => r.p99)) };
  const p = { rps: median(proxied.map((r) => r.rps)), p50: median(proxied.map((r) => r.p50)), p99: median(proxied.map((r) => r.p99)) };
  rows.push([`node /small at ${rate}/s`, f(d.rps), f(p.rps), f(d.p50), f(p.p50), f(d.p99), f(p.p99), f(p.p99 - d.p99)]);
  const errors = [...direct, ...proxied].reduce((sum, r) => sum + r.errors, 0);
  if (errors) console.log(`${errors} requests failed`);
  console.log(`fixed-rate p99 per round (µs), direct: ${direct.map((r) => f(r.p99)).join(', ')}; proxied: ${proxied.map((r) => f(r.p99)).join(', ')}`);
}
server.stdin.end();

const header = ['load', 'direct req/s', 'proxied req/s', 'direct p50 µs', 'proxied p50 µs', 'direct p99 µs',
  'proxied p99 µs', 'added p99 µs'];
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
console.log(`(medians of ${rounds} rounds of ${seconds} s; direct and proxied alternating)`);
