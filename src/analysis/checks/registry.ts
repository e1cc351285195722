/**
 * Every diagnostic rule, in one table: its id, default severity, the words SARIF and the
 * editor use for it, and, for the rules that read a function's paths, its check. Checks run
 * in table order over each function; a check sees what the ones above it found.
 * Adding a rule is its module and one row here.
 */
import type { Severity } from '../result';
import type { Check } from './rule';
import { checkContracts } from './contract';
import { checkLeaks } from './leak';
import { checkOverReleases } from './over-release';
import { checkInconsistent } from './inconsistent';

export interface RuleSpec {
  severity: Severity;
  /** The severity when the object's get/put pair was only inferred from names (default: `severity`). */
  inferredSeverity?: Severity;
  /** SARIF `shortDescription`. */
  short: string;
  /** Shown as a code lens above its function. */
  lens: boolean;
  /** Absent for notes about the analysis itself (parse, budget, model). */
  check?: Check;
}

export const RULES = {
  contract: { severity: 'error', short: 'A registered callback breaks its reference-count contract (a dev_clone handler must hand out exactly +1).', lens: true, check: checkContracts },
  leak: { severity: 'warning', inferredSeverity: 'info', short: 'A reference acquired on a path is neither released, returned, stored nor handed on.', lens: true, check: checkLeaks },
  'over-release': { severity: 'error', inferredSeverity: 'info', short: 'A path releases more references than it obtained.', lens: true, check: checkOverReleases },
  inconsistent: { severity: 'warning', inferredSeverity: 'info', short: 'Two paths a caller cannot tell apart leave different reference counts.', lens: true, check: checkInconsistent },
  budget: { severity: 'info', short: 'The analysis of a function was cut short by a resource bound.', lens: false },
  parse: { severity: 'info', short: 'Source the analysis could not read.', lens: false },
  model: { severity: 'error', short: 'A problem in a model file.', lens: false },
} as const satisfies Record<string, RuleSpec>;

export type RuleId = keyof typeof RULES;

export function ruleSpec(id: RuleId): RuleSpec {
  return RULES[id];
}

/** A rule that checks a function's paths, not a note about the analysis itself (parse, budget, model). */
export function isCheckedRule(rule: string): boolean {
  return Object.hasOwn(RULES, rule) && ruleSpec(rule as RuleId).check !== undefined;
}
