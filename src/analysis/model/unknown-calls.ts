/**
 * Calls of functions the analysis knows nothing of: no model row, no body in the file or the
 * tree. Such a callee may keep what it is given (store it, hand it to another thread), so by
 * default a reference passed to it counts as handed on, not leaked. That default hides the
 * most common real leak, `x = foo_get(); if (!foo_is_enabled(x)) return (EINVAL);`, where the
 * callee only reads its argument. The policy decides from evidence, and the evidence is data
 * (a model file's `unknownCalls`, see docs/model.md):
 *  - names: a callee whose name reads as a predicate, an accessor or a logger borrows
 *    (`foo_is_enabled`, `foo_id`, `printf`), unless its name also reads as keeping (`foo_add`);
 *  - its prototype: a parameter declared `const T *` cannot be changed through, so is not kept;
 *  - its use: a callee that is only ever the whole test of an `if` or `while` is a predicate.
 */

/** The `unknownCalls` section of a model file. */
export interface UnknownCallsSpec {
  /**
   * `evidence` (decide from names, prototypes and use) or `hand-on` (every unknown callee may keep
   * what it is given).
   */
  policy?: 'evidence' | 'hand-on';
  /** Regular expressions over the callee's name: such callees only read their arguments. */
  borrow?: string[];
  /**
   * Regular expressions over the callee's name: such callees may keep their arguments (wins over
   * `borrow` and over use).
   */
  keep?: string[];
  /** A parameter declared `const T *` is not kept (default true). */
  constPointers?: boolean;
  /** A callee used only as the whole test of an `if`/`while` reads its arguments (default true). */
  predicates?: boolean;
}

export interface UnknownCallPolicy {
  readonly policy: 'evidence' | 'hand-on';
  readonly borrow: readonly RegExp[];
  readonly keep: readonly RegExp[];
  readonly constPointers: boolean;
  readonly predicates: boolean;
}

/** What is known of a callee besides its name, from its file or its tree. */
export interface CalleeEvidence {
  /** Parameter indices its prototype declares `const T *`; undefined without a prototype. */
  constParams?: readonly number[];
  /** Every call of it seen is the whole test of an `if`/`while`. */
  onlyAsCondition?: boolean;
}

export const HAND_ON_EVERYTHING: UnknownCallPolicy = {
  policy: 'hand-on',
  borrow: [],
  keep: [],
  constPointers: false,
  predicates: false,
};

const compiledPolicies = new WeakMap<readonly UnknownCallsSpec[], UnknownCallPolicy>();

/**
 * A loaded model's policy (`Model.unknownCalls`), compiled once per model: its patterns were checked when the
 * model loaded, so nothing is reported here. Read only: a caller that changes the mode makes its own copy.
 */
export function modelPolicy(specs: readonly UnknownCallsSpec[]): UnknownCallPolicy {
  let p = compiledPolicies.get(specs);
  if (!p) compiledPolicies.set(specs, (p = compileUnknownCalls(specs, () => {})));
  return p;
}

/** Merges `unknownCalls` sections, later ones adding patterns and overriding switches. */
export function compileUnknownCalls(
  specs: readonly UnknownCallsSpec[],
  onError: (message: string) => void,
): UnknownCallPolicy {
  let policy: 'evidence' | 'hand-on' = 'hand-on';
  const borrow: RegExp[] = [],
    keep: RegExp[] = [];
  let constPointers = true,
    predicates = true;
  const compile = (src: string, into: RegExp[]) => {
    try {
      into.push(new RegExp(src));
    } catch (e) {
      onError(`not a regular expression: ${JSON.stringify(src)} (${(e as Error).message})`);
    }
  };
  for (const s of specs) {
    if (s.policy) policy = s.policy;
    for (const b of s.borrow ?? []) compile(b, borrow);
    for (const k of s.keep ?? []) compile(k, keep);
    if (s.constPointers !== undefined) constPointers = s.constPointers;
    if (s.predicates !== undefined) predicates = s.predicates;
  }
  return { policy, borrow, keep, constPointers, predicates };
}

/** Does a call of `name` (unknown to the model and the tree) keep its argument `arg`? */
export function unknownKeeps(p: UnknownCallPolicy, name: string, arg: number, evidence: CalleeEvidence = {}): boolean {
  if (p.policy === 'hand-on') return true;
  if (p.keep.some((r) => r.test(name))) return true;
  if (p.borrow.some((r) => r.test(name))) return false;
  if (p.constPointers && evidence.constParams?.includes(arg)) return false;
  if (p.predicates && evidence.onlyAsCondition) return false;
  return true;
}
