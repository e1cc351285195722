/** Control flow and path-state behaviour on small sources of our own. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyzer, analyzeSource, deltasOf, fn, rules } from '../helpers/analyzer';

const H = '#include <sys/conf.h>\n';

test('correlated branches on a call result yield no infeasible path', async () => {
  const r = await analyzeSource(
    H +
      `
static void
handler(void *arg, struct ucred *cred, char *name, int namelen, struct cdev **dev)
{
	int i;
	i = clone_create(&clones, &sw, &unit, dev, 0);
	if (i) {
		something();
	}
	if (i == 0)
		dev_ref(*dev);
}
`,
  );
  // found: +1 (ref taken); not found: 0. Never a path with i != 0 that takes a reference.
  assert.deepEqual(deltasOf(r, 'handler', '*dev'), [0, 1]);
  assert.equal(fn(r, 'handler').paths.length, 2);
});

test('forty independent ifs merge: exact and not enumerated', async () => {
  const ifs = Array.from({ length: 40 }, (_, i) => `\tif (flag${i})\n\t\tcount${i}++;\n`).join('');
  const params = Array.from({ length: 40 }, (_, i) => `int flag${i}`).join(', ');
  const r = await analyzeSource(
    H + `static int\nforty(struct cdev *d, ${params})\n{\n\tdev_ref(d);\n${ifs}\tdev_rel(d);\n\treturn (0);\n}\n`,
  );
  const f = fn(r, 'forty');
  assert.equal(f.truncated, false);
  assert.equal(f.paths.length, 1);
  assert.equal(f.paths[0].deltas[0].delta, 0);
  assert.ok(f.paths[0].merged >= 2 ** 10, `merged ${f.paths[0].merged}`);
});

test('switch with fall-through and default', async () => {
  const r = await analyzeSource(
    H +
      `
static int
sw(struct cdev *d, int cmd)
{
	switch (cmd) {
	case 1:
		dev_ref(d);
		/* FALLTHROUGH */
	case 2:
		dev_ref(d);
		break;
	default:
		return (EINVAL);
	}
	return (0);
}
`,
  );
  assert.deepEqual(deltasOf(r, 'sw', 'd'), [0, 1, 2]);
});

test('do { } while (0) with break, and continue in a loop', async () => {
  const r = await analyzeSource(
    H +
      `
static int
once(struct cdev *d, int x)
{
	do {
		dev_ref(d);
		if (x)
			break;
		dev_rel(d);
	} while (0);
	return (0);
}
`,
  );
  assert.deepEqual(deltasOf(r, 'once', 'd'), [0, 1]);
});

test('panic() paths are not exits', async () => {
  const r = await analyzeSource(
    H +
      `
static int
p(struct cdev *d, int x)
{
	dev_ref(d);
	if (x)
		panic("bad");
	dev_rel(d);
	return (0);
}
`,
  );
  assert.deepEqual(deltasOf(r, 'p', 'd'), [0]);
  assert.equal(fn(r, 'p').paths.length, 1);
});

test('a shadowing declaration is a different object', async () => {
  const r = await analyzeSource(
    H +
      `
static void
shadow(struct cdev *dev)
{
	dev_ref(dev);
	{
		struct cdev *dev = other();
		dev_rel(dev);
	}
}
`,
  );
  const deltas = fn(r, 'shadow').paths[0].deltas;
  assert.deepEqual(deltas.map((d) => [d.object, d.delta]).sort(), [
    ['dev', -1],
    ['dev', 1],
  ]);
});

test('#ifdef inside an if keeps the body attached; inactive branches are ignored', async () => {
  const r = await analyzeSource(
    H +
      `
static void
cond(struct cdev *d, int x)
{
	if (x) {
#ifdef INET
		dev_ref(d);
#endif
#ifdef NOT_CONFIGURED
		dev_ref(d);
#endif
	}
}
`,
  );
  assert.deepEqual(deltasOf(r, 'cond', 'd'), [0, 1]);
});

test('the MAKEDEV_REF flag set earlier in the function decides the second reference', async () => {
  const r = await analyzeSource(
    H +
      `
static int
mk(struct ucred *cr, struct cdev **dev)
{
	struct make_dev_args args;
	int error;

	make_dev_args_init(&args);
	if (cr != NULL)
		args.mda_flags = MAKEDEV_REF;
	args.mda_cr = cr;
	error = make_dev_s(&args, dev, "x");
	if (error != 0)
		return (error);
	return (0);
}

static int
caller_null(void)
{
	struct cdev *d;
	return (mk(NULL, &d));
}
`,
  );
  const f = fn(r, 'mk');
  const ok = f.paths
    .filter((p) => p.exit.returns === '0')
    .map((p) => ({ c: p.paramConditions.join(), d: p.deltas[0].delta }))
    .sort((a, b) => a.d - b.d);
  assert.deepEqual(ok, [
    { c: 'cr == NULL', d: 1 },
    { c: 'cr != NULL', d: 2 },
  ]);
  assert.deepEqual(rules(r), [], 'paths told apart by a parameter are not inconsistent');
  assert.deepEqual(deltasOf(r, 'caller_null', 'd'), [0, 1]);
});

test('a loop acquiring each time is bounded and reported honestly', async () => {
  const r = await analyzeSource(
    H +
      `
static void
loop(struct cdev *d, int n)
{
	int i;
	for (i = 0; i < n; i++)
		dev_ref(d);
}
`,
  );
  const f = fn(r, 'loop');
  assert.equal(f.truncated, false);
  assert.deepEqual(deltasOf(r, 'loop', 'd'), [0, 1, 2]);
});

test('a goto loop terminates', async () => {
  const r = await analyzeSource(
    H +
      `
static int
retry(struct cdev *d)
{
again:
	dev_ref(d);
	if (busy()) {
		dev_rel(d);
		goto again;
	}
	return (0);
}
`,
  );
  assert.deepEqual(deltasOf(r, 'retry', 'd'), [1]);
});

test('a too-small state budget cuts and says so', async () => {
  const body = Array.from({ length: 16 }, (_, i) => `\tif (f${i}) dev_ref(d${i});\n`).join('');
  const decl = Array.from({ length: 16 }, (_, i) => `struct cdev *d${i}, int f${i}`).join(', ');
  const r = await analyzeSource(H + `static void\nmany(${decl})\n{\n${body}}\n`, 'many.c', {
    maxStatesPerFunction: 200,
  });
  const f = fn(r, 'many');
  assert.equal(f.truncated, true);
  assert.match(f.truncatedReason ?? '', /^stopped after 200 path states/);
  assert.ok(r.diagnostics.some((d) => d.rule === 'budget'));
});

test('a function cut by its budget still reports what its explored paths show, as information', async () => {
  // a leak on an early return, then independent references: past a dozen of them, more states meet
  // at the last join than the per-node budget keeps
  const src = (n: number) =>
    '#include <linux/of.h>\n' +
    `static int\nmany(struct device_node *parent, int g, ` +
    `${Array.from({ length: n }, (_, i) => `struct device_node *d${i}, int f${i}`).join(', ')})\n{\n` +
    '\tstruct device_node *np = of_get_child_by_name(parent, "port");\n\n' +
    '\tif (!np)\n\t\treturn (-1);\n\tif (g)\n\t\treturn (1);\n' +
    Array.from({ length: n }, (_, i) => `\tif (f${i}) of_node_get(d${i});\n`).join('') +
    '\tof_node_put(np);\n\treturn (0);\n}\n';
  const whole = await analyzeSource(src(3), 'few.c');
  assert.equal(fn(whole, 'many').truncated, false);
  const warned = whole.diagnostics.filter((d) => d.rule === 'leak');
  assert.ok(warned.length && warned.every((d) => d.severity === 'warning'), 'uncut: the early return leaks, a warning');

  const r = await analyzeSource(src(16), 'many.c');
  const f = fn(r, 'many');
  assert.equal(f.truncated, true);
  const budget = r.diagnostics.find((d) => d.rule === 'budget')!;
  assert.match(budget.message, new RegExp(`explored ${f.paths.length} paths to the end before the budget`));
  const found = r.diagnostics.filter((d) => d.rule === 'leak');
  assert.ok(found.length > 0, 'the leak on an explored path is still said');
  for (const d of found) {
    assert.equal(d.severity, 'info');
    assert.deepEqual(d.doubt, { explored: f.paths.length });
    assert.match(d.message, new RegExp(`explored ${f.paths.length} of the function's paths before its budget`));
  }
});

test('once a cut has made a function partial, its analysis goes on for at most maxStatesAfterCut states', async () => {
  // 2^16 combinations of independent references: the per-node budget cuts at the last joins
  const body = Array.from({ length: 16 }, (_, i) => `\tif (f${i}) dev_ref(d${i});\n\tg(${i});\n`).join('');
  const decl = Array.from({ length: 16 }, (_, i) => `struct cdev *d${i}, int f${i}`).join(', ');
  const text = H + `void g(int);\nstatic void\nmany(${decl})\n{\n${body}}\n`;
  const bounded = fn(await analyzeSource(text, 'after-cut.c', { maxStatesAfterCut: 40 }), 'many');
  assert.match(
    bounded.truncatedReason ?? '',
    /^stopped 40 path states after the first cut; before that, more than 64 different path states at line \d+/,
  );
  const free = fn(await analyzeSource(text, 'after-cut.c', { maxStatesAfterCut: 100000 }), 'many');
  assert.doesNotMatch(free.truncatedReason ?? '', /after the first cut/);
  assert.ok(free.truncated);
});

test('a run stopped by the state budget keeps the paths that had already reached the exit', async () => {
  // the early return reaches the exit before the ifs below use up the budget
  const body = Array.from({ length: 16 }, (_, i) => `\tif (f${i}) dev_ref(d${i});\n`).join('');
  const decl = Array.from({ length: 16 }, (_, i) => `struct cdev *d${i}, int f${i}`).join(', ');
  const r = await analyzeSource(
    H +
      `static int\nmany(struct cdev *e, int g, ${decl})\n{\n\tdev_ref(e);\n\tif (g)\n\t\treturn (1);\n${body}` +
      '\tdev_rel(e);\n\treturn (0);\n}\n',
    'stopped.c',
    { maxStatesPerFunction: 200 },
  );
  const f = fn(r, 'many');
  assert.match(f.truncatedReason ?? '', /^stopped after 200 path states/);
  assert.ok(
    f.paths.some((p) => p.exit.returns === '(1)' || p.exit.returns === '1'),
    JSON.stringify(f.paths),
  );
});

test('an expression with too many outcomes is cut at the outcome budget and says so', async () => {
  // each `aN ? dev_ref(d) : 0` doubles the call's outcomes: 2^12 combinations
  const args = Array.from({ length: 12 }, (_, i) => `a${i} ? dev_ref(d) : 0`).join(', ');
  const params = Array.from({ length: 12 }, (_, i) => `int a${i}`).join(', ');
  const text =
    H + `int g(int, ...);\nstatic int\nmany(struct cdev *d, ${params})\n{\n\tg(${args});\n\treturn (0);\n}\n`;
  const f = fn(await analyzeSource(text, 'outcomes.c'), 'many');
  assert.equal(f.truncated, true);
  assert.match(
    f.truncatedReason ?? '',
    /^more than 64 outcomes of one expression at line \d+; the rest were not followed$/,
  );
  const wide = fn(await analyzeSource(text, 'outcomes.c', { maxOutcomesPerExpression: 8192 }), 'many');
  assert.equal(wide.truncated, false, 'under a larger budget the same function is not cut');
});

const fileBudget =
  'the file state budget leaves later functions unanalysed, and a warm cache or an edit elsewhere ' +
  'reaches the same ones';
test(fileBudget, async () => {
  const heavy = (k: number) => {
    const body = Array.from({ length: 9 }, (_, i) => `\tif (f${i}) dev_ref(d);\n`).join('');
    const params = Array.from({ length: 9 }, (_, i) => `int f${i}`).join(', ');
    return `static void\nheavy${k}(struct cdev *d, ${params})\n{\n${body}\tif (d) dev_rel(d);\n}\n`;
  };
  const text = H + [0, 1, 2, 3].map(heavy).join('\n');
  const a = await analyzer({ maxStatesPerFile: 60 });
  const first = a.analyzeText('budget.c', text);
  const budgetSpent =
    "not analysed: the file's functions used up its budget of 60 path states" +
    ' (--max-states-per-file, refcountLens.maxStatesPerFile)';
  const notAnalysed = first.functions.filter((f) => f.truncatedReason === budgetSpent);
  assert.ok(
    notAnalysed.length >= 1 && notAnalysed.length < 4,
    first.functions.map((f) => `${f.name}: ${f.truncatedReason}`).join('\n'),
  );
  assert.equal(first.truncated, true);
  // the same text again: every analysed function comes from the cache, and is charged what it cost
  assert.deepEqual(strip(a.analyzeText('budget.c', text)), strip(first));
  // an edit inside the last function, then back: the others come from the cache either way
  const edited = text.replace(/(heavy3[^{]*\{\n)/, '$1\t(void)0;\n');
  a.analyzeText('budget.c', edited);
  assert.deepEqual(strip(a.analyzeText('budget.c', text)), strip(first));
  assert.deepEqual(
    strip((await analyzer({ maxStatesPerFile: 60 })).analyzeText('budget.c', text)),
    strip(first),
    'a fresh analyzer agrees',
  );
});

/** A result as the JSON output shows it, without its timings. */
function strip(r: import('../../src/analysis/result').FileResult) {
  return JSON.parse(JSON.stringify({ ...r, timing: undefined }));
}

test("a condition names the call whose result it tested, in the model row's words when it has them", async () => {
  const text =
    H +
    `int clone_create(void *, void *, int *, struct cdev **, int);
int mk(struct cdev **);
void *lookup_sc(int);

static int
pick(struct cdev **dev, int u)
{
	int i;
	void *sc;

	dev_ref(*dev);
	i = clone_create(0, 0, &u, dev, 0);
	if (i) {
		i = mk(dev);
		if (i == 0)
			return (1);
		return (2);
	}
	if (i == 0) {
		sc = lookup_sc(u);
		if (sc == NULL)
			return (3);
	}
	if (mk(dev) < 0)
		return (4);
	return (0);
}
`;
  // mk() gets words of its own from a model given as text (the analysis reads no files)
  const model = {
    functions: { mk: { lookup: '*arg0', kind: 'cdev', says: { 'ret == 0': 'made the device', 'ret < 0': 'failed' } } },
  };
  const r = await analyzeSource(text, 'pick.c', {
    modelSources: { files: [{ file: 'words.json', text: JSON.stringify(model) }], included: [] },
  });
  const byReturn = new Map(fn(r, 'pick').paths.map((p) => [p.exit.returns, p]));
  const words = (ret: string) => byReturn.get(ret)?.conditions;
  assert.deepEqual(words('1'), ['clone_create() found no device', 'mk() made the device']);
  assert.deepEqual(words('2'), ['clone_create() found no device', 'mk() returned non-zero']);
  // `!i` and the later `i == 0` test the same result of clone_create(): said once
  assert.deepEqual(words('3'), ['clone_create() found an existing device', 'lookup_sc() returned NULL']);
  assert.deepEqual(words('4'), [
    'clone_create() found an existing device',
    'lookup_sc() returned non-NULL',
    'mk(dev) failed',
  ]);
  assert.deepEqual(words('0'), [
    'clone_create() found an existing device',
    'lookup_sc() returned non-NULL',
    'mk(dev) did not return an error',
  ]);
  // the C stays beside the words, each test with the call that produced i on that path
  assert.deepEqual(byReturn.get('1')?.sourceConditions, ['i [clone_create]', 'i [mk] == 0']);
  assert.deepEqual(byReturn.get('3')?.sourceConditions, ['!i [clone_create]', 'sc == NULL']);
});

test('a file-local macro wrapping a counted call acts like the call', async () => {
  const r = await analyzeSource(
    H +
      `
#define	SC_DEV_REF(sc)	dev_ref((sc)->sc_dev)
#define	SC_DEV_REL(sc)	do { dev_rel((sc)->sc_dev); } while (0)
static int
use(struct pcd_softc *sc, int x)
{
	SC_DEV_REF(sc);
	if (x)
		return (EBUSY);
	SC_DEV_REL(sc);
	return (0);
}
`,
  );
  const f = fn(r, 'use');
  const byRet = Object.fromEntries(
    f.paths.map((p) => [p.exit.returns, p.deltas.find((d) => d.object === 'sc->sc_dev')?.delta]),
  );
  assert.deepEqual(byRet, { EBUSY: 1, '0': 0 });
  assert.deepEqual(
    rules(r),
    ['leak@8'],
    'the error path keeps the reference the success path gives back (reported at the acquire)',
  );
});
