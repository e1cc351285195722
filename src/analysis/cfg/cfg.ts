/**
 * Control-flow graph of one function, built from its plain syntax tree.
 * Conditions with && / || / ! are lowered into branch nodes, so each branch
 * tests one simple condition and path conditions read like the source.
 */
import type { Syn } from '../parse/syntax';
import type { StatementMacro } from '../parse/prepass';

export interface VarDecl {
  /** Unique within the function: `dev`, `dev#2` for a shadowing declaration. */
  id: string;
  name: string;
  isParam: boolean;
  paramIndex?: number;
  /** Struct name of the pointee/value, when declared as `struct X` (or a typedef name). */
  typeName?: string;
  pointerDepth: number;
  line: number;
  isStatic?: boolean;
}

export type Scope = ReadonlyMap<string, VarDecl>;

export type EdgeKind = 'next' | 'true' | 'false' | 'case' | 'default' | 'back';

export interface Edge {
  to: number;
  kind: EdgeKind;
  caseValue?: Syn;
}

export type NodeKind =
  | 'entry'
  | 'exit'
  | 'nop'
  /** Evaluate `ast` (an expression or an ERROR node) for its effects. */
  | 'eval'
  /** Initialise the declared variable `decl` with `ast`. */
  | 'init'
  /** Test `ast`: edges[0] true, edges[1] false. */
  | 'branch'
  /** switch on `ast`: case/default edges. */
  | 'switch'
  /** return `ast` (may be undefined). */
  | 'return'
  /** Iterator macro: the loop variable gets the next element (enter) or drops the current one (next). */
  | 'iter-enter'
  | 'iter-next';

export interface CfgNode {
  id: number;
  kind: NodeKind;
  ast?: Syn;
  decl?: VarDecl;
  line: number;
  scope: Scope;
  edges: Edge[];
  /** Ids of the loops this node is inside, outermost first. */
  loops: number[];
  /** For iter-* nodes: the macro and its arguments. */
  macro?: { name: string; args: Syn[] };
  /** Label for nop nodes (a goto label, `out`). */
  label?: string;
  /** A branch of an assertion (`ASSERT(c)`): the path that fails it ends, so its condition is no path's condition. */
  asserted?: boolean;
}

const BOOL_TYPES = new Set(['bool', '_Bool', 'boolean_t', 'bool_t']);

export interface Cfg {
  name: string;
  params: VarDecl[];
  nodes: CfgNode[];
  entry: number;
  exit: number;
  /** Every declaration, by id. */
  decls: Map<string, VarDecl>;
  /** goto labels never defined: the goto is treated as leaving the function. */
  problems: { line: number; message: string }[];
  returnsVoid: boolean;
  /** Declared to return a truth value (`bool`, `_Bool`, `boolean_t`): `false` is its failure. */
  returnsBool: boolean;
  /** Loop id -> its head node. */
  loopHeads: Map<number, number>;
  /** Set when part of the body could not be read (nested too deeply). */
  incomplete?: string;
}

type Open = { from: number; kind: EdgeKind; caseValue?: Syn }[];

interface Ctx {
  scope: Map<string, VarDecl>;
  loops: number[];
  breaks?: Open;
  continues?: Open;
}

export interface CfgOptions {
  statementMacros: ReadonlyMap<number, StatementMacro>;
  /** Names of iterator macros whose loop variable holds a reference (from the model). */
  isIterator: (name: string) => boolean;
  /** The argument a transparent call (`likely`, `unlikely`) stands for, from the model. */
  transparentArg?: (name: string) => number | undefined;
  /** An assertion (`ASSERT(c)`, `BUG_ON(c)`) from the model: the argument that holds, or fails, after it. */
  assertion?: (name: string) => { arg: number; holds: boolean } | undefined;
  /** A file macro that ends in `goto` the label it is given (macros.ts jumpMacros): the label argument. */
  jumpMacro?: (name: string) => number | undefined;
  /**
   * A `do { } while` that retries a compare-and-swap until it succeeds: what the loop does is what its
   * last round does, so it is built without its way back (each path leaves after one round).
   */
  retriesUntilSwapped?: (loop: Syn) => boolean;
}

export function declaratorInfo(d: Syn | undefined): {
  name?: string;
  pointerDepth: number;
  isFunction: boolean;
  nameNode?: Syn;
  params?: Syn;
} {
  let depth = 0;
  let isFunction = false;
  let params: Syn | undefined;
  let cur = d;
  while (cur) {
    switch (cur.type) {
      case 'identifier':
      case 'field_identifier':
      case 'type_identifier':
        return { name: cur.text, pointerDepth: depth, isFunction, nameNode: cur, params };
      case 'pointer_declarator':
        depth++;
        cur = cur.fields.declarator ?? cur.children[cur.children.length - 1];
        break;
      case 'array_declarator':
        depth++;
        cur = cur.fields.declarator;
        break;
      case 'function_declarator':
        if (!isFunction) {
          isFunction = true;
          params = cur.fields.parameters;
        }
        cur = cur.fields.declarator;
        break;
      case 'init_declarator':
        cur = cur.fields.declarator;
        break;
      case 'parenthesized_declarator':
      case 'attributed_declarator':
        cur = cur.children[0];
        break;
      default:
        cur = cur.fields.declarator ?? cur.children[0];
    }
  }
  return { pointerDepth: depth, isFunction, params };
}

export function typeNameOf(type: Syn | undefined): string | undefined {
  if (!type) return undefined;
  if (type.type === 'struct_specifier' || type.type === 'union_specifier' || type.type === 'enum_specifier')
    return type.fields.name?.text;
  if (type.type === 'type_identifier' || type.type === 'primitive_type' || type.type === 'sized_type_specifier')
    return type.text;
  return undefined;
}

function isConstant(cond: Syn): boolean | undefined {
  let c = cond;
  while (c.type === 'parenthesized_expression' && c.children.length === 1) c = c.children[0];
  if (c.type === 'number_literal') return Number.parseInt(c.text ?? '', /^0[xX]/.test(c.text ?? '') ? 16 : 10) !== 0;
  if (c.type === 'true') return true;
  if (c.type === 'false') return false;
  return undefined;
}

export function buildCfg(fn: Syn, opts: CfgOptions): Cfg {
  const nodes: CfgNode[] = [];
  const decls = new Map<string, VarDecl>();
  const problems: Cfg['problems'] = [];
  const labels = new Map<string, number>();
  const gotos: { label: string; open: Open; line: number }[] = [];
  const loopHeads = new Map<number, number>();
  let nextLoop = 0;
  let incomplete: string | undefined;

  const declare = (ctx: Ctx, name: string, info: Omit<VarDecl, 'id' | 'name'>): VarDecl => {
    let id = name;
    for (let k = 2; decls.has(id); k++) id = `${name}#${k}`;
    const v: VarDecl = { id, name, ...info };
    decls.set(id, v);
    ctx.scope = new Map(ctx.scope);
    ctx.scope.set(name, v);
    return v;
  };
  const add = (ctx: Ctx, kind: NodeKind, line: number, extra: Partial<CfgNode> = {}): CfgNode => {
    const n: CfgNode = { id: nodes.length, kind, line, scope: ctx.scope, edges: [], loops: ctx.loops, ...extra };
    nodes.push(n);
    return n;
  };
  const connect = (open: Open, to: number) => {
    for (const o of open) nodes[o.from].edges.push({ to, kind: o.kind, caseValue: o.caseValue });
  };
  const node = (ctx: Ctx, open: Open, kind: NodeKind, line: number, extra: Partial<CfgNode> = {}): CfgNode => {
    const n = add(ctx, kind, line, extra);
    connect(open, n.id);
    return n;
  };

  /**
   * Closes a loop: the open edges go back to `head`. An edge out of a branch or a switch
   * keeps its kind (the engine follows a branch's `true` and `false` edges by kind), so
   * those go back through a join node of their own at `line`.
   */
  const goBack = (ctx: Ctx, open: Open, head: number, line: number) => {
    let back = open;
    if (open.some((o) => o.kind !== 'next'))
      back = [{ from: node(ctx, open, 'nop', line, { label: 'loop end' }).id, kind: 'next' }];
    connect(
      back.map((o) => ({ ...o, kind: 'back' as EdgeKind })),
      head,
    );
  };

  const ctx0: Ctx = { scope: new Map(), loops: [] };
  const entry = add(ctx0, 'entry', fn.line);
  const exit = add(ctx0, 'exit', fn.endLine);

  // parameters
  const dinfo = declaratorInfo(fn.fields.declarator);
  const params: VarDecl[] = [];
  let index = 0;
  for (const p of dinfo.params?.children ?? []) {
    if (p.type !== 'parameter_declaration') continue;
    const pi = declaratorInfo(p.fields.declarator);
    const tn = typeNameOf(p.fields.type);
    if (!pi.name) {
      if (tn !== 'void' || pi.pointerDepth > 0) index++;
      continue;
    }
    params.push(
      declare(ctx0, pi.name, {
        isParam: true,
        paramIndex: index,
        typeName: tn,
        pointerDepth: pi.pointerDepth,
        line: p.line,
      }),
    );
    index++;
  }
  const retType = typeNameOf(fn.fields.type);
  const returnsVoid = retType === 'void' && dinfo.pointerDepth === 0;
  const returnsBool = BOOL_TYPES.has(retType ?? '') && dinfo.pointerDepth === 0;

  /** `likely(a && b)` is `a && b`: the condition inside a transparent wrapper is lowered like any other. */
  const unwrapped = (c: Syn): Syn => {
    let e = c;
    for (;;) {
      if (e.type === 'parenthesized_expression' && e.children.length === 1) e = e.children[0];
      else if (e.type === 'call_expression' && e.fields.function?.type === 'identifier') {
        const i = opts.transparentArg?.(e.fields.function.text ?? '');
        const args = e.fields.arguments?.children.filter((a) => a.type !== 'comment');
        if (i === undefined || args?.length !== 1 || i !== 0) return e;
        e = args[0];
      } else return e;
    }
  };

  /** `ASSERT(owner == d);` as a statement: the condition and whether it holds after it. */
  const assertion = (e: Syn): { arg: Syn; holds: boolean } | undefined => {
    if (e.type !== 'call_expression' || e.fields.function?.type !== 'identifier') return undefined;
    const spec = opts.assertion?.(e.fields.function.text ?? '');
    const arg = spec && e.fields.arguments?.children.filter((a) => a.type !== 'comment')[spec.arg];
    return arg ? { arg, holds: spec.holds } : undefined;
  };

  /** `PIN_FAIL(unlock_out, ...)`: the label a jump macro's statement goes to. */
  const jumpLabel = (e: Syn): string | undefined => {
    if (e.type !== 'call_expression' || e.fields.function?.type !== 'identifier') return undefined;
    const i = opts.jumpMacro?.(e.fields.function.text ?? '');
    const arg = i === undefined ? undefined : e.fields.arguments?.children.filter((a) => a.type !== 'comment')[i];
    return arg?.type === 'identifier' ? arg.text : undefined;
  };

  const cond = (c: Syn, open: Open, ctx: Ctx, asserted = false): { t: Open; f: Open } => {
    const e = unwrapped(c);
    const k = isConstant(e);
    if (k !== undefined)
      return k ? { t: open.map((o) => ({ ...o })), f: [] } : { t: [], f: open.map((o) => ({ ...o })) };
    if (e.type === 'binary_expression' && (e.op === '&&' || e.op === '||')) {
      const l = cond(e.fields.left, open, ctx, asserted);
      if (e.op === '&&') {
        const r = cond(e.fields.right, l.t, ctx, asserted);
        return { t: r.t, f: [...l.f, ...r.f] };
      }
      const r = cond(e.fields.right, l.f, ctx, asserted);
      return { t: [...l.t, ...r.t], f: r.f };
    }
    if (e.type === 'unary_expression' && e.op === '!') {
      const inner = cond(e.fields.argument, open, ctx, asserted);
      return { t: inner.f, f: inner.t };
    }
    const b = node(ctx, open, 'branch', e.line, { ast: e, ...(asserted ? { asserted } : {}) });
    return { t: [{ from: b.id, kind: 'true' }], f: [{ from: b.id, kind: 'false' }] };
  };

  const loop = (ctx: Ctx, headLine: number): { id: number; inner: Ctx; head: (open: Open) => CfgNode } => {
    const id = nextLoop++;
    const inner: Ctx = { scope: ctx.scope, loops: [...ctx.loops, id], breaks: [], continues: [] };
    return {
      id,
      inner,
      head: (open: Open) => {
        const h = node(inner, open, 'nop', headLine, { label: 'loop' });
        loopHeads.set(id, h.id);
        return h;
      },
    };
  };

  const macroArgs = (c: Syn | undefined): Syn[] => {
    let e = c;
    while (e && e.type === 'parenthesized_expression' && e.children.length === 1) e = e.children[0];
    const out: Syn[] = [];
    const flat = (x: Syn) => {
      if (x.type === 'comma_expression') {
        flat(x.fields.left);
        flat(x.fields.right);
      } else out.push(x);
    };
    if (e) flat(e);
    return out;
  };

  const stmt = (s: Syn | undefined, open: Open, ctx: Ctx): Open => {
    if (!s) return open;
    switch (s.type) {
      case 'compound_statement': {
        const inner: Ctx = { ...ctx, scope: ctx.scope as Map<string, VarDecl> };
        let o = open;
        for (const c of s.children) o = stmt(c, o, inner);
        return o;
      }
      case 'declaration': {
        let o = open;
        const tn = typeNameOf(s.fields.type);
        const isStatic = s.children.some((c) => c.type === 'storage_class_specifier' && c.text === 'static');
        for (const d of s.children) {
          if (
            d === s.fields.type ||
            d.type === 'storage_class_specifier' ||
            d.type === 'type_qualifier' ||
            d.type === 'attribute_specifier'
          )
            continue;
          const di = declaratorInfo(d);
          if (!di.name || di.isFunction) continue;
          const v = declare(ctx, di.name, {
            isParam: false,
            typeName: tn,
            pointerDepth: di.pointerDepth,
            line: d.line,
            isStatic,
          });
          if (d.type === 'init_declarator' && d.fields.value) {
            const n = node(ctx, o, 'init', d.line, { ast: d.fields.value, decl: v });
            o = [{ from: n.id, kind: 'next' }];
          }
        }
        return o;
      }
      case 'expression_statement': {
        if (!s.children.length) return open;
        const asserted = assertion(s.children[0]);
        if (asserted) {
          // a path on which the assertion would fail is not followed
          const c = cond(asserted.arg, open, ctx, true);
          return asserted.holds ? c.t : c.f;
        }
        const n = node(ctx, open, 'eval', s.line, { ast: s.children[0] });
        const label = jumpLabel(s.children[0]);
        if (label === undefined) return [{ from: n.id, kind: 'next' }];
        gotos.push({ label, open: [{ from: n.id, kind: 'next' }], line: s.line });
        return [];
      }
      case 'if_statement': {
        const sm = opts.statementMacros.get(s.start);
        if (sm && sm.keyword === 'if') {
          if (sm.kind === 'loop') return macroLoop(s, sm, s.fields.consequence, open, ctx);
          return stmt(s.fields.consequence, open, ctx);
        }
        const c = cond(s.fields.condition, open, ctx);
        const t = stmt(s.fields.consequence, c.t, ctx);
        const alt = s.fields.alternative;
        const f = alt ? stmt(alt.type === 'else_clause' ? alt.children[0] : alt, c.f, ctx) : c.f;
        return [...t, ...f];
      }
      case 'else_clause':
        return stmt(s.children[0], open, ctx);
      case 'while_statement': {
        const sm = opts.statementMacros.get(s.start);
        if (sm) {
          if (sm.kind === 'loop') return macroLoop(s, sm, s.fields.body, open, ctx);
          return stmt(s.fields.body, open, ctx);
        }
        const L = loop(ctx, s.line);
        const h = L.head(open);
        const c = cond(s.fields.condition, [{ from: h.id, kind: 'next' }], L.inner);
        const b = stmt(s.fields.body, c.t, L.inner);
        goBack(L.inner, [...b, ...L.inner.continues!], h.id, s.endLine);
        return [...c.f, ...L.inner.breaks!];
      }
      case 'do_statement': {
        const L = loop(ctx, s.line);
        const h = L.head(open);
        const b = stmt(s.fields.body, [{ from: h.id, kind: 'next' }], L.inner);
        const condLine = s.fields.condition?.line ?? s.endLine;
        const contNode = node(L.inner, [...b, ...L.inner.continues!], 'nop', condLine, { label: 'do-while' });
        const c = s.fields.condition
          ? cond(s.fields.condition, [{ from: contNode.id, kind: 'next' }], L.inner)
          : { t: [], f: [{ from: contNode.id, kind: 'next' as EdgeKind }] };
        if (opts.retriesUntilSwapped?.(s)) return [...c.t, ...c.f, ...L.inner.breaks!];
        goBack(L.inner, c.t, h.id, condLine);
        return [...c.f, ...L.inner.breaks!];
      }
      case 'for_statement': {
        const fctx: Ctx = { ...ctx };
        let o = open;
        const init = s.fields.initializer;
        if (init) {
          if (init.type === 'declaration') o = stmt(init, o, fctx);
          else {
            const n = node(fctx, o, 'eval', init.line, { ast: init });
            o = [{ from: n.id, kind: 'next' }];
          }
        }
        const L = loop(fctx, s.line);
        const h = L.head(o);
        const c = s.fields.condition
          ? cond(s.fields.condition, [{ from: h.id, kind: 'next' }], L.inner)
          : { t: [{ from: h.id, kind: 'next' as EdgeKind }], f: [] as Open };
        const b = stmt(s.fields.body, c.t, L.inner);
        let back: Open = [...b, ...L.inner.continues!];
        if (s.fields.update) {
          const u = node(L.inner, back, 'eval', s.fields.update.line, { ast: s.fields.update });
          back = [{ from: u.id, kind: 'next' }];
        }
        goBack(L.inner, back, h.id, s.endLine);
        return [...c.f, ...L.inner.breaks!];
      }
      case 'switch_statement': {
        const sw = node(ctx, open, 'switch', s.line, { ast: s.fields.condition });
        const inner: Ctx = { ...ctx, breaks: [] };
        let fall: Open = [];
        let hasDefault = false;
        const body = s.fields.body;
        for (const c of body?.children ?? []) {
          if (c.type === 'case_statement') {
            const value = c.fields.value;
            if (!value) hasDefault = true;
            const entryOpen: Open = [
              ...fall,
              value ? { from: sw.id, kind: 'case', caseValue: value } : { from: sw.id, kind: 'default' },
            ];
            const label = node(inner, entryOpen, 'nop', c.line, { label: value ? 'case' : 'default' });
            let o: Open = [{ from: label.id, kind: 'next' }];
            for (const st of c.children) {
              if (st === value) continue;
              o = stmt(st, o, inner);
            }
            fall = o;
          } else {
            fall = stmt(c, fall, inner);
          }
        }
        const out: Open = [...fall, ...inner.breaks!];
        if (!hasDefault) out.push({ from: sw.id, kind: 'default' });
        return out;
      }
      case 'case_statement':
        return open; // only inside switch bodies
      case 'return_statement': {
        const value = s.children[0];
        const n = node(ctx, open, 'return', s.line, { ast: value });
        nodes[n.id].edges.push({ to: exit.id, kind: 'next' });
        return [];
      }
      case 'break_statement':
        if (ctx.breaks) ctx.breaks.push(...open);
        else problems.push({ line: s.line, message: 'break outside a loop or switch' });
        return [];
      case 'continue_statement':
        if (ctx.continues) ctx.continues.push(...open);
        else problems.push({ line: s.line, message: 'continue outside a loop' });
        return [];
      case 'goto_statement': {
        const label = s.fields.label?.text ?? s.children[0]?.text ?? '';
        gotos.push({ label, open, line: s.line });
        return [];
      }
      case 'labeled_statement': {
        const name = s.fields.label?.text ?? '';
        const n = node(ctx, open, 'nop', s.line, { label: name });
        labels.set(name, n.id);
        const inner = s.children.find((c) => c !== s.fields.label);
        return stmt(inner, [{ from: n.id, kind: 'next' }], ctx);
      }
      case 'attributed_statement':
        return stmt(s.children[s.children.length - 1], open, ctx);
      case 'ERROR': {
        // Keep whatever statements the parser recovered; evaluate loose expressions for their calls.
        let o = open;
        for (const c of s.children) {
          if (/_statement$|^declaration$|^compound_statement$/.test(c.type)) o = stmt(c, o, ctx);
          else if (/expression|identifier/.test(c.type)) {
            const n = node(ctx, o, 'eval', c.line, { ast: c });
            o = [{ from: n.id, kind: 'next' }];
          }
        }
        return o;
      }
      case 'TOO_DEEP':
        incomplete ??= `nested more than 400 levels deep at line ${s.line}: the inner part is not analysed`;
        return open;
      default:
        if (/expression$/.test(s.type)) {
          const n = node(ctx, open, 'eval', s.line, { ast: s });
          return [{ from: n.id, kind: 'next' }];
        }
        return open;
    }
  };

  const macroLoop = (s: Syn, sm: StatementMacro, body: Syn | undefined, open: Open, ctx: Ctx): Open => {
    const args = macroArgs(s.fields.condition);
    const L = loop(ctx, s.line);
    const h = L.head(open);
    const test = node(L.inner, [{ from: h.id, kind: 'next' }], 'branch', s.line, { macro: { name: sm.name, args } });
    let t: Open = [{ from: test.id, kind: 'true' }];
    const iterator = opts.isIterator(sm.name);
    if (iterator) {
      const e = node(L.inner, t, 'iter-enter', s.line, { macro: { name: sm.name, args } });
      t = [{ from: e.id, kind: 'next' }];
    }
    const b = stmt(body, t, L.inner);
    let back: Open = [...b, ...L.inner.continues!];
    if (iterator) {
      const nx = node(L.inner, back, 'iter-next', s.line, { macro: { name: sm.name, args } });
      back = [{ from: nx.id, kind: 'next' }];
    }
    goBack(L.inner, back, h.id, s.endLine);
    return [{ from: test.id, kind: 'false' }, ...L.inner.breaks!];
  };

  const end = stmt(fn.fields.body, [{ from: entry.id, kind: 'next' }], {
    scope: ctx0.scope as Map<string, VarDecl>,
    loops: [],
  });
  // falling off the end
  if (end.length) {
    const r = node(ctx0, end, 'return', fn.endLine);
    nodes[r.id].edges.push({ to: exit.id, kind: 'next' });
  }
  const cycles = gotoCycles(nodes, gotos, labels);
  for (const g of gotos) {
    const target = labels.get(g.label);
    if (target === undefined) {
      problems.push({ line: g.line, message: `goto ${g.label}: no such label` });
      const r = node(ctx0, g.open, 'return', g.line);
      nodes[r.id].edges.push({ to: exit.id, kind: 'next' });
    } else {
      // a goto backwards that the label's code can come round to again is a loop of its own: mark it back
      // (a jump back to a cleanup block that returns, `unlock: ... return rc;`, is no loop)
      const backwards = nodes[target].line <= g.line && g.open.length > 0 && nodes[g.open[0].from].id > target;
      if (backwards && cycles(g)) goBack(ctx0, g.open, target, g.line);
      else connect(g.open, target);
    }
  }
  return {
    name: dinfo.name ?? '<anonymous>',
    params,
    nodes,
    entry: entry.id,
    exit: exit.id,
    decls,
    problems,
    returnsVoid,
    returnsBool,
    loopHeads,
    incomplete,
  };
}

/**
 * Whether a goto's label leads back to the goto, through the function's edges and every goto's jump:
 * only then is jumping to it going round a loop.
 */
function gotoCycles(
  nodes: readonly CfgNode[],
  gotos: readonly { label: string; open: Open }[],
  labels: ReadonlyMap<string, number>,
): (g: { label: string; open: Open }) => boolean {
  const jumps = new Map<number, number[]>();
  for (const g of gotos) {
    const target = labels.get(g.label);
    if (target === undefined) continue;
    for (const o of g.open) jumps.set(o.from, [...(jumps.get(o.from) ?? []), target]);
  }
  return (g) => {
    const target = labels.get(g.label);
    if (target === undefined) return false;
    const from = new Set(g.open.map((o) => o.from));
    const seen = new Set<number>([target]);
    const stack = [target];
    while (stack.length) {
      const n = stack.pop()!;
      if (from.has(n)) return true;
      for (const to of [...nodes[n].edges.map((e) => e.to), ...(jumps.get(n) ?? [])])
        if (!seen.has(to)) {
          seen.add(to);
          stack.push(to);
        }
    }
    return false;
  };
}

/**
 * The CFG nodes made of the text inside a syntax node, in the CFG's order: found among the nodes sorted
 * by offset, not by a walk of every node for each `if` of the function.
 */
export function nodesWithin(cfg: Cfg): (s: Syn) => Cfg['nodes'] {
  const byStart = cfg.nodes.filter((n) => n.ast).sort((x, y) => x.ast!.start - y.ast!.start || x.id - y.id);
  return (s) => {
    let lo = 0;
    let hi = byStart.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byStart[mid].ast!.start < s.start) lo = mid + 1;
      else hi = mid;
    }
    const found: Cfg['nodes'] = [];
    for (let i = lo; i < byStart.length && byStart[i].ast!.start <= s.end; i++)
      if (byStart[i].ast!.end <= s.end) found.push(byStart[i]);
    return found.sort((x, y) => x.id - y.id);
  };
}
