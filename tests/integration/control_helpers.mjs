// Shared by the control plane tests: `gatehouse up` started on a free port with its own data directory (and
// stopped by the test), logging in, calling the Blueprints API, and waiting for a deployment's status.
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import { startListening } from './helpers.mjs';

export const ADMIN_PASSWORD = 'correct horse battery staple 42';
export const examplesDir = fileURLToPath(new URL('../../../shared/blueprints-examples/', import.meta.url));

export function readExample(name) {
  return JSON.parse(fs.readFileSync(path.join(examplesDir, name), 'utf8'));
}

// Starts `gatehouse up --host 127.0.0.1 --port 0 --data-dir DATA ARGS` with the admin password set (see startListening).
export function startControlPlane(dataDir, args = [], { env = {}, startupMs = 30_000 } = {}) {
  return startListening(['up', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...args], {
    env: { GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env }, startupMs, stopMs: 10_000,
  });
}

// POST /login/ with a form; resolves to the token.
export async function login(url, password = ADMIN_PASSWORD, username = 'admin') {
  const response = await fetch(`${url}/login/`, {
    method: 'POST', body: new URLSearchParams({ username, password }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.token;
}

// Calls the API; resolves to {status, headers, text, json}.
export async function api(url, token, method, route, body) {
  const headers = {};
  if (token) headers.Authorization = `Token ${token}`;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(`${url}${route}`, { method, headers, body: payload });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, headers: response.headers, text, json };
}

// Polls GET /deployment/<uuid>/ until its status is one of `wanted` (or a terminal one); resolves to it.
export async function waitForStatus(url, token, uuid, wanted, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = (await api(url, token, 'GET', `/deployment/${uuid}/`)).json;
    if (wanted.includes(last.deployment_status)) return last;
    if (['failed', 'completed'].includes(last.deployment_status)) {
      assert.fail(`deployment ${uuid} ended ${last.deployment_status} while waiting for ${wanted}: ${last.last_error}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`deployment ${uuid} did not reach ${wanted} in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

// A fetch for clients that must reach a deployment by its public host name without DNS: requests go to
// 127.0.0.1:port while their URL (and so their Host header) keeps the nip.io name, as a resolver would do it.
export function fetchThroughLoopback(port) {
  return (input, init = {}) => new Promise((resolve, reject) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = Object.fromEntries(new Headers(init.headers ?? {}));
    headers.host = url.host;
    const request = http.request({
      host: '127.0.0.1', port, method: init.method ?? 'GET', path: url.pathname + url.search, headers, signal: init.signal,
    }, (response) => {
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(response.headers)) {
        responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const body = [204, 304].includes(response.statusCode) ? null : Readable.toWeb(response);
      resolve(new Response(body, { status: response.statusCode, headers: responseHeaders }));
    });
    request.on('error', reject);
    request.end(init.body ?? undefined);
  });
}
