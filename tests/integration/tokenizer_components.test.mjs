// Every model, normalizer, pre-tokenizer, post-processor and decoder type, in small tokenizer.json
// files this test writes itself, checked against the tokenizers oracle on the corpus: WordPiece
// with the BERT pipeline, Unigram with Metaspace (with and without byte fallback), WordLevel,
// BPE with subword prefix and word suffix, and Llama 3's byte-level vocabulary behind other
// normalizers, pre-tokenizers and post-processors.
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { corpus } from '../conformance/corpus.mjs';
import { checkTokenizer, lenml } from './helpers.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-components-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

function writeTokenizer(name, tokenizer) {
  const folder = path.join(dir, name);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'tokenizer.json'), JSON.stringify({ version: '1.0', truncation: null, padding: null, ...tokenizer }));
  return folder;
}

const special = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });

// The distinct chars of the corpus (lowercased when asked), in order of first appearance.
function corpusChars({ lower = false, limit = 400 } = {}) {
  const seen = new Set();
  for (const text of corpus) for (const c of lower ? text.toLowerCase() : text) if (!/\s/u.test(c)) seen.add(c);
  return [...seen].slice(0, limit);
}

const words = ['hello', 'world', 'the', 'quick', 'brown', 'fox', 'return', 'function', 'const', 'numbers', 'def',
  'print', 'spaces', 'and', 'with', 'space', 'ing', 'ed', 'er', 'an', 'in', 'on', 'at', 'es', 're'];

test('WordPiece with BertNormalizer, BertPreTokenizer, BertProcessing and the WordPiece decoder', async () => {
  const vocab = {};
  const add = (token) => { if (!(token in vocab)) vocab[token] = Object.keys(vocab).length; };
  ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].forEach(add);
  for (const c of corpusChars({ lower: true, limit: 300 })) { add(c); add('##' + c); }
  for (const w of words) { add(w); add('##' + w); }
  const folder = writeTokenizer('wordpiece', {
    added_tokens: [special(0, '[PAD]'), special(1, '[UNK]'), special(2, '[CLS]'), special(3, '[SEP]'), special(4, '[MASK]')],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  });
  await checkTokenizer(folder, 'wordpiece');
});

function unigramVocab({ byteFallback }) {
  const vocab = [['<unk>', 0], ['<s>', 0], ['</s>', 0], ['\u2581', -2]];
  if (byteFallback) for (let b = 0; b < 256; b++) vocab.push([`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0]);
  corpusChars({ limit: 250 }).forEach((c, i) => vocab.push([c, -3 - (i % 7) * 0.5]));
  words.forEach((w, i) => { vocab.push(['\u2581' + w, -4 - i * 0.1]); vocab.push([w, -5 - i * 0.1]); });
  return vocab;
}

for (const byteFallback of [false, true]) {
  test(`Unigram${byteFallback ? ' with byte fallback' : ''}, Nmt/NFKC/Replace normalizers, Metaspace, TemplateProcessing`, async () => {
    const folder = writeTokenizer(`unigram-${byteFallback}`, {
      added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
      normalizer: { type: 'Sequence', normalizers: [
        { type: 'Nmt' }, { type: 'NFKC' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
      pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
        pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } },
          { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '</s>', type_id: 1 } }],
        special_tokens: { '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } },
      },
      decoder: byteFallback
        ? { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true }] }
        : { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
      model: { type: 'Unigram', unk_id: 0, vocab: unigramVocab({ byteFallback }), byte_fallback: byteFallback },
    });
    await checkTokenizer(folder, `unigram (byte_fallback ${byteFallback})`);
  });
}

test('WordLevel with NFD/StripAccents/Lowercase/Strip, Whitespace pre-tokenizer and CTC decoder', async () => {
  const vocab = { '<unk>': 0, '<pad>': 1, '|': 2 };
  for (const w of [...words, ...corpusChars({ lower: true, limit: 100 })]) if (!(w in vocab)) vocab[w] = Object.keys(vocab).length;
  const folder = writeTokenizer('wordlevel', {
    added_tokens: [special(0, '<unk>'), special(1, '<pad>')],
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'NFD' }, { type: 'StripAccents' }, { type: 'Lowercase' }, { type: 'Strip', strip_left: true, strip_right: true }] },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: { type: 'CTC', pad_token: '<pad>', word_delimiter_token: '|', cleanup: true },
    model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
  });
  await checkTokenizer(folder, 'wordlevel');
});

test('BPE with continuing_subword_prefix and end_of_word_suffix, Punctuation/Digits/WhitespaceSplit, BPEDecoder', async () => {
  const vocab = { '<unk>': 0 };
  const add = (token) => { if (!(token in vocab)) vocab[token] = Object.keys(vocab).length; };
  const merges = [];
  for (const c of corpusChars({ limit: 300 })) { add(c); add('##' + c); add(c + '</w>'); add('##' + c + '</w>'); }
  for (const w of words) {
    // Merge each word left to right: w[0] + ##w[1] -> w[0..2], then + ##w[2] ...
    let left = w[0];
    for (let i = 1; i < w.length; i++) {
      const last = i === w.length - 1;
      const right = '##' + w[i] + (last ? '</w>' : '');
      add(left); add(right);
      merges.push([left, right]);
      left = left + w[i] + (last ? '</w>' : '');
      add(left);
    }
  }
  const folder = writeTokenizer('bpe-affixes', {
    added_tokens: [special(0, '<unk>')],
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: 'Isolated' }, { type: 'Digits', individual_digits: true }] },
    post_processor: null,
    decoder: { type: 'BPEDecoder', suffix: '</w>' },
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: '##', end_of_word_suffix: '</w>',
      fuse_unk: true, byte_fallback: false, vocab, merges },
  });
  await checkTokenizer(folder, 'bpe with affixes');
});

test('Llama 3 vocabulary behind ByteLevel(add_prefix_space), UnicodeScripts, Roberta processing and other stages', async () => {
  const llama3 = JSON.parse(fs.readFileSync(path.join(lenml('llama3'), 'tokenizer.json'), 'utf8'));
  const variants = {
    roberta: {
      normalizer: { type: 'NFKC' },
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      post_processor: { type: 'RobertaProcessing', sep: ['<|end_of_text|>', 128001], cls: ['<|begin_of_text|>', 128000],
        trim_offsets: true, add_prefix_space: true },
    },
    scripts: {
      normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKD' }, { type: 'Prepend', prepend: '>' }, { type: 'NFC' }] },
      pre_tokenizer: { type: 'Sequence', pretokenizers: [
        { type: 'UnicodeScripts' }, { type: 'CharDelimiterSplit', delimiter: 'e' },
        { type: 'Split', pattern: { String: 'o' }, behavior: 'MergedWithNext', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }] },
      post_processor: { type: 'Sequence', processors: [
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
        { type: 'BertProcessing', sep: ['<|end_of_text|>', 128001], cls: ['<|begin_of_text|>', 128000] }] },
    },
    bytes: {
      normalizer: { type: 'ByteLevel' },
      pre_tokenizer: { type: 'FixedLength', length: 3 },
      post_processor: null,
    },
  };
  for (const [name, stages] of Object.entries(variants)) {
    await checkTokenizer(writeTokenizer(`llama3-${name}`, { ...llama3, ...stages }), `llama3 vocabulary (${name})`);
  }
});
