/**
 * A function whose text did not change is taken from the analyser's cache and moved to its new
 * lines. Its diagnostics are worded again from their moved detail: they must read exactly as a
 * fresh analysis of the moved text reads them (messages, related entries, overwritten names).
 */
import { parserWasm } from '../../src/files/parser-wasm';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer } from '../../src/analysis/analyzer';
import type { Diagnostic } from '../../src/analysis/result';
import { ROOT } from '../helpers/analyzer';

const SOURCES = [
  ...fs
    .readdirSync(path.join(ROOT, 'test/fixtures/analysis'))
    .filter((f) => f.endsWith('.c'))
    .map((f) => path.join('test/fixtures/analysis', f)),
  'examples/clonedev/clonedev_buggy.c',
].sort();

/** Two paths worded alike, told apart by a line only one of them runs (`through line 12`). */
const TWINS = `#include <sys/conf.h>

int
twins(struct cdev *d)
{
	int a, b, c;

	a = probe_a();
	b = probe_b();
	c = probe_c();
	if (a)
		dev_ref(d);
	if (b == 0)
		return (EINVAL);
	if (c == 0)
		return (EIO);
	return (0);
}
`;

/** Every diagnostic of every checked rule, as the JSON output carries it (detail included). */
const checked = (ds: Diagnostic[]): Diagnostic[] =>
  JSON.parse(JSON.stringify(ds.filter((d) => d.rule !== 'parse' && d.rule !== 'budget')));

test('diagnostics of functions moved by an edit above them read as a fresh analysis of the moved text', async () => {
  const warm = await Analyzer.create({}, parserWasm());
  let compared = 0;
  const sources = [
    ...SOURCES.map((rel) => ({ rel, text: fs.readFileSync(path.join(ROOT, rel), 'utf8') })),
    { rel: 'twins.c', text: TWINS },
  ];
  for (const { rel, text } of sources) {
    const before = warm.analyzeText(rel, text);
    // 7 lines above every function: each one is a cache hit placed 7 lines lower
    const moved = '/*\n * moved\n *\n *\n *\n *\n */\n' + text;
    const fromCache = warm.analyzeText(rel, moved);
    const fresh = (await Analyzer.create({}, parserWasm())).analyzeText(rel, moved);
    assert.deepEqual(checked(fromCache.diagnostics), checked(fresh.diagnostics), rel);
    // the move is real: every diagnostic is 7 lines lower than before
    assert.deepEqual(
      checked(fresh.diagnostics).map((d) => d.line),
      checked(before.diagnostics).map((d) => d.line + 7),
      rel,
    );
    compared += checked(fresh.diagnostics).length;
  }
  assert.ok(compared >= 30, `only ${compared} diagnostics compared`);
  const twins = (await Analyzer.create({}, parserWasm()))
    .analyzeText('twins.c', '\n'.repeat(7) + TWINS)
    .diagnostics.find((d) => d.rule === 'inconsistent');
  const where = /at line 24 \(probe_b\(\) returned non-zero, probe_c\(\) returned non-zero\)/;
  assert.match(
    twins?.message ?? '',
    new RegExp(where.source + /, through line 19 leaves \+1 but .*, not through line 19 leaves 0/.source),
  );
});
