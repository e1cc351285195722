/**
 * Tests as data: every C file under test/fixtures/analysis carries its
 * expectations inline (`// @diag leak`, `// @deltas f *dev = 0,1`), and beside it
 * a `.expected.json` snapshot of paths and diagnostics (UPDATE_EXPECT=1 refreshes).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzer, ROOT } from '../helpers/analyzer';
import { readModelSources } from '../../src/files/model-files';
import type { FileResult } from '../../src/analysis/result';
import { isCheckedRule } from '../../src/analysis/checks/registry';

const DIR = path.join(ROOT, 'test', 'fixtures', 'analysis');
const files = fs.existsSync(DIR)
  ? fs
      .readdirSync(DIR)
      .filter((f) => f.endsWith('.c'))
      .sort()
  : [];

interface Expectations {
  /** `// @known-gap why`: a pattern the analysis gets wrong today; the test runs and is reported as a TODO. */
  knownGap?: string;
  /** `// @model models/x.json`: a model file (beside the fixtures) the file is analysed with, after the preset. */
  model?: string;
  diags: { rule: string; line: number }[];
  deltas: { fn: string; object: string; values: number[] }[];
  paths: { fn: string; count: number }[];
  truncated: string[];
}

export function readExpectations(text: string): Expectations {
  const e: Expectations = { diags: [], deltas: [], paths: [], truncated: [] };
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/@diag\s+([a-z-]+)/g)) e.diags.push({ rule: m[1], line: i + 1 });
    const d = /@deltas\s+(\w+)\s+(.+?)\s*=\s*(-?\d+(?:\s*,\s*-?\d+)*)/.exec(line);
    if (d)
      e.deltas.push({
        fn: d[1],
        object: d[2].trim(),
        values: d[3]
          .split(',')
          .map((x) => Number(x.trim()))
          .sort((a, b) => a - b),
      });
    const p = /@paths\s+(\w+)\s*=\s*(\d+)/.exec(line);
    if (p) e.paths.push({ fn: p[1], count: Number(p[2]) });
    const g = /@known-gap\s+(.+)$/.exec(line);
    if (g) e.knownGap = g[1].trim();
    const m = /@model\s+(\S+\.json)/.exec(line);
    if (m) e.model = m[1];
    const t = /@truncated\s+(\w+)/.exec(line);
    if (t) e.truncated.push(t[1]);
  });
  return e;
}

function snapshot(r: FileResult) {
  return {
    functions: r.functions
      .filter((f) => !f.quiet)
      .map((f) => ({
        name: f.name,
        truncated: f.truncated || undefined,
        paths: f.paths.map((p) => ({
          exit: p.exit.line,
          returns: p.exit.returns,
          deltas: Object.fromEntries(p.deltas.map((d) => [d.object, d.delta])),
          steps: p.steps
            .filter((s) => s.delta !== 0)
            .map((s) => `${s.line} ${s.call} ${s.object} ${s.delta > 0 ? '+' : ''}${s.delta}`),
        })),
      })),
    diagnostics: r.diagnostics
      .filter((d) => d.rule !== 'parse')
      .map((d) => `${d.line} ${d.rule} ${d.function ?? ''}: ${d.message}`),
  };
}

for (const file of files) {
  const gap = readExpectations(fs.readFileSync(path.join(DIR, file), 'utf8')).knownGap;
  test(`fixture ${file}`, gap ? { todo: gap } : {}, async () => {
    const full = path.join(DIR, file);
    const text = fs.readFileSync(full, 'utf8');
    const exp = readExpectations(text);
    const withModel = exp.model ? { modelSources: readModelSources([path.join(DIR, exp.model)]) } : undefined;
    const r = (await analyzer(withModel)).analyzeText(file, text);
    assert.equal(r.error, undefined, r.error);
    const modelProblems = r.diagnostics.filter((d) => d.rule === 'model').map((d) => d.message);
    assert.deepEqual(modelProblems, [], `${file}: problems in its model`);
    const got = r.diagnostics
      .filter((d) => isCheckedRule(d.rule))
      .map((d) => `${d.rule}@${d.line}`)
      .sort();
    const want = exp.diags.map((d) => `${d.rule}@${d.line}`).sort();
    assert.deepEqual(
      got,
      want,
      `diagnostics of ${file}:\n${r.diagnostics.map((d) => `  ${d.line} ${d.rule}: ${d.message}`).join('\n')}`,
    );
    for (const d of exp.deltas) {
      const f = r.functions.find((x) => x.name === d.fn);
      assert.ok(f, `${file}: no function ${d.fn}`);
      const values = [...new Set(f!.paths.map((p) => p.deltas.find((x) => x.object === d.object)?.delta ?? 0))].sort(
        (a, b) => a - b,
      );
      assert.deepEqual(
        values,
        d.values,
        `${file}: deltas of ${d.object} in ${d.fn}: ` +
          JSON.stringify(f!.paths.map((p) => ({ exit: p.exit.line, deltas: p.deltas }))),
      );
    }
    for (const p of exp.paths) {
      const f = r.functions.find((x) => x.name === p.fn);
      assert.equal(f?.paths.length, p.count, `${file}: path classes of ${p.fn}`);
    }
    for (const t of exp.truncated)
      assert.ok(r.functions.find((x) => x.name === t)?.truncated, `${file}: ${t} should be truncated`);
    for (const f of r.functions)
      if (!exp.truncated.includes(f.name))
        assert.ok(!f.truncated, `${file}: ${f.name} truncated: ${f.truncatedReason}`);
    const snapFile = full.replace(/\.c$/, '.expected.json');
    const snap = JSON.parse(JSON.stringify(snapshot(r)));
    if (process.env.UPDATE_EXPECT) fs.writeFileSync(snapFile, JSON.stringify(snap, null, 1) + '\n');
    else if (!fs.existsSync(snapFile))
      assert.fail(
        `${file}: no ${path.basename(snapFile)} beside it` +
          ' (UPDATE_EXPECT=1 npm test writes it; review it before committing)',
      );
    else
      assert.deepEqual(
        snap,
        JSON.parse(fs.readFileSync(snapFile, 'utf8')),
        `${file}: output differs from ${path.basename(snapFile)} (UPDATE_EXPECT=1 npm test refreshes it)`,
      );
  });
}
