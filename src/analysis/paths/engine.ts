/**
 * The forward path analysis over one function's CFG. States carry the delta on
 * each object and facts about locals; equal states merge at joins, so paths are
 * never enumerated one by one. Loops run at most LOOP_BOUND times around.
 */
import type { Cfg, CfgNode, Scope, VarDecl } from '../cfg/cfg';
import { unwrapValue, type Syn } from '../parse/syntax';
import type { Atom, Effect, Model, Target } from '../model/compiled';
import type { Step } from '../result';
import { own } from '../tables';
import type { Summary, SummaryPath } from './summary';
import {
  type AccessPath, extend, keyOf, parseKey, keyShape, under, display, rootName, rootClass, throughPointer, embeddedInPointee,
  overwrittenKey, overwrittenDisplay, splitOverwrite,
} from './access';
import {
  type State, type ObjState, type Fact, type ParamCond, cons, with_, StateKeys, mergeInto, initialState, calleePathKey, hasDelta,
} from './state';

export const LOOP_BOUND = 2;

export interface EngineOptions {
  maxStates: number;
  maxStatesPerNode: number;
  maxMs: number;
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
}

export interface EngineResult {
  exits: State[];
  truncated: boolean;
  truncatedReason?: string;
  visits: number;
  /** Calls to functions of this file that had no summary (recursion). */
  unknownCalls: string[];
}

type Val =
  | { k: 'path'; p: AccessPath }
  | { k: 'const'; c: string }
  | { k: 'flags'; f: string[] }
  | { k: 'unknown' };

interface Out { st: State; v: Val }

const UNKNOWN: Val = { k: 'unknown' };
const CONST_NAME = /^[A-Z_][A-Z0-9_]*$/;
const ERRNO = /^-?E[A-Z0-9]+$/;

function isZeroConst(c: string): boolean { return c === '0' || c === 'NULL' || c === '0L' || c === '0UL'; }

function normNumber(text: string): string {
  const t = text.replace(/[uUlL]+$/, '');
  const n = Number.parseInt(t, t.startsWith('0x') || t.startsWith('0X') ? 16 : 10);
  return Number.isNaN(n) ? text : String(n);
}

type Test = { op: 'eq' | 'ne'; c: string } | { op: 'lt0' | 'ge0' | 'gt0' | 'le0' } | { op: 'has' | 'lacks'; flag: string };

/** What a fact says of a test: true, false or undefined (unknown). */
function decide(f: Fact | undefined, t: Test): boolean | undefined {
  if (!f) return undefined;
  switch (t.op) {
    case 'eq': case 'ne': {
      let r: boolean | undefined;
      if (f.eq !== undefined) {
        if (f.eq === t.c) r = true;
        else if (/^-?\d+$/.test(f.eq) && /^-?\d+$/.test(t.c)) r = false;
        else if (isZeroConst(t.c) && (ERRNO.test(f.eq) || /^-?[1-9]\d*$/.test(f.eq))) r = false;
        else if (isZeroConst(f.eq) && ERRNO.test(t.c)) r = false;
        else if (f.flags && f.flags.length && isZeroConst(t.c)) r = false;
      }
      if (r === undefined && f.ne?.includes(t.c)) r = false;
      if (r === undefined && isZeroConst(t.c) && f.ne?.some((x) => isZeroConst(x))) r = false;
      if (r === undefined && f.flags && isZeroConst(t.c)) r = f.flags.length === 0;
      if (r === undefined && isZeroConst(t.c) && f.has?.length) r = false;
      if (r === undefined) return undefined;
      return t.op === 'eq' ? r : !r;
    }
    case 'has': case 'lacks': {
      let r: boolean | undefined;
      if (f.flags) r = f.flags.includes(t.flag);
      else if (f.has?.includes(t.flag)) r = true;
      else if (f.lacks?.includes(t.flag)) r = false;
      else if (f.eq !== undefined && isZeroConst(f.eq)) r = false;
      else if (f.eq !== undefined && CONST_NAME.test(f.eq)) r = f.eq === t.flag;
      if (r === undefined) return undefined;
      return t.op === 'has' ? r : !r;
    }
    default: {
      const e = f.eq;
      if (e === undefined) {
        if (f.ne?.some(isZeroConst)) { if (t.op === 'le0' || t.op === 'gt0') return undefined; }
        return undefined;
      }
      const n = /^-?\d+$/.test(e) ? Number(e) : e.startsWith('-E') ? -1 : ERRNO.test(e) ? 1 : undefined;
      if (n === undefined) return undefined;
      return t.op === 'lt0' ? n < 0 : t.op === 'ge0' ? n >= 0 : t.op === 'gt0' ? n > 0 : n <= 0;
    }
  }
}

/** The fact that makes a test true. */
function factFor(t: Test, prior: Fact | undefined, truth: boolean): Fact {
  const f: Fact = { ...(prior ?? {}) };
  const positive = (t.op === 'eq' || t.op === 'has') === truth || ((t.op === 'ne' || t.op === 'lacks') && !truth);
  switch (t.op) {
    case 'eq': case 'ne':
      if (positive) { f.eq = t.c; f.ne = undefined; }
      else f.ne = [...(f.ne ?? []).filter((x) => x !== t.c), t.c];
      break;
    case 'has': case 'lacks':
      if (positive) f.has = union(f.has, [t.flag]);
      else f.lacks = union(f.lacks, [t.flag]);
      break;
    default: {
      const sign = (t.op === 'lt0') === truth ? 'neg' : (t.op === 'ge0') === truth ? 'nonneg' : (t.op === 'gt0') === truth ? 'pos' : 'nonpos';
      if (sign === 'neg' || sign === 'pos') f.ne = [...(f.ne ?? []), '0'];
      (f as Fact & { sign?: string }).sign = sign;
    }
  }
  return f;
}

function negateOp(op: string): string {
  return ({ '==': '!=', '!=': '==', '<': '>=', '>=': '<', '>': '<=', '<=': '>' } as Record<string, string>)[op] ?? op;
}
function mirrorOp(op: string): string {
  return ({ '<': '>', '>': '<', '<=': '>=', '>=': '<=' } as Record<string, string>)[op] ?? op;
}

export class FunctionEngine {
  private readonly cfg: Cfg;
  private readonly model: Model;
  private readonly src: string;
  private readonly decls: ReadonlyMap<string, VarDecl>;
  private readonly returnsPointer: boolean;
  /** Why states were merged or dropped at a node (the run went on). */
  private truncatedReason?: string;
  /** Why the run stopped before it was done (the state or time budget): what a reader most needs to know. */
  private stopReason?: string;
  private readonly unknownCalls = new Set<string>();
  private liveBefore: { has(name: string): boolean }[] = [];
  /** Variables assigned from more than one call: conditions on them name the call. */
  private readonly reassigned = new Set<string>();
  private node!: CfgNode;

  constructor(private readonly input: EngineInput, returnsPointer: boolean) {
    this.cfg = input.cfg;
    this.model = input.model;
    this.src = input.source;
    this.decls = input.cfg.decls;
    this.returnsPointer = returnsPointer;
    const sites = new Map<string, number>();
    const walk = (x: Syn | undefined) => {
      if (!x) return;
      if (x.type === 'assignment_expression' && x.fields.left?.type === 'identifier' && x.fields.right?.type === 'call_expression') {
        const n = x.fields.left.text ?? '';
        sites.set(n, (sites.get(n) ?? 0) + 1);
      }
      for (let i = 0; i < x.children.length; i++) walk(x.children[i]);
    };
    for (const n of input.cfg.nodes) {
      if (n.kind === 'init' && n.decl && n.ast?.type === 'call_expression') sites.set(n.decl.name, (sites.get(n.decl.name) ?? 0) + 1);
      walk(n.ast);
    }
    for (const [n, c] of sites) if (c > 1) this.reassigned.add(n);
    // locals computed from parameters (`cdp = cdev2priv(dev)`): conditions on them depend on the caller's input
    const flows: [string, Syn][] = [];
    const collect = (x: Syn | undefined) => {
      if (!x) return;
      if (x.type === 'assignment_expression' && x.fields.left?.type === 'identifier') flows.push([x.fields.left.text ?? '', x.fields.right]);
      for (let i = 0; i < x.children.length; i++) collect(x.children[i]);
    };
    for (const n of input.cfg.nodes) { if (n.kind === 'init' && n.decl && n.ast) flows.push([n.decl.name, n.ast]); collect(n.ast); }
    const names = (x: Syn, out: Set<string>) => { if (x.type === 'identifier' && x.text) out.add(x.text); for (let i = 0; i < x.children.length; i++) names(x.children[i], out); };
    for (const p of input.cfg.params) this.paramDerived.add(p.name);
    for (let changed = true, rounds = 0; changed && rounds < 8; rounds++) {
      changed = false;
      for (const [lhs, rhs] of flows) {
        if (this.paramDerived.has(lhs) || !rhs) continue;
        const callee = rhs.type === 'call_expression' && rhs.fields.function?.type === 'identifier' ? rhs.fields.function.text ?? '' : undefined;
        if (callee !== undefined && (input.model.functions.has(callee) || input.summaries.has(callee))) continue;
        const used = new Set<string>(); names(rhs, used);
        if ([...used].some((u) => this.paramDerived.has(u))) { this.paramDerived.add(lhs); changed = true; }
      }
    }
  }
  private readonly paramDerived = new Set<string>();

  // ---------- text helpers ----------
  private text(e: Syn | undefined): string {
    if (!e) return '';
    return this.src.slice(e.start, e.end).replace(/\s+/g, ' ').trim();
  }

  private shortText(e: Syn | undefined, max = 70): string {
    let t = this.text(e);
    while (t.startsWith('(') && t.endsWith(')') && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
    return t.length > max ? t.slice(0, max - 1) + '…' : t;
  }

  private displayKey(key: string): string {
    const over = splitOverwrite(key);
    if (over) return overwrittenDisplay(this.displayKey(over.key), over.line);
    const p = parseKey(key);
    if (p.root.startsWith('$')) return this.tempNames.get(p.root) ?? 'result';
    return display(p, rootName(p.root, this.decls));
  }
  private readonly tempNames = new Map<string, string>();

  // ---------- kinds ----------
  private kindOf(p: AccessPath): string | undefined {
    const d = this.decls.get(p.root);
    if (!d || !d.typeName) return undefined;
    if (p.segs.some((s) => s !== '*')) return undefined;
    if (d.pointerDepth - p.segs.length !== 1) return undefined;
    return this.model.kinds.get(d.typeName) ?? d.typeName;
  }

  // ---------- facts ----------
  private factOf(st: State, key: string): Fact | undefined {
    const direct = st.facts.get(key);
    if (direct) return direct;
    // a zeroed struct: every field below it is zero (make_dev_args_init, bzero)
    const p = parseKey(key);
    for (let n = p.segs.length - 1; n >= 0; n--) {
      if (p.segs.slice(n).some((s) => s === '*' || s === '[]')) break;
      const pre = keyOf({ root: p.root, segs: p.segs.slice(0, n) });
      const f = st.facts.get(pre);
      if (f && f.eq !== undefined && isZeroConst(f.eq) && (f as Fact & { zeroed?: boolean }).zeroed) return { eq: '0' };
    }
    return undefined;
  }

  private setFact(st: State, key: string, f: Fact | undefined): State {
    const facts = new Map(st.facts);
    for (const k of [...facts.keys()]) if (under(k, key)) facts.delete(k);
    if (f) facts.set(key, f);
    return with_(st, { facts });
  }

  /** A write to `key` kills what was known of it and of everything reached through it. */
  private killPath(st: State, key: string, mayWrite = false): State {
    let facts: Map<string, Fact> | undefined;
    for (const k of st.facts.keys()) if (under(k, key)) { facts ??= new Map(st.facts); facts.delete(k); }
    let aliases: Map<string, string> | undefined;
    // a call that only *may* write through a pointer leaves local copies naming what they named:
    // `dev = fp->minor->dev; f(fp); put(dev->dev)` releases the object the get took
    if (!mayWrite) for (const [v, target] of st.aliases) if (under(target, key) && target !== key) { aliases ??= new Map(st.aliases); aliases.delete(v); }
    if (!facts && !aliases) return st;
    return with_(st, { facts: facts ?? st.facts, aliases: aliases ?? st.aliases });
  }

  // ---------- identifiers ----------
  private resolve(name: string, scope: Scope, st: State): Val {
    const d = scope.get(name);
    if (d) {
      const a = st.aliases.get(d.id);
      return { k: 'path', p: a ? parseKey(a) : { root: d.id, segs: [] } };
    }
    if (name === 'NULL') return { k: 'const', c: '0' };
    if (CONST_NAME.test(name)) return { k: 'const', c: name };
    return { k: 'path', p: { root: `g:${name}`, segs: [] } };
  }

  // ---------- expressions ----------
  private seq(st: State, exprs: (Syn | undefined)[], then: (st: State, vals: Val[]) => Out[]): Out[] {
    // the common case: every argument has one outcome
    const vals: Val[] = [];
    let s = st;
    let i = 0;
    for (; i < exprs.length; i++) {
      const e = exprs[i];
      if (!e) { vals.push(UNKNOWN); continue; }
      const outs = this.eval(e, s);
      if (outs.length !== 1) break;
      s = outs[0].st;
      vals.push(outs[0].v);
    }
    if (i === exprs.length) return then(s, vals);
    const go = (i: number, s: State, vals: Val[]): Out[] => {
      if (i === exprs.length) return then(s, vals);
      const e = exprs[i];
      if (!e) return go(i + 1, s, [...vals, UNKNOWN]);
      return this.eval(e, s).flatMap((o) => go(i + 1, o.st, [...vals, o.v]));
    };
    return go(0, st, []);
  }


  eval(e: Syn, st: State): Out[] {
    switch (e.type) {
      case 'identifier': return [{ st, v: this.resolve(e.text ?? '', this.node.scope, st) }];
      case 'number_literal': return [{ st, v: { k: 'const', c: normNumber(e.text ?? '') } }];
      case 'null': case 'false': return [{ st, v: { k: 'const', c: '0' } }];
      case 'true': return [{ st, v: { k: 'const', c: '1' } }];
      case 'parenthesized_expression':
        return e.children.length ? this.eval(e.children[e.children.length - 1], st) : [{ st, v: UNKNOWN }];
      case 'cast_expression': return e.fields.value ? this.eval(e.fields.value, st) : [{ st, v: UNKNOWN }];
      case 'field_expression': {
        const field = e.fields.field?.text ?? '?';
        return this.eval(e.fields.argument, st).map((o) => {
          if (o.v.k !== 'path') return { st: o.st, v: UNKNOWN };
          let p = o.v.p;
          if (e.op === '->') p = extend(p, '*');
          return { st: o.st, v: { k: 'path', p: extend(p, `.${field}`) } };
        });
      }
      case 'pointer_expression':
        return this.eval(e.fields.argument, st).map((o) => (o.v.k === 'path' ? { st: o.st, v: { k: 'path', p: extend(o.v.p, e.op === '&' ? '&' : '*') } } : { st: o.st, v: UNKNOWN }));
      case 'subscript_expression':
        return this.seq(st, [e.fields.argument, e.fields.index], (s, [a]) => [{ st: s, v: a.k === 'path' ? { k: 'path', p: extend(a.p, '[]') } : UNKNOWN }]);
      case 'call_expression': return this.evalCall(e, st);
      case 'assignment_expression': return this.evalAssign(e, st);
      case 'unary_expression':
        return this.eval(e.fields.argument, st).map((o) => {
          if (e.op === '-' && o.v.k === 'const') return { st: o.st, v: { k: 'const', c: o.v.c.startsWith('-') ? o.v.c.slice(1) : `-${o.v.c}` } };
          return { st: o.st, v: UNKNOWN };
        });
      case 'binary_expression':
        return this.seq(st, [e.fields.left, e.fields.right], (s, [l, r]) => {
          if (e.op === '|') {
            const fl = (v: Val): string[] | undefined => (v.k === 'flags' ? v.f : v.k === 'const' ? (isZeroConst(v.c) ? [] : [v.c]) : undefined);
            const a = fl(l); const b = fl(r);
            if (a && b) return [{ st: s, v: { k: 'flags', f: [...a, ...b] } }];
          }
          return [{ st: s, v: UNKNOWN }];
        });
      case 'update_expression':
        return this.eval(e.fields.argument, st).map((o) => ({ st: o.v.k === 'path' ? this.killPath(o.st, keyOf(o.v.p)) : o.st, v: UNKNOWN }));
      case 'conditional_expression':
        return this.eval(e.fields.condition, st).flatMap((o) => [
          ...(e.fields.consequence ? this.eval(e.fields.consequence, o.st) : [{ st: o.st, v: UNKNOWN }]),
          ...this.eval(e.fields.alternative, o.st),
        ]);
      case 'comma_expression':
        return this.eval(e.fields.left, st).flatMap((o) => this.eval(e.fields.right, o.st));
      case 'sizeof_expression': case 'alignof_expression': case 'offsetof_expression': case 'string_literal':
      case 'concatenated_string': case 'char_literal': case 'gnu_asm_expression':
        return [{ st, v: UNKNOWN }];
      default: {
        // initialiser lists, compound literals, ERROR nodes: evaluate the calls inside
        let outs: Out[] = [{ st, v: UNKNOWN }];
        for (const c of e.children) {
          if (!/expression|initializer|identifier|ERROR|argument_list/.test(c.type)) continue;
          outs = outs.flatMap((o) => this.eval(c, o.st).map((x) => ({ st: x.st, v: UNKNOWN })));
          if (outs.length > 64) outs = outs.slice(0, 64);
        }
        return outs;
      }
    }
  }

  private calleeName(e: Syn): string | undefined {
    let f = e.fields.function;
    while (f && f.type === 'parenthesized_expression' && f.children.length === 1) f = f.children[0];
    return f?.type === 'identifier' ? f.text : undefined;
  }

  private evalCall(e: Syn, st: State): Out[] {
    const name = this.calleeName(e);
    const args = (e.fields.arguments?.children ?? []).filter((a) => a.type !== 'comment');
    if (name && this.model.transparent.has(name)) {
      const idx = this.model.transparent.get(name)!;
      return this.seq(st, args, (s, vals) => [{ st: s, v: vals[idx] ?? UNKNOWN }]);
    }
    const fnExpr = e.fields.function && e.fields.function.type !== 'identifier' ? [e.fields.function] : [];
    return this.seq(st, [...fnExpr, ...args], (s, all) => this.applyCall(name, e, all.slice(fnExpr.length), s));
  }

  private applyCall(name: string | undefined, e: Syn, vals: Val[], st: State): Out[] {
    const temp = `$c${e.start}`;
    this.tempNames.set(temp, `${name ?? 'call'}()`);
    const tempVal: Val = { k: 'path', p: { root: temp, segs: [] } };
    if (name && this.model.noreturn.has(name)) return [];
    const assigns = name ? this.model.assigns.get(name) : undefined;
    if (assigns) {
      // `rcu_assign_pointer(p, v)` is `p = v`; `old = rcu_replace_pointer(p, v, c)` also hands back p's old object
      const to = this.targetPath(assigns.to, vals, temp);
      if (to) {
        const key = keyOf(to);
        let s = st;
        let result = tempVal;
        if (assigns.returnsOld) {
          s = this.keepCopiedOldValue(s, key, e.line, true);
          result = { k: 'path', p: parseKey(overwrittenKey(key, e.line)) };
        }
        return [{ st: this.assign(s, to, '=', vals[assigns.value] ?? UNKNOWN, e.line), v: result }];
      }
    }
    const freed = name ? this.model.frees.get(name) : undefined;
    if (freed !== undefined) {
      const v = vals[freed];
      return [{ st: v?.k === 'path' ? this.containerFreed(st, keyOf(extend(v.p, '*')), e.line) : st, v: tempVal }];
    }
    if (name && this.model.zeroes.has(name)) {
      const p = this.targetPath(this.model.zeroes.get(name)!, vals, temp);
      if (p) {
        const facts = new Map(st.facts);
        const k = keyOf(p);
        for (const x of [...facts.keys()]) if (under(x, k)) facts.delete(x);
        facts.set(k, { eq: '0', zeroed: true } as Fact);
        st = with_(st, { facts });
      }
      return [{ st, v: tempVal }];
    }
    const effects = name ? this.model.functions.get(name) ?? this.inferredUnlessSummarised(name) : undefined;
    if (effects) {
      const same = name ? this.model.returnsArgument.get(name) : undefined;
      const result = same !== undefined && vals[same]?.k === 'path' ? vals[same] : tempVal;
      const onArg = result === tempVal ? effects : effects.map((ef) => (ef.target.base === 'ret' ? { ...ef, target: { ...ef.target, base: 'arg' as const, index: same! } } : ef));
      return this.applyModel(name!, onArg, vals, e, st, temp).map((s) => {
        // what the partition learnt about the result holds for the argument it returns
        const f = s.facts.get(temp);
        return { st: result !== tempVal && f && result.k === 'path' ? this.setFactKeep(s, keyOf(result.p), f) : s, v: result };
      });
    }
    const summary = name ? this.input.summaries.get(name) : undefined;
    if (summary) return this.applySummary(name!, summary, vals, e, st, temp);
    if (name && this.cfg.name === name) this.unknownCalls.add(name);
    if (name && this.model.borrows.has(name)) return [{ st, v: tempVal }];
    return [{ st: this.handOn(name ?? this.text(e.fields.function), vals, e.line, st), v: tempVal }];
  }

  /**
   * A name-paired guess (`x_get`/`x_put`) gives way to what the file's own bodies of both halves do: their
   * summaries know that `x_get()` takes the reference on `x->kref` and returns its argument.
   */
  private inferredUnlessSummarised(name: string): Effect[] | undefined {
    const effects = this.input.inferred?.get(name);
    const m = effects?.[0]?.inferred ? /^inferred:([^/]+)\/(.+)$/.exec(effects[0].source ?? '') : null;
    if (!effects || !m) return effects;
    const counts = (fn: string) => this.input.summaries.get(fn)?.paths.some((p) => p.effects.some((ef) => ef.exist !== 0 || ef.refs !== 0));
    return counts(m[1]) && counts(m[2]) ? undefined : effects;
  }

  /** An unknown function may keep what it is given: references we hold on it are transferred. */
  private handOn(callee: string, vals: Val[], line: number, st: State): State {
    let s = st;
    for (const v of vals) {
      if (v.k !== 'path') continue;
      let p = v.p;
      const viaAddress = p.segs[p.segs.length - 1] === '&';
      if (viaAddress) p = { root: p.root, segs: p.segs.slice(0, -1) };
      const k = keyOf(p);
      for (const [ok, o] of s.objects) {
        // what is passed and what lies under it; a field of a counted object (`&pdev->dev`, `h->x`) is not
        // the object: accessors (ACPI_HANDLE, atomic_read, ether_addr_copy) take no reference with it
        if (!under(ok, k)) continue;
        if (o.refs - o.transferred <= 0 && !heldCounter(o)) continue;
        s = this.handOnObject(s, ok, o, { line, call: callee, op: 'transfer', note: `handed to ${callee}()` });
      }
      // the callee may write through the pointer
      s = this.killPath(s, keyOf(extend(p, '*')), true);
      if (viaAddress) s = this.killPath(s, k, true);
    }
    return s;
  }

  private targetPath(t: Target, vals: Val[], temp: string): AccessPath | undefined {
    let p: AccessPath;
    if (t.base === 'ret') p = { root: temp, segs: [] };
    else {
      const v = vals[t.index];
      if (!v || v.k !== 'path') return undefined;
      p = v.p;
    }
    for (const s of t.segs) p = extend(p, s);
    if (p.segs[p.segs.length - 1] === '&') p = { root: p.root, segs: p.segs.slice(0, -1) };
    return p;
  }

  private isNullVal(v: Val | undefined, st: State): boolean | undefined {
    if (!v) return undefined;
    if (v.k === 'const') return isZeroConst(v.c) ? true : undefined;
    if (v.k !== 'path') return undefined;
    if (v.p.segs[v.p.segs.length - 1] === '&') return false;
    return decide(this.factOf(st, keyOf(v.p)), { op: 'eq', c: '0' });
  }

  /** Splits `states` on an argument atom; returns the states where it holds. */
  private splitOnAtom(states: State[], atom: Atom, vals: Val[], temp: string, keepFalse: State[]): State[] {
    const out: State[] = [];
    for (const st of states) {
      let test: Test;
      let key: string | undefined;
      let direct: boolean | undefined;
      if (atom.kind === 'flag') {
        test = { op: atom.negated ? 'lacks' : 'has', flag: atom.flag };
        if (atom.target.base === 'arg' && atom.target.segs.length === 0) {
          const v = vals[atom.target.index];
          if (v?.k === 'flags') direct = v.f.includes(atom.flag) !== atom.negated;
          else if (v?.k === 'const') direct = (v.c === atom.flag) !== atom.negated;
        }
        if (direct === undefined) { const p = this.targetPath(atom.target, vals, temp); key = p ? keyOf(p) : undefined; }
      } else if (atom.kind === 'null') {
        test = { op: atom.isNull ? 'eq' : 'ne', c: '0' };
        const v = atom.target.segs.length === 0 && atom.target.base === 'arg' ? vals[atom.target.index] : undefined;
        const n = v ? this.isNullVal(v, st) : undefined;
        if (n !== undefined) direct = n === atom.isNull;
        else { const p = this.targetPath(atom.target, vals, temp); key = p ? keyOf(p) : undefined; }
      } else { out.push(st); continue; }
      if (direct === undefined && key) direct = decide(this.factOf(st, key), test);
      if (direct === true) out.push(st);
      else if (direct === false) keepFalse.push(st);
      else if (key) {
        const pk = parseKey(key);
        const words = atomText(atom, this.displayKey(key));
        out.push(this.noteParamCond(this.setFactKeep(st, key, factFor(test, st.facts.get(key), true)), pk, key, test, true, words[0]));
        keepFalse.push(this.noteParamCond(this.setFactKeep(st, key, factFor(test, st.facts.get(key), false)), pk, key, test, false, words[1]));
      } else { out.push(st); keepFalse.push(st); }
    }
    return out;
  }

  private setFactKeep(st: State, key: string, f: Fact): State {
    const facts = new Map(st.facts);
    facts.set(key, f);
    return with_(st, { facts });
  }

  private retTests(effects: { when: Atom[] }[]): Test[] | undefined {
    for (const ef of effects) for (const a of ef.when) if (a.kind === 'ret') {
      switch (a.test) {
        case 'eq0': case 'ne0': return [{ op: 'eq', c: '0' }, { op: 'ne', c: '0' }];
        case 'lt0': case 'ge0': return [{ op: 'lt0' }, { op: 'ge0' }];
        case 'gt0': return [{ op: 'gt0' }, { op: 'le0' }];
      }
    }
    return undefined;
  }

  private applyModel(name: string, effects: Effect[], vals: Val[], e: Syn, st: State, temp: string): State[] {
    const partition = this.retTests(effects);
    const starts: State[] = partition ? partition.map((t) => this.setFactKeep(st, temp, factFor(t, undefined, true))) : [st];
    const results: State[] = [];
    for (const start of starts) {
      let states = [start];
      const retFact = start.facts.get(temp);
      for (const ef of effects) {
        const retOk = ef.when.every((a) => a.kind !== 'ret' || decide(retFact, atomTest(a)) !== false);
        if (!retOk) {
          // the call tried to take a reference and failed: releasing it now is an over-release
          if (ef.op === 'acquire' || ef.op === 'create') states = states.map((s) => this.markAttempted(s, ef, vals, temp));
          continue;
        }
        let holding = states;
        const notHolding: State[] = [];
        for (const a of ef.when) if (a.kind !== 'ret') holding = this.splitOnAtom(holding, a, vals, temp, notHolding);
        holding = holding.map((s) => this.applyEffect(s, ef, vals, temp, e, name));
        states = [...holding, ...notHolding];
      }
      results.push(...states);
    }
    return results;
  }

  private markAttempted(st: State, ef: Effect, vals: Val[], temp: string): State {
    const p = this.targetPath(ef.target, vals, temp);
    if (!p || ef.target.base === 'ret') return st;
    const key = keyOf(p);
    const o = st.objects.get(key);
    if (o?.obtained) return st;
    return this.putObj(st, key, o ? { ...o, obtained: true } : { display: this.displayKey(key), kind: ef.kind ?? this.kindOf(p) ?? 'object', exist: 0, refs: 0, transferred: 0, obtained: true });
  }

  private applyEffect(st: State, ef: Effect, vals: Val[], temp: string, e: Syn, call: string): State {
    const p = this.targetPath(ef.target, vals, temp);
    if (!p) return st;
    const key = keyOf(p);
    if (ef.target.base === 'arg') {
      const base = vals[ef.target.index];
      if (this.isNullVal(base, st) === true && ef.target.segs.length === 0) return st; // no-op on NULL
    }
    // `kref_put(&h->refcount, ...)`: the address of a field is the count of the struct around it
    const given = ef.target.base === 'arg' && !ef.target.segs.length ? vals[ef.target.index] : undefined;
    const embedded = given?.k === 'path' && given.p.segs[given.p.segs.length - 1] === '&' && !!given.p.segs[given.p.segs.length - 2]?.startsWith('.');
    return this.change(st, key, p, {
      op: ef.op, count: ef.count, kind: ef.kind, counter: ef.counter, label: ef.label, line: e.line, column: e.col,
      call, source: ef.source, inferred: ef.inferred, embedded,
    });
  }

  /** Applies one counted operation to the object at `key`. */
  private change(st: State, key: string, p: AccessPath, c: {
    op: Effect['op']; count: number; kind?: string; counter?: string; label?: string; line: number; column?: number;
    call: string; source?: string; inferred?: boolean; exist?: number; refs?: number; counters?: Record<string, number>; stored?: boolean;
    embedded?: boolean; withContainer?: boolean;
  }): State {
    const prev = st.objects.get(key);
    const kind = c.kind ?? prev?.kind ?? this.kindOf(p) ?? 'object';
    let s = st;
    if (c.op === 'lookup' || c.op === 'create') s = this.noteWrite(s, key, p, c.line);
    else if ((c.op === 'acquire' && (c.refs ?? c.count) > 0) || (c.exist ?? 0) > 0) {
      s = this.setFactKeep(s, key, { ...(s.facts.get(key) ?? {}), eq: undefined, ne: ['0'] });
      // a counter taken through a pointer (`kref_get(&x->refcount)`) says the pointer is not NULL
      const star = p.segs.lastIndexOf('*');
      if (star >= 0 && !p.root.startsWith('$')) {
        const pk = keyOf({ root: p.root, segs: p.segs.slice(0, star) });
        const pf = s.facts.get(pk);
        if (!pf?.ne?.includes('0')) s = this.setFactKeep(s, pk, { ...(pf ?? {}), eq: undefined, ne: ['0'] });
      }
    }
    const cur = s.objects.get(key);
    const o: ObjState = cur ? { ...cur } : { display: this.displayKey(key), kind, exist: 0, refs: 0, transferred: 0, obtained: false };
    if (!cur || o.kind === 'object') o.kind = kind;
    if (c.inferred) o.inferred = true;
    if (c.embedded) o.embedded = true;
    if (c.withContainer) o.withContainer = true;
    let delta = 0;
    let counterName: string | undefined;
    if (c.exist !== undefined || c.refs !== undefined || c.counters) {
      // a callee's summary
      o.exist += c.exist ?? 0;
      o.refs += c.refs ?? 0;
      delta = (c.exist ?? 0) + (c.refs ?? 0);
      for (const [n, v] of Object.entries(c.counters ?? {})) { o.counters = { ...(o.counters ?? {}), [n]: (own(o.counters, n) ?? 0) + v }; }
      if ((c.exist ?? 0) > 0 || (c.refs ?? 0) > 0) { o.obtained = true; o.lastAcquire = c.line; }
      if (c.stored) o.transferred = o.refs;
    } else if (c.op === 'lookup') {
      if (!cur) return this.putObj(s, key, o);
      return s;
    } else if (c.counter) {
      counterName = c.counter;
      const d = c.op === 'acquire' || c.op === 'create' ? c.count : -c.count;
      o.counters = { ...(o.counters ?? {}), [c.counter]: (own(o.counters, c.counter) ?? 0) + d };
      delta = d;
      if (d > 0) { o.obtained = true; o.lastAcquire = c.line; }
    } else {
      switch (c.op) {
        case 'acquire': o.refs += c.count; delta = c.count; o.obtained = true; o.lastAcquire = c.line; break;
        case 'release': o.refs -= c.count; delta = -c.count; break;
        case 'create': o.exist += c.count; delta = c.count; o.obtained = true; o.lastAcquire = c.line; break;
        case 'destroy': o.exist -= c.count; delta = -c.count; break;
      }
    }
    const total = counterName ? own(o.counters, counterName) ?? 0 : o.exist + o.refs;
    if (o.obtained && total < 0 && o.overLine === undefined) o.overLine = c.line;
    s = this.putObj(s, key, o);
    const op: Step['op'] = c.exist !== undefined || c.refs !== undefined ? (delta > 0 ? ((c.exist ?? 0) > 0 ? 'create' : 'acquire') : delta < 0 ? ((c.exist ?? 0) < 0 ? 'destroy' : 'release') : 'lookup') : c.op;
    if (delta === 0 && op === 'lookup') return s;
    return this.addStep(s, {
      line: c.line, column: c.column, call: c.call, object: o.display, kind: o.kind, delta, op, note: c.label, after: total,
      source: c.source, inferred: c.inferred || undefined, counter: counterName,
    });
  }

  /** A write to a path: out-parameters become set; what it held before is lost. */
  private noteWrite(st: State, key: string, p: AccessPath, line: number): State {
    let s = this.loseOverwritten(st, key, line);
    s = this.killPath(s, key);
    s = this.setFactKeep(s, key, { ne: ['0'] });
    if (rootClass(p.root, this.decls) === 'param' && throughPointer(p) && !s.written.has(key)) {
      const written = new Set(s.written); written.add(key);
      s = with_(s, { written });
    }
    return s;
  }

  /** Overwriting a local that holds references loses them: keep the object under another name. */
  private loseOverwritten(st: State, key: string, line: number): State {
    let objects: Map<string, ObjState> | undefined;
    // the variable and what its old value embeds (`s->refcount` after `kref_get(&s->refcount)`)
    for (const [ok, o] of st.objects) {
      if (!under(ok, key)) continue;
      objects ??= new Map(st.objects);
      objects.delete(ok);
      const p = parseKey(ok);
      const pending = o.refs - o.transferred;
      const owned = rootClass(p.root, this.decls) === 'local' && (!throughPointer(p) || (ok !== key && embeddedInPointee(p)));
      // keep what a check still needs: references lost with a local, or a count already driven below zero;
      // and what this path did to an object others can see (`dev_rel(sc->sc_dev); sc->sc_dev = NULL`
      // releases the device: callers must see it)
      if ((pending > 0 && owned) || o.overLine !== undefined || (hasDelta(o) && !owned)) {
        objects.set(overwrittenKey(ok, line), { ...o, display: overwrittenDisplay(o.display, line) });
      }
    }
    return objects ? with_(st, { objects }) : st;
  }

  /**
   * `old = o->dev; o->dev = new; dev_put(old)`: a local that copied the field names the old
   * object, not the field. Before the store it moves, with the object's state and what is known
   * of it, to the field's overwritten name, so the new object and the release of the old one are
   * not counted on one key. Summaries read the overwritten name as the field's value on entry.
   * `evenUncopied`: move the old object even when no local copied it (the call that stores hands
   * it back, `old = rcu_replace_pointer(p, new, c)`).
   */
  private keepCopiedOldValue(st: State, key: string, line: number, evenUncopied = false): State {
    const old = overwrittenKey(key, line);
    const moved = (k: string) => old + k.slice(key.length);
    let aliases: Map<string, string> | undefined;
    for (const [v, target] of st.aliases) if (under(target, key)) { aliases ??= new Map(st.aliases); aliases.set(v, moved(target)); }
    if (!aliases && !evenUncopied) return st;
    let objects: Map<string, ObjState> | undefined;
    for (const [k, o] of st.objects) {
      if (!under(k, key)) continue;
      objects ??= new Map(st.objects);
      objects.delete(k);
      objects.set(moved(k), { ...o, display: this.displayKey(moved(k)) });
    }
    let facts: Map<string, Fact> | undefined;
    for (const [k, f] of st.facts) if (under(k, key)) { facts ??= new Map(st.facts); facts.delete(k); facts.set(moved(k), f); }
    return with_(st, { aliases: aliases ?? st.aliases, objects: objects ?? st.objects, facts: facts ?? st.facts });
  }

  /**
   * `free(cr)`: what this path did to the objects `cr`'s members point to went with `cr`'s
   * destruction. A destructor releases them only when the last reference goes
   * (release-when-last), so the inconsistent check does not compare them with the paths that
   * keep the object; they stay in the deltas and in the summary (flagged), where callers keep
   * the flag.
   */
  private containerFreed(st: State, pointee: string, line: number): State {
    let objects: Map<string, ObjState> | undefined;
    for (const [k, o] of st.objects) {
      // references this path stored in the freed memory and did not take back are lost with it
      // (`claim->gw = gw; ... kfree(claim)`), unless released through where they were stored
      if (o.storedIn !== undefined && under(o.storedIn, pointee) && o.transferred > 0 && !this.releasedThrough(st, o.storedIn)) {
        objects ??= new Map(st.objects);
        objects.set(k, { ...o, transferred: 0, storedIn: undefined, lost: { line, where: this.displayKey(o.storedIn) } });
        continue;
      }
      if (k === pointee || !under(k, pointee) || o.withContainer || o.embedded) continue;
      objects ??= new Map(st.objects);
      objects.set(k, { ...o, withContainer: true });
    }
    return objects ? with_(st, { objects }) : st;
  }

  /** The object at `location`, or one reached through it, was released on this path (`netdev_put(ds->netdev)`, `gw_put(claim->gw)`). */
  private releasedThrough(st: State, location: string): boolean {
    for (const [k, o] of st.objects) if (under(k, location) && o.exist + o.refs < 0) return true;
    return false;
  }

  private putObj(st: State, key: string, o: ObjState): State {
    const objects = new Map(st.objects);
    objects.set(key, o);
    return with_(st, { objects });
  }

  private addStep(st: State, step: Step): State {
    return with_(st, { steps: cons(step, st.steps) });
  }

  /** Its references (and a separate counter's hold) go with the object: passed to a callee or stored. */
  private handOnObject(st: State, key: string, o: ObjState, how: { line: number; call: string; op: 'transfer' | 'store'; note: string }, storedIn?: string): State {
    const s = this.putObj(st, key, { ...o, transferred: o.refs, countersHandedOn: o.countersHandedOn || heldCounter(o) || undefined, storedIn });
    return this.addStep(s, { ...how, object: o.display, kind: o.kind, delta: 0, after: o.exist + o.refs });
  }

  private applySummary(name: string, summary: Summary, vals: Val[], e: Syn, st: State, temp: string): Out[] {
    const results: Out[] = [];
    const tempVal: Val = { k: 'path', p: { root: temp, segs: [] } };
    const opaque = summary.paths.length > 1 && new Set(summary.paths.map((p) => JSON.stringify(p.effects))).size > 1;
    if (summary.escapes?.length) st = this.handOn(name, summary.escapes.map((i) => vals[i]).filter((v): v is Val => !!v), e.line, st);
    for (const sp of summary.paths) {
      let states = [st];
      for (const c of sp.conds) {
        const atom: Atom = c.test === 'has' || c.test === 'lacks'
          ? { kind: 'flag', target: c.target, flag: c.value, negated: c.test === 'lacks' }
          : { kind: 'null', target: c.target, isNull: c.test === 'eq' };
        if (atom.kind === 'null' && !isZeroConst(c.value)) continue;
        states = this.splitOnAtom(states, atom, vals, temp, []);
        if (!states.length) break;
      }
      // a path that returns its argument returns the caller's object itself: what it does to `ret` it does to that
      const same = sp.retArg !== undefined && vals[sp.retArg]?.k === 'path' ? vals[sp.retArg] as Val & { k: 'path' } : undefined;
      for (let s of states) {
        s = this.setFactKeep(s, temp, retClassFact(sp.ret));
        if (same && sp.ret === 'non-NULL') s = this.setFactKeep(s, keyOf(same.p), { ...(s.facts.get(keyOf(same.p)) ?? {}), eq: undefined, ne: ['0'] });
        if (opaque) s = this.addOpaqueCond(s, calleePathKey(name, e.start), String(summary.paths.indexOf(sp)), `${name}() ends on its path #${summary.paths.indexOf(sp)}`);
        const apply = (ef: SummaryPath['effects'][number]) => {
          const target = same && ef.target.base === 'ret' ? { ...ef.target, base: 'arg' as const, index: sp.retArg! } : ef.target;
          const p = this.targetPath(target, vals, temp);
          if (!p) return;
          if (ef.exist === 0 && ef.refs === 0 && !ef.counters) return;
          s = this.change(s, keyOf(p), p, {
            op: 'acquire', count: 0, kind: ef.kind, line: e.line, column: e.col, call: name,
            label: ef.labels.length ? ef.labels.join(', ') : undefined, exist: ef.exist, refs: ef.refs, counters: ef.counters,
            stored: ef.stored || this.storedInPointee(target, sp.writes, vals), inferred: ef.inferred, withContainer: ef.withContainer,
          });
        };
        // a summary keeps no order, so take the usual one: a callee releases what a field of its
        // argument held, then clears or replaces it (`vrele(ndp->ni_vp); ndp->ni_vp = NULL`), and
        // what it acquires it stores
        const releases = (ef: SummaryPath['effects'][number]) => ef.exist + ef.refs < 0;
        sp.effects.filter(releases).forEach(apply);
        for (const w of sp.writes) {
          const p = this.targetPath(w, vals, temp);
          if (p) s = this.noteWrite(s, keyOf(p), p, e.line);
        }
        sp.effects.filter((ef) => !releases(ef)).forEach(apply);
        results.push({ st: s, v: same ?? tempVal });
      }
    }
    return dedupeOuts(results, this.keys);
  }

  /**
   * The callee put the reference in a field of a struct the caller reaches through a local pointer
   * (`wait->fence = dma_fence_get(f)` called as `f(syncobj, wait_cur)`): the struct holds it now.
   */
  private storedInPointee(target: Target, writes: Target[], vals: Val[]): boolean {
    if (target.base !== 'arg' || target.segs[0] !== '*' || !target.segs.some((x) => x.startsWith('.'))) return false;
    if (!writes.some((w) => w.base === 'arg' && w.index === target.index && w.segs.join('/') === target.segs.join('/'))) return false;
    const v = vals[target.index];
    if (v?.k !== 'path' || v.p.segs.length) return false;
    return rootClass(v.p.root, this.decls) === 'local';
  }

  // ---------- assignment ----------
  private evalAssign(e: Syn, st: State): Out[] {
    const lhs = e.fields.left;
    const rhs = e.fields.right;
    // `iface = NULL` rebinds the variable, even when it was a copy of `priv->primary`: the field is not written
    const d = lhs?.type === 'identifier' ? this.node.scope.get(lhs.text ?? '') : undefined;
    const lhsEval = (s: State): Out[] => (d ? [{ st: s, v: { k: 'path', p: { root: d.id, segs: [] } } }] : this.eval(lhs, s));
    return this.eval(rhs, st).flatMap((r) => lhsEval(r.st).map((l) => {
      if (l.v.k !== 'path') return { st: l.st, v: r.v };
      return { st: this.assign(l.st, l.v.p, e.op ?? '=', r.v, e.line, lhs), v: r.v };
    }));
  }

  private assign(st: State, lhsPath: AccessPath, op: string, v: Val, line: number, lhsNode?: Syn): State {
    const key = keyOf(lhsPath);
    if (op !== '=') {
      const f = this.factOf(st, key);
      let nf: Fact | undefined;
      if (op === '|=' && (v.k === 'const' || v.k === 'flags')) {
        const add = v.k === 'flags' ? v.f : [v.c];
        if (f?.flags) nf = { flags: union(f.flags, add) };
        else if (f?.eq !== undefined && isZeroConst(f.eq)) nf = { flags: union([], add) };
        else nf = { has: union(f?.has, add), lacks: f?.lacks?.filter((x) => !add.includes(x)) };
      }
      return this.setFact(st, key, nf);
    }
    const root = lhsPath.root;
    const cls = rootClass(root, this.decls);
    const plainLocal = (cls === 'local' || cls === 'param') && lhsPath.segs.length === 0;
    let s = st;
    // what the variable held before
    if (plainLocal) {
      if (!s.aliases.has(root)) s = this.loseOverwritten(s, key, line);
      if (s.aliases.has(root)) { const aliases = new Map(s.aliases); aliases.delete(root); s = with_(s, { aliases }); }
    } else {
      s = this.keepCopiedOldValue(s, key, line);
      s = this.loseOverwritten(s, key, line);
      if (cls === 'param' && throughPointer(lhsPath) && !s.written.has(key)) {
        const written = new Set(s.written); written.add(key); s = with_(s, { written });
      }
    }
    s = this.killPath(s, key);
    if (v.k === 'const') return this.setFact(s, key, { eq: v.c });
    if (v.k === 'flags') return this.setFact(s, key, { flags: v.f });
    if (v.k !== 'path') return this.setFact(s, key, undefined);
    let src = v.p;
    if (src.segs[src.segs.length - 1] === '&' && !plainLocal) {
      // storing an address: what it points to may be kept there
      src = { root: src.root, segs: src.segs.slice(0, -1) };
    }
    const srcKey = keyOf(src);
    const isTemp = src.root.startsWith('$');
    if (isTemp) {
      // a call's result: its object and facts move to the variable
      const obj = s.objects.get(srcKey);
      const objects = new Map(s.objects);
      const facts = new Map(s.facts);
      const tf = facts.get(srcKey);
      facts.delete(srcKey);
      const fieldFacts: [string, Fact][] = [];
      for (const [k, f] of facts) if (under(k, srcKey)) { fieldFacts.push([key + k.slice(srcKey.length), f]); facts.delete(k); }
      for (const k of [...facts.keys()]) if (under(k, key)) facts.delete(k);
      for (const [k, f] of fieldFacts) facts.set(k, f);
      const callee = this.tempNames.get(src.root);
      if (tf || callee) facts.set(key, { ...(tf ?? {}), from: callee });
      for (const [ok, o] of s.objects) {
        if (!under(ok, srcKey)) continue;
        const nk = key + ok.slice(srcKey.length);
        objects.delete(ok);
        const moved: ObjState = { ...o, display: this.displayKey(nk) };
        if (!plainLocal) { moved.transferred = moved.refs; moved.storedIn = key; }
        objects.set(nk, moved);
      }
      s = with_(s, { objects, facts });
      if (obj && !plainLocal) s = this.addStep(s, { line, call: '=', object: this.displayKey(key), kind: obj.kind, delta: 0, op: 'store', note: `stored in ${this.displayKey(key)}`, after: obj.exist + obj.refs });
      return s;
    }
    if (plainLocal) {
      const aliases = new Map(s.aliases);
      aliases.set(root, keyOf(v.p));
      return with_(s, { aliases });
    }
    // a store into memory: references held on the stored object are handed on
    for (const [ok, o] of s.objects) {
      if (!under(ok, srcKey)) continue;
      if (o.refs - o.transferred > 0 || (o.obtained && !o.transferred) || heldCounter(o)) {
        s = this.handOnObject(s, ok, o, { line, call: '=', op: 'store', note: `stored in ${lhsNode ? this.shortText(lhsNode, 40) : this.displayKey(key)}` }, key);
      }
    }
    const f = s.facts.get(srcKey);
    return f ? this.setFactKeep(s, key, f) : s;
  }

  // ---------- nodes ----------
  private transfer(n: CfgNode, st: State): { to: number; st: State; kind: string }[] {
    this.node = n;
    const next = (s: State) => n.edges.map((edge) => ({ to: edge.to, st: s, kind: edge.kind }));
    switch (n.kind) {
      case 'entry': case 'nop': case 'exit':
        return next(st);
      case 'eval':
        return n.ast ? this.eval(n.ast, st).flatMap((o) => next(o.st)) : next(st);
      case 'init': {
        const d = n.decl!;
        return this.eval(n.ast!, st).flatMap((o) => next(this.assign(o.st, { root: d.id, segs: [] }, '=', o.v, n.line)));
      }
      case 'return': return this.returnNode(n, st);
      case 'branch': return this.branchNode(n, st);
      case 'switch': return this.switchNode(n, st);
      case 'iter-enter': case 'iter-next': {
        const spec = this.model.iterators.get(n.macro!.name);
        const arg = spec ? n.macro!.args[spec.var] : undefined;
        if (!spec || !arg) return next(st);
        return this.eval(arg, st).flatMap((o) => {
          if (o.v.k !== 'path') return next(o.st);
          const p = o.v.p;
          const key = keyOf(p);
          if (n.kind === 'iter-enter') {
            let s = this.loseOverwritten(o.st, key, n.line);
            s = this.setFactKeep(s, key, { ne: ['0'] });
            s = this.change(s, key, p, { op: 'acquire', count: 1, kind: spec.kind, line: n.line, call: n.macro!.name, label: 'loop variable', source: spec.source });
            return next(s);
          }
          const s = this.change(o.st, key, p, { op: 'release', count: 1, kind: spec.kind, line: n.line, call: n.macro!.name, label: 'next element', source: spec.source });
          return next(s);
        });
      }
    }
  }

  private returnNode(n: CfgNode, st: State): { to: number; st: State; kind: string }[] {
    const done = (s: State, returns: string, cls: string, returnedKey?: string) =>
      n.edges.map((edge) => ({ to: edge.to, st: with_(s, { exit: { line: n.line, returns, returnClass: cls, returnedKey } }), kind: edge.kind }));
    if (!n.ast) return done(st, 'void', 'void');
    const text = this.shortText(n.ast, 40);
    return this.eval(n.ast, st).flatMap((o) => {
      let s = o.st;
      let cls = 'unknown';
      let returnedKey: string | undefined;
      if (o.v.k === 'const') cls = this.classOfConst(o.v.c);
      else if (o.v.k === 'flags') cls = o.v.f.join('|') || '0';
      else if (o.v.k === 'path') {
        let p = o.v.p;
        if (p.segs[p.segs.length - 1] === '&') { p = { root: p.root, segs: p.segs.slice(0, -1) }; cls = 'non-NULL'; }
        const key = keyOf(p);
        const f = this.factOf(s, keyOf(o.v.p));
        if (cls === 'unknown' && f) {
          if (f.eq !== undefined) cls = this.classOfConst(f.eq);
          else if (f.ne?.some(isZeroConst)) cls = this.returnsPointer ? 'non-NULL' : ((f as { sign?: string }).sign === 'neg' ? 'negative' : 'nonzero');
          else if ((f as { sign?: string }).sign === 'neg') cls = 'negative';
        }
        // the returned object, and what is embedded in it (`return info` after kref_get(&info->refcount))
        for (const [ok, obj] of s.objects) {
          if (ok !== key && !ok.startsWith(key + '/')) continue;
          returnedKey = key;
          s = this.putObj(s, ok, { ...obj, returned: true, transferred: obj.refs });
          if (obj.refs - obj.transferred > 0) s = this.addStep(s, { line: n.line, call: 'return', object: obj.display, kind: obj.kind, delta: 0, op: 'return', note: 'returned to the caller', after: obj.exist + obj.refs });
        }
      }
      return done(s, text, cls, returnedKey);
    });
  }

  private classOfConst(c: string): string {
    if (isZeroConst(c)) return this.returnsPointer ? 'NULL' : '0';
    return c;
  }

  private branchNode(n: CfgNode, st: State): { to: number; st: State; kind: string }[] {
    const [tEdge, fEdge] = [n.edges.find((e) => e.kind === 'true'), n.edges.find((e) => e.kind === 'false')];
    const outs: { to: number; st: State; kind: string }[] = [];
    let readsParam = false;
    const emit = (truth: boolean, s: State, cond?: string) => {
      const edge = truth ? tEdge : fEdge;
      if (!edge) return;
      let next = cond ? with_(s, { conds: cons(cond, s.conds) }) : s;
      // a caller can tell apart paths that depend on what it passed in
      if (readsParam) next = this.addOpaqueCond(next, `cond@${n.id}`, truth ? 'T' : 'F', cond ?? '');
      outs.push({ to: edge.to, st: next, kind: edge.kind });
    };
    if (!n.ast) {
      emit(true, st);
      // an iterator loop that runs to its end leaves its variable NULL
      const spec = n.macro ? this.model.iterators.get(n.macro.name) : undefined;
      const v = spec && n.macro!.args[spec.var] ? this.eval(n.macro!.args[spec.var], st)[0] : undefined;
      emit(false, v?.v.k === 'path' ? this.setFactKeep(v.st, keyOf(v.v.p), { eq: '0' }) : st);
      return outs;
    }
    // read the condition as `subject OP constant` or a flag test
    let c = n.ast;
    const unwrap = (x: Syn): Syn => {
      for (;;) {
        if (x.type === 'parenthesized_expression' && x.children.length === 1) x = x.children[0];
        else if (x.type === 'cast_expression' && x.fields.value) x = x.fields.value;
        else if (x.type === 'call_expression' && this.model.transparent.has(this.calleeName(x) ?? '')) {
          const idx = this.model.transparent.get(this.calleeName(x)!)!;
          const a = x.fields.arguments?.children[idx];
          if (!a) return x;
          x = a;
        } else return x;
      }
    };
    c = unwrap(c);
    let negate = false;
    if (c.type === 'unary_expression' && c.op === '!') { negate = true; c = unwrap(c.fields.argument); }
    // IS_ERR_OR_NULL(x) asks whether x is an object at all: read it as x == NULL
    let nullTest: Syn | undefined;
    if (c.type === 'call_expression' && this.model.nullTests.has(this.calleeName(c) ?? '') && c.fields.arguments?.children[0]) nullTest = unwrap(c.fields.arguments.children[0]);
    let subject: Syn = c;
    let test: Test = { op: 'ne', c: '0' };
    let rhsText = '0';
    let opText = '!=';
    let structured = true;
    const constOf = (x: Syn): string | undefined => {
      const u = unwrap(x);
      if (u.type === 'number_literal') return normNumber(u.text ?? '');
      if (u.type === 'null') return '0';
      if (u.type === 'identifier' && CONST_NAME.test(u.text ?? '') && !this.node.scope.has(u.text ?? '')) return u.text === 'NULL' ? '0' : u.text!;
      if (u.type === 'unary_expression' && u.op === '-') { const inner = constOf(u.fields.argument); return inner ? `-${inner}` : undefined; }
      return undefined;
    };
    if (nullTest) {
      subject = nullTest; test = { op: 'eq', c: '0' }; rhsText = '0'; opText = '==';
    } else if (c.type === 'binary_expression' && ['==', '!=', '<', '>', '<=', '>='].includes(c.op ?? '')) {
      let l = c.fields.left; let r = c.fields.right; let op = c.op!;
      let k = constOf(r);
      if (k === undefined && constOf(l) !== undefined) { k = constOf(l); [l, r] = [r, l]; op = mirrorOp(op); }
      const lu = unwrap(l);
      if (k !== undefined && lu.type === 'binary_expression' && lu.op === '&' && isZeroConst(k) && (op === '==' || op === '!=')) {
        const flag = constOf(lu.fields.right) ?? constOf(lu.fields.left);
        const subj = constOf(lu.fields.right) ? lu.fields.left : lu.fields.right;
        if (flag) { subject = subj; test = { op: op === '!=' ? 'has' : 'lacks', flag }; rhsText = flag; opText = '&'; }
        else structured = false;
      } else if (k !== undefined) {
        subject = l; rhsText = this.shortText(r, 30); opText = op;
        if (op === '==' || op === '!=') test = { op: op === '==' ? 'eq' : 'ne', c: k };
        else if (isZeroConst(k)) test = { op: op === '<' ? 'lt0' : op === '>=' ? 'ge0' : op === '>' ? 'gt0' : 'le0' };
        else structured = false;
      } else structured = false;
    } else if (c.type === 'binary_expression' && c.op === '&') {
      const flag = constOf(c.fields.right) ?? constOf(c.fields.left);
      const subj = constOf(c.fields.right) ? c.fields.left : c.fields.right;
      if (flag) { subject = subj; test = { op: 'has', flag }; rhsText = flag; opText = '&'; }
      else structured = false;
    } else if (c.type === 'binary_expression' || c.type === 'conditional_expression') {
      structured = false;
    }
    const full = this.shortText(n.ast);
    let origin = '';
    const condText = (truth: boolean): string => {
      if (!structured) return truth ? full : negateText(full);
      const subj = this.shortText(subject, 50) + origin;
      const holds = truth !== negate;
      if (opText === '&') return holds ? `${subj} & ${rhsText}` : `!(${subj} & ${rhsText})`;
      if (test.op === 'ne' && rhsText === '0' && opText === '!=' && c === subject) return holds ? subj : `!${subj}`;
      const shownRhs = rhsText === '0' && (this.returnsPointerSubject(subject) || /NULL/.test(this.text(n.ast))) ? 'NULL' : rhsText;
      return `${subj} ${holds ? opText : negateOp(opText)} ${shownRhs}`;
    };
    readsParam = this.readsParameter(n.ast, st);
    const evalTarget = structured ? subject : n.ast;
    // `(x = get()) == NULL`: the test is about x
    const assigned = structured && unwrap(subject).type === 'assignment_expression' && unwrap(subject).op === '=' ? unwrap(subject).fields.left : undefined;
    for (const o0 of this.eval(evalTarget, st)) {
      let o = o0;
      if (assigned && o.v.k === 'path') {
        const lhs = this.eval(assigned, o.st)[0];
        if (lhs?.v.k === 'path') o = { st: o.st, v: lhs.v };
      }
      if (!structured || o.v.k === 'unknown') { emit(true, o.st, condText(true)); emit(false, o.st, condText(false)); continue; }
      if (o.v.k === 'const' || o.v.k === 'flags') {
        const f: Fact = o.v.k === 'flags' ? { flags: o.v.f } : { eq: o.v.c };
        const d = decide(f, test);
        if (d === undefined) { emit(true, o.st, condText(true)); emit(false, o.st, condText(false)); }
        else emit(d !== negate, o.st, condText(d !== negate));
        continue;
      }
      const p = o.v.p;
      const key = keyOf(p);
      const from = o.st.facts.get(key)?.from;
      origin = from && subject.type === 'identifier' && this.reassigned.has(subject.text ?? '') ? ` [${from.replace(/\(\)$/, '')}]` : '';
      if (p.segs[p.segs.length - 1] === '&' && test.op !== 'has' && test.op !== 'lacks') {
        // an address is never NULL
        const d = decide({ ne: ['0'] }, test);
        if (d !== undefined) { emit(d !== negate, o.st, condText(d !== negate)); continue; }
      }
      const d = decide(this.factOf(o.st, key), test);
      if (d !== undefined) { emit(d !== negate, o.st, condText(d !== negate)); continue; }
      for (const truth of [true, false]) {
        let s = this.setFactKeep(o.st, key, factFor(test, o.st.facts.get(key), truth));
        s = this.noteParamCond(s, p, key, test, truth, condText(truth !== negate));
        emit(truth !== negate, s, condText(truth !== negate));
      }
    }
    return outs;
  }

  private readsParameter(e: Syn, st: State): boolean {
    const walk = (x: Syn): boolean => {
      if (x.type === 'identifier') {
        if (this.paramDerived.has(x.text ?? '')) return true;
        const v = this.resolve(x.text ?? '', this.node.scope, st);
        return v.k === 'path' && rootClass(v.p.root, this.decls) === 'param';
      }
      if (x.type === 'call_expression') {
        // "was that the last reference?" (refcount_release, atomic_dec_and_test) is a question about the input
        const callee = this.calleeName(x) ?? '';
        const lastRef = this.model.functions.get(callee)?.some((ef) => ef.op === 'release') || /_dec_and_(test|lock)$/.test(callee);
        return lastRef ? (x.fields.arguments?.children ?? []).some(walk) : false;
      }
      return x.children.some(walk);
    };
    return walk(e);
  }

  private addOpaqueCond(st: State, key: string, value: string, text: string): State {
    if (st.paramConds.some((p) => p.key === key && p.value === value)) return st;
    return with_(st, { paramConds: [...st.paramConds, { key, test: 'eq', value, text }] });
  }

  private returnsPointerSubject(subject: Syn): boolean {
    if (subject.type !== 'identifier') return false;
    const d = this.node.scope.get(subject.text ?? '');
    return !!d && d.pointerDepth > 0;
  }

  private noteParamCond(st: State, p: AccessPath, key: string, test: Test, truth: boolean, text: string): State {
    if (rootClass(p.root, this.decls) !== 'param' || st.written.has(key)) return st;
    if (p.segs.includes('[]')) return st;
    let pc: ParamCond | undefined;
    if (test.op === 'eq' || test.op === 'ne') {
      const holdsEq = (test.op === 'eq') === truth;
      pc = { key, test: holdsEq ? 'eq' : 'ne', value: test.c, text };
    } else if (test.op === 'has' || test.op === 'lacks') {
      const has = (test.op === 'has') === truth;
      pc = { key, test: has ? 'has' : 'lacks', value: test.flag, text };
    }
    if (!pc) return st;
    if (st.paramConds.some((x) => x.key === pc!.key && x.test === pc!.test && x.value === pc!.value)) return st;
    return with_(st, { paramConds: [...st.paramConds, pc] });
  }

  private switchNode(n: CfgNode, st: State): { to: number; st: State; kind: string }[] {
    const outs: { to: number; st: State; kind: string }[] = [];
    const subjectText = this.shortText(n.ast, 40);
    for (const o of n.ast ? this.eval(n.ast, st) : [{ st, v: UNKNOWN as Val }]) {
      const key = o.v.k === 'path' ? keyOf(o.v.p) : undefined;
      const f = key ? this.factOf(o.st, key) : o.v.k === 'const' ? { eq: o.v.c } : undefined;
      for (const edge of n.edges) {
        if (edge.kind === 'case' && edge.caseValue) {
          const cv = edge.caseValue.type === 'number_literal' ? normNumber(edge.caseValue.text ?? '') : this.text(edge.caseValue);
          if (decide(f, { op: 'eq', c: cv }) === false) continue;
          let s = key ? this.setFactKeep(o.st, key, { eq: cv }) : o.st;
          s = with_(s, { conds: cons(`${subjectText} == ${this.text(edge.caseValue)}`, s.conds) });
          outs.push({ to: edge.to, st: s, kind: edge.kind });
        } else {
          outs.push({ to: edge.to, st: with_(o.st, { conds: cons(`${subjectText}: default`, o.st.conds) }), kind: edge.kind });
        }
      }
    }
    return outs;
  }

  // ---------- liveness ----------
  /** A call to a function neither the model, inference nor this file's summaries say anything about. */
  private opaqueCallee(call: Syn): boolean {
    const name = this.calleeName(call);
    if (!name) return false;
    const m = this.model;
    return !(m.functions.has(name) || m.transparent.has(name) || m.zeroes.has(name) || m.assigns.has(name) || m.frees.has(name) || m.returnsArgument.has(name) || m.nullTests.has(name)
      || m.iterators.has(name) || this.input.inferred?.has(name) || this.input.summaries.has(name));
  }

  /**
   * Both arms of this branch run only calls the analysis knows nothing of, with no
   * pointer (no object) given to them, and meet again: whichever way it goes, nothing
   * counted and no fact changes.
   */
  private idleBranch(n: CfgNode): boolean {
    if (n.edges.length !== 2) return false;
    const end = (id: number): number => {
      for (let steps = 0; steps < 32; steps++) {
        const x = this.cfg.nodes[id];
        if (x.edges.length !== 1 || x.loops.length !== n.loops.length || !(x.kind === 'nop' || (x.kind === 'eval' && this.idleCall(x)))) return id;
        id = x.edges[0].to;
      }
      return -1;
    };
    const a = end(n.edges[0].to);
    return a >= 0 && a === end(n.edges[1].to);
  }

  /** A statement that is only a call of an unknown function given no pointer: `printf("%s: %d", __func__, sc->n)`. */
  private idleCall(x: CfgNode): boolean {
    const e = unwrapValue(x.ast?.type === 'expression_statement' ? x.ast.children[0] : x.ast);
    if (!e || e.type !== 'call_expression' || !this.opaqueCallee(e) || this.model.noreturn.has(this.calleeName(e) ?? '')) return false;
    const acts = (a: Syn) => a.type === 'assignment_expression' || a.type === 'update_expression' || a.type === 'call_expression';
    const pure = (a: Syn): boolean => !acts(a) && a.children.every(pure);
    const harmless = (a: Syn): boolean => {
      if (acts(a)) return false;
      // a field's value (even a pointer field's) given to an unknown function hands nothing on
      if (a.type === 'field_expression') return pure(a);
      if (a.type === 'identifier') { const d = x.scope.get(a.text ?? ''); return d === undefined ? /^[A-Z_][A-Z0-9_]*$|^__func__$/.test(a.text ?? '') : d.pointerDepth === 0; }
      if (a.type === 'pointer_expression' && a.children[0]?.type === '&') return false;
      return a.children.every(harmless);
    };
    return (e.fields.arguments?.children ?? []).every(harmless);
  }

  private computeLiveness() {
    const nodes = this.cfg.nodes;
    const uses: Set<string>[] = nodes.map((n) => {
      const s = new Set<string>();
      // a function the analysis knows nothing of cannot read what is known of a field it is given
      // (`KASSERT(sc->n >= 0, ...)`, `printf(..., sc->n)`): such fields are not uses
      // and a plain local integer read only by arithmetic or a comparison with non-zero (`i < 4`) is not a use:
      // its facts could never decide anything there
      const blindLocal = (name: string) => { const d = n.scope.get(name); return d !== undefined && !d.isParam && d.pointerDepth === 0; };
      const walk = (x: Syn | undefined, fieldsMatter = true, inBlind = false) => {
        if (!x) return;
        if (x.type === 'identifier' && x.text && !(inBlind && blindLocal(x.text))) s.add(x.text);
        if (x.type === 'field_identifier' && x.text && fieldsMatter) s.add('.' + x.text);
        if (x.type === 'call_expression' && fieldsMatter && this.opaqueCallee(x)) {
          walk(x.fields.function);
          for (const a of x.fields.arguments?.children ?? []) walk(a, false);
          return;
        }
        // arithmetic, and comparisons with anything but zero, are never decided from facts
        if (x.type === 'binary_expression' && factBlindOperator(x)) {
          for (let i = 0; i < x.children.length; i++) walk(x.children[i], false, true);
          return;
        }
        for (let i = 0; i < x.children.length; i++) walk(x.children[i], fieldsMatter, inBlind && x.type === 'parenthesized_expression');
      };
      // `if (bootverbose) printf(...)`: a branch whose arms do nothing the analysis can see does not read its condition
      if (!(n.kind === 'branch' && this.idleBranch(n))) walk(n.ast);
      // `x = x + 1`, `sc->f |= F`, `i++`: writing a name is not reading it; its value matters only if read later
      const written = n.kind === 'eval' ? assignedName(n.ast) : undefined;
      if (written) s.delete(written);
      if (n.decl) s.add(n.decl.name);
      for (const a of n.macro?.args ?? []) walk(a);
      return s;
    });
    // names as bits: after[n] = union over successors of (uses(succ) ∪ after(succ))
    const index = new Map<string, number>();
    for (const u of uses) for (const name of u) if (!index.has(name)) index.set(name, index.size);
    const words = Math.max(1, Math.ceil(index.size / 32));
    const useBits = new Int32Array(nodes.length * words);
    uses.forEach((u, id) => { for (const name of u) { const i = index.get(name)!; useBits[id * words + (i >> 5)] |= 1 << (i & 31); } });
    const bits = new Int32Array(nodes.length * words);
    const preds: number[][] = nodes.map(() => []);
    nodes.forEach((n) => n.edges.forEach((e) => preds[e.to].push(n.id)));
    const work = nodes.map((n) => n.id);
    const inWork = new Uint8Array(nodes.length).fill(1);
    while (work.length) {
      const id = work.pop()!;
      inWork[id] = 0;
      let changed = false;
      for (const e of nodes[id].edges) {
        for (let w = 0; w < words; w++) {
          const old = bits[id * words + w];
          const nv = old | useBits[e.to * words + w] | bits[e.to * words + w];
          if (nv !== old) { bits[id * words + w] = nv; changed = true; }
        }
      }
      if (changed) for (const p of preds[id]) if (!inWork[p]) { inWork[p] = 1; work.push(p); }
    }
    // fields a model condition reads (`arg0->mda_flags & MAKEDEV_REF`) stay live: a call may read them
    const modelFields = fieldsModelConditionsRead(this.model);
    // live on entry to a node: what it reads, and what is live after it (the state on an edge is
    // pruned by its target's, not by its source's: a loop test's body reads what its exit may not)
    this.liveBefore = nodes.map((_, id) => ({
      has: (name: string) => {
        const i = index.get(name);
        if (i === undefined) return modelFields.has(name);
        const w = id * words + (i >> 5), bit = 1 << (i & 31);
        return ((bits[w] | useBits[w]) & bit) !== 0 || modelFields.has(name);
      },
    }));
    preds.forEach((p, id) => { if (p.length > 1) this.joins.add(id); });
  }
  private readonly joins = new Set<number>();
  private readonly keys = new StateKeys();

  /**
   * Going round a loop forgets what was known of memory others can change: globals and what
   * a pointer reaches. `while (sc->sc_busy)` polls a field another thread clears; without
   * this the test after one trip is known true and the path never leaves the loop.
   */
  private forgetShared(st: State): State {
    let facts: Map<string, Fact> | undefined;
    for (const k of st.facts.keys()) {
      const p = parseKey(k);
      const rc = rootClass(p.root, this.decls);
      if (rc === 'global' || ((rc === 'param' || rc === 'local') && throughPointer(p))) { facts ??= new Map(st.facts); facts.delete(k); }
    }
    return facts ? with_(st, { facts }) : st;
  }

  /** Forgets what no later node can ask about, so more states merge. */
  private prune(st: State, nodeId: number): State {
    const live = this.liveBefore[nodeId];
    const isLive = (root: string) => {
      if (root.startsWith('$')) return st.objects.has(root);
      if (root.startsWith('g:')) return live.has(root.slice(2));
      const d = this.decls.get(root);
      return !d || live.has(d.name);
    };
    // a path no later node names is still read through a live local that is a copy of it (`iface = priv->primary`)
    let aliased: string[] | undefined;
    for (const [v, target] of st.aliases) { const d = this.decls.get(v); if (!d || live.has(d.name)) (aliased ??= []).push(target); }
    let facts: Map<string, Fact> | undefined;
    for (const k of st.facts.keys()) {
      const { root, lastField } = keyShape(k);
      const dead = (!isLive(root) || (lastField !== undefined && !live.has(lastField) && !st.objects.has(k))) && !aliased?.includes(k);
      if (dead) { facts ??= new Map(st.facts); facts.delete(k); }
    }
    let aliases: Map<string, string> | undefined;
    for (const v of st.aliases.keys()) {
      const d = this.decls.get(v);
      if (d && !live.has(d.name)) { aliases ??= new Map(st.aliases); aliases.delete(v); }
    }
    if (!facts && !aliases) return st;
    return with_(st, { facts: facts ?? st.facts, aliases: aliases ?? st.aliases });
  }

  // ---------- the fixpoint ----------
  run(): EngineResult {
    const { cfg } = this;
    const opts = this.input.options;
    this.computeLiveness();
    const order = reversePostorder(cfg);
    const rank = new Map<number, number>();
    order.forEach((id, i) => rank.set(id, i));
    const pending = new Map<number, Map<string, State>>();
    const done = new Map<number, Set<string>>();
    const queue = new MinQueue();
    const exits: State[] = [];
    let visits = 0;
    const started = Date.now();
    let truncated = false;
    const outOfTime = `stopped after ${opts.maxMs} ms`;

    let init = initialState();
    init = this.seedParamFacts(init);
    let unique = 0;
    const push = (to: number, st: State) => {
      let m = pending.get(to);
      if (!m) { m = new Map(); pending.set(to, m); queue.push(rank.get(to) ?? order.length + to, to); }
      // only where paths meet can two states be equal: elsewhere skip computing the key
      const k = this.joins.has(to) || to === cfg.exit ? this.keys.key(st) : `#${++unique}`;
      const prev = m.get(k);
      m.set(k, prev ? mergeInto(prev, st) : st);
      if (m.size > opts.maxStatesPerNode) this.widen(m, to, opts.maxStatesPerNode, () => { truncated = true; });
    };
    push(cfg.entry, init);
    while (queue.size) {
      const id = queue.pop();
      const m = pending.get(id);
      if (!m) continue;
      pending.delete(id);
      let seen = done.get(id);
      if (!seen) { seen = new Set(); done.set(id, seen); }
      const n = cfg.nodes[id];
      for (const [k, st] of m) {
        if (seen.has(k)) continue;
        seen.add(k);
        if (id === cfg.exit) { exits.push(st); continue; }
        if (++visits > opts.maxStates) {
          truncated = true;
          this.stopReason ??= `stopped after ${opts.maxStates} path states (--max-states, refcountLens.maxStatesPerFunction)`;
          break;
        }
        if ((visits & 15) === 0 && Date.now() - started > opts.maxMs) {
          truncated = true;
          this.stopReason ??= outOfTime;
          break;
        }
        const line = n.line;
        const withLine = n.kind === 'entry' || st.lines?.head === line ? st : with_(st, { lines: cons(line, st.lines) });
        for (const out of this.transfer(n, withLine)) {
          let s = out.st;
          const target = cfg.nodes[out.to];
          if (out.kind === 'back') {
            const c = s.iters.get(out.to) ?? 0;
            if (c >= LOOP_BOUND) continue;
            const iters = new Map(s.iters); iters.set(out.to, c + 1);
            s = this.forgetShared(with_(s, { iters }));
          }
          // leaving loops: forget their counters
          if (s.iters.size && n.loops.length > target.loops.length) {
            let iters: Map<number, number> | undefined;
            for (const l of n.loops) {
              if (target.loops.includes(l)) continue;
              const h = cfg.loopHeads.get(l);
              if (h !== undefined && s.iters.has(h)) { iters ??= new Map(s.iters); iters.delete(h); }
            }
            if (iters) s = with_(s, { iters });
          }
          s = this.dropTemps(s);
          // forgetting dead facts only pays where states can meet
          if (this.joins.has(out.to)) s = this.prune(s, out.to);
          // a trip round the loop that changed nothing: the head has already gone on from this very state
          if (out.kind === 'back' && done.get(out.to)?.has(this.keys.key(withoutCounter(s, out.to)))) continue;
          push(out.to, s);
        }
      }
      if (visits > opts.maxStates) break;
      // a widening cut set `truncated`; the time check inside the loop may not have run since
      if (truncated && Date.now() - started > opts.maxMs) { this.stopReason ??= outOfTime; break; }
    }
    const reason = this.stopReason && this.truncatedReason ? `${this.stopReason}; before that, ${this.truncatedReason}` : this.stopReason ?? this.truncatedReason;
    return { exits, truncated, truncatedReason: truncated ? reason : undefined, visits, unknownCalls: [...this.unknownCalls] };
  }

  private dropTemps(st: State): State {
    let facts: Map<string, Fact> | undefined;
    for (const k of st.facts.keys()) if (k.startsWith('$') && !st.objects.has(k.split('/', 1)[0])) { facts ??= new Map(st.facts); facts.delete(k); }
    return facts ? with_(st, { facts }) : st;
  }

  /** Too many states at one node: merge those that differ only in facts; past that, cut. */
  private widen(m: Map<string, State>, nodeId: number, cap: number, onCut: () => void) {
    const groups = new Map<string, State[]>();
    for (const st of m.values()) {
      // the step history is also ignored here: one representative story per outcome beats cutting the analysis
      const g = this.keys.key(with_(st, { facts: new Map(), aliases: new Map(), paramConds: [], steps: undefined }));
      const list = groups.get(g) ?? [];
      list.push(st);
      groups.set(g, list);
    }
    m.clear();
    for (const list of groups.values()) {
      let acc = list[0];
      for (const other of list.slice(1)) {
        const facts = new Map<string, Fact>();
        for (const [k, f] of acc.facts) { const g = other.facts.get(k); if (g && JSON.stringify(g) === JSON.stringify(f)) facts.set(k, f); }
        const aliases = new Map<string, string>();
        for (const [k, a] of acc.aliases) if (other.aliases.get(k) === a) aliases.set(k, a);
        const paramConds = acc.paramConds.filter((p) => other.paramConds.some((q) => q.key === p.key && q.test === p.test && q.value === p.value));
        acc = mergeInto(with_(acc, { facts, aliases, paramConds }), other);
      }
      m.set(this.keys.key(acc), acc);
    }
    if (m.size > cap) {
      const keep = [...m.entries()].slice(0, cap);
      m.clear();
      for (const [k, v] of keep) m.set(k, v);
      onCut();
      this.truncatedReason ??= `more than ${cap} different path states at line ${this.cfg.nodes[nodeId].line}; the rest were not followed`;
    }
  }

  private seedParamFacts(st: State): State {
    let s = st;
    for (const a of this.input.paramFacts) {
      if (a.kind === 'ret') continue;
      const param = this.cfg.params.find((p) => p.paramIndex === a.target.index);
      if (!param) continue;
      let p: AccessPath = { root: param.id, segs: [] };
      for (const seg of a.target.segs) p = extend(p, seg);
      const key = keyOf(p);
      if (a.kind === 'null') s = this.setFactKeep(s, key, a.isNull ? { eq: '0' } : { ne: ['0'] });
      else s = this.setFactKeep(s, key, a.negated ? { lacks: [a.flag] } : { has: [a.flag] });
    }
    return s;
  }
}

/** Condition words for an argument atom, as [holds, fails]. */
function atomText(a: Atom, subject: string): [string, string] {
  if (a.kind === 'flag') return a.negated ? [`!(${subject} & ${a.flag})`, `${subject} & ${a.flag}`] : [`${subject} & ${a.flag}`, `!(${subject} & ${a.flag})`];
  if (a.kind === 'null') return a.isNull ? [`${subject} == NULL`, `${subject} != NULL`] : [`${subject} != NULL`, `${subject} == NULL`];
  return ['', ''];
}

function atomTest(a: Atom & { kind: 'ret' }): Test {
  switch (a.test) {
    case 'eq0': return { op: 'eq', c: '0' };
    case 'ne0': return { op: 'ne', c: '0' };
    default: return { op: a.test };
  }
}

function retClassFact(cls: string): Fact {
  switch (cls) {
    case '0': case 'NULL': return { eq: '0' };
    case 'nonzero': case 'non-NULL': return { ne: ['0'] };
    case 'negative': return { ne: ['0'], sign: 'neg' } as Fact;
    case 'void': case 'unknown': return {};
    default: return { eq: cls };
  }
}

function negateText(t: string): string {
  if (t.startsWith('!') && !t.startsWith('!=')) {
    const inner = t.slice(1).trim();
    return inner.startsWith('(') && inner.endsWith(')') && balanced(inner.slice(1, -1)) ? inner.slice(1, -1) : inner;
  }
  return `!(${t})`;
}

function balanced(s: string): boolean {
  let d = 0;
  for (const c of s) { if (c === '(') d++; else if (c === ')') { d--; if (d < 0) return false; } }
  return d === 0;
}

function factBlindOperator(e: Syn): boolean {
  const op = e.op ?? '';
  if (['+', '-', '*', '/', '%', '<<', '>>', '^'].includes(op)) return true;
  if (!['<', '>', '<=', '>='].includes(op)) return false;
  const zero = (x: Syn | undefined) => x !== undefined && (x.type === 'null' || (x.type === 'number_literal' && isZeroConst(normNumber(x.text ?? ''))) || (x.type === 'identifier' && x.text === 'NULL'));
  return !zero(e.fields.left) && !zero(e.fields.right);
}

const modelFieldsCache = new WeakMap<Model, Set<string>>();

function fieldsModelConditionsRead(model: Model): Set<string> {
  let fields = modelFieldsCache.get(model);
  if (!fields) {
    fields = new Set<string>();
    for (const effects of model.functions.values()) for (const ef of effects) for (const a of ef.when) {
      if (a.kind !== 'ret') for (const seg of a.target.segs) if (seg.startsWith('.')) fields.add(seg);
    }
    modelFieldsCache.set(model, fields);
  }
  return fields;
}

/** A separate counter (v_holdcnt, si_threadcount) this path raised and has not handed on yet. */
function heldCounter(o: ObjState): boolean {
  return !o.countersHandedOn && Object.values(o.counters ?? {}).some((v) => v > 0);
}

/** Flag sets: `x |= F` twice still has F once, so the states of two trips round a loop are equal. */
function union(a: readonly string[] | undefined, b: readonly string[]): string[] {
  const out = [...(a ?? [])];
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out;
}

/** The variable (`x`) or field (`.f`) an expression statement assigns, if it is one plain assignment. */
function assignedName(ast: Syn | undefined): string | undefined {
  let e = ast;
  while (e && (e.type === 'expression_statement' || e.type === 'parenthesized_expression') && e.children.length === 1) e = e.children[0];
  if (!e) return undefined;
  const target = e.type === 'assignment_expression' ? e.fields.left : e.type === 'update_expression' ? e.fields.argument : undefined;
  if (target?.type === 'identifier') return target.text;
  if (target?.type === 'field_expression' && target.fields.field?.text) return '.' + target.fields.field.text;
  return undefined;
}

function withoutCounter(s: State, head: number): State {
  const c = s.iters.get(head);
  if (c === undefined) return s;
  const iters = new Map(s.iters);
  if (c <= 1) iters.delete(head); else iters.set(head, c - 1);
  return with_(s, { iters });
}

function dedupeOuts(outs: Out[], keys: StateKeys): Out[] {
  const m = new Map<string, Out>();
  for (const o of outs) {
    const k = `${o.v.k === 'path' ? keyOf(o.v.p) : ''}\n${keys.key(o.st)}`;
    const p = m.get(k);
    m.set(k, p ? { st: mergeInto(p.st, o.st), v: p.v } : o);
  }
  return [...m.values()];
}

function reversePostorder(cfg: Cfg): number[] {
  const seen = new Set<number>();
  const post: number[] = [];
  const stack: { id: number; i: number }[] = [{ id: cfg.entry, i: 0 }];
  seen.add(cfg.entry);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const n = cfg.nodes[top.id];
    if (top.i < n.edges.length) {
      const to = n.edges[top.i++].to;
      if (!seen.has(to)) { seen.add(to); stack.push({ id: to, i: 0 }); }
    } else { post.push(top.id); stack.pop(); }
  }
  return post.reverse();
}

class MinQueue {
  private heap: [number, number][] = [];
  private inQueue = new Set<number>();
  get size() { return this.heap.length; }
  push(rank: number, id: number) {
    if (this.inQueue.has(id)) return;
    this.inQueue.add(id);
    const h = this.heap;
    h.push([rank, id]);
    let i = h.length - 1;
    while (i > 0) { const p = (i - 1) >> 1; if (h[p][0] <= h[i][0]) break; [h[p], h[i]] = [h[i], h[p]]; i = p; }
  }
  pop(): number {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1; const r = l + 1; let m = i;
        if (l < h.length && h[l][0] < h[m][0]) m = l;
        if (r < h.length && h[r][0] < h[m][0]) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]]; i = m;
      }
    }
    this.inQueue.delete(top[1]);
    return top[1];
  }
}

