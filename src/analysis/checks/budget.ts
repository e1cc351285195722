/** budget: a bound cut the analysis of a function short, so its checks did not run. */
import type { Diagnostic } from '../result';
import type { RuleModule } from './rule';

export interface BudgetDetail {
  rule: 'budget';
  /** The engine's words for the bound that was hit. */
  reason: string;
}

export const budget: RuleModule<BudgetDetail> = {
  // the function is named where the message is shown (`f(): analysis cut short: ...`)
  render(d) {
    return { message: `analysis cut short: ${d.reason}; diagnostics for this function are not reported`, related: [] };
  },
  // the reason is the engine's text: a line inside it stays as the engine wrote it
  move: (d) => d,
};

export function budgetDiagnostic(fn: string, line: number, reason: string): Diagnostic {
  const detail: BudgetDetail = { rule: 'budget', reason };
  return { rule: 'budget', severity: 'info', function: fn, line, ...budget.render(detail, {}), detail };
}
