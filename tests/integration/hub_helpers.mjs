// Shared by the Hub tests: a repo root on disk, the gatehouse mirror started on a free port (and
// stopped by the test), and gatehouse commands run against it with a private cache.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

import { bin, startListening } from './helpers.mjs';

// Tokens in the mirror's format: hf_ and 34 or more letters and digits.
export const ALLOWED_TOKEN = 'hf_' + 'Allowed0123456789abcdefghijklmnopqrstu';
export const OTHER_TOKEN = 'hf_' + 'Other00123456789abcdefghijklmnopqrstuv';
export const UNKNOWN_TOKEN = 'hf_' + 'Unknown123456789abcdefghijklmnopqrstuv';

export function tempDir(label) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `gatehouse-${label}-`));
}

const scratchDirs = [];
after(() => {
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
});
// A temporary folder, removed when the test file is done.
export function scratch(label) {
  const dir = tempDir(label);
  scratchDirs.push(dir);
  return dir;
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

// Starts `gatehouse hub serve --port 0 ARGS` (see startListening).
export function startMirror(args, env = {}) {
  return startListening(['hub', 'serve', '--port', '0', ...args], { env });
}

function gatehouseEnvironment({ endpoint, cache, token, env = {} }) {
  const environment = { ...process.env, HF_HUB_CACHE: cache, HF_HOME: path.join(cache, 'home'), ...env };
  delete environment.HF_TOKEN;
  delete environment.HUGGING_FACE_HUB_TOKEN;
  if (endpoint) environment.HF_ENDPOINT = endpoint;
  if (token) environment.HF_TOKEN = token;
  return environment;
}

// Runs gatehouse with a private cache and HF_ENDPOINT at `endpoint`; returns {status, stdout, stderr}.
export function runGatehouse(args, { endpoint, cache, token, env = {}, input } = {}) {
  const environment = gatehouseEnvironment({ endpoint, cache, token, env });
  return spawnSync(bin, args, { env: environment, encoding: 'utf8', input, maxBuffer: 1 << 26 });
}

// runGatehouse without blocking the event loop: needed when something the command talks to (a recording proxy, a
// fake server) runs in the test process itself. Resolves to {status, stdout, stderr}.
export function runGatehouseAsync(args, { endpoint, cache, token, env = {}, input } = {}) {
  const environment = gatehouseEnvironment({ endpoint, cache, token, env });
  return runProcess(bin, args, { env: environment, input });
}

// Runs a command without blocking the event loop; resolves to {status, signal, stdout, stderr}.
export function runProcess(command, args, { env = process.env, input, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, stdout, stderr }); });
    child.stdin.end(input ?? '');
  });
}

// An HTTP proxy on 127.0.0.1 in front of `target` (a base URL) that forwards every request unchanged (Host
// included, so absolute URLs the target builds point back at the proxy) and records it: {method, url, headers}.
// Resolves to {url, requests, stop()}.
export async function startRecordingProxy(target) {
  const upstream = new URL(target);
  const requests = [];
  const server = http.createServer((request, response) => {
    requests.push({ method: request.method, url: request.url, headers: { ...request.headers } });
    const forwarded = http.request({
      host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers,
    }, (answer) => {
      response.writeHead(answer.statusCode, answer.rawHeaders);
      answer.pipe(response);
    });
    forwarded.on('error', (error) => {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`recording proxy: ${error.message}`);
    });
    request.pipe(forwarded);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const stop = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return { url, requests, stop };
}
