// Load generators shared by bench/control/run.mjs (the proxy alone) and bench/control/e2e.mjs (`gatehouse up`):
// Debian's wrk at its maximum throughput, and a Node generator at a fixed request rate. Latencies in microseconds.
import { spawnSync } from 'node:child_process';
import http from 'node:http';

// wrk's "Latency Distribution" lines, in microseconds.
function micros(text) {
  const [, value, unit] = text.match(/([\d.]+)(us|ms|s)/);
  return Number(value) * { us: 1, ms: 1e3, s: 1e6 }[unit];
}

// `wrk -t1 -cN -dS --latency url`: {rps, p50, p99}, as wrk measures them. `script`: a Lua file
// for wrk's -s (a POST's method, body and headers).
export function wrk(url, { connections, seconds, script }) {
  const scriptArgs = script ? ['-s', script] : [];
  const run = spawnSync('/usr/bin/wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...scriptArgs, url], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`wrk ${url}: ${run.stderr}`);
  const non2xx = run.stdout.match(/Non-2xx or 3xx responses:\s+(\d+)/);
  if (non2xx) throw new Error(`wrk ${url}: ${non2xx[1]} answers were not 2xx or 3xx`);
  const percentile = (p) => micros(run.stdout.match(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm'))[1]);
  return { rps: Number(run.stdout.match(/Requests\/sec:\s+([\d.]+)/)[1]), p50: percentile(50), p99: percentile(99) };
}

// GETs `url` (or sends `method` with `body` and `headers`) at `rate` per second (in 1 ms ticks)
// for `seconds` over keep-alive connections: {rps, p50, p99, max, errors}. The generator runs in
// this process, so it shares the machine with the servers.
export async function fixedRate(url, { rate, seconds, method = 'GET', body, headers = {} }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies = [];
  let errors = 0;
  const one = () => new Promise((resolve) => {
    const start = process.hrtime.bigint();
    http.request(url, { agent, method, headers }, (response) => {
      response.resume();
      response.on('end', () => {
        if (response.statusCode === 200) latencies.push(Number(process.hrtime.bigint() - start) / 1e3);
        else errors += 1;
        resolve();
      });
    }).on('error', () => { errors += 1; resolve(); }).end(body);
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

export const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];

// The medians of each field over rounds of {rps, p50, p99}.
export const medians = (runs) => ({
  rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)),
});
