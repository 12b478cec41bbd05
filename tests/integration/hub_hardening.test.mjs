// Hostile input against the Hub mirror and client (issue 15), with the real binary on 127.0.0.1:
//
// 1. Symlinks in the mirror's root: links to files outside the root or in a gated repo, repo and
//    org folders that are links, dangling links and loops are never listed, hashed or served, by
//    any route; a link to a file of the same repo is served under its own name.
// 2. Pagination links and the token: the mirror builds `Link` from its public URL (never the
//    request's Host; X-Forwarded-* only with --trust-proxy-headers), and the client sends the token
//    only to HF_ENDPOINT's origin, so a Link to another host gets no token.
// 3. Interrupted downloads continue from blobs/<etag>.incomplete in the next run (SIGKILL, SIGINT,
//    a mirror down for longer than the retry window); wrong or oversized partial files never
//    become a blob.
// 4. Small wrong answers: huge Range positions, empty path parts in /resolve, an invalid
//    X-Repo-Commit.
//
// Every server and process a test starts is stopped by that test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { bin, require } from './helpers.mjs';
import {
  ALLOWED_TOKEN, runGatehouseAsync, scratch, startMirror, startRecordingProxy, writeRepo,
} from './hub_helpers.mjs';

const MiB = 1 << 20;

async function mirrorFor(t, args, env) {
  const mirror = await startMirror(args, env);
  t.after(() => mirror.stop());
  return mirror;
}

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
const gitSha1 = (data) => crypto.createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');

// One request with node's http module (which, unlike fetch, lets a test set Host); resolves to
// {status, headers, body}.
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// An HTTP server on 127.0.0.1 answering with `handler(req, res)`, recording {method, url, headers}.
async function startServer(handler) {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: { ...req.headers } });
    handler(req, res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    port: server.address().port,
    requests,
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

// Forwards a request to `target` (a base URL) and hands the answer to `respond(answer, res)`.
function forward(target, req, res, respond) {
  const upstream = new URL(target);
  const outgoing = http.request({
    host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers,
  }, (answer) => respond(answer, res));
  outgoing.on('error', () => res.destroy());
  req.pipe(outgoing);
}

// ~1100 files: more than one page of /tree (1000 entries a page).
function manyFiles() {
  const files = {};
  for (let i = 0; i < 1100; i++) files[`shards/item-${String(i).padStart(4, '0')}.txt`] = `item ${i}\n`;
  return files;
}

// ------------------------------------------------------------------------------------------------
// 1. Symlinks in the mirror's root

describe('symlinks in the mirror root', () => {
  const SECRET = `PASSWD-LIKE-${crypto.randomBytes(8).toString('hex')}`;
  const GATED_SECRET = `GATED-${crypto.randomBytes(8).toString('hex')}`;
  const config = JSON.stringify({ model_type: 'llama' });
  let mirror;
  let outside;
  // Link name in org/public -> why it must not be served.
  const refused = {
    'passwd': 'an absolute link to a file outside the root',
    'passwd-relative': 'a relative link climbing out of the root',
    'gated.json': 'a link into the gated repo',
    'other.json': 'a link into another public repo',
    'dangling.json': 'a dangling link',
    'loop-a': 'a loop of two links',
    'self': 'a link to itself',
    'hidden.json': 'a link to a dot-file of the repo',
    'revision.txt': 'a link into .revisions/ (another revision)',
    'linked-dir': 'a link to a folder',
    'root-dir': 'a link to the root',
  };

  before(async () => {
    const base = scratch('hub-symlinks');
    const root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'passwd'), SECRET);
    writeRepo(outside, 'repo', { 'secret.json': SECRET });
    writeRepo(root, 'org/public', {
      'config.json': config, 'sub/plain.txt': 'plain\n', '.hidden': SECRET, '.revisions/v1/a.txt': SECRET,
    });
    writeRepo(root, 'org/other', { 'other.json': SECRET });
    writeRepo(root, 'gated/repo', { 'secret.json': GATED_SECRET });
    const repo = path.join(root, 'org/public');
    const link = (target, name) => fs.symlinkSync(target, path.join(repo, name));
    link(path.join(outside, 'passwd'), 'passwd');
    link('../../../outside/passwd', 'passwd-relative');
    link('../../gated/repo/secret.json', 'gated.json');
    link('../other/other.json', 'other.json');
    link('does-not-exist.json', 'dangling.json');
    link('loop-b', 'loop-a');
    link('loop-a', 'loop-b');
    link('self', 'self');
    link('.hidden', 'hidden.json');
    link('.revisions/v1/a.txt', 'revision.txt');
    link('sub', 'linked-dir');
    link('../..', 'root-dir');
    link('config.json', 'same.json');          // inside the repo: served
    link('../config.json', 'sub/up.json');     // inside, from a subfolder: served
    link('same.json', 'chain.json');           // a chain of links that stays inside: served
    // Repo and org folders that are links.
    fs.symlinkSync('../gated/repo', path.join(root, 'org/alias'));
    fs.symlinkSync(path.join(outside, 'repo'), path.join(root, 'org/outside'));
    fs.symlinkSync(outside, path.join(root, 'evil'));
    fs.symlinkSync('repo', path.join(root, 'gated/alias'));  // inside the same org, still another repo's folder
    // Revision folders that are links: to the gated repo, and (nested) out of the root.
    fs.symlinkSync('../../../gated/repo', path.join(repo, '.revisions/gated'));
    fs.mkdirSync(path.join(repo, '.revisions/refs/pr'), { recursive: true });
    fs.symlinkSync(path.join(outside, 'repo'), path.join(repo, '.revisions/refs/pr/7'));
    const access = path.join(base, 'access.json');
    fs.writeFileSync(access, JSON.stringify({
      public: ['org/*', 'evil/*'], gated: ['gated/*'], tokens: { [ALLOWED_TOKEN]: ['gated/*'] },
    }));
    mirror = await startMirror(['--root', root, '--access', access]);
  });
  after(() => mirror?.stop());

  const served = ['chain.json', 'config.json', 'same.json', 'sub/plain.txt', 'sub/up.json'];

  test('the tree, siblings and paths-info list only real files and links that stay in the repo', async () => {
    const tree = await (await fetch(`${mirror.url}/api/models/org/public/tree/main?recursive=true`)).json();
    assert.deepEqual(tree.filter((e) => e.type === 'file').map((e) => e.path), served);
    assert.deepEqual(tree.filter((e) => e.type === 'directory').map((e) => e.path), ['sub']);
    const configOid = gitSha1(Buffer.from(config));
    for (const name of ['same.json', 'chain.json', 'sub/up.json']) {
      assert.equal(tree.find((e) => e.path === name).oid, configOid, `${name} has its target's content`);
    }
    const info = await (await fetch(`${mirror.url}/api/models/org/public?blobs=true`)).json();
    assert.deepEqual(info.siblings.map((s) => s.rfilename), served);
    const form = new URLSearchParams();
    for (const name of [...Object.keys(refused), 'loop-b', ...served]) form.append('paths', name);
    const paths = await (await fetch(`${mirror.url}/api/models/org/public/paths-info/main`, { method: 'POST', body: form })).json();
    assert.deepEqual(paths.map((e) => e.path).sort(), served);
    for (const body of [JSON.stringify(tree), JSON.stringify(info), JSON.stringify(paths)]) {
      assert.ok(!body.includes('..'), 'no listed path contains ..');
      assert.ok(!body.includes(sha256(Buffer.from(SECRET))) && !body.includes(gitSha1(Buffer.from(SECRET))),
        'no hash of a file outside the repo');
      assert.ok(!body.includes(gitSha1(Buffer.from(GATED_SECRET))), 'no hash of the gated file');
    }
  });

  test('resolve (GET, HEAD, Range) refuses every link that leaves the repo, and serves those inside', async () => {
    for (const [name, why] of Object.entries(refused)) {
      for (const method of ['GET', 'HEAD']) {
        for (const headers of [{}, { range: 'bytes=0-3' }]) {
          const answer = await request(`${mirror.url}/org/public/resolve/main/${name}`, { method, headers });
          assert.equal(answer.status, 404, `${method} ${name} (${why}) ${JSON.stringify(headers)}`);
          assert.ok(!answer.body.toString().includes(SECRET) && !answer.body.toString().includes(GATED_SECRET));
        }
      }
    }
    const same = await request(`${mirror.url}/org/public/resolve/main/sub/up.json`);
    assert.equal(same.status, 200);
    assert.equal(same.body.toString(), config);
    const range = await request(`${mirror.url}/org/public/resolve/main/chain.json`, { headers: { range: 'bytes=2-5' } });
    assert.equal(range.status, 206);
    assert.equal(range.body.toString(), config.slice(2, 6));
  });

  test('a revision folder that is a link is no revision: refs, info, tree and resolve', async () => {
    const refs = await (await fetch(`${mirror.url}/api/models/org/public/refs?include_prs=1`)).json();
    assert.deepEqual(refs.branches.map((b) => b.name).sort(), ['main', 'v1']);
    assert.deepEqual(refs.pullRequests, []);
    for (const revision of ['gated', 'refs%2Fpr%2F7']) {
      for (const route of [`/api/models/org/public/revision/${revision}`, `/api/models/org/public/tree/${revision}`,
        `/org/public/resolve/${revision}/secret.json`]) {
        const answer = await request(mirror.url + route);
        assert.equal(answer.status, 404, route);
        assert.ok(!answer.body.toString().includes(SECRET) && !answer.body.toString().includes(GATED_SECRET));
      }
    }
  });

  test('a repo or org folder that is a link is not a repo, with or without a token', async () => {
    for (const repo of ['org/alias', 'org/outside', 'evil/repo', 'gated/alias']) {
      for (const token of [undefined, ALLOWED_TOKEN]) {
        const headers = token ? { authorization: `Bearer ${token}` } : {};
        for (const route of [`/api/models/${repo}`, `/api/models/${repo}/tree/main`, `/${repo}/resolve/main/secret.json`]) {
          const answer = await request(mirror.url + route, { headers });
          assert.ok(answer.status === 401 || answer.status === 404, `${route} (token: ${!!token}): ${answer.status}`);
          assert.equal(answer.headers['x-error-code'], 'RepoNotFound', route);
          assert.ok(!answer.body.toString().includes(SECRET) && !answer.body.toString().includes(GATED_SECRET));
        }
      }
    }
    // The gated repo itself still works for the allowed token, and only for it.
    const direct = await request(`${mirror.url}/gated/repo/resolve/main/secret.json`, { headers: { authorization: `Bearer ${ALLOWED_TOKEN}` } });
    assert.equal(direct.status, 200);
    assert.equal((await request(`${mirror.url}/gated/repo/resolve/main/secret.json`)).status, 401);
  });

  test('gatehouse download of the repo gets exactly the servable files', async () => {
    const cache = scratch('cache-symlinks');
    const run = await runGatehouseAsync(['download', 'org/public', '--quiet'], { endpoint: mirror.url, cache });
    assert.equal(run.status, 0, run.stderr);
    const snapshot = run.stdout.trim();
    const files = [];
    const walk = (dir, prefix) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const name = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) walk(path.join(dir, entry.name), name); else files.push(name);
      }
    };
    walk(snapshot, '');
    assert.deepEqual(files.sort(), served);
    assert.equal(fs.readFileSync(path.join(snapshot, 'same.json'), 'utf8'), config);
  });
});

// ------------------------------------------------------------------------------------------------
// 2. Pagination links, public URL and the token

describe('pagination links and where the token goes', () => {
  let root;
  const many = manyFiles();
  before(() => {
    root = scratch('hub-links');
    writeRepo(root, 'org/many', many);
  });

  const treeUrl = (base) => `${base}/api/models/org/many/tree/main?recursive=true`;
  const nextOf = (headers) => headers.link?.match(/<([^>]+)>;\s*rel="next"/)?.[1];

  test('the Link is built from the listening address, whatever Host or X-Forwarded-* the request names', async (t) => {
    const mirror = await mirrorFor(t, ['--root', root]);
    for (const headers of [{}, { host: 'attacker.example:9999' }, { host: 'evil.example' },
      { 'x-forwarded-host': 'attacker.example', 'x-forwarded-proto': 'https' }]) {
      const answer = await request(treeUrl(mirror.url), { headers });
      assert.equal(answer.status, 200);
      const next = nextOf(answer.headers);
      assert.ok(next, `a next link: ${answer.headers.link}`);
      assert.ok(next.startsWith(`${mirror.url}/api/models/org/many/tree/main?`), `${JSON.stringify(headers)}: ${next}`);
    }
  });

  test('--public-url (with a path prefix) and --trust-proxy-headers', async (t) => {
    const prefixed = await mirrorFor(t, ['--root', root, '--public-url', 'https://mirror.example:8443/hub/']);
    let answer = await request(treeUrl(prefixed.url), { headers: { host: 'attacker.example', 'x-forwarded-host': 'attacker.example' } });
    assert.ok(nextOf(answer.headers).startsWith('https://mirror.example:8443/hub/api/models/org/many/tree/main?'),
      answer.headers.link);
    const trusting = await mirrorFor(t, ['--root', root, '--public-url', 'http://inside.example/hub', '--trust-proxy-headers']);
    answer = await request(treeUrl(trusting.url), { headers: { 'x-forwarded-host': 'a.example, gatehouse.example', 'x-forwarded-proto': 'https' } });
    assert.ok(nextOf(answer.headers).startsWith('https://gatehouse.example/hub/api/models/org/many/tree/main?'), answer.headers.link);
    answer = await request(treeUrl(trusting.url), { headers: { 'x-forwarded-host': 'bad host/<x>' } });
    assert.ok(nextOf(answer.headers).startsWith('http://inside.example/hub/api/'), `a malformed forwarded host is ignored: ${answer.headers.link}`);
    answer = await request(treeUrl(trusting.url), { headers: { host: 'attacker.example' } });
    assert.ok(nextOf(answer.headers).startsWith('http://inside.example/hub/api/'), answer.headers.link);
    answer = await request(treeUrl(trusting.url), { headers: { host: 'attacker.example', 'x-forwarded-proto': 'https' } });
    assert.ok(nextOf(answer.headers).startsWith('https://inside.example/hub/api/'), `the scheme alone: ${answer.headers.link}`);
    answer = await request(treeUrl(trusting.url), { headers: { 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'g.example' } });
    assert.ok(nextOf(answer.headers).startsWith('http://g.example/hub/api/'), `only http or https: ${answer.headers.link}`);
  });

  test('a malformed --public-url is refused at start, naming the flag\'s value', async () => {
    for (const url of ['ftp://x.example', 'http://', 'http://user:pw@x.example', 'http://x.example/?q=1', 'x.example']) {
      const run = await runGatehouseAsync(['hub', 'serve', '--root', root, '--port', '0', '--public-url', url], {
        cache: scratch('cache-public-url'),
      });
      assert.equal(run.status, 1, `${url}: ${run.stderr}`);
      assert.match(run.stderr, /public URL/, url);
    }
  });

  test('the client sends no token to a Link on another origin; @huggingface/hub and gatehouse still page', async (t) => {
    const mirror = await mirrorFor(t, ['--root', root]);
    // The attacker serves the next page (from the mirror, so the listing stays right) and records headers.
    const attacker = await startServer((req, res) => forward(mirror.url, req, res, (answer, out) => {
      out.writeHead(answer.statusCode, answer.headers);
      answer.pipe(out);
    }));
    t.after(() => attacker.stop());
    // A front that answers as the mirror but points the next page at the attacker (another port, and
    // another host name: "localhost" is not the endpoint's "127.0.0.1").
    const front = await startServer((req, res) => forward(mirror.url, req, res, (answer, out) => {
      const headers = { ...answer.headers };
      if (headers.link) {
        headers.link = headers.link.replace(/<https?:\/\/[^/]+/, `<http://localhost:${attacker.port}`);
      }
      out.writeHead(answer.statusCode, headers);
      answer.pipe(out);
    }));
    t.after(() => front.stop());

    const cache = scratch('cache-link');
    const run = await runGatehouseAsync(['download', 'org/many', '--quiet', '--include', 'shards/item-10*'],
      { endpoint: front.url, cache, token: ALLOWED_TOKEN });
    assert.equal(run.status, 0, run.stderr);
    assert.ok(attacker.requests.length >= 1, 'the client followed the Link to the other host');
    for (const r of attacker.requests) assert.equal(r.headers.authorization, undefined, `token sent to ${r.url}`);
    assert.ok(front.requests.some((r) => r.headers.authorization === `Bearer ${ALLOWED_TOKEN}`),
      'the endpoint itself still gets the token');
    const snapshot = run.stdout.trim();
    const expected = Object.keys(many).filter((p) => p.startsWith('shards/item-10'));
    assert.deepEqual(fs.readdirSync(path.join(snapshot, 'shards')).map((f) => `shards/${f}`).sort(), expected.sort(),
      'files listed on the second page arrive too');

    // The official client pages through our mirror's Link.
    const hub = require('@huggingface/hub');
    const paths = [];
    for await (const entry of hub.listFiles({ repo: 'org/many', recursive: true, hubUrl: mirror.url })) {
      if (entry.type === 'file') paths.push(entry.path);
    }
    assert.deepEqual(paths.sort(), Object.keys(many).sort());
  });
});

// ------------------------------------------------------------------------------------------------
// 3. Interrupted downloads continue in the next run

describe('partial downloads are resumed across runs', () => {
  const big = crypto.randomBytes(24 * MiB);
  const etag = sha256(big);
  let mirror;
  let commit;
  before(async () => {
    const root = scratch('hub-resume');
    writeRepo(root, 'org/big', { 'model.safetensors': big });
    mirror = await startMirror(['--root', root]);
    commit = (await (await fetch(`${mirror.url}/api/models/org/big`)).json()).sha;
  });
  after(() => mirror?.stop());

  const isFileGet = (r) => r.method === 'GET' && r.url.endsWith('/model.safetensors');
  const blobs = (cache) => path.join(cache, 'models--org--big', 'blobs');
  const partialOf = (cache) => path.join(blobs(cache), `${etag}.incomplete`);

  // A proxy that forwards the file's body up to `limit` bytes and then sends nothing more (the
  // connection stays open), like a transfer in progress.
  async function startStallingProxy(limit) {
    return startServer((req, res) => forward(mirror.url, req, res, (answer, out) => {
      out.writeHead(answer.statusCode, answer.headers);
      if (!req.url.endsWith('/model.safetensors') || req.method !== 'GET') return answer.pipe(out);
      let sent = 0;
      answer.on('data', (chunk) => {
        if (sent >= limit) return;
        const part = chunk.subarray(0, limit - sent);
        sent += part.length;
        out.write(part);
      });
    }));
  }

  async function waitFor(condition, what, ms = 20_000) {
    const end = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  // Runs the download and kills it with `signal` once the partial file holds at least `atLeast` bytes.
  async function downloadAndKill(endpoint, cache, signal, atLeast) {
    const env = { ...process.env, HF_ENDPOINT: endpoint, HF_HUB_CACHE: cache, HF_HOME: path.join(cache, 'home') };
    delete env.HF_TOKEN;
    const child = spawn(bin, ['download', 'org/big', 'model.safetensors', '--quiet'], { env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('close', (code, sig) => resolve({ code, sig })));
    await waitFor(() => (fs.statSync(partialOf(cache), { throwIfNoEntry: false })?.size ?? 0) >= atLeast, 'partial bytes');
    child.kill(signal);
    return exited;
  }

  async function resumeAndCheck(t, cache) {
    const kept = fs.statSync(partialOf(cache)).size;
    const recorder = await startRecordingProxy(mirror.url);
    t.after(() => recorder.stop());
    const run = await runGatehouseAsync(['download', 'org/big', 'model.safetensors', '--quiet'], { endpoint: recorder.url, cache });
    assert.equal(run.status, 0, run.stderr);
    const gets = recorder.requests.filter(isFileGet);
    assert.equal(gets.length, 1, JSON.stringify(gets));
    assert.equal(gets[0].headers.range, `bytes=${kept}-`, 'the rerun asks only for the bytes it lacks');
    assert.equal(sha256(fs.readFileSync(path.join(blobs(cache), etag))), etag);
    assert.ok(fs.readFileSync(run.stdout.trim()).equals(big));
    assert.ok(!fs.existsSync(partialOf(cache)), 'the partial file became the blob');
    return kept;
  }

  for (const signal of ['SIGKILL', 'SIGINT', 'SIGTERM']) {
    test(`a download killed by ${signal} midway continues from its partial file`, async (t) => {
      const proxy = await startStallingProxy(Math.floor(6.5 * MiB));
      t.after(() => proxy.stop());
      const cache = scratch(`cache-${signal}`);
      const ended = await downloadAndKill(proxy.url, cache, signal, 6 * MiB);
      assert.equal(ended.sig, signal);
      assert.deepEqual(fs.readdirSync(blobs(cache)), [`${etag}.incomplete`], 'only huggingface_hub\'s partial name');
      const kept = await resumeAndCheck(t, cache);
      assert.ok(kept >= 6 * MiB && kept < big.length, `kept ${kept}`);
    });
  }

  test('a mirror down for longer than the retry window: the run fails, keeps its bytes, the next continues', async (t) => {
    const CUT = 5 * MiB + 123;
    let down = false;
    const proxy = await startServer((req, res) => {
      if (down) return res.socket.destroy();
      forward(mirror.url, req, res, (answer, out) => {
        out.writeHead(answer.statusCode, answer.headers);
        if (!(req.method === 'GET' && req.url.endsWith('/model.safetensors'))) return answer.pipe(out);
        let sent = 0;
        answer.on('data', (chunk) => {
          if (down) return;
          const part = chunk.subarray(0, CUT - sent);
          sent += part.length;
          if (sent < CUT) return void out.write(part);
          down = true;
          out.write(part, () => out.socket.destroy());
        });
      });
    });
    t.after(() => proxy.stop());
    const cache = scratch('cache-down');
    const started = Date.now();
    const run = await runGatehouseAsync(['download', 'org/big', 'model.safetensors', '--quiet', '--retry-window', '2'],
      { endpoint: proxy.url, cache });
    const seconds = (Date.now() - started) / 1000;
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /kept/);
    assert.ok(seconds < 15, `gave up after ${seconds} s with a 2 s window`);
    assert.ok(proxy.requests.filter(isFileGet).length >= 2, 'it retried within the window');
    assert.equal(fs.statSync(partialOf(cache)).size, CUT, 'every byte received is kept');
    await resumeAndCheck(t, cache);
  });

  test('GATEHOUSE_HUB_RETRY_WINDOW sets the window; a malformed value is refused', async () => {
    const dead = await startServer((req, res) => res.socket.destroy());
    await dead.stop();
    const cache = scratch('cache-window');
    let started = Date.now();
    let run = await runGatehouseAsync(['download', 'org/big', 'model.safetensors', '--quiet'],
      { endpoint: dead.url, cache, env: { GATEHOUSE_HUB_RETRY_WINDOW: '0' } });
    assert.equal(run.status, 1);
    assert.ok(Date.now() - started < 3000, 'a window of 0 does not retry');
    started = Date.now();
    run = await runGatehouseAsync(['download', 'org/big', 'model.safetensors', '--quiet'],
      { endpoint: dead.url, cache, env: { GATEHOUSE_HUB_RETRY_WINDOW: '2' } });
    assert.equal(run.status, 1);
    assert.ok(Date.now() - started >= 1500, 'a window of 2 s retries for about 2 s');
    run = await runGatehouseAsync(['download', 'org/big', '--quiet'], { endpoint: dead.url, cache, env: { GATEHOUSE_HUB_RETRY_WINDOW: 'soon' } });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /GATEHOUSE_HUB_RETRY_WINDOW='soon'/);
  });

  test('a partial file with wrong bytes is downloaded again, never kept as the blob', async (t) => {
    const cache = scratch('cache-corrupt');
    fs.mkdirSync(blobs(cache), { recursive: true });
    const wrong = Buffer.from(big.subarray(0, 3 * MiB));
    wrong[MiB + 5] ^= 0xff;
    fs.writeFileSync(partialOf(cache), wrong);
    const recorder = await startRecordingProxy(mirror.url);
    t.after(() => recorder.stop());
    const run = await runGatehouseAsync(['download', 'org/big', 'model.safetensors', '--quiet'], { endpoint: recorder.url, cache });
    assert.equal(run.status, 0, run.stderr);
    const ranges = recorder.requests.filter(isFileGet).map((r) => r.headers.range);
    assert.deepEqual(ranges, [`bytes=${3 * MiB}-`, undefined], 'resumed, found wrong, fetched whole');
    assert.equal(sha256(fs.readFileSync(path.join(blobs(cache), etag))), etag);
    assert.deepEqual(fs.readdirSync(blobs(cache)), [etag]);
  });

  test('a partial file larger than the blob is discarded', async (t) => {
    const cache = scratch('cache-too-large');
    fs.mkdirSync(blobs(cache), { recursive: true });
    fs.writeFileSync(partialOf(cache), Buffer.concat([big, Buffer.from('trailing junk')]));
    const recorder = await startRecordingProxy(mirror.url);
    t.after(() => recorder.stop());
    const run = await runGatehouseAsync(['download', 'org/big', 'model.safetensors', '--quiet'], { endpoint: recorder.url, cache });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(recorder.requests.filter(isFileGet).map((r) => r.headers.range), [undefined]);
    assert.equal(sha256(fs.readFileSync(path.join(blobs(cache), etag))), etag);
    assert.deepEqual(fs.readdirSync(blobs(cache)), [etag]);
    assert.ok(commit);
  });

  test('a complete partial file is verified and renamed without downloading it again', async (t) => {
    const cache = scratch('cache-complete');
    fs.mkdirSync(blobs(cache), { recursive: true });
    fs.writeFileSync(partialOf(cache), big);
    const recorder = await startRecordingProxy(mirror.url);
    t.after(() => recorder.stop());
    const run = await runGatehouseAsync(['download', 'org/big', 'model.safetensors', '--quiet'], { endpoint: recorder.url, cache });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(recorder.requests.filter(isFileGet), [], 'no GET of the file');
    assert.deepEqual(fs.readdirSync(blobs(cache)), [etag]);
  });
});

// ------------------------------------------------------------------------------------------------
// 4. Small wrong answers

describe('ranges, empty path parts and X-Repo-Commit', () => {
  const config = '{"hidden_size": 64}';
  let mirror;
  before(async () => {
    const root = scratch('hub-small');
    writeRepo(root, 'org/name', { 'config.json': config, 'a/b.json': '{}' });
    mirror = await startMirror(['--root', root]);
  });
  after(() => mirror?.stop());

  test('Range positions past 2^64 - 1 are unsatisfiable (416) like any start past the end', async () => {
    const url = `${mirror.url}/org/name/resolve/main/config.json`;
    for (const range of ['bytes=99999999999999999999-', 'bytes=18446744073709551615-', 'bytes=18446744073709551616-',
      'bytes=99999999999999999999-99999999999999999999', `bytes=${config.length}-`]) {
      const answer = await request(url, { headers: { range } });
      assert.equal(answer.status, 416, range);
      assert.equal(answer.headers['content-range'], `bytes */${config.length}`, range);
    }
    let answer = await request(url, { headers: { range: 'bytes=3-99999999999999999999' } });
    assert.equal(answer.status, 206);
    assert.equal(answer.body.toString(), config.slice(3));
    answer = await request(url, { headers: { range: 'bytes=-99999999999999999999' } });
    assert.equal(answer.status, 206);
    assert.equal(answer.body.toString(), config);
    answer = await request(url, { headers: { range: 'bytes=99999999999999999999-5' } });  // last < first: ignored
    assert.equal(answer.status, 200);
  });

  test('a file path with an empty part is 404, never the file', async () => {
    for (const file of ['config.json/', 'config.json//', 'a//b.json', 'a/b.json/', 'config.json%2F', 'a%2F%2Fb.json']) {
      for (const method of ['GET', 'HEAD']) {
        const answer = await request(`${mirror.url}/org/name/resolve/main/${file}`, { method });
        assert.equal(answer.status, 404, `${method} ${file}`);
        assert.equal(answer.headers['x-error-code'], 'EntryNotFound', file);
      }
    }
    const tree = await request(`${mirror.url}/api/models/org/name/tree/main/a//`);
    assert.equal(tree.status, 404);
    assert.equal((await request(`${mirror.url}/api/models/org/name/tree/main/`)).status, 200, 'a trailing / lists the root');
    assert.equal((await request(`${mirror.url}/org/name/resolve/main/a/b.json`)).status, 200);
  });

  test('an invalid X-Repo-Commit is reported as invalid, naming the header and the value (truncated)', async (t) => {
    for (const bad of ['not-a-commit', 'ABCDEF'.repeat(7).slice(0, 40), 'x'.repeat(500)]) {
      const front = await startServer((req, res) => forward(mirror.url, req, res, (answer, out) => {
        out.writeHead(answer.statusCode, { ...answer.headers, 'x-repo-commit': bad });
        answer.pipe(out);
      }));
      t.after(() => front.stop());
      const run = await runGatehouseAsync(['download', 'org/name', 'config.json', '--quiet'], { endpoint: front.url, cache: scratch('cache-commit') });
      assert.equal(run.status, 1);
      assert.match(run.stderr, /invalid X-Repo-Commit header '/);
      assert.doesNotMatch(run.stderr, /did not send/);
      assert.ok(run.stderr.includes(bad.slice(0, 100)), run.stderr);
      if (bad.length > 120) assert.ok(!run.stderr.includes(bad), 'a long value is cut');
    }
  });

  test('an invalid commit id in the repo info is named too', async (t) => {
    const front = await startServer((req, res) => forward(mirror.url, req, res, (answer, out) => {
      const chunks = [];
      answer.on('data', (chunk) => chunks.push(chunk));
      answer.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.url.startsWith('/api/models/org/name/revision/')) {
          body = Buffer.from(JSON.stringify({ ...JSON.parse(body), sha: 'not-a-commit' }));
        }
        out.writeHead(answer.statusCode, { ...answer.headers, 'content-length': body.length });
        out.end(body);
      });
    }));
    t.after(() => front.stop());
    const run = await runGatehouseAsync(['download', 'org/name', '--quiet'], { endpoint: front.url, cache: scratch('cache-sha') });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /invalid commit id \("sha"\) 'not-a-commit'/);
  });
});
