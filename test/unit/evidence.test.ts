/**
 * Severity follows evidence (issue 16): a diagnostic whose paths depend on what the analysis
 * could not show (a value it merged away where paths met, a callee cut by its budget) is
 * information, and says why; one it can show stays a warning or an error.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyzeSource } from '../helpers/analyzer';

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
