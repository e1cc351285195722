/**
 * The call that gives a reference back, written from the model: the release row for the
 * object's kind (and counter), and when several fit, the one whose arguments mirror the
 * acquire's (the same position, the same tag), from the acquire's own source, that the file
 * already calls. Arguments other than the object come from the acquire itself when the two
 * calls have the same shape, else from a call of the release in the file on the same object.
 */
import type { Effect, Model, Target } from '../model/compiled';

/** A counted call as written: its callee and argument texts, and the model effect that counts it. */
export interface CountedCall {
  callee: string;
  args: string[];
  effect?: Effect;
}

export interface ReleaseQuery {
  kind: string;
  counter?: string;
  /** The C expression that names the object where the release goes (`dev`, `*dev`, `sc->sc_fp`). */
  object: string;
  /** The object is a struct the function holds by value (`struct path path;`): a call takes `&path`. */
  byValue?: boolean;
  acquire?: CountedCall;
  /** A release pair inference found for the acquire (no model row needed). */
  inferredRelease?: string;
  /** The argument lists of the file's calls of a function. */
  callsInFile(callee: string): string[][];
}

export type ReleaseCall = { callee: string; text: string } | { reason: string };

/**
 * Rows that release one reference of the kind (or of any kind, a row that names none),
 * unconditionally, on an argument or a field it points to.
 */
function releaseRows(model: Model, kind: string, counter: string | undefined): { callee: string; effect: Effect }[] {
  const out: { callee: string; effect: Effect }[] = [];
  for (const [callee, effects] of model.functions) {
    if (effects.length !== 1) continue;
    const e = effects[0];
    if (e.op !== 'release' || e.when.length || e.count !== 1 || (e.kind !== undefined && e.kind !== kind)) continue;
    if ((e.counter ?? '') !== (counter ?? '')) continue;
    if (e.target.base !== 'arg') continue;
    out.push({ callee, effect: e });
  }
  return out;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

export function releaseCall(model: Model, q: ReleaseQuery): ReleaseCall {
  const rows = releaseRows(model, q.kind, q.counter);
  if (q.inferredRelease && !rows.some((r) => r.callee === q.inferredRelease)) {
    const effect = model.functions.get(q.inferredRelease)?.[0];
    const target: Target = { base: 'arg', index: 0, segs: [], text: 'arg0' };
    rows.push({
      callee: q.inferredRelease,
      effect: effect ?? { op: 'release', target, when: [], count: 1, source: 'inferred', inferred: true },
    });
  }
  if (!rows.length)
    return {
      reason: `the model has no release row for ${q.kind}${q.counter ? ` (${q.counter})` : ''}`,
    };
  const a = q.acquire;
  const score = (r: { callee: string; effect: Effect }): number[] => [
    r.callee === q.inferredRelease ? 1 : 0,
    r.effect.kind === q.kind ? 1 : 0,
    a?.effect && r.effect.source === a.effect.source ? 1 : 0,
    a?.effect?.target.base === 'arg' && a.effect.target.index === r.effect.target.index ? 1 : 0,
    q.callsInFile(r.callee).length ? 1 : 0,
    a ? commonPrefix(a.callee, r.callee) : 0,
  ];
  const ranked = rows
    .map((r) => ({ r, s: score(r) }))
    .sort((x, y) => {
      for (let i = 0; i < x.s.length; i++) if (x.s[i] !== y.s[i]) return y.s[i] - x.s[i];
      return x.r.callee < y.r.callee ? -1 : x.r.callee > y.r.callee ? 1 : 0;
    });
  const { callee, effect } = ranked[0].r;
  const args = argumentsFor(callee, effect.target, q);
  if (typeof args === 'string') return { reason: args };
  return { callee, text: `${callee}(${args.join(', ')});` };
}

/** The release's arguments: the object at its target's place, the others mirrored or copied. */
function argumentsFor(callee: string, target: Target, q: ReleaseQuery): string[] | string {
  const k = target.index;
  const own = argumentNaming(target, q.object, q.byValue);
  if (own === undefined) return `${q.object} is not what ${callee}()'s ${target.text} names`;
  const inFile = q.callsInFile(callee);
  const a = q.acquire;
  const mirrors = a?.effect?.target.base === 'arg' && a.effect.target.index === k;
  const arity = inFile.length ? mostCommon(inFile.map((c) => c.length)) : mirrors ? a!.args.length : k + 1;
  const args: string[] = [];
  for (let j = 0; j < arity; j++) {
    if (j === k) {
      args.push(own);
      continue;
    }
    if (mirrors && a!.args.length === arity) {
      args.push(a!.args[j]);
      continue;
    }
    // only a call that gives back the same object tells what goes with it (`fdrop(fp, td)`)
    const same = inFile.find((c) => c.length === arity && c[k] === own);
    if (!same) return `cannot tell ${callee}()'s argument ${j + 1} from the acquire or the file's calls on ${own}`;
    args.push(same[j]);
  }
  return args;
}

function mostCommon(xs: number[]): number {
  const n = new Map<number, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  return [...n].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
}

const SIMPLE = /^[A-Za-z_]\w*(?:\s*(?:->|\.)\s*[A-Za-z_]\w*|\[[^\][]*\])*$/;

/**
 * The argument that makes a release row's target name the object: `dev` for `arg0`, `&fp` or
 * `fpp` for `*arg1`, `ifinfo` for `arg0->refcount` when the object is `ifinfo->refcount`.
 */
export function argumentNaming(target: Target, object: string, byValue = false): string | undefined {
  const fields = target.segs.filter((s) => s !== '*');
  if (!fields.length) return target.segs.length || byValue ? addressOf(object) : object;
  // `arg0->a.b`: the object's text ends with that chain
  const chain = target.text.replace(/^\s*\*?\s*arg\d+/, '').replace(/\s+/g, '');
  if (target.text.trim().startsWith('*')) return undefined;
  const flat = object.replace(/\s+/g, '');
  if (!flat.endsWith(chain) || flat.length === chain.length) return undefined;
  const base = flat.slice(0, -chain.length);
  if (chain.startsWith('.')) return addressOf(base);
  return base.startsWith('&') ? undefined : base;
}

/** `&x` for an object named `x`; `p` for one named `*p`. */
export function addressOf(object: string): string {
  const t = object.trim();
  if (t.startsWith('*')) return t.slice(1).trim();
  return SIMPLE.test(t) ? `&${t}` : `&(${t})`;
}

/** What an argument names after the target's steps: `*arg1` of `&fp` is `fp`, of `fpp` is `*fpp`. */
export function objectOf(target: Target, args: readonly string[]): string | undefined {
  if (target.base !== 'arg') return undefined;
  let expr = args[target.index];
  if (expr === undefined) return undefined;
  for (const seg of target.segs) {
    if (seg === '*') expr = expr.startsWith('&') ? stripParens(expr.slice(1)) : `*${wrap(expr)}`;
    else if (expr.startsWith('&')) expr = `${wrap(stripParens(expr.slice(1)))}${seg}`;
    else if (expr.startsWith('*')) expr = `${wrap(expr.slice(1))}->${seg.slice(1)}`;
    else expr = `${wrap(expr)}->${seg.slice(1)}`;
  }
  return expr;
}

function wrap(e: string): string {
  return SIMPLE.test(e) ? e : `(${e})`;
}

function stripParens(e: string): string {
  const t = e.trim();
  return t.startsWith('(') && t.endsWith(')') && SIMPLE.test(t.slice(1, -1).trim()) ? t.slice(1, -1).trim() : t;
}

/** The object's own name as a C expression, when it reads as one (`*dev`, `sc->sc_fp`; not `TUN2IFP()`). */
export function plainExpression(display: string): string | undefined {
  const t = display.trim();
  return /^\*?\s*[A-Za-z_]\w*(?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*$/.test(t) ? t : undefined;
}

const DECLARES =
  /^(struct|union|enum|const|volatile|unsigned|signed|int|long|short|char|void|bool|size_t|u?int\d+_t)\b/;

/** Argument lists of every call of `callee` in the file, cut at the top-level commas of the masked text. */
export function callsInText(text: string, masked: string, callee: string): string[][] {
  const out: string[][] = [];
  const re = new RegExp(`\\b${callee.replace(/[^\w]/g, '')}\\s*\\(`, 'g');
  for (const m of masked.matchAll(re)) {
    const open = m.index + m[0].length - 1;
    const args: string[] = [];
    let depth = 0,
      from = open + 1;
    let i = open + 1;
    for (; i < masked.length; i++) {
      const c = masked[i];
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) break;
        depth--;
      } else if (c === ',' && depth === 0) {
        args.push(text.slice(from, i).replace(/\s+/g, ' ').trim());
        from = i + 1;
      }
    }
    const last = text.slice(from, i).replace(/\s+/g, ' ').trim();
    if (last || args.length) args.push(last);
    // a prototype or the definition declares parameters: it is not a call
    if (!args.some((a) => DECLARES.test(a))) out.push(args);
  }
  return out;
}
