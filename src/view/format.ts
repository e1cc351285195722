/** The number formats every view shares: a signed count and a delta cell. */
import type { Delta } from '../analysis/result';
import { signed } from '../analysis/signed';

export { signed };

/**
 * The editor's cell: `+3 (+1 existence, +2 refs)`, or the plain number when only one part is
 * non-zero; `handed on` when the path handed it on.
 */
export function deltaCell(d: Delta | undefined): string {
  if (!d) return '0';
  const parts = [d.existence ? `${signed(d.existence)} existence` : '', d.refs ? `${signed(d.refs)} refs` : ''].filter(
    Boolean,
  );
  const transferred = d.transferred ? ' handed on' : '';
  return parts.length > 1
    ? `${signed(d.delta)} (${parts.join(', ')})${transferred}`
    : `${signed(d.delta)}${transferred}`;
}

/** The CLI table's cell: `+3 (+1 existence, +2 refs)`, `+1 (existence)`, `+1 [si_threadcount]`. */
export function tableCell(d: Delta): string {
  let s = signed(d.delta);
  if (d.existence !== 0 && d.refs !== 0) s += ` (${signed(d.existence)} existence, ${signed(d.refs)} refs)`;
  else if (d.existence !== 0) s += ' (existence)';
  if (d.counter) s += ` [${d.counter}]`;
  return s;
}

/** A path table's column for an object: `*dev (cdev)`, `td (thread, td_ucredref)`. */
export function objectColumn(d: Pick<Delta, 'object' | 'kind' | 'counter'>): string {
  return `${d.object} (${d.kind}${d.counter ? `, ${d.counter}` : ''})`;
}
