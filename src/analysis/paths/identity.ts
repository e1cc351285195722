/**
 * Identity on equality: two values a path found equal (`if (r != p) return;` after `r = proc_find(pid)`,
 * `if (proc_ref(p, true) != p) return ESRCH;`) are one object on the equal arm. What the path counted
 * under the name that took the reference moves to the name it was compared with, which the code goes
 * on to give back (`proc_rele(p)`), and a local that held the result names that object from there on.
 */
import type { VarDecl } from '../cfg/cfg';
import { type AccessPath, keyOf, parseKey, rootClass, under } from './access';
import { type State, type ObjState, type Fact, type Doubt, with_, hasDelta, reboundParam } from './state';
import { moveCallResult } from './same-calls';
import { factOf, objectsMoved, setFactKeep } from './state-edits';
import { type Test, decide, factFor } from './fact-tests';

/**
 * The state where `a` and `b` are known to be the same object. Only a call's unnamed result or a
 * plain local holding a counted object is renamed (a member or a parameter holding one is still
 * given back under its own name), and only onto a name the path counted nothing on: a call's result
 * onto any name that is not itself a call's result, a local onto a parameter.
 */
export function identify(
  st: State,
  a: AccessPath,
  b: AccessPath,
  decls: ReadonlyMap<string, VarDecl>,
  display: (key: string) => string,
): State {
  const [ka, kb] = [keyOf(a), keyOf(b)];
  if (ka === kb || isAddress(a) || isAddress(b)) return st;
  const [ha, hb] = [holds(st, ka), holds(st, kb)];
  // a result NULL where it took nothing is NULL under the other name too (`task_drop(t)` of it does nothing)
  const shared = shareNull(shareNull(st, ka, kb), kb, ka);
  if (ha === hb) return shared;
  const [from, to, fromPath, toPath] = ha ? [ka, kb, a, b] : [kb, ka, b, a];
  const cls = rootClass(fromPath.root, decls);
  if (fromPath.segs.length || (cls !== 'temp' && cls !== 'local')) return shared;
  // onto a name the code can give it back by: never a call's result it does not keep (`v == vm_self()`);
  // a local's object only onto a parameter (`r == p`): between two locals, or onto memory, the alias that
  // ties the local to its new name may be lost where paths meet, and its object with it
  const toClass = rootClass(toPath.root, decls);
  if (toClass === 'temp' || (cls === 'local' && (toClass !== 'param' || toPath.segs.length))) return shared;
  // a parameter the path wrote names a value of its own (`dp = tdp`), and what the path counted on the
  // caller's value stays under the old name: a local compared with it is not the caller's object
  if (cls === 'local' && reboundParam(st, to)) return shared;
  if (under(to, from) || under(from, to)) return shared;
  st = shared;
  const objects = objectsMoved(st.objects, from, to, display);
  const facts = new Map(st.facts);
  for (const [k, f] of st.facts) {
    if (!under(k, from)) continue;
    const nk = to + k.slice(from.length);
    if (cls === 'temp') facts.delete(k);
    if (facts.has(nk)) continue;
    const { from: _callee, ...rest } = f;
    facts.set(nk, rest as Fact);
  }
  let s = with_(st, { objects, facts });
  if (cls === 'temp') return moveCallResult(s, from, to);
  const aliases = new Map(s.aliases);
  aliases.set(fromPath.root, to);
  s = with_(s, { aliases });
  return s;
}

/**
 * The arm where a call's unnamed result differs from what it was compared with (`task_hold(t) != t`):
 * the code cannot give back what it never names, so it reads the result as holding nothing there. What
 * the path counted on it is marked with that doubt (a leak resting on it alone is information).
 */
export function droppedUnequal(
  st: State,
  a: AccessPath,
  b: AccessPath,
  callOf: (temp: string) => string | undefined,
  display: (key: string) => string,
): State {
  let objects: Map<string, ObjState> | undefined;
  for (const [p, other] of [
    [a, b],
    [b, a],
  ]) {
    if (!p.root.startsWith('$') || p.segs.length || isAddress(other)) continue;
    const key = keyOf(p);
    for (const [k, o] of st.objects) {
      if (!under(k, key) || o.doubt || !(hasDelta(o) || o.obtained)) continue;
      const call = (callOf(p.root) ?? 'call()').replace(/\(\)$/, '');
      const doubt: Doubt = { dropped: call, compared: display(keyOf(other)), line: o.lastAcquire ?? 0 };
      objects ??= new Map(st.objects);
      objects.set(k, { ...o, doubt });
    }
  }
  return objects ? with_(st, { objects }) : st;
}

/**
 * What the path knows of whether a call's result at `from` is NULL, known of `to` as well. Only a call's
 * (a local it was given to, or its unnamed result: `cp != sprlock(pid)`): a local the code set to NULL
 * itself (`triggered = NULL` before a retry loop) tells nothing of a pointer the path went on to
 * dereference, which the state does not record as non-NULL.
 */
function shareNull(st: State, from: string, to: string): State {
  const fact = factOf(st, from);
  if (!fact?.from && !(fact && from.startsWith('$'))) return st;
  const known = decide(fact, NULL);
  if (known === undefined || decide(factOf(st, to), NULL) !== undefined) return st;
  return setFactKeep(st, to, factFor(NULL, st.facts.get(to), known));
}

const NULL: Test = { op: 'eq', c: '0' };

/** The path counted something on the object at `key` (or one under it), or took a reference it may hold. */
function holds(st: State, key: string): boolean {
  for (const [k, o] of st.objects) if (under(k, key) && (hasDelta(o) || o.obtained)) return true;
  return false;
}

/**
 * Whether `a == b` is decided by where the two point: the address of a local of this frame (`&sro`) is only
 * equal to itself (or to a local alias of it, which evaluates to the same address), never to another local's
 * address nor to the value a caller passed in a parameter the path has not reassigned (`if (ro == &sro)` on
 * the path where `ro` is still the caller's route; not once widening merged it with a path that pointed it
 * elsewhere): 'equal', 'unequal', or undefined where it cannot tell.
 */
export function addressEquality(
  st: State,
  a: AccessPath,
  b: AccessPath,
  decls: ReadonlyMap<string, VarDecl>,
): 'equal' | 'unequal' | undefined {
  const [la, lb] = [ownAddress(a, decls), ownAddress(b, decls)];
  if (la !== undefined && lb !== undefined) return la === lb ? 'equal' : 'unequal';
  const [addr, other] = la !== undefined ? [a, b] : lb !== undefined ? [b, a] : [undefined, undefined];
  if (!addr || !other) return undefined;
  const passedIn =
    !other.segs.length &&
    rootClass(other.root, decls) === 'param' &&
    !st.written.has(keyOf(other)) &&
    !st.forgotten?.has(keyOf(other));
  return passedIn ? 'unequal' : undefined;
}

/**
 * Where a member read through a pointer (`port->p_pending`) was found equal to a variable (a parameter or a
 * local, `ifp`), the member names that variable's value (Fact.sameAs) until it is written.
 */
export function memberEquals(st: State, member: AccessPath, v: AccessPath, decls: ReadonlyMap<string, VarDecl>): State {
  if (!member.segs.length || member.segs.includes('&') || v.segs.length) return st;
  const [mc, vc] = [rootClass(member.root, decls), rootClass(v.root, decls)];
  if (mc === 'temp' || mc === 'expr' || (vc !== 'param' && vc !== 'local')) return st;
  const key = keyOf(member);
  return setFactKeep(st, key, { ...(st.facts.get(key) ?? {}), sameAs: keyOf(v) });
}

/** The local whose address `p` is (`&sro`), undefined for anything else. */
function ownAddress(p: AccessPath, decls: ReadonlyMap<string, VarDecl>): string | undefined {
  return p.segs.length === 1 && p.segs[0] === '&' && rootClass(p.root, decls) === 'local' ? p.root : undefined;
}

/** A value that is an address (`&x`, `&p->f`). */
export function isAddress(p: AccessPath): boolean {
  return p.segs[p.segs.length - 1] === '&';
}

/**
 * A lookup that found its result by a handle (`get_page_from_mfn(mfn, d)`, the model's `foundBy`) finds the
 * object the path already names through that handle: a local pointer of the object's kind holding a call of
 * the handle alone that nothing counted happens to (`page = mfn_to_page(mfn)`, paths/same-calls.ts). What the
 * path counted under the lookup's unnamed result moves to that local, which the code goes on to count and give
 * back (`put_page(page)`); the result keeps what the path knows of it (NULL or not), for the test that follows.
 * A local the path counted something on already, a parameter, or a value of another kind (an index made from
 * the number) is not renamed.
 */
export function identifyFoundBefore(
  st: State,
  handle: string,
  temp: string,
  decls: ReadonlyMap<string, VarDecl>,
  display: (key: string) => string,
): State {
  if (st.facts.get(handle)?.handleOf !== temp) return st;
  const kinds = new Set<string>();
  for (const [k, o] of st.objects) if (under(k, temp)) kinds.add(o.kind);
  if (!kinds.size) return st;
  const named = [...st.aliases].filter(([k, t]) => {
    const m = CALL_OF_ONE.exec(k);
    if (!m || m[1] !== handle) return false;
    const d = decls.get(t);
    return !!d && !d.isParam && d.pointerDepth === 1 && !!d.typeName && kinds.has(d.typeName) && !holds(st, t);
  });
  // two locals named by the handle: which one the code gives back by is not known
  if (named.length !== 1) return st;
  const to = named[0][1];
  const objects = objectsMoved(st.objects, temp, to, display);
  const facts = new Map(st.facts);
  for (const [k, f] of st.facts) if (f.handleOf === temp) facts.set(k, { ...f, handleOf: to });
  const known = st.facts.get(temp);
  if (known && !facts.has(to)) {
    const { from: _callee, ...rest } = known;
    facts.set(to, rest as Fact);
  }
  return with_(st, { objects, facts });
}

/** A local holding a call of one value alone (`page = mfn_to_page(mfn)`), which a lookup by it may find. */
export function namedByHandleCall(callKey: string, target: string): boolean {
  return CALL_OF_ONE.test(callKey) && !target.startsWith('$') && !parseKey(target).segs.length;
}

/** A call key of one argument (`e:mfn_to_page(mfn)`, paths/same-calls.ts): that argument's key. */
const CALL_OF_ONE = /^e:\w+\(([^(),#]+)\)$/;
