/**
 * One function's syntax as fix-its read it: where a counted call is, the statement that holds
 * it and what holds that statement (a block, a branch without braces, a label), the labels and
 * jumps, and which local names a position can see.
 */
import type { Syn } from '../parse/syntax';
import { declaratorInfo } from '../cfg/cfg';

const STATEMENT = /_statement$|^declaration$/;
const JUMP = new Set(['return_statement', 'goto_statement', 'break_statement', 'continue_statement']);
const LOOP = new Set(['while_statement', 'for_statement', 'do_statement']);

export function isStatement(n: Syn): boolean {
  return STATEMENT.test(n.type);
}

export function isJump(n: Syn): boolean {
  return JUMP.has(n.type);
}

export function isLoop(n: Syn): boolean {
  return LOOP.has(n.type);
}

/** Statements that hold others in a list: a block, and a `case` with the statements after its label. */
export function isStatementList(n: Syn | undefined): boolean {
  return n?.type === 'compound_statement' || n?.type === 'case_statement';
}

/** The named children that are code (comments are children too). */
export function codeChildren(n: Syn): Syn[] {
  return n.children.filter((c) => c.type !== 'comment');
}

/** An expression with no call, assignment or increment: evaluating it or not changes nothing. */
export function isPure(n: Syn | undefined): boolean {
  if (!n) return true;
  if (n.type === 'call_expression' || n.type === 'assignment_expression' || n.type === 'update_expression')
    return false;
  return n.children.every(isPure);
}

interface Local {
  name: string;
  /** Where the name becomes visible (the end of its declarator). */
  from: number;
  /** The block it is visible in (undefined for a parameter). */
  scope?: Syn;
  /** A struct or union held by value (`struct path path;`): calls take its address. */
  byValue?: boolean;
}

export class FunctionSyntax {
  private readonly parents = new Map<Syn, Syn>();
  private readonly locals: Local[] = [];
  readonly labels = new Map<string, Syn>();
  readonly jumps: Syn[] = [];
  readonly ifs: Syn[] = [];
  private readonly callsByPlace = new Map<string, Syn>();

  constructor(
    readonly fn: Syn,
    readonly name: string,
  ) {
    for (const p of declaratorInfo(fn.fields.declarator).params?.children ?? []) {
      const info = declaratorInfo(p.fields.declarator);
      if (info.name) this.locals.push({ name: info.name, from: fn.start, byValue: byValue(p, info.pointerDepth) });
    }
    if (fn.fields.body) this.walk(fn.fields.body);
  }

  get body(): Syn {
    return this.fn.fields.body ?? this.fn;
  }

  parent(n: Syn): Syn | undefined {
    return this.parents.get(n);
  }

  /** The call whose callee's name starts at this line and column. */
  callAt(line: number, column: number | undefined, callee: string): Syn | undefined {
    if (column !== undefined) return this.callsByPlace.get(`${line}:${column}`);
    for (const [place, call] of this.callsByPlace)
      if (place.startsWith(`${line}:`) && call.fields.function?.text === callee) return call;
    return undefined;
  }

  /** Calls of `callee` anywhere in the function. */
  callsOf(callee: string): Syn[] {
    return [...this.callsByPlace.values()].filter((c) => c.fields.function?.text === callee);
  }

  /** The statement that holds `n`: the nearest one that stands in a list, a branch, a loop or after a label. */
  statementOf(n: Syn): Syn | undefined {
    let cur: Syn | undefined = n;
    while (cur && cur !== this.body) {
      const p = this.parents.get(cur);
      if (isStatement(cur) && p && (isStatementList(p) || this.isArm(cur, p))) return cur;
      cur = p;
    }
    return undefined;
  }

  /** `s` is the statement of a branch, a loop's body or the statement after a label. */
  isArm(s: Syn, holder: Syn): boolean {
    if (holder.type === 'if_statement') return holder.fields.consequence === s;
    if (holder.type === 'else_clause' || holder.type === 'labeled_statement') return codeChildren(holder).at(-1) === s;
    if (isLoop(holder)) return holder.fields.body === s;
    return false;
  }

  /** The statements (at any depth) that start on a line. */
  statementsAt(line: number): Syn[] {
    const out: Syn[] = [];
    const visit = (n: Syn) => {
      if (n.line > line || n.endLine < line) return;
      if (n.line === line && isStatement(n) && n !== this.body) out.push(n);
      for (const c of n.children) visit(c);
    };
    visit(this.body);
    return out;
  }

  /** The nearest enclosing branch, loop or switch of a statement (what a jump in it leaves). */
  ownerOf(s: Syn): Syn | undefined {
    for (let p = this.parents.get(s); p && p !== this.fn; p = this.parents.get(p))
      if (p.type === 'if_statement' || isLoop(p) || p.type === 'switch_statement') return p;
    return undefined;
  }

  /** The statement after `s` in its list, if any. */
  nextInList(s: Syn): Syn | undefined {
    const p = this.parents.get(s);
    if (!p || !isStatementList(p)) return undefined;
    const list = codeChildren(p).filter(isStatement);
    return list[list.indexOf(s) + 1];
  }

  /** Whether every local name in `names` is declared where `offset` can see it (other names always are). */
  sees(names: readonly string[], offset: number): boolean {
    for (const name of names) {
      const decls = this.locals.filter((l) => l.name === name);
      if (!decls.length) continue;
      const visible = decls.some(
        (l) => l.from <= offset && (!l.scope || (l.scope.start <= offset && offset <= l.scope.end)),
      );
      if (!visible) return false;
    }
    return true;
  }

  /**
   * Local names given a value in `[from, to)`: assigned (`x = ...`), declared with a value, or
   * passed by address to a call (`get(&x)`).
   */
  setIn(from: number, to: number): Set<string> {
    const out = new Set<string>();
    const locals = new Set(this.locals.map((l) => l.name));
    const visit = (n: Syn) => {
      if (n.end <= from || n.start >= to) return;
      if (n.start >= from && n.end <= to) {
        const target =
          n.type === 'assignment_expression'
            ? n.fields.left
            : n.type === 'init_declarator'
              ? n.fields.declarator
              : n.type === 'pointer_expression' && n.op === '&'
                ? n.fields.argument
                : undefined;
        const name = target?.type === 'identifier' ? target.text : undefined;
        if (name && locals.has(name)) out.add(name);
      }
      for (const c of n.children) visit(c);
    };
    visit(this.body);
    return out;
  }

  /** The parameters' names: set before the body runs. */
  parameters(): string[] {
    return this.locals.filter((l) => !l.scope).map((l) => l.name);
  }

  /** Identifiers named in `[from, to)` of the function. */
  namesIn(from: number, to: number): Set<string> {
    const out = new Set<string>();
    const visit = (n: Syn) => {
      if (n.end <= from || n.start >= to) return;
      if (n.type === 'identifier' && n.text && n.start >= from) out.add(n.text);
      for (const c of n.children) visit(c);
    };
    visit(this.body);
    return out;
  }

  /** The name is a local struct or union held by value (the last declaration of it in the function). */
  holdsByValue(name: string): boolean {
    return this.locals.filter((l) => l.name === name).at(-1)?.byValue === true;
  }

  private walk(n: Syn): void {
    if (n.type === 'call_expression') {
      const f = n.fields.function;
      if (f?.type === 'identifier') this.callsByPlace.set(`${f.line}:${f.col}`, n);
    } else if (n.type === 'labeled_statement') {
      const label = n.fields.label?.text;
      if (label) this.labels.set(label, n);
    } else if (isJump(n)) this.jumps.push(n);
    else if (n.type === 'if_statement') this.ifs.push(n);
    else if (n.type === 'declaration') {
      const scope = this.parents.get(n);
      for (const d of n.children) {
        if (d === n.fields.type) continue;
        const info = declaratorInfo(d);
        if (info.name && d.type !== 'storage_class_specifier' && d.type !== 'type_qualifier')
          this.locals.push({ name: info.name, from: d.end, scope, byValue: byValue(n, info.pointerDepth) });
      }
    }
    for (const c of n.children) {
      this.parents.set(c, n);
      this.walk(c);
    }
  }
}

/** A declaration of a struct or union itself, not a pointer to one. */
function byValue(declaration: Syn, pointerDepth: number): boolean {
  const type = declaration.fields.type?.type;
  return pointerDepth === 0 && (type === 'struct_specifier' || type === 'union_specifier');
}
