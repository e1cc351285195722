/**
 * Count changes a user counter guards: `if (!ctx->users) get(d); ctx->users++;` takes a reference for the first
 * user only, and `ctx->users--; last = !ctx->users; if (last) put(d);` gives it back with the last one. The
 * reference follows how many users the counter records, which the function keeps in step (it raises or lowers
 * that member by one), not this call: whether this call crosses zero depends on the others. Such a change is
 * bookkeeping (`ObjState.parked`), as a change after a test that moves the object's own state is (`if
 * (d->users++ == 0) get(d)`), and paths that differ only by it are not inconsistent.
 *
 * A counter is a member reached through a pointer (`X->f`, `X->a.f`) the function's body changes by one
 * (`X->f++`, `--X->f`, `X->f += 1`, `X->f -= 1`). A zero test of it reads it (or that update: `X->f++ == 0`)
 * alone, negated or compared with 0, or a local whose every value is such a test (`last = !X->f`). The guarded
 * nodes are those inside either arm of an `if` whose condition holds such a test, and the arm of a NULL test of a
 * context `X` that starts it with its counter at zero where the other arm counts one more user (`firstUserArm`).
 */
import { type Cfg, nodesWithin } from '../cfg/cfg';
import { type Syn, unwrapValue } from '../parse/syntax';

export function counterGuarded(cfg: Cfg, body: Syn | undefined): ReadonlySet<number> {
  const out = new Set<number>();
  if (!body) return out;
  const counters = new Set<string>();
  const ifs: Syn[] = [];
  const values = new Map<string, Syn[]>();
  const push = (name: string | undefined, v: Syn | undefined) => {
    if (name === undefined || !v) return;
    values.set(name, [...(values.get(name) ?? []), v]);
  };
  const walk = (n: Syn) => {
    if (n.type === 'if_statement') ifs.push(n);
    const changed = stepOf(n);
    if (changed !== undefined) counters.add(changed);
    if (n.type === 'assignment_expression' && n.op === '=') push(localName(n.fields.left), n.fields.right);
    if (n.type === 'init_declarator') push(localName(n.fields.declarator), n.fields.value);
    for (const c of n.children) walk(c);
  };
  walk(body);
  if (!counters.size) return out;
  const locals = new Set<string>();
  for (const [name, vs] of values) if (vs.every((v) => zeroTest(v, counters, locals))) locals.add(name);
  const within = nodesWithin(cfg);
  for (const stmt of ifs) {
    const cond = stmt.fields.condition;
    if (!cond) continue;
    if (guards(cond, counters, locals)) {
      const arms = [stmt.fields.consequence, stmt.fields.alternative].filter((a): a is Syn => !!a);
      for (const n of arms.flatMap(within)) out.add(n.id);
      continue;
    }
    const first = firstUserArm(stmt, counters);
    if (first) for (const n of within(first)) out.add(n.id);
  }
  return out;
}

/**
 * The arm of `if (X == NULL) { X = make(); X->f = 0; ... } else X->f++;` where the context `X` holds a counter
 * `X->f` of its users: the arm that finds no context and starts one with the counter at zero is its first user's,
 * the other counts one more. Whether this call is the first depends on the others, as a zero test of the counter
 * does (`X->f++ == 0`).
 */
function firstUserArm(stmt: Syn, counters: ReadonlySet<string>): Syn | undefined {
  const test = nullTest(stmt.fields.condition);
  const [yes, no] = [stmt.fields.consequence, stmt.fields.alternative];
  if (!test || !yes || !no) return undefined;
  const [fresh, found] = test.isNull ? [yes, no] : [no, yes];
  const stepped = new Set<string>();
  const started = new Set<string>();
  const walk = (n: Syn, into: 'stepped' | 'started') => {
    if (into === 'stepped') {
      const c = stepOf(n);
      if (c !== undefined && counters.has(c) && c.startsWith(`${test.name}->`)) stepped.add(c);
    } else if (n.type === 'assignment_expression' && n.op === '=') {
      const c = memberText(n.fields.left);
      const r = unwrapValue(n.fields.right);
      if (c !== undefined && r?.type === 'number_literal' && isZero(r)) started.add(c);
    }
    for (const c of n.children) walk(c, into);
  };
  walk(found, 'stepped');
  if (!stepped.size) return undefined;
  walk(fresh, 'started');
  return [...stepped].some((c) => started.has(c)) ? fresh : undefined;
}

/** `X == NULL`, `!X`, `X != NULL`, `X` (a plain name compared with a null constant): the name, and which way. */
function nullTest(cond: Syn | undefined): { name: string; isNull: boolean } | undefined {
  const x = unwrapValue(cond);
  if (x?.type === 'identifier' && x.text) return { name: x.text, isNull: false };
  if (x?.type === 'unary_expression' && x.op === '!') {
    const t = nullTest(x.fields.argument);
    return t && { name: t.name, isNull: !t.isNull };
  }
  if (x?.type !== 'binary_expression' || (x.op !== '==' && x.op !== '!=')) return undefined;
  const [l, r] = [unwrapValue(x.fields.left), unwrapValue(x.fields.right)];
  const nul = (y: Syn | undefined) =>
    y?.type === 'null' || (y?.type === 'identifier' && y.text === 'NULL') || isZero(y);
  const name = l?.type === 'identifier' && nul(r) ? l.text : r?.type === 'identifier' && nul(l) ? r.text : undefined;
  return name !== undefined && name !== 'NULL' ? { name, isNull: x.op === '==' } : undefined;
}

function isZero(y: Syn | undefined): boolean {
  return y?.type === 'number_literal' && /^0[uUlL]*$/.test(y.text ?? '');
}

/** The counter a node changes by one (`X->f++`, `X->f -= 1`), as its text. */
function stepOf(n: Syn): string | undefined {
  if (n.type === 'update_expression') return memberText(n.fields.argument);
  if (n.type === 'assignment_expression' && (n.op === '+=' || n.op === '-=')) {
    const r = unwrapValue(n.fields.right);
    return r?.type === 'number_literal' && r.text === '1' ? memberText(n.fields.left) : undefined;
  }
  return undefined;
}

/** `X->f`, `X->a.f` (a member reached through a pointer): its text without spaces. */
function memberText(e: Syn | undefined): string | undefined {
  const x = unwrapValue(e);
  if (x?.type !== 'field_expression') return undefined;
  let arrow = false;
  const text = (y: Syn | undefined): string | undefined => {
    const v = unwrapValue(y);
    if (v?.type === 'identifier') return v.text;
    if (v?.type !== 'field_expression') return undefined;
    if (v.op === '->') arrow = true;
    const base = text(v.fields.argument);
    const field = v.fields.field?.text;
    return base !== undefined && field !== undefined ? `${base}${v.op}${field}` : undefined;
  };
  const t = text(x);
  return arrow ? t : undefined;
}

function localName(e: Syn | undefined): string | undefined {
  const x = unwrapValue(e);
  return x?.type === 'identifier' ? x.text : undefined;
}

/** A condition with a zero test of a counter in it, through `!`, `&&` and `||`. */
function guards(cond: Syn, counters: ReadonlySet<string>, locals: ReadonlySet<string>): boolean {
  const x = unwrapValue(cond);
  if (!x) return false;
  if (zeroTest(x, counters, locals)) return true;
  if (x.type === 'unary_expression' && x.op === '!') return guards(x.fields.argument, counters, locals);
  if (x.type === 'binary_expression' && (x.op === '&&' || x.op === '||'))
    return guards(x.fields.left, counters, locals) || guards(x.fields.right, counters, locals);
  return false;
}

/** Whether `e` reads a counter (or a local holding such a test) alone, negated, or compared with 0. */
function zeroTest(e: Syn, counters: ReadonlySet<string>, locals: ReadonlySet<string>): boolean {
  const x = unwrapValue(e);
  if (!x) return false;
  if (x.type === 'identifier') return locals.has(x.text ?? '');
  if (x.type === 'unary_expression' && x.op === '!') return zeroTest(x.fields.argument, counters, locals);
  if (x.type === 'binary_expression' && (x.op === '==' || x.op === '!=')) {
    const [l, r] = [unwrapValue(x.fields.left), unwrapValue(x.fields.right)];
    return (isZero(r) && !!l && read(l, counters)) || (isZero(l) && !!r && read(r, counters));
  }
  return read(x, counters);
}

/** The counter itself, or its update (`X->f++ == 0`). */
function read(x: Syn, counters: ReadonlySet<string>): boolean {
  const t = memberText(x.type === 'update_expression' ? x.fields.argument : x);
  return t !== undefined && counters.has(t);
}
