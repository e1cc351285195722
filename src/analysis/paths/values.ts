/**
 * What an expression evaluates to in one path state, and the constants the analysis reads
 * in C text (`0`, `NULL`, `0x10UL`, `-EBUSY`, `MAKEDEV_REF`).
 */
import type { AccessPath } from './access';
import type { State } from './state';

export type Val =
  | { k: 'path'; p: AccessPath }
  | { k: 'const'; c: string }
  | { k: 'flags'; f: string[] }
  | { k: 'unknown' };

/** One outcome of evaluating an expression: the state after it and the value. */
export interface Out {
  st: State;
  v: Val;
}

export const UNKNOWN: Val = { k: 'unknown' };
export const CONST_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** A project's own null pointer: xnu's `PROC_NULL`, `VNODE_NULL`, FreeBSD's `NULLVP`. */
export const NULL_NAME = /^(NULL|[A-Z][A-Z0-9]*_NULL|NULL[A-Z]+)$/;
export const ERRNO = /^-?E[A-Z0-9]+$/;

export function isZeroConst(c: string): boolean {
  return c === '0' || c === 'NULL' || c === '0L' || c === '0UL';
}

export function normNumber(text: string): string {
  const t = text.replace(/[uUlL]+$/, '');
  const n = Number.parseInt(t, t.startsWith('0x') || t.startsWith('0X') ? 16 : 10);
  return Number.isNaN(n) ? text : String(n);
}
