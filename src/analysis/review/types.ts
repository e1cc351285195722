/**
 * The review of a change (`refcount-lens diff`, the editor's comparison): what the comparison
 * takes (each side's analysis, and the lifecycle traces run over it) and the plain data it gives,
 * which the CLI prints as JSON. Lines are 1-based. Add fields freely; never rename one (bump
 * REVIEW_VERSION).
 */
import type { Diagnostic, FileResult, Related, Severity } from '../result';
import type { RuleId } from '../checks/registry';
import type { Outcome } from './outcome';

export const REVIEW_VERSION = 1;

/** One revision of one file. */
export interface ReviewSide {
  result: FileResult;
  /** The analysed text: a renamed function is then told by its body (without it, by its result). */
  text?: string;
  /** Lifecycle traces run over this revision. */
  traces?: TraceOutcome[];
}

/** What the comparison reads of a lifecycle trace (src/trace/types.ts TraceResult fits it). */
export interface TraceOutcome {
  scenario: string;
  ok: boolean;
  summary: string;
  verdicts: readonly { subject: string; state: string; reason: string; good: boolean }[];
  /** The functions of the file the scenario ran: none when it never reached the file. */
  calls: readonly unknown[];
}

/** What the paths of one function do to one object, before and after. */
export interface ObjectChange {
  object: string;
  kind: string;
  counter?: string;
  /** The distinct net deltas over the function's path classes, ascending (empty: no such object on that side). */
  before: number[];
  after: number[];
  /** The same, per outcome of a path (a new object, an existing one...), in the lens's order. */
  outcomes: { outcome: Outcome; before: number[]; after: number[] }[];
}

export type FunctionStatus = 'changed' | 'added' | 'removed' | 'renamed';

/** A function whose result differs between the two sides. */
export interface FunctionChange {
  file: string;
  /** Its name on the head side (the base side's when it was removed). */
  name: string;
  status: FunctionStatus;
  /** Its base name, when it was renamed. */
  previousName?: string;
  /** Its line on the head side (absent when removed) and on the base side (absent when added). */
  line?: number;
  baseLine?: number;
  roles?: string[];
  /** Only the objects whose deltas differ. */
  objects: ObjectChange[];
  /** Problems in it the change fixed, introduced, or left in other words. */
  fixed: number;
  introduced: number;
  updated: number;
  /** A budget cut its analysis on that side (its checks did not run there). */
  truncated?: { before: boolean; after: boolean };
}

/** A diagnostic on one side, or the same one on both, in the list it falls in. */
export interface DiagnosticChange {
  file: string;
  rule: RuleId;
  severity: Severity;
  function?: string;
  object?: string;
  kind?: string;
  /** On its own side: the base's for a fixed one, the head's for the others. */
  line: number;
  message: string;
  related: Related[];
  /** Path classes of its function involved, on its side. */
  paths?: number[];
  inferred?: boolean;
  /** The same problem on the base side (unchanged and updated ones). */
  baseLine?: number;
  baseMessage?: string;
  baseSeverity?: Severity;
  /** Set when its function had another name on the base side. */
  baseFunction?: string;
  /** The file's path on the base side, when it differs (`line` of a fixed one, and `baseLine`, are there). */
  baseFile?: string;
  /** A fixed problem: where its place is in the head revision (its function's line plus its offset there). */
  headLine?: number;
}

export interface DiagnosticSplit {
  fixed: DiagnosticChange[];
  introduced: DiagnosticChange[];
  unchanged: DiagnosticChange[];
  /** The same problem (function, rule, object) worded differently: other counts, paths or conditions. */
  updated: DiagnosticChange[];
}

export interface TraceVerdicts {
  ok: boolean;
  summary: string;
  /** Each verdict's reason, as the trace words it. */
  verdicts: string[];
  states: { subject: string; state: string; good: boolean }[];
}

/** A lifecycle scenario's verdicts before and after (absent: that side has no such trace). */
export interface TraceChange {
  file: string;
  scenario: string;
  before?: TraceVerdicts;
  after?: TraceVerdicts;
  /** Some verdict's subject, state or goodness differs. */
  changed: boolean;
  /** The head has a bad verdict (not an inconclusive one) the base did not have. */
  regressed: boolean;
}

export type FileStatus = 'modified' | 'added' | 'removed' | 'renamed' | 'unchanged';

/** A problem with one file's comparison: it could not be read or analysed on a side, or parsed worse. */
export interface ReviewProblem {
  file: string;
  side?: 'base' | 'head';
  severity: 'error' | 'warning' | 'note';
  message: string;
}

export interface FileReview {
  file: string;
  /** Its path on the base side, when it differs (a renamed file). */
  basePath?: string;
  status: FileStatus;
  /** False when a side could not be analysed: nothing of this file is in the lists. */
  compared: boolean;
  functions: FunctionChange[];
  diagnostics: DiagnosticSplit;
  trace: TraceChange[];
  problems: ReviewProblem[];
}

export interface Review {
  version: number;
  /** What each side is: a revision, a file, or `working tree`. */
  base: string;
  head: string;
  files: { file: string; basePath?: string; status: FileStatus; compared: boolean }[];
  functions: FunctionChange[];
  diagnostics: DiagnosticSplit;
  trace: TraceChange[];
  problems: ReviewProblem[];
  /** The change introduces a problem: a new error or warning, one that rose from info, or a verdict turned bad. */
  introducesProblems: boolean;
}

/** A diagnostic the review lists (the parser's notes are not problems of the change). */
export function reviewed(d: Diagnostic): boolean {
  return d.rule !== 'parse';
}
