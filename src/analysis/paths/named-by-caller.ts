/**
 * Objects a function reaches through a value its caller gave it, not through a pointer: `page =
 * mfn_to_page(mfn)` for a parameter `mfn_t mfn`, `mfn_to_page(l1e_get_mfn(l1e))`, `mfn_to_page(*mfn)`,
 * `mfn_to_page(_mfn(frames[i]))`. A frame number, a table entry's value or an index names its object as
 * a pointer parameter does: the caller chose the object and keeps its name, and a reference the
 * function leaves on it when it succeeds is what the caller asked for (an entry it now writes, a table it
 * filled with that number). Such an object is the caller's for the checks (caller-objects.ts), so only an
 * error exit that keeps what the success exits do not is a leak.
 *
 * The way from the parameter to the object is a chain of calls of one argument to which nothing counted
 * happens (`mfn_to_page`, `l1e_get_mfn`, `_mfn`: a conversion of one name into another form), through
 * locals that only ever hold such a value. A member of a struct the caller passed (`op->u.frame`,
 * `cflush->a.dev_bus_addr`) is not the caller's name for an object: it is part of a request the function
 * decodes itself, and a reference kept on what it names is the function's own. A call of several arguments
 * (`gfn_to_mfn(d, gfn)`) is a lookup in some table, not another form of the caller's value.
 */
import type { Cfg } from '../cfg/cfg';
import { type Syn, unwrapValue } from '../parse/syntax';
import { calleeName, resultOf } from './function-context';
import { declOf, localValues, type Scope } from './local-values';

/**
 * The roots naming such objects: the temporaries of the calls (`$c<offset>`) and the ids of the locals
 * that only ever hold their results or the caller's values. `accessor(name)`: nothing counted happens to
 * the result of a call of `name`.
 */
export function namedByCaller(cfg: Cfg, accessor: (name: string) => boolean): ReadonlySet<string> {
  const calls: { call: Syn; scope: Scope }[] = [];
  const { assigned, excluded } = localValues(cfg, { call: (call, scope) => calls.push({ call, scope }) });
  const locals = new Set<string>();
  const fromCaller = (e: Syn | undefined, scope: Scope): boolean => {
    const x = unwrapValue(e);
    if (!x) return false;
    if (x.type === 'identifier') {
      const d = declOf(x, scope);
      return !!d && ((d.isParam && d.pointerDepth === 0) || locals.has(d.id));
    }
    // the value a parameter points to, or an element of it: `*mfn`, `frames[i]`
    if ((x.type === 'pointer_expression' && x.op === '*') || x.type === 'subscript_expression') {
      const d = declOf(unwrapValue(x.fields.argument), scope);
      return !!d?.isParam && d.pointerDepth === 1;
    }
    return conversion(x, scope);
  };
  const conversion = (x: Syn, scope: Scope): boolean => {
    if (x.type !== 'call_expression') return false;
    const name = calleeName(x);
    const args = (x.fields.arguments?.children ?? []).filter((a) => a.type !== 'comment');
    return !!name && args.length === 1 && accessor(name) && fromCaller(args[0], scope);
  };
  // the locals that only ever hold the caller's values, to a fixed point (a copy of a copy)
  for (let changed = true; changed; ) {
    changed = false;
    for (const [id, values] of assigned) {
      if (locals.has(id) || excluded.has(id)) continue;
      if (values.every((a) => fromCaller(a.rhs, a.scope))) {
        locals.add(id);
        changed = true;
      }
    }
  }
  const out = new Set(locals);
  for (const { call, scope } of calls) if (conversion(call, scope)) out.add(resultOf(call));
  return out;
}
