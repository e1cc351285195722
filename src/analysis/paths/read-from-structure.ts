/**
 * Locals that only ever hold a pointer read from a structure: a member (`so2 = unp->unp_conn->unp_socket`,
 * `mp_so = mpp->mpp_socket`), the entry a list macro or an accessor reads (`so = TAILQ_FIRST(&head->q)`,
 * `next = TAILQ_NEXT(so, so_list)`, `mp_so = mptetoso(mpte)`), the cursor of a loop macro that walks a list
 * (`TAILQ_FOREACH(so, &head->q, so_list)`), another such local, or NULL. Neither a parameter nor the result of
 * a call that counts something (an acquire, a lookup that returns a held object): the function was not
 * handed the object, and no call of its own gave it a reference. The structure it was read from (a queue, a
 * connection, a work item) is what may hold a reference on it (checks.ts, `linked`).
 */
import type { Cfg } from '../cfg/cfg';
import { type Syn, unwrapValue } from '../parse/syntax';
import { calleeName } from './function-context';
import { declOf, localValues, type Scope } from './local-values';

/**
 * The ids of such locals. `accessor(name)`: nothing counted happens to the result of a call of `name`;
 * `iterator(name)`: the model counts what the loop macro `name` hands its cursor (`for_each_child_of_node`;
 * not a plain list walk, `TAILQ_FOREACH`, whose row says it holds nothing).
 */
export function readFromStructure(
  cfg: Cfg,
  accessor: (name: string) => boolean,
  iterator: (name: string) => boolean,
): ReadonlySet<string> {
  const cursors = new Set<string>();
  // a loop macro's bare-name arguments are its cursors: each holds an entry of the list it walks
  const { assigned, excluded } = localValues(cfg, {
    macroLocal: (macro, id) => {
      if (iterator(macro)) return false;
      cursors.add(id);
      return true;
    },
  });
  const found = new Set<string>();
  const read = (e: Syn | undefined, scope: Scope): boolean => {
    const x = unwrapValue(e);
    if (!x) return false;
    if (x.type === 'null' || (x.type === 'number_literal' && x.text === '0')) return true;
    if (x.type === 'field_expression') return true;
    if (x.type === 'identifier') {
      const d = declOf(x, scope);
      return !!d && found.has(d.id);
    }
    if (x.type !== 'call_expression') return false;
    const name = calleeName(x);
    const args = (x.fields.arguments?.children ?? []).filter((a) => a.type !== 'comment');
    return !!name && args.length > 0 && accessor(name);
  };
  // to a fixed point: a copy of such a local is one too (`so = sonext`)
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of new Set([...assigned.keys(), ...cursors])) {
      if (found.has(id) || excluded.has(id)) continue;
      const values = assigned.get(id) ?? [];
      if (!values.length && !cursors.has(id)) continue;
      if (values.every((a) => read(a.rhs, a.scope))) {
        found.add(id);
        changed = true;
      }
    }
  }
  return found;
}
