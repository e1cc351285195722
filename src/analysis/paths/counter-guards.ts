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
 * nodes are those inside either arm of an `if` whose condition holds such a test.
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
    if (!cond || !guards(cond, counters, locals)) continue;
    const arms = [stmt.fields.consequence, stmt.fields.alternative].filter((a): a is Syn => !!a);
    for (const n of arms.flatMap(within)) out.add(n.id);
  }
  return out;
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
    const zero = (y: Syn | undefined) => y?.type === 'number_literal' && /^0[uUlL]*$/.test(y.text ?? '');
    return (zero(r) && !!l && read(l, counters)) || (zero(l) && !!r && read(r, counters));
  }
  return read(x, counters);
}

/** The counter itself, or its update (`X->f++ == 0`). */
function read(x: Syn, counters: ReadonlySet<string>): boolean {
  const t = memberText(x.type === 'update_expression' ? x.fields.argument : x);
  return t !== undefined && counters.has(t);
}
