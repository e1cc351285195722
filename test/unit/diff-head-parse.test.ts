/**
 * A diff parses the head from the base's tree (src/analysis/parse/line-edits.ts): one edit per
 * changed run of lines, and the head's result is the one a fresh analysis of the head gives,
 * whatever base it was parsed from. test/fixtures/review/recovery_*.c: the after side has syntax
 * errors next to its edits, where tree-sitter's error recovery settles differently around the
 * stretches an incremental parse reuses (the single edit the diff made before gave another tree there).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer } from '../../src/analysis/analyzer';
import { parserWasm } from '../../src/files/parser-wasm';
import { analyseSides, type FilePlan } from '../../src/cli/diff-sides';
import { lineEdits } from '../../src/analysis/parse/line-edits';
import { lineStartsOf } from '../../src/analysis/parse/lines';
import type { FileResult } from '../../src/analysis/result';
import { ROOT } from '../helpers/analyzer';

const read = (name: string) => fs.readFileSync(path.join(ROOT, 'test/fixtures/review', name), 'utf8');
const withoutTiming = (r: FileResult | undefined) => JSON.stringify({ ...r, timing: undefined });

async function headOfDiff(base: string, head: string): Promise<FileResult | undefined> {
  const analyzer = await Analyzer.create({ callSites: true }, parserWasm());
  const plans: FilePlan[] = [
    { file: 'x.c', status: 'modified', base: { path: 'x.c', text: base }, head: { path: 'x.c', text: head } },
  ];
  return analyseSides(analyzer, plans, { incremental: true }).head[0];
}

async function fresh(text: string): Promise<FileResult> {
  return (await Analyzer.create({ callSites: true }, parserWasm())).analyzeText('x.c', text);
}

test('a head with syntax errors by its edits: the result of a fresh analysis, whatever the base', async () => {
  const before = read('recovery_before.c');
  const after = read('recovery_after.c');
  assert.equal(withoutTiming(await headOfDiff(before, after)), withoutTiming(await fresh(after)));
  assert.equal(withoutTiming(await headOfDiff(after, before)), withoutTiming(await fresh(before)));
});

test('the review fixture both ways: the head parsed from the base gives the fresh result', async () => {
  const before = read('rvw_before.c');
  const after = read('rvw_after.c');
  assert.equal(withoutTiming(await headOfDiff(before, after)), withoutTiming(await fresh(after)));
  assert.equal(withoutTiming(await headOfDiff(after, before)), withoutTiming(await fresh(before)));
});

test('line edits: one per changed run of lines, anchored on lines found once on each side', () => {
  const a = 'int a;\nint b;\nint c;\nint d;\nint e;\n';
  const b = 'int a;\nint B;\nint c;\nint d;\nint x;\nint e;\n';
  const edits = lineEdits(a, lineStartsOf(a), b, lineStartsOf(b));
  assert.deepEqual(
    edits.map((e) => [a.slice(e.edit.startIndex, e.edit.oldEndIndex), b.slice(e.newStart, e.newEnd)]),
    [
      ['int b;\n', 'int B;\n'],
      ['', 'int x;\n'],
    ],
  );
  assert.deepEqual(edits[1].edit.startPosition, { row: 4, column: 0 });
  assert.deepEqual(edits[1].edit.newEndPosition, { row: 5, column: 0 });
  // a change on the last line, which has no line break
  const c = 'int a;\nint b';
  const d = 'int a;\nint bc';
  const [last] = lineEdits(c, lineStartsOf(c), d, lineStartsOf(d));
  assert.deepEqual([last.edit.startIndex, last.edit.oldEndIndex, last.edit.newEndIndex], [7, 12, 13]);
  assert.deepEqual(last.edit.newEndPosition, { row: 1, column: 6 });
  assert.deepEqual(lineEdits(c, lineStartsOf(c), c, lineStartsOf(c)), []);
});
