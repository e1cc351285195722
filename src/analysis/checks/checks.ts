/** Runs the registry's checks over one function, in registry order. */
import type { Diagnostic } from '../result';
import type { CheckInput } from './rule';
import { RULES, type RuleSpec } from './registry';

export type { CheckInput } from './rule';

export function runChecks(inp: CheckInput): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const spec of Object.values(RULES) as RuleSpec[]) {
    const check = spec.module?.check;
    if (!check) continue;
    const severity = (inferred?: boolean) => (inferred ? (spec.inferredSeverity ?? spec.severity) : spec.severity);
    found.push(...check(inp, { earlier: [...found], severity }));
  }
  return found;
}
