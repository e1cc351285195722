/**
 * From the states that reached the exit to what users and callers see: path
 * classes (grouped by exit, return value and deltas) and the function's summary.
 */
import type { Cfg } from '../cfg/cfg';
import type { Delta, PathClass } from '../result';
import type { Seg, Target } from '../model/compiled';
import { keyBeforeOverwrite, parseKey } from './access';
import { type Condition, type ObjState, type State, toArray, isCalleePath, hasDelta, reboundParam } from './state';
import { sentinelOf } from './fact-tests';
import type { Summary, SummaryCond, SummaryEffect, SummaryPath } from './summary';

/** A place in a structure (`arg0->pkt`), not the variable an out-parameter points at (`*arg0`). */
function heldByMember(key: string): boolean {
  return parseKey(keyBeforeOverwrite(key)).segs.some((x) => x.startsWith('.'));
}

/** Objects a reader cares about: what the function obtained, or what its callers can see. */
export function visibleObjects(exits: State[]): string[] {
  const keys = new Set<string>();
  for (const st of exits)
    for (const [k, o] of st.objects) {
      if (hasDelta(o) || o.obtained) keys.add(k);
    }
  return [...keys].sort();
}

function deltaOf(st: State, key: string, fallback: { display: string; kind: string }): Delta {
  const o = st.objects.get(key);
  if (!o) return { object: fallback.display, kind: fallback.kind, delta: 0, existence: 0, refs: 0 };
  const d: Delta = { object: o.display, kind: o.kind, delta: o.exist + o.refs, existence: o.exist, refs: o.refs };
  const counters = Object.entries(o.counters ?? {}).filter(([, v]) => v !== 0);
  if (counters.length) {
    d.counter = counters.map(([n, v]) => `${n} ${v > 0 ? '+' : ''}${v}`).join(', ');
  }
  if (o.transferred > 0) d.transferred = true;
  return d;
}

export function pathClasses(exits: State[]): { classes: PathClass[]; classOf: Map<State, number> } {
  const keys = visibleObjects(exits);
  const info = new Map<string, { display: string; kind: string }>();
  for (const st of exits)
    for (const k of keys) {
      const o = st.objects.get(k);
      if (o && !info.has(k)) info.set(k, { display: o.display, kind: o.kind });
    }
  const groups = new Map<string, { cls: PathClass; states: State[]; conds: Condition[] }>();
  const ordered = [...exits].sort(
    (a, b) => a.exit!.line - b.exit!.line || byCodeUnits(a.exit!.returns, b.exit!.returns),
  );
  for (const st of ordered) {
    const deltas = keys.map((k) => deltaOf(st, k, info.get(k)!));
    const deltaKeys = deltas.map((d) => `${d.object}:${d.existence}:${d.refs}:${d.counter ?? ''}`).join(',');
    const written = [...st.written].sort().join(',');
    const sig = `${st.exit!.line}|${st.exit!.returns}|${st.exit!.returnClass}|${deltaKeys}|${written}`;
    const g = groups.get(sig);
    if (g) {
      g.states.push(st);
      g.cls.merged += st.merged;
      const conds = new Set(toArray(st.conds));
      g.conds = g.conds.filter((c) => conds.has(c));
      const pcs = new Set(st.paramConds.map((p) => p.text));
      g.cls.paramConditions = g.cls.paramConditions.filter((c) => pcs.has(c));
      continue;
    }
    groups.set(sig, {
      states: [st],
      conds: [...new Set(toArray(st.conds))],
      cls: {
        id: groups.size,
        exit: { line: st.exit!.line, returns: st.exit!.returns, returnClass: st.exit!.returnClass },
        conditions: [],
        sourceConditions: undefined,
        paramConditions: [...new Set(st.paramConds.filter((p) => !isCalleePath(p)).map((p) => p.text))],
        deltas,
        steps: toArray(st.steps),
        lines: toArray(st.lines),
        merged: st.merged,
      },
    });
  }
  const classes: PathClass[] = [];
  const classOf = new Map<State, number>();
  for (const g of groups.values()) {
    g.cls.id = classes.length;
    setConditions(g.cls, g.conds);
    classes.push(g.cls);
    for (const s of g.states) classOf.set(s, g.cls.id);
  }
  return { classes, classOf };
}

/** A class's conditions in words (each once), and in C when any of them reads differently. */
function setConditions(cls: PathClass, conds: Condition[]): void {
  const byWords = new Map<string, Condition>();
  for (const c of conds) if (!byWords.has(c.words)) byWords.set(c.words, c);
  const kept = [...byWords.values()];
  cls.conditions = kept.map((c) => c.words);
  if (kept.some((c) => c.source !== c.words)) cls.sourceConditions = kept.map((c) => c.source);
  else delete cls.sourceConditions;
}

/** A parameter-rooted key as a model target (`*arg3`, `arg0->f`). */
export function targetOfKey(cfg: Cfg, key: string): Target | undefined {
  // a parameter's field overwritten here (`old = o->dev; o->dev = new`): its old object is the field's value on entry
  const p = parseKey(keyBeforeOverwrite(key));
  const d = cfg.decls.get(p.root);
  if (!d?.isParam || d.paramIndex === undefined) return undefined;
  if (p.segs.some((s) => s === '&' || s === '[]')) return undefined;
  const segs = p.segs as Seg[];
  return { base: 'arg', index: d.paramIndex, segs, text: targetText(`arg${d.paramIndex}`, segs) };
}

function targetText(base: string, segs: Seg[]): string {
  let t = base;
  let deref = 0;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (s === '*' && segs[i + 1]?.startsWith('.')) {
      t += `->${segs[i + 1].slice(1)}`;
      i++;
    } else if (s === '*') deref++;
    else t += s;
  }
  return '*'.repeat(deref) + t;
}

/**
 * The separate counters a path leaves on an object for its caller: a hold it handed on with the object
 * (`vnode_ref(vp); fp->f_data = vp`: the file keeps the usecount) is where it went, not the caller's.
 */
function counterDebts(o: ObjState): Record<string, number> | undefined {
  if (!o.countersHandedOn || !o.counters) return o.counters;
  const left = Object.entries(o.counters).filter(([, v]) => v < 0);
  return left.length ? Object.fromEntries(left) : undefined;
}

export function summarize(cfg: Cfg, exits: State[], truncated: boolean): Summary {
  const made: SummaryPath[] = [];
  /** The parameters each path gave to a call through a function pointer. */
  const dispatched = new Map<SummaryPath, ReadonlySet<number>>();
  for (const st of exits) {
    const conds: SummaryCond[] = [];
    for (const pc of st.paramConds) {
      const t = reboundParam(st, pc.key) ? undefined : targetOfKey(cfg, pc.key);
      if (t && !walksChain(t)) conds.push({ target: t, test: pc.test, value: pc.value, text: pc.text });
    }
    const effects: SummaryEffect[] = [];
    for (const [k, o] of st.objects) {
      if (!hasDelta(o)) continue;
      // a returned object travels with the return value, even when it is the caller's own argument
      const rk = st.exit?.returnedKey;
      let retSegs =
        rk && (k === rk || k.startsWith(rk + '/'))
          ? (k.slice(rk.length).split('/').filter(Boolean) as Seg[])
          : undefined;
      // `return &t->slots[i]` after `t->slots[i].refs++`: the caller reaches that member through the pointer
      if (retSegs?.[0]?.startsWith('.') && st.exit?.returnedAddress) retSegs = ['*', ...retSegs];
      const t =
        retSegs && !retSegs.some((x) => (x as string) === '&' || (x as string) === '[]')
          ? { base: 'ret' as const, index: -1, segs: retSegs, text: targetText('ret', retSegs) }
          : reboundParam(st, k)
            ? undefined
            : targetOfKey(cfg, k);
      if (!t || walksChain(t)) continue;
      const labels = [
        ...new Set(
          toArray(st.steps)
            .filter(
              (s) =>
                s.object === o.display &&
                s.note &&
                !s.note.startsWith('handed') &&
                !s.note.startsWith('stored') &&
                !s.note.startsWith('returned'),
            )
            .map((s) => s.note!)
            .filter(Boolean),
        ),
      ];
      // a borrowed copy of an out-parameter's object is not a hand-off: the reference goes out through the
      // parameter; a reference stored in (the object written to) a member of the caller's structure is that
      // structure's
      const stored = o.transferred > 0 && !o.returned && (!st.written.has(k) || (o.storedIn === k && heldByMember(k)));
      const effect: SummaryEffect = {
        target: t,
        exist: o.exist,
        refs: o.refs,
        counters: retSegs || o.returned || st.written.has(k) ? o.counters : counterDebts(o),
        stored,
        // of what goes out with the object, what the lists this path linked it into hold stays with them
        ...(!stored && o.linked ? { kept: Math.min(o.linked, o.refs) } : {}),
        kind: o.kind,
        labels,
        inferred: o.inferred,
        ...(o.withContainer ? { withContainer: true } : {}),
        ...(o.parked ? { parked: true } : {}),
        ...(o.byFlag ? { byFlag: true } : {}),
        // a use taken off by hand on what the parameter links to (`arg0->unp_socket->so_usecount`), not on the
        // parameter's own count (`arg0->so_usecount--` before a last-reference test is a put)
        ...(o.byHand && t.segs.filter((x) => String(x).startsWith('.')).length > 1 ? { byHand: true } : {}),
      };
      effects.push(effect);
    }
    const writes: Target[] = [];
    const sentinels: NonNullable<SummaryPath['sentinels']> = [];
    for (const w of st.written) {
      const t = targetOfKey(cfg, w);
      // a parameter given a new value is the callee's own variable
      if (!t?.segs.length || walksChain(t)) continue;
      writes.push(t);
      const v = sentinelOf(st.facts.get(w));
      if (v) sentinels.push({ target: t, ...v });
    }
    const sp: SummaryPath = { conds, ret: st.exit?.returnClass ?? 'unknown', effects, writes };
    if (sentinels.length) sp.sentinels = sentinels;
    const rk = st.exit?.returnedKey;
    const rd = rk && !rk.includes('/') ? cfg.decls.get(rk) : undefined;
    if (rd?.isParam && rd.paramIndex !== undefined) sp.retArg = rd.paramIndex;
    made.push(sp);
    const given = (st.dispatched ?? []).flatMap((k) => {
      const i = reboundParam(st, k) ? undefined : cfg.decls.get(k)?.paramIndex;
      return i === undefined ? [] : [i];
    });
    if (given.length) dispatched.set(sp, new Set(given));
  }
  const paths = new Map<string, SummaryPath>();
  for (const sp of withoutBookkeeping(withoutDispatched(made, dispatched))) {
    const key = JSON.stringify(sp);
    if (!paths.has(key)) paths.set(key, sp);
  }
  if (paths.size > SUMMARY_PATHS) compact(paths, truncated);
  // the hash of JSON.stringify(list), from the texts already made
  return {
    name: cfg.name,
    paths: [...paths.values()],
    truncated,
    hash: simpleHash(`[${[...paths.keys()].join(',')}]`),
  };
}

/**
 * A path that gives a parameter to a call through a function pointer and counts nothing on it, where
 * the function's other paths count on it, hands the job to an implementation the analysis cannot see
 * (`if (so->so_proto->pr_lock) (*so->so_proto->pr_lock)(so, refcount); else { lock(so); if (refcount)
 * so->so_usecount++; }`): that implementation is not shown to do nothing, so the summary keeps the paths
 * it can show. A caller would otherwise pair the lock's unseen path with the unlock's seen one.
 */
function withoutDispatched(paths: SummaryPath[], dispatched: ReadonlyMap<SummaryPath, ReadonlySet<number>>) {
  if (!dispatched.size) return paths;
  const counts = (sp: SummaryPath, i: number) =>
    sp.effects.some(
      (e) =>
        e.target.base === 'arg' &&
        e.target.index === i &&
        (e.exist + e.refs !== 0 || Object.values(e.counters ?? {}).some((v) => v !== 0)),
    );
  const unseen = (sp: SummaryPath) =>
    [...(dispatched.get(sp) ?? [])].some(
      (i) => !counts(sp, i) && paths.some((q) => !dispatched.get(q)?.has(i) && counts(q, i)),
    );
  const kept = paths.filter((sp) => !unseen(sp));
  return kept.length ? kept : paths;
}

/**
 * A reference an argument gains on a path its caller cannot tell from another path that leaves
 * it alone (the same return: `if (adjust_pages(d, n) == n) get_domain(d); return 0;`) is not the
 * caller's to give back: either the callee keeps it for itself (a pin taken when a count of the
 * object leaves 0) or the callee is wrong, and its own analysis says so. Handing it on would make
 * every caller of an allocator hold the domain. The same for a release after a test that changes
 * the object's own state, a flag that owned that reference
 * (`if (test_and_clear_bit(ALLOCATED, &pg->flags)) put_page(pg);`): the caller's reference is
 * untouched. A gain the return reports (`if (f->dead) return -1; hold(f); return 0;`), and every
 * other release, stay.
 */
function withoutBookkeeping(paths: SummaryPath[]): SummaryPath[] {
  const changes = (sp: SummaryPath, text: string, sign: number) =>
    sp.effects.some((x) => x.target.text === text && Math.sign(x.exist + x.refs) === sign);
  // what the path needs of its parameters (`flags & NO_REF`): a caller that knows them can tell the paths apart
  const conds = new Map(paths.map((sp) => [sp, sp.conds.map((c) => [c, JSON.stringify(c)] as const)]));
  // ...but not by the fields of the object a parked change follows (`d->xenheap_pages++ == 0`, `!d->is_dying`):
  // that state is the object's own, changed by the very test, and no caller knows it
  const needs = (sp: SummaryPath, e: SummaryEffect) =>
    new Set(
      conds
        .get(sp)!
        .filter(([c]) => !e.parked || !ofObjectFields(c.target, ownerOf(e)))
        .map(([, t]) => t),
    );
  // q cannot be told from sp by a caller when whatever q needs of its parameters sp needs too
  const alike = (q: SummaryPath, sp: SummaryPath, e: SummaryEffect) => {
    if (sp.ret !== q.ret || sp.ret === 'unknown') return false;
    const of = needs(sp, e);
    return [...needs(q, e)].every((c) => of.has(c));
  };
  /**
   * A gain, or a release that follows a test changing the object's own state (a flag that owns
   * a reference: `if (test_and_clear_bit(ALLOCATED, &pg->flags)) put_page(pg);`).
   */
  const ownedByObject = (e: SummaryEffect) => {
    const sign = Math.sign(e.exist + e.refs);
    return sign > 0 ? !e.stored : sign < 0 && !!e.parked;
  };
  return paths.map((sp) => {
    const kept = sp.effects.filter(
      (e) =>
        // the argument itself, or a count embedded in it (`arg1->refcnt`, `arg0->ref.refcount`): what a callee
        // leaves in the argument's other fields or out-parameters the caller can test
        e.target.base !== 'arg' ||
        ownerOf(e).segs.length > 0 ||
        !ownedByObject(e) ||
        !paths.some((q) => q !== sp && alike(q, sp, e) && !changes(q, e.target.text, Math.sign(e.exist + e.refs))),
    );
    return kept.length === sp.effects.length ? sp : { ...sp, effects: kept };
  });
}

/**
 * The target is reached by following one link field twice or more (`arg0->domain->parent->parent`,
 * `arg1->m_next->m_next->m_len`): an element somewhere down a chain the callee walked, which no caller
 * names. Each depth the walk was unrolled to made a summary path of its own (Xen's
 * p2m_get_page_from_gfn() had 88, one per combination of parents tested), and every call of such a
 * callee gave its callers as many outcomes, past the bound of one expression.
 */
export function walksChain(t: Target): boolean {
  let last: string | undefined;
  for (let i = 0; i + 1 < t.segs.length; i++) {
    if (t.segs[i] !== '*' || !t.segs[i + 1].startsWith('.')) continue;
    const field = t.segs[i + 1].replace(/~.*$/, '');
    if (field === last) return true;
    last = field;
    i++;
  }
  return false;
}

/**
 * The object whose own count an effect changes: the argument for a count embedded in what it points to (a
 * count field `arg1->refcnt`, a kref `arg0->refcount`), else the target itself (`arg0->dev` is another
 * object, reached through a pointer the argument holds).
 */
function ownerOf(e: SummaryEffect): Target {
  const t = e.target;
  const embedded =
    (e.kind === 'count field' || e.kind === 'kref') &&
    t.segs.length > 1 &&
    t.segs[0] === '*' &&
    t.segs.slice(1).every((x) => x.startsWith('.'));
  return embedded ? { ...t, segs: [], text: `arg${t.index}` } : t;
}

/** `cond` reads a field of the object `object` names (`arg1->xenheap_pages` of `arg1`). */
function ofObjectFields(cond: Target, object: Target): boolean {
  if (cond.base !== object.base || cond.index !== object.index || cond.segs.length <= object.segs.length) return false;
  if (object.segs.some((s, i) => cond.segs[i] !== s)) return false;
  return cond.segs.slice(object.segs.length).some((s) => s.startsWith('.'));
}

/**
 * Past this many paths a summary keeps one path per distinct effect: each path of a summary
 * is one outcome at every call, and a caller of a few such callees has the product of them.
 */
const SUMMARY_PATHS = 8;

/**
 * Paths with the same effects and returned argument become one: the conditions they share, their
 * return class when they agree (`unknown` when they do not), and every out-parameter any of them
 * writes (the caller takes each as possibly written, as widening does). What a caller can tell
 * apart by its counts is kept; which of several ways the callee went without a difference in
 * counts is not. Writes kept apart multiplied a caller's states: xnu's dev_free_name() writes
 * up to eight list links in any combination, and each call of it gave its callers 35 outcomes.
 * A function cut by its budget (`partial`), still past the bound, also merges the paths that differ
 * only in the counts of objects two pointers or more below an argument, keeping of those what all
 * of them change alike: its callers doubt what they give it anyway, and each of its paths was an
 * outcome at every call (xnu's pf_free_state(), cut at 64 paths, one per combination of the
 * sub-objects of a state it releases: pf_purge_expired_states() took 10 s for 1,700 states).
 */
function compact(paths: Map<string, SummaryPath>, partial: boolean): void {
  mergeBy(paths, (sp) => JSON.stringify([sp.effects, sp.retArg]));
  if (partial && paths.size > SUMMARY_PATHS)
    mergeBy(paths, (sp) => JSON.stringify([sp.effects.filter(near), sp.retArg]));
}

function mergeBy(paths: Map<string, SummaryPath>, keyOfPath: (sp: SummaryPath) => string): void {
  const groups = new Map<string, SummaryPath[]>();
  for (const sp of paths.values()) {
    const k = keyOfPath(sp);
    const list = groups.get(k);
    if (list) list.push(sp);
    else groups.set(k, [sp]);
  }
  if (groups.size === paths.size) return;
  paths.clear();
  for (const list of groups.values()) {
    const first = list[0];
    const shared = <T>(items: readonly T[], all: (o: SummaryPath) => readonly T[]) =>
      items.filter((c) => list.every((o) => all(o).some((d) => JSON.stringify(d) === JSON.stringify(c))));
    const conds = shared(first.conds, (o) => o.conds);
    const effects = list.length === 1 ? first.effects : shared(first.effects, (o) => o.effects);
    const ret = list.every((o) => o.ret === first.ret) ? first.ret : 'unknown';
    const writes = new Map<string, Target>();
    for (const o of list) for (const w of o.writes) writes.set(w.text, w);
    // what a written out-parameter was left holding is known only when every merged path left it
    const sentinels = shared(first.sentinels ?? [], (o) => o.sentinels ?? []);
    const sp: SummaryPath = { ...first, conds, effects, ret, writes: [...writes.values()] };
    if (sentinels.length) sp.sentinels = sentinels;
    else delete sp.sentinels;
    paths.set(JSON.stringify(sp), sp);
  }
}

/**
 * The effect is on the argument or the return value itself, or on an object one pointer below it
 * (`arg0->dev`, `*arg1`; a count embedded in such an object, `arg0->dev->refcnt`, counts as the object).
 */
function near(e: SummaryEffect): boolean {
  const segs = e.target.segs;
  let derefs = segs.filter((s) => s === '*').length;
  const last = segs.lastIndexOf('*');
  const embedded = (e.kind === 'count field' || e.kind === 'kref') && last >= 0 && last < segs.length - 1;
  if (embedded && segs.slice(last + 1).every((s) => s.startsWith('.'))) derefs--;
  return derefs <= 1;
}

/** Order by UTF-16 code units: the same on every machine, whatever its locale (localeCompare is not). */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function simpleHash(s: string): string {
  let h1 = 0x811c9dc5,
    h2 = 0x1000193;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619);
    h2 = Math.imul(h2 + c, 2654435761);
  }
  return (h1 >>> 0).toString(16) + (h2 >>> 0).toString(16);
}
