/**
 * What the parts of one function's analysis share: its CFG, the model, the summaries of its
 * callees, the node being transferred, the names of call results, and what is read once
 * from the whole body before the run (variables assigned from more than one call, locals
 * computed from parameters). Also the words for an object or an expression.
 */
import type { FlagGuarded } from './state-words';
import type { MacroAliases } from '../tree/macro-aliases';
import type { ParamUse } from '../tree/macro-params';
import type { Cfg, CfgNode, Scope, VarDecl } from '../cfg/cfg';
import type { Syn } from '../parse/syntax';
import type { Atom, Effect, Model, Target } from '../model/compiled';
import type { Summary } from './summary';
import {
  type AccessPath,
  extend,
  keyOf,
  parseKey,
  display,
  rootName,
  overwrittenDisplay,
  splitOverwrite,
} from './access';
import { StateKeys, type Condition, type State } from './state';
import { factOf } from './state-edits';
import { decide } from './fact-tests';
import { CONST_NAME, isZeroConst, NULL_NAME, type Val } from './values';
import { pointerParams } from './pointer-params';

/** The budgets of one function's run: each counts work, so a cut is the same on every machine. */
export interface EngineOptions {
  /** Path states visited before the run stops. */
  maxStates: number;
  /** Path states still visited once a cut has made the result partial. */
  maxStatesAfterCut: number;
  /** Different states waiting at one node before they are widened (and past that, cut). */
  maxStatesPerNode: number;
  /** Outcomes one expression may have (`f(a ? b : c, d ? e : g)` multiplies them) before the rest are cut. */
  maxOutcomes: number;
}

export interface EngineInput {
  cfg: Cfg;
  model: Model;
  summaries: ReadonlyMap<string, Summary>;
  /** Original source (same offsets as the tree). */
  source: string;
  /** Facts the invoker guarantees about parameters (from a registration). */
  paramFacts: Atom[];
  options: EngineOptions;
  /** Effects inferred for this file (zero-config pairs), consulted after the model. */
  inferred?: ReadonlyMap<string, Effect[]>;
  /** Macros that are one call of a function under another name (tree mode: the headers' wrappers). */
  aliases?: MacroAliases;
  /** The file's object-like macros that give a called name another function's (`#define a_get b_get`). */
  renames?: ReadonlyMap<string, string>;
  /** What function-like macros do with each argument (tree mode: the file's and its headers' macros). */
  macroArgs?: ReadonlyMap<string, ParamUse[]>;
  /** Whether a callee nobody describes keeps argument `arg` (absent: it keeps everything it is given). */
  keeps?: (callee: string, arg: number) => boolean;
  /** Arguments of a function-like macro its body never names: gone after preprocessing, never evaluated. */
  dropped?: (callee: string, arg: number) => boolean;
  /** Members the tree shows to be reference counts (tree/count-fields.ts): their updates are counted. */
  countFields?: ReadonlySet<string>;
  /** Macros spelled like variables that stand for a number (`GNTST_okay` -> `0`; parse/number-macros.ts). */
  numbers?: Readonly<Record<string, string>>;
  /** Locals that only ever hold a pointer read from a structure (paths/read-from-structure.ts). */
  fromStructure?: ReadonlySet<string>;
  /** Locals that only ever hold a variable's companion structure, and that variable (paths/companions.ts). */
  companions?: ReadonlyMap<string, string>;
  /** Nodes inside an `if` that tests a flag of an object's own state word, and those objects (state-words.ts). */
  flagGuarded?: FlagGuarded;
  /** Nodes inside an `if` that tests whether a user counter the function keeps in step is zero (counter-guards.ts). */
  counterGuarded?: ReadonlySet<number>;
}

export class FunctionContext {
  readonly cfg: Cfg;
  readonly model: Model;
  readonly src: string;
  readonly decls: ReadonlyMap<string, VarDecl>;
  readonly summaries: ReadonlyMap<string, Summary>;
  readonly inferred: ReadonlyMap<string, Effect[]> | undefined;
  /** Calls to functions of this file that had no summary (recursion). */
  readonly unknownCalls = new Set<string>();
  /** Splits on forgotten values so far (each names one, see Doubt). */
  splits = 0;
  /** Variables assigned from more than one call: conditions on them name the call. */
  readonly reassigned = new Set<string>();
  /** Parameters and the locals computed from them (`cdp = cdev2priv(dev)`). */
  readonly paramDerived = new Set<string>();
  /** Parameters that hold a pointer, declared so or used as one (`vnode_t dvp`; pointer-params.ts). */
  readonly pointerParams: ReadonlySet<string>;
  /** What a call result (`$c<offset>`) is called in the output: `clone_create()`. */
  readonly tempNames = new Map<string, string>();
  /** A call result as written (`to_sensor(k)`), when short: the name of an object it holds (`to_sensor(k)->dev`). */
  readonly callTexts = new Map<string, string>();
  readonly keys = new StateKeys();
  /**
   * Identifiers this function uses as case labels: constants whatever their spelling (an enum's
   * `XENMAPSPACE_gmfn`), so a test against one outside its switch is read as a test of a value.
   */
  readonly caseLabels = new Set<string>();
  /** The node being transferred (its scope resolves names). */
  node!: CfgNode;
  private readonly conditions = new Map<string, Condition>();
  /** Why states were merged or dropped on the way (the run went on): the first cut. */
  cut?: string;

  constructor(
    readonly input: EngineInput,
    readonly returnsPointer: boolean,
  ) {
    this.cfg = input.cfg;
    this.model = input.model;
    this.src = input.source;
    this.decls = input.cfg.decls;
    this.summaries = input.summaries;
    this.inferred = input.inferred;
    const sites = new Map<string, number>();
    const walk = (x: Syn | undefined) => {
      if (!x) return;
      if (
        x.type === 'assignment_expression' &&
        x.fields.left?.type === 'identifier' &&
        x.fields.right?.type === 'call_expression'
      ) {
        const n = x.fields.left.text ?? '';
        sites.set(n, (sites.get(n) ?? 0) + 1);
      }
      for (let i = 0; i < x.children.length; i++) walk(x.children[i]);
    };
    for (const n of input.cfg.nodes) {
      if (n.kind === 'init' && n.decl && n.ast?.type === 'call_expression')
        sites.set(n.decl.name, (sites.get(n.decl.name) ?? 0) + 1);
      walk(n.ast);
    }
    for (const [n, c] of sites) if (c > 1) this.reassigned.add(n);
    const countsArg = (name: string, i: number) =>
      (input.model.functions.get(name) ?? []).some(
        (ef) => ef.target.base === 'arg' && ef.target.index === i && !ef.target.segs.length,
      ) ||
      !!input.summaries
        .get(name)
        ?.paths.some((sp) =>
          sp.effects.some((ef) => ef.target.base === 'arg' && ef.target.index === i && !ef.target.segs.length),
        );
    this.pointerParams = pointerParams(input.cfg, countsArg);
    for (const n of input.cfg.nodes)
      for (const e of n.edges)
        if (e.caseValue?.type === 'identifier' && e.caseValue.text) this.caseLabels.add(e.caseValue.text);
    // locals computed from parameters (`cdp = cdev2priv(dev)`): conditions on them depend on the caller's input
    const flows: [string, Syn][] = [];
    const collect = (x: Syn | undefined) => {
      if (!x) return;
      if (x.type === 'assignment_expression' && x.fields.left?.type === 'identifier')
        flows.push([x.fields.left.text ?? '', x.fields.right]);
      for (let i = 0; i < x.children.length; i++) collect(x.children[i]);
    };
    for (const n of input.cfg.nodes) {
      if (n.kind === 'init' && n.decl && n.ast) flows.push([n.decl.name, n.ast]);
      collect(n.ast);
    }
    const names = (x: Syn, out: Set<string>) => {
      if (x.type === 'identifier' && x.text) out.add(x.text);
      for (let i = 0; i < x.children.length; i++) names(x.children[i], out);
    };
    for (const p of input.cfg.params) this.paramDerived.add(p.name);
    for (let changed = true, rounds = 0; changed && rounds < 8; rounds++) {
      changed = false;
      for (const [lhs, rhs] of flows) {
        if (this.paramDerived.has(lhs) || !rhs) continue;
        const callee =
          rhs.type === 'call_expression' && rhs.fields.function?.type === 'identifier'
            ? (rhs.fields.function.text ?? '')
            : undefined;
        if (callee !== undefined && (input.model.functions.has(callee) || input.summaries.has(callee))) continue;
        const used = new Set<string>();
        names(rhs, used);
        if ([...used].some((u) => this.paramDerived.has(u))) {
          this.paramDerived.add(lhs);
          changed = true;
        }
      }
    }
  }

  /** The one Condition object for these texts (paths compare conditions by identity). */
  condition(source: string, words = source): Condition {
    const k = `${source}\n${words}`;
    let c = this.conditions.get(k);
    if (!c) {
      c = { source, words };
      this.conditions.set(k, c);
    }
    return c;
  }

  /** Records a cut that drops states or outcomes; the result will say the run was cut, and why. */
  noteCut(reason: string): void {
    this.cut ??= reason;
  }

  // ---------- text helpers ----------
  text(e: Syn | undefined): string {
    if (!e) return '';
    return this.src.slice(e.start, e.end).replace(/\s+/g, ' ').trim();
  }

  /** The call as written, when it is short enough to name an object by (else undefined). */
  callText(e: Syn): string | undefined {
    const t = this.text(e);
    return t.length <= CALL_TEXT_MAX ? t : undefined;
  }

  shortText(e: Syn | undefined, max = 70): string {
    let t = this.text(e);
    while (t.startsWith('(') && t.endsWith(')') && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
    return t.length > max ? t.slice(0, max - 1) + '…' : t;
  }

  displayKey(key: string): string {
    const over = splitOverwrite(key);
    if (over) return overwrittenDisplay(this.displayKey(over.key), over.line);
    const p = parseKey(key);
    if (p.root.startsWith('$')) return display(p, this.callTexts.get(p.root) ?? this.tempNames.get(p.root) ?? 'result');
    return display(p, rootName(p.root, this.decls));
  }

  // ---------- kinds ----------
  kindOf(p: AccessPath): string | undefined {
    const d = this.decls.get(p.root);
    if (!d?.typeName) return undefined;
    if (p.segs.some((s) => s !== '*')) return undefined;
    if (d.pointerDepth - p.segs.length !== 1) return undefined;
    return this.model.kinds.get(d.typeName) ?? d.typeName;
  }

  // ---------- identifiers ----------
  resolve(name: string, scope: Scope, st: State): Val {
    const d = scope.get(name);
    if (d) {
      const a = st.aliases.get(d.id);
      return { k: 'path', p: a ? parseKey(a) : { root: d.id, segs: [] } };
    }
    if (NULL_NAME.test(name)) return { k: 'const', c: '0' };
    const n = this.numberOf(name);
    if (n !== undefined) return { k: 'const', c: n };
    if (this.isConstName(name)) return { k: 'const', c: name };
    return { k: 'path', p: { root: `g:${name}`, segs: [] } };
  }

  /** The number a macro spelled like a variable stands for (`GNTST_bad_domain`: `-2`), for a name not declared here. */
  numberOf(name: string): string | undefined {
    const n = this.input.numbers;
    return n && Object.hasOwn(n, name) ? n[name] : undefined;
  }

  /** A name not declared here that reads as a constant: upper case, or one of this function's case labels. */
  isConstName(name: string): boolean {
    return CONST_NAME.test(name) || this.caseLabels.has(name);
  }

  /** The access path a model target (`*arg1`, `arg0->nm_mem`, `ret`) names at a call. */
  targetPath(t: Target, vals: Val[], temp: string): AccessPath | undefined {
    let p: AccessPath;
    if (t.base === 'ret') p = { root: temp, segs: [] };
    else {
      const v = vals[t.index];
      if (v?.k !== 'path') return undefined;
      p = v.p;
    }
    for (const s of t.segs) p = extend(p, s);
    if (p.segs[p.segs.length - 1] === '&') p = { root: p.root, segs: p.segs.slice(0, -1) };
    return p;
  }

  isNullVal(v: Val | undefined, st: State): boolean | undefined {
    if (!v) return undefined;
    // a number the caller wrote (`socket_lock(so, 1)`) decides the callee's test of that parameter
    if (v.k === 'const')
      return isZeroConst(v.c)
        ? true
        : /^(?:[1-9]\d*|0[xX]0*[1-9a-fA-F][\da-fA-F]*)[uUlL]*$/.test(v.c)
          ? false
          : undefined;
    if (v.k !== 'path') return undefined;
    if (v.p.segs[v.p.segs.length - 1] === '&') return false;
    const known = decide(factOf(st, keyOf(v.p)), { op: 'eq', c: '0' });
    if (known !== undefined || v.p.segs.length) return known;
    // a parameter the function reads through and never assigns is an object, where the path never tested it
    const d = this.decls.get(v.p.root);
    return d?.isParam && this.dereferencedParam(d.name) ? false : undefined;
  }

  private nameUses?: { read: ReadonlySet<string>; assigned: ReadonlySet<string> };

  /** The names the body reads through (`d->f`) and the names it assigns, from one walk of its nodes. */
  private uses(): { read: ReadonlySet<string>; assigned: ReadonlySet<string> } {
    if (!this.nameUses) {
      const read = new Set<string>();
      const assigned = new Set<string>();
      const walk = (y: Syn | undefined) => {
        if (!y) return;
        const base = y.fields.argument;
        if (y.type === 'field_expression' && y.op === '->' && base?.type === 'identifier') read.add(base.text ?? '');
        const left = y.fields.left;
        if (y.type === 'assignment_expression' && left?.type === 'identifier') assigned.add(left.text ?? '');
        for (let i = 0; i < y.children.length; i++) walk(y.children[i]);
      };
      for (const node of this.cfg.nodes) walk(node.ast);
      this.nameUses = { read, assigned };
    }
    return this.nameUses;
  }

  /**
   * A parameter the body reads through (`d->f`) and never assigns: the function takes it to be an
   * object. A path that tested it still knows what it learned (the facts are asked first).
   */
  dereferencedParam(name: string): boolean {
    return this.readThroughParam(name) && !this.uses().assigned.has(name);
  }

  /** A parameter the body reads through (`d->f`), assigned or not. */
  readThroughParam(name: string): boolean {
    return !!this.decls.get(name)?.isParam && this.uses().read.has(name);
  }
}

/** Longest call text an object is named by (`mfn_to_page(mfn)`); a longer one is shown by its function's name. */
const CALL_TEXT_MAX = 48;

/** The path state's name for the result of the call `e`. */
export function resultOf(e: Syn): string {
  return `$c${e.start}`;
}

/** The name of the function a call calls, when it is called by name (`f(x)`, `(f)(x)`). */
export function calleeName(e: Syn): string | undefined {
  let f = e.fields.function;
  while (f && f.type === 'parenthesized_expression' && f.children.length === 1) f = f.children[0];
  return f?.type === 'identifier' ? f.text : undefined;
}

export function balanced(s: string): boolean {
  let d = 0;
  for (const c of s) {
    if (c === '(') d++;
    else if (c === ')') {
      d--;
      if (d < 0) return false;
    }
  }
  return d === 0;
}

/** A state leaving a node by one of its edges. */
export interface Successor {
  to: number;
  st: State;
  kind: string;
}
