// The demo repo (`gatehouse demo-repo --out DIR [--seed N]`, what `gatehouse up --demo` serves) against the
// clients that load real Hugging Face repos:
//  1. The files: the same seed gives the same bytes, another seed other weights and nothing else; written fast.
//  2. tokenizer.json through the Hugging Face `tokenizers` binding: the conformance corpus encodes and decodes
//     exactly as `gatehouse tokenize` / `detokenize` do, and the learned merges make English text a few tokens
//     a word.
//  3. The chat template renders as transformers (Python jinja2) and @huggingface/jinja render it, and as Llama 3's.
//  4. The checkpoint: config.json has the fields and model.safetensors the tensor names, shapes and dtype that
//     scripts/make_checkpoint.py writes for the same vocabulary (the reference layout, transformers'); the
//     independent PyTorch forward pass (../conformance/torch_reference.py) reads the weights and decodes greedily
//     the tokens `gatehouse generate` decodes, and its greedy output is not degenerate.
//  5. `gatehouse serve --model DIR` answers a chat completion whose prompt is the oracle's tokens of the rendered
//     template, and whose text is the oracle's decode of the generated tokens.
// Needs /usr/bin/python3 with torch, numpy and jinja2 (`make deps`).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bin, checkTokenizer, require, runJsonl } from './helpers.mjs';
import { post, startServer } from './serve_helpers.mjs';

const PYTHON = '/usr/bin/python3';
const MAKE_CHECKPOINT = fileURLToPath(new URL('../../scripts/make_checkpoint.py', import.meta.url));
const REFERENCE = fileURLToPath(new URL('../conformance/torch_reference.py', import.meta.url));
const RENDER_PY = fileURLToPath(new URL('../conformance/jinja2_render.py', import.meta.url));
const FILES = ['config.json', 'generation_config.json', 'model.safetensors', 'special_tokens_map.json',
  'tokenizer.json', 'tokenizer_config.json'];
const ENGLISH = 'The people who lived in the house were kind, and they liked to work with their hands. ' +
  'Please tell us a story about the model that answers every question.';

let scratch;
let repo;

function writeRepo(out, seed) {
  if (!bin) assert.fail('GATEHOUSE_BIN is not set: build gatehouse and point GATEHOUSE_BIN at the binary');
  const started = process.hrtime.bigint();
  const run = spawnSync(bin, ['demo-repo', '--out', out, ...(seed === undefined ? [] : ['--seed', String(seed)])],
    { encoding: 'utf8' });
  assert.equal(run.status, 0, `gatehouse demo-repo failed: ${run.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const read = (dir, name) => fs.readFileSync(path.join(dir, name));
const readJson = (dir, name) => JSON.parse(read(dir, name).toString('utf8'));

function safetensorsHeader(file) {
  const bytes = fs.readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + length) % 8, 0, 'the data starts 8-byte aligned');
  return { header: JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')), dataBytes: bytes.length - 8 - length };
}

async function oracle() {
  const { Tokenizer } = require('tokenizers');
  return Tokenizer.fromFile(path.join(repo, 'tokenizer.json'));
}

before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-demo-'));
  repo = path.join(scratch, 'repo');
  writeRepo(repo, 0);
});

after(() => fs.rmSync(scratch, { recursive: true, force: true }));

test('the same seed writes the same bytes, another seed other weights only, in well under a second', () => {
  const again = path.join(scratch, 'again');
  const other = path.join(scratch, 'nested', 'other');  // missing parents are created
  const againMs = writeRepo(again);  // --seed defaults to 0
  const otherMs = writeRepo(other, 12345);
  assert.deepEqual(fs.readdirSync(repo).sort(), FILES);
  for (const name of FILES) {
    assert.ok(read(again, name).equals(read(repo, name)), `${name}: identical for the same seed`);
    if (name !== 'model.safetensors') assert.ok(read(other, name).equals(read(repo, name)), `${name}: seed-independent`);
  }
  const a = read(repo, 'model.safetensors');
  const b = read(other, 'model.safetensors');
  assert.equal(a.length, b.length);
  const { dataBytes } = safetensorsHeader(path.join(repo, 'model.safetensors'));
  let same = 0;  // drawn values equal in both (the reserved tokens' rows are zero in both)
  for (let i = a.length - dataBytes; i < a.length; i += 2) same += a.readUInt16LE(i) === b.readUInt16LE(i) && a[i] + a[i + 1] > 0;
  assert.ok(same < dataBytes / 2 / 50, `another seed changes the weights (${same} of ${dataBytes / 2} values equal)`);
  // The process, its start included, on a shared 2-core machine: a generous bound on what takes ~0.1 s.
  assert.ok(Math.max(againMs, otherMs) < 1500, `demo-repo took ${againMs} ms and ${otherMs} ms`);

  // Over an existing repo: files already right are not touched (same inode), the others are replaced.
  const inodes = () => Object.fromEntries(FILES.map((name) => [name, fs.statSync(path.join(again, name)).ino]));
  const first = inodes();
  writeRepo(again, 0);
  assert.deepEqual(inodes(), first);
  writeRepo(again, 12345);
  const second = inodes();
  for (const name of FILES) assert.equal(second[name] !== first[name], name === 'model.safetensors', name);
  assert.ok(read(again, 'model.safetensors').equals(b));
  assert.deepEqual(fs.readdirSync(again).sort(), FILES, 'nothing left behind');
  const blocked = spawnSync(bin, ['demo-repo', '--out', path.join(repo, 'config.json', 'x')], { encoding: 'utf8' });
  assert.equal(blocked.status, 1);
  assert.match(blocked.stderr, /^gatehouse: error: cannot create the demo repo folder .*config\.json\/x: .*choose another folder\n$/);
});

test('demo-repo is internal: --help and the unknown-subcommand message do not list it', () => {
  const help = spawnSync(bin, ['--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /serve/);
  assert.doesNotMatch(help.stdout, /demo-repo/);
  const unknown = spawnSync(bin, ['nope'], { encoding: 'utf8' });
  assert.match(unknown.stderr, /the subcommands are: tokenize, .*serve/);
  assert.doesNotMatch(unknown.stderr, /demo-repo/);
});

test('tokenizer.json: ids and decodes identical to the tokenizers oracle over the conformance corpus', async () => {
  await checkTokenizer(repo, 'demo');
});

test('tokenizer.json: Llama 3\'s layout, and English is a few tokens a word', async () => {
  const tokenizer = readJson(repo, 'tokenizer.json');
  const config = readJson(repo, 'config.json');
  const vocab = Object.keys(tokenizer.model.vocab).length;
  assert.equal(tokenizer.model.type, 'BPE');
  assert.equal(vocab, 768, '256 byte tokens and 512 merged ones');
  assert.ok(tokenizer.model.merges.length >= 512);
  assert.equal(tokenizer.added_tokens.length, 256);
  assert.equal(vocab + tokenizer.added_tokens.length, config.vocab_size);
  const ids = Object.fromEntries(tokenizer.added_tokens.map((t) => [t.content, t.id]));
  // Llama 3's special tokens at Llama 3's offsets from the first (128000 there).
  assert.deepEqual([ids['<|begin_of_text|>'], ids['<|end_of_text|>'], ids['<|start_header_id|>'],
    ids['<|end_header_id|>'], ids['<|eom_id|>'], ids['<|eot_id|>']], [768, 769, 774, 775, 776, 777]);
  assert.equal(config.bos_token_id, 768);
  assert.deepEqual(config.eos_token_id, [769, 776, 777]);
  assert.deepEqual(readJson(repo, 'generation_config.json').eos_token_id, [769, 776, 777]);

  const tok = await oracle();
  const words = ENGLISH.split(' ').length;
  const encoded = await tok.encode(ENGLISH, null, { addSpecialTokens: false });
  assert.ok(encoded.getIds().length < 1.6 * words,
    `${encoded.getIds().length} tokens for ${words} words: ${JSON.stringify(encoded.getTokens())}`);
  for (const word of [' the', ' and', ' model', ' house', ' people']) {
    assert.equal((await tok.encode(word, null, { addSpecialTokens: false })).getIds().length, 1, `${JSON.stringify(word)}`);
  }
  assert.deepEqual((await tok.encode('Hi', null, { addSpecialTokens: true })).getIds().slice(0, 1), [768],
    'the post-processor adds <|begin_of_text|>');
  assert.deepEqual(runJsonl(['tokenize', '--tokenizer', repo, '--jsonl'], [ENGLISH])[0],
    (await tok.encode(ENGLISH)).getIds());
});

test('the chat template renders as transformers and @huggingface/jinja do, in Llama 3\'s format', () => {
  const { Template } = require('@huggingface/jinja');
  const config = readJson(repo, 'tokenizer_config.json');
  assert.equal(config.bos_token, '<|begin_of_text|>');
  assert.equal(config.eos_token, '<|eot_id|>');
  const conversations = [
    [{ role: 'user', content: 'Hello world!' }],
    [{ role: 'system', content: '  Be brief.\n' }, { role: 'user', content: 'What is a gatehouse?' },
      { role: 'assistant', content: 'A house at a gate.' }, { role: 'user', content: 'And here?' }],
    [{ role: 'user', content: [{ type: 'text', text: 'Parts ' }, { type: 'image_url', image_url: { url: 'x' } },
      { type: 'text', text: ' of text' }] }],
  ];
  const requests = [];
  for (const messages of conversations) for (const agp of [false, true]) requests.push({ messages, add_generation_prompt: agp });
  const ours = runJsonl(['chat-template', '--tokenizer', repo, '--jsonl'], requests);
  const context = (r) => ({ ...r, bos_token: config.bos_token, eos_token: config.eos_token });
  const input = requests.map((r) => JSON.stringify({ template: config.chat_template, context: context(r) })).join('\n');
  const python = spawnSync(PYTHON, [RENDER_PY], { input: input + '\n', encoding: 'utf8' });
  assert.equal(python.status, 0, `jinja2_render.py failed (make deps installs python3-jinja2): ${python.stderr}`);
  const pythonTexts = python.stdout.trim().split('\n').map((line) => JSON.parse(line).text);
  for (const [i, request] of requests.entries()) {
    assert.equal(ours[i], pythonTexts[i], `request ${i}: as transformers renders it`);
    assert.equal(ours[i], new Template(config.chat_template).render(structuredClone(context(request))),
      `request ${i}: as @huggingface/jinja renders it`);
  }
  assert.equal(ours[3], '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>' +
    '<|start_header_id|>user<|end_header_id|>\n\nWhat is a gatehouse?<|eot_id|>' +
    '<|start_header_id|>assistant<|end_header_id|>\n\nA house at a gate.<|eot_id|>' +
    '<|start_header_id|>user<|end_header_id|>\n\nAnd here?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n');
  assert.equal(ours[4], '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nPartsof text<|eot_id|>',
    'each text part trimmed, as Llama 3.2 does');
});

test('config.json and model.safetensors have the layout make_checkpoint.py writes for the same vocabulary', () => {
  const reference = path.join(scratch, 'reference');
  const run = spawnSync(PYTHON, [MAKE_CHECKPOINT, '--arch', 'llama', '--out', reference, '--tokenizer-from', repo,
    '--max-position-embeddings', '131072', '--no-tie'], { encoding: 'utf8' });
  assert.equal(run.status, 0, `make_checkpoint.py failed (make deps installs python3-torch): ${run.stderr}`);
  const ours = readJson(repo, 'config.json');
  const theirs = readJson(reference, 'config.json');
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort());
  for (const key of ['architectures', 'model_type', 'hidden_size', 'intermediate_size', 'num_hidden_layers',
    'num_attention_heads', 'num_key_value_heads', 'head_dim', 'vocab_size', 'bos_token_id', 'tie_word_embeddings',
    'torch_dtype', 'hidden_act', 'rms_norm_eps', 'rope_theta', 'max_position_embeddings']) {
    assert.deepEqual(ours[key], theirs[key], `config.json ${key}`);
  }
  assert.deepEqual(ours.rope_scaling, { factor: 32, high_freq_factor: 4, low_freq_factor: 1,
    original_max_position_embeddings: 8192, rope_type: 'llama3' }, 'Llama 3.2\'s rope scaling');
  const a = safetensorsHeader(path.join(repo, 'model.safetensors'));
  const b = safetensorsHeader(path.join(reference, 'model.safetensors'));
  assert.deepEqual(a.header, b.header, 'tensor names, order, dtypes, shapes and offsets');
  assert.equal(a.dataBytes, b.dataBytes);

  // The reserved special tokens' rows are zero (untrained, as in Llama 3), the others drawn.
  const bytes = read(repo, 'model.safetensors');
  const row = (tensor, id) => {
    const start = bytes.length - a.dataBytes + a.header[tensor].data_offsets[0] + id * ours.hidden_size * 2;
    return bytes.subarray(start, start + ours.hidden_size * 2);
  };
  const reserved = readJson(repo, 'tokenizer.json').added_tokens.filter((t) => t.content.includes('reserved'));
  assert.equal(reserved.length, 248);
  for (const tensor of ['model.embed_tokens.weight', 'lm_head.weight']) {
    for (const { id } of reserved) assert.ok(row(tensor, id).every((byte) => byte === 0), `${tensor} row ${id}`);
    for (const id of [0, 767, 768, 777]) assert.ok(row(tensor, id).some((byte) => byte !== 0), `${tensor} row ${id}`);
  }
});

test('the PyTorch reference reads the weights and decodes greedily what gatehouse generate decodes', async () => {
  const steps = 16;
  const prompt = (await (await oracle()).encode('Once upon a time there was a small house')).getIds();
  const reference = spawnSync(PYTHON, [REFERENCE, '--model', repo, '--prompt-ids', prompt.join(','),
    '--max-tokens', String(steps), '--top-logprobs', '1'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(reference.status, 0, `torch_reference.py failed: ${reference.stderr}`);
  const expected = JSON.parse(reference.stdout.split('\n')[0]);
  const run = spawnSync(bin, ['generate', '--model', repo, '--prompt-ids', prompt.join(','), '--max-tokens',
    String(steps), '--temperature', '0', '--ignore-eos', '--logprobs', '1', '--json'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const ours = JSON.parse(run.stdout.trim().split('\n')[0]);
  // bf16 weights: rounding flips make logprobs differ by up to ~0.06 (engine_reference.test.mjs), so tokens are
  // compared while the reference's top-2 gap is at least 0.1.
  let compared = 0;
  for (; compared < steps && expected.top2_gaps[compared] >= 0.1; ++compared) {
    assert.equal(ours.token_ids[compared], expected.token_ids[compared], `step ${compared}`);
    assert.ok(Math.abs(ours.logprobs[compared].logprob - expected.logprobs[compared].logprob) < 0.1, `step ${compared}`);
  }
  assert.ok(compared >= 4, `only ${compared} steps were far enough from a tie to compare: ${expected.top2_gaps}`);
  const distinct = new Set(expected.token_ids).size;
  assert.ok(distinct >= steps * 3 / 4, `greedy decoding repeats itself: ${expected.token_ids}`);
});

test('gatehouse serve --model DIR answers a chat completion in Llama 3\'s format', async () => {
  const server = await startServer(['--model', repo, '--served-model-name', 'meta-llama/Llama-3.2-1B-Instruct',
    '--max-model-len', '4096', '--return-tokens-as-token-ids']);
  try {
    const messages = [{ role: 'user', content: 'Hello! Tell me a story about a house.' }];
    const answer = await post(`${server.url}/v1/chat/completions`, {
      model: 'meta-llama/Llama-3.2-1B-Instruct', messages, max_tokens: 12, temperature: 0, logprobs: true,
    });
    assert.equal(answer.status, 200, answer.text);
    const tok = await oracle();
    const config = readJson(repo, 'tokenizer_config.json');
    const { Template } = require('@huggingface/jinja');
    const rendered = new Template(config.chat_template).render({ messages, add_generation_prompt: true,
      bos_token: config.bos_token, eos_token: config.eos_token });
    const promptIds = (await tok.encode(rendered, null, { addSpecialTokens: false })).getIds();
    assert.equal(promptIds[0], 768, 'one <|begin_of_text|>, from the template');
    assert.equal(promptIds.filter((id) => id === 768).length, 1);
    assert.equal(answer.json.usage.prompt_tokens, promptIds.length);
    const [choice] = answer.json.choices;
    const ids = choice.logprobs.content.map((entry) => Number(entry.token.replace(/^token_id:/, '')));
    assert.equal(ids.length, answer.json.usage.completion_tokens);
    assert.ok(ids.length >= 1 && ids.length <= 12);
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.message.content, await tok.decode(ids, true));
    if (choice.finish_reason === 'stop') assert.ok([769, 776, 777].includes(ids.at(-1)), 'stopped at an eos id');
  } finally {
    await server.stop();
  }
});
