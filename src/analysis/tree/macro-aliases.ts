/**
 * Function-like macros that are one call of a function under another name
 * (`#define HM_REL(sc) hm_rel_impl((sc), __func__)`): a call of the macro is a call of the
 * function, with the macro's arguments put where its body puts its parameters. The engine
 * reads a call this way when neither the model nor a summary knows the macro's name, so a
 * header's wrapper reaches the wrapped function's summary.
 */
import type { Model } from '../model/compiled';
import type { MacroDefinition } from '../parse/prepass';
import { balancedParens, splitTopLevel } from '../parse/split';
import { simpleHash } from '../paths/classes';
import { macroStatement } from '../macros';

export interface MacroAlias {
  /** The function the macro calls. */
  callee: string;
  /** For each argument of that call: the macro parameter it is, or null (a constant, `__func__`, an expression). */
  args: (number | null)[];
}

export interface MacroAliases extends ReadonlyMap<string, MacroAlias> {
  /**
   * Macros whose body only reads what it is given (`#define FP_NAME(fp) fp->filp->f_path.dentry`):
   * no call, no assignment, no statement. A call of one keeps none of its arguments.
   */
  readonly readers: ReadonlySet<string>;
  /**
   * Macros whose value is a handle of one argument (`#define pagetable_from_page(pg)
   * pagetable_from_mfn(page_to_mfn(pg))`, down to a `handles` row of the model): the argument's index,
   * read as the model's `handles` rows are.
   */
  readonly handles: ReadonlyMap<string, number>;
  /** What the aliases are, for cache keys. */
  readonly key: string;
}

export function macroAliases(defs: readonly MacroDefinition[], model: Model): MacroAliases {
  const out = new Map<string, MacroAlias>() as Map<string, MacroAlias> & {
    key: string;
    readers: Set<string>;
    handles: Map<string, number>;
  };
  for (const d of defs) {
    if (!d.params || model.functions.has(d.name) || out.has(d.name)) continue;
    const a = aliasOf(d);
    if (a && a.callee !== d.name) out.set(d.name, a);
  }
  for (const name of inCycles(out)) out.delete(name);
  const readers = new Set<string>();
  const decided = new Set<string>();
  for (const d of defs) {
    if (!d.params || model.functions.has(d.name) || out.has(d.name) || decided.has(d.name)) continue;
    decided.add(d.name);
    if (macroReadsOnly(d)) readers.add(d.name);
  }
  out.readers = readers;
  out.handles = handleMakers(defs, model);
  out.key =
    out.size || readers.size || out.handles.size
      ? simpleHash(JSON.stringify([[...out], [...readers], [...out.handles]]))
      : '';
  return out;
}

/**
 * The names whose wrappers lead back to themselves. Each configuration's headers wrap one name in
 * the other (`#define mfn_to_page(m) __mfn_to_page(m)` in one, `#define __mfn_to_page(m)
 * mfn_to_page(m)` in another); read together they make a cycle no call leaves, so a call of any of
 * them, or of a wrapper that leads into them, is a call nothing describes.
 */
function inCycles(aliases: ReadonlyMap<string, MacroAlias>): Set<string> {
  const out = new Set<string>();
  for (const start of aliases.keys()) {
    const chain: string[] = [];
    let name: string | undefined = start;
    while (name !== undefined && aliases.has(name) && !chain.includes(name) && !out.has(name)) {
      chain.push(name);
      name = aliases.get(name)!.callee;
    }
    if (name !== undefined && (chain.includes(name) || out.has(name))) for (const n of chain) out.add(n);
  }
  return out;
}

/** Rounds of macros made of macros (`pagetable_from_page` of `pagetable_from_mfn`) before the search stops. */
const HANDLE_ROUNDS = 4;

function handleMakers(defs: readonly MacroDefinition[], model: Model): Map<string, number> {
  const found = new Map<string, number>();
  const handleArg = (name: string) =>
    model.functions.has(name) ? undefined : (model.handles.get(name) ?? found.get(name));
  for (let round = 0; round < HANDLE_ROUNDS; round++) {
    const before = found.size;
    for (const d of defs) {
      if (!d.params?.length || found.has(d.name) || model.functions.has(d.name) || model.handles.has(d.name)) continue;
      const h = handleOf(macroStatement(d.body), d.params, handleArg);
      if (h?.viaHandle) found.set(d.name, h.param);
    }
    if (found.size === before) break;
  }
  return found;
}

/**
 * The parameter an expression is a handle of: the parameter itself, a handle call given a handle of it
 * (`page_to_mfn(pg)`, `mfn_x(page_to_mfn(pg))`), or a cast or compound literal of one
 * (`((pagetable_t) { mfn_x(mfn) })`). `viaHandle` once a handle call was passed through.
 */
function handleOf(
  text: string,
  params: readonly string[],
  handleArg: (name: string) => number | undefined,
): { param: number; viaHandle: boolean } | undefined {
  let e = stripParens(text);
  // a cast, or a compound literal of one member
  const cast = /^\(\s*[A-Za-z_][\w\s]*\**\s*\)\s*/.exec(e);
  if (cast) {
    e = e.slice(cast[0].length).trim();
    if (e.startsWith('{') && e.endsWith('}')) {
      const members = splitTopLevel(e.slice(1, -1).trim().replace(/,$/, ''));
      if (members.length !== 1) return undefined;
      e = members[0];
    }
    return handleOf(e, params, handleArg);
  }
  const bare = params.indexOf(e);
  if (bare >= 0) return { param: bare, viaHandle: false };
  const m = /^([A-Za-z_]\w*)\s*\(/.exec(e);
  if (!m || !e.endsWith(')') || !balancedParens(e.slice(m[0].length, -1))) return undefined;
  const k = handleArg(m[1]);
  if (k === undefined) return undefined;
  const arg = splitTopLevel(e.slice(m[0].length, -1))[k];
  const inner = arg === undefined ? undefined : handleOf(arg, params, handleArg);
  return inner ? { param: inner.param, viaHandle: true } : undefined;
}

/**
 * An expression over the macro's parameters that calls nothing and assigns nothing, and is more
 * than one of them (`(p)` or `(struct foo *)(p)` is the object itself, not a read of it).
 */
export function macroReadsOnly(d: MacroDefinition): boolean {
  const body = stripParens(macroStatement(d.body));
  if (!body || /[{};]|\+\+|--|[^=!<>]=(?!=)|#/.test(body)) return false;
  if ([...body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)].some((m) => m[1] !== 'sizeof')) return false;
  const words = [...body.matchAll(/[A-Za-z_]\w*/g)].map((m) => m[0]);
  if (!words.some((w) => d.params!.includes(w))) return false;
  const bare = body.replace(/\(\s*[A-Za-z_][\w\s]*\**\s*\)/g, ' ').replace(/[()\s]/g, '');
  return !d.params!.includes(bare);
}

function aliasOf(d: MacroDefinition): MacroAlias | undefined {
  const body = stripParens(macroStatement(d.body)).replace(/^\(\s*void\s*\)\s*/, '');
  const m = /^([A-Za-z_]\w*)\s*\(/.exec(body);
  if (!m) return undefined;
  const open = m[0].length - 1;
  let depth = 0;
  let close = -1;
  for (let i = open; i < body.length; i++) {
    if (body[i] === '(') depth++;
    else if (body[i] === ')' && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close !== body.length - 1) return undefined;
  const inner = body.slice(open + 1, close).trim();
  const params = d.params ?? [];
  const args = inner
    ? splitTopLevel(inner).map((a) => {
        const i = params.indexOf(stripParens(a.trim()));
        return i >= 0 ? i : null;
      })
    : [];
  return { callee: m[1], args };
}

function stripParens(s: string): string {
  let t = s.trim();
  while (t.startsWith('(') && t.endsWith(')') && balancedParens(t.slice(1, -1))) t = t.slice(1, -1).trim();
  return t;
}
