/**
 * A one-shot analysis (`analyzeText`, the CLI) tells tree-sitter to skip the bodies no
 * analysis of the file can need. The results must be those of a whole parse: checked on
 * every fixture and example, and on seeded damaged copies of them (the fuzz generator).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { analyzer } from '../helpers/analyzer';
import { fuzzCases, fuzzSeed, seedFiles } from '../helpers/fuzz';
import { generateFile } from '../../bench/generate';
import type { Analyzer } from '../../src/analysis/analyzer';
import type { FileResult } from '../../src/analysis/result';

/** The result without timings and without the syntax errors (those inside a skipped body go unreported). */
function comparable(r: FileResult): string {
  return JSON.stringify({ ...r, timing: undefined, parseErrors: undefined });
}

function wholeParse(a: Analyzer, path: string, text: string): FileResult {
  const doc = a.parse(text);
  try {
    return a.analyzeParsed(path, doc);
  } finally {
    doc.tree.delete();
  }
}

const SOURCE = `#include <sys/param.h>
#include <sys/conf.h>

struct gadget_softc { struct cdev *sc_dev; int sc_unit; int sc_flags; };

static int
gadget_checksum(const unsigned char *p, int n)
{
	int sum = 0, i;

	for (i = 0; i < n; i++)
		sum = (sum << 1) ^ p[i];
	return (sum);
}

static void
gadget_keep(struct gadget_softc *sc, struct cdev *dev)
{
	sc->sc_dev = dev;
	sc->sc_flags |= 1;
}

static int
gadget_stats(struct gadget_softc *sc)
{
	if (sc->sc_flags == 0)
		return (0);
	return (gadget_checksum((const unsigned char *)sc, sizeof(*sc)));
}

int
gadget_attach(struct gadget_softc *sc, struct cdev *dev)
{
	dev_ref(dev);
	gadget_keep(sc, dev);
	return (0);
}
`;

test('the parse skips only the body no analysis needs', async () => {
  const a = await analyzer();
  const doc = a.parse(SOURCE, undefined, { skipBodies: true });
  try {
    const bodies = new Map(
      doc.top.functions.map((h) => [SOURCE.slice(h.start, h.bodyStart).match(/(\w+)\(/)![1], h.bodyStart!]),
    );
    // the checksum and the stats touch nothing counted; the keeper stores a parameter its (counting) caller reads
    assert.deepEqual(doc.skipped, [bodies.get('gadget_checksum'), bodies.get('gadget_stats')]);
    const r = a.analyzeParsed('gadget.c', doc);
    assert.equal(comparable(r), comparable(wholeParse(a, 'gadget.c', SOURCE)));
    assert.deepEqual(
      r.functions.map((f) => f.name),
      ['gadget_checksum', 'gadget_keep', 'gadget_stats', 'gadget_attach'],
    );
  } finally {
    doc.tree.delete();
  }
});

test('a document whose skipped bodies the analysis needs is refused, not analysed', async () => {
  const a = await analyzer();
  const doc = a.parse(SOURCE, undefined, { skipBodies: true });
  try {
    const attach = doc.top.functions.find((h) => SOURCE.slice(h.start, h.end).includes('gadget_attach('))!;
    doc.skipped = [...doc.skipped!, attach.bodyStart!];
    assert.throws(() => a.analyzeParsed('gadget.c', doc), /skipped a body this analysis needs/);
  } finally {
    doc.tree.delete();
  }
});

test('a syntax error inside a skipped body is not reported; everything else is as with a whole parse', async () => {
  const a = await analyzer();
  const broken = SOURCE.replace('sum = (sum << 1) ^ p[i];', 'sum = (sum << 1) ^ p[i] +;');
  const sparse = a.analyzeText('gadget.c', broken);
  const whole = wholeParse(a, 'gadget.c', broken);
  assert.ok(whole.parseErrors.length > 0);
  assert.deepEqual(sparse.parseErrors, []);
  assert.equal(comparable(sparse), comparable(whole));
});

test('every fixture, example and a generated driver give the same result with bodies skipped', async () => {
  const a = await analyzer();
  let skipped = 0;
  const inputs = seedFiles().map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
  inputs.push({ file: 'generated.c', text: generateFile({ lines: 3000, seed: 7 }) });
  for (const { file, text } of inputs) {
    const doc = a.parse(text, undefined, { skipBodies: true });
    skipped += doc.skipped?.length ?? 0;
    doc.tree.delete();
    assert.equal(comparable(a.analyzeText(file, text)), comparable(wholeParse(a, file, text)), file);
  }
  assert.ok(skipped >= 10, `only ${skipped} bodies skipped`);
});

/**
 * The result without the functions the damage falls in: around a damaged function, tree-sitter's error
 * recovery settles differently when the bodies beside it are left out (a function the whole parse swallows
 * into an error may be read with them skipped). Left out: a function a syntax error of the whole parse lies
 * in, and, when the whole parse has errors, one only one of the two parses reads. The rest must agree.
 */
function outsideDamage(r: FileResult, other: FileResult, errorLines: readonly number[]): string {
  const names = new Set(other.functions.map((f) => f.name));
  const damaged = (f: { name: string; line: number; endLine: number }) =>
    errorLines.some((l) => l >= f.line && l <= f.endLine) || (errorLines.length > 0 && !names.has(f.name));
  const dropped = new Set(r.functions.filter(damaged).map((f) => f.name));
  return comparable({
    ...r,
    functions: r.functions.filter((f) => !dropped.has(f.name)),
    diagnostics: r.diagnostics.filter((d) => !d.function || !dropped.has(d.function)),
    facts: { ...r.facts, bindings: r.facts.bindings.filter((b) => !dropped.has(b.callback)) },
  });
}

test('damaged inputs give the same result with bodies skipped, outside the functions the damage falls in', async () => {
  const seed = fuzzSeed();
  const a = await analyzer();
  for (const c of fuzzCases(seed, 3)) {
    const text = c.data.toString('utf8');
    if (text.length > 400_000) continue;
    const sparse = a.analyzeText(c.name, text);
    if (sparse.error) continue;
    const whole = wholeParse(a, c.name, text);
    const errors = whole.parseErrors.map((e) => e.line);
    assert.equal(
      outsideDamage(sparse, whole, errors),
      outsideDamage(whole, sparse, errors),
      `${c.name} (FUZZ_SEED=${seed})`,
    );
  }
});
