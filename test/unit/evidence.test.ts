/**
 * Severity follows evidence (issue 16): a diagnostic whose paths depend on what the analysis
 * could not show (a value it merged away where paths met, a callee cut by its budget) is
 * information, and says why; one it can show stays a warning or an error.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyzeFile, analyzeSource, ROOT } from '../helpers/analyzer';
import { readModelSources } from '../../src/files/model-files';

// Four error paths carry rc = -EINVAL, -EIO, -EBUSY, -EAGAIN to `out`, the success path +2 on np and
// rc = 0. With room for four states at a node, the error states are merged at `out` and rc is
// forgotten; the test of rc then also sends an error state down the success side, which puts np twice.
const SRC = `#include <linux/of.h>
#include <linux/errno.h>

int ev_check(struct device_node *np);

static int ev_setup(struct device_node *parent, int a, int b, int c, int d)
{
	struct device_node *np = of_get_child_by_name(parent, "cfg");
	int rc;

	if (!np)
		return -ENODEV;
	if (a) {
		rc = -EINVAL;
		goto out;
	}
	if (b) {
		rc = -EIO;
		goto out;
	}
	if (c) {
		rc = -EBUSY;
		goto out;
	}
	if (d) {
		rc = -EAGAIN;
		goto out;
	}
	of_node_get(np);
	rc = 0;
out:
	if (rc < 0) {
		of_node_put(np);
		return rc;
	}
	of_node_put(np);
	of_node_put(np);
	return 0;
}
`;

test('a path through a value merged away is information, and says where', async () => {
  const precise = await analyzeSource(SRC, 'ev.c');
  assert.deepEqual(
    precise.diagnostics.filter((d) => d.rule !== 'parse').map((d) => d.rule),
    [],
  );
  const merged = await analyzeSource(SRC, 'ev.c', { maxStatesPerNode: 4 });
  const over = merged.diagnostics.filter((d) => d.rule === 'over-release');
  assert.equal(over.length, 1, JSON.stringify(merged.diagnostics.map((d) => d.message)));
  assert.equal(over[0].severity, 'info');
  assert.deepEqual(over[0].doubt, { merged: 31, value: 'rc' });
  assert.match(over[0].message, /information: the analysis merged paths at line 31 and no longer knew rc/);
});

// The four error paths keep np; with room for four states at a node they are merged at \`out\` and rc
// is forgotten. The test of rc splits the merged state, but both ways keep np: whatever rc was, np
// leaks, so the leak is a warning. When one way gives np back (LEAK_ONE_WAY), which way the merged
// paths went decides the leak: it stays information.
const errorPaths = (tail: string) => `#include <linux/of.h>
#include <linux/errno.h>

static int ev_leak(struct device_node *parent, int a, int b, int c, int d)
{
	struct device_node *np = of_get_child_by_name(parent, "cfg");
	int rc;

	if (!np)
		return -ENODEV;
	if (a) {
		rc = -EINVAL;
		goto out;
	}
	if (b) {
		rc = -EIO;
		goto out;
	}
	if (c) {
		rc = -EBUSY;
		goto out;
	}
	if (d) {
		rc = -EAGAIN;
		goto out;
	}
${tail}`;
const LEAK_BOTH_WAYS = errorPaths(`\tof_node_put(np);
\trc = 0;
out:
\tif (rc < 0)
\t\treturn rc;
\treturn 1;
}
`);
const LEAK_ONE_WAY = errorPaths(`\trc = 0;
out:
\tif (rc < 0)
\t\treturn rc;
\tof_node_put(np);
\treturn 0;
}
`);

test('a leak on both ways of a branch on a value merged away is a warning; on one way, information', async () => {
  const both = await analyzeSource(LEAK_BOTH_WAYS, 'ev.c', { maxStatesPerNode: 4 });
  const leaks = both.diagnostics.filter((d) => d.rule === 'leak');
  assert.deepEqual(
    leaks.map((d) => [d.object, d.severity, d.doubt]),
    [['np', 'warning', undefined]],
    JSON.stringify(both.diagnostics.map((d) => d.message)),
  );
  const one = await analyzeSource(LEAK_ONE_WAY, 'ev.c', { maxStatesPerNode: 4 });
  const oneLeaks = one.diagnostics.filter((d) => d.rule === 'leak');
  assert.deepEqual(
    oneLeaks.map((d) => [d.object, d.severity]),
    [['np', 'info']],
    JSON.stringify(one.diagnostics.map((d) => d.message)),
  );
  assert.match(oneLeaks[0].message, /no longer knew rc/);
  // with room for every state, the same leak is a warning on the error paths
  const precise = await analyzeSource(LEAK_ONE_WAY, 'ev.c');
  assert.deepEqual(
    precise.diagnostics.filter((d) => d.rule === 'leak').map((d) => [d.object, d.severity]),
    [['np', 'warning']],
  );
});

// A callee with forty exits is cut by a small state budget. Its caller still has its paths: what
// it gives the callee is handed on (nothing is known of what the callee did), what it keeps is its own.
const CASES = Array.from({ length: 40 }, (_, i) => `\tcase ${i}:\n\t\treturn ${i};\n`).join('');
const CUT = `#include <linux/of.h>

static int ev_drop(struct device_node *np, int k)
{
	of_node_put(np);
	switch (k) {
${CASES}\t}
	return -1;
}

static void ev_user(struct device_node *parent, int k)
{
	struct device_node *np = of_get_child_by_name(parent, "cfg");
	struct device_node *q;

	if (!np)
		return;
	q = of_get_child_by_name(np, "aux");
	ev_drop(np, k);
	of_node_put(np);
}
`;

test('a caller of a callee cut by its budget keeps its paths; what it kept is still its own', async () => {
  const whole = await analyzeSource(CUT, 'cut.c');
  assert.deepEqual(
    whole.diagnostics.filter((d) => d.rule !== 'parse').map((d) => [d.function, d.rule, d.object, d.severity]),
    [
      ['ev_user', 'leak', 'q', 'warning'],
      ['ev_user', 'over-release', 'np', 'error'],
    ],
  );
  const cut = await analyzeSource(CUT, 'cut.c', { maxStatesPerFunction: 30 });
  assert.ok(cut.functions.find((f) => f.name === 'ev_drop')?.truncated);
  const user = cut.functions.find((f) => f.name === 'ev_user');
  assert.ok(user && !user.truncated && user.paths.length > 0, 'the caller lost its paths at the cut callee');
  // the callee's paths already at a return when its budget ran out are explored (14 of them): on
  // those it puts np, so the caller's second put is an over-release, information as the callee was cut
  assert.deepEqual(
    cut.diagnostics.filter((d) => d.rule !== 'parse' && d.rule !== 'budget').map((d) => [d.rule, d.object, d.severity]),
    [
      ['leak', 'q', 'warning'],
      ['over-release', 'np', 'info'],
    ],
  );
  const over = cut.diagnostics.find((d) => d.rule === 'over-release')!;
  assert.deepEqual(over.doubt, { callee: 'ev_drop', why: 'cut' });
});

// A function the model itself describes implements the count its row states (a lock taken inside, a
// compare-and-swap on a field): callers read the row, so what its body does to that object is information.
test('a diagnostic on the object a function’s own model row counts is information, and says so', async () => {
  const modelSources = readModelSources([path.join(ROOT, 'test/fixtures/analysis/models/own-row.json')]);
  const r = await analyzeFile('test/fixtures/analysis/model_row_implementation.c', { modelSources });
  const leaks = r.diagnostics.filter((d) => d.rule === 'leak').map((d) => [d.function, d.severity, d.doubt]);
  assert.deepEqual(leaks, [
    ['dom_enter_other', 'info', { implements: 'dom_enter_other' }],
    ['dom_check_other', 'warning', undefined],
  ]);
});

// A count field raised with a plain increment and lowered on no path is a registration the function may
// keep on purpose; a try-get, or a path that gives the count back, keeps the leak a warning.
test('a count field only raised by a plain increment is information; a try-get keeps its warning', async () => {
  const r = await analyzeFile('test/fixtures/analysis/count_field_registration.c');
  const leaks = r.diagnostics.filter((d) => d.rule === 'leak').map((d) => [d.function, d.severity, d.doubt]);
  assert.deepEqual(leaks, [
    ['table_register', 'info', { records: 'e->users' }],
    ['table_use', 'warning', undefined],
    ['table_touch', 'warning', undefined],
  ]);
});

// A callee that gives back a lock it never took (as the analysis reads it) takes its caller's count below
// zero first: the caller's over-release is that callee's inconsistency, information; a double unlock of
// the caller's own stays an error.
test('an over-release a callee that is no release started is information; the function’s own is an error', async () => {
  const modelSources = readModelSources([path.join(ROOT, 'test/fixtures/analysis/models/own-row.json')]);
  const r = await analyzeFile('test/fixtures/analysis/callee_gives_back_untaken.c', { modelSources });
  const overs = r.diagnostics.filter((d) => d.rule === 'over-release').map((d) => [d.function, d.severity, d.doubt]);
  assert.deepEqual(overs, [
    ['dom_visit', 'info', { gaveBack: 'dom_probe' }],
    ['dom_visit_twice', 'error', undefined],
  ]);
});

// An array's elements are one object: a loop that takes them and a counted loop that gives them back
// compare trips the analysis does not tie, so their difference is information; a double put outside any
// loop stays an error.
test('an array’s elements counted in loops are information; outside a loop an over-release is an error', async () => {
  const r = await analyzeFile('test/fixtures/analysis/array_elements_in_loops.c');
  const overs = r.diagnostics.filter((d) => d.rule === 'over-release').map((d) => [d.function, d.severity, d.doubt]);
  assert.deepEqual(overs, [
    ['nodes_check_all', 'info', { elements: 'nodes[]' }],
    ['nodes_put_twice', 'error', undefined],
  ]);
});

// A reference a structure's member or a global holds, given back on one path and kept on another, is the
// holder's bookkeeping (none judged in the xen and xnu trees was a bug): information. A reference the caller
// handed in (a parameter, its own count member) that one path consumes and another forgets stays a warning,
// and so does one the function took and one path keeps.
test('an inconsistent count a member or a global holds is information; a parameter’s is a warning', async () => {
  const r = await analyzeFile('test/fixtures/analysis/bookkeeping_held_in_place.c');
  const pairs = r.diagnostics.filter((d) => d.rule === 'inconsistent').map((d) => [d.function, d.severity, d.doubt]);
  assert.deepEqual(pairs, [
    ['prefix_expire', 'info', { kept: 'pr->pr_ifp', in: 'member' }],
    ['default_expire', 'info', { kept: 'default_ifp', in: 'global' }],
    ['prefix_unlink_next', 'info', { kept: 'pr->pr_next->pr_refcnt', in: 'member' }],
    ['ifp_consume', 'warning', undefined],
    ['prefix_consume', 'warning', undefined],
    ['prefix_try_next', 'warning', undefined],
    ['prefix_cycle', 'warning', undefined],
  ]);
});

// A reference given back only under a test of a flag in the object's own state word (a snapshot of it read
// into locals, `x & PARTIAL`) is the flag's: the paths that give it back and those that do not differ by the
// object's state, in the function and in a caller that reads its summary, so the pair is information. The
// same release under a comparison of the word, not a flag test, stays a warning, and a reference the function took
// itself and gives back again under the flag stays an error.
test('a release under a flag of the object’s own state word is information; under a comparison a warning', async () => {
  const modelSources = readModelSources([path.join(ROOT, 'test/fixtures/analysis/models/flag-owned.json')]);
  const r = await analyzeFile('test/fixtures/analysis/flag_owned_reference.c', { modelSources });
  const pairs = r.diagnostics.filter((d) => d.rule === 'inconsistent').map((d) => [d.function, d.severity, d.doubt]);
  assert.deepEqual(pairs, [
    ['type_get_checked', 'info', { flagOwned: 'pg' }],
    ['word_drop_checked', 'warning', undefined],
  ]);
  const overs = r.diagnostics.filter((d) => d.rule === 'over-release').map((d) => [d.function, d.severity, d.doubt]);
  assert.deepEqual(overs, [['type_put_twice', 'error', undefined]]);
});
