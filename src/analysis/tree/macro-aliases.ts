/**
 * Function-like macros that are one call of a function under another name
 * (`#define HM_REL(sc) hm_rel_impl((sc), __func__)`): a call of the macro is a call of the
 * function, with the macro's arguments put where its body puts its parameters. The engine
 * reads a call this way when neither the model nor a summary knows the macro's name, so a
 * header's wrapper reaches the wrapped function's summary.
 */
import type { Model } from '../model/compiled';
import type { MacroDefinition } from '../parse/prepass';
import { splitTopLevel } from '../parse/split';
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
  /** What the aliases are, for cache keys. */
  readonly key: string;
}

export function macroAliases(defs: readonly MacroDefinition[], model: Model): MacroAliases {
  const out = new Map<string, MacroAlias>() as Map<string, MacroAlias> & { key: string; readers: Set<string> };
  for (const d of defs) {
    if (!d.params || model.functions.has(d.name) || out.has(d.name)) continue;
    const a = aliasOf(d);
    if (a && a.callee !== d.name) out.set(d.name, a);
  }
  const readers = new Set<string>();
  const decided = new Set<string>();
  for (const d of defs) {
    if (!d.params || model.functions.has(d.name) || out.has(d.name) || decided.has(d.name)) continue;
    decided.add(d.name);
    if (macroReadsOnly(d)) readers.add(d.name);
  }
  out.readers = readers;
  out.key = out.size || readers.size ? simpleHash(JSON.stringify([[...out], [...readers]])) : '';
  return out;
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
  while (t.startsWith('(') && t.endsWith(')') && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
  return t;
}

function balanced(s: string): boolean {
  let d = 0;
  for (const c of s) {
    if (c === '(') d++;
    else if (c === ')' && --d < 0) return false;
  }
  return d === 0;
}
