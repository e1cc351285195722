/**
 * Every diagnostic rule, in one table: its id, default severity, the words SARIF and the
 * editor use for it, and its module (the check over a function's paths, and the wording of
 * its diagnostics from their detail). Checks run in table order over each function; a check
 * sees what the ones above it found. Adding a rule is its module and one row here.
 */
import type { Diagnostic, Severity } from '../result';
import type { RuleModule } from './rule';
import { overwrittenDisplay } from '../paths/access';
import { doubtWords } from './words';
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
  /** SARIF `shortDescription`: one sentence. */
  short: string;
  /** SARIF `fullDescription`: what the rule finds and where the line of its diagnostic is. */
  full: string;
  /** SARIF `help`: what to do about a diagnostic. docs/rules.md says the same at more length. */
  help: string;
  /** The title of its code lens above the function, after `rule: ` (no lens when absent). */
  // biome-ignore lint/suspicious/noExplicitAny: each row's wording takes its own detail type
  lens?: (detail: any, d: Diagnostic) => string;
  /** Its check (absent for notes about the analysis itself) and its wording (absent when the message is plain text). */
  // biome-ignore lint/suspicious/noExplicitAny: each row's module has its own detail type
  module?: RuleModule<any>;
}

export const RULES = {
  contract: {
    severity: 'error',
    module: contract,
    short: 'A registered callback breaks its reference-count contract (a dev_clone handler must hand out exactly +1).',
    full:
      'A function registered as a callback whose registrar states a contract in the model (a ' +
      'dev_clone handler registered with EVENTHANDLER_REGISTER must hand its device out with ' +
      'exactly one reference beyond the existence reference) leaves a different count on a path. ' +
      'Reported at the last acquire on that path, or at its exit when it hands out too few.',
    help:
      'Compare the counted calls on the reported path with the contract: a helper that creates ' +
      'the device with MAKEDEV_REF already gives the invoker its reference, so a dev_ref() on ' +
      'top of it is one too many; a path that sets the out-parameter without a reference is one ' +
      'too few.',
    lens: (x: ContractDetail) => `${x.role} hands out ${signed(x.handedOut)} (expected ${signed(x.expected)})`,
  },
  leak: {
    severity: 'warning',
    inferredSeverity: 'info',
    module: leak,
    short: 'A reference acquired on a path is neither released, returned, stored nor handed on.',
    full:
      'A path obtains a reference on an object the function holds itself (an acquire, a create, ' +
      'a lookup that returns a held object, or a raise of a separate counter such as ' +
      'si_threadcount) and ends without releasing it, returning it, storing it or handing it to ' +
      'a callee; or it stores the reference in memory that it then frees; or an error exit keeps ' +
      'a reference it took on an object its caller can see (a parameter, a global) that no success ' +
      'exit keeps. Reported at the acquire; the related locations are the exits of the paths that keep it.',
    help:
      'Release the reference on the reported paths (often an error path, or a continue in a ' +
      'loop), or, when something else takes it over there, say so in a model file ' +
      '(docs/model.md). Info severity means the get/put pair was only inferred from names.',
    lens: (x: LeakDetail, d: Diagnostic) =>
      `${d.overwritten?.name ?? d.object} keeps ${x.counter ? `${x.counter} ` : ''}${signed(x.kept)}` +
      `${x.acquiredBy ? ` from ${x.acquiredBy}()` : ''} at line ${x.acquiredAt}` +
      (x.lostIn
        ? `, freed with ${x.lostIn.where}`
        : x.onError
          ? ` on error (${signed(x.onError.refs)} ${x.onError.otherwise ? 'otherwise' : 'on success'})`
          : x.paths.length > 1
            ? ` on ${x.paths.length} paths`
            : ''),
  },
  'over-release': {
    severity: 'error',
    inferredSeverity: 'info',
    module: overRelease,
    short: 'A path releases more references than it obtained.',
    full:
      'A path releases or destroys an object more often than the function obtained it, so the ' +
      'count falls below what the function was given: a double put, or a put of a reference a ' +
      'callee already dropped. Reported at the release that goes below.',
    help:
      'Read the counted calls on the reported path: remove the second release, or the one that ' +
      'repeats a release a callee already made (its summary shows it in the hover on the call).',
    lens: (x: OverReleaseDetail, d: Diagnostic) =>
      `${d.overwritten?.name ?? d.object} left at ${signed(x.left)} by the release at line ${d.line}`,
  },
  inconsistent: {
    severity: 'warning',
    inferredSeverity: 'info',
    module: inconsistent,
    short: 'Two paths a caller cannot tell apart leave different reference counts.',
    full:
      'Two paths that a caller cannot tell apart (the same return value, the same out-parameters ' +
      'written, no contradicting conditions on the parameters) leave different references on an ' +
      "object the caller can see (after RID's inconsistent path pairs). Reported at the counted " +
      'call only one of the two paths makes.',
    help:
      'Make the two paths agree: release on the path that keeps more, or return a value that ' +
      'lets the caller tell them apart.',
    lens: (x: InconsistentDetail, d: Diagnostic) =>
      `${d.overwritten?.name ?? d.object} is ${signed(x.more.refs)} on one path` +
      ` returning ${x.more.path.returns}, ${signed(x.less.refs)} on another`,
  },
  budget: {
    severity: 'info',
    module: budget,
    short: 'The analysis of a function was cut short by a resource bound.',
    full:
      'A bound on the analysis (path states per function, nesting depth) stopped the analysis of ' +
      'a function before it was complete. Its checks ran on the paths explored to its end; what ' +
      'they found is reported as information, and problems on the other paths are not known.',
    help: 'Raise the bound (--max-states, refcountLens.maxStatesPerFunction) or split the function.',
  },
  parse: {
    severity: 'info',
    short: 'Source the analysis could not read.',
    full:
      'Source the C grammar could not read (a syntax error, or a macro it does not know) or a ' +
      'statement that makes no sense where it stands (break outside a loop, goto to no label). ' +
      'The rest of the file is analysed.',
    help: 'Define the macro for #if with --define or in a model file (defines), or check the reported line.',
  },
  model: {
    severity: 'error',
    short: 'A problem in a model file.',
    full:
      'A model file (.refcount-lens.json or --model) has a problem at the reported line: invalid ' +
      'JSON, an unknown field, a target or condition that does not parse. The rest of the file ' +
      'still loads.',
    help: 'Fix the entry at the reported line; docs/model.md describes the format.',
  },
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
    ...d,
    line: mv(d.line),
    endLine: d.endLine !== undefined ? mv(d.endLine) : undefined,
    related: d.related.map((x) => ({ ...x, line: mv(x.line) })),
  };
  if (!d.detail) return moved;
  const module = moduleOf(d.detail);
  const detail = module.move(d.detail, mv);
  const overwritten = d.overwritten && { ...d.overwritten, line: mv(d.overwritten.line) };
  const object = overwritten ? overwrittenDisplay(overwritten.name, overwritten.line) : d.object;
  const { message, related } = module.render(detail, { function: d.function, object, kind: d.kind });
  const doubt = d.doubt && moveDoubt(d.doubt, mv);
  const words = doubt ? doubtWords(doubt) : '';
  return { ...moved, object, message: message + words, related, overwritten, detail, doubt };
}

/**
 * A diagnostic of a function renamed and nothing else (`from` -> `to`), worded again from its detail under the
 * new name; a diagnostic of another function, or without detail (worded without the name), is left as it is.
 */
export function renameDiagnostic(d: Diagnostic, from: string, to: string): Diagnostic {
  if (d.function !== from) return d;
  if (!d.detail) return { ...d, function: to };
  const { message, related } = moduleOf(d.detail).render(d.detail, { function: to, object: d.object, kind: d.kind });
  return { ...d, function: to, message: message + (d.doubt ? doubtWords(d.doubt) : ''), related };
}

/** A diagnostic's doubt with the lines it names moved by `mv`. */
function moveDoubt(d: NonNullable<Diagnostic['doubt']>, mv: (line: number) => number): Diagnostic['doubt'] {
  if ('merged' in d) return { ...d, merged: mv(d.merged) };
  if ('dropped' in d) return { ...d, line: mv(d.line) };
  if ('repeated' in d) return { repeated: { ...d.repeated, line: mv(d.repeated.line) } };
  if ('unlinked' in d) return { unlinked: { ...d.unlinked, line: mv(d.unlinked.line) } };
  if ('moves' in d) return { moves: { ...d.moves, line: mv(d.moves.line) } };
  if ('keptWith' in d) return { keptWith: { ...d.keptWith, line: mv(d.keptWith.line) } };
  return d;
}
