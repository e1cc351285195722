/** What every rule reads: one function's exit states and path classes, and what the rules before it found. */
import type { Cfg } from '../cfg/cfg';
import type { Model } from '../model/compiled';
import type { Diagnostic, PathClass, Registration, Severity } from '../result';
import type { State } from '../paths/state';

export interface CheckInput {
  cfg: Cfg;
  exits: State[];
  classes: PathClass[];
  classOf: Map<State, number>;
  model: Model;
  registrations: Registration[];
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
