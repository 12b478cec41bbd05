// The Hub client (`gatehouse download`) against the Hub-compatible mirror (`gatehouse hub serve`):
// the huggingface_hub cache layout it writes, filters, offline mode, the errors a user can act on,
// resumption and verification when the network misbehaves, two processes racing on one blob, and
// the mirror's HTTP surface as curl and fetch see it. Everything runs on 127.0.0.1; every server and
// process started here is stopped here.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

import { bin } from './helpers.mjs';
import { ALLOWED_TOKEN, runGatehouse, startMirror, tempDir, writeRepo } from './hub_helpers.mjs';

const MiB = 1 << 20;

// Mirrors this file started; if the runner dies before the after() hooks (a signal, a fatal
// error such as EPIPE on a closed output), they are still stopped.
const mirrors = new Set();
function killMirrors() {
  for (const m of mirrors) if (m.process.exitCode === null && m.process.signalCode === null) m.process.kill('SIGTERM');
}
process.on('exit', killMirrors);
process.on('uncaughtExceptionMonitor', killMirrors); // e.g. EPIPE when the runner's output is closed
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.once(signal, () => {
    killMirrors();
    process.kill(process.pid, signal);
  });
}
async function startTrackedMirror(args) {
  const m = await startMirror(args);
  mirrors.add(m);
  return m;
}

// Temporary folders, removed at the end unless GATEHOUSE_KEEP_TMP is set (to look at a failure).
const scratchDirs = [];
function scratch(label) {
  const dir = tempDir(label);
  scratchDirs.push(dir);
  return dir;
}

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
// The git blob id the Hub gives regular files: sha1("blob <size>\0" + data).
const gitSha1 = (data) => crypto.createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');

// Files of the main test repo. The .safetensors file is LFS by extension and by size.
const weights = crypto.randomBytes(12 * MiB);
const mainFiles = {
  'config.json': JSON.stringify({ architectures: ['LlamaForCausalLM'], hidden_size: 64 }, null, 2),
  'tokenizer_config.json': JSON.stringify({ bos_token: '<s>', eos_token: '</s>' }),
  'nested/deeper/extra.json': JSON.stringify({ nested: true }),
  'model.safetensors': weights,
};
// Files of the filter repo: json at two depths, text, and a small LFS-by-extension file.
const filterFiles = {
  'a.json': '{"a": 1}',
  'sub/b.json': '{"b": 2}',
  'sub/c.txt': 'plain text\n',
  'readme.md': '# filter repo\n',
  'weights.bin': crypto.randomBytes(4096),
};
const datasetFiles = { 'data/train.jsonl': '{"text": "hello"}\n{"text": "world"}\n', 'README.md': '# dataset\n' };
const bigFile = crypto.randomBytes(4 * MiB);
const hugeFile = Buffer.alloc(64 * MiB, 7);  // more than the socket buffers hold
const SECRET = `TOP-SECRET-${crypto.randomBytes(8).toString('hex')}`;

const blobName = (name, data) => (name.endsWith('.safetensors') || name.endsWith('.bin') ? sha256(data) : gitSha1(data));

let root; // the mirror's root; a secret file lies next to it
let mirror;

before(async () => {
  assert.ok(bin, 'GATEHOUSE_BIN must point at the gatehouse binary');
  const base = scratch('hub-download');
  root = path.join(base, 'root');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(base, 'secret.txt'), SECRET);
  writeRepo(root, 'org/name', mainFiles);
  writeRepo(root, 'org/filters', filterFiles);
  writeRepo(root, 'datasets/org/data', datasetFiles);
  writeRepo(root, 'org/big', { 'big.bin': bigFile });
  writeRepo(root, 'org/huge', { 'huge.bin': hugeFile });
  writeRepo(root, 'org/revs', { 'a.txt': 'main\n', '.revisions/v1.0/a.txt': 'v1\n', '.revisions/refs/pr/1/a.txt': 'pr\n' });
  mirror = await startTrackedMirror(['--root', root]);
});

after(async () => {
  if (mirror) await mirror.stop();
  if (!process.env.GATEHOUSE_KEEP_TMP) {
    for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------------------------------------------
// Helpers

async function repoCommit(url, repo, type = 'models') {
  const response = await fetch(`${url}/api/${type}/${repo}`);
  assert.equal(response.status, 200, `GET /api/${type}/${repo}`);
  const info = await response.json();
  assert.match(info.sha, /^[0-9a-f]{40}$/);
  return info.sha;
}

// `gatehouse download` asynchronously (runGatehouse is synchronous); resolves to {status, signal, stdout, stderr}.
function runGatehouseAsync(args, { endpoint, cache, env = {} }) {
  const environment = { ...process.env, HF_HUB_CACHE: cache, HF_HOME: path.join(cache, 'home'), ...env };
  delete environment.HF_TOKEN;
  delete environment.HUGGING_FACE_HUB_TOKEN;
  if (endpoint) environment.HF_ENDPOINT = endpoint;
  const child = spawn(bin, args, { env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  return new Promise((resolve) => {
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

function expectSuccess(run, what) {
  assert.equal(run.error, undefined, `${what}: ${run.error}`);
  assert.equal(run.status, 0, `${what} exited ${run.status} (signal ${run.signal}): ${run.stderr}`);
  return run.stdout.trim();
}

// A failure a user can act on: exit code 1 (a gatehouse::Error), not a crash or a signal.
function expectFailure(run, what) {
  assert.equal(run.error, undefined, `${what}: ${run.error}`);
  assert.equal(run.signal, null, `${what} was killed by ${run.signal}: ${run.stderr}`);
  assert.equal(run.status, 1, `${what}: expected exit code 1, got ${run.status}; stdout ${run.stdout}; stderr ${run.stderr}`);
  assert.ok(run.stderr.trim().length > 0, `${what}: no message on stderr`);
  return run.stderr;
}

const repoFolder = (cache, repo, type = 'models') => path.join(cache, `${type}--${repo.replace('/', '--')}`);

// Every file below `dir`, as paths relative to it ('/'-separated), symlinks included.
function listFiles(dir, prefix = '') {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(path.join(dir, entry.name), relative));
    else out.push(relative);
  }
  return out.sort();
}

const blobsOf = (folder) => (fs.existsSync(path.join(folder, 'blobs')) ? fs.readdirSync(path.join(folder, 'blobs')).sort() : []);

// A free port with nothing listening on it.
async function deadPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// An HTTP server that records requests and answers 500: for checks that no request is sent at all.
async function startRecorder() {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(500).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

// Fault-injection stand-in: the real mirror does not misbehave, so this proxy sits between
// `gatehouse download` and the mirror and breaks responses on purpose. `plan(request, log)` returns
// what to do with one request: {} to forward it unchanged, {cutAfter: n} to forward the response
// head and n body bytes then drop the connection, {flipAt: i} to invert body byte i, {delayMs: n}
// to wait before forwarding, or {respond: (res) => ...} to answer itself.
async function startFaultProxy(upstreamUrl, plan = () => ({})) {
  const upstream = new URL(upstreamUrl);
  const log = [];
  const server = http.createServer((req, res) => {
    const entry = { method: req.method, url: req.url, range: req.headers.range };
    log.push(entry);
    const action = plan(entry, log) || {};
    if (action.respond) {
      action.respond(res);
      return;
    }
    const forward = () => {
      const outgoing = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (incoming) => {
          res.writeHead(incoming.statusCode, incoming.headers);
          let sent = 0;
          let cut = false;
          incoming.on('data', (chunk) => {
            if (cut) return;
            if (action.flipAt !== undefined && action.flipAt >= sent && action.flipAt < sent + chunk.length) {
              chunk = Buffer.from(chunk);
              chunk[action.flipAt - sent] ^= 0xff;
            }
            if (action.cutAfter !== undefined && sent + chunk.length >= action.cutAfter) {
              cut = true;
              const part = chunk.subarray(0, action.cutAfter - sent);
              sent += part.length;
              entry.sentBeforeCut = sent;
              incoming.destroy();
              res.write(part, () => res.socket.destroy());
              return;
            }
            sent += chunk.length;
            res.write(chunk);
          });
          incoming.on('end', () => { if (!cut) res.end(); });
          incoming.on('error', () => res.destroy());
        });
      outgoing.on('error', () => res.destroy());
      req.pipe(outgoing);
    };
    if (action.delayMs) setTimeout(forward, action.delayMs);
    else forward();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    log,
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

// One curl request; returns {status, headers (lower-case names; repeated ones joined by ", "), body}.
function curl(url, { method = 'GET', headers = {}, pathAsIs = false } = {}) {
  const bodyFile = path.join(tempDir('curl'), 'body');
  const args = ['-s', '-S', '--max-time', '20', '-D', '-', '-o', bodyFile];
  if (method === 'HEAD') args.push('-I');
  else if (method !== 'GET') args.push('-X', method);
  if (pathAsIs) args.push('--path-as-is');
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  args.push(url);
  const run = spawnSync('curl', args, { encoding: 'latin1' });
  assert.equal(run.status, 0, `curl ${args.join(' ')}: ${run.stderr}`);
  const blocks = run.stdout.split(/\r?\n\r?\n/).filter((block) => block.startsWith('HTTP/'));
  const lines = blocks[blocks.length - 1].split(/\r?\n/);
  const status = Number(lines[0].split(' ')[1]);
  const parsed = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    parsed[name] = parsed[name] === undefined ? value : `${parsed[name]}, ${value}`;
  }
  const body = fs.existsSync(bodyFile) ? fs.readFileSync(bodyFile) : Buffer.alloc(0);
  fs.rmSync(path.dirname(bodyFile), { recursive: true, force: true });
  return { status, headers: parsed, body };
}

// ------------------------------------------------------------------------------------------------
// 1. Snapshot download and the cache layout

describe('snapshot download into the huggingface_hub cache layout', () => {
  let cache;
  let commit;
  let printed;

  before(async () => {
    cache = scratch('cache-snapshot');
    commit = await repoCommit(mirror.url, 'org/name');
  });

  test('prints snapshots/<commit> and writes refs/main with the mirror\'s sha', () => {
    const run = runGatehouse(['download', 'org/name', '--quiet'], { endpoint: mirror.url, cache });
    printed = expectSuccess(run, 'download org/name');
    const folder = repoFolder(cache, 'org/name');
    assert.equal(printed, path.join(folder, 'snapshots', commit));
    const ref = fs.readFileSync(path.join(folder, 'refs', 'main'), 'utf8');
    assert.equal(ref, commit, 'refs/main must hold the 40-hex commit with no newline');
  });

  test('snapshot entries are relative symlinks to blobs named by git sha1 / sha256', () => {
    assert.ok(printed, 'the download above must have succeeded');
    const folder = repoFolder(cache, 'org/name');
    const snapshot = path.join(folder, 'snapshots', commit);
    assert.deepEqual(listFiles(snapshot), Object.keys(mainFiles).sort());
    const expectedBlobs = new Set();
    for (const [name, contents] of Object.entries(mainFiles)) {
      const data = Buffer.from(contents);
      const etag = blobName(name, data);
      expectedBlobs.add(etag);
      const entry = path.join(snapshot, name);
      assert.ok(fs.lstatSync(entry).isSymbolicLink(), `${name} must be a symlink`);
      const depth = name.split('/').length - 1;
      assert.equal(fs.readlinkSync(entry), '../'.repeat(depth + 2) + 'blobs/' + etag, `symlink target of ${name}`);
      assert.ok(fs.readFileSync(entry).equals(data), `contents of ${name}`);
      assert.ok(fs.existsSync(path.join(cache, '.locks', 'models--org--name', `${etag}.lock`)), `lock file for ${name}`);
    }
    assert.equal(blobName('model.safetensors', weights).length, 64);
    assert.deepEqual(blobsOf(folder), [...expectedBlobs].sort(), 'blobs/ holds exactly the expected etags, nothing .incomplete');
  });

  test('a second run does not download again', () => {
    assert.ok(printed, 'the download above must have succeeded');
    const blobs = path.join(repoFolder(cache, 'org/name'), 'blobs');
    const before = Object.fromEntries(blobsOf(repoFolder(cache, 'org/name')).map((b) => [b, fs.statSync(path.join(blobs, b)).mtimeMs]));
    const run = runGatehouse(['download', 'org/name', '--quiet'], { endpoint: mirror.url, cache });
    assert.equal(expectSuccess(run, 'second download'), printed);
    const afterRun = Object.fromEntries(blobsOf(repoFolder(cache, 'org/name')).map((b) => [b, fs.statSync(path.join(blobs, b)).mtimeMs]));
    assert.deepEqual(afterRun, before, 'blob mtimes must not change');
  });
});

// ------------------------------------------------------------------------------------------------
// 2. Filters, file arguments, --local-dir, datasets

describe('filters, file arguments, --local-dir and --repo-type', () => {
  let commit;
  before(async () => { commit = await repoCommit(mirror.url, 'org/filters'); });

  const snapshotOf = (cache) => path.join(repoFolder(cache, 'org/filters'), 'snapshots', commit);

  test("--include '*.json' matches nested files too", () => {
    const cache = scratch('cache-include');
    const run = runGatehouse(['download', 'org/filters', '--include', '*.json', '--quiet'], { endpoint: mirror.url, cache });
    assert.equal(expectSuccess(run, 'download --include *.json'), snapshotOf(cache));
    assert.deepEqual(listFiles(snapshotOf(cache)), ['a.json', 'sub/b.json']);
    assert.equal(blobsOf(repoFolder(cache, 'org/filters')).length, 2, 'only the included files are downloaded');
  });

  test('--exclude wins over --include', () => {
    const cache = scratch('cache-exclude');
    let run = runGatehouse(['download', 'org/filters', '--include', '*.json', '--exclude', 'sub/*', '--quiet'],
      { endpoint: mirror.url, cache });
    expectSuccess(run, 'download --include *.json --exclude sub/*');
    assert.deepEqual(listFiles(snapshotOf(cache)), ['a.json']);
    run = runGatehouse(['download', 'org/filters', '--include', '*.json', '--exclude', '*.json', '--quiet'],
      { endpoint: mirror.url, cache: scratch('cache-exclude-all') });
    const printed = expectSuccess(run, 'download --include *.json --exclude *.json');
    assert.deepEqual(fs.existsSync(printed) ? listFiles(printed) : [], []);
    run = runGatehouse(['download', 'org/filters', '--exclude', '*.bin', '--exclude', '*.md', '--quiet'],
      { endpoint: mirror.url, cache: scratch('cache-exclude-two') });
    assert.deepEqual(listFiles(expectSuccess(run, 'download --exclude *.bin --exclude *.md')), ['a.json', 'sub/b.json', 'sub/c.txt']);
  });

  test('one file prints the file\'s path', () => {
    const cache = scratch('cache-one');
    const run = runGatehouse(['download', 'org/filters', 'sub/c.txt', '--quiet'], { endpoint: mirror.url, cache });
    const printed = expectSuccess(run, 'download org/filters sub/c.txt');
    assert.equal(printed, path.join(snapshotOf(cache), 'sub', 'c.txt'));
    assert.equal(fs.readFileSync(printed, 'utf8'), filterFiles['sub/c.txt']);
    assert.deepEqual(listFiles(snapshotOf(cache)), ['sub/c.txt']);
  });

  test('several files print the snapshot folder', () => {
    const cache = scratch('cache-several');
    const run = runGatehouse(['download', 'org/filters', 'a.json', 'sub/b.json', '--quiet'], { endpoint: mirror.url, cache });
    const printed = expectSuccess(run, 'download org/filters a.json sub/b.json');
    assert.deepEqual(listFiles(snapshotOf(cache)), ['a.json', 'sub/b.json']);
    assert.equal(printed, snapshotOf(cache), 'like hf download, several files print the snapshot folder');
  });

  test('--local-dir gets real files, not symlinks', () => {
    const cache = scratch('cache-local');
    // Nested, so that a write that escapes the folder (say to out/../../blobs/) lands where we see it.
    const base = scratch('local-dir');
    const local = path.join(base, 'x', 'y', 'out');
    const run = runGatehouse(['download', 'org/filters', '--local-dir', local, '--quiet'], { endpoint: mirror.url, cache });
    assert.equal(expectSuccess(run, 'download --local-dir'), local);
    const escaped = listFiles(base).filter((f) => !f.startsWith('x/y/out/'));
    assert.deepEqual(escaped, [], 'nothing may be written outside --local-dir');
    assert.deepEqual(listFiles(local).filter((f) => !f.startsWith('.cache/')), Object.keys(filterFiles).sort());
    for (const [name, contents] of Object.entries(filterFiles)) {
      const file = path.join(local, name);
      assert.ok(fs.lstatSync(file).isFile() && !fs.lstatSync(file).isSymbolicLink(), `${name} must be a real file`);
      assert.ok(fs.readFileSync(file).equals(Buffer.from(contents)), `contents of ${name}`);
    }
    // One file into a local dir.
    const single = path.join(scratch('local-one'), 'out');
    const one = runGatehouse(['download', 'org/filters', 'sub/b.json', '--local-dir', single, '--quiet'],
      { endpoint: mirror.url, cache: scratch('cache-local-one') });
    expectSuccess(one, 'download one file --local-dir');
    const file = path.join(single, 'sub', 'b.json');
    assert.ok(fs.lstatSync(file).isFile() && !fs.lstatSync(file).isSymbolicLink());
    assert.equal(fs.readFileSync(file, 'utf8'), filterFiles['sub/b.json']);
  });

  test('--repo-type dataset reads DIR/datasets/org/name into datasets--org--name', async () => {
    const cache = scratch('cache-dataset');
    const datasetCommit = await repoCommit(mirror.url, 'org/data', 'datasets');
    const run = runGatehouse(['download', 'org/data', '--repo-type', 'dataset', '--quiet'], { endpoint: mirror.url, cache });
    const printed = expectSuccess(run, 'download --repo-type dataset');
    const folder = repoFolder(cache, 'org/data', 'datasets');
    assert.equal(printed, path.join(folder, 'snapshots', datasetCommit));
    assert.equal(fs.readFileSync(path.join(folder, 'refs', 'main'), 'utf8'), datasetCommit);
    assert.deepEqual(listFiles(printed), Object.keys(datasetFiles).sort());
    for (const [name, contents] of Object.entries(datasetFiles)) {
      assert.equal(fs.readFileSync(path.join(printed, name), 'utf8'), contents);
      assert.equal(fs.readlinkSync(path.join(printed, name)),
        '../'.repeat(name.split('/').length + 1) + 'blobs/' + gitSha1(Buffer.from(contents)));
    }
    // The same id as a model does not exist.
    const model = runGatehouse(['download', 'org/data', '--quiet'], { endpoint: mirror.url, cache });
    assert.match(expectFailure(model, 'download org/data as a model'), /not found/i);
  });
});

// ------------------------------------------------------------------------------------------------
// 3. Offline mode

describe('revisions: branches and pull requests under .revisions/', () => {
  test('--revision picks the folder of that revision, refs/ records its commit, and each has its own commit', async () => {
    const cache = scratch('cache-revs');
    const main = await repoCommit(mirror.url, 'org/revs');
    const info = await (await fetch(`${mirror.url}/api/models/org/revs/revision/v1.0`)).json();
    assert.notEqual(info.sha, main);
    const run = runGatehouse(['download', 'org/revs', '--revision', 'v1.0', '--quiet'], { endpoint: mirror.url, cache });
    const snapshot = expectSuccess(run, 'download --revision v1.0');
    assert.equal(snapshot, path.join(repoFolder(cache, 'org/revs'), 'snapshots', info.sha));
    assert.equal(fs.readFileSync(path.join(snapshot, 'a.txt'), 'utf8'), 'v1\n');
    assert.equal(fs.readFileSync(path.join(repoFolder(cache, 'org/revs'), 'refs', 'v1.0'), 'utf8'), info.sha);
    const pr = runGatehouse(['download', 'org/revs', 'a.txt', '--revision', 'refs/pr/1', '--quiet'], { endpoint: mirror.url, cache });
    assert.equal(fs.readFileSync(expectSuccess(pr, 'download --revision refs/pr/1'), 'utf8'), 'pr\n');
    assert.ok(fs.existsSync(path.join(repoFolder(cache, 'org/revs'), 'refs', 'refs', 'pr', '1')), 'nested ref for refs/pr/1');
    const refs = await (await fetch(`${mirror.url}/api/models/org/revs/refs?include_prs=1`)).json();
    assert.deepEqual(refs.branches.map((b) => b.name), ['main', 'v1.0']);
    assert.deepEqual(refs.pullRequests.map((b) => b.ref), ['refs/pr/1']);
    const byCommit = await fetch(`${mirror.url}/org/revs/resolve/${info.sha}/a.txt`);
    assert.equal(await byCommit.text(), 'v1\n');
  });
});

describe('HF_HUB_OFFLINE', () => {
  test('serves a downloaded snapshot and file with the mirror stopped; fails clearly for what is missing', async () => {
    const offlineRoot = scratch('offline-root');
    writeRepo(offlineRoot, 'org/off', { 'config.json': '{"offline": true}', 'sub/x.txt': 'x\n' });
    const own = await startTrackedMirror(['--root', offlineRoot]);
    const cache = scratch('cache-offline');
    let online;
    let onlineFile;
    try {
      online = expectSuccess(runGatehouse(['download', 'org/off', '--quiet'], { endpoint: own.url, cache }), 'online download');
      onlineFile = expectSuccess(runGatehouse(['download', 'org/off', 'sub/x.txt', '--quiet'], { endpoint: own.url, cache }),
        'online file download');
    } finally {
      await own.stop();
    }
    const env = { HF_HUB_OFFLINE: '1' };
    const snapshot = runGatehouse(['download', 'org/off', '--quiet'], { endpoint: own.url, cache, env });
    assert.equal(expectSuccess(snapshot, 'offline snapshot'), online);
    const file = runGatehouse(['download', 'org/off', 'sub/x.txt', '--quiet'], { endpoint: own.url, cache, env });
    assert.equal(expectSuccess(file, 'offline file'), onlineFile);
    assert.equal(fs.readFileSync(onlineFile, 'utf8'), 'x\n');

    const never = runGatehouse(['download', 'org/never', '--quiet'], { endpoint: own.url, cache, env });
    const message = expectFailure(never, 'offline snapshot of a repo never downloaded');
    assert.match(message, /HF_HUB_OFFLINE/);
    assert.match(message, /cache/i);
    const neverFile = runGatehouse(['download', 'org/never', 'config.json', '--quiet'], { endpoint: own.url, cache, env });
    const fileMessage = expectFailure(neverFile, 'offline file of a repo never downloaded');
    assert.match(fileMessage, /HF_HUB_OFFLINE/);
    assert.match(fileMessage, /cache/i);
    const missing = runGatehouse(['download', 'org/off', 'not-there.json', '--quiet'], { endpoint: own.url, cache, env });
    assert.match(expectFailure(missing, 'offline file never downloaded from a cached repo'), /HF_HUB_OFFLINE/);
  });
});

// ------------------------------------------------------------------------------------------------
// 4. Errors a user can act on

describe('errors a user can act on', () => {
  test('unknown repo', () => {
    const run = runGatehouse(['download', 'org/does-not-exist', '--quiet'], { endpoint: mirror.url, cache: scratch('cache-err') });
    assert.match(expectFailure(run, 'download org/does-not-exist'), /not found/i);
    const withToken = runGatehouse(['download', 'org/does-not-exist', 'config.json', '--quiet'],
      { endpoint: mirror.url, cache: scratch('cache-err'), token: ALLOWED_TOKEN });
    const message = expectFailure(withToken, 'download org/does-not-exist config.json with a token');
    assert.match(message, /not found/i);
    assert.ok(!message.includes(ALLOWED_TOKEN), 'the token must never be printed');
  });

  test('a full disk fails the download with a clear error and leaves no partial file', () => {
    // A file-size limit (ulimit -f, in 1 KiB blocks) makes writes fail past 2 MiB as a full disk would.
    const cache = scratch('cache-full');
    const run = spawnSync('bash', ['-c', 'ulimit -f 2048; exec "$0" "$@"', bin, 'download', 'org/name', 'model.safetensors',
      '--quiet'], { env: { ...process.env, HF_ENDPOINT: mirror.url, HF_HUB_CACHE: cache, HF_HOME: path.join(cache, 'home') },
      encoding: 'utf8' });
    assert.equal(run.signal, null, 'the process must not be killed by SIGXFSZ');
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /writing .* failed: File too large/);
    const folder = repoFolder(cache, 'org/name');
    assert.deepEqual(blobsOf(folder), [], 'no blob and no .incomplete file may be left');
    assert.deepEqual(fs.existsSync(path.join(folder, 'snapshots')) ? listFiles(path.join(folder, 'snapshots')) : [], []);
  });

  test('unknown revision', () => {
    const cache = scratch('cache-err');
    const run = runGatehouse(['download', 'org/name', '--revision', 'no-such-branch', '--quiet'], { endpoint: mirror.url, cache });
    assert.match(expectFailure(run, 'download --revision no-such-branch'), /revision/i);
    const file = runGatehouse(['download', 'org/name', 'config.json', '--revision', 'no-such-branch', '--quiet'],
      { endpoint: mirror.url, cache });
    assert.match(expectFailure(file, 'download config.json --revision no-such-branch'), /revision/i);
  });

  test('missing file', () => {
    const run = runGatehouse(['download', 'org/name', 'missing.json', '--quiet'], { endpoint: mirror.url, cache: scratch('cache-err') });
    assert.match(expectFailure(run, 'download org/name missing.json'), /not found/i);
  });

  test('a server that is down: a clear message, quickly', async (t) => {
    const port = await deadPort();
    const started = Date.now();
    const run = runGatehouse(['download', 'org/name', '--quiet'], { endpoint: `http://127.0.0.1:${port}`, cache: scratch('cache-down') });
    const seconds = (Date.now() - started) / 1000;
    const message = expectFailure(run, 'download from a dead endpoint');
    assert.match(message, /could not be reached|cannot reach|unreachable|connect/i);
    assert.ok(message.includes(String(port)), `the message should name the endpoint: ${message}`);
    assert.ok(seconds < 30, `took ${seconds.toFixed(1)} s`);
    t.diagnostic(`dead endpoint answered in ${seconds.toFixed(1)} s`);
    const file = runGatehouse(['download', 'org/name', 'config.json', '--quiet'],
      { endpoint: `http://127.0.0.1:${port}`, cache: scratch('cache-down') });
    assert.match(expectFailure(file, 'file download from a dead endpoint'), /could not be reached/i);
  });

  test('invalid repo ids and traversal are rejected before any request', async () => {
    const recorder = await startRecorder();
    try {
      const cache = scratch('cache-invalid');
      const cases = [
        ['../../etc'], ['a/b/c'], ['/abs/x'], ['a/%2e%2e'], ['a/..'], ['..'], ['a\\b'], [''],
        ['org/name', '../../etc/passwd'], ['org/name', '/etc/passwd'], ['org/name', 'a/../../x'], ['org/name', 'a//b'],
        ['org/name', '--revision', '../x'], ['org/name', 'config.json', '--revision', '..'],
        ['org/name', '--repo-type', 'dataset', '--revision', 'a/../../b'],
      ];
      for (const args of cases) {
        const run = runGatehouse(['download', ...args, '--quiet'], { endpoint: recorder.url, cache });
        assert.equal(run.signal, null, `${JSON.stringify(args)} crashed`);
        assert.notEqual(run.status, 0, `${JSON.stringify(args)} must be rejected`);
        assert.ok(run.stderr.trim().length > 0, `${JSON.stringify(args)}: no message`);
        assert.deepEqual(recorder.requests, [], `${JSON.stringify(args)} sent requests`);
      }
      const outside = fs.readdirSync(cache).filter((name) => name !== 'home');
      assert.deepEqual(outside, [], 'nothing is written to the cache for rejected input');
    } finally {
      await recorder.stop();
    }
  });
});

// ------------------------------------------------------------------------------------------------
// 5. Faults, injected by a proxy in front of the mirror

describe('faults injected between client and mirror', () => {
  let commit;
  before(async () => { commit = await repoCommit(mirror.url, 'org/name'); });

  const isWeightsGet = (r) => r.method === 'GET' && r.url.includes('/resolve/') && r.url.endsWith('/model.safetensors');

  test('a connection cut after 1 MiB resumes with Range and verifies', async () => {
    const CUT = MiB;
    const proxy = await startFaultProxy(mirror.url, (r, log) =>
      (isWeightsGet(r) && log.filter(isWeightsGet).length === 1 ? { cutAfter: CUT } : {}));
    try {
      const cache = scratch('cache-cut');
      const run = await runGatehouseAsync(['download', 'org/name', '--quiet'], { endpoint: proxy.url, cache });
      const printed = expectSuccess(run, 'download through a proxy that cuts the connection');
      const gets = proxy.log.filter(isWeightsGet);
      assert.ok(gets.length >= 2, `expected a second GET, saw ${JSON.stringify(gets)}`);
      assert.equal(gets[0].range, undefined, 'the first GET asks for the whole file');
      assert.equal(gets[0].sentBeforeCut, CUT);
      assert.equal(gets[1].range, `bytes=${CUT}-`, 'the second GET resumes where the cut happened');
      const etag = sha256(weights);
      const blob = path.join(repoFolder(cache, 'org/name'), 'blobs', etag);
      assert.equal(sha256(fs.readFileSync(blob)), etag);
      assert.ok(fs.readFileSync(path.join(printed, 'model.safetensors')).equals(weights));
      assert.deepEqual(blobsOf(repoFolder(cache, 'org/name')).filter((b) => b.endsWith('.incomplete')), []);
    } finally {
      await proxy.stop();
    }
  });

  test('a flipped byte fails the hash check and keeps nothing', async () => {
    const proxy = await startFaultProxy(mirror.url, (r) => (isWeightsGet(r) ? { flipAt: 5 * MiB + 3 } : {}));
    try {
      const cache = scratch('cache-flip');
      const run = await runGatehouseAsync(['download', 'org/name', '--quiet', '--max-workers', '1'], { endpoint: proxy.url, cache });
      const message = expectFailure(run, 'download through a proxy that flips a byte');
      assert.match(message, /hash|sha256|checksum/i);
      const folder = repoFolder(cache, 'org/name');
      const blobs = blobsOf(folder);
      assert.ok(!blobs.includes(sha256(weights)), 'no blob for the corrupted file');
      assert.deepEqual(blobs.filter((b) => b.includes('.incomplete')), [], 'no .incomplete left');
      const entry = path.join(folder, 'snapshots', commit, 'model.safetensors');
      assert.ok(!fs.existsSync(entry) && !fs.lstatSync(entry, { throwIfNoEntry: false }), 'no snapshot entry');
    } finally {
      await proxy.stop();
    }
  });

  test('a flipped byte in a small git-sha1 file fails too (single-file download)', async () => {
    const isConfigGet = (r) => r.method === 'GET' && r.url.endsWith('/resolve/' + commit + '/config.json');
    const proxy = await startFaultProxy(mirror.url, (r) => (isConfigGet(r) ? { flipAt: 2 } : {}));
    try {
      const cache = scratch('cache-flip-small');
      const run = await runGatehouseAsync(['download', 'org/name', 'config.json', '--quiet'], { endpoint: proxy.url, cache });
      assert.ok(proxy.log.some(isConfigGet), `the file is fetched pinned to the commit: ${JSON.stringify(proxy.log)}`);
      assert.match(expectFailure(run, 'single file through a byte-flipping proxy'), /hash|sha1|checksum/i);
      const folder = repoFolder(cache, 'org/name');
      assert.deepEqual(blobsOf(folder), []);
      assert.ok(!fs.lstatSync(path.join(folder, 'snapshots', commit, 'config.json'), { throwIfNoEntry: false }));
    } finally {
      await proxy.stop();
    }
  });

  test('malformed repo info JSON is a clear error, not a crash', async () => {
    const proxy = await startFaultProxy(mirror.url, (r) => (r.url.startsWith('/api/models/') && !r.url.includes('/tree/')
      ? { respond: (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": "org/name", "sha": "abc') }
      : {}));
    try {
      const run = await runGatehouseAsync(['download', 'org/name', '--quiet'], { endpoint: proxy.url, cache: scratch('cache-bad-json') });
      const message = expectFailure(run, 'download with malformed repo info');
      assert.match(message, /json|pars|malformed|invalid/i);
    } finally {
      await proxy.stop();
    }
  });

  test("a tree entry whose path has '..' is refused", async () => {
    const base = scratch('cache-evil');
    const cache = path.join(base, 'a', 'b', 'c');
    fs.mkdirSync(cache, { recursive: true });
    const evil = [
      { type: 'file', oid: gitSha1(Buffer.from('evil')), size: 4, path: '../../../../../../evil.txt' },
      { type: 'file', oid: gitSha1(Buffer.from(mainFiles['config.json'])), size: mainFiles['config.json'].length, path: 'config.json' },
    ];
    const proxy = await startFaultProxy(mirror.url, (r) => (r.url.includes('/tree/')
      ? { respond: (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(evil)) }
      : {}));
    try {
      const run = await runGatehouseAsync(['download', 'org/name', '--quiet'], { endpoint: proxy.url, cache });
      const message = expectFailure(run, 'download with a traversal path in the tree');
      assert.match(message, /\.\./);
      const written = listFiles(base).filter((f) => f.includes('evil'));
      assert.deepEqual(written, [], 'nothing named evil is written anywhere');
      assert.ok(!proxy.log.some((r) => r.url.includes('evil')), 'the bad entry is never requested');
    } finally {
      await proxy.stop();
    }
  });
});

// ------------------------------------------------------------------------------------------------
// 6. Two processes, one blob

test('two downloads of the same file into one cache at once both succeed and leave one blob', async (t) => {
  const isWeightsGet = (r) => r.method === 'GET' && r.url.endsWith('/model.safetensors');
  // Delays each GET of the file so that both processes are in flight together.
  const proxy = await startFaultProxy(mirror.url, (r) => (isWeightsGet(r) ? { delayMs: 300 } : {}));
  try {
    const cache = scratch('cache-race');
    const args = ['download', 'org/name', 'model.safetensors', '--quiet'];
    const [first, second] = await Promise.all([
      runGatehouseAsync(args, { endpoint: proxy.url, cache }),
      runGatehouseAsync(args, { endpoint: proxy.url, cache }),
    ]);
    const a = expectSuccess(first, 'first concurrent download');
    const b = expectSuccess(second, 'second concurrent download');
    assert.equal(a, b);
    assert.ok(fs.readFileSync(a).equals(weights));
    const folder = repoFolder(cache, 'org/name');
    assert.deepEqual(blobsOf(folder), [sha256(weights)], 'exactly one blob, no .incomplete');
    const gets = proxy.log.filter(isWeightsGet).length;
    t.diagnostic(`GETs of the file: ${gets}`);
    assert.ok(gets >= 1 && gets <= 2);
  } finally {
    await proxy.stop();
  }
});

// ------------------------------------------------------------------------------------------------
// 7. The mirror's HTTP surface, through curl

describe('mirror HTTP surface (curl)', () => {
  let commit;
  const size = weights.length;
  const etag = sha256(weights);
  let fileUrl;
  before(async () => {
    commit = await repoCommit(mirror.url, 'org/name');
    fileUrl = `${mirror.url}/org/name/resolve/main/model.safetensors`;
  });

  test('HEAD carries ETag, X-Linked-Etag, X-Linked-Size, X-Repo-Commit, Accept-Ranges', () => {
    const head = curl(fileUrl, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.etag, `"${etag}"`);
    assert.equal(head.headers['x-linked-etag'], `"${etag}"`);
    assert.equal(head.headers['x-linked-size'], String(size));
    assert.equal(head.headers['content-length'], String(size));
    assert.equal(head.headers['x-repo-commit'], commit);
    assert.equal(head.headers['accept-ranges'], 'bytes');
    assert.equal(head.headers['content-encoding'], undefined, 'never compressed');

    const small = curl(`${mirror.url}/org/name/resolve/main/nested/deeper/extra.json`, { method: 'HEAD' });
    const data = Buffer.from(mainFiles['nested/deeper/extra.json']);
    assert.equal(small.status, 200);
    assert.equal(small.headers.etag, `"${gitSha1(data)}"`);
    assert.equal(small.headers['x-linked-etag'], undefined, 'no X-Linked-Etag for a regular file');
    assert.equal(small.headers['x-linked-size'], String(data.length));
    assert.equal(small.headers['x-repo-commit'], commit);

    const byCommit = curl(`${mirror.url}/org/name/resolve/${commit}/model.safetensors`, { method: 'HEAD' });
    assert.equal(byCommit.status, 200);
    assert.equal(byCommit.headers.etag, `"${etag}"`);
  });

  test('ranges: bytes=0-0, bytes=-10, a middle range, no range', () => {
    const first = curl(fileUrl, { headers: { Range: 'bytes=0-0' } });
    assert.equal(first.status, 206);
    assert.equal(first.headers['content-range'], `bytes 0-0/${size}`);
    assert.match(first.headers['content-range'], /bytes \d+-\d+\/(\d+)/);
    assert.equal(first.headers['content-length'], '1');
    assert.ok(first.body.equals(weights.subarray(0, 1)));

    const last = curl(fileUrl, { headers: { Range: 'bytes=-10' } });
    assert.equal(last.status, 206);
    assert.equal(last.headers['content-range'], `bytes ${size - 10}-${size - 1}/${size}`);
    assert.ok(last.body.equals(weights.subarray(size - 10)));

    const middle = curl(fileUrl, { headers: { Range: `bytes=${MiB}-${2 * MiB - 1}` } });
    assert.equal(middle.status, 206);
    assert.equal(middle.headers['content-range'], `bytes ${MiB}-${2 * MiB - 1}/${size}`);
    assert.ok(middle.body.equals(weights.subarray(MiB, 2 * MiB)));

    const whole = curl(fileUrl);
    assert.equal(whole.status, 200);
    assert.equal(sha256(whole.body), etag);
  });

  test('a range starting at or past the end answers 416 with bytes */N', () => {
    for (const range of [`bytes=${size}-`, `bytes=${size}-${size + 10}`, `bytes=${size + 100}-`]) {
      const beyond = curl(fileUrl, { headers: { Range: range } });
      assert.equal(beyond.status, 416, `Range: ${range}`);
      assert.equal(beyond.headers['content-range'], `bytes */${size}`, `Range: ${range}`);
    }
  });

  test('If-None-Match with the ETag answers 304', () => {
    const notModified = curl(fileUrl, { headers: { 'If-None-Match': `"${etag}"` } });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.body.length, 0);
    const changed = curl(fileUrl, { method: 'HEAD', headers: { 'If-None-Match': '"0000"' } });
    assert.equal(changed.status, 200);
  });

  test('errors carry X-Error-Code and X-Error-Message; EntryNotFound carries X-Repo-Commit', () => {
    const missing = curl(`${mirror.url}/org/name/resolve/main/missing.json`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['x-error-code'], 'EntryNotFound');
    assert.ok(missing.headers['x-error-message']);
    assert.equal(missing.headers['x-repo-commit'], commit);

    const revision = curl(`${mirror.url}/org/name/resolve/no-such-branch/config.json`);
    assert.equal(revision.status, 404);
    assert.equal(revision.headers['x-error-code'], 'RevisionNotFound');
    assert.ok(revision.headers['x-error-message']);

    const anonymous = curl(`${mirror.url}/org/nope/resolve/main/config.json`);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers['x-error-code'], 'RepoNotFound');
    const withToken = curl(`${mirror.url}/org/nope/resolve/main/config.json`, { headers: { Authorization: `Bearer ${ALLOWED_TOKEN}` } });
    assert.equal(withToken.status, 404);
    assert.equal(withToken.headers['x-error-code'], 'RepoNotFound');
    assert.ok(JSON.parse(withToken.body.toString()).error);
  });

  test('percent-encoded paths are decoded per segment', () => {
    const encoded = curl(`${mirror.url}/org/name/resolve/main/nested%2Fdeeper/extra.json`, { method: 'HEAD' });
    // An encoded slash may be refused or decoded into the path; it must never escape the repo.
    assert.ok([200, 400, 404].includes(encoded.status), `status ${encoded.status}`);
    const letters = curl(`${mirror.url}/org/name/resolve/main/%63onfig.json`);
    assert.equal(letters.status, 200);
    assert.equal(letters.body.toString(), mainFiles['config.json']);
  });

  test('traversal attempts never return a file from outside the root', () => {
    const attempts = [
      '/org/name/resolve/main/../../../secret.txt',
      '/org/name/resolve/main/%2e%2e/%2e%2e/%2e%2e/secret.txt',
      '/org/name/resolve/main/%2E%2E/%2E%2E/%2E%2E/secret.txt',
      '/org/name/resolve/main/..%2F..%2F..%2Fsecret.txt',
      '/org/name/resolve/main/..%2f..%2f..%2fsecret.txt',
      '/org/name/resolve/main/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt',
      '/org/name/resolve/main/nested/..%2F..%2F..%2F..%2Fsecret.txt',
      '/%2e%2e/%2e/resolve/main/secret.txt',
      '/org/%2e%2e/resolve/main/../secret.txt',
      '/datasets/%2e%2e/%2e%2e/resolve/main/secret.txt',
      '/datasets/..%2F..%2F/x/resolve/main/secret.txt',
      '/org%2F..%2F..%2F/x/resolve/main/secret.txt',
      '/org/name/resolve/%2e%2e/../../secret.txt',
      '/org/name/resolve/main/%2Fsecret.txt',
      '/api/models/%2e%2e/%2e/tree/main',
      '/api/models/%2e%2e/%2e/tree/main?recursive=true',
      '/api/models/org/name/tree/main/..%2F..%2F..',
      '/api/datasets/..%2F..%2F/x',
    ];
    for (const attempt of attempts) {
      for (const method of ['GET', 'HEAD']) {
        const response = curl(mirror.url + attempt, { method, pathAsIs: true });
        assert.ok(response.status >= 400 && response.status < 500, `${method} ${attempt}: status ${response.status}`);
        assert.ok(!response.body.toString('latin1').includes(SECRET), `${method} ${attempt} leaked the secret`);
        assert.ok(!response.body.toString('latin1').includes('secret.txt') || response.status !== 200,
          `${method} ${attempt} listed files outside the root`);
      }
    }
    // The server is still healthy after all that.
    assert.equal(curl(fileUrl, { method: 'HEAD' }).status, 200);
  });
});

// ------------------------------------------------------------------------------------------------
// 8. Concurrency on the mirror

test('64 concurrent GETs of a 4 MiB file all return the right bytes', async () => {
  const url = `${mirror.url}/org/big/resolve/main/big.bin`;
  const expected = sha256(bigFile);
  const results = await Promise.all(Array.from({ length: 64 }, async () => {
    const response = await fetch(url);
    const body = Buffer.from(await response.arrayBuffer());
    return { status: response.status, length: body.length, hash: sha256(body) };
  }));
  results.forEach((result, i) => {
    assert.equal(result.status, 200, `request ${i}`);
    assert.equal(result.length, bigFile.length, `request ${i}`);
    assert.equal(result.hash, expected, `request ${i}`);
  });
});

// Files go out through sendfile(2), which raises SIGPIPE when the reader has gone: the mirror must
// end that connection, not its process.
test('readers that close their connection in the middle of a file do not take the mirror down', async () => {
  const { hostname, port } = new URL(mirror.url);
  for (let i = 0; i < 50; ++i) {
    await new Promise((resolve) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(`GET /org/huge/resolve/main/huge.bin HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
      });
      let received = 0;
      socket.on('data', (chunk) => {
        received += chunk.length;
        if (received < MiB) return;
        socket.pause();
        socket.end();
        setTimeout(() => socket.destroy(), 5);
      });
      socket.on('close', resolve);
      socket.on('error', resolve);
    });
  }
  const response = await fetch(`${mirror.url}/org/big/resolve/main/big.bin`);
  assert.equal(response.status, 200, 'the mirror must still answer');
  assert.equal(sha256(Buffer.from(await response.arrayBuffer())), sha256(bigFile));
});
