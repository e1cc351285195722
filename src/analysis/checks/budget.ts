/** budget: a bound cut the analysis of a function short, so its checks did not run. */
import type { Diagnostic } from '../result';
import type { RuleModule } from './rule';

export interface BudgetDetail {
  rule: 'budget';
  /** The engine's words for the bound that was hit. */
  reason: string;
  /** Path classes that reached the function's end before the bound stopped it (their diagnostics are information). */
  explored?: number;
}

export const budget: RuleModule<BudgetDetail> = {
  // the function is named where the message is shown (`f(): analysis cut short: ...`)
  render(d) {
    const n = d.explored;
    const what =
      n === undefined
        ? 'diagnostics for this function are not reported'
        : n === 0
          ? 'no path reached its end, so no diagnostics for this function are reported'
          : `explored ${n} ${n === 1 ? 'path' : 'paths'} to the end before the budget; diagnostics on ` +
            `${n === 1 ? 'it' : 'them'} are information`;
    return { message: `analysis cut short: ${d.reason}; ${what}`, related: [] };
  },
  // the reason is the engine's text: a line inside it stays as the engine wrote it
  move: (d) => d,
};

export function budgetDiagnostic(fn: string, line: number, reason: string, explored: number): Diagnostic {
  const detail: BudgetDetail = { rule: 'budget', reason, explored };
  return { rule: 'budget', severity: 'info', function: fn, line, ...budget.render(detail, {}), detail };
}
