/**
 * How a function's exits read to its caller: which return classes mean failure and which success,
 * for the rules that compare an error path with the success paths (leak, inconsistent).
 */
import { CONST_NAME, ERRNO, NOT_A_FAILURE } from '../paths/values';
import { NOT } from '../paths/fact-tests';
import type { State } from '../paths/state';
import { namedAsAcquire } from '../infer';

/** How a function's result says it failed: a NULL pointer, an error number, or `false`. */
export type Returns = 'pointer' | 'bool' | 'int';

export function returnsOf(exits: readonly State[], returnsBool: boolean | undefined): Returns {
  if (exits.some((s) => s.exit?.returnClass === 'NULL' || s.exit?.returnClass === 'non-NULL')) return 'pointer';
  return returnsBool ? 'bool' : 'int';
}

export function isError(cls: string, returns: Returns): boolean {
  if (returns === 'bool') return cls === '0';
  if (cls === 'negative' || /^-\d+$/.test(cls)) return true;
  if (ERRNO.test(cls)) return !NOT_A_FAILURE.has(cls.replace(/^-/, ''));
  if (cls === 'nonzero') return returns === 'int';
  if (cls === 'NULL') return returns === 'pointer';
  return false;
}

export function isSuccess(cls: string, returns: Returns): boolean {
  if (returns === 'bool') return cls !== '0' && cls !== 'unknown';
  return cls === '0' ? returns === 'int' : cls === 'non-NULL';
}

/**
 * What a function keeps on its caller's object that its return value tells the caller about, as an
 * acquire's result does: the function is named as an acquire, the exits that keep it and those that do
 * not return different classes, and none that keeps it returns an explicit error (`get_page_and_type()`:
 * `rc = get_page(pg, d); if (rc && !get_page_type(pg, t)) { put_page(pg); rc = 0; } return rc;` keeps the
 * page exactly when it returns non-zero). An exit that returns `-ENOENT` keeping it, or a function not
 * named as an acquire that returns success keeping it (a `d_open` holding `si_threadcount`), is not told.
 * A separate counter is also told by a name that takes it by the counter's own verb (`buf_lock_domain()`
 * keeping `dom_lock`).
 */
export function toldByReturn(
  name: string,
  exits: readonly State[],
  returnsBool: boolean | undefined,
  keeps: (st: State) => boolean,
  counter?: string,
): boolean {
  if (!namedAsAcquire(name) && !(counter !== undefined && namesCounter(name, counter)) && !bySentinel(exits, keeps))
    return false;
  const returns = returnsOf(exits, returnsBool);
  const keeping = new Set<string>();
  const rest = new Set<string>();
  for (const st of exits) {
    const cls = st.exit?.returnClass ?? 'unknown';
    // a path through a call whose effects are not known (the function calling itself) says nothing of what it keeps
    if (st.doubt && 'callee' in st.doubt) continue;
    if (!keeps(st)) rest.add(cls);
    else if (isError(cls, returns) && !(returns === 'int' && cls === 'nonzero')) return false;
    else keeping.add(cls);
  }
  return rest.size > 0 && keeping.size > 0 && !keeping.has('unknown') && ![...keeping].some((c) => rest.has(c));
}

/**
 * The exits that keep it return a value tested against a named sentinel and found valid (`not
 * INVALID_MFN`), the others return the sentinel itself: the value is the handle of what is held, valid
 * exactly when it is held, as a pointer is non-NULL (`mfn = get_gfn(d, gfn); if (mfn_eq(mfn, INVALID_MFN))
 * put_gfn(d, gfn); return mfn;`), whatever the function is called.
 */
function bySentinel(exits: readonly State[], keeps: (st: State) => boolean): boolean {
  let sentinel: string | undefined;
  let kept = false;
  let other = false;
  for (const st of exits) {
    const cls = st.exit?.returnClass ?? 'unknown';
    const name = keeps(st) ? (cls.startsWith(NOT) ? cls.slice(NOT.length) : undefined) : cls;
    if (name === undefined || !CONST_NAME.test(name) || (sentinel !== undefined && name !== sentinel)) return false;
    sentinel = name;
    if (keeps(st)) kept = true;
    else other = true;
  }
  return kept && other;
}

/** Verbs that take a separate counter, when the counter is named for them (`dom_lock`, `pin_count`). */
const TAKING = new Set(['lock', 'pin', 'hold', 'ref', 'get']);

/**
 * The name takes the counter by the counter's own verb (`lock` of `dom_lock` in `buf_lock_domains`);
 * a noun they share (`entry_open` keeping `entry`) says nothing.
 */
function namesCounter(name: string, counter: string): boolean {
  const words = new Set(name.toLowerCase().split('_'));
  return counter
    .toLowerCase()
    .split('_')
    .some((w) => TAKING.has(w) && words.has(w));
}
