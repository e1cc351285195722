/**
 * scripts/precision/verdicts.mjs as docs/precision.md runs it: each warning of a run of our own gets the verdict
 * of the judged files, a later file's verdict replaces an earlier one's, a moved line still matches by object,
 * information is not counted, and what no file judged is `??`.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../helpers/analyzer';

const SCRIPT = path.join(ROOT, 'scripts/precision/verdicts.mjs');

interface Judged {
  totals: { total: number; real: number; unclear: number; false: number; '??': number; realShare: number };
  rows: { path: string; line: number; verdict: string; pattern: string }[];
}

function diagnostic(fn: string, line: number, object: string, severity = 'warning') {
  return { rule: 'leak', severity, function: fn, line, object, message: `${object} keeps +1` };
}

function judged(path_: string, fn: string, line: number, object: string, verdict: string, pattern = '-') {
  return { path: path_, function: fn, rule: 'leak', line, object, verdict, pattern };
}

function verdicts(): Judged {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-verdicts-'));
  const tree = path.join(dir, 'tree');
  const run = {
    version: 1,
    files: [
      {
        path: path.join(tree, 'net/a.c'),
        functions: [],
        diagnostics: [
          diagnostic('a_open', 10, 'sc'),
          diagnostic('a_ioctl', 52, 'ifp'), // judged at line 50: the line moved
          diagnostic('a_close', 70, 'dev', 'info'),
        ],
      },
      { path: path.join(tree, 'kern/b.c'), functions: [], diagnostics: [diagnostic('b_fork', 5, 'p')] },
    ],
  };
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run));
  const write = (name: string, entries: object[]) =>
    fs.writeFileSync(path.join(dir, name), JSON.stringify({ tree: 'demo', judged: entries }));
  write('demo.judged.json', [
    judged('net/a.c', 'a_open', 10, 'sc', 'unclear'),
    judged('net/a.c', 'a_ioctl', 50, 'ifp', 'false', 'p1'),
  ]);
  // -10 is read after -2 (by number, not as text): its verdict on a_open stands
  write('demo.judged-10.json', [judged('net/a.c', 'a_open', 10, 'sc', 'real')]);
  write('demo.judged-2.json', [judged('net/a.c', 'a_open', 10, 'sc', 'false')]);
  const args = [SCRIPT, path.join(dir, 'run.json'), '--tree', 'demo', '--root', tree, '--judged', dir];
  return JSON.parse(execFileSync(process.execPath, [...args, '--format', 'json'], { encoding: 'utf8' }));
}

test('every warning gets the latest verdict, by number of the judged file, and a moved line keeps its verdict', () => {
  const { totals, rows } = verdicts();
  assert.deepEqual(
    rows.map((r) => [r.path, r.line, r.verdict, r.pattern]),
    [
      ['kern/b.c', 5, '??', ''],
      ['net/a.c', 10, 'real', '-'],
      ['net/a.c', 52, 'false', 'p1'],
    ],
  );
  assert.deepEqual(totals, { total: 3, real: 1, unclear: 0, false: 1, '??': 1, realShare: 33 });
});
