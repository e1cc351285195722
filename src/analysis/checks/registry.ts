/**
 * Every diagnostic rule, in one table: its id, default severity, the words SARIF and the
 * editor use for it, and its module (the check over a function's paths, and the wording of
 * its diagnostics from their detail). Checks run in table order over each function; a check
 * sees what the ones above it found. Adding a rule is its module and one row here.
 */
import type { Diagnostic, Severity } from '../result';
import type { RuleModule } from './rule';
import { overwrittenDisplay } from '../paths/access';
import { contract } from './contract';
import { leak } from './leak';
import { overRelease } from './over-release';
import { inconsistent } from './inconsistent';
import { budget } from './budget';

export interface RuleSpec {
  severity: Severity;
  /** The severity when the object's get/put pair was only inferred from names (default: `severity`). */
  inferredSeverity?: Severity;
  /** SARIF `shortDescription`. */
  short: string;
  /** Shown as a code lens above its function. */
  lens: boolean;
  /** Its check (absent for notes about the analysis itself) and its wording (absent when the message is plain text). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each row's module has its own detail type
  module?: RuleModule<any>;
}

export const RULES = {
  contract: { severity: 'error', short: 'A registered callback breaks its reference-count contract (a dev_clone handler must hand out exactly +1).', lens: true, module: contract },
  leak: { severity: 'warning', inferredSeverity: 'info', short: 'A reference acquired on a path is neither released, returned, stored nor handed on.', lens: true, module: leak },
  'over-release': { severity: 'error', inferredSeverity: 'info', short: 'A path releases more references than it obtained.', lens: true, module: overRelease },
  inconsistent: { severity: 'warning', inferredSeverity: 'info', short: 'Two paths a caller cannot tell apart leave different reference counts.', lens: true, module: inconsistent },
  budget: { severity: 'info', short: 'The analysis of a function was cut short by a resource bound.', lens: false, module: budget },
  parse: { severity: 'info', short: 'Source the analysis could not read.', lens: false },
  model: { severity: 'error', short: 'A problem in a model file.', lens: false },
} as const satisfies Record<string, RuleSpec>;

export type RuleId = keyof typeof RULES;

type DetailOf<R> = R extends { module: RuleModule<infer D> } ? D : never;
/** The structured detail of a diagnostic, one shape per rule module. */
export type DiagnosticDetail = DetailOf<(typeof RULES)[RuleId]>;

export function ruleSpec(id: RuleId): RuleSpec {
  return RULES[id];
}

/** A rule that checks a function's paths, not a note about the analysis itself (parse, budget, model). */
export function isCheckedRule(rule: string): boolean {
  return Object.hasOwn(RULES, rule) && ruleSpec(rule as RuleId).module?.check !== undefined;
}

/** The module that words a detail (typed by the detail's own rule). */
function moduleOf<D extends DiagnosticDetail>(detail: D): RuleModule<D> {
  return (RULES[detail.rule] as unknown as { module: RuleModule<D> }).module;
}

/** The diagnostic with every line moved by `mv`, worded again from its moved detail. */
export function moveDiagnostic(d: Diagnostic, mv: (line: number) => number): Diagnostic {
  const moved: Diagnostic = {
    ...d, line: mv(d.line), endLine: d.endLine !== undefined ? mv(d.endLine) : undefined,
    related: d.related.map((x) => ({ ...x, line: mv(x.line) })),
  };
  if (!d.detail) return moved;
  const module = moduleOf(d.detail);
  const detail = module.move(d.detail, mv);
  const overwritten = d.overwritten && { ...d.overwritten, line: mv(d.overwritten.line) };
  const object = overwritten ? overwrittenDisplay(overwritten.name, overwritten.line) : d.object;
  const { message, related } = module.render(detail, { function: d.function, object, kind: d.kind });
  return { ...moved, object, message, related, overwritten, detail };
}
