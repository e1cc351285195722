/**
 * Verified fix-its (src/analysis/fixes/) through the real parser and analyser: the edit each
 * rule gets on our fixtures, that it keeps the file's style, that it equals the real fix on
 * the fix-pair fixtures, and the reasons when there is none. Every fix here was verified by
 * the analysis of the edited text; the tests also analyse the result themselves.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzer, deltasOf, ROOT } from '../helpers/analyzer';
import { readModelSources } from '../../src/files/model-files';
import { combineFixes, fixDiagnostics, INFERRED_REASON, type DiagnosticFixes } from '../../src/analysis/fixes/fix-file';
import { applyEdits } from '../../src/analysis/fixes/edits';
import type { Analyzer } from '../../src/analysis/analyzer';
import type { FileResult } from '../../src/analysis/result';

const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');

interface Fixed {
  items: DiagnosticFixes[];
  text: string;
  before: FileResult;
  after: FileResult;
}

/** Every diagnostic's smallest verified fix, combined, and the analysis of the result. */
async function fixAll(rel: string, a?: Analyzer): Promise<Fixed> {
  const an = a ?? (await analyzer());
  const text = read(rel);
  const before = an.analyzeText(rel, text);
  const items = fixDiagnostics(an, rel, text, before);
  const combined = combineFixes(an, rel, text, before, items);
  return { items, text: combined.text, before, after: an.analyzeText(rel, combined.text) };
}

/** Code without comments, blanks and braces: two fixes that differ only in those read alike. */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\/|\/\/.*/g, '')
    .replace(/[{}\s]+/g, ' ')
    .trim();
}

/** The function's text, from its name's line to the next line that closes a function. */
function body(text: string, name: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${name}(`));
  assert.ok(start >= 0, `no function ${name}`);
  const end = lines.findIndex((l, i) => i > start && l === '}');
  return lines.slice(start, end + 1).join('\n');
}

const problems = (r: FileResult, fn?: string) =>
  r.diagnostics.filter((d) => d.rule !== 'parse' && d.rule !== 'budget' && (!fn || d.function === fn));

test('clonedev_buggy.c: the fix-its are the real fix of both functions; +2 new, +1 existing after', async () => {
  const f = await fixAll('examples/clonedev/clonedev_buggy.c');
  const titles = f.items.map((i) => i.fixes[0]?.title);
  assert.deepEqual(titles, [
    'Remove dev_ref(dev) (line 207): no path gives the reference back or on',
    'Move dev_ref(*dev) to a new else of the if at line 261 (clone_create() found an existing device)',
  ]);
  assert.deepEqual(problems(f.after), []);
  assert.deepEqual(deltasOf(f.after, 'pcd_clone', '*dev'), [0, 1, 2]);
  const fixed = read('examples/clonedev/clonedev_fixed.c');
  for (const fn of ['pcd_clone', 'pcd_clone_create'])
    assert.equal(code(body(f.text, fn)), code(body(fixed, fn)), `${fn}() as the fixed driver writes it`);
});

test('tclone.c: the dev_ref under a braceless if moves to a braceless else, and the if goes', async () => {
  const f = await fixAll('test/fixtures/workspace/fixes/tclone.c');
  assert.equal(f.items.length, 1);
  assert.equal(f.items[0].fixes.length, 1, 'one verified edit (the quick fix is preferred)');
  assert.match(
    f.text,
    new RegExp(
      /\ti = clone_create\(&tc_clones, &tc_cdevsw, &unit, dev, 0\);\n\tif \(i\)\n\t\ti = tc_make\(unit, cred, dev\);\n/
        .source + /\telse\n\t\tdev_ref\(\*dev\);\n\}\n/.source,
    ),
  );
  assert.deepEqual(problems(f.after), []);
  assert.deepEqual(deltasOf(f.after, 'tc_clone', '*dev'), [0, 1, 2]);
});

test('leaky.c: a braceless error return gets braces and the release; the return keeps its parentheses', async () => {
  const f = await fixAll('test/fixtures/workspace/fixes/leaky.c');
  assert.equal(f.items[0].fixes[0].title, 'Add if_rele(ifp) before the return at line 24');
  assert.match(f.text, /\tif \(ifp->if_mtu < 576\) \{\n\t\tif_rele\(ifp\);\n\t\treturn \(EMSGSIZE\);\n\t\}\n/);
  assert.deepEqual(problems(f.after), []);
});

test('four-space indentation, else on its own line and returns without parentheses are kept', async () => {
  const f = await fixAll('test/fixtures/fixes/spaces_style.c');
  assert.ok(
    f.text.includes(
      '    if (i) {\n        i = sp_make(unit, cred, dev);\n    }\n    else {\n        dev_ref(*dev);\n    }\n' +
        '    if (i == 0) {\n        if_clone_create(name, namelen, NULL);\n    }\n',
    ),
    body(f.text, 'sp_clone'),
  );
  assert.ok(
    f.text.includes('    if (ifp->if_mtu < 576) {\n        if_rele(ifp);\n        return EMSGSIZE;\n    }\n'),
    body(f.text, 'sp_mtu'),
  );
  assert.deepEqual(problems(f.after), []);
});

test('Xen layout: braces on their own line; a release that falls into the ladder becomes a jump to it', async () => {
  const f = await fixAll('test/fixtures/fixes/xen_style.c');
  const first = Object.fromEntries(f.items.map((i) => [i.diagnostic.function, i.fixes[0]?.title ?? i.reason]));
  assert.deepEqual(first, {
    xs_attach: 'Add if_rele(ifp) before the return at line 29',
    xs_set: 'Jump to out instead of calling if_rele(ifp) (line 48)',
    // the acquire is in the test of an if: the jump inside that if's branch is after it
    xs_probe: 'Jump to out_ifp instead of out_dev (line 77)',
    xs_mtu:
      'Release ifp with if_rele(): the path keeping it reads ifp up to its exit (line 98): ' +
      'a release would come before a use',
  });
  assert.ok(
    f.text.includes('    if ( ifp->if_mtu < 576 )\n    {\n        if_rele(ifp);\n        return -EINVAL;\n    }\n'),
    body(f.text, 'xs_attach'),
  );
  assert.ok(f.text.includes('    if ( ret )\n        goto out;\n\n    ret = -EBUSY;'), body(f.text, 'xs_set'));
  assert.ok(!/if_rele\(ifp\);\n\s*return ifp->if_mtu;/.test(f.text), 'no release before the return that reads it');
  assert.deepEqual(
    problems(f.after).map((d) => d.function),
    ['xs_mtu'],
  );
});

test('an unwinding ladder: the smallest fix jumps to the label that releases (leak and over-release)', async () => {
  const leak = await fixAll('test/fixtures/analysis/goto_ladder_wrong_label_leak.c');
  assert.equal(leak.items[0].fixes[0].title, 'Jump to fail_fp instead of fail_ifp (line 44)');
  assert.ok(leak.items[0].fixes.some((x) => x.title === 'Add fdrop(fp, td) before the goto at line 44'));
  assert.match(leak.text, /\t\terror = EBUSY;\n\t\tgoto fail_fp;/);
  const over = await fixAll('test/fixtures/analysis/goto_ladder_wrong_label_overrelease.c');
  assert.equal(over.items[0].fixes[0].title, 'Jump to fail_ifp instead of fail_fp (line 41)');
  for (const f of [leak, over]) assert.deepEqual(problems(f.after), []);
});

test('a double put: the release on the error branch goes, the one every path needs stays', async () => {
  const f = await fixAll('test/fixtures/analysis/double_put.c');
  const fixes = f.items[0].fixes;
  assert.equal(fixes[0].title, 'Remove of_node_put(np) (line 22)');
  assert.ok(!fixes.some((x) => x.title.includes('(line 24)')), 'the last put is needed on the other path');
  assert.deepEqual(problems(f.after, 'dp_read_reg'), []);
});

test('a loop: the release goes before the continue that keeps the reference, not where none was found', async () => {
  const f = await fixAll('test/fixtures/analysis/loop_continue_for.c');
  assert.equal(f.items[0].fixes.length, 1);
  assert.equal(f.items[0].fixes[0].title, 'Add if_rele(ifp) before the continue at line 44');
  assert.match(
    f.text,
    /\t\tif \(ifp == NULL\)\n\t\t\tcontinue;\n\t\tif \(ifp->if_mtu < 9000\) \{\n\t\t\tif_rele\(ifp\);/,
  );
  // a loop whose dev_ref is paired on another path: the acquire stays, the release is added
  const tailq = await fixAll('test/fixtures/analysis/loop_continue_tailq.c');
  assert.ok(
    tailq.items.every((i) => i.fixes[0]?.kind === 'release'),
    tailq.items.map((i) => i.fixes[0]?.title).join(),
  );
});

/** An analyser whose model states the pairs inference found in the file (what the model-file quick fix writes). */
async function withInferredPairs(rel: string): Promise<Analyzer> {
  const pairs = (await analyzer()).analyzeText(rel, read(rel)).inferredPairs ?? [];
  const functions = Object.assign({}, ...pairs.map((p) => p.functions));
  return analyzer({
    modelSources: { files: [{ file: 'pairs.json', text: JSON.stringify({ functions }) }], included: [] },
  });
}

test('the fix-pair fixtures: each fix-it equals the real fix, or does the same a line apart', async () => {
  // identical code, modulo braces and comments
  for (const name of ['fix_fence_get_returns_arg', 'fix_rpm_ioctl_alias']) {
    const rel = `test/fixtures/analysis/${name}_before.c`;
    const f = await fixAll(rel, await withInferredPairs(rel));
    assert.equal(code(f.text), code(read(`test/fixtures/analysis/${name}_after.c`)), name);
  }
  // the same release, placed at a neighbouring point of the same paths
  for (const name of ['fix_infix_get_put', 'fix_claim_kref_stored', 'fix_lookup_get_put', 'fix_find_loop_break']) {
    const rel = `test/fixtures/analysis/${name}_before.c`;
    const f = await fixAll(rel, await withInferredPairs(rel));
    assert.ok(f.items.length && f.items.every((i) => i.fixes[0]?.kind === 'release'), name);
    assert.deepEqual(problems(f.after), [], name);
  }
});

test('a pair only inferred from names: no fix-it until a model file states it', async () => {
  const f = await fixAll('test/fixtures/analysis/fix_fence_get_returns_arg_before.c');
  assert.equal(f.items.length, 1);
  assert.ok(f.items[0].diagnostic.inferred);
  assert.deepEqual(f.items[0].fixes, []);
  assert.equal(f.items[0].reason, INFERRED_REASON);
});

test('a model with no release row for the object: no edit, and the reason', async () => {
  const a = await analyzer({
    modelSources: readModelSources([path.join(ROOT, 'test/fixtures/fixes/no_release.json')]),
  });
  const f = await fixAll('test/fixtures/fixes/no_release.c', a);
  assert.equal(f.items.length, 1);
  assert.deepEqual(f.items[0].fixes, []);
  assert.equal(f.items[0].reason, 'Release w: the model has no release row for widget');
  assert.equal(f.text, read('test/fixtures/fixes/no_release.c'));
});

test('a candidate that leaves its diagnostic is not offered, and the reason says so', async () => {
  const f = await fixAll('test/fixtures/analysis/shadowed_variable.c');
  const leak = f.items.find((i) => i.diagnostic.rule === 'leak')!;
  assert.deepEqual(leak.fixes, []);
  assert.match(
    leak.reason!,
    /^no candidate edit passed verification \(Add dev_rel\(dev\) .*: it leaves the leak on dev/,
  );
});

test('an edit is applied only to the text it was made for, and never over another', async () => {
  const text = 'int\nf(void)\n{\n\treturn (0);\n}\n';
  const ret = text.indexOf('return');
  const edit = { start: ret, end: ret + 6, old: 'return', text: 'return' };
  assert.deepEqual(applyEdits(text, [{ ...edit, text: 'RETURN' }]), {
    ok: true,
    text: text.replace('return', 'RETURN'),
  });
  assert.deepEqual(applyEdits(text.replace('return', 'retval'), [edit]), {
    ok: false,
    reason: 'the file changed since it was analysed: line 4 differs',
  });
  assert.deepEqual(applyEdits(text, [edit, { start: ret + 2, end: ret + 4, old: 'tu', text: '' }]), {
    ok: false,
    reason: 'overlapping edits at line 4',
  });
  assert.deepEqual(
    applyEdits(
      text,
      [
        { ...edit, end: ret },
        { ...edit, end: ret },
      ].map((e) => ({ ...e, old: '' })),
    ),
    {
      ok: false,
      reason: 'overlapping edits at line 4',
    },
  );
});

test('every fixture and example: fix-its never throw; combined, they leave fewer problems, none new', async () => {
  const dirs = ['test/fixtures/analysis', 'test/fixtures/view', 'test/fixtures/trace', 'examples/clonedev'];
  let fixed = 0;
  for (const dir of dirs)
    for (const name of fs.readdirSync(path.join(ROOT, dir)).filter((n) => n.endsWith('.c'))) {
      const f = await fixAll(`${dir}/${name}`);
      const before = problems(f.before).length;
      const after = problems(f.after);
      if (f.text !== read(`${dir}/${name}`)) {
        fixed++;
        assert.ok(after.length < before, `${name}: ${before} problems before, ${after.length} after`);
      }
      const key = (d: { rule: string; function?: string; object?: string }) => `${d.rule}|${d.function}|${d.object}`;
      const old = new Set(problems(f.before).map(key));
      assert.deepEqual(
        after.filter((d) => !old.has(key(d))).map((d) => d.message),
        [],
        `${name}: no new problem`,
      );
    }
  assert.ok(fixed >= 20, `${fixed} files fixed`);
});
