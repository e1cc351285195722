/**
 * Releases a flag of the object's own state word guards: `if ((x & PGT_partial) && !(nx & PGT_partial))
 * put_page(page)`, where `x` and `nx` only ever hold `page->u.inuse.type_info` (read, or the value a
 * `cmpxchg(&page->u.inuse.type_info, x, nx)` found there) and values made from it. A reference given back
 * only when a bit of the object's own state says one is held is that bit's reference, kept with the state
 * (set by whoever set the bit), as far as the text shows: not one the caller passed in or the function took.
 *
 * A state word of an object `X` is a member reached through `X` (`X->f`, `X->u.a.b`), or a local whose
 * every value is built from such members of one object, from other such locals of the same object,
 * constants and scalar parameters, and from calls given only those or a member's address (`ACCESS_ONCE(...)`,
 * `cmpxchg(&X->f, x, nx)`), compound assignments included (`nx &= ~F`). A bit test is `W & K`, `W` a
 * state word and `K` a constant (a macro, a number, or several or-ed together). The guarded nodes are those
 * inside either arm of an `if` whose condition holds such a test (checks.ts, `flagOwned`).
 */
import { type Cfg, type Scope, type VarDecl, nodesWithin } from '../cfg/cfg';
import { type Syn, unwrapValue } from '../parse/syntax';

/** Node id -> the roots (declaration ids) whose state word a test around that node reads a flag of. */
export type FlagGuarded = ReadonlyMap<number, readonly string[]>;

const ARITH = new Set(['binary_expression', 'unary_expression', 'parenthesized_expression', 'cast_expression']);

export function flagGuarded(cfg: Cfg, body: Syn | undefined): FlagGuarded {
  const out = new Map<number, string[]>();
  if (!body) return out;
  const words = stateWords(cfg);
  if (!words.size && !hasArrow(body)) return out;
  const ifs: Syn[] = [];
  const collect = (n: Syn) => {
    if (n.type === 'if_statement') ifs.push(n);
    for (const c of n.children) collect(c);
  };
  collect(body);
  const within = nodesWithin(cfg);
  for (const stmt of ifs) {
    const cond = stmt.fields.condition;
    if (!cond) continue;
    // the names in the condition are read in the scope of the branch nodes made of it
    const scope = within(cond)[0]?.scope;
    if (!scope) continue;
    const roots = flagTestRoots(cond, scope, words);
    if (!roots.size) continue;
    const arms = [stmt.fields.consequence, stmt.fields.alternative].filter((a): a is Syn => !!a);
    for (const n of [...new Set(arms.flatMap(within))].sort((x, y) => x.id - y.id))
      out.set(n.id, [...new Set([...(out.get(n.id) ?? []), ...roots])].sort());
  }
  return out;
}

function hasArrow(n: Syn): boolean {
  if (n.type === 'field_expression' && n.op === '->') return true;
  return n.children.some(hasArrow);
}

/** The roots of the objects whose state word a condition tests a flag of. */
function flagTestRoots(cond: Syn, scope: Scope, words: ReadonlyMap<string, string>): Set<string> {
  const roots = new Set<string>();
  const walk = (x: Syn) => {
    if (x.type === 'binary_expression' && x.op === '&') {
      const [l, r] = [x.fields.left, x.fields.right];
      for (const [w, k] of [
        [l, r],
        [r, l],
      ]) {
        const root = w && k && isConstant(k, scope) ? wordRoot(w, scope, words) : undefined;
        if (root) roots.add(root);
      }
    }
    for (const c of x.children) walk(c);
  };
  walk(cond);
  return roots;
}

/** A flag: a name the function does not declare (a macro, an enumerator), a number, or several or-ed. */
function isConstant(e: Syn, scope: Scope): boolean {
  const x = unwrapValue(e);
  if (!x) return false;
  if (x.type === 'number_literal') return true;
  if (x.type === 'identifier') return !scope.has(x.text ?? '');
  if (x.type === 'binary_expression' && x.op === '|')
    return isConstant(x.fields.left, scope) && isConstant(x.fields.right, scope);
  if (x.type === 'unary_expression' && x.op === '~') return isConstant(x.fields.argument, scope);
  return false;
}

/** The object whose state word `e` is: a member through a pointer (`X->f`), or such a local. */
function wordRoot(e: Syn, scope: Scope, words: ReadonlyMap<string, string>): string | undefined {
  const x = unwrapValue(e);
  if (!x) return undefined;
  if (x.type === 'identifier') {
    const d = scope.get(x.text ?? '');
    return d ? words.get(d.id) : undefined;
  }
  return memberRoot(x, scope);
}

/** `X->f`, `X->u.a.b`: the declaration id of `X`, a pointer the function names. */
function memberRoot(x: Syn, scope: Scope): string | undefined {
  let b: Syn | undefined = x;
  let arrow = false;
  while (b?.type === 'field_expression') {
    if (b.op === '->') arrow = true;
    b = unwrapValue(b.fields.argument);
  }
  if (!arrow || b?.type !== 'identifier') return undefined;
  const d = scope.get(b.text ?? '');
  return d && d.pointerDepth > 0 ? d.id : undefined;
}

/** The locals that only ever hold a state word of one object: local id -> that object's root. */
function stateWords(cfg: Cfg): Map<string, string> {
  const values = new Map<string, { rhs: Syn; scope: Scope }[]>();
  const excluded = new Set<string>();
  const own = (e: Syn | undefined, scope: Scope): VarDecl | undefined => {
    const x = unwrapValue(e);
    const d = x?.type === 'identifier' ? scope.get(x.text ?? '') : undefined;
    return d && !d.isParam && !d.isStatic && d.pointerDepth === 0 ? d : undefined;
  };
  const push = (id: string, rhs: Syn, scope: Scope) => {
    const list = values.get(id) ?? [];
    list.push({ rhs, scope });
    values.set(id, list);
  };
  const walk = (n: Syn, scope: Scope) => {
    if (n.type === 'assignment_expression') {
      const d = own(n.fields.left, scope);
      if (d && n.fields.right) push(d.id, n.fields.right, scope);
    } else if (n.type === 'pointer_expression' && n.op === '&') {
      const d = own(n.fields.argument, scope);
      if (d) excluded.add(d.id);
    }
    for (const c of n.children) walk(c, scope);
  };
  for (const node of cfg.nodes) {
    if (node.kind === 'init' && node.decl && node.ast) push(node.decl.id, node.ast, node.scope);
    if (node.ast) walk(node.ast, node.scope);
    for (const a of node.macro?.args ?? []) {
      const d = own(a, node.scope);
      if (d) excluded.add(d.id);
    }
  }
  // the greatest fixed point: a word copied round a retry loop (`x = y; ... y = cmpxchg(&p->f, x, nx)`)
  const words = new Set([...values.keys()].filter((id) => !excluded.has(id)));
  const roots = new Map<string, Set<string>>();
  const made = (e: Syn | undefined, scope: Scope, acc: Set<string>): boolean => {
    const x = unwrapValue(e);
    if (!x) return false;
    if (x.type === 'number_literal' || x.type === 'char_literal') return true;
    if (x.type === 'identifier') {
      const d = scope.get(x.text ?? '');
      if (!d) return true;
      if (words.has(d.id)) {
        acc.add(`=${d.id}`);
        return true;
      }
      return d.isParam && d.pointerDepth === 0;
    }
    if (x.type === 'field_expression') {
      const r = memberRoot(x, scope);
      if (r) acc.add(r);
      return !!r;
    }
    if (x.type === 'call_expression') {
      const args = (x.fields.arguments?.children ?? []).filter((a) => a.type !== 'comment');
      return args.every((a) => {
        const v = unwrapValue(a);
        if (v?.type === 'pointer_expression' && v.op === '&') {
          const r = v.fields.argument ? memberRoot(unwrapValue(v.fields.argument)!, scope) : undefined;
          if (r) acc.add(r);
          return !!r;
        }
        return made(a, scope, acc);
      });
    }
    if (x.type === 'conditional_expression' || ARITH.has(x.type))
      return x.children.every((c) => c.type === 'comment' || made(c, scope, acc));
    return false;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of [...words]) {
      const acc = new Set<string>();
      if ((values.get(id) ?? []).every((v) => made(v.rhs, v.scope, acc))) roots.set(id, acc);
      else {
        words.delete(id);
        changed = true;
      }
    }
  }
  // each word's object, through the words it is made from: exactly one
  const out = new Map<string, string>();
  for (const id of words) {
    const seen = new Set<string>([id]);
    const objs = new Set<string>();
    const queue = [id];
    while (queue.length) {
      for (const r of roots.get(queue.pop()!) ?? []) {
        if (!r.startsWith('=')) objs.add(r);
        else if (!seen.has(r.slice(1))) {
          seen.add(r.slice(1));
          queue.push(r.slice(1));
        }
      }
    }
    if (objs.size === 1) out.set(id, [...objs][0]);
  }
  return out;
}
