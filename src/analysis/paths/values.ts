/**
 * What an expression evaluates to in one path state, and the constants the analysis reads
 * in C text (`0`, `NULL`, `0x10UL`, `-EBUSY`, `MAKEDEV_REF`).
 */
import type { AccessPath } from './access';
import type { State } from './state';

export type Val =
  /** `argument`: a callee handed back the argument it was given (`fp = fp_get(fp)` keeps fp's object). */
  | { k: 'path'; p: AccessPath; argument?: true }
  | { k: 'const'; c: string }
  /** Flags or'ed together; `some`: at least these (`flags | LK_VNHELD`), the rest unknown. */
  | { k: 'flags'; f: string[]; some?: true }
  | { k: 'unknown' };

/** One outcome of evaluating an expression: the state after it and the value. */
export interface Out {
  st: State;
  v: Val;
}

export const UNKNOWN: Val = { k: 'unknown' };
export const CONST_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** A project's own null pointer: xnu's `PROC_NULL`, `THR_ACT_NULL`, FreeBSD's `NULLVP`. */
export const NULL_NAME = /^(NULL|[A-Z][A-Z0-9_]*_NULL|NULL[A-Z]+)$/;
export const ERRNO = /^-?E[A-Z0-9]+$/;
/**
 * Error-number names that report no failure: `EJUSTRETURN` (FreeBSD, XNU) says the work is done and
 * the caller must only return; a path that returns it is not an error path.
 */
export const NOT_A_FAILURE: ReadonlySet<string> = new Set(['EJUSTRETURN']);

export function isZeroConst(c: string): boolean {
  return c === '0' || c === 'NULL' || c === '0L' || c === '0UL';
}

export function normNumber(text: string): string {
  const t = text.replace(/[uUlL]+$/, '');
  const n = Number.parseInt(t, t.startsWith('0x') || t.startsWith('0X') ? 16 : 10);
  return Number.isNaN(n) ? text : String(n);
}
