/**
 * Rows for calls through a member that holds a function (an operations table): `->ndo_start_xmit`,
 * `ops->send` or `ops.send` in a model's `functions` describe `dev->netdev_ops->ndo_start_xmit(skb, dev)`,
 * `netif->ops->send(netif, pkt)`, `(*ifp->if_output)(ifp, m, dst, ro)`. No body in the tree is the callee
 * of such a call, so without a row it is unknown and may keep whatever it is given.
 */
import type { Syn } from '../parse/syntax';
import type { Model } from './compiled';

const MEMBER_ROW = /^(?:->|\.)?\s*[A-Za-z_]\w*(?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*$/;

/** The key a member row is kept under (`->ops->send`), or undefined for a plain function name. */
export function memberRowKey(name: string): string | undefined {
  if (!/->|\./.test(name) || !MEMBER_ROW.test(name)) return undefined;
  return `->${membersOf(name).join('->')}`;
}

/** A written row name that looks like a member row and is not one (`ops->`, `a..b`). */
export function badMemberRow(name: string): boolean {
  return /->|\./.test(name) && !MEMBER_ROW.test(name);
}

function membersOf(key: string): string[] {
  return key
    .split(/->|\./)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Member rows by their last member (`send` -> [`->ops->send`, `->send`]), longest first. */
const byLast = new WeakMap<Map<string, unknown>, { size: number; rows: Map<string, string[][]> }>();

function rowsByLast(model: Model): Map<string, string[][]> {
  const seen = byLast.get(model.functions);
  if (seen?.size === model.functions.size) return seen.rows;
  const rows = new Map<string, string[][]>();
  {
    for (const key of model.functions.keys()) {
      if (!key.startsWith('->')) continue;
      const parts = membersOf(key);
      const last = parts[parts.length - 1];
      rows.set(
        last,
        [...(rows.get(last) ?? []), parts].sort((a, b) => b.length - a.length),
      );
    }
    byLast.set(model.functions, { size: model.functions.size, rows });
  }
  return rows;
}

/** The members some row describes calls through (a text's token can call one): `send`, `if_output`. */
export function membersWithRows(model: Model): ReadonlyMap<string, unknown> {
  return rowsByLast(model);
}

/**
 * The member row describing the call `e`, when it calls through a member (`a->b->send(...)`,
 * `(*a->send)(...)`) whose trailing members a row names: the longest such row.
 */
export function memberCallRow(e: Syn, model: Model): string | undefined {
  const rows = rowsByLast(model);
  if (!rows.size) return undefined;
  let f = memberCalled(e);
  const chain: string[] = [];
  while (f?.type === 'field_expression') {
    const field = f.fields.field?.text;
    if (!field) return undefined;
    chain.unshift(field);
    f = unparen(f.fields.argument);
  }
  if (!chain.length) return undefined;
  if (f?.type === 'identifier' && f.text) chain.unshift(f.text);
  for (const parts of rows.get(chain[chain.length - 1]) ?? []) {
    if (parts.length > chain.length) continue;
    const tail = chain.slice(chain.length - parts.length);
    if (tail.every((m, i) => m === parts[i])) return `->${parts.join('->')}`;
  }
  return undefined;
}

/** The member expression a call calls through (`a->ops->send` in `(*a->ops->send)(x)`), if any. */
export function memberCalled(e: Syn): Syn | undefined {
  let f = unparen(e.fields.function);
  if (f?.type === 'pointer_expression' && f.op === '*') f = unparen(f.fields.argument);
  return f?.type === 'field_expression' ? f : undefined;
}

function unparen(f: Syn | undefined): Syn | undefined {
  while (f && f.type === 'parenthesized_expression' && f.children.length === 1) f = f.children[0];
  return f;
}
