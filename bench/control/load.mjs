// Load generators shared by bench/control/run.mjs (the proxy alone), bench/control/e2e.mjs (`gatehouse up`)
// and bench/gateway/run.mjs, all Debian's wrk: at its maximum throughput, and at a fixed mean rate.
// Latencies in microseconds.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// wrk's "Latency Distribution" lines, in microseconds.
function micros(text) {
  const [, value, unit] = text.match(/([\d.]+)(us|ms|s)/);
  return Number(value) * { us: 1, ms: 1e3, s: 1e6 }[unit];
}

// `wrk -t1 -cN -dS --latency url`: {rps, requests, p50, p99, errors}, as wrk measures them. `script`: a Lua
// file for wrk's -s (a POST's method, body and headers; a pace).
export function wrk(url, { connections, seconds, script }) {
  const scriptArgs = script ? ['-s', script] : [];
  const run = spawnSync('/usr/bin/wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...scriptArgs, url], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`wrk ${url}: ${run.stderr}`);
  const non2xx = run.stdout.match(/Non-2xx or 3xx responses:\s+(\d+)/);
  if (non2xx) throw new Error(`wrk ${url}: ${non2xx[1]} answers were not 2xx or 3xx`);
  const socketErrors = run.stdout.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const percentile = (p) => micros(run.stdout.match(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm'))[1]);
  return {
    rps: Number(run.stdout.match(/Requests\/sec:\s+([\d.]+)/)[1]), requests: Number(run.stdout.match(/(\d+) requests in/)[1]),
    p50: percentile(50), p99: percentile(99),
    errors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

// Each connection waits this long on average after an answer before its next request.
const kMeanPauseMs = 10;

// A Lua script for wrk: the request, and after every answer a pause drawn uniformly from whole
// milliseconds 0..2·kMeanPauseMs (wrk's delay(); seeded, so runs draw the same pauses).
function pacedScript({ method, body, headers }) {
  const quoted = (text) => {
    if (!/^[\x20-\x7e]*$/.test(text)) throw new Error(`wrkAtRate sends printable ASCII only: ${text}`);
    return JSON.stringify(text);  // its escapes (\" and \\) mean the same in Lua
  };
  const lines = [`wrk.method = ${quoted(method)}`];
  if (body !== undefined) lines.push(`wrk.body = ${quoted(body)}`);
  for (const [name, value] of Object.entries(headers)) lines.push(`wrk.headers[${quoted(name)}] = ${quoted(value)}`);
  lines.push('math.randomseed(7)', `function delay() return math.random(0, ${2 * kMeanPauseMs}) end`);
  return `${lines.join('\n')}\n`;
}

// wrk at about `rate` requests/s for `seconds`: rate·(pause + ½ ms)/1000 connections (wrk's timers have
// millisecond steps), each pausing a random time after every answer, so requests arrive spread out as
// from many independent clients rather than in bursts: {rps, p50, p99, errors}. The measured rate is
// part of the answer (a slower server gets slightly fewer requests).
export function wrkAtRate(url, { rate, seconds, method = 'GET', body, headers = {} }) {
  const connections = Math.max(1, Math.round((rate * (kMeanPauseMs + 0.5)) / 1000));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-wrk-'));
  const script = path.join(dir, 'paced.lua');
  try {
    fs.writeFileSync(script, pacedScript({ method, body, headers }));
    return wrk(url, { connections, seconds, script });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];

// The medians of each field over rounds of {rps, p50, p99}.
export const medians = (runs) => ({
  rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)),
});
