/**
 * The objects a function's caller can see at its exits (a parameter's, a global's, the one it returns),
 * one exit per path class, for the rules that compare exits on them (inconsistent, the error-exit leak).
 */
import { parseKey, rootClass, keyBeforeOverwrite } from '../paths/access';
import { type State, reboundParam } from '../paths/state';
import type { Diagnostic } from '../result';
import type { CheckInput } from './rule';

export interface ClassExit {
  cid: number;
  st: State;
}

export interface CallerObjects {
  /** One exit per path class, in the order the classes first end. */
  exits: ClassExit[];
  /** Each caller-visible object, with the exits that have it and its display name; a contract's are left out. */
  objects: { key: string; display: string; withObject: ClassExit[] }[];
}

/**
 * `named`: with the objects named through a value the caller gave (`mfn_to_page(mfn)`, paths/named-by-caller.ts).
 * The caller holds the value, not the object: what the function keeps on it for the caller's table is
 * the error-exit leak's question (a failure keeping what success does not), not `inconsistent`'s (a
 * release or acquire that follows the table's entries is bookkeeping the caller never sees).
 */
export function callerObjects(inp: CheckInput, earlier: readonly Diagnostic[], named = false): CallerObjects {
  const decls = inp.cfg.decls;
  // a contract already says what the callback's object should be
  const contracted = new Set(earlier.filter((d) => d.rule === 'contract').map((d) => d.object));
  const visible = (key: string) => {
    const root = parseKey(keyBeforeOverwrite(key)).root;
    const rc = rootClass(root, decls);
    return rc === 'param' || rc === 'global' || (named && !!inp.namedByCaller?.has(root));
  };
  const reps = new Map<number, State>();
  for (const st of inp.exits) {
    const cid = inp.classOf.get(st)!;
    if (!reps.has(cid)) reps.set(cid, st);
  }
  const exits = [...reps].map(([cid, st]) => ({ cid, st }));
  const byObject = new Map<string, ClassExit[]>();
  for (const x of exits)
    for (const [k, o] of x.st.objects)
      if (!o.withContainer && ((visible(k) && !reboundParam(x.st, k)) || x.st.exit?.returnedKey === k)) {
        const list = byObject.get(k) ?? [];
        list.push(x);
        byObject.set(k, list);
      }
  const objects: CallerObjects['objects'] = [];
  for (const [key, withObject] of byObject) {
    const display = withObject[0].st.objects.get(key)!.display;
    if (!contracted.has(display)) objects.push({ key, display, withObject });
  }
  return { exits, objects };
}

/** References on `key` still pending at an exit: those stored or handed on are accounted for. */
export function pendingRefs(st: State, key: string): number {
  const o = st.objects.get(key);
  return o && !o.withContainer ? o.refs - Math.max(0, Math.min(o.transferred, o.refs)) : 0;
}
