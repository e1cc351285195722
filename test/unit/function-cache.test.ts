/**
 * The analyser's per-function results are reused only when everything a result is a function of
 * is unchanged: a tree visits a cycle of files in rounds, and a worker hands a file's results
 * of one round to the next (src/workers/revisits.ts). A callee's summary cut by its budget is
 * applied as unsure, so a cut summary with the same paths must not give the uncut one's result.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzer, fn, ROOT } from '../helpers/analyzer';
import type { FileResult } from '../../src/analysis/result';
import type { TreeFileContext, TreeVisit } from '../../src/analysis/tree/context';
import { packHandover, RevisitResults, unpackHandover } from '../../src/workers/revisits';
import type { KeptParse } from '../../src/analysis/analyzer';
import { prepass } from '../../src/analysis/parse/prepass';
import type { Summary } from '../../src/analysis/paths/summary';
import { moveOverwriteLines } from '../../src/analysis/paths/access';

const HELPER = `#include <net/if.h>
#include <net/if_var.h>
void
ifq_hold(struct ifnet *ifp)
{
	if_ref(ifp);
}
`;

const CALLER = `#include <net/if.h>
#include <net/if_var.h>
void ifq_hold(struct ifnet *ifp);

int
ifq_mtu(const char *name, int *mtu)
{
	struct ifnet *ifp;

	ifp = ifunit_ref(name);
	if (ifp == NULL)
		return (ENXIO);
	ifq_hold(ifp);
	*mtu = ifp->if_mtu;
	if_rele(ifp);
	return (0);
}
`;

const context = (externals: TreeFileContext['externals']): TreeFileContext => ({
  externals,
  kept: {},
  keptByBody: {},
  relevant: [],
  macros: [],
});

/** The result without what depends on the clock. */
const comparable = (r: FileResult) => JSON.stringify({ ...r, timing: undefined });

test('a callee cut by its budget is a different input than the same summary uncut', async () => {
  const made = await analyzer({});
  const visit: TreeVisit = { exports: {} };
  made.analyzeText('ifq_util.c', HELPER, context({}), visit);
  const whole = visit.exports.ifq_hold;
  assert.ok(whole && whole.paths.length > 0 && !whole.truncated, 'the helper has an uncut summary with paths');
  const cut = { ...whole, truncated: true };

  const fresh = await analyzer({});
  const expected = comparable(fresh.analyzeText('ifq.c', CALLER, context({ ifq_hold: cut })));
  const other = await analyzer({});
  const uncut = comparable(other.analyzeText('ifq.c', CALLER, context({ ifq_hold: whole })));
  assert.notEqual(expected, uncut, 'the cut changes the caller (else this test proves nothing)');

  // the same analyser, which saw the uncut summary first and kept its functions
  const warm = await analyzer({});
  const first = warm.withFunctionCache(new Map(), () =>
    warm.analyzeText('ifq.c', CALLER, context({ ifq_hold: whole })),
  );
  const second = warm.withFunctionCache(first.functions, () =>
    warm.analyzeText('ifq.c', CALLER, context({ ifq_hold: cut })),
  );
  assert.equal(comparable(second.value), expected);
  // and an unchanged input is reused as it is
  const third = warm.withFunctionCache(second.functions, () =>
    warm.analyzeText('ifq.c', CALLER, context({ ifq_hold: cut })),
  );
  assert.equal(comparable(third.value), expected);
  assert.deepEqual([...third.functions.values()], [...second.functions.values()], 'every function reused');
});

test("a callee the model describes is no part of its callers' cache key: its summary is never read", async () => {
  const made = await analyzer({});
  const visit: TreeVisit = { exports: {} };
  made.analyzeText('ifq_util.c', HELPER, context({}), visit);
  const hold = visit.exports.ifq_hold;
  // a tree's summary of if_rele (a definition elsewhere) changes from one round to the next; the model's row wins
  const rele = (paths: Summary['paths'], hash: string): Summary => ({ name: 'if_rele', paths, truncated: false, hash });
  const before = { ifq_hold: hold, if_rele: rele([{ conds: [], ret: 'unknown', effects: [], writes: [] }], 'a') };
  const after = { ifq_hold: hold, if_rele: rele([], 'b') };
  const expected = comparable((await analyzer({})).analyzeText('ifq.c', CALLER, context(after)));
  const warm = await analyzer({});
  const first = warm.withFunctionCache(new Map(), () => warm.analyzeText('ifq.c', CALLER, context(before)));
  const second = warm.withFunctionCache(first.functions, () => warm.analyzeText('ifq.c', CALLER, context(after)));
  assert.deepEqual([...second.functions.values()], [...first.functions.values()], 'every function reused');
  assert.equal(comparable(second.value), expected);
  // a callee the model does not describe still is
  const cut = { ...hold, truncated: true };
  const third = warm.withFunctionCache(second.functions, () =>
    warm.analyzeText('ifq.c', CALLER, context({ ...after, ifq_hold: cut })),
  );
  assert.notDeepEqual([...third.functions.keys()], [...second.functions.keys()], 'analysed again');
});

test("a visit another worker makes takes the last visit's costly results along, and reuses them", async () => {
  const made = await analyzer({});
  const visit: TreeVisit = { exports: {} };
  made.analyzeText('ifq_util.c', HELPER, context({}), visit);
  const ctx = context({ ifq_hold: visit.exports.ifq_hold });
  const expected = comparable((await analyzer({})).analyzeText('ifq.c', CALLER, ctx));
  // the last visit, on one worker
  const one = await analyzer({});
  const last = one.withFunctionCache(new Map(), () => one.analyzeText('ifq.c', CALLER, ctx));
  const analysed = [...last.functions.values()].filter((c) => c.analysed);
  assert.ok(analysed.length > 0 && analysed.every((c) => c.visits > 0), 'a function was analysed');
  assert.equal(packHandover(last.functions), undefined, 'a few path states are analysed again rather than handed over');
  // serialised by the worker that made them, posted on as bytes, decoded by the worker that uses them
  const handed = unpackHandover(structuredClone(packHandover(last.functions, 1)))!;
  assert.ok(handed.length > 0 && handed.every(([, c]) => c.at === undefined), 'handed over without their moved copy');
  // the next visit, on another worker that kept nothing of the file: the results handed over are used
  const other = new RevisitResults();
  const two = await analyzer({});
  const next = two.withFunctionCache(other.take('ifq.c', handed).functions, () =>
    two.analyzeText('ifq.c', CALLER, ctx),
  );
  for (const [key] of handed) assert.ok(next.functions.get(key), 'reused');
  assert.equal(comparable(next.value), expected);
  // a worker that kept an older visit of its own keeps its entries and adds the ones it lacks
  other.keep('ifq.c', { functions: new Map([['mine', {} as never]]) });
  const merged = other.take('ifq.c', handed).functions;
  assert.deepEqual([...merged.keys()], ['mine', ...handed.map(([k]) => k)]);
  assert.equal(other.take('ifq.c').functions.size, 0, 'and no longer kept');
});

test("a worker keeps each file's latest functions, the least recently visited files going first", () => {
  const revisits = new RevisitResults(3);
  const cache = (n: number) => ({ functions: new Map(Array.from({ length: n }, (_, i) => [`k${i}`, {} as never])) });
  revisits.keep('a.c', cache(2));
  revisits.keep('b.c', cache(1));
  assert.equal(revisits.take('a.c').functions.size, 2, 'taken for its next visit');
  assert.equal(revisits.take('a.c').functions.size, 0, 'and no longer kept');
  revisits.keep('a.c', cache(2));
  revisits.keep('c.c', cache(1));
  assert.equal(revisits.take('b.c').functions.size, 0, 'the oldest file went past the bound');
  assert.equal(revisits.take('c.c').functions.size, 1);
  revisits.keep('big.c', cache(5));
  assert.equal(revisits.take('big.c').functions.size, 5, 'the file just visited is kept whatever its size');
  assert.equal(revisits.take('a.c').functions.size, 0);
});

test("a worker keeps the latest parses up to a bound of text, the least recently visited files' going first", () => {
  const revisits = new RevisitResults(100, 10);
  const parse = (chars: number) => ({ text: 'x'.repeat(chars) }) as KeptParse;
  revisits.keep('a.c', { functions: new Map(), parse: parse(4) });
  revisits.keep('b.c', { functions: new Map(), parse: parse(4) });
  revisits.keep('c.c', { functions: new Map([['k', {} as never]]), parse: parse(4) });
  const a = revisits.take('a.c');
  assert.equal(a.parse, undefined, "the oldest file's parse went past the bound");
  assert.ok(revisits.take('b.c').parse, 'the next one kept its parse');
  assert.equal(revisits.take('c.c').functions.size, 1);
  revisits.keep('big.c', { functions: new Map(), parse: parse(40) });
  assert.ok(revisits.take('big.c').parse, 'the file just visited keeps its parse whatever its size');
});

/** A file whose function `helper` counts only through a callee elsewhere, whose summary the rounds change. */
const ROUNDS = `#include <net/if.h>
#include <net/if_var.h>
void ext_note(struct ifnet *ifp);

static void
helper(struct ifnet *ifp)
{
	int i;

	for (i = 0; i < 4; i++)
		ifp->if_mtu += i;
	ext_note(ifp);
}

int
ifq_take(struct ifnet *ifp)
{
	if_ref(ifp);
	return (0);
}
`;

test('a visit with the parse the last one kept gives what a fresh analysis gives, and keeps it', async () => {
  const made = await analyzer({});
  const visit: TreeVisit = { exports: {} };
  made.analyzeText('ifq_util.c', HELPER, context({}), visit);
  const counted = visit.exports.ifq_hold;
  const quiet: Summary = { name: 'ext_note', paths: [], truncated: false, hash: 'quiet' };
  const rounds = [{ ext_note: quiet }, { ext_note: quiet }, { ext_note: { ...counted, name: 'ext_note' } }];
  const warm = await analyzer({});
  let kept: KeptParse | undefined;
  for (const [r, externals] of rounds.entries()) {
    const fresh = await analyzer({});
    const expected = fresh.analyzeText('r.c', ROUNDS, context(externals));
    const now = warm.analyzeKeeping('r.c', ROUNDS, context(externals), { exports: {} }, kept, true);
    assert.equal(comparable(now.result), comparable(expected), `round ${r + 1}`);
    if (r === 1) assert.equal(now.kept, kept, 'the same context: the parse is used again');
    if (r === 2) assert.notEqual(now.kept, kept, 'a callee gained effects: a body skipped before is parsed');
    kept = now.kept;
  }
  assert.ok(fn(warm.analyzeText('r.c', ROUNDS, context(rounds[2])), 'helper').paths.length > 0);
});

test("a first visit given its shard's pre-pass parses from it, and gives what a fresh analysis gives", async () => {
  const made = await analyzer({});
  const expected = comparable(made.analyzeText('r.c', ROUNDS, context({})));
  const pre = prepass(ROUNDS, { defines: made.modelFor('freebsd').model.defines });
  const given = made.analyzeKeeping('r.c', ROUNDS, context({}), { exports: {} }, undefined, true, {
    preset: 'freebsd',
    pre,
  });
  assert.equal(comparable(given.result), expected);
  assert.equal(given.kept?.pre, pre, 'the pre-pass given is the one parsed from');
  // made with another preset's model: not the text's pre-pass, so it is made again
  const other = made.analyzeKeeping('r.c', ROUNDS, context({}), { exports: {} }, undefined, true, {
    preset: 'linux',
    pre,
  });
  assert.equal(comparable(other.result), expected);
  assert.notEqual(other.kept?.pre, pre);
});

test('a function moved whole reads, from the cache, as a fresh analysis at its new lines', async () => {
  // its objects include values overwritten on a line (`h->h_cred (overwritten at line 22)`)
  const text = fs.readFileSync(path.join(ROOT, 'test/fixtures/analysis/field_old_value_released.c'), 'utf8');
  const moved = `/*\n * A comment on top moves every line.\n */\n\n${text}`;
  const expected = comparable((await analyzer({})).analyzeText('f.c', moved));
  assert.match(
    expected,
    /overwritten at line 26\)/,
    'an overwritten value is named by its line (else this proves nothing)',
  );
  const warm = await analyzer({});
  const first = warm.withFunctionCache(new Map(), () => warm.analyzeText('f.c', text));
  const second = warm.withFunctionCache(first.functions, () => warm.analyzeText('f.c', moved));
  assert.deepEqual([...second.functions.values()], [...first.functions.values()], 'every function reused');
  assert.equal(comparable(second.value), expected);
});

const REGISTERED = (gap: string) => `#include <sys/param.h>
#include <sys/eventhandler.h>
#include <net/if.h>
#include <net/if_var.h>

static void
arrived(void *arg, struct ifnet *ifp)
{
	if_ref(ifp);
	if_rele(ifp);
}
${gap}
static int
modevent(module_t mod, int type, void *data)
{
	EVENTHANDLER_REGISTER(ifnet_arrival_event, arrived, NULL, EVENTHANDLER_PRI_ANY);
	return (0);
}
`;

test('a function registered without a contract is reused wherever its registration moved', async () => {
  const warm = await analyzer({});
  const first = warm.withFunctionCache(new Map(), () => warm.analyzeText('r.c', REGISTERED('')));
  assert.deepEqual(
    fn(first.value, 'arrived').roles,
    ['ifnet arrival handler'],
    'registered (else this proves nothing)',
  );
  const gap = '\nstatic int unrelated;\n';
  const second = warm.withFunctionCache(first.functions, () => warm.analyzeText('r.c', REGISTERED(gap)));
  assert.deepEqual([...second.functions.values()], [...first.functions.values()], 'the handler reused');
  const fresh = await analyzer({});
  assert.equal(comparable(second.value), comparable(fresh.analyzeText('r.c', REGISTERED(gap))));
});

test('a cached result moved back to its line names the values a callee overwrote above it as before', () => {
  // a result is cached relative to its function's first line (1426 here); a callee's mark from line 127 is then
  // -1298, and must come back as 127 when the result is served at its line again (xnu's nx_netif_clean showed
  // "(overwritten at line -1298)" in its path table, depending on which visit's result was kept)
  const name = 'nif->nll_ifcq->ifcq_refcnt (overwritten at line 127) (overwritten at line 1455)';
  const cached = moveOverwriteLines(name, (l) => l - 1426);
  assert.equal(cached, 'nif->nll_ifcq->ifcq_refcnt (overwritten at line -1299) (overwritten at line 29)');
  assert.equal(
    moveOverwriteLines(cached, (l) => l + 1426),
    name,
  );
});
