/**
 * Function-like macros defined in the file that wrap one counted call
 * (`#define TUN_REF(tp) dev_ref((tp)->tun_dev)`) act like that call, with the
 * macro's parameters mapped into the wrapped call's arguments.
 */
import type { MacroDefinition } from './parse/prepass';
import type { Effect, Model, Seg, Target } from './model/compiled';
import { balancedParens, splitTopLevel } from './parse/split';
import { countEffect, countPrimitive } from './paths/count-ops';
import { remembered } from './memo';

/** `&(sc)->sc_dev` in terms of the macro's parameters -> {index, segs}; undefined when not a plain path. */
function argPath(text: string, params: string[]): { index: number; segs: (Seg | '&')[] } | undefined {
  let t = text.replace(/\s+/g, '');
  for (const p of params) t = t.split(`(${p})`).join(p);
  while (t.startsWith('(') && t.endsWith(')')) t = t.slice(1, -1);
  const m = /^(&?)([A-Za-z_]\w*)((?:(?:->|\.)[A-Za-z_]\w*)*)$/.exec(t);
  if (!m) return undefined;
  const index = params.indexOf(m[2]);
  if (index < 0) return undefined;
  const segs: (Seg | '&')[] = [];
  for (const f of m[3].matchAll(/(->|\.)([A-Za-z_]\w*)/g)) {
    if (f[1] === '->') segs.push('*');
    segs.push(`.${f[2]}`);
  }
  if (m[1]) segs.push('&');
  return { index, segs };
}

function compose(outer: (Seg | '&')[], inner: Seg[]): Seg[] {
  const out: (Seg | '&')[] = [...outer];
  for (const s of inner) {
    if (s === '*' && out[out.length - 1] === '&') out.pop();
    else out.push(s);
  }
  while (out[out.length - 1] === '&') out.pop();
  return out.filter((s): s is Seg => s !== '&');
}

function retarget(t: Target, innerArgs: string[], params: string[]): Target | undefined {
  if (t.base === 'ret') return t;
  const a = innerArgs[t.index];
  if (a === undefined) return undefined;
  const p = argPath(a, params);
  if (!p) return undefined;
  const segs = compose(p.segs, t.segs);
  return { base: 'arg', index: p.index, segs, text: `macro arg${p.index}` };
}

/** A macro's body as one statement: no continuations or comments, `do { ... } while (0)` and a last `;` unwrapped. */
export function macroStatement(body: string): string {
  return remembered(statements, body, MEMO_SIZE, () =>
    body
      .replace(/\\\s*\n/g, ' ')
      .replace(/\/\*.*?\*\//g, ' ')
      .trim()
      .replace(/^do\s*\{(.*)\}\s*while\s*\(\s*0\s*\)$/s, '$1')
      .replace(/;\s*$/, '')
      .trim(),
  );
}

/**
 * Macro bodies read before: a tree's header macros are read again at every visit of every file that
 * includes them (each visit's context is a copy, so only the text can be the key).
 */
const statements = new Map<string, string>();
const MEMO_SIZE = 50000;

/**
 * `countFields` (tree/count-fields.ts): a macro whose one counted call is an atomic primitive on a count
 * field of a parameter (`#define put_domain(d) if (atomic_dec_and_test(&(d)->refcnt)) domain_destroy(d)`)
 * acts like it too. A macro with several counted calls acts like one of them when they are the arms of one
 * `if`/`else` and do the same to the same argument (`if (_locked) rtfree_locked((_ro)->ro_rt); else
 * rtfree((_ro)->ro_rt);`): whichever arm runs, that is what the macro does.
 */
export function macroEffects(
  defines: MacroDefinition[],
  model: Model,
  countFields?: ReadonlySet<string>,
): Map<string, Effect[]> {
  const out = new Map<string, Effect[]>();
  const rowsOf = (name: string) => model.functions.get(name);
  for (const d of defines) {
    if (!d.params || model.functions.has(d.name)) continue;
    const effects = effectsOf(d, rowsOf, countFields);
    if (effects) out.set(d.name, effects);
  }
  return out;
}

function effectsOf(
  d: MacroDefinition,
  rowsOf: (name: string) => Effect[] | undefined,
  countFields?: ReadonlySet<string>,
): Effect[] | undefined {
  let body = macroStatement(d.body);
  while (body.startsWith('(') && body.endsWith(')')) body = body.slice(1, -1).trim();
  const countsField = (m: RegExpMatchArray): boolean => {
    if (!countFields || !countPrimitive(m[1])) return false;
    const f = /^\s*(?:[^,()]*,\s*)?&\s*\(?\s*\(?\s*\w+\s*\)?\s*(?:->|\.)\s*(\w+)\s*\)?\s*[,)]/.exec(
      body.slice(m.index! + m[0].length),
    );
    return !!f && countFields.has(f[1]);
  };
  const calls = [...body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)].filter(
    (m) => (m[1] !== d.name && rowsOf(m[1])) || countsField(m),
  );
  if (!calls.length) return undefined;
  const each = calls.map((call) => callEffects(d, body, call, rowsOf, countFields));
  const first = each[0];
  if (!first?.effects.length) return undefined;
  // several counted calls: the arms of one `if`/`else`, each doing what the first does
  const same = (x: Effect[]) => x.length === first.effects.length && x.every((e, i) => sameEffect(e, first.effects[i]));
  const arms = each.every(
    (x, i) => i === 0 || (!!x && same(x.effects) && elseArm(body.slice(each[i - 1]!.close + 1, calls[i].index))),
  );
  return arms ? first.effects : undefined;
}

/** What one counted call of a macro's body does, in terms of the macro's parameters; `close` is its `)`. */
function callEffects(
  d: MacroDefinition,
  body: string,
  call: RegExpMatchArray,
  rowsOf: (name: string) => Effect[] | undefined,
  countFields?: ReadonlySet<string>,
): { effects: Effect[]; close: number } | undefined {
  const open = call.index! + call[0].length - 1;
  let depth = 0,
    close = -1;
  for (let i = open; i < body.length; i++) {
    if (body[i] === '(') depth++;
    else if (body[i] === ')') {
      depth--;
      if (depth === 0) {
        close = i;
        break;
      }
    }
  }
  if (close < 0) return undefined;
  const innerArgs = splitTopLevel(body.slice(open + 1, close));
  const effects: Effect[] = [];
  const known = rowsOf(call[1]);
  const prim = known ? undefined : countPrimitive(call[1]);
  const fieldOf = (a: string) => (/^\s*&/.test(a) ? /(\w+)\s*\)?\s*$/.exec(a)?.[1] : undefined);
  const at = prim ? innerArgs.findIndex((a) => countFields?.has(fieldOf(a) ?? '')) : -1;
  if (prim && at < 0) return undefined;
  const rows = prim ? [countEffect(prim.op, at, prim.onlyIfTrue, fieldOf(innerArgs[at])!)] : known!;
  const params = d.params!;
  for (const e of rows) {
    const target = retarget(e.target, innerArgs, params);
    if (!target) continue;
    const when = e.when
      .map((a) => (a.kind === 'ret' ? a : { ...a, target: retarget(a.target, innerArgs, params) }))
      .filter((a) => a.kind === 'ret' || a.target);
    if (when.length !== e.when.length) continue;
    // a pointer the body reaches (`(_ro)->ro_rt`), released only when it is not NULL and cleared after
    const pointer = e.op === 'release' && e.target.base === 'arg' && !e.target.segs.length && target.segs.length;
    const given = pointer ? innerArgs[e.target.index] : undefined;
    effects.push({
      ...e,
      target,
      when: when as Effect['when'],
      ...(given && guarded(body, given, call.index!) ? { nullGuarded: true } : {}),
      ...(given && clearedAfter(body, given, close) ? { clears: true } : {}),
      source: `macro ${d.name} (line ${d.line}) -> ${e.source}`,
      label: e.label,
    });
  }
  return { effects, close };
}

/** Text without spaces or the parentheses around it: `( (_ro)->ro_rt )` and `(_ro)->ro_rt` read alike. */
function bare(text: string): string {
  let t = text.replace(/\s+/g, '');
  while (t.startsWith('(') && t.endsWith(')') && balancedParens(t.slice(1, -1))) t = t.slice(1, -1);
  return t;
}

/**
 * The call at `at` runs only when `given` is not NULL: under `if (given != NULL) {` (or `if (given) {`) whose
 * block is still open there, or as the very statement of such an `if`.
 */
function guarded(body: string, given: string, at: number): boolean {
  const g = bare(given);
  for (const m of body.slice(0, at).matchAll(/\bif\s*\(/g)) {
    const open = m.index! + m[0].length - 1;
    let depth = 0,
      close = -1;
    for (let i = open; i < at; i++) {
      if (body[i] === '(') depth++;
      else if (body[i] === ')' && --depth === 0) {
        close = i;
        break;
      }
    }
    if (close < 0) continue;
    const cond = bare(body.slice(open + 1, close));
    if (cond !== g && cond !== `${g}!=NULL` && cond !== `(${g})!=NULL` && cond !== `NULL!=${g}`) continue;
    const rest = body.slice(close + 1, at);
    if (!/^\s*\{/.test(rest)) {
      if (!rest.trim()) return true;
      continue;
    }
    let braces = 0;
    let inside = true;
    for (const c of rest) {
      if (c === '{') braces++;
      else if (c === '}' && --braces === 0) inside = false;
    }
    if (inside) return true;
  }
  return false;
}

/** The body sets `given` to NULL after the call that ends at `close` (`rtfree((_ro)->ro_rt); (_ro)->ro_rt = NULL;`). */
function clearedAfter(body: string, given: string, close: number): boolean {
  const g = bare(given);
  return body
    .slice(close + 1)
    .split(/[;{}]/)
    .some((statement) => {
      const m = /^(.*?)=(NULL|0)$/.exec(statement.replace(/\s+/g, ''));
      return !!m && !/[=!<>]$/.test(m[1]) && bare(m[1]) === g;
    });
}

/** The text between one call and the next makes the next the `else` arm of the statement the first ends. */
function elseArm(between: string): boolean {
  return /^\s*;\s*\}?\s*else\s*\{?\s*$/.test(between);
}

/** Two effects of a macro's calls that count the same thing on the same argument, whichever call made them. */
function sameEffect(a: Effect, b: Effect): boolean {
  const { source: _a, label: _la, ...x } = a;
  const { source: _b, label: _lb, ...y } = b;
  return JSON.stringify(x) === JSON.stringify(y);
}

/**
 * The arguments a function-like macro never names in its body (`#define DBGP(...) {0;}`, a debug
 * print compiled out; `#define UNUSED(x) ((void)0)`): a call of it cannot keep them, so a reference
 * given to it is not handed on. A variadic macro's `...` (or GNU `args...`) stands for every argument
 * from its place on. By macro name, the indices of the arguments it drops and where its variadic
 * part starts (undefined when it names it).
 */
export interface DroppedArgs {
  readonly dropped: ReadonlySet<number>;
  /** The first argument of a variadic part the body never names (`__VA_ARGS__`, `##args`). */
  readonly restFrom?: number;
}

export function droppedMacroArgs(defines: readonly MacroDefinition[]): Map<string, DroppedArgs> {
  const out = new Map<string, DroppedArgs>();
  // a name defined several times in a tree (one per architecture: ia64's `put_gfn(d, g) ((void)0)`
  // beside x86's call) drops an argument only where every definition drops it
  const usesAll = new Set<string>();
  for (const d of defines) {
    if (!d.params) continue;
    const { dropped, restFrom } = unnamedParams(d.params, d.body);
    if (!dropped.size && restFrom === undefined) {
      usesAll.add(d.name);
      out.delete(d.name);
    } else if (!usesAll.has(d.name)) {
      const before = out.get(d.name);
      const both = before ? new Set([...dropped].filter((i) => before.dropped.has(i))) : dropped;
      const rest = before && before.restFrom !== restFrom ? undefined : restFrom;
      if (both.size || rest !== undefined) out.set(d.name, { dropped: both, restFrom: rest });
      else {
        usesAll.add(d.name);
        out.delete(d.name);
      }
    }
  }
  return out;
}

/** The parameters a macro's body never names (by index), and where a variadic part it never names starts. */
function unnamedParams(params: readonly string[], text: string): { dropped: Set<number>; restFrom?: number } {
  const key = `${params.join('\u0001')}\u0000${text}`;
  const known = remembered(unnamed, key, MEMO_SIZE, () => {
    const body = macroStatement(text);
    // a damaged parameter list (`#define TRACE(x (void0)`) gives "parameters" that are not names
    const names = (word: string) =>
      new RegExp(`(^|[^\\w])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w])`).test(body);
    const dropped: number[] = [];
    let restFrom: number | undefined;
    params.forEach((p, i) => {
      const variadic = p.endsWith('...');
      const name = variadic ? p.slice(0, -3).trim() || '__VA_ARGS__' : p;
      if (names(name)) return;
      if (variadic) restFrom = i;
      else dropped.push(i);
    });
    return { dropped, restFrom };
  });
  return { dropped: new Set(known.dropped), restFrom: known.restFrom };
}

const unnamed = new Map<string, { dropped: number[]; restFrom?: number }>();

/** Whether macro `name` drops argument `arg` (by droppedMacroArgs). */
export function dropsArg(drops: ReadonlyMap<string, DroppedArgs>, name: string, arg: number): boolean {
  const d = drops.get(name);
  return !!d && (d.dropped.has(arg) || (d.restFrom !== undefined && arg >= d.restFrom));
}

/**
 * Function-like macros whose body ends by jumping to a label it is given
 * (`#define PIN_FAIL(_lbl, _rc, ...) do { ...; rc = (_rc); goto _lbl; } while (0)`): a statement
 * calling one is a `goto` to that argument's label. By name, the index of the label argument.
 */
export function jumpMacros(defines: readonly MacroDefinition[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of defines) {
    if (!d.params) continue;
    const m = /(?:^|[;{}])\s*goto\s+([A-Za-z_]\w*)\s*;?\s*\}?$/.exec(macroStatement(d.body));
    const index = m ? d.params.indexOf(m[1]) : -1;
    if (index >= 0) out.set(d.name, index);
    else out.delete(d.name);
  }
  return out;
}
