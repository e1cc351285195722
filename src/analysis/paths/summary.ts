/**
 * What a function does to objects its callers can name (through parameters and
 * its return value), per class of paths. Callers apply these instead of
 * re-analysing the callee: bottom-up within a file.
 */
import type { Target } from '../model/compiled';

export interface SummaryCond {
  target: Target;
  test: 'eq' | 'ne' | 'has' | 'lacks';
  value: string;
  text: string;
}

export interface SummaryEffect {
  target: Target;
  exist: number;
  refs: number;
  counters?: Record<string, number>;
  /** The callee stored or handed on the references it held on this object. */
  stored: boolean;
  /** Of `refs`, those the places the callee linked the object into hold (a list's, one per link). */
  kept?: number;
  kind: string;
  labels: string[];
  inferred?: boolean;
  /** Done while the callee freed the struct holding the object (a destructor's members): not compared across paths. */
  withContainer?: boolean;
  /** The callee changed the count after a test of the object's own state (bookkeeping, see ObjState.parked). */
  parked?: boolean;
  /** The callee released the object under a test of a flag in its own state word (ObjState.byFlag). */
  byFlag?: boolean;
  /** The callee took a use off the object's count by hand (ObjState.byHand). */
  byHand?: boolean;
}

export interface SummaryPath {
  conds: SummaryCond[];
  /** Return class: "0", "nonzero", "NULL", "non-NULL", "void", "unknown", or a constant. */
  ret: string;
  effects: SummaryEffect[];
  /** Out-parameters this path sets. */
  writes: Target[];
  /**
   * What this path left in an out-parameter it set, when that is a named value or its opposite
   * (`*gfn = INVALID_GFN`, or `*gfn` tested `!= INVALID_GFN`), or NULL (`*vpp = NULL` after giving
   * back what it held): the caller's test of it is decided as the callee's was. A written
   * out-parameter with no such fact reads as set.
   */
  sentinels?: { target: Target; eq?: string; ne?: string[] }[];
  /**
   * This path returns its parameter of this index (`dev_hold(nd); return nd;`): the caller's
   * argument is the result.
   */
  retArg?: number;
}

export interface Summary {
  name: string;
  paths: SummaryPath[];
  truncated: boolean;
  /** Parameters the function stores into memory: a reference held on them is handed on. */
  escapes?: number[];
  /**
   * Of `escapes`, the parameters no body is known to store: the function passes them (itself or through
   * callees with bodies) to a callee without a body, which the unknown-call policy supposes keeps them. A
   * reference held on them is handed on all the same, but handing a member's address links nothing.
   */
  supposed?: number[];
  /** Hash of the summary's content, for caches keyed on callee summaries. */
  hash: string;
}

/** What a summary says of its parameters kept, for the cache keys of its callers: `escapes`, then `supposed`. */
export function escapesKey(s: Summary): string {
  const own = (s.escapes ?? []).join('.');
  return s.supposed?.length ? `${own}~${s.supposed.join('.')}` : own;
}

/** Of `kept`, the parameters not in `byBody`, or undefined when there are none. */
export function supposedOf(kept: readonly number[], byBody: readonly number[] | undefined): number[] | undefined {
  const out = kept.filter((p) => !byBody?.includes(p));
  return out.length ? out : undefined;
}
