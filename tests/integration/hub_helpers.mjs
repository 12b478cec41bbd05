// Shared by the Hub tests: a repo root on disk, the gatehouse mirror started on a free port (and
// stopped by the test), and gatehouse commands run against it with a private cache.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bin } from './helpers.mjs';

// Tokens in the mirror's format: hf_ and 34 or more letters and digits.
export const ALLOWED_TOKEN = 'hf_' + 'Allowed0123456789abcdefghijklmnopqrstu';
export const OTHER_TOKEN = 'hf_' + 'Other00123456789abcdefghijklmnopqrstuv';
export const UNKNOWN_TOKEN = 'hf_' + 'Unknown123456789abcdefghijklmnopqrstuv';

export function tempDir(label) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `gatehouse-${label}-`));
}

// Writes files {relativePath: contents} under root/repoPath.
export function writeRepo(root, repoPath, files) {
  for (const [name, contents] of Object.entries(files)) {
    const target = path.join(root, repoPath, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, contents);
  }
}

// meta-llama/Llama-2-7b-hf with the original LLaMA tokenizer (converted from llama-tokenizer-js).
export function writeLlama2Repo(root) {
  const folder = path.join(root, 'meta-llama', 'Llama-2-7b-hf');
  const converter = fileURLToPath(new URL('../../scripts/convert_llama_tokenizer.mjs', import.meta.url));
  const run = spawnSync(process.execPath, [converter, folder], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`convert_llama_tokenizer failed: ${run.stderr}`);
  return folder;
}

// Starts `gatehouse hub serve` with `args`; resolves to {url, port, process, stop()} once it listens.
export async function startMirror(args, env = {}) {
  const child = spawn(bin, ['hub', 'serve', '--port', '0', ...args], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const url = await new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = stdout.match(/listening on (http:\/\/[^\s]+)/);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`gatehouse hub serve exited ${code}: ${stderr}`)));
  });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', resolve);
    child.kill('SIGTERM');
  });
  return { url, port: Number(new URL(url).port), process: child, stop, stderr: () => stderr };
}

// Runs gatehouse with a private cache and HF_ENDPOINT at `endpoint`; returns {status, stdout, stderr}.
export function runGatehouse(args, { endpoint, cache, token, env = {}, input } = {}) {
  const environment = { ...process.env, HF_HUB_CACHE: cache, HF_HOME: path.join(cache, 'home'), ...env };
  delete environment.HF_TOKEN;
  delete environment.HUGGING_FACE_HUB_TOKEN;
  if (endpoint) environment.HF_ENDPOINT = endpoint;
  if (token) environment.HF_TOKEN = token;
  return spawnSync(bin, args, { env: environment, encoding: 'utf8', input, maxBuffer: 1 << 26 });
}
