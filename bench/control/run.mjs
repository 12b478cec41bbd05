// Ingress proxy benchmark: the latency and throughput Response::proxied adds in front of a fixed
// responder (bench/control/proxy_bench.cpp), direct and proxied runs alternating, several rounds.
// 1. Max throughput: Debian's wrk (--latency) with a few connections on /small (a small JSON answer)
//    and /stream (N server-sent events, chunked): requests/s and p50/p99, as wrk measures them.
// 2. Fixed rate: wrk sending /small at about --rate requests/s for --seconds (load.mjs: paced
//    connections); p50/p99 latency direct and proxied, and the added p99 (the target: under
//    1 ms at 2,000 requests/s). The generator shares the machine with both servers.
// Usage: node bench/control/run.mjs [--bin build/bench/proxy_bench] [--rounds 3] [--seconds 5]
//   [--rate 2000] [--connections 4] [--threads 2]
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { parseArgs } from 'node:util';

import { medians, wrk, wrkAtRate } from './load.mjs';

const { values: args } = parseArgs({
  options: {
    bin: { type: 'string', default: 'build/bench/proxy_bench' }, rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' }, rate: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '4' }, threads: { type: 'string', default: '2' },
  },
});
const rounds = Number(args.rounds), seconds = Number(args.seconds), rate = Number(args.rate);
const load = { connections: Number(args.connections), seconds };

const server = spawn(args.bin, ['--threads', args.threads], { stdio: ['pipe', 'pipe', 'inherit'] });
const ports = await new Promise((resolve, reject) => {
  readline.createInterface({ input: server.stdout }).once('line', (line) => resolve(JSON.parse(line)));
  server.once('exit', (code) => reject(new Error(`${args.bin} exited with ${code}`)));
});

const rows = [];
const f = (value, digits = 0) => value.toFixed(digits);
for (const path of ['/small', '/stream']) {
  const direct = [], proxied = [];
  for (let round = 0; round < rounds; round += 1) {
    direct.push(wrk(`http://127.0.0.1:${ports.direct}${path}`, load));
    proxied.push(wrk(`http://127.0.0.1:${ports.proxy}${path}`, load));
  }
  const d = medians(direct);
  const p = medians(proxied);
  rows.push([`wrk ${path} (max, ${args.connections} conn)`, f(d.rps), f(p.rps), f(d.p50), f(p.p50), f(d.p99), f(p.p99), f(p.p99 - d.p99)]);
}
{
  const direct = [], proxied = [];
  for (let round = 0; round < rounds; round += 1) {
    direct.push(wrkAtRate(`http://127.0.0.1:${ports.direct}/small`, { rate, seconds }));
    proxied.push(wrkAtRate(`http://127.0.0.1:${ports.proxy}/small`, { rate, seconds }));
  }
  const d = medians(direct);
  const p = medians(proxied);
  rows.push([`wrk /small at ${rate}/s (paced)`, f(d.rps), f(p.rps), f(d.p50), f(p.p50), f(d.p99), f(p.p99), f(p.p99 - d.p99)]);
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
