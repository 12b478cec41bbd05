// Hub download benchmark over loopback, in one run: a 1 GiB file and a 16-file snapshot served by
// `gatehouse hub serve`, fetched by our client (`gatehouse download`, which also verifies the
// SHA-256), by curl (the practical limit: no hashing, no cache) and by @huggingface/hub
// (downloadFile / snapshotDownload). Prints MB/s and the ratios, then 64 concurrent curl downloads
// from the mirror (errors and aggregate MB/s).
// Usage: node bench/hub/run.mjs --bin build/bin/gatehouse [--size-mib 1024] [--repeat 3]
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: {
  bin: { type: 'string' }, 'size-mib': { type: 'string', default: '1024' }, repeat: { type: 'string', default: '3' },
} });
if (!args.bin) throw new Error('usage: node bench/hub/run.mjs --bin PATH_TO_GATEHOUSE [--size-mib N] [--repeat N]');
const require = createRequire(new URL('../../tests/conformance/package.json', import.meta.url));
const hub = require('@huggingface/hub');
const repeat = Number(args.repeat);
const bigBytes = Number(args['size-mib']) << 20;

// In memory when /dev/shm is there, so that disk writeback does not decide who wins.
const scratch = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
const work = fs.mkdtempSync(path.join(scratch, 'gatehouse-hub-bench-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));

function writeRandom(file, bytes) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  const chunk = crypto.randomBytes(8 << 20);
  for (let written = 0; written < bytes; written += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
  fs.closeSync(fd);
}

const root = path.join(work, 'root');
writeRandom(path.join(root, 'bench', 'big', 'model.safetensors'), bigBytes);
for (let i = 0; i < 16; i++) writeRandom(path.join(root, 'bench', 'snap', `shard-${String(i).padStart(2, '0')}.safetensors`), bigBytes / 16);

const mirror = spawn(args.bin, ['hub', 'serve', '--root', root, '--port', '0', '--threads', '16'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let out = '';
  mirror.stdout.on('data', (d) => { out += d; const m = out.match(/listening on (\S+)/); if (m) resolve(m[1]); });
  mirror.on('exit', (code) => reject(new Error(`mirror exited ${code}`)));
});
process.on('exit', () => mirror.kill('SIGTERM'));

// The mirror hashes each file on first sight; warm it so no tool pays for that.
spawnSync('curl', ['-sf', '-o', '/dev/null', `${url}/api/models/bench/big`]);
spawnSync('curl', ['-sf', '-o', '/dev/null', `${url}/api/models/bench/snap`]);

// Runs the contenders in turn, `repeat` rounds, deleting what each downloaded; the best time of each.
async function race(contenders) {
  const best = Object.fromEntries(Object.keys(contenders).map((name) => [name, Infinity]));
  for (let round = 0; round < repeat; round++) {
    for (const [name, fn] of Object.entries(contenders)) {
      const dir = fs.mkdtempSync(path.join(work, `${name}-`));
      const start = process.hrtime.bigint();
      await fn(dir);
      best[name] = Math.min(best[name], Number(process.hrtime.bigint() - start) / 1e9);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return best;
}

function run(command, argv, env = {}) {
  const result = spawnSync(command, argv, { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${argv.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

const ours = (repo, files) => async (dir) => {
  run(args.bin, ['download', repo, ...files, '--quiet', '--cache-dir', dir], { HF_ENDPOINT: url });
};
const bigUrl = `${url}/bench/big/resolve/main/model.safetensors`;
const snapFiles = Array.from({ length: 16 }, (_, i) => `shard-${String(i).padStart(2, '0')}.safetensors`);

async function hfDownloadFile(dir) {
  const blob = await hub.downloadFile({ repo: 'bench/big', path: 'model.safetensors', hubUrl: url });
  const out = fs.createWriteStream(path.join(dir, 'model.safetensors'));
  for await (const chunk of blob.stream()) out.write(chunk);
  await new Promise((resolve) => out.end(resolve));
}

const mb = bigBytes / 1e6;
const rows = [];
rows.push(['1 GiB file', await race({
  gatehouse: ours('bench/big', ['model.safetensors']),
  curl: async (dir) => run('curl', ['-sf', '-o', path.join(dir, 'f'), bigUrl]),
  hfjs: hfDownloadFile,
})]);
rows.push(['16-file snapshot', await race({
  gatehouse: ours('bench/snap', []),
  curl: async (dir) => run('curl', ['-sf', '--parallel', '--parallel-max', '8',
    ...snapFiles.flatMap((f) => ['-o', path.join(dir, f), `${url}/bench/snap/resolve/main/${f}`])]),
  hfjs: async (dir) => hub.snapshotDownload({ repo: 'bench/snap', hubUrl: url, cacheDir: dir }),
})]);

console.log(`loopback, ${repeat} runs each, best run reported; ${(mb).toFixed(0)} MB per case`);
console.log('case               gatehouse MB/s   curl MB/s  ours/curl   @huggingface/hub MB/s  ours/hub');
for (const [label, t] of rows) {
  const rate = (s) => mb / s;
  console.log(`${label.padEnd(18)} ${rate(t.gatehouse).toFixed(0).padStart(14)} ${rate(t.curl).toFixed(0).padStart(11)} ` +
    `${(t.curl / t.gatehouse).toFixed(2).padStart(10)} ${rate(t.hfjs).toFixed(0).padStart(23)} ${(t.hfjs / t.gatehouse).toFixed(2).padStart(9)}x`);
}

// 64 concurrent downloads of one shard from the mirror.
const shardUrl = `${url}/bench/snap/resolve/main/${snapFiles[0]}`;
const start = process.hrtime.bigint();
const results = await Promise.all(Array.from({ length: 64 }, () => new Promise((resolve) => {
  const child = spawn('curl', ['-sSf', '-o', '/dev/null', '-w', '%{size_download}', shardUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  child.on('close', (code) => resolve({ code, bytes: Number(out), err }));  // 'exit' may come before stdout ends
})));
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const failed = results.filter((r) => r.code !== 0 || r.bytes !== bigBytes / 16);
const failures = failed.length;
for (const r of failed) console.log(`  failed: curl exit ${r.code}, ${r.bytes} bytes: ${r.err.trim()}`);
const total = results.reduce((sum, r) => sum + r.bytes, 0);
console.log(`64 concurrent downloads of ${(bigBytes / 16 / 1e6).toFixed(0)} MB: ${failures} errors, ` +
  `${(total / 1e6 / seconds).toFixed(0)} MB/s aggregate`);
mirror.kill('SIGTERM');
if (failures) process.exitCode = 1;
