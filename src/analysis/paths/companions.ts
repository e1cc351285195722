/**
 * Locals that only ever hold an object's companion structure: the result of an accessor of one argument given
 * that object's name (`unp = sotounpcb(so)`, `inp = sotoinpcb(so)`: a socket's control block), to which nothing
 * counted happens. What links the companion links the object: `unp2->unp_conn = unp; so->so_usecount++` raises
 * the socket's use count for the link just stored (effects.ts `storedPlace`), and a parameter's companion is a
 * structure the caller reaches through that parameter.
 */
import type { Cfg } from '../cfg/cfg';
import { unwrapValue } from '../parse/syntax';
import { calleeName } from './function-context';
import { declOf, localValues } from './local-values';

/** By local's id, the id of the variable (a parameter or a local) whose companion it holds. */
export function companions(cfg: Cfg, accessor: (name: string) => boolean): ReadonlyMap<string, string> {
  const { assigned, excluded } = localValues(cfg);
  const out = new Map<string, string>();
  for (const [id, values] of assigned) {
    if (excluded.has(id)) continue;
    let of: string | undefined;
    const all = values.every(({ rhs, scope }) => {
      const x = unwrapValue(rhs);
      if (x?.type !== 'call_expression') return false;
      const name = calleeName(x);
      const args = (x.fields.arguments?.children ?? []).filter((a) => a.type !== 'comment');
      const d = args.length === 1 ? declOf(unwrapValue(args[0]), scope) : undefined;
      if (!name || !d || d.id === id || !accessor(name) || (of !== undefined && of !== d.id)) return false;
      of = d.id;
      return true;
    });
    if (all && of !== undefined) out.set(id, of);
  }
  return out;
}
