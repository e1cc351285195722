#!/usr/bin/env node
// Prints the CLI's JSON for every C file under the given paths with what varies from run to
// run (timings, temporary paths) taken out, one file per line, sorted: two builds whose
// snapshots are byte-identical report the same thing. Used to check that a restructuring
// changes no output:  node scripts/output-snapshot.mjs --cli dist/cli.js PATHS... > a.txt
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const argv = process.argv.slice(2);
let cli = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'dist', 'cli.js');
const extra = [];
const inputs = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--cli') cli = path.resolve(argv[++i]);
  else if (argv[i] === '--') extra.push(...argv.splice(i + 1));
  else inputs.push(argv[i]);
}
const r = spawnSync(
  process.execPath,
  [cli, 'analyze', ...inputs, '--format', 'json', '--no-cache', '--no-summary', '--jobs', '2', ...extra],
  { encoding: 'utf8', maxBuffer: 1 << 30 },
);
if (r.status !== 0 && r.status !== 1 && r.status !== 2) {
  process.stderr.write(r.stderr);
  process.exit(3);
}
const out = JSON.parse(r.stdout);
const lines = out.files.map((f) => {
  delete f.timing;
  return JSON.stringify(f);
});
lines.sort();
process.stdout.write(lines.join('\n') + '\n');
process.stderr.write(
  r.stderr
    .split('\n')
    .filter((l) => l && !/^\s/.test(l))
    .sort()
    .join('\n') + '\n',
);
