/** Runs the registry's checks over one function, in registry order. */
import type { Diagnostic } from '../result';
import { type Doubt, type KeptWith, splitOf } from '../paths/state';
import { type CheckInput, type Head, diagnostic } from './rule';
import { leak, type LeakDetail } from './leak';
import { COUNT_MEMBER, type InconsistentDetail } from './inconsistent';
import { displayBeforeOverwrite, displayKey, keyBeforeOverwrite, parseKey } from '../paths/access';
import { countPrimitive, plainDecrement } from '../paths/count-ops';
import { namedAsRelease } from '../infer';
import { RULES, type RuleSpec } from './registry';
import { doubtWords } from './words';
import type { Syn } from '../parse/syntax';
import { calleeName } from '../paths/function-context';
import { endsLife } from '../tree/count-fields';

export type { CheckInput } from './rule';

export function runChecks(inp: CheckInput): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const spec of Object.values(RULES) as RuleSpec[]) {
    const check = spec.module?.check;
    if (!check) continue;
    const severity = (inferred?: boolean) => (inferred ? (spec.inferredSeverity ?? spec.severity) : spec.severity);
    found.push(...check(inp, { earlier: [...found], severity }));
  }
  const doubts = classDoubts(inp);
  const settled = settledSplits(inp);
  const own = ownRowObjects(inp);
  return found.map((d) => {
    const firm = d.rule === 'leak' ? firmLeakPaths(inp, d, settled) : undefined;
    const led = firm?.size ? leadOnFirmPath(d, firm) : d;
    const weighed = withEvidence(led, (cid) =>
      firm?.has(cid) ? undefined : (doubts.get(cid) ?? objectDoubt(inp, cid, d.object)),
    );
    if (own.has(rootOf(weighed.object))) return implementing(weighed, inp.cfg.name);
    if (recordsUsers(inp, weighed)) return information(weighed, { records: weighed.object! });
    const held = heldInPlace(weighed);
    if (held) return information(weighed, { kept: displayBeforeOverwrite(weighed.object ?? ''), in: held });
    const callee = belowByCallee(inp, weighed);
    if (callee !== undefined) return information(weighed, { gaveBack: callee });
    const mover = movedByCallee(inp, weighed);
    if (mover) return information(weighed, { moves: mover });
    const holder = linkedHolder(inp, weighed);
    if (holder !== undefined) return information(weighed, { linked: holder });
    if (releasedForFlag(inp, weighed)) return information(weighed, { flagOwned: weighed.object! });
    if (elementsInLoop(inp, weighed)) return information(weighed, { elements: weighed.object! });
    if (consumesPassed(inp, weighed)) return information(weighed, { consumes: weighed.object! });
    const paired = releasedWithCounter(inp, weighed);
    if (paired) return information(weighed, { withCounter: { object: weighed.object!, counter: paired } });
    const asked = askedFor(inp, weighed);
    if (asked) return information(weighed, { askedFor: { object: weighed.object!, flag: asked } });
    const keptWith = keptWithStructure(inp, weighed);
    if (keptWith) return information(weighed, { keptWith });
    const ended = unlinkedUse(inp, weighed);
    if (ended) return information(weighed, { unlinked: ended });
    const repeated = releasedPerTrip(inp, weighed);
    return repeated ? information(weighed, { repeated }) : weighed;
  });
}

/**
 * An over-release whose release too many is a callee's that is no release, at a call that takes a reference on the
 * same object on another path of the function (`bpf_setif(d, ...)`: a detach gives back the reference the
 * interface's list held, an attach takes one for it): the callee moves a reference it keeps, and the function's own
 * counted calls on the path give back no more than they take. Which reference that callee gave back, the link's or
 * the one the function took, the text does not show. A callee that only ever gives back keeps the error.
 */
function movedByCallee(inp: CheckInput, d: Diagnostic): { call: string; line: number } | undefined {
  if (d.rule !== 'over-release' || d.severity === 'info' || d.paths?.length !== 1) return undefined;
  if ((d.detail as { counter?: string } | undefined)?.counter !== undefined) return undefined;
  const steps = (inp.classes[d.paths[0]]?.steps ?? []).filter((s) => s.object === d.object && !s.counter);
  const byCallee = (s: (typeof steps)[number]) =>
    /^\w+$/.test(s.call) && !inp.model.functions.has(s.call) && !namedAsRelease(s.call) && !s.inferred;
  const takesElsewhere = (s: (typeof steps)[number]) =>
    inp.classes.some((c) =>
      c.steps.some((x) => x.object === d.object && x.line === s.line && x.call === s.call && x.delta > 0),
    );
  const gave = steps.find((s) => s.delta < 0 && byCallee(s) && takesElsewhere(s));
  if (!gave) return undefined;
  let own = 0;
  for (const s of steps) if (s !== gave) own += s.delta;
  return own >= 0 ? { call: gave.call, line: gave.line } : undefined;
}

/**
 * A leak of a separate counter's hold (a use count) that every path it is reported on took after giving the object,
 * with a structure the function did not make, to a call that may keep it (ObjState.keptWith: `fp_set_data(fp, vp);
 * ... vnode_ref(vp)` on the file a descriptor lookup found): the hold is that structure's if the call stored the
 * object there, which the text does not show. A hold taken with no such call before it stays a leak.
 */
function keptWithStructure(inp: CheckInput, d: Diagnostic): KeptWith | undefined {
  if (d.rule !== 'leak' || d.severity === 'info' || !d.paths?.length || !d.object) return undefined;
  if ((d.detail as LeakDetail | undefined)?.counter === undefined) return undefined;
  let found: KeptWith | undefined;
  for (const st of inp.exits) {
    const cid = inp.classOf.get(st) ?? -1;
    if (!d.paths.includes(cid)) continue;
    const o = [...st.objects.values()].find((x) => x.display === d.object);
    if (!o?.keptWith) return undefined;
    found ??= o.keptWith;
  }
  return found;
}

/**
 * An over-release on what the caller passed in (a parameter, or its own count member: `so->so_usecount`)
 * that every path of the function leaves at exactly -1: it takes and gives back its own use and gives back
 * the caller's too (`socket_lock(so, 1); so->so_usecount--; socket_unlock(so, 1)`), a release as its
 * callers read it from its summary. A path that gives back more, or fewer, keeps the error.
 */
function consumesPassed(inp: CheckInput, d: Diagnostic): boolean {
  if (d.rule !== 'over-release' || d.severity === 'info' || !d.object || !inp.classes.length) return false;
  const m = /^(\w+)(?:(?:->|\.)(\w+))?$/.exec(d.object);
  if (!m || !inp.cfg.decls.get(m[1])?.isParam) return false;
  if (m[2] !== undefined && d.kind !== 'count field' && !COUNT_MEMBER.test(m[2])) return false;
  return inp.classes.every((c) => c.deltas.some((x) => x.object === d.object && x.delta === -1 && !x.counter));
}

/**
 * An over-release of the object's own count on paths that gave back, with as many of their releases, a separate
 * count they never raised: a page's type count, `put_page_and_type(page)` on a shared page beside the path's own
 * `get_page()`/`put_page()`. One call gives back a reference and that count together, the pair whoever took the
 * count holds (a typed get takes both): the reference too many went back with its holder's count, as far as the
 * text shows. Returns that counter. A path that raised it (a typed get, then two typed puts), or that gave back
 * more references than such releases, keeps the error.
 */
function releasedWithCounter(inp: CheckInput, d: Diagnostic): string | undefined {
  if (d.rule !== 'over-release' || d.severity === 'info' || !d.paths?.length || !d.object) return undefined;
  if ((d.detail as { counter?: string } | undefined)?.counter !== undefined) return undefined;
  let found: string | undefined;
  let seen = 0;
  for (const st of inp.exits) {
    const cid = inp.classOf.get(st) ?? -1;
    if (!d.paths.includes(cid)) continue;
    const o = [...st.objects.values()].find((x) => x.display === d.object);
    const below = o ? -(o.exist + o.refs) : 0;
    if (!o || below <= 0) return undefined;
    // the releases of one call on both the object's count and a counter (`line call`), per counter
    const releases = (inp.classes[cid]?.steps ?? []).filter((x) => x.object === d.object && x.delta < 0);
    const own = new Set(releases.filter((x) => !x.counter).map((x) => `${x.line} ${x.call}`));
    const counter = Object.entries(o.counters ?? {}).find(([c, v]) => {
      if (v > -below || o.gained?.includes(c)) return false;
      const both = releases.filter((x) => x.counter === c && own.has(`${x.line} ${x.call}`));
      return new Set(both.map((x) => `${x.line} ${x.call}`)).size >= below;
    })?.[0];
    if (counter === undefined || (found !== undefined && found !== counter)) return undefined;
    found = counter;
    seen++;
  }
  return seen ? found : undefined;
}

/**
 * A leak kept exactly where the caller's flag parameter asks for the count: every path that keeps it tests the
 * parameter true (`refcount`, or `refcount != NULL` as a callee's `if (refcount) so->so_usecount++` reads), and
 * every path that tests it false keeps nothing. The function takes the count for its caller, as a lock's
 * implementation does (`socket_lock(mp_so, refcount)` in a protocol's lock callback, given back by its unlock),
 * on an object it reached through a structure, which its summary cannot name for that caller. The flag that
 * decides it is the caller's, so whether this path should have given it back is not the function's to say.
 * A count kept whatever the flag says, or on an object the function obtained itself, stays a leak.
 */
function askedFor(inp: CheckInput, d: Diagnostic): string | undefined {
  if (d.rule !== 'leak' || d.severity === 'info' || !d.object || !inp.readFromStructure?.size) return undefined;
  const detail = d.detail as LeakDetail;
  // an error exit that keeps what success does not is the function's own leak, whatever told the paths apart
  if (detail.onError) return undefined;
  const keeping = new Set(detail.paths.map((p) => p.path));
  if (!reachedThroughStructure(inp, d.object, keeping)) return undefined;
  const returns = new Set(detail.paths.map((p) => inp.classes[p.path]?.exit.returns));
  const flags = inp.cfg.params.filter((p) => p.pointerDepth === 0).map((p) => p.name);
  const test = (c: string, f: string, truth: boolean) =>
    truth
      ? c === f || c === `${f} != NULL` || c === `${f} != 0`
      : c === `!${f}` || c === `${f} == NULL` || c === `${f} == 0`;
  return flags.find((f) => {
    // the flag, not the outcome the caller is told, decides: a path that does not take it returns the same
    let refused = false;
    const decides = inp.classes.every((c) => {
      const tests = (truth: boolean) => c.paramConditions.some((x) => test(x, f, truth));
      if (keeping.has(c.id)) return tests(true);
      if (tests(false) && returns.has(c.exit.returns)) refused = true;
      return !tests(false) || c.deltas.every((x) => x.object !== d.object || x.delta <= 0);
    });
    return decides && refused;
  });
}

/** The object of a diagnostic's paths is named through a local that only ever holds a pointer read from a structure. */
function reachedThroughStructure(inp: CheckInput, object: string, paths: ReadonlySet<number>): boolean {
  for (const st of inp.exits) {
    if (!paths.has(inp.classOf.get(st) ?? -1)) continue;
    for (const [k, o] of st.objects) if (o.display === object) return !!inp.readFromStructure?.has(parseKey(k).root);
  }
  return false;
}

/**
 * An `inconsistent` pair whose extra step, on the path that gives back more, is a use taken off by hand
 * (`so->so_usecount--`) after the path gave a local to a call that ends a life (`tcp_drop(tp, ...)`,
 * `pcb_free(pcb)`), where the other path found that local NULL: the use went with the structure the function
 * ends (a queue's or a connection's, held on the socket it belongs to), and where that structure was already
 * gone there was no such use to take off. Neither path keeps a reference. The same decrement without such a
 * call before it (a use given back on one path only) stays a warning.
 */
function unlinkedUse(inp: CheckInput, d: Diagnostic): { call: string; line: number } | undefined {
  if (d.rule !== 'inconsistent' || d.severity === 'info') return undefined;
  const det = d.detail as InconsistentDetail;
  const x = det.extra;
  if (x?.onlyOn !== 'less' || x.delta >= 0 || det.more.refs > 0 || !plainDecrement(x.call)) return undefined;
  const more = inp.classes[det.more.path.path];
  const less = inp.classes[det.less.path.path];
  if (!more || !less) return undefined;
  // the locals the other path found NULL (`tp == NULL`, `!pcb`)
  const missing = new Set<string>();
  for (const c of more.sourceConditions ?? more.conditions) {
    const m = /^(?:!(\w+)|(\w+) == (?:NULL|0))$/.exec(c);
    if (m) missing.add(m[1] ?? m[2]);
  }
  if (!missing.size) return undefined;
  const lines = new Set(less.lines.filter((l) => l <= x.line));
  for (const n of inp.cfg.nodes) {
    if (!lines.has(n.line) || !n.ast || n.line > x.line) continue;
    const call = endingCallOf(n.ast, missing);
    if (call) return { call, line: n.line };
  }
  return undefined;
}

/** A call in `e` whose name ends a life (`tcp_drop`, `pcb_free`) and that is given one of `locals` itself. */
function endingCallOf(e: Syn, locals: ReadonlySet<string>): string | undefined {
  if (e.type === 'call_expression') {
    const name = calleeName(e);
    const args = e.fields.arguments?.children ?? [];
    if (name && endsLife(name) && args.some((a) => a.type === 'identifier' && locals.has(a.text ?? ''))) return name;
  }
  for (const c of e.children) {
    const found = endingCallOf(c, locals);
    if (found) return found;
  }
  return undefined;
}

/**
 * An `inconsistent` pair where neither path keeps a reference and the one that gives back more does so with
 * a release its loop can make again (`while (n) { put(d); n--; }`, one per slot cleared or entry unlinked):
 * how many trips the loop makes follows how many places held the object, which the analysis does not tie
 * to it, so the difference is no evidence. A release after which the loop ends (a search's) is not one.
 */
function releasedPerTrip(inp: CheckInput, d: Diagnostic): { call: string; line: number } | undefined {
  if (d.rule !== 'inconsistent' || d.severity === 'info') return undefined;
  const det = d.detail as InconsistentDetail;
  const x = det.extra;
  if (x?.onlyOn !== 'less' || x.delta >= 0 || det.more.refs > 0) return undefined;
  const { nodes, loopHeads } = inp.cfg;
  const again = nodes.some((n) => {
    const loop = n.line === x.line ? n.loops[n.loops.length - 1] : undefined;
    if (loop === undefined) return false;
    const head = loopHeads.get(loop);
    const seen = new Set<number>([n.id]);
    const todo = [n.id];
    while (todo.length) {
      for (const e of nodes[todo.pop()!].edges) {
        if (e.to === head) return true;
        if (seen.has(e.to) || !nodes[e.to].loops.includes(loop)) continue;
        seen.add(e.to);
        todo.push(e.to);
      }
    }
    return false;
  });
  return again ? { call: x.call, line: x.line } : undefined;
}

/** The rules that compare counts on paths: the ones the reasons for information below weigh. */
const COUNTING_RULES: ReadonlySet<string> = new Set(['leak', 'over-release', 'inconsistent']);

/**
 * An array's elements are one object (`pg[]`); counted in a loop (`for (i...) get(&pg[i])`, undone by
 * `while (i--) put(&pg[i])` on error), each path compares the trips of loops whose counts the analysis
 * does not tie to one another or to the index, so a difference between them is no evidence.
 */
function elementsInLoop(inp: CheckInput, d: Diagnostic): boolean {
  if (d.severity === 'info' || !d.object?.includes('[]') || !d.paths?.length) return false;
  if (!COUNTING_RULES.has(d.rule)) return false;
  const looped = new Set(inp.cfg.nodes.filter((n) => n.loops.length > 0).map((n) => n.line));
  return d.paths.some((cid) =>
    (inp.classes[cid]?.steps ?? []).some((s) => s.object === d.object && s.delta !== 0 && looped.has(s.line)),
  );
}

/**
 * Where an `inconsistent` diagnostic's object is held when that place outlives the call (a member of a
 * structure, a global): a count kept there that differs between paths is that structure's bookkeeping,
 * which the function may keep on purpose (a release when the last user goes, a slot replaced or not, a
 * reference a flag or a page count owns); none judged in the xen and xnu trees was a bug.
 */
function heldInPlace(d: Diagnostic): InconsistentDetail['heldIn'] {
  return d.rule === 'inconsistent' && d.severity !== 'info' ? (d.detail as InconsistentDetail).heldIn : undefined;
}

/**
 * The callee that first took the over-released count below zero on the diagnostic's path, when it has a
 * body (no model row) and is not named as a release: it gives back what it never took, as its own
 * summary reads (a lock taken through another name of the same object, `ctx->owner`, and given back
 * through its parameter), so the over-release is that callee's inconsistency carried up, not this
 * function's. A separate counter a callee's summary changes shows in no step: a count already below zero
 * at the path's first step of it, or with no step of it at all, was taken there by a callee (`''`: not
 * named).
 */
function belowByCallee(inp: CheckInput, d: Diagnostic): string | undefined {
  if (d.rule !== 'over-release' || d.severity === 'info' || !d.paths?.length) return undefined;
  const unnamed = (call: string) => !inp.model.functions.has(call) && !namedAsRelease(call);
  for (const st of inp.exits) {
    if (!d.paths.includes(inp.classOf.get(st) ?? -1)) continue;
    const by = [...st.objects.values()].find((o) => o.display === d.object)?.underBy;
    if (by !== undefined) return unnamed(by) ? by : undefined;
  }
  const counter = (d.detail as { counter?: string } | undefined)?.counter;
  const steps = (inp.classes[d.paths[0]]?.steps ?? []).filter(
    (s) => s.object === d.object && s.delta !== 0 && (counter === undefined || s.counter === counter || !s.counter),
  );
  const first = steps.find((s) => counter === undefined || s.counter === counter);
  if (first?.after !== undefined && first.after - first.delta < 0) return '';
  // no step of the path on the object at all: the counter went below zero in callees' summaries alone
  if (counter !== undefined && first === undefined) return '';
  let total = 0;
  for (const s of steps) {
    total += s.delta;
    if (total >= 0) continue;
    return unnamed(s.call) && /^\w+$/.test(s.call) ? s.call : undefined;
  }
  return undefined;
}

/**
 * The object whose count an over-release takes below zero, when the function reached it through a structure
 * and the path takes a use off that count by hand (`so->so_usecount--`, not the API's release): an entry of a
 * queue it walked (`so = TAILQ_FIRST(&head->so_incomp)`), the peer a connection links
 * (`unp->unp_conn->unp_socket`), the socket of a work item (`mpp->mpp_socket`). Such a structure holds a use
 * count on what it links, and the decrement by hand is the usual way to give that one back as the link is cut
 * or the work done (here or in a callee that cuts the link: `unp_drop(unp2)`, whose summary says it took the use
 * off by hand); the function was not handed the object, so the one release too many it shows is the
 * structure's reference, as far as its own text tells. A parameter itself, or what it points to, is the
 * caller's object: an over-release of it stays an error, as does one on an object an acquire or a lookup of the
 * function returned.
 */
function linkedHolder(inp: CheckInput, d: Diagnostic): string | undefined {
  if (d.rule !== 'over-release' || d.severity === 'info' || !d.paths?.length) return undefined;
  // a step names the object as the path then did, before a later assignment overwrote it
  const named = (s: string) => s === d.object || s === displayBeforeOverwrite(d.object ?? '');
  const byHand = (inp.classes[d.paths[0]]?.steps ?? []).some(
    (s) => named(s.object) && s.delta < 0 && plainDecrement(s.call),
  );
  for (const st of inp.exits) {
    if (!d.paths.includes(inp.classOf.get(st) ?? -1)) continue;
    for (const [k, o] of st.objects) {
      if (o.display !== d.object) continue;
      // the use taken off by hand here, or by a callee as it cut the link (`unp_drop()`)
      if (!byHand && !o.byHand) return undefined;
      const { root, segs } = parseKey(keyBeforeOverwrite(k));
      const last = segs[segs.length - 1];
      const own = last?.startsWith('.') && (o.kind === 'count field' || COUNT_MEMBER.test(last));
      const held = own ? segs.slice(0, -1) : segs;
      const through = held.some((s) => s.startsWith('.') || s === '[]');
      if (!through && !(inp.readFromStructure?.has(root) && held.every((s) => s === '*'))) return undefined;
      const pointer = held[held.length - 1] === '*' ? held.slice(0, -1) : held;
      const key = pointer.length ? `${root}/${pointer.join('/')}` : root;
      return displayBeforeOverwrite(displayKey(key, inp.cfg.decls));
    }
  }
  return undefined;
}

/**
 * An over-release or an `inconsistent` pair whose path gives the object back under a test of a flag in the
 * object's own state word, here or in a callee (`if (x & PGT_partial) put_page(page)`, `x` a snapshot of
 * `page->u.inuse.type_info`; paths/state-words.ts): the reference that flag held, kept with the object's
 * state by whoever set it, as far as the text shows. The path that gives it back and the one that does not
 * differ by the object's state, which the caller does not see either. Not when the path obtained the object
 * itself (`v = lock(id); unlock(v); if (v->flags & DYING) unlock(v)`): that is its own reference given back
 * twice.
 */
function releasedForFlag(inp: CheckInput, d: Diagnostic): boolean {
  if ((d.rule !== 'over-release' && d.rule !== 'inconsistent') || d.severity === 'info' || !d.paths?.length)
    return false;
  for (const st of inp.exits) {
    if (!d.paths.includes(inp.classOf.get(st) ?? -1)) continue;
    // a reference the path took and then gives back twice is its own double release, flag or not
    for (const o of st.objects.values()) if (o.display === d.object && o.byFlag && !o.obtained) return true;
  }
  return false;
}

/**
 * A leak of a count field the function raises with a plain increment (`atomic_inc(&e->users)`,
 * `e->n++`) and lowers on none of its paths: a function that registers a user of an entry it found
 * in, or added to, a table (the unregistering function takes the count off later). Nothing here says
 * that this path should have given it back; a try-get (`atomic_inc_not_zero`) or a path that gives it
 * back does.
 */
function recordsUsers(inp: CheckInput, d: Diagnostic): boolean {
  if (d.rule !== 'leak' || d.severity === 'info' || d.kind !== 'count field' || d.object === undefined) return false;
  const by = (d.detail as LeakDetail | undefined)?.acquiredBy;
  if (by === undefined) return false;
  const prim = countPrimitive(by);
  const plain = prim ? prim.op === 'acquire' && !prim.onlyIfTrue : /\+\+\s*$|^\s*\+\+|\+=/.test(by);
  if (!plain) return false;
  return !inp.classes.some((c) => c.steps.some((s) => s.object === d.object && s.delta < 0));
}

/**
 * The parameters a model row of this very function counts (`obj_hold`: arg0, `obj_lock_by_id`: `*arg1`),
 * and for a row on its result (`proc_ref`: ret) the variables its body returns (`return p;`).
 * Its body is the count's implementation (a compare-and-swap on a field, a lock taken inside); callers
 * read the row, not the body, and the row is what the model's author stated.
 */
function ownRowObjects(inp: CheckInput): Set<string> {
  const names = new Set<string>();
  for (const e of inp.model.functions.get(inp.cfg.name) ?? []) {
    const p = e.target.base === 'arg' ? inp.cfg.params[e.target.index] : undefined;
    if (p) names.add(p.name);
    if (e.target.base === 'ret') for (const r of returnedVariables(inp.cfg)) names.add(r);
  }
  return names;
}

/** The variables a function returns as they are (`return p;`, `return (p);`). */
function returnedVariables(cfg: CheckInput['cfg']): string[] {
  const out: string[] = [];
  for (const n of cfg.nodes) {
    let v = n.kind === 'return' ? n.ast : undefined;
    while (v?.type === 'parenthesized_expression') v = v.children[0];
    if (v?.type === 'identifier' && v.text) out.push(v.text);
  }
  return out;
}

/** The variable an object's name starts from (`d` of `*d`, `page` of `page->u.inuse`). */
function rootOf(object: string | undefined): string {
  return /^[*&(\s]*([A-Za-z_]\w*)/.exec(object ?? '')?.[1] ?? '';
}

/** A refcount diagnostic on what the function's own model row counts is information, and says so. */
function implementing(d: Diagnostic, name: string): Diagnostic {
  if (d.severity === 'info' || !COUNTING_RULES.has(d.rule)) return d;
  return information(d, { implements: name });
}

function information(d: Diagnostic, doubt: NonNullable<Diagnostic['doubt']>): Diagnostic {
  return { ...d, severity: 'info', doubt, message: `${d.message}${doubtWords(doubt)}` };
}

/**
 * Splits on a forgotten value that decided nothing the checks need to tell apart: both arms reach
 * the end, and none of their paths was merged into another story on the way. Per split, the path
 * classes its paths end in.
 */
function settledSplits(inp: CheckInput): Map<number, Set<number>> {
  const absorbed = new Set<number>();
  const arms = new Map<number, Set<boolean>>();
  const classes = new Map<number, Set<number>>();
  for (const st of inp.exits) {
    for (const x of st.absorbed ?? []) absorbed.add(x);
    const split = splitOf(st.doubt);
    const cid = inp.classOf.get(st);
    if (split === undefined || cid === undefined || !st.doubt || !('arm' in st.doubt)) continue;
    arms.set(split, (arms.get(split) ?? new Set()).add(!!st.doubt.arm));
    classes.set(split, (classes.get(split) ?? new Set()).add(cid));
  }
  for (const split of [...classes.keys()]) if (absorbed.has(split) || arms.get(split)!.size < 2) classes.delete(split);
  return classes;
}

/**
 * The classes a leak holds on whatever the forgotten value was: each has a path the analysis can
 * show, or one from a settled split every path of which keeps the reference (the branch on the value
 * it forgot went one way or the other, and both ways leak).
 */
function firmLeakPaths(inp: CheckInput, d: Diagnostic, settled: Map<number, Set<number>>): Map<number, boolean> {
  const detail = d.detail as LeakDetail | undefined;
  const leaking = new Set((detail?.paths ?? []).map((p) => p.path));
  // class -> whether a path of it rests on no forgotten value at all
  const firm = new Map<number, boolean>();
  for (const st of inp.exits) {
    const cid = inp.classOf.get(st);
    if (cid === undefined || !leaking.has(cid)) continue;
    if ([...st.objects.values()].some((o) => o.display === d.object && o.doubt)) continue;
    const split = splitOf(st.doubt);
    const all = split === undefined ? undefined : settled.get(split);
    if (!st.doubt) firm.set(cid, true);
    else if (all && [...all].every((c) => leaking.has(c)) && !firm.has(cid)) firm.set(cid, false);
  }
  return firm;
}

/** The leak worded from its first path the analysis can show, or else one it can stand behind. */
function leadOnFirmPath(d: Diagnostic, firm: Map<number, boolean>): Diagnostic {
  const detail = d.detail as LeakDetail;
  const lead = detail.paths.find((p) => firm.get(p.path)) ?? detail.paths.find((p) => firm.has(p.path))!;
  if (lead === detail.paths[0]) return d;
  const paths = [lead, ...detail.paths.filter((p) => p !== lead)];
  const head: Head = {
    rule: d.rule,
    severity: d.severity,
    function: d.function ?? '',
    line: d.line,
    object: d.object ?? '',
    kind: d.kind,
    paths: [lead.path],
    inferred: d.inferred,
    overwritten: d.overwritten,
  };
  return diagnostic(leak, head, { ...detail, paths });
}

/**
 * A function whose analysis its budget stopped still reports what it proved on the paths that
 * reached its end: each diagnostic is information and says how many paths were explored (a leak
 * on an explored path is real; one the unexplored paths would show, or a pair with one of them,
 * is not known).
 */
export function explored(found: Diagnostic[], paths: number): Diagnostic[] {
  return found.map((d) => {
    if (d.doubt) return { ...d, severity: 'info' };
    const doubt = { explored: paths };
    return { ...d, severity: 'info', doubt, message: `${d.message}${doubtWords(doubt)}` };
  });
}

/** The object's own doubt on every exit state of the class (what a cut callee it was given may have done). */
function objectDoubt(inp: CheckInput, cid: number, object: string | undefined): Doubt | undefined {
  if (object === undefined) return undefined;
  let doubt: Doubt | undefined;
  for (const st of inp.exits) {
    if (inp.classOf.get(st) !== cid) continue;
    const o = [...st.objects.values()].find((x) => x.display === object);
    if (!o?.doubt) return undefined;
    doubt ??= o.doubt;
  }
  return doubt;
}

/** A path class the analysis cannot show: every exit state of it carries a doubt (the first one's). */
function classDoubts(inp: CheckInput): Map<number, Doubt> {
  const all = new Map<number, Doubt | null>();
  for (const st of inp.exits) {
    const cid = inp.classOf.get(st);
    if (cid === undefined) continue;
    const seen = all.get(cid);
    if (seen === null) continue;
    all.set(cid, st.doubt && seen === undefined ? st.doubt : st.doubt ? seen! : null);
  }
  const out = new Map<number, Doubt>();
  for (const [cid, d] of all) if (d) out.set(cid, d);
  return out;
}

/**
 * Severity follows evidence: a diagnostic whose paths the analysis cannot show (all of them; for
 * `inconsistent`, either of the two it compares) is information, and says why.
 */
function withEvidence(d: Diagnostic, doubtOf: (cid: number) => Doubt | undefined): Diagnostic {
  if (!d.paths?.length || d.rule === 'budget' || d.rule === 'parse' || d.rule === 'model') return d;
  const doubtful = d.paths.filter((p) => doubtOf(p) !== undefined);
  const enough = d.rule === 'inconsistent' ? doubtful.length > 0 : doubtful.length === d.paths.length;
  if (!enough || !doubtful.length) return d;
  const doubt = shown(doubtOf(doubtful[0])!);
  return { ...d, severity: 'info', doubt, message: `${d.message}${doubtWords(doubt)}` };
}

/** A doubt as a diagnostic carries it: which split it was is the analysis's own bookkeeping. */
function shown(d: Doubt): Doubt {
  return 'merged' in d ? { merged: d.merged, value: d.value } : d;
}
