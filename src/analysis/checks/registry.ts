/**
 * Every diagnostic rule, in one table: its id, default severity, the words SARIF and the
 * editor use for it, and its module (the check over a function's paths, and the wording of
 * its diagnostics from their detail). Checks run in table order over each function; a check
 * sees what the ones above it found. Adding a rule is its module and one row here.
 */
import type { Diagnostic, Severity } from '../result';
import type { RuleModule } from './rule';
import { overwrittenDisplay } from '../paths/access';
import { signed } from '../signed';
import { contract, type ContractDetail } from './contract';
import { leak, type LeakDetail } from './leak';
import { overRelease, type OverReleaseDetail } from './over-release';
import { inconsistent, type InconsistentDetail } from './inconsistent';
import { budget } from './budget';

export interface RuleSpec {
  severity: Severity;
  /** The severity when the object's get/put pair was only inferred from names (default: `severity`). */
  inferredSeverity?: Severity;
  /** SARIF `shortDescription`. */
  short: string;
  /** The title of its code lens above the function, after `rule: ` (no lens when absent). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each row's wording takes its own detail type
  lens?: (detail: any, d: Diagnostic) => string;
  /** Its check (absent for notes about the analysis itself) and its wording (absent when the message is plain text). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each row's module has its own detail type
  module?: RuleModule<any>;
}

export const RULES = {
  contract: {
    severity: 'error', short: 'A registered callback breaks its reference-count contract (a dev_clone handler must hand out exactly +1).', module: contract,
    lens: (x: ContractDetail) => `${x.role} hands out ${signed(x.handedOut)} (expected ${signed(x.expected)})`,
  },
  leak: {
    severity: 'warning', inferredSeverity: 'info', short: 'A reference acquired on a path is neither released, returned, stored nor handed on.', module: leak,
    lens: (x: LeakDetail, d: Diagnostic) => `${d.overwritten?.name ?? d.object} keeps ${x.counter ? `${x.counter} ` : ''}${signed(x.kept)}${x.acquiredBy ? ` from ${x.acquiredBy}()` : ''} at line ${x.acquiredAt}${
      x.lostIn ? `, freed with ${x.lostIn.where}` : x.paths.length > 1 ? ` on ${x.paths.length} paths` : ''}`,
  },
  'over-release': {
    severity: 'error', inferredSeverity: 'info', short: 'A path releases more references than it obtained.', module: overRelease,
    lens: (x: OverReleaseDetail, d: Diagnostic) => `${d.overwritten?.name ?? d.object} released below what was obtained at line ${d.line} (leaves ${signed(x.left)})`,
  },
  inconsistent: {
    severity: 'warning', inferredSeverity: 'info', short: 'Two paths a caller cannot tell apart leave different reference counts.', module: inconsistent,
    lens: (x: InconsistentDetail, d: Diagnostic) => x.case === 'same'
      ? `${d.overwritten?.name ?? d.object} is ${signed(x.more.refs)} on one path returning ${x.more.path.returns}, ${signed(x.less.refs)} on another`
      : `${d.overwritten?.name ?? d.object} keeps ${signed(x.more.refs)} returning ${x.more.path.returns}, ${signed(x.less.refs)} ${x.less.otherwise ? 'otherwise' : 'on success'}`,
  },
  budget: { severity: 'info', short: 'The analysis of a function was cut short by a resource bound.', module: budget },
  parse: { severity: 'info', short: 'Source the analysis could not read.' },
  model: { severity: 'error', short: 'A problem in a model file.' },
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

/** The lens title of a diagnostic (`leak: dev keeps +1 from dev_ref() at line 72`), when its rule has one. */
export function lensTitle(d: Diagnostic): string | undefined {
  const spec = ruleSpec(d.rule);
  if (!spec.lens || !d.detail) return undefined;
  return `${d.rule}: ${spec.lens(d.detail, d)}${d.inferred ? ' (inferred)' : ''}`;
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
