/**
 * A diff (and the editor's comparison) runs every scenario over one analysis of a side: the
 * trace then reads the text once (SourceText.of) and finds the file's roles and file-scope
 * names once (rolesOf, Bindings.findGlobals), and the calls along each path class, the case labels
 * of each function and the file's function names once per text and result. Each trace must still
 * be what it is alone, what-ifs included (a what-if adds a role or drops a line: the next run must
 * not see it).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer } from '../../src/analysis/analyzer';
import { parserWasm } from '../../src/files/parser-wasm';
import { runTrace } from '../../src/trace/simulator';
import { BUILTIN_SCENARIOS } from '../../src/trace/builtin-scenarios';
import { maskCommentsAndStrings } from '../../src/trace/source';
import { ROOT } from '../helpers/analyzer';

const FILES = [
  'test/fixtures/review/rvw_before.c',
  'test/fixtures/review/rvw_after.c',
  'test/fixtures/trace/vtx_leaky.c',
  'examples/clonedev/clonedev_fixed.c',
];
const RUNS: (string[] | undefined)[] = [undefined, ['add-remove-method'], undefined, ['fact:device exists=yes']];

test('traces run one after another over one result are each what a run alone gives', async () => {
  const analyzer = await Analyzer.create({ callSites: true }, parserWasm());
  for (const rel of FILES) {
    const text = fs.readFileSync(path.join(ROOT, rel), 'utf8');
    const result = analyzer.analyzeText(rel, text);
    // a line with a call the kernel side carries out, left out by a what-if between plain runs
    const callLine = text.slice(0, text.search(/\b(if_clone_create|dev_ref|make_dev\w*)\s*\(/)).split('\n').length;
    for (const s of BUILTIN_SCENARIOS)
      for (const whatIf of [...RUNS, [`drop-line:${callLine}`], undefined]) {
        const shared = runTrace({ result, text, scenario: s.name, whatIf });
        // a copy of the result and of the text: nothing kept from earlier runs applies to them
        const alone = runTrace({
          result: structuredClone(result),
          text: ` ${text}`.slice(1),
          scenario: s.name,
          whatIf,
        });
        assert.deepEqual(shared, alone, `${rel} ${s.name} ${whatIf ?? ''}`);
      }
  }
});

test('masking comments and strings keeps every offset and line', () => {
  const cases: [string, string][] = [
    ['a /* b\nc */ d', 'a     \n     d'],
    ['x // y\nz', 'x     \nz'],
    ['s = "a\\"b"; t', 's = "    "; t'],
    ["c = '\\''; d", "c = '  '; d"],
    ['"open\nnext', '"    \nnext'],
    ['/* never closed', '               '],
  ];
  for (const [text, masked] of cases) {
    assert.equal(maskCommentsAndStrings(text), masked, JSON.stringify(text));
    assert.equal(maskCommentsAndStrings(text).length, text.length);
  }
});
