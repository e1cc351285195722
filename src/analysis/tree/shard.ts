/**
 * What one file contributes to the tree's index, read from its text alone (the pre-pass and
 * a brace scan, no parse): its function definitions with their linkage, parameters and
 * calls, the function-like macros it defines, the callbacks it registers and the
 * prototypes it declares. A shard depends on the text and the model's `#if` defines only,
 * so it is kept by content.
 */
import type { Model } from '../model/compiled';
import { prepass, type MacroDefinition, type PrepassResult } from '../parse/prepass';
import type { CalleeEvidence } from '../model/unknown-calls';
import { outlineFunctions } from '../parse/outline';
import { lineIndexAt } from '../parse/lines';
import { closingBracket, isIdentStart, isSpace, isWordChar } from '../parse/chars';
import { argumentSpans, splitTopLevel } from '../parse/split';
import { registrationsIn } from '../facts';
import { type DroppedArgs, droppedMacroArgs, dropsArg } from '../macros';
import { numberMacros } from '../parse/number-macros';
import { countFieldUses, macroCountEvidence } from './count-fields';

export const SHARD_VERSION = 7;

export interface ShardCall {
  /** The called name (a function or a function-like macro). */
  name: string;
  /** 1-based line of the call. */
  line: number;
  /** The arguments as written (whitespace folded), at most MAX_ARG_CHARS each. */
  args: string[];
  /** The call is the whole condition of an `if`/`while` or sits under `!` there (a predicate's use). */
  asCondition: boolean;
  /** The call's value is ignored (the call is a statement of its own). */
  asStatement: boolean;
}

export interface ShardFunction {
  name: string;
  static: boolean;
  inline: boolean;
  /** 1-based lines of the definition's first and last line. */
  line: number;
  endLine: number;
  /** Parameter names, in order ('' where a parameter has none). */
  params: string[];
  /** Parameter indices whose pointee is `const` (`const struct x *p`): the function cannot change it. */
  constParams: number[];
  /** Parameters stored into memory (`sc->dev = dev`): a reference held on them goes with them. */
  stores: number[];
  calls: ShardCall[];
  /** Statement macros with a body used here (`TAILQ_FOREACH`, `for_each_child_of_node`). */
  statementMacros: string[];
  /** Members it adds to or takes from that may be counts (`x->refcnt++`; see count-fields.ts), when any. */
  countUpdates?: string[];
}

export interface ShardPrototype {
  name: string;
  static: boolean;
  constParams: number[];
  params: number;
}

export interface TreeShard {
  version: number;
  functions: ShardFunction[];
  /** Function-like macros (`#define NAME(a, b) body`) the file defines. */
  macros: MacroDefinition[];
  /** Object-like macros spelled like variables that stand for a number (parse/number-macros.ts). */
  numbers?: Record<string, string>;
  /** Callbacks the file registers with the model's registrars. */
  callbacks: string[];
  /** Declarations without a body. */
  prototypes: ShardPrototype[];
  /** Members this file shows to be reference counts (count-fields.ts). */
  countFields: string[];
  /** `#include` targets as written (`sys/conf.h`, `"foo.h"` without quotes). */
  includes: string[];
  lines: number;
}

const MAX_ARG_CHARS = 80;
const NOT_CALLS = new Set([
  'if',
  'while',
  'for',
  'switch',
  'return',
  'sizeof',
  '_Alignof',
  'alignof',
  '__typeof',
  'typeof',
  '__typeof__',
  'defined',
  '__attribute__',
  '__asm__',
  'asm',
  '__asm',
  '_Static_assert',
  'static_assert',
  '__builtin_offsetof',
  'do',
  'case',
  'goto',
  'else',
]);

export function treeShard(text: string, model: Model): TreeShard {
  return shardOf(prepass(text, { defines: model.defines }), text, model);
}

/** The shard of a text already pre-passed (the analyser has done that). */
export function shardOf(pre: PrepassResult, text: string, model: Model): TreeShard {
  const masked = pre.masked;
  const outline = outlineFunctions(masked) ?? [];
  const line = (off: number) => lineIndexAt(pre.lineStarts, off) + 1;
  const functions: ShardFunction[] = [];
  const drops = droppedMacroArgs(pre.defines);
  const countFields = new Set<string>();
  for (const f of outline) {
    if (!f.name) continue;
    const head = masked.slice(f.start, f.bodyStart);
    const nameAt = head.lastIndexOf(f.name, head.indexOf('(') >= 0 ? findParams(head) : head.length);
    const before = head.slice(0, Math.max(0, nameAt));
    const paramText = paramsOf(head);
    const params = paramText.map(paramName);
    const body = masked.slice(f.bodyStart, f.bodyEnd);
    const counts = countFieldUses(body, params);
    for (const c of counts.evidence) countFields.add(c);
    const macrosHere = new Set<string>();
    for (const [off, m] of pre.statementMacros) if (off >= f.bodyStart && off < f.bodyEnd) macrosHere.add(m.name);
    functions.push({
      name: f.name,
      static: /\bstatic\b/.test(before),
      inline: /\b(__inline__|__inline|inline|__always_inline|__forceinline)\b/.test(before),
      line: line(f.start),
      endLine: line(f.bodyEnd - 1),
      params,
      constParams: constIndices(paramText),
      stores: storedParams(body, params),
      calls: callsIn(body, f.bodyStart, line, drops),
      statementMacros: [...macrosHere],
      ...(counts.updated.length ? { countUpdates: counts.updated } : {}),
    });
  }
  for (const d of pre.defines) if (d.params) for (const c of macroCountEvidence(d.params, d.body)) countFields.add(c);
  const numbers = numberMacros(pre.defines);
  return {
    version: SHARD_VERSION,
    functions,
    macros: pre.defines.filter((d) => d.params !== undefined),
    ...(Object.keys(numbers).length ? { numbers } : {}),
    callbacks: [...new Set(registrationsIn(masked, text, model, pre.lineStarts).map((r) => r.callback))],
    prototypes: prototypesIn(masked, outline),
    countFields: [...countFields].sort(),
    includes: [...text.matchAll(/^[ \t]*#[ \t]*include[ \t]*[<"]([^>"\n]+)[>"]/gm)].map((m) => m[1]),
    lines: pre.lineStarts.length,
  };
}

/** The offset of the `(` that opens the parameter list of a definition's head (its last top-level parenthesis). */
function findParams(head: string): number {
  let depth = 0;
  for (let i = head.length - 1; i >= 0; i--) {
    const c = head[i];
    if (c === ')') depth++;
    else if (c === '(' && --depth === 0) {
      // skip `__attribute__((...))` after the parameter list
      const word = wordBefore(head, i);
      if (word === '__attribute__' || word === '__attribute') continue;
      return i;
    }
  }
  return head.length;
}

function wordBefore(s: string, at: number): string {
  let e = at;
  while (e > 0 && isSpace(s.charCodeAt(e - 1))) e--;
  let b = e;
  while (b > 0 && isWordChar(s.charCodeAt(b - 1))) b--;
  return s.slice(b, e);
}

function paramsOf(head: string): string[] {
  const open = findParams(head);
  if (open >= head.length) return [];
  let depth = 0,
    close = -1;
  for (let i = open; i < head.length; i++) {
    if (head[i] === '(') depth++;
    else if (head[i] === ')' && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close < 0) return [];
  const inner = head
    .slice(open + 1, close)
    .replace(/\s+/g, ' ')
    .trim();
  if (!inner || inner === 'void') return [];
  return splitTopLevel(inner);
}

/** `struct cdev **dev` -> dev; `int (*fn)(void)` -> fn; `...` -> ''. */
function paramName(p: string): string {
  const fp = /\(\s*\*\s*([A-Za-z_]\w*)\s*\)/.exec(p);
  if (fp) return fp[1];
  const m = /([A-Za-z_]\w*)\s*(\[[^\]]*\]\s*)*$/.exec(p);
  if (!m) return '';
  const words = p.replace(/\[[^\]]*\]/g, '').match(/[A-Za-z_]\w*/g) ?? [];
  // a lone type (`int`, `struct x *`) names nothing
  if (words.length < 2 && !p.includes('*')) return '';
  return m[1];
}

/** Parameters written `const T *p` (the pointee is const), not `T *const p`. */
function constIndices(params: string[]): number[] {
  const out: number[] = [];
  params.forEach((p, i) => {
    const star = p.indexOf('*');
    if (star > 0 && /\bconst\b/.test(p.slice(0, star))) out.push(i);
  });
  return out;
}

/** `x->f = p;`, `a[i] = p;`, `s.f = p;`, `global = p;` where `p` is a parameter: the parameter is kept in memory. */
function storedParams(body: string, params: string[]): number[] {
  const out = new Set<number>();
  // the place stored to (`x->f`, `s.f`, `a[i]`, a plain name), then `= (cast) &name;`
  const place = /([\]\w)]\s*(?:->|\.)\s*[A-Za-z_]\w*|\]|\b[A-Za-z_]\w*)/;
  // (a cast first: in `= (uintptr_t)p;` the type's word is no value)
  const value = /\s*=\s*(?:\([^()]*\)\s*|\(\s*(?:\([^()]*\)\s*)?)?&?\s*([A-Za-z_]\w*)\s*\)?\s*[;,)]/;
  const re = new RegExp(place.source + value.source, 'g');
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    const before = body[m.index - 1];
    if (before === '=' || before === '!' || before === '<' || before === '>') continue;
    const i = params.indexOf(m[2]);
    if (i < 0) continue;
    // a plain name is a store only when the body does not declare it (a global), or when the statement writes
    // through it (`*store = (uintptr_t)p`: where a pointer points is memory, as an array slot is)
    if (/^[A-Za-z_]\w*$/.test(m[1]) && !writesThrough(body, m.index)) {
      const name = m[1];
      if (params.includes(name) || declaresLocal(body, name)) continue;
    }
    out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * The name at `at` is written through (`*p = v` as a statement): stars right before it, and before them the end
 * of another statement or of a control header, not a type (`struct foo *p = v` declares `p`, `int a, *p = v` too).
 */
function writesThrough(body: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && /\s/.test(body[i])) i--;
  if (body[i] !== '*') return false;
  while (i >= 0 && (body[i] === '*' || /\s/.test(body[i]))) i--;
  return i < 0 || ';{}):'.includes(body[i]);
}

/** `struct foo *name`, `int name = ...`, `type name;` inside a body. */
function declaresLocal(body: string, name: string): boolean {
  return new RegExp(`(?:\\b(?:struct|union|enum)\\s+\\w+|\\b[A-Za-z_]\\w*)\\s*[*\\s]+\\b${name}\\b\\s*[;=,[)]`).test(
    body,
  );
}

/**
 * The calls by name in a body. The arguments of a file macro that its body never names are gone
 * after preprocessing (`#define xsm_call(fn) 0`): the calls inside them are not calls.
 */
function callsIn(
  body: string,
  base: number,
  line: (off: number) => number,
  drops: ReadonlyMap<string, DroppedArgs>,
): ShardCall[] {
  const out: ShardCall[] = [];
  const n = body.length;
  let skip: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const gone = skip.find(([s, e]) => i >= s && i < e);
    if (gone) {
      i = gone[1] - 1;
      continue;
    }
    const c = body.charCodeAt(i);
    if (!isIdentStart(c) || (i > 0 && isWordChar(body.charCodeAt(i - 1)))) continue;
    let e = i;
    while (e < n && isWordChar(body.charCodeAt(e))) e++;
    const name = body.slice(i, e);
    let k = e;
    while (k < n && isSpace(body.charCodeAt(k))) k++;
    if (body[k] !== '(' || NOT_CALLS.has(name)) {
      i = e - 1;
      continue;
    }
    // a member call (`ops->fn(x)`) or a declaration (`int f(void);` inside a body) is not a call by name
    let p = i - 1;
    while (p >= 0 && isSpace(body.charCodeAt(p))) p--;
    if (body[p] === '>' && body[p - 1] === '-') {
      i = e - 1;
      continue;
    }
    if (body[p] === '.') {
      i = e - 1;
      continue;
    }
    const close = closingBracket(body, k);
    const args =
      close > k
        ? splitTopLevel(body.slice(k + 1, close))
            .map((a) => a.replace(/\s+/g, ' ').slice(0, MAX_ARG_CHARS))
            .filter((a, _idx, all) => a !== '' || all.length > 1)
        : [];
    out.push({
      name,
      line: line(base + i),
      args,
      asCondition: conditionUse(body, p, close),
      asStatement: statementUse(body, p, close),
    });
    if (drops.has(name) && close > k)
      skip = [
        ...skip.filter(([, end]) => end > i),
        ...argumentSpans(body, k, close)
          .filter((_, j) => dropsArg(drops, name, j))
          .map((a): [number, number] => [a.start, a.end]),
      ];
    i = e - 1;
  }
  return out;
}

/** `if (f(x))`, `if (!f(x))`, `while (f(x))`: the call is the whole test. */
function conditionUse(body: string, before: number, close: number): boolean {
  let p = before;
  if (body[p] === '!') {
    p--;
    while (p >= 0 && isSpace(body.charCodeAt(p))) p--;
  }
  if (body[p] !== '(') return false;
  const word = wordBefore(body, p);
  if (word !== 'if' && word !== 'while') return false;
  let q = close + 1;
  while (q < body.length && isSpace(body.charCodeAt(q))) q++;
  return body[q] === ')';
}

/** `f(x);` as a statement of its own. */
function statementUse(body: string, before: number, close: number): boolean {
  const prev = before < 0 ? '{' : body[before];
  if (prev !== ';' && prev !== '{' && prev !== '}' && prev !== ')' && prev !== ':') return false;
  if (prev === ')') {
    // `if (x) f(y);` is a statement; `(void)f(y)` too; `(a) f(b)` as a cast of a call is rare
  }
  let q = close + 1;
  while (q < body.length && isSpace(body.charCodeAt(q))) q++;
  return body[q] === ';';
}

/** Top-level declarations `... name(params);` outside the function definitions. */
function prototypesIn(masked: string, defs: { start: number; bodyEnd: number }[]): ShardPrototype[] {
  const out: ShardPrototype[] = [];
  let from = 0;
  const gaps: [number, number][] = [];
  for (const d of defs) {
    gaps.push([from, d.start]);
    from = d.bodyEnd;
  }
  gaps.push([from, masked.length]);
  const re = /(^|[;}])([^;{}]*?)\b([A-Za-z_]\w*)\s*\(([^;{}]*)\)\s*(?:__attribute__\s*\(\([^;{}]*\)\)\s*)*;/g;
  for (const [a, b] of gaps) {
    const s = masked.slice(a, b);
    let m: RegExpExecArray | null;
    re.lastIndex = 0;
    while ((m = re.exec(s))) {
      const head = m[2];
      if (/[=#]/.test(head) || NOT_CALLS.has(m[3])) continue;
      if (
        !/\b(struct|union|enum|void|int|char|long|short|unsigned|signed|bool|_Bool|size_t|[a-z_]\w*_t)\b|\*/.test(
          head + ' ' + m[4],
        )
      )
        continue;
      const params =
        m[4].trim() === '' || m[4].trim() === 'void' ? [] : splitTopLevel(m[4].replace(/\s+/g, ' ').trim());
      out.push({
        name: m[3],
        static: /\bstatic\b/.test(head),
        constParams: constIndices(params),
        params: params.length,
      });
    }
  }
  return out;
}

/**
 * What the shards say of functions called without a body: the parameters a prototype declares
 * `const T *`, and whether every call of each is the whole test of an `if` or `while`.
 */
export function calleeEvidence(shards: Iterable<TreeShard>): Map<string, CalleeEvidence> {
  const constParams = new Map<string, number[]>();
  const uses = new Map<string, { all: number; tests: number }>();
  for (const sh of shards) {
    for (const p of sh.prototypes) if (!constParams.has(p.name)) constParams.set(p.name, p.constParams);
    for (const f of sh.functions) {
      for (const c of f.calls) {
        const u = uses.get(c.name) ?? { all: 0, tests: 0 };
        u.all++;
        if (c.asCondition) u.tests++;
        uses.set(c.name, u);
      }
    }
  }
  const out = new Map<string, CalleeEvidence>();
  for (const name of new Set([...constParams.keys(), ...uses.keys()])) {
    const u = uses.get(name);
    out.set(name, { constParams: constParams.get(name), onlyAsCondition: !!u && u.all > 0 && u.tests === u.all });
  }
  return out;
}
