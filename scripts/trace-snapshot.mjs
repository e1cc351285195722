#!/usr/bin/env node
// Prints the CLI's lifecycle trace JSON for every built-in scenario over the trace's C files
// (the examples and the trace fixtures), plain and with each what-if given, one run per line,
// with its exit status and stderr: two builds whose snapshots are byte-identical trace the
// same. Used to check that a restructuring of src/trace changes no output:
//   node scripts/trace-snapshot.mjs [--cli dist/cli.js] [FILE.c|DIR ...] > a.txt
// (directories are walked for C files; without paths: examples/clonedev and the trace fixtures).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const DEFAULT_DIRS = ['examples/clonedev', 'test/fixtures/trace', 'test/fixtures/workspace/trace'];
const WHAT_IFS = [[], ['--what-if', 'add-remove-method'], ['--what-if', 'fact:device exists=yes']];

const argv = process.argv.slice(2);
let cli = path.join(ROOT, 'dist', 'cli.js');
const inputs = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--cli') cli = path.resolve(argv[++i]);
  else inputs.push(argv[i]);
}
const cFiles = (p) =>
  fs.statSync(path.resolve(ROOT, p)).isDirectory()
    ? fs
        .readdirSync(path.resolve(ROOT, p))
        .sort()
        .flatMap((x) => cFiles(path.join(p, x)))
    : p.endsWith('.c')
      ? [p]
      : [];
const files = (inputs.length ? inputs : DEFAULT_DIRS).flatMap(cFiles);

const run = (args) => spawnSync(process.execPath, [cli, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 });

const listed = run(['trace', files[0], '--list-scenarios']);
if (listed.status !== 0) {
  process.stderr.write(listed.stderr);
  process.exit(3);
}
const scenarios = listed.stdout
  .split('\n')
  .map((l) => l.split(/\s+/)[0])
  .filter(Boolean);

for (const file of files) {
  for (const scenario of scenarios) {
    for (const whatIf of WHAT_IFS) {
      const r = run(['trace', file, '--scenario', scenario, '--format', 'json', ...whatIf]);
      if (r.status !== 0 && r.status !== 1 && r.status !== 2) {
        process.stderr.write(r.stderr);
        process.exit(3);
      }
      const json = r.stdout.trim() ? JSON.stringify(JSON.parse(r.stdout)) : '';
      const what = `${file} ${scenario}${whatIf.length ? ` ${whatIf.join(' ')}` : ''}`;
      const stderr = r.stderr ? ` stderr ${JSON.stringify(r.stderr)}` : '';
      process.stdout.write(`${what} exit ${r.status}${stderr}\n${json}\n`);
    }
  }
}
