// CORS on `gatehouse serve`, as a browser would meet it: preflights (OPTIONS with Origin and
// Access-Control-Request-Method) and cross-origin requests with an Origin header, sent with node:http so every header
// goes out as written. vLLM's flags and defaults (--allowed-origins, --allowed-methods, --allowed-headers as JSON
// lists, all ["*"]; --allow-credentials off), Starlette's answers (200 "OK" or 400 "Disallowed CORS ..."), and
// --api-key: a preflight needs no key, the request after it still does.
//
// Three servers share one tiny random-weight Llama checkpoint: `open` (the defaults, with --api-key), `listed` (listed
// origins, methods and headers) and `credentials` (--allow-credentials). All are stopped by the file. Nothing leaves
// 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

import { bin } from './helpers.mjs';
import { tempDir } from './hub_helpers.mjs';
import { makeLlamaCheckpoint, sseData, startServer } from './serve_helpers.mjs';

const API_KEY = `sk-gatehouse-${crypto.randomBytes(12).toString('hex')}`;
const APP = 'http://app.example:3000';
const ALL_METHODS = 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT';

let workDir;
let modelDir;
let open;
let listed;
let credentials;

before(async () => {
  workDir = tempDir('serve-cors');
  modelDir = makeLlamaCheckpoint(workDir);
  const started = await Promise.allSettled([
    startServer(['--model', modelDir, '--api-key', API_KEY]),
    startServer(['--model', modelDir, '--allowed-origins', JSON.stringify([APP, 'https://other.example']),
      '--allowed-methods', '["GET", "POST"]', '--allowed-headers', '["Authorization", "X-Request-Id"]']),
    startServer(['--model', modelDir, '--allow-credentials']),
  ]);
  [open, listed, credentials] = started.map((s) => s.value);  // after() stops whichever started
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
});

after(async () => {
  await Promise.all([open?.stop(), listed?.stop(), credentials?.stop()]);
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

// One request with exactly these headers; resolves to {status, headers (lower-cased), text}.
function send(server, method, path, headers = {}, body = undefined) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.end(typeof body === 'string' ? body : JSON.stringify(body));
    else req.end();
  });
}

const preflight = (server, origin, method, requestHeaders) => send(server, 'OPTIONS', '/v1/chat/completions', {
  Origin: origin, 'Access-Control-Request-Method': method,
  ...(requestHeaders === undefined ? {} : { 'Access-Control-Request-Headers': requestHeaders }),
});

const chatBody = (extra = {}) => ({ model: modelDir, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2, ...extra });

test('defaults: any origin, method and header; a preflight needs no API key, the request still does', async () => {
  const answer = await preflight(open, APP, 'POST', 'authorization, content-type, x-stainless-os');
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.text, 'OK');
  assert.equal(answer.headers['access-control-allow-origin'], '*');
  assert.equal(answer.headers['access-control-allow-methods'], ALL_METHODS);
  assert.equal(answer.headers['access-control-allow-headers'], 'authorization, content-type, x-stainless-os');
  assert.equal(answer.headers['access-control-max-age'], '600');
  assert.equal(answer.headers['access-control-allow-credentials'], undefined);
  // Any path: the policy answers before routing.
  assert.equal((await send(open, 'OPTIONS', '/no/such/route', { Origin: APP, 'Access-Control-Request-Method': 'GET' })).status, 200);

  const json = { 'Content-Type': 'application/json', Origin: APP };
  const withoutKey = await send(open, 'POST', '/v1/chat/completions', json, chatBody());
  assert.equal(withoutKey.status, 401, withoutKey.text);
  // The refusal is readable by the browser app, so it can tell the user about the key.
  assert.equal(withoutKey.headers['access-control-allow-origin'], '*');
  assert.doesNotMatch(JSON.stringify(withoutKey), new RegExp(API_KEY));

  const withKey = await send(open, 'POST', '/v1/chat/completions', { ...json, Authorization: `Bearer ${API_KEY}` }, chatBody());
  assert.equal(withKey.status, 200, withKey.text);
  assert.equal(withKey.headers['access-control-allow-origin'], '*');
  assert.equal(withKey.headers.vary, undefined);

  const streamed = await send(open, 'POST', '/v1/chat/completions', { ...json, Authorization: `Bearer ${API_KEY}` },
    chatBody({ stream: true }));
  assert.equal(streamed.status, 200, streamed.text);
  assert.equal(streamed.headers['access-control-allow-origin'], '*');
  assert.equal(sseData(streamed.text).at(-1), '[DONE]');

  // No Origin, no CORS headers; and an OPTIONS that is not a preflight is routed as before.
  const plain = await send(open, 'GET', '/health');
  assert.equal(plain.headers['access-control-allow-origin'], undefined);
  const notPreflight = await send(open, 'OPTIONS', '/v1/models', { Origin: APP });
  assert.equal(notPreflight.status, 401);
});

test('--allowed-origins, --allowed-methods, --allowed-headers: listed ones are allowed, others refused with 400', async () => {
  const allowed = await preflight(listed, APP, 'POST', 'Authorization,Content-Type, x-request-id');
  assert.equal(allowed.status, 200, allowed.text);
  assert.equal(allowed.headers['access-control-allow-origin'], APP);
  assert.equal(allowed.headers.vary, 'Origin');
  assert.equal(allowed.headers['access-control-allow-methods'], 'GET, POST');
  assert.equal(allowed.headers['access-control-allow-headers'],
    'Accept, Accept-Language, Authorization, Content-Language, Content-Type, X-Request-Id');

  for (const [origin, method, headers, failure] of [
    ['http://evil.example', 'POST', undefined, 'Disallowed CORS origin'],
    [`${APP}/`, 'POST', undefined, 'Disallowed CORS origin'],
    ['http://app.example', 'POST', undefined, 'Disallowed CORS origin'],
    [APP, 'DELETE', undefined, 'Disallowed CORS method'],
    [APP, 'POST', 'authorization, x-api-key', 'Disallowed CORS headers'],
    ['null', 'PUT', 'cookie', 'Disallowed CORS origin, method, headers'],
  ]) {
    const refused = await preflight(listed, origin, method, headers);
    assert.equal(refused.status, 400, `${origin} ${method} ${headers}`);
    assert.equal(refused.text, failure);
    if (failure.includes('origin')) assert.equal(refused.headers['access-control-allow-origin'], undefined);
  }

  const ok = await send(listed, 'GET', '/v1/models', { Origin: 'https://other.example' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['access-control-allow-origin'], 'https://other.example');
  assert.equal(ok.headers.vary, 'Origin');
  // A request from an origin not listed is answered (CORS is the browser's to enforce) without the header it needs.
  const other = await send(listed, 'GET', '/v1/models', { Origin: 'http://evil.example' });
  assert.equal(other.status, 200);
  assert.equal(other.headers['access-control-allow-origin'], undefined);
});

test('--allow-credentials: the origin is echoed instead of "*", with Vary: Origin', async () => {
  const answer = await preflight(credentials, APP, 'POST', 'content-type');
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.headers['access-control-allow-origin'], APP);
  assert.equal(answer.headers['access-control-allow-credentials'], 'true');
  assert.equal(answer.headers.vary, 'Origin');

  const withCookie = await send(credentials, 'POST', '/v1/chat/completions',
    { 'Content-Type': 'application/json', Origin: APP, Cookie: 'session=1' }, chatBody());
  assert.equal(withCookie.status, 200, withCookie.text);
  assert.equal(withCookie.headers['access-control-allow-origin'], APP);
  assert.equal(withCookie.headers['access-control-allow-credentials'], 'true');
  assert.equal(withCookie.headers.vary, 'Origin');

  // Off by default.
  assert.equal((await preflight(open, APP, 'POST')).headers['access-control-allow-credentials'], undefined);
});

test('CORS flags that are not JSON lists of strings stop the server with a clear error', () => {
  for (const [flag, value] of [
    ['--allowed-origins', 'http://app.example'],
    ['--allowed-origins', '{"origin": "http://app.example"}'],
    ['--allowed-methods', '["GET", 1]'],
    ['--allowed-headers', '["Authorization"'],
  ]) {
    const run = spawnSync(bin, ['serve', '--model', modelDir, '--host', '127.0.0.1', '--port', '0', flag, value],
      { encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(run.status, 0, `${flag} ${value} was accepted`);
    assert.ok(run.stderr.includes(flag), run.stderr);
    assert.doesNotMatch(run.stdout, /listening on/);
  }
});
