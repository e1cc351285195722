/**
 * A function renamed and nothing else is one analysis under two names (src/analysis/renamed-function.ts): the
 * renamed definition is a hit of the per-function cache, handed back under its new name, and reads exactly as a
 * fresh analysis of the renamed text (result, diagnostics worded with the new name, summary).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer } from '../../src/analysis/analyzer';
import { parserWasm } from '../../src/files/parser-wasm';
import { withoutOwnName } from '../../src/analysis/renamed-function';
import type { FileResult } from '../../src/analysis/result';
import { ROOT } from '../helpers/analyzer';

const SOURCES = [
  ...['analysis', 'review'].flatMap((d) =>
    fs
      .readdirSync(path.join(ROOT, 'test/fixtures', d))
      .filter((f) => f.endsWith('.c'))
      .map((f) => path.join('test/fixtures', d, f)),
  ),
  'examples/clonedev/clonedev_buggy.c',
].sort();

const withoutTiming = (r: FileResult) => JSON.stringify({ ...r, timing: undefined });
const cacheSize = (a: Analyzer) => (a as unknown as { cache: Map<string, unknown> }).cache.size;
const word = (name: string) => new RegExp(`\\b${name}\\b`, 'g');

test('a name written once is left out of the key text; written twice, the text stays', () => {
  assert.equal(
    withoutOwnName('int\nf(int x)\n{\n\treturn (x);\n}\n', 'f'),
    'int\n\u0000(int x)\n{\n\treturn (x);\n}\n',
  );
  assert.equal(
    withoutOwnName('int\nf(int x)\n{\n\treturn (f(x - 1));\n}\n', 'f'),
    'int\nf(int x)\n{\n\treturn (f(x - 1));\n}\n',
  );
  assert.equal(
    withoutOwnName('int\nf_g(void)\n{\n\treturn (f);\n}\n', 'f_g'),
    'int\n\u0000(void)\n{\n\treturn (f);\n}\n',
  );
});

test('functions renamed (longer, shorter names): the result is a fresh analysis of the renamed text', async () => {
  const warm = await Analyzer.create({ callSites: true }, parserWasm());
  const fresh = await Analyzer.create({ callSites: true }, parserWasm());
  let renamed = 0;
  let reworded = 0;
  for (const rel of SOURCES) {
    const text = fs.readFileSync(path.join(ROOT, rel), 'utf8');
    const before = warm.analyzeText(rel, text);
    // the functions named nowhere else in the file (no caller, no recursion, no comment)
    const once = before.functions
      .map((f) => f.name)
      .filter((n) => /^\w+$/.test(n) && text.match(word(n))?.length === 1);
    for (const to of [(n: string) => `${n}_renamed`, (_: string, k: number) => `Q${k}z`]) {
      let edited = text;
      once.forEach((n, k) => {
        edited = edited.replace(word(n), to(n, k));
      });
      const fromCache = warm.analyzeText(rel, edited);
      fresh.forgetFunctions();
      const afresh = fresh.analyzeText(rel, edited);
      assert.equal(withoutTiming(fromCache), withoutTiming(afresh), `${rel} renamed`);
      renamed += once.length;
      reworded += afresh.diagnostics.filter((d) => once.some((n, k) => d.function === to(n, k))).length;
    }
  }
  assert.ok(renamed >= 100, `only ${renamed} functions renamed`);
  assert.ok(reworded >= 20, `only ${reworded} diagnostics of renamed functions compared`);
});

test('the review fixture: rvw_stats renamed rvw_read_stats is not analysed again', async () => {
  const a = await Analyzer.create({ callSites: true }, parserWasm());
  const fn =
    'static int\nrvw_stats(struct cdev *dev, int *out)\n{\n\tdev_ref(dev);\n\tif (dev->si_drv1 == NULL)\n' +
    '\t\treturn (EBUSY);\n\tdev_rel(dev);\n\treturn (0);\n}\n';
  const first = a.analyzeText('x.c', `#include <sys/conf.h>\n\n${fn}`);
  const size = cacheSize(a);
  const second = a.analyzeText(
    'x.c',
    `#include <sys/conf.h>\n\n/* moved */\n${fn.replace('rvw_stats', 'rvw_read_stats')}`,
  );
  assert.equal(cacheSize(a), size, 'a hit: no new entry');
  assert.equal(first.diagnostics.length, 1);
  assert.equal(second.diagnostics[0].function, 'rvw_read_stats');
  assert.equal(second.diagnostics[0].line, first.diagnostics[0].line + 1, 'moved with its definition');
  assert.equal(second.functions[0].name, 'rvw_read_stats');
});
