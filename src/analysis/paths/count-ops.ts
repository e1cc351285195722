/**
 * Updates of count fields (tree/count-fields.ts) as counted operations: `atomic_inc(&x->f)`,
 * `atomic_inc_not_zero(&x->f)` (when it returns true), `x->f++` and `x->f += n` acquire
 * `x->f`; `atomic_dec_and_test(&x->f)`, `--x->f` and `x->f -= n` release it. The object is
 * named as `kref_get(&x->refcount)` names it: the member. Only members the tree shows to be
 * counts are read this way; any other `atomic_*` call, `++` or `+=` is a plain value.
 */
import type { Effect } from '../model/compiled';
import type { AccessPath } from './access';
import type { Val } from './values';

const ATOMIC = `_?atomic(?:64|_long)?_`;
const ORDER = `(?:_relaxed|_acquire|_release)?`;
const ACQUIRE = new RegExp(`^${ATOMIC}(?:inc|add)(?:_return)?${ORDER}$`);
const ACQUIRE_IF = new RegExp(`^${ATOMIC}(?:inc_not_zero|add_unless|inc_unless_negative)$`);
const RELEASE = new RegExp(`^${ATOMIC}(?:dec|sub)(?:_and_test|_return|_if_positive)?${ORDER}$`);

/** A compare-and-swap: its effect is the success's, on the exit of the loop that retries it (cfg.ts). */
export const CAS = /(?:cmpxchg|compareandswap|cmpset)/;

/** The member a value is the address of (`&x->f` -> `f`), if it is one a count can be (`countMember`). */
function addressedField(v: Val | undefined): string | undefined {
  if (v?.k !== 'path') return undefined;
  const segs = v.p.segs;
  return segs[segs.length - 1] === '&' ? countMember({ root: v.p.root, segs: segs.slice(0, -1) }) : undefined;
}

/**
 * The member an access path ends in when a count field can be it: a member of the struct a pointer reaches or a
 * variable is (`x->f`, `x[i].f`, `s.f`), never one of a struct embedded in another (`pg->u.md.used_entries`). The
 * tree's evidence is a putter's test of its parameter's own member (tree/count-fields.ts), and a field is known by
 * its name only: the name proven a count in one struct says nothing of another struct's embedded member.
 */
export function countMember(p: AccessPath): string | undefined {
  const field = lastField(p);
  const before = p.segs[p.segs.length - 2];
  return field !== undefined && !before?.startsWith('.') ? field : undefined;
}

/** The member an access path ends in (`x->f` -> `f`). */
export function lastField(p: AccessPath): string | undefined {
  const last = p.segs[p.segs.length - 1];
  return last?.startsWith('.') ? last.slice(1) : undefined;
}

/** What a call of an atomic primitive does to a count field among its arguments, if it is given one. */
export function countCallEffects(
  name: string,
  vals: readonly Val[],
  fields: ReadonlySet<string>,
  /** For a compare-and-swap: which way its new value goes (`old + 1`), from the text around it. */
  casStep?: () => 'acquire' | 'release' | undefined,
): Effect[] | undefined {
  if (CAS.test(name)) {
    const index = vals.findIndex((v) => fields.has(addressedField(v) ?? ''));
    const op = index >= 0 ? casStep?.() : undefined;
    return op ? [countEffect(op, index, false, addressedField(vals[index])!)] : undefined;
  }
  const prim = countPrimitive(name);
  if (!prim) return undefined;
  const index = vals.findIndex((v) => {
    const f = addressedField(v);
    return f !== undefined && fields.has(f);
  });
  if (index < 0) return undefined;
  return [countEffect(prim.op, index, prim.onlyIfTrue, addressedField(vals[index])!)];
}

/** What an atomic primitive does to the count it is given (not a compare-and-swap), if it is one. */
export function countPrimitive(name: string): { op: 'acquire' | 'release'; onlyIfTrue: boolean } | undefined {
  if (ACQUIRE.test(name)) return { op: 'acquire', onlyIfTrue: false };
  if (ACQUIRE_IF.test(name)) return { op: 'acquire', onlyIfTrue: true };
  if (RELEASE.test(name)) return { op: 'release', onlyIfTrue: false };
  return undefined;
}

/** The effect of an update of count field `field` given as the address `argIndex` of a call. */
export function countEffect(op: 'acquire' | 'release', argIndex: number, onlyIfTrue: boolean, field: string): Effect {
  return {
    op,
    target: { base: 'arg', index: argIndex, segs: [], text: `arg${argIndex}` },
    when: onlyIfTrue ? [{ kind: 'ret', test: 'ne0' }] : [],
    count: 1,
    kind: 'count field',
    source: `count field ${field}`,
  };
}

/** `++` and `+=` add to a count; `--` and `-=` take from it. */
export function updateOp(op: string | undefined): 'acquire' | 'release' | undefined {
  return op === '++' || op === '+=' ? 'acquire' : op === '--' || op === '-=' ? 'release' : undefined;
}

/**
 * Which way a compare-and-swap moves its count, from the text that computes its new value: the
 * call's own arguments (`old + 1`), else the text of the loop before it (`nx = x - 1;`,
 * `_atomic_set(new, _atomic_read(old) + 1);`): the step nearest the call.
 */
export function casStep(args: string, before: string): 'acquire' | 'release' | undefined {
  const step = (t: string) => {
    const all = [...t.matchAll(/([+-])\s*1\b(?!\s*[\w.])/g)];
    const last = all[all.length - 1];
    return last ? (last[1] === '+' ? 'acquire' : 'release') : undefined;
  };
  return step(args) ?? step(before);
}

/** A loop (its text) that retries a compare-and-swap of a count field until it succeeds. */
export function retriesCountCas(text: string, fields: ReadonlySet<string>): boolean {
  if (!CAS.test(text)) return false;
  for (const m of text.matchAll(/\b\w*(?:cmpxchg|compareandswap|cmpset)\w*\s*\(([^;]*)/g))
    for (const f of m[1].matchAll(/&\s*\(?\s*[A-Za-z_][\w\s>.()[\]-]*?(?:->|\.)\s*([A-Za-z_]\w*)\s*\)?\s*[,)]/g))
      if (fields.has(f[1])) return true;
  return false;
}

/** A use taken off a count by hand: `x->n--`, `--x->n`, `x->n -= k`, `atomic_dec(&x->n)` (not a put that tests it). */
export function plainDecrement(call: string): boolean {
  const prim = countPrimitive(call);
  if (prim) return prim.op === 'release' && !/_and_test|_return|_if_/.test(call);
  return /--\s*$|^\s*--|-=/.test(call);
}
