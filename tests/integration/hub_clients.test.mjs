// The Hub client and the Hub mirror (`gatehouse hub serve`), driven by real clients.
//
// 1. Seed 002 end to end: the gated meta-llama/Llama-2-7b-hf served by the mirror; `gatehouse tokenize --tokenizer
//    REPO_ID` with a token that has access gives [1, 15043, 3186, 29991]; without a token, with a token that is not
//    on the allow-list, and with a token the mirror does not know, it fails with a message the user can act on. The
//    token never appears in what gatehouse prints.
// 2. `gatehouse login` (token on stdin) stores $HF_HOME/token with mode 0600; whoami and tokenize then use it.
// 3. @huggingface/hub (the pinned 2.17.5) against the mirror: modelInfo, listFiles over a repo large enough to be
//    paginated, downloadFile (plain, LFS and nested files; null for a missing path), snapshotDownload into a
//    huggingface_hub-layout cache, a dataset repo, and the gated repo with and without an access token.
// 4. Transformers.js (the pinned 4.3.1): AutoTokenizer.from_pretrained through env.remoteHost, for a repo the
//    access file makes public, and for the gated repo (fails: Transformers.js sends HF_TOKEN only to huggingface.co,
//    works when env.fetch adds the Authorization header).
// 5. Pull-through chain: mirror A (empty root, --upstream B) serves B's gated repo to A's own users with A's own
//    access file, while A talks to B with its server-side HF_TOKEN; B never sees the client's token, and A's cache
//    is in the huggingface_hub layout.
//
// Every mirror, proxy and process a test starts is stopped by that test. Nothing leaves 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { require } from './helpers.mjs';
import {
  ALLOWED_TOKEN, OTHER_TOKEN, UNKNOWN_TOKEN, runGatehouse, runGatehouseAsync, runProcess, startMirror,
  scratch, startRecordingProxy, writeLlama2Repo, writeRepo,
} from './hub_helpers.mjs';

const LLAMA = 'meta-llama/Llama-2-7b-hf';
const HELLO = 'Hello world!';
const HELLO_IDS = [1, 15043, 3186, 29991];
const HELLO_PRINTED = '[1, 15043, 3186, 29991]\n';
const TOKENS = { ALLOWED_TOKEN, OTHER_TOKEN, UNKNOWN_TOKEN };

// ---------------------------------------------------------------------------------------------------------------
// Fixtures: temp folders removed when the file is done; repo roots are written once and only read afterwards.


let llamaRoot;
// A root holding only meta-llama/Llama-2-7b-hf.
function llamaRootDir() {
  if (!llamaRoot) {
    llamaRoot = scratch('llama-root');
    writeLlama2Repo(llamaRoot);
  }
  return llamaRoot;
}

function writeAccess(policy) {
  const file = path.join(scratch('access'), 'access.json');
  fs.writeFileSync(file, JSON.stringify(policy, null, 2));
  return file;
}

// Seed 002's policy: the llama repo is gated; ALLOWED_TOKEN is on its allow-list, OTHER_TOKEN on nothing.
const gatedLlamaPolicy = () => ({
  gated: ['meta-llama/*'],
  tokens: { [ALLOWED_TOKEN]: ['meta-llama/*'], [OTHER_TOKEN]: [] },
});

async function mirrorFor(t, args, env) {
  const mirror = await startMirror(args, env);
  t.after(() => mirror.stop());
  return mirror;
}

const gitBlobSha1 = (bytes) =>
  crypto.createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

// Fails if any of the test tokens shows in `text` (gatehouse must never print a token).
function assertNoToken(text, where) {
  for (const [name, token] of Object.entries(TOKENS)) {
    assert.ok(!text.includes(token), `${where} contains ${name}`);
  }
}

function assertGatedMessage(run, label) {
  assert.notEqual(run.status, 0, `${label}: expected a failure, got stdout ${JSON.stringify(run.stdout)}`);
  assert.equal(run.stdout, '', `${label}: nothing on stdout`);
  assert.match(run.stderr, /restricted/, `${label}: ${run.stderr}`);
  assert.match(run.stderr, /accept its license/, `${label}: ${run.stderr}`);
}

function assertTokenRejected(run, label) {
  assert.notEqual(run.status, 0, `${label}: expected a failure, got stdout ${JSON.stringify(run.stdout)}`);
  assert.match(run.stderr, /rejected the token/, `${label}: ${run.stderr}`);
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Seed 002

test('seed 002: gatehouse tokenize of the gated Llama-2 repo through the mirror, with and without access', async (t) => {
  const access = writeAccess(gatedLlamaPolicy());
  const mirror = await mirrorFor(t, ['--root', llamaRootDir(), '--access', access]);
  const tokenize = (token) => runGatehouse(['tokenize', '--tokenizer', LLAMA, HELLO],
    { endpoint: mirror.url, cache: scratch('cache'), token });

  const allowed = tokenize(ALLOWED_TOKEN);
  assert.equal(allowed.status, 0, allowed.stderr);
  assert.equal(allowed.stdout, HELLO_PRINTED);

  const anonymous = tokenize(undefined);
  assertGatedMessage(anonymous, 'no token');
  const other = tokenize(OTHER_TOKEN);
  assertGatedMessage(other, 'token not on the allow-list');
  const unknown = tokenize(UNKNOWN_TOKEN);
  assertTokenRejected(unknown, 'token unknown to the mirror');

  for (const [label, run] of [['allowed', allowed], ['anonymous', anonymous], ['other', other], ['unknown', unknown]]) {
    assertNoToken(run.stdout, `stdout (${label})`);
    assertNoToken(run.stderr, `stderr (${label})`);
  }
  assertNoToken(mirror.stderr(), 'the mirror log');
});

// ---------------------------------------------------------------------------------------------------------------
// 2. login / whoami

test('gatehouse login stores the token (0600) and whoami and tokenize use it', async (t) => {
  const access = writeAccess(gatedLlamaPolicy());
  const mirror = await mirrorFor(t, ['--root', llamaRootDir(), '--access', access]);
  const cache = scratch('cache');
  const options = { endpoint: mirror.url, cache };

  const login = runGatehouse(['login'], { ...options, input: ALLOWED_TOKEN + '\n' });
  assert.equal(login.status, 0, login.stderr);
  const tokenFile = path.join(cache, 'home', 'token');
  assert.equal(fs.readFileSync(tokenFile, 'utf8').trim(), ALLOWED_TOKEN);
  assert.equal(fs.statSync(tokenFile).mode & 0o777, 0o600, 'token file mode');

  const whoami = runGatehouse(['whoami'], options);
  assert.equal(whoami.status, 0, whoami.stderr);
  assert.equal(whoami.stdout, 'mirror-user\n');

  const tokenize = runGatehouse(['tokenize', '--tokenizer', LLAMA, HELLO], options);
  assert.equal(tokenize.status, 0, tokenize.stderr);
  assert.equal(tokenize.stdout, HELLO_PRINTED);

  for (const [label, run] of [['login', login], ['whoami', whoami], ['tokenize', tokenize]]) {
    assertNoToken(run.stdout + run.stderr, label);
  }
  // Nothing else under HF_HOME holds the token (no stray temporary file).
  assert.deepEqual(fs.readdirSync(path.join(cache, 'home')).filter((name) => name.startsWith('token')), ['token']);
});

// ---------------------------------------------------------------------------------------------------------------
// 3. @huggingface/hub

// A small model repo: JSON, an LFS file by extension, an LFS file by size (>= 10 MiB), nested folders.
function tinyModelFiles() {
  return {
    'config.json': JSON.stringify({ model_type: 'llama', hidden_size: 64 }, null, 2) + '\n',
    'model.safetensors': crypto.randomBytes(96 * 1024),
    'big/blob.txt': Buffer.alloc(10 * 1024 * 1024 + 17, 'gatehouse '),
    'nested/deeper/notes.txt': 'nested file\n',
  };
}

// ~1100 small files in nested folders: more than one page of /tree (1000 entries a page).
function manyFiles() {
  const files = { 'README.md': '# many files\n' };
  for (let group = 0; group < 11; group++) {
    for (let item = 0; item < 100; item++) {
      files[`shards/group-${String(group).padStart(2, '0')}/item-${String(item).padStart(3, '0')}.txt`] =
        `group ${group} item ${item}\n`;
    }
  }
  return files;
}

const bytesOf = (contents) => (Buffer.isBuffer(contents) ? contents : Buffer.from(contents));

test('@huggingface/hub: modelInfo, listFiles (paginated), downloadFile, snapshotDownload, datasets, gated', async (t) => {
  const hub = require('@huggingface/hub');
  const root = scratch('hub-root');
  const tiny = tinyModelFiles();
  const many = manyFiles();
  const dataset = { 'README.md': '# a dataset\n', 'data/train.csv': 'text,label\nhello,1\nworld,0\n' };
  writeRepo(root, 'gatehouse-test/tiny-model', tiny);
  writeRepo(root, 'gatehouse-test/many-files', many);
  writeRepo(root, 'datasets/gatehouse-test/tiny-dataset', dataset);
  writeLlama2Repo(root);
  const llamaFolder = path.join(root, LLAMA);
  const access = writeAccess({
    public: ['gatehouse-test/*', 'datasets/gatehouse-test/*'],
    ...gatedLlamaPolicy(),
  });
  const mirror = await mirrorFor(t, ['--root', root, '--access', access]);
  const hubUrl = mirror.url;

  await t.test('modelInfo of a public and of the gated repo (readable anonymously, marked gated)', async () => {
    const info = await hub.modelInfo({ name: 'gatehouse-test/tiny-model', hubUrl });
    assert.equal(info.name, 'gatehouse-test/tiny-model');
    assert.equal(info.private, false);
    assert.equal(info.gated, false);
    const gated = await hub.modelInfo({ name: LLAMA, hubUrl });
    assert.equal(gated.name, LLAMA);
    assert.ok(gated.gated === 'manual' || gated.gated === 'auto', `gated: ${gated.gated}`);
  });

  await t.test('listFiles recursive follows Link rel="next" and returns every path', async () => {
    const urls = [];
    const recordingFetch = (url, init) => { urls.push(String(url)); return fetch(url, init); };
    const entries = [];
    for await (const entry of hub.listFiles({
      repo: 'gatehouse-test/many-files', recursive: true, hubUrl, fetch: recordingFetch,
    })) {
      entries.push(entry);
    }
    assert.ok(urls.length >= 2, `expected the listing to take several pages, got ${urls.length} request(s)`);
    for (const url of urls) assert.ok(url.startsWith(hubUrl + '/'), `page URL on the mirror: ${url}`);
    const files = entries.filter((e) => e.type === 'file');
    assert.deepEqual(files.map((e) => e.path).sort(), Object.keys(many).sort());
    assert.equal(new Set(entries.map((e) => e.path)).size, entries.length, 'no entry listed twice');
    const folders = new Set(Object.keys(many).flatMap((p) => {
      const parts = p.split('/');
      return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
    }));
    assert.deepEqual(entries.filter((e) => e.type === 'directory').map((e) => e.path).sort(), [...folders].sort());
    for (const entry of files) {
      const bytes = bytesOf(many[entry.path]);
      assert.equal(entry.size, bytes.length, entry.path);
      assert.equal(entry.oid, gitBlobSha1(bytes), `${entry.path}: oid is the git blob sha1`);
    }
  });

  await t.test('listFiles gives git oids, and lfs.oid = sha256 for LFS files', async () => {
    const entries = new Map();
    for await (const entry of hub.listFiles({ repo: 'gatehouse-test/tiny-model', recursive: true, hubUrl })) {
      entries.set(entry.path, entry);
    }
    for (const [name, contents] of Object.entries(tiny)) {
      const bytes = bytesOf(contents);
      const entry = entries.get(name);
      assert.ok(entry, `${name} listed`);
      assert.equal(entry.size, bytes.length, name);
      assert.equal(entry.oid, gitBlobSha1(bytes), name);
      const lfs = name.endsWith('.safetensors') || bytes.length >= 10 * 1024 * 1024;
      if (lfs) assert.deepEqual([entry.lfs?.oid, entry.lfs?.size], [sha256(bytes), bytes.length], `${name} lfs`);
      else assert.equal(entry.lfs, undefined, `${name} is not LFS`);
    }
  });

  await t.test('downloadFile: byte-equal content (plain, LFS, nested); null for a missing path', async () => {
    for (const name of ['config.json', 'model.safetensors', 'nested/deeper/notes.txt', 'big/blob.txt']) {
      const blob = await hub.downloadFile({ repo: 'gatehouse-test/tiny-model', path: name, hubUrl });
      assert.ok(blob, `${name} downloaded`);
      assert.ok(Buffer.from(await blob.arrayBuffer()).equals(bytesOf(tiny[name])), `${name} content`);
    }
    assert.equal(await hub.downloadFile({ repo: 'gatehouse-test/tiny-model', path: 'no/such/file.json', hubUrl }), null);
  });

  await t.test('snapshotDownload into a cache dir gives the original files', async () => {
    const cacheDir = scratch('hub-cache');
    const snapshot = await quietly(() => hub.snapshotDownload({ repo: 'gatehouse-test/tiny-model', cacheDir, hubUrl }));
    const storage = path.join(cacheDir, 'models--gatehouse-test--tiny-model');
    const commit = fs.readFileSync(path.join(storage, 'refs', 'main'), 'utf8');
    assert.match(commit, /^[0-9a-f]{40}$/);
    assert.equal(snapshot, path.join(storage, 'snapshots', commit));
    assert.deepEqual(listTree(snapshot), Object.keys(tiny).sort());
    for (const [name, contents] of Object.entries(tiny)) {
      assert.ok(fs.readFileSync(path.join(snapshot, name)).equals(bytesOf(contents)), `${name} in the snapshot`);
    }
  });

  await t.test('a dataset repo: datasetInfo, listFiles, downloadFile, snapshotDownload', async () => {
    const repo = { type: 'dataset', name: 'gatehouse-test/tiny-dataset' };
    const info = await hub.datasetInfo({ name: repo.name, hubUrl });
    assert.equal(info.name, repo.name);
    const paths = [];
    for await (const entry of hub.listFiles({ repo, recursive: true, hubUrl })) {
      if (entry.type === 'file') paths.push(entry.path);
    }
    assert.deepEqual(paths.sort(), Object.keys(dataset).sort());
    const blob = await hub.downloadFile({ repo, path: 'data/train.csv', hubUrl });
    assert.equal(await blob.text(), dataset['data/train.csv']);
    // The same name as a model does not exist.
    await assert.rejects(hub.downloadFile({ repo: repo.name, path: 'README.md', hubUrl }),
      (error) => error instanceof hub.HubApiError && [401, 404].includes(error.statusCode));
    const cacheDir = scratch('hub-cache');
    const snapshot = await quietly(() => hub.snapshotDownload({ repo, cacheDir, hubUrl }));
    assert.ok(snapshot.startsWith(path.join(cacheDir, 'datasets--gatehouse-test--tiny-dataset', 'snapshots') + path.sep));
    for (const [name, contents] of Object.entries(dataset)) {
      assert.equal(fs.readFileSync(path.join(snapshot, name), 'utf8'), contents, name);
    }
  });

  await t.test('browser apps on another origin: the preflight for a bearer token passes, the Hub headers are readable', async () => {
    const origin = 'https://app.example';
    const url = `${hubUrl}/${LLAMA}/resolve/main/tokenizer.json`;
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization, range' },
    });
    assert.equal(preflight.status, 200, 'a preflight needs no token');
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-methods'), /\bGET\b/);
    assert.equal(preflight.headers.get('access-control-allow-headers'), 'authorization, range');
    const answer = await fetch(url, { headers: { Origin: origin, Authorization: `Bearer ${ALLOWED_TOKEN}`, Range: 'bytes=0-9' } });
    assert.equal(answer.status, 206);
    assert.equal(answer.headers.get('access-control-allow-origin'), '*');
    const exposed = answer.headers.get('access-control-expose-headers').split(',').map((name) => name.trim().toLowerCase());
    for (const name of ['x-repo-commit', 'etag', 'content-range', 'link', 'x-error-code']) assert.ok(exposed.includes(name), name);
    // Refusals carry the headers too, so the app can read why.
    const refused = await fetch(url, { headers: { Origin: origin } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), '*');
    assert.equal(refused.headers.get('x-error-code'), 'GatedRepo');
  });

  await t.test('the gated repo: 401 without a token, 403 with a token not allowed, content with ALLOWED_TOKEN', async () => {
    const name = 'tokenizer.json';
    await assert.rejects(hub.downloadFile({ repo: LLAMA, path: name, hubUrl }), (error) => {
      assert.ok(error instanceof hub.HubApiError, `HubApiError, got ${error}`);
      assert.equal(error.statusCode, 401);
      return true;
    });
    await assert.rejects(hub.downloadFile({ repo: LLAMA, path: name, hubUrl, accessToken: OTHER_TOKEN }), (error) => {
      assert.ok(error instanceof hub.HubApiError, `HubApiError, got ${error}`);
      assert.equal(error.statusCode, 403);
      return true;
    });
    const blob = await hub.downloadFile({ repo: LLAMA, path: name, hubUrl, accessToken: ALLOWED_TOKEN });
    assert.ok(Buffer.from(await blob.arrayBuffer()).equals(fs.readFileSync(path.join(llamaFolder, name))));
    // The whole gated snapshot with the token.
    const cacheDir = scratch('hub-cache');
    const snapshot = await quietly(() => hub.snapshotDownload({ repo: LLAMA, cacheDir, hubUrl, accessToken: ALLOWED_TOKEN }));
    assert.deepEqual(listTree(snapshot), listTree(llamaFolder));
    for (const file of listTree(llamaFolder)) {
      assert.ok(fs.readFileSync(path.join(snapshot, file)).equals(fs.readFileSync(path.join(llamaFolder, file))), file);
    }
  });
  assertNoToken(mirror.stderr(), 'the mirror log');
});

// snapshotDownload logs one console.debug line per file; keep the test output readable.
async function quietly(action) {
  const saved = console.debug;
  console.debug = () => {};
  try {
    return await action();
  } finally {
    console.debug = saved;
  }
}

// Relative paths of the files under `dir` (symlinks followed), sorted.
function listTree(dir) {
  const out = [];
  const walk = (relative) => {
    for (const entry of fs.readdirSync(path.join(dir, relative))) {
      const child = relative ? `${relative}/${entry}` : entry;
      if (fs.statSync(path.join(dir, child)).isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk('');
  return out.sort();
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Transformers.js
//
// @huggingface/transformers 4.3.1 loads in Node with a plain require() (its "node" export has a CommonJS build, and
// onnxruntime-node's binary is only loaded when a model is run), so no tokenizers-only fallback is needed. Each
// scenario still runs in its own Node process: Transformers.js keeps module-level state that would leak between
// scenarios in one process (env is a singleton, and get_file_metadata memoizes the tokenizer_config.json probe per
// model id whatever env.remoteHost is, so a second mirror would never be probed). The mirror URL, cache folder and
// tokens go to the child through its environment, never its command line.
const TRANSFORMERS_SCENARIO = `
import { createRequire } from 'node:module';
const require = createRequire(process.env.CONFORMANCE_PACKAGE_JSON);
const { AutoTokenizer, env } = require('@huggingface/transformers');
env.remoteHost = process.env.MIRROR_URL + '/';
env.allowLocalModels = false;
env.allowRemoteModels = true;
env.useBrowserCache = false;
env.useFSCache = true;
env.cacheDir = process.env.CACHE_DIR;
env.logLevel = 50;
const authorization = process.env.FETCH_BEARER;
if (authorization) {
  const plainFetch = env.fetch;
  env.fetch = (url, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('Authorization', 'Bearer ' + authorization);
    return plainFetch(url, { ...init, headers });
  };
}
try {
  const tokenizer = await AutoTokenizer.from_pretrained(process.env.MODEL_ID);
  process.stdout.write(JSON.stringify({ ids: tokenizer.encode(process.env.TEXT) }));
} catch (error) {
  process.stdout.write(JSON.stringify({ error: String(error?.message ?? error) }));
}
`;

async function transformersTokenize({ mirrorUrl, token, fetchBearer }) {
  const env = {
    ...process.env,
    CONFORMANCE_PACKAGE_JSON: new URL('../conformance/package.json', import.meta.url).href,
    MIRROR_URL: mirrorUrl,
    CACHE_DIR: scratch('tjs-cache'),
    MODEL_ID: LLAMA,
    TEXT: HELLO,
  };
  delete env.HF_TOKEN;
  delete env.HF_ACCESS_TOKEN;
  if (token) env.HF_TOKEN = token;  // what a user would set; Transformers.js sends it to huggingface.co only
  if (fetchBearer) env.FETCH_BEARER = fetchBearer;
  const run = await runProcess(process.execPath, ['--input-type=module', '-e', TRANSFORMERS_SCENARIO], { env });
  assert.equal(run.status, 0, `transformers.js scenario crashed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

test('Transformers.js AutoTokenizer through the mirror: public by policy, gated without and with a bearer fetch', async (t) => {
  const root = llamaRootDir();

  // "Anonymous reads of chosen repos": the access file makes the llama repo public.
  const publicMirror = await mirrorFor(t, ['--root', root, '--access', writeAccess({ public: ['meta-llama/*'] })]);
  const open = await transformersTokenize({ mirrorUrl: publicMirror.url });
  assert.deepEqual(open, { ids: HELLO_IDS });

  const gatedMirror = await mirrorFor(t, ['--root', root, '--access', writeAccess(gatedLlamaPolicy())]);
  // HF_TOKEN is set, but Transformers.js only sends it to huggingface.co / hf.co: the mirror sees an anonymous call.
  const refused = await transformersTokenize({ mirrorUrl: gatedMirror.url, token: ALLOWED_TOKEN });
  assert.ok(refused.error, `expected a failure, got ${JSON.stringify(refused)}`);
  assert.match(refused.error, /Unauthorized access to file/, refused.error);

  const withFetch = await transformersTokenize({ mirrorUrl: gatedMirror.url, fetchBearer: ALLOWED_TOKEN });
  assert.deepEqual(withFetch, { ids: HELLO_IDS });

  const notAllowed = await transformersTokenize({ mirrorUrl: gatedMirror.url, fetchBearer: OTHER_TOKEN });
  assert.ok(notAllowed.error, `expected a failure, got ${JSON.stringify(notAllowed)}`);
  assert.match(notAllowed.error, /Forbidden access to file/, notAllowed.error);
});

// ---------------------------------------------------------------------------------------------------------------
// 5. Pull-through chain: client -> A (own access file, server-side token) -> recording proxy -> B (gated repo)

test('pull-through: mirror A serves B\'s gated repo to its own users; B never sees their token', async (t) => {
  const root = llamaRootDir();
  const llamaFolder = path.join(root, LLAMA);
  const mirrorB = await mirrorFor(t, ['--root', root, '--access', writeAccess({
    gated: ['meta-llama/*'], tokens: { [ALLOWED_TOKEN]: ['meta-llama/*'] },
  })]);
  // Between A and B, so the test sees every request A makes upstream.
  const proxy = await startRecordingProxy(mirrorB.url);
  t.after(() => proxy.stop());

  const emptyRoot = scratch('a-root');
  const cacheA = scratch('a-cache');
  const accessA = writeAccess({ gated: ['meta-llama/*'], tokens: { [OTHER_TOKEN]: ['meta-llama/*'] } });
  const mirrorA = await mirrorFor(t, ['--root', emptyRoot, '--upstream', proxy.url, '--cache-dir', cacheA,
    '--access', accessA], { HF_TOKEN: ALLOWED_TOKEN });

  const tokenize = (token) => runGatehouseAsync(['tokenize', '--tokenizer', LLAMA, HELLO],
    { endpoint: mirrorA.url, cache: scratch('cache'), token });

  // Before A holds anything, and after: A's own policy decides.
  const anonymousCold = await tokenize(undefined);
  assertGatedMessage(anonymousCold, 'no token at A, nothing cached yet');

  const viaA = await tokenize(OTHER_TOKEN);
  assert.equal(viaA.status, 0, viaA.stderr);
  assert.equal(viaA.stdout, HELLO_PRINTED);

  const anonymous = await tokenize(undefined);
  assertGatedMessage(anonymous, 'no token at A, files cached');
  // The server-side upstream token is not a credential at A.
  assertTokenRejected(await tokenize(ALLOWED_TOKEN), 'upstream token used as a client token at A');

  // What reached B: requests authorised with A's server-side token only, never the client's.
  assert.ok(proxy.requests.length > 0, 'A fetched from B');
  for (const request of proxy.requests) {
    const seen = request.url + '\n' + JSON.stringify(request.headers);
    assert.ok(!seen.includes(OTHER_TOKEN), `B saw the client's token: ${request.method} ${request.url}`);
    assert.equal(request.headers.authorization, `Bearer ${ALLOWED_TOKEN}`, `${request.method} ${request.url} to B`);
  }
  for (const [label, text] of [['A log', mirrorA.stderr()], ['B log', mirrorB.stderr()],
    ['client output', [viaA, anonymous, anonymousCold].map((run) => run.stdout + run.stderr).join('\n')]]) {
    assertNoToken(text, label);
  }

  // A's cache is in the huggingface_hub layout, at B's commit.
  const infoB = await (await fetch(`${mirrorB.url}/api/models/${LLAMA}`,
    { headers: { Authorization: `Bearer ${ALLOWED_TOKEN}` } })).json();
  const storage = path.join(cacheA, 'models--meta-llama--Llama-2-7b-hf');
  assert.ok(fs.existsSync(storage), `${storage} exists (A's cache holds ${fs.readdirSync(cacheA).join(', ') || 'nothing'})`);
  assert.equal(fs.readFileSync(path.join(storage, 'refs', 'main'), 'utf8'), infoB.sha, 'refs/main is B\'s commit');
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) {
    const link = path.join(storage, 'snapshots', infoB.sha, name);
    const original = fs.readFileSync(path.join(llamaFolder, name));
    const etag = gitBlobSha1(original);
    assert.ok(fs.lstatSync(link).isSymbolicLink(), `${name} is a symlink in the snapshot`);
    assert.equal(fs.readlinkSync(link), `../../blobs/${etag}`, `${name} links to its blob, relatively`);
    assert.ok(fs.readFileSync(link).equals(original), `${name} content`);
  }
});
