/**
 * The model in the form the analysis reads: targets and conditions parsed once.
 */
import type { UnknownCallsSpec } from './unknown-calls';
import type { IteratorSpec, RegistrationSpec, OpName } from './types';
import { MacroTable } from '../parse/conditional';

export type Seg = '*' | `.${string}`;

export interface Target {
  base: 'arg' | 'ret';
  index: number;
  segs: Seg[];
  text: string;
}

export type Atom =
  | { kind: 'ret'; test: 'eq0' | 'ne0' | 'lt0' | 'ge0' | 'gt0' }
  | { kind: 'flag'; target: Target; flag: string; negated: boolean }
  | { kind: 'null'; target: Target; isNull: boolean }
  /** `arg0 != IDLE_DOMAIN_ID`: an argument compared with a named constant. */
  | { kind: 'const'; target: Target; name: string; equal: boolean };

export interface Effect {
  op: OpName;
  target: Target;
  when: Atom[];
  /**
   * What must hold of the arguments for the call's result to pass `when`'s tests of `ret`
   * (`get_domain_by_id()` never finds the idle domain): paths where it fails have no such result.
   */
  onlyIf?: Atom[];
  kind?: string;
  count: number;
  counter?: string;
  label?: string;
  /** A release of NULL is a bug, not a no-op (EffectSpec.nullSafe false). */
  nullUnsafe?: boolean;
  /**
   * A header macro's release of a pointer its argument reaches, under a test that it is not NULL
   * (`if ((_ro)->ro_rt != NULL) rtfree((_ro)->ro_rt);` in `ROUTE_RELEASE(ro)`): it gives back what is there if
   * anything is. Where the path holds a reference there (a callee filled the caller's route), that one; where
   * it holds none (NULL, or a structure's cache it found filled), the structure's: bookkeeping, not counted.
   */
  nullGuarded?: true;
  /**
   * The call leaves the target NULL: a header macro's release clears the pointer it gave back
   * (`rtfree((_ro)->ro_rt); (_ro)->ro_rt = NULL;`), so a second use of the macro finds nothing.
   */
  clears?: true;
  /** Where it came from: "freebsd", a file path, "inferred". */
  source: string;
  inferred?: boolean;
}

export interface Model {
  functions: Map<string, Effect[]>;
  noreturn: Set<string>;
  transparent: Map<string, number>;
  returnsArgument: Map<string, number>;
  /** Calls whose result is a handle of an argument's object (a mapping, a frame number): name -> argument index. */
  handles: Map<string, number>;
  /** Lookups whose result is found by a handle of it (a page by its frame number): name -> argument index. */
  foundBy: Map<string, number>;
  nullTests: Set<string>;
  /** Calls read as `arg0 == arg1` (`mfn_eq(m, INVALID_MFN)`). */
  equals: Set<string>;
  borrows: Set<string>;
  /** The unknownCalls sections in load order (compiled by model/unknown-calls.ts). */
  unknownCalls: UnknownCallsSpec[];
  zeroes: Map<string, Target>;
  assigns: Map<string, { to: Target; value: number; returnsOld: boolean }>;
  /** Calls that link argument `value` into what argument `into` points to (a list insert without a body). */
  links: Map<string, { into: number | 'ret'; value: number }>;
  /** Calls that free memory: name -> argument index of the freed pointer. */
  frees: Map<string, number>;
  /** Assertions: name -> the argument that holds after the call (`holds: false`: that is false). */
  asserts: Map<string, { arg: number; holds: boolean }>;
  iterators: Map<string, IteratorSpec & { source: string }>;
  registrations: Map<string, (RegistrationSpec & { source: string; parsedFacts: Atom[] })[]>;
  kinds: Map<string, string>;
  /** Members that hold a kind's count (`v_iocount` -> vnode): a raw update counts on the struct that holds it. */
  countMembers: Map<string, { kind: string; counter?: string }>;
  /** Callback fields that pair up: taking field -> dropping field (`irq_enable` -> `irq_disable`). */
  pairedCallbacks: Map<string, string>;
  /** A function's own words for its return classes: name -> (`== 0`, `!= 0`, `< 0`, `== EBUSY` ...) -> words. */
  says: Map<string, Map<string, string>>;
  /** Macros for `#if`; `CONFIG_*`-style names define a whole prefix. */
  defines: MacroTable;
  /** Model names (presets, files) in load order. */
  sources: string[];
}

export function emptyModel(): Model {
  return {
    functions: new Map(),
    noreturn: new Set(),
    transparent: new Map(),
    returnsArgument: new Map(),
    handles: new Map(),
    foundBy: new Map(),
    nullTests: new Set(),
    equals: new Set(),
    borrows: new Set(),
    unknownCalls: [],
    zeroes: new Map(),
    assigns: new Map(),
    links: new Map(),
    frees: new Map(),
    asserts: new Map(),
    iterators: new Map(),
    registrations: new Map(),
    kinds: new Map(),
    countMembers: new Map(),
    pairedCallbacks: new Map(),
    says: new Map(),
    defines: new MacroTable(),
    sources: [],
  };
}

const TARGET_RE = /^\s*(\*?)\s*(ret|arg(\d+))((?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*)\s*$/;

export function parseTarget(text: string): Target {
  const m = TARGET_RE.exec(text);
  if (!m) throw new Error(`"${text}" is not a target: write argN, *argN, argN->field or ret`);
  const segs: Seg[] = [];
  for (const f of m[4].matchAll(/(->|\.)\s*([A-Za-z_]\w*)/g)) {
    if (f[1] === '->') segs.push('*');
    segs.push(`.${f[2]}`);
  }
  if (m[1]) segs.push('*');
  // `*arg1` derefs last but applies to the whole chain: *(arg1->f) is rare; keep C meaning for *argN
  return { base: m[2] === 'ret' ? 'ret' : 'arg', index: m[3] ? Number(m[3]) : -1, segs, text: text.trim() };
}

/** Removes parentheses that enclose the whole text: `((a) && b)` -> `(a) && b`. */
export function stripParens(s: string): string {
  let t = s.trim();
  while (t.startsWith('(') && t.endsWith(')')) {
    let depth = 0;
    let ok = true;
    for (let i = 0; i < t.length; i++) {
      if (t[i] === '(') depth++;
      else if (t[i] === ')') {
        depth--;
        if (depth === 0 && i < t.length - 1) {
          ok = false;
          break;
        }
      }
    }
    if (!ok) break;
    t = t.slice(1, -1).trim();
  }
  return t;
}

export function parseCondition(text: string | undefined): Atom[] {
  if (text === undefined || text.trim() === '' || text.trim() === 'true') return [];
  const atoms: Atom[] = [];
  for (const raw of text.split('&&')) {
    let s = stripParens(raw);
    let negated = false;
    if (s.startsWith('!')) {
      negated = true;
      s = stripParens(s.slice(1));
    }
    let m: RegExpExecArray | null;
    if (s === 'ret') {
      atoms.push({ kind: 'ret', test: negated ? 'eq0' : 'ne0' });
      continue;
    }
    if ((m = /^ret\s*(==|!=|<|>=|>)\s*(0|NULL)$/.exec(s))) {
      const op = m[1];
      let test: 'eq0' | 'ne0' | 'lt0' | 'ge0' | 'gt0' =
        op === '==' ? 'eq0' : op === '!=' ? 'ne0' : op === '<' ? 'lt0' : op === '>=' ? 'ge0' : 'gt0';
      if (negated) test = ({ eq0: 'ne0', ne0: 'eq0', lt0: 'ge0', ge0: 'lt0', gt0: 'eq0' } as const)[test];
      atoms.push({ kind: 'ret', test });
      continue;
    }
    if ((m = /^(.+?)\s*&\s*([A-Za-z_]\w*)$/.exec(s))) {
      atoms.push({ kind: 'flag', target: parseTarget(m[1]), flag: m[2], negated });
      continue;
    }
    // `arg1 != 0` on an int is the same zero test as `!= NULL` on a pointer (`ifnet_is_attached(ifp, refio)`)
    if ((m = /^(.+?)\s*(==|!=)\s*(?:NULL|0)$/.exec(s))) {
      const t = parseTarget(m[1]);
      // `ret.file != NULL`: a field of a result returned by value (fdget's struct fd) is a null test of its own
      if (t.base === 'ret' && t.segs.length === 0) {
        atoms.push({ kind: 'ret', test: (m[2] === '==') !== negated ? 'eq0' : 'ne0' });
        continue;
      }
      atoms.push({ kind: 'null', target: t, isNull: (m[2] === '==') !== negated });
      continue;
    }
    if ((m = /^(arg\d+(?:(?:->|\.)\w+)*)\s*(==|!=)\s*([A-Za-z_]\w*)$/.exec(s))) {
      atoms.push({ kind: 'const', target: parseTarget(m[1]), name: m[3], equal: (m[2] === '==') !== negated });
      continue;
    }
    throw new Error(
      `cannot read the condition "${raw.trim()}": write ret == 0, ret != NULL, ret.field != NULL,` +
        ' argN & FLAG, argN->field & FLAG, argN == NULL, argN != 0 or argN == NAME, joined by &&',
    );
  }
  return atoms;
}

export function atomText(a: Atom): string {
  switch (a.kind) {
    case 'ret':
      return { eq0: 'ret == 0', ne0: 'ret != 0', lt0: 'ret < 0', ge0: 'ret >= 0', gt0: 'ret > 0' }[a.test];
    case 'flag':
      return `${a.negated ? '!' : ''}(${a.target.text} & ${a.flag})`;
    case 'null':
      return `${a.target.text} ${a.isNull ? '==' : '!='} NULL`;
    case 'const':
      return `${a.target.text} ${a.equal ? '==' : '!='} ${a.name}`;
  }
}
