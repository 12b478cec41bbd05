// The HTTP layer of `gatehouse serve` spoken to byte by byte over raw TCP (node:net), where a real client library
// would hide the framing: HTTP/1.0 clients (a stream without chunked framing that ends with the connection,
// Content-Length on whole answers, keep-alive only when asked for and then announced), request bodies in transfer
// codings the server cannot decode (501, or 400 when chunked is not last, and the connection closed), and
// absolute-form request targets (routed on their path, for GET and POST).
//
// One server on a tiny random-weight Llama checkpoint; every socket a test opens is closed, and the server is
// stopped by the file. Nothing leaves 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';

import { tempDir } from './hub_helpers.mjs';
import { makeLlamaCheckpoint, sseData, startServer } from './serve_helpers.mjs';

const SERVED = 'tiny-llama';
const PROMPT = 'The quick brown fox';

let workDir;
let server;

before(async () => {
  workDir = tempDir('http-protocol');
  server = await startServer(['--model', makeLlamaCheckpoint(workDir), '--served-model-name', SERVED]);
});

after(async () => {
  await server?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

// A raw connection to the server: send() bytes, read one response framed by Content-Length, or everything until the
// server closes. Each read gives up after 30 s.
class RawConnection {
  constructor(port) {
    this.socket = net.connect(port, '127.0.0.1');
    this.buffer = Buffer.alloc(0);
    this.closed = false;
    this.waiters = [];
    this.socket.on('data', (chunk) => { this.buffer = Buffer.concat([this.buffer, chunk]); this.wake(); });
    this.socket.on('end', () => { this.closed = true; this.wake(); });
    this.socket.on('close', () => { this.closed = true; this.wake(); });
    this.socket.on('error', () => { this.closed = true; this.wake(); });
  }

  wake() { for (const waiter of this.waiters.splice(0)) waiter(); }

  send(text) { this.socket.write(text); }

  async until(done, what) {
    const deadline = Date.now() + 30_000;
    while (!done()) {
      if (this.closed && !done()) throw new Error(`connection closed before ${what}: ${this.buffer.toString('latin1')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within 30 s: ${this.buffer.toString('latin1')}`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  // One response: {status, head (the raw header text), headers (lower-cased names), body (Buffer)}.
  async response() {
    await this.until(() => this.buffer.indexOf('\r\n\r\n') >= 0, 'response headers');
    const end = this.buffer.indexOf('\r\n\r\n');
    const parsed = parseHead(this.buffer.subarray(0, end).toString('latin1'));
    const length = Number(parsed.headers['content-length']);
    assert.ok(Number.isInteger(length), `no Content-Length in ${parsed.head}`);
    await this.until(() => this.buffer.length >= end + 4 + length, 'the response body');
    const body = this.buffer.subarray(end + 4, end + 4 + length);
    this.buffer = this.buffer.subarray(end + 4 + length);
    return { ...parsed, body };
  }

  // Everything until the server closes, as {status, head, headers, body}.
  async untilClosed() {
    await this.until(() => this.closed, 'the end of the connection');
    const end = this.buffer.indexOf('\r\n\r\n');
    assert.ok(end >= 0, `no response headers in ${this.buffer.toString('latin1')}`);
    return { ...parseHead(this.buffer.subarray(0, end).toString('latin1')), body: this.buffer.subarray(end + 4) };
  }

  async isClosedByServer() {
    await this.until(() => this.closed, 'the server to close the connection');
    return this.buffer.length === 0;
  }

  close() { this.socket.destroy(); }
}

function parseHead(head) {
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    headers[name] = headers[name] === undefined ? line.slice(colon + 1).trim() : `${headers[name]}, ${line.slice(colon + 1).trim()}`;
  }
  return { status: Number(statusLine.split(' ')[1]), statusLine, head, headers };
}

async function withConnection(fn) {
  const connection = new RawConnection(server.port);
  try {
    return await fn(connection);
  } finally {
    connection.close();
  }
}

const request = (method, target, { version = '1.1', headers = {}, body } = {}) => {
  const lines = [`${method} ${target} HTTP/${version}`];
  const all = { ...headers };
  if (body !== undefined) {
    all['Content-Type'] = 'application/json';
    if (!Object.keys(all).some((h) => h.toLowerCase() === 'transfer-encoding')) all['Content-Length'] = Buffer.byteLength(body);
  }
  for (const [name, value] of Object.entries(all)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
};

const completionBody = (extra = {}) => JSON.stringify({ model: SERVED, prompt: PROMPT, max_tokens: 4, temperature: 0, ...extra });

// ---------------------------------------------------------------------------------------------------------------
// HTTP/1.0

test('HTTP/1.0: a stream comes without chunked framing, as SSE text, and the connection closes', async () => {
  for (const [path, body] of [
    ['/v1/completions', completionBody({ stream: true })],
    ['/v1/chat/completions', JSON.stringify({
      model: SERVED, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3, temperature: 0, stream: true,
    })],
  ]) {
    for (const keepAlive of [false, true]) {
      const answer = await withConnection(async (connection) => {
        connection.send(request('POST', path, { version: '1.0', headers: keepAlive ? { Connection: 'keep-alive' } : {}, body }));
        return connection.untilClosed();
      });
      assert.equal(answer.status, 200, answer.head);
      assert.equal(answer.headers['transfer-encoding'], undefined, answer.head);
      assert.equal(answer.headers['content-length'], undefined, answer.head);
      assert.equal(answer.headers.connection, 'close', answer.head);
      assert.match(answer.headers['content-type'], /^text\/event-stream/);
      const text = answer.body.toString('utf8');
      // SSE events and nothing else: no chunk-size lines, no terminating zero chunk.
      assert.match(text, /^data: \{/, text);
      assert.ok(text.endsWith('data: [DONE]\n\n'), text);
      assert.doesNotMatch(text, /^[0-9a-f]+\r$/m, text);
      const events = sseData(text);
      assert.equal(events.at(-1), '[DONE]');
      for (const event of events.slice(0, -1)) assert.ok(JSON.parse(event).choices, event);
    }
  }
});

test('HTTP/1.0: whole answers carry Content-Length, and keep-alive is kept only when asked for', async () => {
  await withConnection(async (connection) => {
    connection.send(request('GET', '/v1/models', { version: '1.0' }));
    const models = await connection.response();
    assert.equal(models.status, 200);
    assert.equal(Number(models.headers['content-length']), models.body.length);
    assert.equal(JSON.parse(models.body).data[0].id, SERVED);
    assert.ok(await connection.isClosedByServer(), 'a 1.0 request without keep-alive ends its connection');
  });
  await withConnection(async (connection) => {
    connection.send(request('POST', '/v1/completions', { version: '1.0', headers: { Connection: 'keep-alive' }, body: completionBody() }));
    const first = await connection.response();
    assert.equal(first.status, 200, first.body.toString());
    assert.equal(first.headers['transfer-encoding'], undefined);
    assert.equal(first.headers.connection, 'keep-alive', first.head);
    assert.equal(JSON.parse(first.body).choices.length, 1);
    // The same connection answers again, and ends after a request that does not ask to keep it.
    connection.send(request('GET', '/health', { version: '1.0', headers: { Connection: 'Keep-Alive' } }));
    assert.equal((await connection.response()).status, 200);
    connection.send(request('POST', '/v1/completions', { version: '1.0', body: completionBody() }));
    const last = await connection.response();
    assert.equal(last.status, 200);
    assert.equal(Number(last.headers['content-length']), last.body.length);
    assert.ok(await connection.isClosedByServer());
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Transfer codings

test('Transfer-Encoding: codings other than plain chunked are refused with 501 (400 when chunked is not last)', async () => {
  const body = completionBody();
  const chunked = `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
  for (const [codings, status] of [
    ['gzip, chunked', 501], ['deflate, chunked', 501], ['br,chunked', 501], ['x-unknown, chunked', 501],
    ['gzip', 501], ['compress', 501], ['chunked, gzip', 400], ['chunked, chunked', 400],
  ]) {
    await withConnection(async (connection) => {
      connection.send(request('POST', '/v1/completions', { headers: { 'Transfer-Encoding': codings }, body: chunked }));
      const answer = await connection.response();
      assert.equal(answer.status, status, `${codings}: ${answer.head}`);
      const { error } = JSON.parse(answer.body);
      assert.match(error.message, /Transfer-Encoding/, error.message);
      if (status === 501) assert.ok(error.message.includes(codings.split(',')[0].trim()), error.message);
      assert.ok(await connection.isClosedByServer(), `${codings}: the connection must be closed`);
    });
  }
  // Plain chunked is read, whatever its case.
  for (const codings of ['chunked', 'Chunked']) {
    await withConnection(async (connection) => {
      connection.send(request('POST', '/v1/completions', { headers: { 'Transfer-Encoding': codings }, body: chunked }));
      const answer = await connection.response();
      assert.equal(answer.status, 200, answer.body.toString());
      assert.equal(JSON.parse(answer.body).model, SERVED);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Absolute-form targets

test('absolute-form request targets are routed on their path and query, for GET and POST', async () => {
  await withConnection(async (connection) => {
    for (const authority of [`127.0.0.1:${server.port}`, 'api.example.invalid']) {
      connection.send(request('GET', `http://${authority}/v1/models`, { headers: { Host: `127.0.0.1:${server.port}` } }));
      const models = await connection.response();
      assert.equal(models.status, 200, models.body.toString());
      assert.equal(JSON.parse(models.body).data[0].id, SERVED);

      connection.send(request('POST', `http://${authority}/v1/completions`, { body: completionBody() }));
      const completion = await connection.response();
      assert.equal(completion.status, 200, completion.body.toString());
      assert.equal(JSON.parse(completion.body).choices.length, 1);
    }
    connection.send(request('GET', `HTTP://127.0.0.1:${server.port}/health?probe=1`, { version: '1.0', headers: { Connection: 'keep-alive' } }));
    assert.equal((await connection.response()).status, 200);
    // An unknown path in absolute form is still a 404 naming the path, not the URL.
    connection.send(request('GET', `http://127.0.0.1:${server.port}/nowhere`));
    const missing = await connection.response();
    assert.equal(missing.status, 404);
    assert.match(JSON.parse(missing.body).error.message, /no route GET \/nowhere;/);
  });
});
