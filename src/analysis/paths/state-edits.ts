/**
 * Small edits of an immutable path state (each returns a new state, or the same one when
 * nothing changes): facts, objects, steps, loop counters.
 */
import type { Step } from '../result';
import { keyOf, parseKey, under } from './access';
import { cons, with_, type Fact, type ObjState, type State } from './state';
import { callKeyWrittenBy, isCallKey } from './same-calls';
import { isZeroConst } from './values';

/** The objects with every one under `from` moved under `to` (`from/*` -> `to/*`), each displayed by its new key. */
export function objectsMoved(
  objects: ReadonlyMap<string, ObjState>,
  from: string,
  to: string,
  display: (key: string) => string,
): Map<string, ObjState> {
  const out = new Map(objects);
  for (const [k, o] of objects) {
    if (!under(k, from)) continue;
    const nk = to + k.slice(from.length);
    out.delete(k);
    out.set(nk, { ...o, display: display(nk) });
  }
  return out;
}

/** Where the path stored the value at `key`, while that place still holds it (Fact.storedAt, paired by storedOf). */
export function storedPlaceOf(st: State, key: string): string | undefined {
  const place = st.facts.get(key)?.storedAt;
  return place !== undefined && st.facts.get(place)?.storedOf === key ? place : undefined;
}

/** What is known of `key`: its own fact, or zero when a struct it lies in was zeroed. */
export function factOf(st: State, key: string): Fact | undefined {
  const direct = st.facts.get(key);
  if (direct) return direct;
  // a zeroed struct: every field below it is zero (make_dev_args_init, bzero)
  const p = parseKey(key);
  for (let n = p.segs.length - 1; n >= 0; n--) {
    if (p.segs.slice(n).some((s) => s === '*' || s === '[]')) break;
    const pre = keyOf({ root: p.root, segs: p.segs.slice(0, n) });
    const f = st.facts.get(pre);
    if (f && f.eq !== undefined && isZeroConst(f.eq) && (f as Fact & { zeroed?: boolean }).zeroed) return { eq: '0' };
  }
  return undefined;
}

/** Sets (or clears) the fact of `key`, forgetting what was known below it. */
export function setFact(st: State, key: string, f: Fact | undefined): State {
  const facts = new Map(st.facts);
  for (const k of [...facts.keys()]) if (under(k, key)) facts.delete(k);
  if (f) facts.set(key, f);
  return with_(st, { facts });
}

/** Sets the fact of `key` and keeps what is known below it. */
export function setFactKeep(st: State, key: string, f: Fact): State {
  const facts = new Map(st.facts);
  facts.set(key, f);
  return with_(st, { facts });
}

/** The paths local variables were assigned from (`d2 = chn->remote_dom`), not a call's remembered result. */
export function localCopies(st: State): Set<string> {
  const out = new Set<string>();
  for (const [v, target] of st.aliases) if (!isCallKey(v)) out.add(target);
  return out;
}

/** A write to `key` kills what was known of it and of everything reached through it. */
export function killPath(st: State, key: string, mayWrite = false): State {
  let facts: Map<string, Fact> | undefined;
  // a local copy of what the call may write still holds the value it read (`d2 = chn->remote_dom; f(chn);
  // if (d2 != NULL)`): what is known of that value stays, as the copy keeps naming its object (below)
  const copied = mayWrite ? localCopies(st) : undefined;
  for (const [k, f] of st.facts)
    if (under(k, key) && !copied?.has(k)) {
      facts ??= new Map(st.facts);
      // a place this path stored a value in (Fact.storedOf) is one a callee given the structure only may write:
      // the pairing stays (`h->prov = pv; ctor(h); retain(pv)`), as a store of the path's own would end it
      if (mayWrite && f.storedOf !== undefined) facts.set(k, { storedOf: f.storedOf });
      else facts.delete(k);
    }
  let aliases: Map<string, string> | undefined;
  // a call that only *may* write through a pointer leaves local copies naming what they named:
  // `dev = fp->minor->dev; f(fp); put(dev->dev)` releases the object the get took
  for (const [v, target] of st.aliases) {
    // the same call names another object once its arguments or the place its result was kept change
    const gone = isCallKey(v) ? callKeyWrittenBy(v, target, key) : !mayWrite && under(target, key) && target !== key;
    if (gone) {
      aliases ??= new Map(st.aliases);
      aliases.delete(v);
    }
  }
  // a new value: what was forgotten of the old one no longer matters
  let forgotten: Map<string, number> | undefined;
  if (st.forgotten && !mayWrite)
    for (const k of st.forgotten.keys())
      if (under(k, key)) {
        forgotten ??= new Map(st.forgotten);
        forgotten.delete(k);
      }
  if (!facts && !aliases && !forgotten) return st;
  return with_(st, {
    facts: facts ?? st.facts,
    aliases: aliases ?? st.aliases,
    ...(forgotten ? { forgotten: forgotten.size ? forgotten : undefined } : {}),
  });
}

export function putObj(st: State, key: string, o: ObjState): State {
  const objects = new Map(st.objects);
  objects.set(key, o);
  return with_(st, { objects });
}

export function addStep(st: State, step: Step): State {
  return with_(st, { steps: cons(step, st.steps) });
}

/**
 * Facts about call results (`$c…`) whose object is gone: nothing can ask about them again; nor
 * can the same call name a result that holds nothing (same-calls.ts).
 */
export function dropTemps(st: State): State {
  let facts: Map<string, Fact> | undefined;
  for (const k of st.facts.keys())
    if (k.startsWith('$') && !st.objects.has(k.split('/', 1)[0]) && !namesObjectAsHandle(st, k)) {
      facts ??= new Map(st.facts);
      facts.delete(k);
    }
  let aliases: Map<string, string> | undefined;
  for (const [k, target] of st.aliases) {
    if (!target.startsWith('$') || !isCallKey(k)) continue;
    const root = target.split('/', 1)[0];
    if ([...st.objects.keys()].some((o) => under(o, root)) || namesObjectAsHandle(st, root)) continue;
    aliases ??= new Map(st.aliases);
    aliases.delete(k);
  }
  return facts || aliases ? with_(st, { facts: facts ?? st.facts, aliases: aliases ?? st.aliases }) : st;
}

/**
 * A call's result that is a handle of an object the path counts (`l1e_get_pfn(gl1e)` that a page was found
 * by, the model's `foundBy`): the same call read again names the object through it, so it stays while the
 * object does.
 */
export function namesObjectAsHandle(st: State, key: string): boolean {
  const of = st.facts.get(key)?.handleOf;
  return of !== undefined && [...st.objects.keys()].some((o) => under(o, of));
}

/**
 * A handle taken of a variable's value (`ident = proc_ident(p)`) names that value, not the variable: when
 * the variable is given another (`p = NULL`), the handle names the old value by the name it keeps (`old`),
 * and whether that value was NULL goes with it.
 */
export function handlesKeepOldValue(st: State, key: string, old: string): State {
  let facts: Map<string, Fact> | undefined;
  for (const [k, f] of st.facts) {
    if (f.handleOf === undefined || !under(f.handleOf, key)) continue;
    facts ??= new Map(st.facts);
    facts.set(k, { ...f, handleOf: old + f.handleOf.slice(key.length) });
  }
  const was = st.facts.get(key);
  if (facts && was && (was.eq !== undefined || was.ne !== undefined)) facts.set(old, { eq: was.eq, ne: was.ne });
  return facts ? with_(st, { facts }) : st;
}

/** A separate counter (v_holdcnt, si_threadcount) this path raised and has not handed on yet. */
export function heldCounter(o: ObjState): boolean {
  return !o.countersHandedOn && Object.values(o.counters ?? {}).some((v) => v > 0);
}

/** The state as it was one trip round the loop at `head` earlier (for the "nothing changed" test). */
export function withoutCounter(s: State, head: number): State {
  const c = s.iters.get(head);
  if (c === undefined) return s;
  const iters = new Map(s.iters);
  if (c <= 1) iters.delete(head);
  else iters.set(head, c - 1);
  return with_(s, { iters });
}

/**
 * The structure at `root`, a local's, is stored where a parameter reaches (`*out = r`): the places in it that
 * hold a value stored there are the caller's from here on (Fact.published).
 */
export function publishPlaces(st: State, root: string): State {
  let facts: Map<string, Fact> | undefined;
  for (const [k, f] of st.facts)
    if (k !== root && under(k, root) && f.storedOf !== undefined && !f.published)
      (facts ??= new Map(st.facts)).set(k, { ...f, published: true });
  return facts ? with_(st, { facts }) : st;
}
