/** Wording shared by the rules' messages. */
import type { PathClass } from '../result';

export const sign = (n: number) => (n > 0 ? `+${n}` : `${n}`);

/** `the path returning 0 at line 211 (drv != NULL, error == 0)`: its exit and its last two conditions. */
export function pathWords(c: PathClass): string {
  const ret = c.exit.returns === 'void' ? 'returning' : `returning ${c.exit.returns}`;
  const conds = c.conditions.length ? ` (${c.conditions.slice(-2).join(', ')})` : '';
  return `the path ${ret} at line ${c.exit.line}${conds}`;
}
