// The control plane's client commands (gatehouse secrets / deploy / deployments / logs / undeploy)
// run as a user runs them, against a real `gatehouse up` on a free port: credentials from the
// environment, the server's own messages on failure, and no secret value in anything they print.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { bin } from './helpers.mjs';

const PASSWORD = `pw-${crypto.randomBytes(12).toString('hex')}`;
// Planted in every secret this file writes: no command may print it.
const SECRET = `planted-${crypto.randomBytes(12).toString('hex')}`;

const UUID = /^[0-9a-f][0-9a-f-]{31,35}$/;

let dir;
let up;
let url;

// Starts `gatehouse up` and resolves with its URL, read from its first line of output.
function startUp(dataDir) {
  const child = spawn(bin, ['up', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, GATEHOUSE_ADMIN_PASSWORD: PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`gatehouse up did not listen within 30 s: ${stderr}`)), 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const match = stdout.match(/^gatehouse up: listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`gatehouse up exited ${code ?? signal} before listening: ${stderr}`));
    });
  });
}

// The environment of a client command: only what a user would set, plus `extra`.
function clientEnv(extra = {}) {
  const env = { PATH: process.env.PATH, GATEHOUSE_URL: url, GATEHOUSE_PASSWORD: PASSWORD, ...extra };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  return env;
}

// Runs `gatehouse ARGS` to the end; checks that the planted value appears nowhere in what it printed.
function run(args, extraEnv = {}) {
  const result = spawnSync(bin, args, { env: clientEnv(extraEnv), encoding: 'utf8', input: '', timeout: 60_000 });
  if (result.error) throw result.error;
  for (const [stream, text] of [['stdout', result.stdout], ['stderr', result.stderr]]) {
    assert.ok(!text.includes(SECRET), `gatehouse ${args.join(' ')} printed the secret value on ${stream}`);
  }
  return result;
}

function ok(args, extraEnv) {
  const result = run(args, extraEnv);
  assert.equal(result.status, 0, `gatehouse ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

function fails(args, extraEnv) {
  const result = run(args, extraEnv);
  assert.equal(result.status, 1, `gatehouse ${args.join(' ')} should have failed: ${result.stdout}${result.stderr}`);
  return result.stderr;
}

function writeJson(name, value) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

// The rows of a table the CLI printed, keyed by the first column; `header` is checked.
function tableRows(text, header) {
  const lines = text.trimEnd().split('\n');
  assert.deepEqual(lines[0].split(/\s+/), header);
  return new Map(lines.slice(1).map((line) => [line.split(/\s+/)[0], line.split(/\s{2,}/)]));
}

before(async () => {
  assert.ok(bin, 'GATEHOUSE_BIN must point at the gatehouse binary');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-control-cli-'));
  ({ child: up, url } = await startUp(path.join(dir, 'data')));
});

after(async () => {
  if (up && up.exitCode === null && up.signalCode === null) {
    const exited = new Promise((resolve) => up.on('exit', resolve));
    up.kill('SIGTERM');
    await exited;
  }
  if (dir && !process.env.GATEHOUSE_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
});

describe('connection and login', () => {
  test('a control plane that is not running is named with how to start one', async () => {
    const port = await new Promise((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address();
        server.close(() => resolve(free));
      });
    });
    const stderr = fails(['deployments'], { GATEHOUSE_URL: `http://127.0.0.1:${port}` });
    assert.match(stderr, new RegExp(`cannot reach the control plane at http://127\\.0\\.0\\.1:${port}: start it with \`gatehouse up\``));
  });

  test('without a password or token, and no terminal, it says which variables to set', () => {
    const stderr = fails(['secrets', 'list'], { GATEHOUSE_PASSWORD: undefined });
    assert.match(stderr, /GATEHOUSE_API_TOKEN/);
    assert.match(stderr, /GATEHOUSE_PASSWORD/);
  });

  test('a wrong password gets the server\'s refusal; a token from /login/ works without one', async () => {
    const stderr = fails(['secrets', 'list'], { GATEHOUSE_PASSWORD: 'not-the-password' });
    assert.match(stderr, /refused the login of 'admin': Unable to log in with provided credentials/);
    const login = await fetch(`${url}/login/`, { method: 'POST', body: new URLSearchParams({ username: 'admin', password: PASSWORD }) });
    const { token } = await login.json();
    assert.match(ok(['secrets', 'list'], { GATEHOUSE_PASSWORD: undefined, GATEHOUSE_API_TOKEN: token }), /^NAME\s+TYPE\s+KEYS\s+CREATED/);
    assert.match(fails(['secrets', 'list'], { GATEHOUSE_PASSWORD: undefined, GATEHOUSE_API_TOKEN: 'f'.repeat(40) }), /Invalid token\. \(HTTP 401\)/);
  });
});

describe('secrets', () => {
  test('create from an environment variable and a file, list, update, delete', () => {
    const file = path.join(dir, 'database_url');
    fs.writeFileSync(file, `postgresql://${SECRET}@db:5432/app`);
    const created = ok(['secrets', 'create', 'app-config', '--from-env', 'api_key=APP_KEY', '--from-file', `database_url=${file}`],
      { APP_KEY: SECRET });
    assert.equal(created, "Secret 'app-config' created successfully\n");

    const rows = tableRows(ok(['secrets', 'list']), ['NAME', 'TYPE', 'KEYS', 'CREATED']);
    assert.deepEqual(rows.get('app-config').slice(0, 2), ['app-config', 'Opaque']);
    assert.deepEqual(rows.get('app-config')[2].split(',').sort(), ['api_key', 'database_url']);
    const listed = JSON.parse(ok(['secrets', 'list', '--json', '--namespace', 'default']));
    assert.deepEqual(listed.find((s) => s.name === 'app-config').data_keys.sort(), ['api_key', 'database_url']);
    assert.deepEqual(JSON.parse(ok(['secrets', 'list', '--json', '--namespace', 'elsewhere'])), []);

    assert.match(fails(['secrets', 'create', 'app-config', '--from-env', 'api_key=APP_KEY'], { APP_KEY: SECRET }), /Secret 'app-config' already exists in namespace 'default'/);
    assert.equal(ok(['secrets', 'update', 'app-config', '--from-env', 'api_key=APP_KEY'], { APP_KEY: `${SECRET}-2` }),
      "Secret 'app-config' updated successfully\n");
    assert.deepEqual(JSON.parse(ok(['secrets', 'list', '--json'])).find((s) => s.name === 'app-config').data_keys, ['api_key']);
    assert.equal(ok(['secrets', 'delete', 'app-config']), "Secret 'app-config' deleted successfully\n");
    assert.ok(!tableRows(ok(['secrets', 'list']), ['NAME', 'TYPE', 'KEYS', 'CREATED']).has('app-config'));
    assert.match(fails(['secrets', 'delete', 'app-config']), /Secret 'app-config' not found/);
    assert.match(fails(['secrets', 'update', 'app-config', '--from-env', 'k=APP_KEY'], { APP_KEY: SECRET }), /Secret 'app-config' not found/);
  });

  test('a container registry secret takes its password from the environment', () => {
    ok(['secrets', 'create', 'iad-creds', '--registry-server', 'iad.ocir.io', '--registry-username', 'tenancy/user',
      '--registry-email', 'user@example.com', '--password-from-env', 'REGISTRY_PASSWORD'], { REGISTRY_PASSWORD: SECRET });
    const item = JSON.parse(ok(['secrets', 'list', '--json'])).find((s) => s.name === 'iad-creds');
    assert.equal(item.type, 'kubernetes.io/dockerconfigjson');
    assert.match(fails(['secrets', 'create', 'phx-creds', '--registry-server', 'phx.ocir.io', '--registry-username', 'u',
      '--registry-email', 'e@example.com']), /needs --password-from-env/);
    ok(['secrets', 'delete', 'iad-creds']);
  });

  test('values that cannot be read are named by their flag, not sent', () => {
    assert.match(fails(['secrets', 'create', 'x', '--from-env', 'k=GATEHOUSE_TEST_UNSET']), /GATEHOUSE_TEST_UNSET is not set/);
    assert.match(fails(['secrets', 'create', 'x', '--from-env', 'novalue']), /--from-env takes KEY=ENVVAR/);
    assert.match(fails(['secrets', 'create', 'x']), /needs data/);
    assert.match(fails(['secrets', 'create', 'x', '--from-file', `k=${path.join(dir, 'missing')}`]), /missing/);
  });

  test('apply sends a Blueprints secrets_payload file as it is', () => {
    const create = writeJson('create.json', { secrets_payload: [
      { name: 'hf-secret', action: 'create', type: 'opaque', data: { 'hf-token': SECRET } },
      { name: 'second', action: 'create', type: 'opaque', data: { a: SECRET, b: SECRET } },
    ] });
    assert.equal(ok(['secrets', 'apply', create]),
      "Secret 'hf-secret' created successfully\nSecret 'second' created successfully\n");
    const mixed = writeJson('mixed.json', { secrets_payload: [
      { name: 'second', action: 'delete' },
      { name: 'never-made', action: 'delete' },
    ] });
    const result = run(['secrets', 'apply', mixed]);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, "Secret 'second' deleted successfully\n");
    assert.match(result.stderr, /Secret 'never-made' not found/);
    const invalid = writeJson('invalid.json', { secrets_payload: [{ name: 'hf-secret', action: 'update', type: 'opaque' }] });
    assert.match(fails(['secrets', 'apply', invalid]), /secrets_payload\[0\]\.data/);
    fs.writeFileSync(path.join(dir, 'broken.json'), '{"secrets_payload": [');
    assert.match(fails(['secrets', 'apply', path.join(dir, 'broken.json')]), /broken\.json/);
    ok(['secrets', 'delete', 'hf-secret']);
  });
});

describe('deployments', () => {
  test('an invalid recipe is refused with the field named', () => {
    const noName = writeJson('no-name.json', { recipe_mode: 'job' });
    assert.match(fails(['deploy', noName]), /deployment_name/);
    const badMode = writeJson('bad-mode.json', { recipe_mode: 'sideways', deployment_name: 'x' });
    assert.match(fails(['deploy', badMode]), /recipe_mode/);
    assert.match(fails(['deploy', path.join(dir, 'absent.json')]), /absent\.json/);
  });

  test('undeploying an unknown deployment gets the server\'s 404', () => {
    const uuid = crypto.randomUUID();
    const stderr = fails(['undeploy', uuid]);
    assert.match(stderr, new RegExp(`deployment_uuid '${uuid}'`));
    assert.match(stderr, /HTTP 404/);
    assert.match(fails(['logs', uuid]), /HTTP 404/);
  });

  test('deploy --wait of a job that fails exits 1 with the deployment\'s last error', () => {
    const recipe = writeJson('broken.json', {
      recipe_mode: 'job', deployment_name: 'broken', recipe_image_uri: 'gatehouse',
      recipe_container_command_args: ['tokenize', '--no-such-flag'],
    });
    const result = run(['deploy', recipe, '--wait', '--timeout', '60']);
    assert.equal(result.status, 1, result.stderr);
    const uuid = result.stdout.trim();
    assert.match(uuid, UUID);
    assert.match(result.stderr, new RegExp(`deployment 'broken' failed: replica \\S+ exited[\\s\\S]+ \\(gatehouse logs ${uuid} shows more\\)`));
    ok(['undeploy', uuid]);
  });

  test('deploy --wait, list, logs of a job; following a finished job prints its logs and ends', () => {
    const recipe = writeJson('hello.json', {
      recipe_mode: 'job', deployment_name: 'hello', recipe_image_uri: 'gatehouse',
      recipe_container_command_args: ['tokenize', '--help'],
    });
    const uuid = ok(['deploy', recipe, '--wait', '--timeout', '60']).trim();
    assert.match(uuid, UUID);

    const rows = tableRows(ok(['deployments']), ['UUID', 'NAME', 'MODE', 'STATUS', 'DIRECTIVE', 'CREATED']);
    assert.deepEqual(rows.get(uuid).slice(0, 5), [uuid, 'hello', 'job', 'completed', 'commission']);
    const item = JSON.parse(ok(['deployments', '--json'])).find((d) => d.deployment_uuid === uuid);
    assert.equal(item.deployment_status, 'completed');

    const logs = ok(['logs', uuid]);
    assert.match(logs, /^\d{4}-\d\d-\d\d \d\d:\d\d [AP]M UTC \S+ \S+/m);
    assert.match(logs, /^\[replica [^\]]+\] .*tokenize/m);
    assert.equal(ok(['logs', uuid, '--tail', '1']).split('\n').filter((l) => l.startsWith('[replica')).length, 1);
    const followed = ok(['logs', uuid, '--follow']);
    assert.equal(followed, logs, 'following a finished job prints what logs prints, then ends');
    assert.equal(ok(['undeploy', uuid]), `${uuid}: decommission\n`);
  });

  test('logs --follow prints a running job\'s output as it comes and ends once it is undeployed', async () => {
    const root = path.join(dir, 'empty-hub');
    fs.mkdirSync(root);
    const recipe = writeJson('long.json', {
      recipe_mode: 'job', deployment_name: 'long-running', recipe_image_uri: 'gatehouse',
      recipe_container_command_args: ['hub', 'serve', '--root', root, '--port', '0'],
    });
    const uuid = ok(['deploy', recipe]).trim();
    const follower = spawn(bin, ['logs', uuid, '--follow'], { env: clientEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let followed = '';
    follower.stdout.setEncoding('utf8').on('data', (chunk) => { followed += chunk; });
    const exited = new Promise((resolve) => follower.on('exit', resolve));
    const deadline = Date.now() + 30_000;
    while (!/^\[replica [^\]]+\] listening on http/m.test(followed) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(followed, /^\[replica [^\]]+\] listening on http/m, 'the job\'s output while it runs');
    assert.equal(follower.exitCode, null, 'still following a running job');
    assert.equal(ok(['undeploy', uuid]), `${uuid}: decommission\n`);
    const timer = setTimeout(() => follower.kill('SIGKILL'), 20_000);
    assert.equal(await exited, 0, 'logs --follow ends by itself once the deployment is undeployed');
    clearTimeout(timer);
  });
});
