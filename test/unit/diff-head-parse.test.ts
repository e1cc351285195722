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
import { Analyzer, ParseGaveUp } from '../../src/analysis/analyzer';
import { parserWasm } from '../../src/files/parser-wasm';
import { analyseSides, compareSides, type FilePlan } from '../../src/cli/diff-sides';
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

test('a side the parser gives up on: that file says why and is not compared, the others go on', async () => {
  const analyzer = await Analyzer.create({ callSites: true }, parserWasm());
  const parse = analyzer.parse.bind(analyzer);
  // the watchdog is a last resort that reads the clock: stand in for it on a marked text
  analyzer.parse = (text, previous, how) => {
    if (!text.includes('/* give up */')) return parse(text, previous, how);
    previous?.tree.delete();
    throw new ParseGaveUp('the syntax is too damaged to read: the parser gave up after 1 ms');
  };
  const before = read('rvw_before.c');
  const after = read('rvw_after.c');
  const plans: FilePlan[] = [
    { file: 'a.c', status: 'modified', base: { path: 'a.c', text: before }, head: { path: 'a.c', text: after } },
    {
      file: 'b.c',
      status: 'modified',
      base: { path: 'b.c', text: before },
      head: { path: 'b.c', text: `/* give up */\n${after}` },
    },
    {
      file: 'c.c',
      status: 'modified',
      base: { path: 'c.c', text: `/* give up */\n${before}` },
      head: { path: 'c.c', text: after },
    },
  ];
  const results = analyseSides(analyzer, plans, { incremental: true });
  const reviews = compareSides(plans, results, { list: [], keep: 'reached' });
  assert.deepEqual(
    reviews.map((r) => [r.file, r.compared, r.problems.map((p) => `${p.side}: ${p.message}`)]),
    [
      ['a.c', true, []],
      ['b.c', false, ['head: the syntax is too damaged to read: the parser gave up after 1 ms; not compared']],
      ['c.c', false, ['base: the syntax is too damaged to read: the parser gave up after 1 ms; not compared']],
    ],
  );
  // the head of c.c, parsed without a base tree, is what a fresh analysis gives
  assert.equal(withoutTiming(results.head[2]), withoutTiming(await fresh(after)).replace(/"x\.c"/, '"c.c"'));
  assert.equal(reviews[0].diagnostics.fixed.length, 2);
});
