/**
 * Tree mode as data: each directory under test/fixtures/trees is a small tree of our own,
 * analysed by the real CLI as a user runs it (`analyze DIR --root DIR`), and again file by
 * file without the tree. The files carry their expectations inline (`// @diag RULE`,
 * `// @deltas FUNC OBJECT = a,b` for tree mode; `// @single-file RULE` and
 * `// @single-file-deltas ...` for the file alone), and a snapshot of both runs sits beside
 * the directory (`UPDATE_EXPECT=1` refreshes it).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../helpers/analyzer';
import { ended, runCli } from '../helpers/cli';
import type { AnalysisOutput, FileResult } from '../../src/analysis/result';

const DIR = path.join(ROOT, 'test', 'fixtures', 'trees');
const trees = fs.existsSync(DIR)
  ? fs
      .readdirSync(DIR, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
  : [];
const CHECKED = new Set(['leak', 'over-release', 'inconsistent', 'contract']);

interface Expect {
  diags: string[];
  deltas: { fn: string; object: string; values: number[] }[];
}

function expectations(text: string, file: string, single: boolean): Expect {
  const e: Expect = { diags: [], deltas: [] };
  const diag = single ? /@single-file\s+([a-z-]+)/g : /@diag\s+([a-z-]+)/g;
  const deltas = single
    ? /@single-file-deltas\s+(\w+)\s+(.+?)\s*=\s*(-?\d+(?:\s*,\s*-?\d+)*)/
    : /@deltas\s+(\w+)\s+(.+?)\s*=\s*(-?\d+(?:\s*,\s*-?\d+)*)/;
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(diag)) e.diags.push(`${file}:${m[1]}@${i + 1}`);
    const d = deltas.exec(line);
    if (d)
      e.deltas.push({
        fn: d[1],
        object: d[2].trim(),
        values: d[3]
          .split(',')
          .map((x) => Number(x.trim()))
          .sort((a, b) => a - b),
      });
  });
  return e;
}

function run(tree: string, mode: 'tree' | 'single'): FileResult[] {
  const dir = path.join(DIR, tree);
  const args = ['analyze', dir, '--format', 'json', '--no-cache', '--no-summary', '--jobs', '1'];
  if (mode === 'tree') args.push('--root', dir);
  const r = runCli(args);
  assert.ok(r.status === 0 || r.status === 1, ended(r));
  return (JSON.parse(r.stdout) as AnalysisOutput).files;
}

function check(tree: string, files: FileResult[], single: boolean): void {
  const want: Expect = { diags: [], deltas: [] };
  const byFn = new Map<string, FileResult['functions'][number]>();
  for (const f of files) {
    const name = path.basename(f.path);
    const e = expectations(fs.readFileSync(f.path, 'utf8'), name, single);
    want.diags.push(...e.diags);
    want.deltas.push(...e.deltas);
    for (const fn of f.functions) byFn.set(fn.name + '@' + name, fn);
  }
  const got = files
    .flatMap((f) =>
      f.diagnostics.filter((d) => CHECKED.has(d.rule)).map((d) => `${path.basename(f.path)}:${d.rule}@${d.line}`),
    )
    .sort();
  const mode = single ? 'file by file' : 'tree mode';
  assert.deepEqual(got, want.diags.sort(), `${tree} (${mode}): diagnostics`);
  for (const d of want.deltas) {
    const fn = [...byFn.entries()].find(([k]) => k.startsWith(d.fn + '@'))?.[1];
    assert.ok(fn, `${tree}: no function ${d.fn}`);
    // a function that touches no counted object has no path classes: 0 on everything
    const values = fn.paths.length
      ? [...new Set(fn.paths.map((p) => p.deltas.find((x) => x.object === d.object)?.delta ?? 0))].sort((a, b) => a - b)
      : [0];
    assert.deepEqual(values, d.values, `${tree} (${mode}): deltas of ${d.object} in ${d.fn}`);
  }
}

function snapshot(files: FileResult[]) {
  return files.map((f) => ({
    file: path.basename(f.path),
    functions: f.functions
      .filter((x) => !x.quiet)
      .map((x) => ({
        name: x.name,
        deltas: [...new Set(x.paths.map((p) => p.deltas.map((d) => `${d.object} ${d.delta}`).join(', ')))],
      })),
    diagnostics: f.diagnostics
      .filter((d) => CHECKED.has(d.rule))
      .map((d) => `${d.line} ${d.rule} ${d.function}: ${d.message}`),
  }));
}

for (const tree of trees) {
  test(`tree fixture ${tree}`, () => {
    const inTree = run(tree, 'tree');
    const alone = run(tree, 'single');
    check(tree, inTree, false);
    check(tree, alone, true);
    const snap = { tree: snapshot(inTree), singleFile: snapshot(alone) };
    const file = path.join(DIR, `${tree}.expected.json`);
    if (process.env.UPDATE_EXPECT) fs.writeFileSync(file, JSON.stringify(snap, null, 1) + '\n');
    else if (!fs.existsSync(file))
      assert.fail(`${tree}: no ${path.basename(file)} (UPDATE_EXPECT=1 writes it; review it)`);
    else assert.deepEqual(snap, JSON.parse(fs.readFileSync(file, 'utf8')), `${tree}: output differs from its snapshot`);
  });
}
