// Engine benchmark: prefill tok/s (128-token prompt), decode tok/s at batch 1 and total decode
// tok/s at batch 8, for random-weight checkpoints with real shapes (Llama-3.2-1B, and
// SmolLM2-135M's layers with Llama 3's vocabulary), BF16, q8_0 and q4_0, 1 and 2 threads, beside the
// memory-bandwidth roofline `gatehouse bench` measures itself (weight bytes read per decode step ÷
// the highest read bandwidth with all the run's threads measured between the steps of the timed
// decode run; the samples' mean, and the fraction of it, in brackets).
// The llama.cpp column is the figure the engine issue gives for llama.cpp (early-2025 build, 2
// threads) on this kind of machine; llama.cpp is not built here, so it is quoted, not re-run.
// Usage: node bench/engine/run.mjs --bin build/bin/gatehouse [--dir /dev/shm/gatehouse-bench]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { bin: { type: 'string' }, dir: { type: 'string', default: '/dev/shm/gatehouse-bench' },
    shapes: { type: 'string', default: 'llama-3.2-1b,smollm2-135m' }, threads: { type: 'string', default: '1,2' } },
});
if (!args.bin) throw new Error('usage: node bench/engine/run.mjs --bin PATH_TO_GATEHOUSE [--dir DIR]');
const root = new URL('../../', import.meta.url).pathname;

// llama.cpp, 2 threads, as quoted in the engine issue: [prefill, decode] tok/s.
const llamaCpp = {
  'llama-3.2-1b': { none: [207, 19.3], q8_0: [112, 30.1] },
  'smollm2-135m': { none: [1325, 67], q8_0: [679, 106] },
};

function checkpoint(shape) {
  const folder = path.join(args.dir, shape);
  if (!fs.existsSync(path.join(folder, 'model.safetensors'))) {
    fs.mkdirSync(args.dir, { recursive: true });
    const run = spawnSync('/usr/bin/python3', [path.join(root, 'scripts/make_checkpoint.py'), '--arch', 'llama',
      '--shape', shape, '--dtype', 'bf16', '--out', folder], { stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`make_checkpoint.py failed for ${shape}`);
  }
  return folder;
}

function bench(folder, threads, quantization) {
  const command = ['bench', '--model', folder, '--threads', String(threads)];
  if (quantization !== 'none') command.push('--quantization', quantization);
  const run = spawnSync(args.bin, command, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

const f = (value, digits = 1) => value.toFixed(digits);
const rows = [];
for (const shape of args.shapes.split(',')) {
  const folder = checkpoint(shape);
  for (const quantization of ['none', 'q8_0', 'q4_0']) {
    for (const threads of args.threads.split(',').map(Number)) {
      const r = bench(folder, threads, quantization);
      const peer = threads === 2 ? llamaCpp[shape]?.[quantization] : undefined;
      rows.push([shape, quantization === 'none' ? 'bf16' : quantization, threads,
        `${f(r.read_bandwidth_gbs)} (${f(r.mean_read_bandwidth_gbs)})`,
        f(r.prefill_tok_s), peer ? `${peer[0]} (${f(r.prefill_tok_s / peer[0], 2)}×)` : '-',
        f(r.decode_tok_s), f(r.roofline_tok_s),
        `${f(100 * r.decode_roofline_fraction, 0)}% (${f(100 * r.decode_mean_bandwidth_fraction, 0)}%)`,
        peer ? `${peer[1]} (${f(r.decode_tok_s / peer[1], 2)}×)` : '-',
        f(r.batch_decode_tok_s), `${f(r.batch_speedup, 2)}×`]);
      console.error(`done: ${shape} ${quantization} ${threads} threads`);
    }
  }
}
const header = ['shape', 'weights', 'threads', 'read GB/s, best (mean)', 'prefill tok/s', 'llama.cpp prefill',
  'decode tok/s', 'roofline tok/s', 'of roofline (of mean)', 'llama.cpp decode', 'batch-8 tok/s', 'batch-8 / batch-1'];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
