/**
 * scripts/precision/sample.mjs as docs/precision.md runs it: on a run's JSON of our own, the same
 * seed draws the same warnings, information is never drawn, and the order of the input does not
 * change the draw.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../helpers/analyzer';

const SCRIPT = path.join(ROOT, 'scripts/precision/sample.mjs');

interface Drawn {
  seed: number;
  total: number;
  sample: { path: string; line: number; rule: string; severity: string }[];
}

function diagnostic(line: number, severity: string, rule = 'leak') {
  return { rule, severity, function: `f${line}`, line, object: `o${line}`, message: `m${line}` };
}

/** Two files, 40 warnings and errors, 10 information diagnostics. */
function run(reversed: boolean) {
  const files = ['b.c', 'a.c'].map((p) => {
    const diagnostics = [];
    for (let line = 1; line <= 25; line++) {
      const severity = line % 5 === 0 ? 'info' : line % 2 === 0 ? 'error' : 'warning';
      diagnostics.push(diagnostic(line, severity, line % 3 === 0 ? 'inconsistent' : 'leak'));
    }
    return { path: p, functions: [], diagnostics: reversed ? diagnostics.reverse() : diagnostics };
  });
  return { version: 1, files: reversed ? files.reverse() : files };
}

function draw(input: object, ...args: string[]): Drawn {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-sample-')), 'run.json');
  fs.writeFileSync(file, JSON.stringify(input));
  return JSON.parse(execFileSync(process.execPath, [SCRIPT, file, '--format', 'json', ...args], { encoding: 'utf8' }));
}

const keys = (d: Drawn) => d.sample.map((w) => `${w.path}:${w.line}`);

test('the same seed draws the same warnings, whatever the order of the input', () => {
  const first = draw(run(false), '--seed', '7', '--size', '12');
  assert.equal(first.total, 40);
  assert.equal(first.sample.length, 12);
  assert.deepEqual(keys(draw(run(false), '--seed', '7', '--size', '12')), keys(first));
  assert.deepEqual(keys(draw(run(true), '--seed', '7', '--size', '12')), keys(first));
  assert.notDeepEqual(keys(draw(run(false), '--seed', '8', '--size', '12')), keys(first));
});

test('information is never drawn, and the sample is listed in the stable order', () => {
  const all = draw(run(false), '--size', '100');
  assert.equal(all.seed, 2026);
  assert.equal(all.sample.length, 40);
  assert.ok(all.sample.every((w) => w.severity !== 'info'));
  const sorted = [...keys(all)].sort((a, b) => {
    const [pa, la] = a.split(':');
    const [pb, lb] = b.split(':');
    return pa < pb ? -1 : pa > pb ? 1 : Number(la) - Number(lb);
  });
  assert.deepEqual(keys(all), sorted);
  assert.equal(all.sample[0].path, 'a.c');
});
