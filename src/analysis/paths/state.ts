/**
 * One abstract path state: what has happened to each counted object and what is
 * known about locals, for all concrete paths that reached a CFG node alike.
 * States are immutable: every change makes a copy (maps are small).
 */
import type { Step } from '../result';

export interface ObjState {
  display: string;
  kind: string;
  /** Existence references created (+) or destroyed (-). */
  exist: number;
  /** Ordinary references acquired (+) or released (-). */
  refs: number;
  /** Separate counters (si_threadcount). */
  counters?: Record<string, number>;
  /** References handed on (passed to an unknown function, stored, returned) as of the last hand-off. */
  transferred: number;
  /** This path acquired or created the object itself. */
  obtained: boolean;
  /** Line of the last acquire (where a leak is reported). */
  lastAcquire?: number;
  /** Line where the count first went below what was obtained. */
  overLine?: number;
  returned?: boolean;
  inferred?: boolean;
}

/** What is known of a value: equal to a constant, not equal to some, flags it has or lacks. */
export interface Fact {
  eq?: string;
  ne?: string[];
  /** Exact set of flags (the value is an OR of these names). */
  flags?: string[];
  has?: string[];
  lacks?: string[];
  /** The call whose result the value is (for condition texts). */
  from?: string;
}

/** A condition on a parameter's entry value: `cr != NULL`, `*dev == NULL`, `flags & MAKEDEV_REF`. */
export interface ParamCond {
  /** Key of the parameter-rooted path. */
  key: string;
  test: 'eq' | 'ne' | 'has' | 'lacks';
  value: string;
  text: string;
}

export interface Cons<T> { head: T; tail: Cons<T> | undefined; size: number }
export function cons<T>(head: T, tail: Cons<T> | undefined): Cons<T> { return { head, tail, size: (tail?.size ?? 0) + 1 }; }
export function toArray<T>(c: Cons<T> | undefined): T[] {
  const out: T[] = [];
  for (let x = c; x; x = x.tail) out.push(x.head);
  return out.reverse();
}

export interface ExitInfo { line: number; returns: string; returnClass: string; returnedKey?: string }

export interface State {
  objects: ReadonlyMap<string, ObjState>;
  facts: ReadonlyMap<string, Fact>;
  /** Local variable id -> the access path it was assigned from. */
  aliases: ReadonlyMap<string, string>;
  paramConds: readonly ParamCond[];
  /** Parameter-rooted paths written on this path (out-parameters set). */
  written: ReadonlySet<string>;
  /** Back-edge target node -> times taken. */
  iters: ReadonlyMap<number, number>;
  steps: Cons<Step> | undefined;
  conds: Cons<string> | undefined;
  lines: Cons<number> | undefined;
  exit?: ExitInfo;
  merged: number;
  /** Cached merge key. */
  _key?: string;
}

export function initialState(): State {
  return {
    objects: new Map(), facts: new Map(), aliases: new Map(), paramConds: [], written: new Set(), iters: new Map(),
    steps: undefined, conds: undefined, lines: undefined, exit: undefined, merged: 1, _key: undefined,
  };
}

/** A copy with some fields replaced (written out field by field: V8 keeps one object shape). */
export function with_(s: State, p: Partial<State>): State {
  return {
    objects: p.objects ?? s.objects, facts: p.facts ?? s.facts, aliases: p.aliases ?? s.aliases,
    paramConds: p.paramConds ?? s.paramConds, written: p.written ?? s.written, iters: p.iters ?? s.iters,
    steps: 'steps' in p ? p.steps : s.steps, conds: 'conds' in p ? p.conds : s.conds, lines: 'lines' in p ? p.lines : s.lines,
    exit: p.exit ?? s.exit, merged: p.merged ?? s.merged, _key: undefined,
  };
}

function factKey(f: Fact): string {
  return `${f.eq ?? ''}|${f.ne?.join(',') ?? ''}|${f.flags?.join(',') ?? ''}|${f.has?.join(',') ?? ''}|${f.lacks?.join(',') ?? ''}|${f.from ?? ''}`;
}

function stepsKey(steps: Cons<Step> | undefined): string {
  let out = '';
  for (let x = steps; x; x = x.tail) out += `${x.head.line}:${x.head.op}:${x.head.object}:${x.head.delta};`;
  return out;
}

/** States with equal keys are interchangeable for everything that follows. */
export function stateKey(s: State): string {
  if (s._key !== undefined) return s._key;
  const parts: string[] = [];
  for (const k of [...s.objects.keys()].sort()) {
    const o = s.objects.get(k)!;
    parts.push(`O${k}=${o.exist},${o.refs},${o.transferred},${o.obtained ? 1 : 0},${o.returned ? 1 : 0},${o.overLine ?? ''},${o.counters ? JSON.stringify(o.counters) : ''}`);
  }
  for (const k of [...s.facts.keys()].sort()) parts.push(`F${k}=${factKey(s.facts.get(k)!)}`);
  for (const k of [...s.aliases.keys()].sort()) parts.push(`A${k}=${s.aliases.get(k)}`);
  // opaque conditions (which way a parameter-dependent branch went) do not keep states apart: merging intersects them
  // conditions on parameters do not keep states apart either: paths that differ in what they do differ in
  // their objects anyway, and merging intersects the conditions (what the merged class still requires)
  for (const w of [...s.written].sort()) parts.push(`W${w}`);
  for (const k of [...s.iters.keys()].sort((a, b) => a - b)) parts.push(`I${k}=${s.iters.get(k)}`);
  if (s.exit) parts.push(`X${s.exit.line}:${s.exit.returns}:${s.exit.returnClass}`);
  parts.push(`S${stepsKey(s.steps)}`);
  const key = parts.join('\n');
  (s as State)._key = key;
  return key;
}

/** Keeps the conditions both paths took, in order. */
export function intersectConds(a: Cons<string> | undefined, b: Cons<string> | undefined): Cons<string> | undefined {
  if (a === b) return a;
  const inB = new Set(toArray(b));
  let out: Cons<string> | undefined;
  for (const c of toArray(a)) if (inB.has(c)) out = cons(c, out);
  return out;
}

export function isOpaque(p: ParamCond): boolean {
  return p.key.startsWith('cond@') || p.key.startsWith('via ');
}

export function mergeInto(existing: State, incoming: State): State {
  const paramConds = existing.paramConds.filter((p) => incoming.paramConds.some((q) => q.key === p.key && q.test === p.test && q.value === p.value));
  const m = with_(existing, { conds: intersectConds(existing.conds, incoming.conds), merged: existing.merged + incoming.merged, paramConds });
  m._key = existing._key;
  return m;
}
