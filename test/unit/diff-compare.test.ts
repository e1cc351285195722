/**
 * The comparison of two revisions (src/analysis/review/), through the real analyzer and the real
 * lifecycle simulator, on the two revisions of test/fixtures/review/rvw_*.c: a dev_clone handler
 * fixed from +3 to +2 for a new device, a cloner's stray dev_ref removed, a helper renamed and
 * moved with its problem kept, every line below the header moved.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer } from '../../src/analysis/analyzer';
import { parserWasm } from '../../src/files/parser-wasm';
import { compareFile, combineReviews } from '../../src/analysis/review/compare';
import { matchFunctions } from '../../src/analysis/review/functions';
import type { ReviewSide } from '../../src/analysis/review/types';
import { runTrace } from '../../src/trace/simulator';
import { BUILTIN_SCENARIOS } from '../../src/trace/builtin-scenarios';
import { ROOT } from '../helpers/analyzer';

const read = (name: string) => fs.readFileSync(path.join(ROOT, 'test/fixtures/review', name), 'utf8');
const BEFORE = read('rvw_before.c');
const AFTER = read('rvw_after.c');

let shared: Promise<Analyzer> | undefined;
const analyzer = () => (shared ??= Analyzer.create({ callSites: true }, parserWasm()));

async function side(name: string, text: string, traces = true): Promise<ReviewSide> {
  const result = (await analyzer()).analyzeText(name, text);
  return {
    result,
    text,
    traces: traces ? BUILTIN_SCENARIOS.map((s) => runTrace({ result, text, scenario: s.name })) : [],
  };
}

async function review(before: string, after: string, opts: { texts?: boolean } = {}) {
  const b = await side('rvw.c', before);
  const h = await side('rvw.c', after);
  if (opts.texts === false) {
    b.text = undefined;
    h.text = undefined;
  }
  return combineReviews([compareFile({ file: 'rvw.c', base: b, head: h })], 'base', 'head');
}

test("the fix: the clone handler's *dev from {0, +1, +3} to {0, +1, +2}; two fixed, none introduced", async () => {
  const r = await review(BEFORE, AFTER);
  assert.deepEqual(
    r.functions.map((f) => [f.name, f.status]),
    [
      ['rvw_clone_create', 'changed'],
      ['rvw_clone', 'changed'],
    ],
    'only the functions whose counts or problems changed: the moved and the renamed ones are not listed',
  );
  const clone = r.functions.find((f) => f.name === 'rvw_clone')!;
  assert.deepEqual(clone.objects, [
    {
      object: '*dev',
      kind: 'cdev',
      before: [0, 1, 3],
      after: [0, 1, 2],
      outcomes: [
        { outcome: 'new', before: [3], after: [2] },
        { outcome: 'existing', before: [1], after: [1] },
        { outcome: 'none', before: [0], after: [0] },
      ],
    },
  ]);
  assert.equal(clone.line, AFTER.split('\n').findIndex((l) => l.startsWith('rvw_clone(')) + 1);
  assert.equal(clone.baseLine, BEFORE.split('\n').findIndex((l) => l.startsWith('rvw_clone(')) + 1);
  assert.deepEqual(
    r.diagnostics.fixed.map((d) => [d.rule, d.function]),
    [
      ['leak', 'rvw_clone_create'],
      ['contract', 'rvw_clone'],
    ],
  );
  assert.deepEqual(r.diagnostics.introduced, []);
  assert.deepEqual(r.diagnostics.updated, []);
  // the helper was renamed and moved: its problem is the same one, under its new name
  assert.deepEqual(
    r.diagnostics.unchanged.map((d) => [d.rule, d.function, d.baseFunction]),
    [['leak', 'rvw_read_stats', 'rvw_stats']],
  );
  const kept = r.diagnostics.unchanged[0];
  assert.notEqual(kept.line, kept.baseLine, 'it moved');
  // a fixed problem is placed where its function is now
  const contract = r.diagnostics.fixed.find((d) => d.rule === 'contract')!;
  assert.ok(contract.headLine! >= clone.line! && contract.headLine! < clone.line! + 20, `${contract.headLine}`);
  assert.equal(r.introducesProblems, false);
});

test('the lifecycle verdicts: the VNET jail goes from DYING to removed, the other scenarios to all freed', async () => {
  const r = await review(BEFORE, AFTER);
  assert.deepEqual(
    r.trace.map((t) => t.scenario),
    BUILTIN_SCENARIOS.map((s) => s.name),
    'every built-in reaches a function of this file',
  );
  const jail = r.trace.find((t) => t.scenario === 'vnet-jail-devfs-clone')!;
  assert.equal(jail.changed, true);
  assert.equal(jail.regressed, false);
  assert.match(jail.before!.verdicts[0], /^jail test stays DYING/);
  assert.deepEqual(
    jail.before!.states.map((s) => s.state),
    ['dying', 'leaked'],
  );
  assert.match(jail.after!.verdicts.join('\n'), /jail test removed/);
  assert.equal(jail.after!.ok, true);
  assert.ok(r.trace.every((t) => t.changed && !t.regressed && t.after!.ok && !t.before!.ok));
});

test('the reverse change introduces both problems and turns the verdicts bad', async () => {
  const r = await review(AFTER, BEFORE);
  assert.deepEqual(
    r.diagnostics.introduced.map((d) => [d.rule, d.function, d.severity]),
    [
      ['leak', 'rvw_clone_create', 'warning'],
      ['contract', 'rvw_clone', 'error'],
    ],
  );
  assert.deepEqual(r.diagnostics.fixed, []);
  assert.deepEqual(
    r.diagnostics.unchanged.map((d) => [d.function, d.baseFunction]),
    [['rvw_stats', 'rvw_read_stats']],
  );
  const clone = r.functions.find((f) => f.name === 'rvw_clone')!;
  assert.deepEqual(
    [clone.objects[0].before, clone.objects[0].after],
    [
      [0, 1, 2],
      [0, 1, 3],
    ],
  );
  assert.ok(r.trace.every((t) => t.regressed));
  assert.equal(r.introducesProblems, true);
});

test('moving every function and adding lines changes nothing: no function, nothing fixed or introduced', async () => {
  // the functions in the opposite order, each after a comment of its own
  const parts = BEFORE.split(/\n(?=static (?:int|void)\n)/);
  const moved = [
    parts[0],
    ...parts
      .slice(1)
      .reverse()
      .map((p, i) => `/* moved, ${i} */\n\n${p}`),
  ].join('\n');
  assert.notEqual(moved, BEFORE);
  const r = await review(BEFORE, moved);
  assert.deepEqual(r.functions, []);
  assert.deepEqual(r.diagnostics.fixed, []);
  assert.deepEqual(r.diagnostics.introduced, []);
  assert.deepEqual(r.diagnostics.updated, []);
  assert.deepEqual(r.diagnostics.unchanged.map((d) => d.rule).sort(), ['contract', 'leak', 'leak']);
  assert.ok(r.diagnostics.unchanged.every((d) => d.line !== d.baseLine));
  assert.ok(
    r.trace.every((t) => !t.changed),
    'the verdicts are the same (their lines moved)',
  );
});

test('a renamed function is told by its body, or without the texts by its counted result', async () => {
  const renamed = BEFORE.replace(/\brvw_clone_create\b/g, 'rvw_ifc_create');
  for (const texts of [true, false]) {
    const r = await review(BEFORE, renamed, { texts });
    assert.deepEqual(r.functions, [], `texts: ${texts}`);
    const leak = r.diagnostics.unchanged.find((d) => d.rule === 'leak' && d.baseFunction === 'rvw_clone_create')!;
    assert.equal(leak?.function, 'rvw_ifc_create', `texts: ${texts}`);
  }
  // a body that changed a little is still the same function
  const b = await side('x.c', BEFORE, false);
  const h = await side('x.c', renamed.replace('unit = ifc_name2unit(name, &unit);', 'unit = -1;'), false);
  const pairs = matchFunctions(b.result.functions, h.result.functions, { base: b.text, head: h.text });
  const pair = pairs.find((p) => p.base?.name === 'rvw_clone_create')!;
  assert.equal(pair.head?.name, 'rvw_ifc_create');
  assert.equal(pair.renamed, true);
});

test('the same problem in other words is updated, not fixed and introduced', async () => {
  // the leak now keeps two references: other counts, the same function, rule and object
  const wider = BEFORE.replace(
    '\t\tdev_ref(dev);\n\t\tsc = dev->si_drv1;',
    '\t\tdev_ref(dev);\n\t\tdev_ref(dev);\n\t\tsc = dev->si_drv1;',
  );
  assert.notEqual(wider, BEFORE);
  const r = await review(BEFORE, wider);
  const updated = r.diagnostics.updated.find((d) => d.rule === 'leak');
  assert.ok(updated, JSON.stringify(r.diagnostics, null, 1));
  assert.equal(updated.function, 'rvw_clone_create');
  assert.notEqual(updated.baseMessage, updated.message);
  assert.deepEqual(
    r.diagnostics.fixed.filter((d) => d.rule === 'leak'),
    [],
  );
  assert.deepEqual(
    r.diagnostics.introduced.filter((d) => d.rule === 'leak'),
    [],
  );
  const fn = r.functions.find((f) => f.name === 'rvw_clone_create')!;
  assert.equal(fn.updated, 1);
});

test("a side that cannot be analysed is not compared (and says why); an added file's problems are new", async () => {
  const ok = await side('rvw.c', BEFORE);
  const binary = await side('rvw.c', 'x\u0000\u0001\u0002'.repeat(100));
  const notCompared = compareFile({ file: 'rvw.c', base: ok, head: binary });
  assert.equal(notCompared.compared, false);
  assert.deepEqual(
    notCompared.problems.map((p) => [p.side, p.severity]),
    [['head', 'error']],
  );
  assert.match(notCompared.problems[0].message, /binary.*not compared/);
  assert.deepEqual(notCompared.diagnostics.fixed, []);

  const added = combineReviews([compareFile({ file: 'rvw.c', head: ok })], 'base', 'head');
  assert.equal(added.files[0].status, 'added');
  assert.deepEqual(added.diagnostics.introduced.map((d) => d.rule).sort(), ['contract', 'leak', 'leak']);
  assert.equal(added.introducesProblems, true);
  const removed = combineReviews([compareFile({ file: 'rvw.c', base: ok })], 'base', 'head');
  assert.equal(removed.files[0].status, 'removed');
  assert.equal(removed.diagnostics.fixed.length, 3);
  assert.equal(removed.introducesProblems, false);
});

test('a syntax error one side has in a function is named', async () => {
  const broken = BEFORE.replace('\tif (sc->rs_busy)\n', '\tif (sc->rs_busy\n');
  const r = compareFile({ file: 'rvw.c', base: await side('rvw.c', BEFORE), head: await side('rvw.c', broken) });
  const p = r.problems.find((x) => x.side === 'head');
  assert.ok(p, JSON.stringify(r.problems));
  assert.equal(p.severity, 'warning');
  assert.match(p.message, /syntax error.*the other side does not have \(first at line \d+/);
});
