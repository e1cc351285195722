/**
 * Stores into an array's elements. The analysis names every element of an array by one key
 * (`shm->pages[]`), so a second store into the array reads as an overwrite of the first: the page stored
 * before would be lost, or, when it was stored in the caller's structure, taken back as the path's own.
 * But `shm->pages[n] = lookup(...); ...; n++` in a loop fills another slot each time, and what the earlier
 * slots hold stays there. A store is at a fresh slot when its index is a variable that changed since the
 * array's last store through it: the store leaves a mark on the index variable (`Fact.slotOf`), and any
 * write of the variable (`n++`, `n = ...`) kills its facts and the mark with them.
 */
import type { VarDecl } from '../cfg/cfg';
import { type Syn, unwrapValue } from '../parse/syntax';
import { keyOf, under, type AccessPath } from './access';
import type { State } from './state';
import { setFactKeep } from './state-edits';

/** The key of the variable indexing the element the store writes (`pages[n]`, `pages[n++]`), if one does. */
export function slotIndexKey(
  lhs: AccessPath,
  lhsNode: Syn | undefined,
  scope: ReadonlyMap<string, VarDecl>,
): string | undefined {
  const x = unwrapValue(lhsNode);
  if (x?.type !== 'subscript_expression' || lhs.segs[lhs.segs.length - 1] !== '[]') return undefined;
  let idx = unwrapValue(x.fields.index);
  if (idx?.type === 'update_expression') idx = unwrapValue(idx.fields.argument);
  if (idx?.type !== 'identifier') return undefined;
  const d = scope.get(idx.text ?? '');
  return d ? keyOf({ root: d.id, segs: [] }) : undefined;
}

/**
 * The store at `key` through the index variable `idx` fills a slot the array's earlier stores did not: the
 * variable changed since it last indexed a store there, the array holds references the path stored in it
 * (objects named by its slots, or kept under their own names), and all of them (a slot holding a reference
 * the path still owns is left to the overwrite rules). A local that copied an element (`old = slots[i]`) read
 * some slot, maybe this one: the store is then an overwrite.
 */
export function freshSlot(st: State, key: string, idx: string | undefined): boolean {
  if (idx === undefined || st.facts.get(idx)?.slotOf === key) return false;
  for (const target of st.aliases.values()) if (under(target, key)) return false;
  let stored = false;
  for (const [k, o] of st.objects) {
    // a call's result stored there is named by the slot (`pages[n] = lookup()`); a variable's object stored
    // there keeps its name (`acts[i++] = act->difo` after `hold(act->difo)`)
    if (!under(k, key) && o.storedIn !== key) continue;
    if (o.storedIn !== key || o.refs - o.transferred > 0) return false;
    stored = true;
  }
  return stored;
}

/** Marks the index variable as the one the array's last store went through. */
export function markSlot(st: State, key: string, idx: string | undefined): State {
  return idx === undefined ? st : setFactKeep(st, idx, { ...(st.facts.get(idx) ?? {}), slotOf: key });
}
