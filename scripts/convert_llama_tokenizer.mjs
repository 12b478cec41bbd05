// Writes the original LLaMA tokenizer (the vocabulary and merges packed in the llama-tokenizer-js
// package) as a Hugging Face tokenizer folder, OUT_DIR/tokenizer.json and tokenizer_config.json,
// with the structure of the Mistral-7B tokenizer.json (which shares LLaMA's SentencePiece design):
// Prepend/Replace normalizer, byte-fallback BPE, <s> template, Replace/ByteFallback/Fuse/Strip
// decoder. Usage: node scripts/convert_llama_tokenizer.mjs OUT_DIR
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node scripts/convert_llama_tokenizer.mjs OUT_DIR');
  process.exit(2);
}

const conformance = new URL('../tests/conformance/package.json', import.meta.url);
const require = createRequire(conformance);
const packagePath = require.resolve('llama-tokenizer-js');
const { default: llama } = await import(packagePath);

const vocab = {};
llama.vocabById.forEach((token, id) => { vocab[token] = id; });
// The package keys merges "left right" in priority order.
const merges = [...llama.merges.keys()];
if (llama.vocabById.length !== 32000 || merges.length < 60000) {
  throw new Error(`unexpected llama-tokenizer-js data: ${llama.vocabById.length} tokens, ${merges.length} merges`);
}

const special = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
const tokenizer = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
  normalizer: {
    type: 'Sequence',
    normalizers: [
      { type: 'Prepend', prepend: '\u2581' },
      { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
    ],
  },
  pre_tokenizer: null,
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [
      { SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } },
    ],
    special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
  },
  decoder: {
    type: 'Sequence',
    decoders: [
      { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
      { type: 'ByteFallback' },
      { type: 'Fuse' },
      { type: 'Strip', content: ' ', start: 1, stop: 0 },
    ],
  },
  model: {
    type: 'BPE',
    dropout: null,
    unk_token: '<unk>',
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: true,
    byte_fallback: true,
    vocab,
    merges,
  },
};

const config = {
  add_bos_token: true,
  add_eos_token: false,
  bos_token: '<s>',
  eos_token: '</s>',
  unk_token: '<unk>',
  clean_up_tokenization_spaces: false,
  legacy: true,
  model_max_length: 2048,
  tokenizer_class: 'LlamaTokenizer',
};

fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'tokenizer.json'), JSON.stringify(tokenizer));
fs.writeFileSync(path.join(outDir, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
console.log(path.resolve(outDir));
