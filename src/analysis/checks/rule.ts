/**
 * What a rule is: a check over one function's exit states and path classes, and the wording of
 * its diagnostics from their structured detail (so a cached result moved to new lines is worded
 * again, never edited as text).
 */
import type { Cfg } from '../cfg/cfg';
import type { Model } from '../model/compiled';
import type { Diagnostic, PathClass, Registration, Related, Severity } from '../result';
import type { State } from '../paths/state';
import { displayBeforeOverwrite, overwrittenDisplay, splitOverwrite } from '../paths/access';

export interface CheckInput {
  cfg: Cfg;
  exits: State[];
  classes: PathClass[];
  classOf: Map<State, number>;
  model: Model;
  registrations: Registration[];
  /** The callback pair the model says this function belongs to (`irq_enable/irq_disable`): kept across it. */
  paired?: string;
  /**
   * Roots (locals, call results) that name an object through a value the caller gave (`mfn_to_page(mfn)`):
   * the caller's object, as a parameter's is (paths/named-by-caller.ts).
   */
  namedByCaller?: ReadonlySet<string>;
  /** Locals that only ever hold a pointer read from a structure (paths/read-from-structure.ts). */
  readFromStructure?: ReadonlySet<string>;
}

/** The severity the registry gives a rule's diagnostic; lower when the object's pair was only inferred. */
export type RuleSeverity = (inferred?: boolean) => Severity;

export interface CheckContext {
  /** Diagnostics of the rules the registry runs before this one (a rule may defer to them). */
  earlier: readonly Diagnostic[];
  severity: RuleSeverity;
}

/** One rule's check over one function. */
export type Check = (input: CheckInput, context: CheckContext) => Diagnostic[];

/** What a message names besides its detail. */
export interface Subject {
  function?: string;
  object?: string;
  kind?: string;
}

export interface Rendered {
  message: string;
  related: Related[];
}

export interface RuleModule<D> {
  check?: Check;
  /** The message and related entries, worded from the detail. */
  render(detail: D, subject: Subject): Rendered;
  /** The detail with every line in it passed through `mv` (a cached result placed at other lines). */
  move(detail: D, mv: (line: number) => number): D;
}

/** The head of a diagnostic about one object; `message` and `related` come from the detail. */
export interface Head {
  rule: Diagnostic['rule'];
  severity: Severity;
  function: string;
  line: number;
  object: string;
  /** Unknown when the path never touched the object (a contract's untouched out-parameter). */
  kind?: string;
  paths: number[];
  inferred?: boolean;
  overwritten?: Diagnostic['overwritten'];
}

export function diagnostic<D>(module: RuleModule<D>, head: Head, detail: D): Diagnostic {
  const { message, related } = module.render(detail, head);
  return {
    rule: head.rule,
    severity: head.severity,
    function: head.function,
    line: head.line,
    object: head.object,
    message,
    related,
    paths: head.paths,
    inferred: head.inferred,
    kind: head.kind,
    overwritten: head.overwritten,
    detail: detail as Diagnostic['detail'],
  };
}

/**
 * An object's display split into its name and the line of the assignment that overwrote it
 * (`ifp (overwritten at line 56)`), read from its key's mark, so moving the line needs no text edit.
 */
export function overwrittenOf(key: string, display: string): Diagnostic['overwritten'] {
  const over = splitOverwrite(key);
  if (!over) return undefined;
  const name = displayBeforeOverwrite(display);
  return overwrittenDisplay(name, over.line) === display ? { name, line: over.line } : undefined;
}
