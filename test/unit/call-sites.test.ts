/**
 * A definition's calls (the lifecycle trace's call sites) are read from the tree without copying
 * the body when nothing else copied it. They must be the calls the copy holds: checked on every
 * fixture and example, on damaged copies of them (the fuzz generator) and on nesting deep enough
 * for the copy to cut.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { analyzer } from '../helpers/analyzer';
import { fuzzCases, fuzzSeed, seedFiles } from '../helpers/fuzz';
import { callsIn, MAX_SYNTAX_DEPTH } from '../../src/analysis/parse/syntax';
import { ParseGaveUp, type Analyzer } from '../../src/analysis/analyzer';

/**
 * Each definition's calls read from the tree, then from its copy (callee, line, argument list);
 * null when the parse's last-resort watchdog (wall clock) gave up on a damaged input: a loaded
 * machine decides that, and such a text has neither calls to compare.
 */
function bothWays(a: Analyzer, text: string): { fromTree: string[]; fromCopy: string[] } | null {
  let doc: ReturnType<Analyzer['parse']>;
  try {
    doc = a.parse(text);
  } catch (e) {
    if (e instanceof ParseGaveUp) return null;
    throw e;
  }
  try {
    const show = (c: { callee: string; line: number; args: { start: number; end: number } }) =>
      `${c.callee}@${c.line}:${c.args.start}-${c.args.end}`;
    const fromTree = doc.top.functions.map((h) => h.calls().map(show).join(' '));
    const fromCopy = doc.top.functions.map((h) => callsIn(h.syn().fields.body).map(show).join(' '));
    return { fromTree, fromCopy };
  } finally {
    doc.tree.delete();
  }
}

test('calls read from the tree are the calls of the copy, on every fixture and example', async () => {
  const a = await analyzer();
  let calls = 0;
  for (const file of seedFiles()) {
    const both = bothWays(a, fs.readFileSync(file, 'utf8'));
    assert.ok(both, `${file}: the parser gave up`);
    const { fromTree, fromCopy } = both;
    assert.deepEqual(fromTree, fromCopy, file);
    calls += fromTree.join(' ').split(' ').filter(Boolean).length;
  }
  assert.ok(calls > 1000, `only ${calls} calls`);
});

test('calls read from the tree are the calls of the copy, on damaged inputs', async () => {
  const seed = fuzzSeed();
  const a = await analyzer();
  for (const c of fuzzCases(seed, 2)) {
    const text = c.data.toString('utf8');
    if (text.length > 400_000 || text.includes('\u0000')) continue;
    const both = bothWays(a, text);
    if (both) assert.deepEqual(both.fromTree, both.fromCopy, `${c.name} (FUZZ_SEED=${seed})`);
  }
});

test('below the copy depth limit a call is found neither way', async () => {
  const a = await analyzer();
  const nested = (n: number) => `${'h('.repeat(n)}x${')'.repeat(n)}`;
  // each call nests two levels (the call, its argument list)
  const text = [MAX_SYNTAX_DEPTH / 2 - 10, MAX_SYNTAX_DEPTH]
    .map((n, i) => `int deep${i}(int x)\n{\n\t{ f(x); }\n\treturn ${nested(n)};\n}\n`)
    .join('\n');
  const both = bothWays(a, text);
  assert.ok(both, 'the parser gave up');
  const { fromTree, fromCopy } = both;
  assert.deepEqual(fromTree, fromCopy);
  const counts = fromTree.map((s) => s.split(' ').length);
  // the shallow nest is found whole; the deep one stops where the copy is cut
  assert.equal(counts[0], 1 + MAX_SYNTAX_DEPTH / 2 - 10);
  assert.ok(counts[1] < 1 + MAX_SYNTAX_DEPTH / 2, `${counts[1]} calls found in the deep nest`);
});
