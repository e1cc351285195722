/**
 * What a call does to the path state: a model row's effects (split on its conditions), an
 * in-file callee's summary, or, for a function nothing is known of, handing on what it is
 * given; and the counted change of one object that all of them come down to.
 */
import type { VarDecl } from '../cfg/cfg';
import type { Syn } from '../parse/syntax';
import type { Atom, Effect, Target } from '../model/compiled';
import type { Step } from '../result';
import { own } from '../tables';
import type { Summary, SummaryPath } from './summary';
import {
  type AccessPath,
  extend,
  keyOf,
  parseKey,
  under,
  rootClass,
  throughPointer,
  embeddedInPointee,
  embeddingObject,
  overwrittenKey,
  overwrittenDisplay,
} from './access';
import {
  type State,
  type ObjState,
  type Fact,
  type ParamCond,
  type Doubt,
  with_,
  type StateKeys,
  mergeInto,
  calleePathKey,
  hasDelta,
  reboundParam,
} from './state';
import {
  factOf,
  setFactKeep,
  killPath,
  putObj,
  addStep,
  heldCounter,
  objectsMoved,
  storedPlaceOf,
} from './state-edits';
import { type Test, decide, factFor, atomTest, atomText, retClassFact } from './fact-tests';
import { isZeroConst, type Out, type Val } from './values';
import type { FunctionContext } from './function-context';
import { plainDecrement } from './count-ops';

export class Effects {
  private readonly decls: ReadonlyMap<string, VarDecl>;

  constructor(private readonly ctx: FunctionContext) {
    this.decls = ctx.decls;
  }

  /**
   * A name-paired guess (`x_get`/`x_put`) gives way to what the file's own bodies of both halves do: their
   * summaries know that `x_get()` takes the reference on `x->kref` and returns its argument.
   */
  inferredUnlessSummarised(name: string): Effect[] | undefined {
    const effects = this.ctx.inferred?.get(name);
    const m = effects?.[0]?.inferred ? /^inferred:([^/]+)\/(.+)$/.exec(effects[0].source ?? '') : null;
    if (!effects || !m) return effects;
    const counts = (fn: string) =>
      this.ctx.summaries.get(fn)?.paths.some((p) => p.effects.some((ef) => ef.exist !== 0 || ef.refs !== 0));
    return counts(m[1]) && counts(m[2]) ? undefined : effects;
  }

  /**
   * An unknown function may keep what it is given: references we hold on it are transferred. `stores[i]`: the
   * callee's body stores `vals[i]` (a list insertion: `list_add_tail(&w->link, &queue)`); given the
   * address of a member of a structure, it links the whole structure, which carries the references the path
   * took on what its other members point to (`get_domain(w->dom)`: the queued work's, given back when it runs),
   * and those it stored in them.
   */
  handOn(callee: string, vals: Val[], line: number, st: State, stores?: readonly boolean[], supposed?: boolean): State {
    let s = st;
    for (const [i, v] of vals.entries()) {
      if (v.k !== 'path') continue;
      let p = v.p;
      const viaAddress = p.segs[p.segs.length - 1] === '&';
      if (viaAddress) p = { root: p.root, segs: p.segs.slice(0, -1) };
      const k = keyOf(p);
      const linked = stores?.[i] && viaAddress ? linkedStructure(p) : undefined;
      for (const [ok, o] of s.objects) {
        // what is passed and what lies under it; a field of a counted object (`&pdev->dev`, `h->x`) is not
        // the object: accessors (ACPI_HANDLE, atomic_read, ether_addr_copy) take no reference with it
        const passed = under(ok, k);
        if (!passed && !(linked !== undefined && under(ok, linked))) continue;
        // a reference stored in one of its members (`w->page = get_page(...)`) goes with it too: returning the
        // structure afterwards no longer hands that reference to the caller, the list holds it
        const storedInIt = !passed && o.transferred > 0 && o.storedIn !== undefined && under(o.storedIn, linked!);
        // what the structure carries are references, not a lock held on a member's object
        if (o.refs - o.transferred <= 0 && !storedInIt && (!passed || !heldCounter(o))) continue;
        const note = passed ? `handed to ${callee}()` : `handed to ${callee}() with the structure that holds it`;
        s = this.handOnObject(s, ok, o, {
          line,
          call: callee,
          op: 'transfer',
          note,
          ...(supposed ? { supposed } : {}),
        });
      }
      // the callee may write through the pointer
      s = killPath(s, keyOf(extend(p, '*')), true);
      if (viaAddress) s = killPath(s, k, true);
    }
    return s;
  }

  /**
   * An unknown callee may keep `given[i]` (the policy) and was given it with one other value, a structure the
   * function did not make: a parameter it has not given another value, or a local a lookup found (`fp_set_data(fp,
   * vp)` on a descriptor's new file). While the path holds nothing on the object, the callee may have stored it
   * there (Fact.keptWith): a guess, which a hold taken next carries to the checks.
   */
  keptWithStructure(callee: string, vals: Val[], given: Val[], line: number, st: State): State {
    const paths = vals.filter((v): v is Val & { k: 'path' } => v.k === 'path');
    if (paths.length !== 2) return st;
    let s = st;
    for (const [i, v] of given.entries()) {
      if (v.k !== 'path' || v.p.segs.includes('&') || v.p.root.startsWith('$')) continue;
      const other = paths.find((x) => x !== vals[i]);
      if (!other || other.p.segs.length || !this.foreignStructure(s, other.p.root)) continue;
      const key = keyOf(v.p);
      if (key === other.p.root) continue;
      const holds = [...s.objects].some(([k, o]) => under(k, key) && (o.refs - o.transferred > 0 || heldCounter(o)));
      if (holds) continue;
      const keptWith = { call: callee, line, in: this.ctx.displayKey(other.p.root) };
      s = setFactKeep(s, key, { ...(s.facts.get(key) ?? {}), keptWith });
    }
    return s;
  }

  /** A structure the function did not make: a pointer parameter it has not rebound, or a local a lookup found. */
  private foreignStructure(st: State, root: string): boolean {
    const cls = rootClass(root, this.decls);
    if (cls === 'param') return this.ctx.pointerParams.has(root) && !st.written.has(root) && !reboundParam(st, root);
    return cls === 'local' && !!st.objects.get(root)?.found;
  }

  /**
   * Splits `states` on an argument atom; returns the states where it holds. `quiet`: a split that only
   * prunes impossible results, which says nothing a caller could tell apart (no parameter condition).
   */
  private splitOnAtom(
    states: State[],
    atom: Atom,
    vals: Val[],
    temp: string,
    keepFalse: State[],
    quiet = false,
  ): State[] {
    const out: State[] = [];
    for (const st of states) {
      let test: Test;
      let key: string | undefined;
      let direct: boolean | undefined;
      if (atom.kind === 'flag') {
        test = { op: atom.negated ? 'lacks' : 'has', flag: atom.flag };
        if (atom.target.base === 'arg' && atom.target.segs.length === 0) {
          const v = vals[atom.target.index];
          if (v?.k === 'flags') direct = v.f.includes(atom.flag) ? !atom.negated : v.some ? undefined : atom.negated;
          else if (v?.k === 'const') direct = (v.c === atom.flag) !== atom.negated;
        }
        if (direct === undefined) {
          const p = this.ctx.targetPath(atom.target, vals, temp);
          key = p ? keyOf(p) : undefined;
        }
      } else if (atom.kind === 'null') {
        test = { op: atom.isNull ? 'eq' : 'ne', c: '0' };
        const v = atom.target.segs.length === 0 && atom.target.base === 'arg' ? vals[atom.target.index] : undefined;
        const n = v ? this.ctx.isNullVal(v, st) : undefined;
        if (n !== undefined) direct = n === atom.isNull;
        else {
          const p = this.ctx.targetPath(atom.target, vals, temp);
          key = p ? keyOf(p) : undefined;
        }
      } else if (atom.kind === 'const') {
        test = { op: atom.equal ? 'eq' : 'ne', c: atom.name };
        const v = atom.target.segs.length === 0 && atom.target.base === 'arg' ? vals[atom.target.index] : undefined;
        if (v?.k === 'const') direct = decide({ eq: v.c }, test);
        else {
          const p = this.ctx.targetPath(atom.target, vals, temp);
          key = p ? keyOf(p) : undefined;
        }
      } else {
        out.push(st);
        continue;
      }
      if (direct === undefined && key) direct = decide(factOf(st, key) ?? heldNotNull(st, key), test);
      if (direct === true) out.push(st);
      else if (direct === false) keepFalse.push(st);
      else if (key) {
        const pk = parseKey(key);
        const words = atomText(atom, this.ctx.displayKey(key));
        if (quiet) {
          out.push(setFactKeep(st, key, factFor(test, st.facts.get(key), true)));
          keepFalse.push(setFactKeep(st, key, factFor(test, st.facts.get(key), false)));
          continue;
        }
        out.push(
          this.noteParamCond(
            setFactKeep(st, key, factFor(test, st.facts.get(key), true)),
            pk,
            key,
            test,
            true,
            words[0],
          ),
        );
        keepFalse.push(
          this.noteParamCond(
            setFactKeep(st, key, factFor(test, st.facts.get(key), false)),
            pk,
            key,
            test,
            false,
            words[1],
          ),
        );
      } else {
        out.push(st);
        keepFalse.push(st);
      }
    }
    return out;
  }

  private retTests(effects: { when: Atom[] }[]): Test[] | undefined {
    for (const ef of effects)
      for (const a of ef.when)
        if (a.kind === 'ret') {
          switch (a.test) {
            case 'eq0':
            case 'ne0':
              return [
                { op: 'eq', c: '0' },
                { op: 'ne', c: '0' },
              ];
            case 'lt0':
            case 'ge0':
              return [{ op: 'lt0' }, { op: 'ge0' }];
            case 'gt0':
              return [{ op: 'gt0' }, { op: 'le0' }];
          }
        }
    return undefined;
  }

  /**
   * `known`: what the path already knows of the result (a call that returns its argument returns a known value).
   * `discarded`: the call is a statement of its own (`vnode_getwithref(vp);`), its status thrown away.
   */
  applyModel(
    name: string,
    effects: Effect[],
    vals: Val[],
    e: Syn,
    st: State,
    temp: string,
    known?: Fact,
    discarded = false,
  ): State[] {
    const split = this.retTests(effects);
    // `rcu_lock_domain(d)` of a `d` known NULL cannot return non-NULL: that outcome is no path
    const possible = known ? split?.filter((t) => decide(known, t) !== false) : split;
    const partition = (discarded && possible && acquiredOn(effects, possible)) || (possible?.length ? possible : split);
    // a call that succeeds with 0 fails with an error code (`-EINVAL`, `EINVAL`), never with both signs
    const errnoStyle = effects.some((ef) => ef.when.some((a) => a.kind === 'ret' && a.test === 'eq0'));
    const resultFact = (t: Test): Fact => {
      const f = factFor(t, undefined, true);
      return errnoStyle && t.op === 'ne' ? { ...f, errno: true } : f;
    };
    const starts: State[] = partition ? partition.map((t) => setFactKeep(st, temp, resultFact(t))) : [st];
    const results: State[] = [];
    for (const start of starts) {
      let states = [start];
      const retFact = start.facts.get(temp);
      for (const ef of effects) {
        const retOk = ef.when.every((a) => a.kind !== 'ret' || decide(retFact, atomTest(a)) !== false);
        if (!retOk) {
          // the call tried to take a reference and failed: releasing it now is an over-release
          if (ef.op === 'acquire' || ef.op === 'create')
            states = states.map(
              (s) => this.staleOutParameter(s, ef, vals, temp, e.line) ?? this.markAttempted(s, ef, vals, temp),
            );
          continue;
        }
        // a result the call cannot give for these arguments (`get_domain_by_id(IDLE_DOMAIN_ID)` finds nothing)
        if (ef.onlyIf && ef.when.some((a) => a.kind === 'ret'))
          for (const a of ef.onlyIf) states = this.splitOnAtom(states, a, vals, temp, [], true);
        let holding = states;
        const notHolding: State[] = [];
        for (const a of ef.when) if (a.kind !== 'ret') holding = this.splitOnAtom(holding, a, vals, temp, notHolding);
        holding = holding.map((s) => this.applyEffect(s, ef, vals, temp, e, name));
        states = [...holding, ...notHolding];
      }
      results.push(...states);
    }
    return results;
  }

  /**
   * A failed acquire through an out-parameter (`VFS_VGET(mp, ino, flags, &vp)`) that already held an
   * object of this path: what the slot holds now is not that object (the callee cleared it, or it is
   * stale), so a later release of the slot is not a second release of the object.
   */
  private staleOutParameter(st: State, ef: Effect, vals: Val[], temp: string, line: number): State | undefined {
    if (ef.target.base !== 'arg' || ef.target.segs.length !== 1 || ef.target.segs[0] !== '*') return undefined;
    const p = this.ctx.targetPath(ef.target, vals, temp);
    if (!p) return undefined;
    const key = keyOf(p);
    if (!st.objects.get(key)?.obtained) return undefined;
    // a local that copied the old value (`vp = tdp` before the call) still names it, as after an assignment
    return killPath(this.loseOverwritten(this.keepCopiedOldValue(st, key, line), key, line), key);
  }

  private markAttempted(st: State, ef: Effect, vals: Val[], temp: string): State {
    const p = this.ctx.targetPath(ef.target, vals, temp);
    if (!p || ef.target.base === 'ret') return st;
    const key = keyOf(p);
    const o = st.objects.get(key);
    const count = ef.counter ?? '';
    if (o?.obtained && o.gained?.includes(count)) return st;
    const gained = withGained(o?.gained, count);
    return putObj(
      st,
      key,
      o
        ? { ...o, obtained: true, gained }
        : {
            display: this.ctx.displayKey(key),
            kind: ef.kind ?? this.ctx.kindOf(p) ?? 'object',
            exist: 0,
            refs: 0,
            transferred: 0,
            obtained: true,
            gained,
          },
    );
  }

  private applyEffect(st: State, ef: Effect, vals: Val[], temp: string, e: Syn, call: string): State {
    const p = this.ctx.targetPath(ef.target, vals, temp);
    if (!p) return st;
    const key = keyOf(p);
    if (ef.op === 'keep') {
      const kept = this.keptByCall(st, key, e.line, call);
      // a member's address (`queue_work(wq, &gw->report_work)`): the work item is the structure's, and the
      // one that runs it finds the structure again (container_of), so what the path holds on it goes there
      const v = ef.target.base === 'arg' && !ef.target.segs.length ? vals[ef.target.index] : undefined;
      const around = v?.k === 'path' ? structureAround(v.p) : undefined;
      return around ? this.keptByCall(kept, keyOf(around), e.line, call) : kept;
    }
    let ofNull = false;
    // a macro's release of what a member holds, if anything: the path's reference there, or nothing of its own
    if (ef.nullGuarded && !holdsAt(st, key)) return st;
    const base = ef.target.base === 'arg' && !ef.target.segs.length ? vals[ef.target.index] : undefined;
    if (this.ctx.isNullVal(base, st)) {
      // a no-op on NULL, unless the API must not be given NULL and the code tested the value: then nothing
      // this path obtained pays for it (a NULL only a model's split supposes stays a no-op)
      if (!ef.nullUnsafe || base?.k !== 'path' || !st.facts.get(keyOf(base.p))?.nullTested) return st;
      ofNull = true;
    }
    // `kref_put(&h->refcount, ...)`: the address of a field is the count of the struct around it
    const given = ef.target.base === 'arg' && !ef.target.segs.length ? vals[ef.target.index] : undefined;
    const embedded =
      given?.k === 'path' &&
      given.p.segs[given.p.segs.length - 1] === '&' &&
      !!given.p.segs[given.p.segs.length - 2]?.startsWith('.');
    return this.change(st, key, p, {
      op: ef.op,
      count: ef.count,
      kind: ef.kind,
      counter: ef.counter,
      label: ef.label,
      line: e.line,
      column: e.col,
      call,
      source: ef.source,
      inferred: ef.inferred,
      embedded,
      ...(ofNull ? { ofNull: true } : {}),
    });
  }

  /** Applies one counted operation to the object at `key`. */
  change(
    st: State,
    key: string,
    p: AccessPath,
    c: {
      op: Exclude<Effect['op'], 'keep'>;
      count: number;
      kind?: string;
      counter?: string;
      label?: string;
      line: number;
      column?: number;
      call: string;
      source?: string;
      inferred?: boolean;
      exist?: number;
      refs?: number;
      counters?: Record<string, number>;
      stored?: boolean;
      /** Of `refs`, those the places the callee linked the object into hold (ObjState.linked). */
      kept?: number;
      /** The callee stored the object at this key of the caller's, the place that now holds the reference. */
      storedAt?: string;
      embedded?: boolean;
      withContainer?: boolean;
      /** The count change is bookkeeping already (a callee's parked effect). */
      parked?: boolean;
      /** A callee's release under a flag of the object's own state word (ObjState.byFlag). */
      byFlag?: boolean;
      /** A callee's use taken off by hand (ObjState.byHand). */
      byHand?: boolean;
      /** A release of NULL by an API that must not be given NULL: below zero whatever the path gained. */
      ofNull?: boolean;
    },
  ): State {
    const copy = netChange(c) > 0 ? copiedMember(st, key) : undefined;
    if (copy !== undefined) {
      key = copy;
      p = parseKey(copy);
    }
    // a release through the place a reference was kept for, or stored in, gives that reference back
    // (ObjState.keptBy, storedIn): `m->unit = u; hold(u)`, then `drop(m->unit)` or a callee given `m`
    const kept = c.counter === undefined && netChange(c) < 0 ? keptFor(st, key) : undefined;
    if (kept !== undefined) {
      key = kept.key;
      p = parseKey(kept.key);
    }
    const twin =
      c.counter === undefined && netChange(c) < 0
        ? countTwin(st, key, p, !!c.embedded && GENERIC_COUNTS.has(c.kind ?? ''))
        : undefined;
    if (twin !== undefined) {
      key = twin;
      p = parseKey(twin);
    }
    const prev = st.objects.get(key);
    const kind = c.kind ?? prev?.kind ?? this.ctx.kindOf(p) ?? 'object';
    let s = st;
    if (c.op === 'lookup' || c.op === 'create') s = this.noteWrite(s, key, p, c.line);
    else if ((c.op === 'acquire' && (c.refs ?? c.count) > 0) || (c.exist ?? 0) > 0) {
      s = setFactKeep(s, key, { ...(s.facts.get(key) ?? {}), eq: undefined, ne: ['0'] });
      // a counter taken through a pointer (`kref_get(&x->refcount)`) says the pointer is not NULL
      const star = p.segs.lastIndexOf('*');
      if (star >= 0 && !p.root.startsWith('$')) {
        const pk = keyOf({ root: p.root, segs: p.segs.slice(0, star) });
        const pf = s.facts.get(pk);
        if (!pf?.ne?.includes('0')) s = setFactKeep(s, pk, { ...(pf ?? {}), eq: undefined, ne: ['0'] });
      }
    }
    const cur = s.objects.get(key);
    const before = cur && !cur.gained?.includes('') ? cur.exist + cur.refs : 0;
    const o: ObjState = cur
      ? { ...cur }
      : { display: this.ctx.displayKey(key), kind, exist: 0, refs: 0, transferred: 0, obtained: false };
    if (!cur || o.kind === 'object') o.kind = kind;
    if (c.inferred) o.inferred = true;
    if (c.embedded) o.embedded = true;
    if (c.withContainer) o.withContainer = true;
    if (c.parked) o.parked = 'callee';
    if (c.byFlag) o.byFlag = true;
    if (c.byHand) o.byHand = true;
    let delta = 0;
    let counterName: string | undefined;
    if (c.exist !== undefined || c.refs !== undefined || c.counters) {
      // a callee's summary
      o.exist += c.exist ?? 0;
      o.refs += c.refs ?? 0;
      delta = (c.exist ?? 0) + (c.refs ?? 0);
      for (const [n, v] of Object.entries(c.counters ?? {})) {
        o.counters = { ...(o.counters ?? {}), [n]: (own(o.counters, n) ?? 0) + v };
        if (v > 0) o.gained = withGained(o.gained, n);
        else if (v < 0 && o.gained?.includes(n) && (own(o.counters, n) ?? 0) < 0 && o.overLine === undefined) {
          o.overLine = c.line;
          o.over = { counter: n, total: own(o.counters, n) ?? 0 };
        }
      }
      if ((c.exist ?? 0) > 0 || (c.refs ?? 0) > 0) {
        o.obtained = true;
        o.gained = withGained(o.gained, '');
        o.lastAcquire = c.line;
      }
      const under =
        Object.entries(o.counters ?? {}).some(([n, v]) => v < 0 && !o.gained?.includes(n)) ||
        (o.exist + o.refs < 0 && !o.gained?.includes(''));
      if (under && o.underBy === undefined) o.underBy = c.call;
      // what the callee stored is the reference it took: the caller's own stay the caller's
      if (c.stored) o.transferred = (c.refs ?? 0) > 0 ? Math.min(o.refs, o.transferred + c.refs!) : o.refs;
      if (c.stored && c.storedAt !== undefined) o.storedIn = c.storedAt;
      // what the lists the callee linked the object into hold stays theirs: the caller has the rest
      if (!c.stored && c.kept) {
        o.transferred = Math.min(o.refs, o.transferred + c.kept);
        o.linked = (o.linked ?? 0) + c.kept;
      }
    } else if (c.op === 'lookup') {
      if (!cur) return putObj(s, key, { ...o, found: true });
      return s;
    } else if (c.counter) {
      counterName = c.counter;
      const d = c.op === 'acquire' || c.op === 'create' ? c.count : -c.count;
      o.counters = { ...(o.counters ?? {}), [c.counter]: (own(o.counters, c.counter) ?? 0) + d };
      delta = d;
      if (d > 0) {
        o.obtained = true;
        o.gained = withGained(o.gained, c.counter);
        o.lastAcquire = c.line;
      }
    } else {
      switch (c.op) {
        case 'acquire':
          o.refs += c.count;
          delta = c.count;
          o.obtained = true;
          o.gained = withGained(o.gained, '');
          o.lastAcquire = c.line;
          break;
        case 'release':
          o.refs -= c.count;
          delta = -c.count;
          break;
        case 'create':
          o.exist += c.count;
          delta = c.count;
          o.obtained = true;
          o.gained = withGained(o.gained, '');
          o.lastAcquire = c.line;
          break;
        case 'destroy':
          o.exist -= c.count;
          delta = -c.count;
          break;
      }
    }
    // below what this path obtained of that same count: a counter's release is not paid by the object's own
    // references (`vnode_getwithref(vp)` ... `vnode_rele(vp)` drops a use count the path never took)
    // the path's first change of the object follows a test of the object's own state: a reference kept on
    // purpose (a change after an earlier one, `get(d); if (busy(d)) return; put(d)`, is the path's own)
    if (delta !== 0 && s.guard?.includes(p.root) && !(cur && hasDelta(cur))) o.parked ??= 'test';
    // ...or a test of whether a user counter the function keeps in step is zero (the first user takes, the
    // last gives back: `if (!ctx->users) get(d); ctx->users++`; counter-guards.ts)
    if (delta !== 0 && this.ctx.input.counterGuarded?.has(this.ctx.node.id) && !(cur && hasDelta(cur)))
      o.parked ??= 'test';
    // the place the path stored the object in before taking this reference owns it (Fact.storedAt); in a
    // structure of the function's own linked nowhere yet, once the path links or returns it (`keptBy`)
    const stored = delta > 0 && !counterName ? storedPlace(s, key, p, o, this.ctx.input.companions) : undefined;
    if (stored !== undefined && !(cur && cur.refs - cur.transferred > 0)) {
      if (this.published(s, stored.place)) {
        o.transferred = o.refs;
        o.storedIn = stored.place;
        o.keptBy = undefined;
        s = setFactKeep(s, stored.of, { ...(s.facts.get(stored.of) ?? {}), storedAt: undefined });
      } else o.keptBy = stored.place;
    } else if (delta > 0 && !counterName && !(cur && cur.refs - cur.transferred > 0))
      s = this.takenForLinks(s, key, p, o, delta);
    // a separate counter's hold taken on an object already stored where others reach it (`fp->f_data = vp;
    // vnode_ref(vp)`) is the place's, as one taken before the store goes with it (handOnObject); in a
    // structure of the function's own linked nowhere yet it stays the path's (no `keptBy` for counters)
    const newHold = delta > 0 && !!counterName && !(cur && heldCounter(cur));
    const storedHold = newHold ? storedPlace(s, key, p, o) : undefined;
    if (storedHold !== undefined && this.published(s, storedHold.place)) {
      o.countersHandedOn = true;
      o.storedIn ??= storedHold.place;
      s = setFactKeep(s, storedHold.of, { ...(s.facts.get(storedHold.of) ?? {}), storedAt: undefined });
    } else if (newHold && s.facts.get(key)?.keptWith) o.keptWith = s.facts.get(key)!.keptWith;
    // the first release in the branch where a test that changed the object's own state held gives back
    // the reference that state owned (`if (test_and_clear_bit(ALLOCATED, &pg->count_info)) put_page(pg)`)
    // a release under a test of a flag in the object's own state word gives back what that flag held
    if (delta < 0 && this.ctx.input.flagGuarded?.get(this.ctx.node.id)?.includes(p.root)) o.byFlag = true;
    if (delta < 0 && !counterName && c.refs === undefined && plainDecrement(c.call)) o.byHand = true;
    if (delta < 0 && !counterName && s.held?.includes(p.root)) {
      o.paidByState = (o.paidByState ?? 0) - delta;
      s = with_(s, { held: s.held.filter((r) => r !== p.root) });
    }
    if (kept?.by === 'keptBy' && o.refs <= 0) o.keptBy = undefined;
    // the place's reference is the one given back: what the path handed on there is that much less
    if (kept?.by === 'storedIn' && delta < 0) {
      o.transferred = Math.max(0, Math.min(o.refs, o.transferred + delta));
      if (o.transferred === 0) o.storedIn = undefined;
    }
    if (!counterName && before < 0 && delta > 0) o.givenFirst = -before;
    const total = counterName ? (own(o.counters, counterName) ?? 0) : o.exist + o.refs;
    const floor = counterName ? 0 : -(o.paidByState ?? 0) - (o.givenFirst ?? 0);
    if ((o.gained?.includes(counterName ?? '') || c.ofNull) && total < floor && o.overLine === undefined) {
      o.overLine = c.line;
      o.over = { counter: counterName, total };
    }
    s = putObj(s, key, o);
    const op: Step['op'] =
      c.exist !== undefined || c.refs !== undefined
        ? delta > 0
          ? (c.exist ?? 0) > 0
            ? 'create'
            : 'acquire'
          : delta < 0
            ? (c.exist ?? 0) < 0
              ? 'destroy'
              : 'release'
            : 'lookup'
        : c.op;
    if (delta === 0 && op === 'lookup') return s;
    return addStep(s, {
      line: c.line,
      column: c.column,
      call: c.call,
      object: o.display,
      kind: o.kind,
      delta,
      op,
      note: c.label,
      after: total,
      source: c.source,
      inferred: c.inferred || undefined,
      counter: counterName,
    });
  }

  /** A write to a path: out-parameters become set; what it held before is lost. */
  noteWrite(st: State, key: string, p: AccessPath, line: number): State {
    let s = this.loseOverwritten(this.keepCopiedOldValue(st, key, line), key, line);
    s = killPath(s, key);
    s = setFactKeep(s, key, { ne: ['0'] });
    if (rootClass(p.root, this.decls) === 'param' && throughPointer(p) && !s.written.has(key)) {
      const written = new Set(s.written);
      written.add(key);
      s = with_(s, { written });
    }
    return s;
  }

  /**
   * `h->dev = dev; ... h->dev = NULL`: the references this path stored at `key` are not kept there
   * any more, so they are this path's own again (to release, or to leak).
   */
  takeBackStored(st: State, key: string): State {
    let objects: Map<string, ObjState> | undefined;
    for (const [k, o] of st.objects) {
      // a place overwritten before its structure was linked keeps nothing when it is (ObjState.keptBy)
      if (o.keptBy === key) {
        objects ??= new Map(st.objects);
        objects.set(k, { ...o, keptBy: undefined });
      }
      if (o.storedIn !== key || o.transferred <= 0) continue;
      objects ??= new Map(st.objects);
      objects.set(k, { ...(objects.get(k) ?? o), transferred: 0, storedIn: undefined, countersHandedOn: undefined });
    }
    return objects ? with_(st, { objects }) : st;
  }

  /**
   * A local given another value (`h = alloc()` on a walk's next trip): the places its old value reached are not
   * the ones `h->...` names from here on. What the path stored or kept for them (`h->ifp = ifp; ref(ifp)`) stays
   * with the old structure, under the overwritten name, so a store through the new value takes nothing back.
   */
  placesOfOldValue(st: State, key: string, line: number): State {
    const inside = `${key}/`;
    const old = (k: string | undefined) =>
      k?.startsWith(inside) ? overwrittenKey(key, line) + k.slice(key.length) : undefined;
    let objects: Map<string, ObjState> | undefined;
    for (const [k, o] of st.objects) {
      const storedIn = old(o.storedIn);
      const keptBy = old(o.keptBy);
      if (storedIn === undefined && keptBy === undefined) continue;
      objects ??= new Map(st.objects);
      objects.set(k, { ...o, storedIn: storedIn ?? o.storedIn, keptBy: keptBy ?? o.keptBy });
    }
    return objects ? with_(st, { objects }) : st;
  }

  /** Overwriting a local that holds references loses them: keep the object under another name. */
  loseOverwritten(st: State, key: string, line: number): State {
    let objects: Map<string, ObjState> | undefined;
    // the variable and what its old value embeds (`s->refcount` after `kref_get(&s->refcount)`)
    for (const [ok, o] of st.objects) {
      if (!under(ok, key)) continue;
      objects ??= new Map(st.objects);
      objects.delete(ok);
      const p = parseKey(ok);
      const pending = o.refs - o.transferred;
      const owned =
        rootClass(p.root, this.decls) === 'local' && (!throughPointer(p) || (ok !== key && embeddedInPointee(p)));
      // keep what a check still needs: references lost with a local, or a count already driven below zero;
      // and what this path did to an object others can see (`dev_rel(sc->sc_dev); sc->sc_dev = NULL`
      // releases the device: callers must see it)
      if ((pending > 0 && owned) || o.overLine !== undefined || (hasDelta(o) && !owned)) {
        // the mark goes where the value was replaced (`r~27/*\/.refcount` after `r = NULL`), as keepCopiedOldValue
        // puts it: what the old value embeds is no member of the new one, and a parameter's is its object on entry
        objects.set(overwrittenKey(key, line) + ok.slice(key.length), {
          ...o,
          display: overwrittenDisplay(o.display, line),
        });
      }
    }
    return objects ? with_(st, { objects }) : st;
  }

  /**
   * `old = o->dev; o->dev = new; dev_put(old)`: a local that copied the field names the old
   * object, not the field. Before the store it moves, with the object's state and what is known
   * of it, to the field's overwritten name, so the new object and the release of the old one are
   * not counted on one key. Summaries read the overwritten name as the field's value on entry.
   * `evenUncopied`: move the old object even when no local copied it (the call that stores hands
   * it back, `old = rcu_replace_pointer(p, new, c)`).
   */
  keepCopiedOldValue(st: State, key: string, line: number, evenUncopied = false): State {
    const old = overwrittenKey(key, line);
    const moved = (k: string) => old + k.slice(key.length);
    let aliases: Map<string, string> | undefined;
    for (const [v, target] of st.aliases)
      if (under(target, key)) {
        aliases ??= new Map(st.aliases);
        aliases.set(v, moved(target));
      }
    if (!aliases && !evenUncopied) return st;
    let objects: Map<string, ObjState> | undefined;
    for (const [k, o] of st.objects) {
      if (!under(k, key)) continue;
      objects ??= new Map(st.objects);
      objects.delete(k);
      objects.set(moved(k), { ...o, display: this.ctx.displayKey(moved(k)) });
    }
    let facts: Map<string, Fact> | undefined;
    for (const [k, f] of st.facts)
      if (under(k, key)) {
        facts ??= new Map(st.facts);
        facts.delete(k);
        facts.set(moved(k), f);
      }
    return with_(st, { aliases: aliases ?? st.aliases, objects: objects ?? st.objects, facts: facts ?? st.facts });
  }

  /** The object kept under `from` (an overwritten name) is the one at `to` again: objects, facts and aliases move. */
  restoreOldValue(st: State, from: string, to: string): State {
    const moved = (k: string) => to + k.slice(from.length);
    const objects = objectsMoved(st.objects, from, to, (k) => this.ctx.displayKey(k));
    const facts = new Map(st.facts);
    for (const [k, f] of st.facts)
      if (under(k, from)) {
        facts.delete(k);
        facts.set(moved(k), f);
      }
    const aliases = new Map(st.aliases);
    for (const [v, target] of st.aliases) if (under(target, from)) aliases.set(v, moved(target));
    return with_(st, { objects, facts, aliases });
  }

  /**
   * `free(cr)`: what this path did to the objects `cr`'s members point to went with `cr`'s
   * destruction. A destructor releases them only when the last reference goes
   * (release-when-last), so the inconsistent check does not compare them with the paths that
   * keep the object; they stay in the deltas and in the summary (flagged), where callers keep
   * the flag.
   */
  containerFreed(st: State, pointee: string, line: number): State {
    let objects: Map<string, ObjState> | undefined;
    for (const [k, o] of st.objects) {
      // references this path stored in the freed memory and did not take back are lost with it
      // (`claim->gw = gw; ... kfree(claim)`), unless released through where they were stored
      if (
        o.storedIn !== undefined &&
        under(o.storedIn, pointee) &&
        o.transferred > 0 &&
        !this.releasedThrough(st, o.storedIn)
      ) {
        objects ??= new Map(st.objects);
        objects.set(k, {
          ...o,
          transferred: 0,
          storedIn: undefined,
          lost: { line, where: this.ctx.displayKey(o.storedIn) },
        });
        continue;
      }
      if (k === pointee || !under(k, pointee) || o.withContainer || o.embedded) continue;
      objects ??= new Map(st.objects);
      objects.set(k, { ...o, withContainer: true });
    }
    return objects ? with_(st, { objects }) : st;
  }

  /**
   * The object at `location`, or one reached through it, was released on this path
   * (`netdev_put(ds->netdev)`, `gw_put(claim->gw)`).
   */
  private releasedThrough(st: State, location: string): boolean {
    for (const [k, o] of st.objects) if (under(k, location) && o.exist + o.refs < 0) return true;
    return false;
  }

  /**
   * A model row's `keep` (`p2m_set_entry(p2m, gfn, mfn, ...)` writes `mfn` into a table out of sight): what
   * the caller holds on the object the value names, or is a handle of, goes where the call keeps it.
   */
  private keptByCall(st: State, key: string, line: number, call: string): State {
    const how = { line, call, op: 'store' as const, note: `kept by ${call}()` };
    let s = this.handOnThroughHandle(st, factOf(st, key), how);
    for (const [ok, o] of s.objects)
      if (under(ok, key) && (o.refs - o.transferred > 0 || heldCounter(o))) s = this.handOnObject(s, ok, o, how);
    return s;
  }

  /** Its references (and a separate counter's hold) go with the object: passed to a callee or stored. */
  handOnObject(
    st: State,
    key: string,
    o: ObjState,
    how: { line: number; call: string; op: 'transfer' | 'store' | 'return'; note: string; supposed?: boolean },
    storedIn?: string,
  ): State {
    const s = putObj(st, key, {
      ...o,
      transferred: o.refs,
      countersHandedOn: o.countersHandedOn || heldCounter(o) || undefined,
      storedIn,
    });
    return addStep(s, { ...how, object: o.display, kind: o.kind, delta: 0, after: o.exist + o.refs });
  }

  /**
   * A handle of an object (`vp->ptr = map_domain_page_global(pg)`, `*virt = mapping`, `return mfn`) goes
   * where the pointer would have gone: the references held on the object it was made from go with it.
   * A handle known to be NULL keeps nothing.
   */
  handOnThroughHandle(
    st: State,
    handle: Fact | undefined,
    how: { line: number; call: string; op: 'store' | 'return'; note: string },
    storedIn?: string,
  ): State {
    if (handle?.handleOf === undefined || (handle.eq !== undefined && isZeroConst(handle.eq))) return st;
    let s = st;
    for (const [ok, o] of st.objects) {
      if (!under(ok, handle.handleOf)) continue;
      if (o.refs - o.transferred > 0 || (o.obtained && !o.transferred) || heldCounter(o))
        s = this.handOnObject(s, ok, o, how, storedIn);
    }
    return s;
  }

  /**
   * `found`: the object whose handle (or a key read from one) is all the call is given: where the callee
   * returns a reference it took, it found that object again (`p = sprlock(ident.p_pid)` after `ident =
   * proc_ident(p); sprunlock(p)`), and what it does to its result it does to that object.
   */
  applySummary(name: string, summary: Summary, vals: Val[], e: Syn, st: State, temp: string, found?: Val): Out[] {
    const results: Out[] = [];
    // a callee cut by its budget says only what it proved on the paths it explored, of what it is
    // given; one that explored none to its end says nothing: a function the analysis cannot see
    if (summary.truncated) {
      st = this.unsureOf(st, vals, { callee: name, why: 'cut' });
      if (!summary.paths.length)
        return [{ st: this.handOn(name, vals, e.line, st), v: { k: 'path', p: { root: temp, segs: [] } } }];
    }
    const tempVal: Val = { k: 'path', p: { root: temp, segs: [] } };
    const opaque = opaqueSummary(summary);
    if (summary.escapes?.length) {
      // what its body stores links a structure; what the policy supposes an unknown callee keeps does not
      const given = summary.escapes.filter((i) => !!vals[i]);
      st = this.handOn(
        name,
        given.map((i) => vals[i]),
        e.line,
        st,
        given.map((i) => !summary.supposed?.includes(i)),
      );
    }
    // the handle of a value the path knows to be NULL names nothing the callee could find
    const nothing = found !== undefined && this.ctx.isNullVal(found, st) === true;
    const taken: { sp: SummaryPath; states: State[] }[] = [];
    for (const sp of summary.paths) {
      if (nothing && sp.retArg === undefined && sp.effects.some(takesRet)) continue;
      let states = [st];
      for (const c of sp.conds) {
        // a parameter compared with a named constant (a switch's case label) is decided by the argument's constant
        const atom: Atom =
          c.test === 'has' || c.test === 'lacks'
            ? { kind: 'flag', target: c.target, flag: c.value, negated: c.test === 'lacks' }
            : isZeroConst(c.value)
              ? { kind: 'null', target: c.target, isNull: c.test === 'eq' }
              : { kind: 'const', target: c.target, name: c.value, equal: c.test === 'eq' };
        // only an argument's constant spelt the same way (both numbers, or the same name) tells an arm apart
        if (atom.kind === 'const' && !sameSpelling(c.target, c.value, vals)) continue;
        states = this.splitOnAtom(states, atom, vals, temp, []);
        if (!states.length) break;
      }
      if (states.length) taken.push({ sp, states });
    }
    const placed = this.releasedThroughPlaces(
      st,
      taken.map((t) => t.sp),
      vals,
      temp,
    );
    for (const { sp, states } of taken) {
      // a path that returns its argument returns the caller's object itself: what it does to `ret` it does to that
      const retArg = sp.retArg ?? (found && sp.effects.some(takesRet) ? vals.length : undefined);
      const args = retArg === vals.length && found ? [...vals, found] : vals;
      const same =
        retArg !== undefined && args[retArg]?.k === 'path' ? (args[retArg] as Val & { k: 'path' }) : undefined;
      for (let s of states) {
        s = setFactKeep(s, temp, retClassFact(sp.ret));
        if (same && sp.ret === 'non-NULL')
          s = setFactKeep(s, keyOf(same.p), { ...(s.facts.get(keyOf(same.p)) ?? {}), eq: undefined, ne: ['0'] });
        if (opaque)
          s = this.addOpaqueCond(
            s,
            calleePathKey(name, e.start),
            String(summary.paths.indexOf(sp)),
            `${name}() ends on its path #${summary.paths.indexOf(sp)}`,
          );
        const apply = (ef: SummaryPath['effects'][number]) => {
          const target =
            same && ef.target.base === 'ret' ? { ...ef.target, base: 'arg' as const, index: retArg! } : ef.target;
          const p = this.ctx.targetPath(target, args, temp);
          if (!p) return;
          if (ef.exist === 0 && ef.refs === 0 && !ef.counters) return;
          // `setup(tcb, tcb->pkt)` storing its argument in `arg0->pkt`: the caller's key is that place
          const storedAt = ef.stored && sp.writes.some((w) => this.placeIs(w, vals, temp, keyOf(p)));
          // ... unless that place is in a structure on the caller's own stack (`fill(&fattr)` setting
          // `fattr->acl = get_acl()`): what the caller's own structure holds, the caller gives back
          const own = storedAt && rootClass(p.root, this.decls) === 'local' && !!p.segs[0]?.startsWith('.');
          s = this.change(s, keyOf(p), p, {
            op: 'acquire',
            count: 0,
            kind: ef.kind,
            line: e.line,
            column: e.col,
            call: name,
            label: ef.labels.length ? ef.labels.join(', ') : undefined,
            exist: ef.exist,
            refs: ef.refs,
            counters: ef.counters,
            stored: (ef.stored && !own) || this.storedInPointee(target, sp.writes, vals),
            storedAt: storedAt && !own ? keyOf(p) : undefined,
            kept: ef.kept,
            inferred: ef.inferred,
            withContainer: ef.withContainer,
            parked: ef.parked,
            byFlag: ef.byFlag,
            byHand: ef.byHand,
          });
          if (target.base === 'ret' && target.segs.length && ef.refs > 0 && !ef.stored) s = keptByMember(s, keyOf(p));
        };
        // a summary keeps no order, so take the usual one: a callee releases what a field of its
        // argument held, then clears or replaces it (`vrele(ndp->ni_vp); ndp->ni_vp = NULL`), and
        // what it acquires it stores
        // (a lock given back is a release too: `dom_unlock(b->dom); b->dom = NULL`)
        const releases = (ef: SummaryPath['effects'][number]) =>
          ef.exist + ef.refs < 0 || (ef.exist + ef.refs === 0 && Object.values(ef.counters ?? {}).some((c) => c < 0));
        sp.effects.filter(releases).forEach(apply);
        for (const w of sp.writes) {
          const p = this.ctx.targetPath(w, vals, temp);
          if (p) s = this.noteWrite(s, keyOf(p), p, e.line);
        }
        for (const { target, eq, ne } of sp.sentinels ?? []) {
          const p = this.ctx.targetPath(target, vals, temp);
          if (p) s = setFactKeep(s, keyOf(p), eq !== undefined ? { eq } : { ne: ['0', ...ne!] });
        }
        sp.effects.filter((ef) => !releases(ef)).forEach(apply);
        for (const k of placed.get(sp) ?? []) s = this.handedToCloser(s, k, name, e.line);
        results.push({ st: s, v: same ? { ...same, argument: true } : tempVal });
      }
    }
    return dedupeOuts(results, this.ctx.keys);
  }

  /**
   * A callee given a structure whose place holds a reference the path kept or stored there (`ch->nexus = nx;
   * hold(nx)`, then `close(ch)`), and that releases what the place holds on some of its paths the caller can
   * take (`close()` drops `arg0->nexus` when a flag of `ch`'s own says it is attached): the callee tears the
   * structure down, so on its other paths the reference is its own to give back as well. Per summary path, the
   * objects whose reference that path leaves with the callee (those another path releases through the place).
   */
  private releasedThroughPlaces(
    st: State,
    paths: readonly SummaryPath[],
    vals: Val[],
    temp: string,
  ): Map<SummaryPath, string[]> {
    const out = new Map<SummaryPath, string[]>();
    const releasedBy = new Map<SummaryPath, Set<string>>();
    const all = new Set<string>();
    for (const sp of paths) {
      const here = new Set<string>();
      for (const ef of sp.effects) {
        if (ef.target.base !== 'arg' || ef.exist + ef.refs >= 0 || !ef.target.segs.length) continue;
        const p = this.ctx.targetPath(ef.target, vals, temp);
        const k = p && keptFor(st, keyOf(p));
        if (k) here.add(k.key);
      }
      releasedBy.set(sp, here);
      for (const k of here) all.add(k);
    }
    if (!all.size) return out;
    for (const sp of paths) {
      const left = [...all].filter((k) => !releasedBy.get(sp)!.has(k));
      if (left.length) out.set(sp, left);
    }
    return out;
  }

  /** What the path kept or stored for a place of a structure it gave `callee`, which tears it down, goes with it. */
  private handedToCloser(st: State, key: string, callee: string, line: number): State {
    const o = st.objects.get(key);
    if (!o || o.refs <= 0 || (o.transferred >= o.refs && o.keptBy === undefined)) return st;
    return this.handOnObject(
      st,
      key,
      { ...o, keptBy: undefined },
      { line, call: callee, op: 'transfer', note: `handed to ${callee}()` },
      o.storedIn,
    );
  }

  /**
   * The places the object was linked into before this reference (Fact.links, on the object or on the
   * structure that embeds its count) keep one reference each of the `delta` taken: `o` (edited in place)
   * counts them as handed on and as `linked`.
   */
  private takenForLinks(st: State, key: string, p: AccessPath, o: ObjState, delta: number): State {
    const of = st.facts.get(key)?.links?.length ? key : embeddingOf(o, p);
    const links = of === undefined ? undefined : st.facts.get(of)?.links;
    if (of === undefined || !links?.length) return st;
    const n = Math.min(delta, links.length);
    o.transferred = Math.min(o.refs, o.transferred + n);
    o.linked = (o.linked ?? 0) + n;
    o.storedIn ??= links[0];
    const left = links.slice(n);
    return setFactKeep(st, of, { ...(st.facts.get(of) ?? {}), links: left.length ? left : undefined });
  }

  /**
   * A list insert (a macro that stores `elem` through `head`: `INSERT_TAIL(&head, elem, link)`) links the
   * object into what `head` reaches. Where that is a global's or a parameter's (or a list a local walked to
   * reaches, or a structure of the function's own already handed out there), the place keeps one of the
   * references the path takes on the object next (Fact.links), unless the path holds one now (it goes with
   * the store as it does for any store); a structure of the function's own linked so carries what was kept
   * for places in it (`linked`). A new object the call returns (`made`) is made to be handed out: it is reached.
   */
  linkInto(st: State, elem: Val, head: Val, line: number, call: string, made = false): State {
    if (elem.k !== 'path' || head.k !== 'path' || elem.p.segs.includes('&')) return st;
    const at =
      head.p.segs[head.p.segs.length - 1] === '&' ? { ...head.p, segs: head.p.segs.slice(0, -1) } : extend(head.p, '*');
    if (at.segs.includes('&')) return st;
    const place = keyOf(at);
    const cls = rootClass(at.root, this.decls);
    const reached =
      made ||
      cls === 'global' ||
      cls === 'param' ||
      (cls === 'local' && (this.ctx.input.fromStructure?.has(at.root) || this.published(st, place)));
    if (!reached) return st;
    const key = keyOf(elem.p);
    let s = st;
    const held = [...s.objects].some(([k, o]) => under(k, key) && o.refs - o.transferred > 0);
    if (!held) {
      const f = s.facts.get(key);
      s = setFactKeep(s, key, { ...(f ?? {}), links: [...(f?.links ?? []), place] });
    }
    if (!elem.p.segs.length && rootClass(elem.p.root, this.decls) === 'local')
      s = this.linked(s, elem.p.root, { line, call, op: 'store' });
    return s;
  }

  /**
   * A list unlink (a macro that takes `elem` off the list `head` reaches: `TQ_REMOVE(&head, elem, link)`), from a
   * list a global or a parameter reaches (or one a local walked to): the reference that list held is the path's from
   * here on, and the release beyond what the path obtained that gives it back ("remove list reference") is paid by
   * it (ObjState.paidByState), on each count of the object the path holds.
   */
  unlinkFrom(st: State, elem: Val, head: Val): State {
    if (elem.k !== 'path' || head.k !== 'path' || elem.p.segs.includes('&')) return st;
    const at =
      head.p.segs[head.p.segs.length - 1] === '&' ? { ...head.p, segs: head.p.segs.slice(0, -1) } : extend(head.p, '*');
    if (at.segs.includes('&')) return st;
    const cls = rootClass(at.root, this.decls);
    if (cls !== 'global' && cls !== 'param' && !(cls === 'local' && this.ctx.input.fromStructure?.has(at.root)))
      return st;
    const key = keyOf(elem.p);
    let s = st;
    for (const [k, o] of st.objects)
      if (under(k, key) && o.refs - o.transferred > 0)
        s = putObj(s, k, { ...o, paidByState: (o.paidByState ?? 0) + 1 });
    return s;
  }

  /**
   * The structure at `root`, a local's, goes where a parameter or a global reaches (`ent->first = act`), or
   * is returned: the references kept for places in it (ObjState.keptBy) are those places' from here on.
   */
  linked(st: State, root: string, how: { line: number; call: string; op: 'store' | 'return' }): State {
    let s = st;
    for (const [k, o] of st.objects) {
      if (o.keptBy === undefined || !under(o.keptBy, root)) continue;
      const note = `kept by ${this.ctx.displayKey(o.keptBy)}`;
      s = this.handOnObject(s, k, { ...o, keptBy: undefined }, { ...how, note }, o.keptBy);
    }
    return s;
  }

  /**
   * A place in a structure the function made itself (`cookie->ifp`) holds a reference only once the path
   * has stored that structure where a parameter reaches (`*out_cookie = cookie`) before taking it; a
   * parameter's place always.
   */
  private published(s: State, place: string): boolean {
    const root = parseKey(place).root;
    if (rootClass(root, this.decls) !== 'local' || s.facts.get(place)?.published) return true;
    const out = storedPlaceOf(s, root);
    if (out !== undefined && rootClass(parseKey(out).root, this.decls) === 'param') return true;
    // a parameter's companion structure (`unp = sotounpcb(so)`): the caller reaches it through the parameter
    const of = this.ctx.input.companions?.get(root);
    return of !== undefined && rootClass(of, this.decls) === 'param';
  }

  /** Whether the callee's written target `w` names the caller's `key`. */
  private placeIs(w: Target, vals: Val[], temp: string, key: string): boolean {
    const p = this.ctx.targetPath(w, vals, temp);
    return !!p && keyOf(p) === key;
  }

  /** What lies under the values a callee is given is not all known after the call. */
  private unsureOf(st: State, vals: Val[], doubt: Doubt): State {
    let objects: Map<string, ObjState> | undefined;
    for (const v of vals) {
      if (v.k !== 'path') continue;
      const at =
        v.p.segs[v.p.segs.length - 1] === '&' ? keyOf({ root: v.p.root, segs: v.p.segs.slice(0, -1) }) : keyOf(v.p);
      for (const [k, o] of st.objects)
        if (under(k, at) && !o.doubt) {
          objects ??= new Map(st.objects);
          objects.set(k, { ...o, doubt });
        }
    }
    return objects ? with_(st, { objects }) : st;
  }

  /**
   * The callee put the reference in a field of a struct the caller reaches through a local pointer
   * (`wait->fence = dma_fence_get(f)` called as `f(syncobj, wait_cur)`): the struct holds it now.
   */
  private storedInPointee(target: Target, writes: Target[], vals: Val[]): boolean {
    if (target.base !== 'arg' || target.segs[0] !== '*' || !target.segs.some((x) => x.startsWith('.'))) return false;
    if (!writes.some((w) => w.base === 'arg' && w.index === target.index && sameSegs(w.segs, target.segs)))
      return false;
    const v = vals[target.index];
    if (v?.k !== 'path' || v.p.segs.length) return false;
    return rootClass(v.p.root, this.decls) === 'local';
  }

  addOpaqueCond(st: State, key: string, value: string, text: string): State {
    if (st.paramConds.some((p) => p.key === key && p.value === value)) return st;
    return with_(st, { paramConds: [...st.paramConds, { key, test: 'eq', value, text }] });
  }

  noteParamCond(st: State, p: AccessPath, key: string, test: Test, truth: boolean, text: string): State {
    if (rootClass(p.root, this.decls) !== 'param' || st.written.has(key) || reboundParam(st, key)) return st;
    if (p.segs.includes('[]')) return st;
    let pc: ParamCond | undefined;
    if (test.op === 'eq' || test.op === 'ne') {
      const holdsEq = (test.op === 'eq') === truth;
      pc = { key, test: holdsEq ? 'eq' : 'ne', value: test.c, text };
    } else if (test.op === 'has' || test.op === 'lacks') {
      const has = (test.op === 'has') === truth;
      pc = { key, test: has ? 'has' : 'lacks', value: test.flag, text };
    }
    if (!pc) return st;
    if (st.paramConds.some((x) => x.key === pc!.key && x.test === pc!.test && x.value === pc!.value)) return st;
    return with_(st, { paramConds: [...st.paramConds, pc] });
  }
}

/**
 * Where the path stored the object at `key` before this reference (Fact.storedAt, paired by the place's
 * storedOf), and the key that fact is on: the object's own, or for a count kept inside a structure
 * (`n->links++` after `nm->node = n`) the structure's.
 */
function storedPlace(
  st: State,
  key: string,
  p: AccessPath,
  o: ObjState,
  companionsOf?: ReadonlyMap<string, string>,
): { place: string; of: string } | undefined {
  const own = storedPlaceOf(st, key);
  if (own !== undefined) return { place: own, of: key };
  const inside = embeddingOf(o, p);
  const place = inside === undefined ? undefined : storedPlaceOf(st, inside);
  if (place !== undefined) return { place, of: inside! };
  // the object's companion structure stored in a peer's field (`unp2 = sotounpcb(so2); unp->unp_conn = unp2;
  // so2->so_usecount++`): what links the companion links the object, and the count raised is the link's
  const base = parseKey(inside ?? key);
  if (base.segs.length || !companionsOf) return undefined;
  for (const [local, of] of companionsOf) {
    const at = of === base.root ? storedPlaceOf(st, local) : undefined;
    if (at !== undefined) return { place: at, of: local };
  }
  return undefined;
}

/** Kinds of the preset's generic count primitives (`kref_get()`, `refcount_inc()`): no object's own kind. */
const GENERIC_COUNTS: ReadonlySet<string> = new Set(['kref', 'refcount_t']);

/**
 * One object under two names: a release of a structure (`obj_put(n)`) where the path holds its reference on
 * the count inside it (`kref_get(&n->refcount)`), or of that count (`kref_put(&n->refcount, ...)`) where the
 * path holds it on the structure (`n = obj_get(...)`). The API's own release and the primitive it is built on
 * name the same reference: the name the path holds it under. Undefined when the released name holds
 * something itself, or neither does.
 */
function countTwin(st: State, key: string, p: AccessPath, embedded: boolean): string | undefined {
  // only the generic primitives' counts: a count a model names a kind of its own for (xnu's `p->p_waitref`
  // beside the proc's main count) is a separate counter, not the structure's reference
  const held = (k: string) => {
    const o = st.objects.get(k);
    return !!o && o.refs - o.transferred > 0;
  };
  if (held(key)) return undefined;
  // the count given by its address (`&n->refcount`), never a pointer member (`obj_put(n->parent)`)
  const around = embedded ? embeddingObject(p) : undefined;
  if (around !== undefined && held(around)) return around;
  for (const [k, o] of st.objects) {
    if (!held(k) || !GENERIC_COUNTS.has(o.kind)) continue;
    if (embeddingObject(parseKey(k)) === key) return k;
  }
  return undefined;
}

/**
 * The structure a count lives in (`n->links` is `n`'s count; a kref or count field inside its structure), where
 * a store of that structure is what pairs with the count's reference; undefined for an object of its own.
 */
function embeddingOf(o: ObjState, p: AccessPath): string | undefined {
  return o.embedded || o.kind === 'count field' || o.kind === 'kref' ? embeddingObject(p) : undefined;
}

/**
 * How the change moves the count, by its sign: up for an acquire or a creation (or a callee's summary that
 * leaves more), down for a release or a destruction (or one that leaves less).
 */
function netChange(c: { op: Effect['op']; count: number; exist?: number; refs?: number }): number {
  if (c.exist !== undefined || c.refs !== undefined) return (c.exist ?? 0) + (c.refs ?? 0);
  if (c.op === 'acquire' || c.op === 'create') return c.count;
  return c.op === 'release' || c.op === 'destroy' ? -c.count : 0;
}

const NUMERIC = /^-?(0x[0-9a-f]+|\d+)$/i;

/** The argument `target` names is a constant written as `value` is: both numbers, or the same name. */
function sameSpelling(target: Target, value: string, vals: readonly Val[]): boolean {
  if (target.base !== 'arg' || target.segs.length) return false;
  const arg = vals[target.index];
  return arg?.k === 'const' && (arg.c === value || (NUMERIC.test(arg.c) && NUMERIC.test(value)));
}

/**
 * A reference a callee took for a member of the structure it returns (`*nctx = *ctx; cred_ref(nctx->cred);
 * return nctx`) is that member's (ObjState.keptBy): a callee given the structure that releases through the
 * member on some of its paths closes it, and keeps it on its others (`releasedThroughPlaces`: the close tests
 * the member's own value, `if (IS_VALID(ctx->cred)) cred_unref(...)`); returned or linked, it goes with the
 * structure; a structure left holding it still leaks it.
 */
function keptByMember(st: State, key: string): State {
  const o = st.objects.get(key);
  if (!o || o.keptBy !== undefined || o.storedIn !== undefined || o.refs - o.transferred <= 0) return st;
  return putObj(st, key, { ...o, keptBy: key });
}

/**
 * The object whose reference the path keeps for the place at `key`, or stored there (`m->unit = u; hold(u)`,
 * ObjState.keptBy or storedIn; a store to the place ends it, `takeBackStored`): a release through the place
 * (`drop(m->unit)`, or a callee given `m` that drops `arg0->unit`) is that object's. For a count inside the
 * stored structure (`m->unit->refcnt`, the object `u->refcnt`), the rest of the key past the place is the
 * count's member in the structure.
 */
function keptFor(st: State, key: string): { key: string; by: 'keptBy' | 'storedIn' } | undefined {
  for (const [k, o] of st.objects) {
    if (o.refs <= 0) continue;
    const by = o.keptBy !== undefined && under(key, o.keptBy) ? 'keptBy' : storedThere(o, key) ? 'storedIn' : undefined;
    if (by === undefined) continue;
    const rest = key.slice((by === 'keptBy' ? o.keptBy : o.storedIn)!.length);
    const inside = embeddingOf(o, parseKey(k));
    if (rest === (inside === undefined ? '' : k.slice(inside.length))) return { key: k, by };
  }
  return undefined;
}

function storedThere(o: ObjState, key: string): boolean {
  return o.storedIn !== undefined && o.transferred > 0 && under(key, o.storedIn);
}

/**
 * A member of a structure the path copied whole into another before it took this reference (`*nctx = *old;
 * cred_hold(old->cred)`): the copy's member holds the same pointer, and the reference taken after the copy
 * is the copy's (the old structure had the one it holds): the key of that member of the copy, or undefined.
 * The pairing is the one a store makes (Fact.storedAt/storedOf), of the copied structure (`old/*`).
 */
function copiedMember(st: State, key: string): string | undefined {
  const p = parseKey(key);
  for (let n = p.segs.length - 1; n >= 1; n--) {
    if (p.segs[n - 1] !== '*' || !p.segs[n].startsWith('.')) continue;
    const whole = keyOf({ root: p.root, segs: p.segs.slice(0, n) });
    const copy = storedPlaceOf(st, whole);
    if (copy?.endsWith('/*')) return `${copy}/${p.segs.slice(n).join('/')}`;
  }
  return undefined;
}

/** The counts a path raised, with one more (`''`: the object's own). */
function withGained(gained: readonly string[] | undefined, count: string): readonly string[] {
  return gained?.includes(count) ? gained : [...(gained ?? []), count];
}

/** Whether a summary's paths differ in their effects: the caller then keeps which path each outcome took. */
const opaqueness = new WeakMap<Summary, boolean>();
function opaqueSummary(summary: Summary): boolean {
  let o = opaqueness.get(summary);
  if (o === undefined) {
    o = summary.paths.length > 1 && new Set(summary.paths.map((p) => JSON.stringify(p.effects))).size > 1;
    opaqueness.set(summary, o);
  }
  return o;
}

function sameSegs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function dedupeOuts(outs: Out[], keys: StateKeys): Out[] {
  // one outcome is its own: its key, most of a call's cost in a large state, would be thrown away
  if (outs.length < 2) return outs;
  const m = new Map<string, Out>();
  for (const o of outs) {
    const k = `${o.v.k === 'path' ? keyOf(o.v.p) : ''}\n${keys.key(o.st)}`;
    const p = m.get(k);
    m.set(k, p ? { st: mergeInto(p.st, o.st), v: p.v } : o);
  }
  return [...m.values()];
}

/**
 * The outcomes of a call whose status its caller throws away that the caller can stand behind: those on
 * which every conditional acquire of the row takes its reference. Code that never tests the result of
 * `vnode_getwithref(vp)` treats it as unable to fail, so the failure the row's `when` allows is no path of
 * the text (its release would read as an over-release of what nothing took). Undefined when the row
 * acquires nothing on its result, or no outcome is left.
 */
function acquiredOn(effects: Effect[], outcomes: Test[]): Test[] | undefined {
  const taking = effects.filter((ef) => (ef.op === 'acquire' || ef.op === 'create') && ef.when.some(isRet));
  if (!taking.length) return undefined;
  const kept = outcomes.filter((t) => {
    const f = factFor(t, undefined, true);
    return taking.every((ef) => ef.when.every((a) => !isRet(a) || decide(f, atomTest(a)) !== false));
  });
  return kept.length ? kept : undefined;
}

function isRet(a: Atom): a is Atom & { kind: 'ret' } {
  return a.kind === 'ret';
}

/**
 * The structure whose member's address `member` is (`&w->link`: the key of `w->link`), as the key of what
 * that structure holds (the pointee of `w`): a member of a structure reached through a pointer, never a local
 * structure's (`&req.link`: the caller's own stack) nor a member of a member.
 */
function linkedStructure(member: AccessPath): string | undefined {
  const n = member.segs.length;
  if (n < 2 || member.segs[n - 2] !== '*' || !member.segs[n - 1].startsWith('.')) return undefined;
  return keyOf({ root: member.root, segs: member.segs.slice(0, -1) });
}

/** `&s->a.b`: the pointer to the structure whose member the address is (`s`); undefined for anything else. */
function structureAround(p: AccessPath): AccessPath | undefined {
  const segs = p.segs;
  if (segs[segs.length - 1] !== '&') return undefined;
  let n = segs.length - 1;
  while (n > 0 && segs[n - 1].startsWith('.')) n--;
  if (n === segs.length - 1 || n === 0 || segs[n - 1] !== '*') return undefined;
  return { root: p.root, segs: segs.slice(0, n - 1) };
}

/** A summary's effect that takes a reference on what the callee returns. */
function takesRet(ef: SummaryPath['effects'][number]): boolean {
  return ef.target.base === 'ret' && ef.exist + ef.refs > 0;
}

/**
 * A callee's test of what it is given (`if (p->p_textvp)` in a teardown): a place the path counted a
 * reference on under that very name, and has not given another value since (`vnode_ref(child->p_textvp)` in
 * the constructor's summary, stored there or not), names an object, so it is not NULL there.
 */
function heldNotNull(st: State, key: string): Fact | undefined {
  const o = st.objects.get(key);
  const counted = o && (o.exist + o.refs > 0 || Object.values(o.counters ?? {}).some((v) => v > 0));
  return counted ? { ne: ['0'] } : undefined;
}

/** The path took a reference on the object at `key`: one it holds, or one it stored there (a callee filled it). */
function holdsAt(st: State, key: string): boolean {
  const o = st.objects.get(key);
  return !!o && o.refs > 0;
}
