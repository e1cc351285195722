/**
 * The wire protocol between the Refcount Lens client (src/extension/) and its language
 * server (src/server/), beyond standard LSP. Every custom request and notification is declared
 * here once, as a typed RequestType or NotificationType that both sides import, so a method
 * name or a parameter shape cannot drift between them. Nothing here needs `vscode`, the
 * server's libraries or the analysis: the types the client reads are declared here, and the
 * analysis's results fit them (the server hands those over as they are).
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';

/** 1-based line, as everywhere in the analysis results. */
export interface FunctionPathsParams {
  uri: string;
  line: number;
}

export interface FunctionsParams {
  uri: string;
}

/** A count change on one path, as the path view shows it. */
export interface WireDelta {
  object: string;
  delta: number;
}

/** One counted step of a path: the call, the object, its change and the running count after it. */
export interface WireStep {
  line: number;
  call: string;
  object: string;
  delta: number;
  note?: string;
  after?: number;
}

/** One path class of a function: where it exits, what it took to get there, what it counts. */
export interface WirePath {
  id: number;
  exit: { line: number; returns: string };
  conditions: string[];
  deltas: WireDelta[];
  steps: WireStep[];
  /** The lines the path passes through, in order. */
  lines: number[];
  /** How many concrete paths this class stands for. */
  merged: number;
}

/** A function and its path classes: what the path view highlights. */
export interface WireFunction {
  name: string;
  line: number;
  endLine: number;
  paths: WirePath[];
}

/** One entry of the path picker. */
export interface FunctionSummary {
  name: string;
  line: number;
  endLine: number;
  paths: number;
  roles?: string[];
  truncated: boolean;
}

/** The function whose lines hold `line`, or null. */
export namespace FunctionPathsRequest {
  export const type = new RequestType<FunctionPathsParams, WireFunction | null, void>('refcountLens/functionPaths');
}

/** The functions of a document that touch a counted object (for the path picker). */
export namespace FunctionsRequest {
  export const type = new RequestType<FunctionsParams, FunctionSummary[], void>('refcountLens/functions');
}

export type StatusState = 'analysing' | 'idle' | 'disabled';

export interface StatusParams {
  state: StatusState;
  /** Problems (errors and warnings) over all open documents. */
  problems: number;
  /** The document just analysed, and how long it took end to end. */
  uri?: string;
  ms?: number;
  /** A short reason the user should see (a budget cut, a broken model file). */
  message?: string;
}

/** Server to client: what the server is doing (the status bar). */
export namespace StatusNotification {
  export const type = new NotificationType<StatusParams>('refcountLens/status');
}

export interface TrustParams {
  trusted: boolean;
}

/** Client to server: the workspace trust changed (model files may now load). */
export namespace TrustNotification {
  export const type = new NotificationType<TrustParams>('refcountLens/trust');
}

/** Commands. The server executes SERVER ones; the VS Code client implements CLIENT ones. */
export const Commands = {
  /** Pick a path of a function and highlight it. Arguments: uri, function line (1-based), path id?. */
  showPaths: 'refcountLens.showPaths',
  nextPath: 'refcountLens.nextPath',
  previousPath: 'refcountLens.previousPath',
  nextStep: 'refcountLens.nextStep',
  previousStep: 'refcountLens.previousStep',
  hidePaths: 'refcountLens.hidePaths',
  showOutput: 'refcountLens.showOutput',
  restartServer: 'refcountLens.restartServer',
  /** Server: analyse every open document again from scratch. */
  reanalyze: 'refcountLens.reanalyze',
  /** Client: compare the active C file with a git revision (HEAD by default). Arguments: uri?, revision?. */
  compareWith: 'refcountLens.compareWith',
  /** Client: stop comparing the active (or given) file. */
  stopComparison: 'refcountLens.stopComparison',
} as const;

/** What the client sends in `initialize`. */
export interface InitializationOptions {
  /** The workspace is trusted: `.refcount-lens.json` and refcountLens.modelFiles may load. */
  trusted?: boolean;
  /** The client implements refcountLens.showPaths itself (VS Code's path view). */
  clientShowsPaths?: boolean;
  /** Settings for clients that do not answer workspace/configuration. */
  settings?: Partial<SettingsShape>;
  /** Tuning for tests and very large trees; every field optional. */
  limits?: Partial<LimitsShape>;
}

export interface LimitsShape {
  /** Documents longer than this (characters) are analysed in a worker thread. */
  largeFileChars: number;
  /**
   * Wall-clock watchdog of one worker job (parse included), ms: past it the file gets an error,
   * never a partial result.
   */
  hardLimitMs: number;
  /** Quiet time after an edit before the analysis runs by itself, ms. */
  debounceMs: number;
}

/** The `refcountLens.*` settings as the server reads them (package.json documents each). */
export interface SettingsShape {
  enable: boolean;
  inlayHints: { enabled: boolean };
  codeLens: { enabled: boolean };
  preset: 'freebsd' | 'linux' | 'auto';
  modelFiles: string[];
  maxStatesPerFunction: number;
  maxStatesPerFile: number;
  /** Zero-config get/put pair inference (off: only the model's entries count). */
  inference: boolean;
  /**
   * The background index of the workspace folders: callees in other files of the workspace are
   * known by their summaries. `exclude`: globs (gitignore syntax) of paths it leaves out.
   */
  index: { enabled: boolean; exclude: string[] };
}

export const DEFAULT_SETTINGS: SettingsShape = {
  enable: true,
  inlayHints: { enabled: true },
  codeLens: { enabled: true },
  preset: 'auto',
  modelFiles: [],
  maxStatesPerFunction: 20000,
  maxStatesPerFile: 100000,
  inference: true,
  index: { enabled: true, exclude: [] },
};

// ---------------------------------------------------------------- the lifecycle trace view

/** One step of a lifecycle trace, as the view reads it (src/trace/types.ts TraceStep fits it). */
export interface WireTraceStep {
  seq: number;
  event: string;
  /** A line of the analysed file (0: none). */
  line: number;
  /** Where it happens, in words: "vtx_clone() line 113", "devfs, at vtx_clone() line 116". */
  where: string;
  object: string;
  call: string;
  before: number;
  after: number;
  kernel?: boolean;
}

/**
 * A lifecycle trace as the view reads it (src/trace/types.ts TraceResult fits it). The server
 * sends all of the trace: the webview draws the rest of it as data.
 */
export interface WireTrace {
  scenario: string;
  /** The first bad verdict's reason, or the good summary. */
  summary: string;
  ok: boolean;
  whatIf: string[];
  steps: WireTraceStep[];
}

export interface TraceCatalogue {
  scenarios: { name: string; title: string }[];
  /** What-ifs a button or a picker can offer (those without arguments). */
  whatIfs: { id: string; label: string; title: string }[];
}

export interface TraceRun {
  trace: WireTrace;
  /** The timeline (src/trace/timeline.ts): escaped text, no scripts. */
  svg: string;
  /** The trace's what-ifs in words, in the order of `trace.whatIf`. */
  whatIfLabels: string[];
  /** While the document is compared with a revision: the same scenario over that revision. */
  compared?: WireComparedTrace;
}

/** A trace of the compared revision, as the trace view shows it beside the document's. */
export interface WireComparedTrace {
  /** The revision, as the comparison names it: `HEAD (3f2a1c0)`. */
  base: string;
  ok: boolean;
  summary: string;
  verdicts: { reason: string; good: boolean }[];
}

export interface TraceExport {
  text: string;
}

export type TraceViewParams =
  | { kind: 'catalogue' }
  | {
      kind: 'run';
      uri: string;
      /** A built-in scenario's name, or scenario text (line form or JSON). */
      scenario: string;
      /** Name for scenario text without a `scenario` line (its file name). */
      scenarioName?: string;
      whatIf?: string[];
    }
  | {
      kind: 'export';
      uri: string;
      format: 'sarif' | 'html';
      /** The trace as a run returned it (all of it). */
      trace: WireTrace;
      toolVersion: string;
    };

/** The answer to each kind of TraceViewParams. */
export type TraceViewResult<P extends TraceViewParams> = P extends { kind: 'catalogue' }
  ? TraceCatalogue
  : P extends { kind: 'run' }
    ? TraceRun
    : TraceExport;

/**
 * Client to server: what the trace view shows or exports, rendered by the server
 * (src/server/trace-handler.ts), so that the client needs nothing of src/trace/.
 * catalogue: the built-in scenarios and what-ifs; run: a scenario over a document, with its
 * timeline; export: a trace as SARIF or as a self-contained HTML page.
 */
export namespace TraceViewRequest {
  export const type = new RequestType<TraceViewParams, TraceCatalogue | TraceRun | TraceExport, void>(
    'refcountLens/traceView',
  );
}

// ---------------------------------------------------------------- comparing with a revision

export interface CompareParams {
  uri: string;
  /** A git revision (a branch, a tag, a commit); HEAD when absent or empty. */
  base?: string;
}

export interface UriParams {
  uri: string;
}

/** What one function's paths do to one object, before and after, in words the view shows as they are. */
export interface WireObjectChange {
  object: string;
  kind: string;
  before: number[];
  after: number[];
  /** `*dev (cdev): {0, +1, +3} → {0, +1, +2}`. */
  summary: string;
  /** `new cdev: +3 → +2; existing cdev: +1 → +1; other paths: 0 → 0`. */
  outcomes: string;
}

export interface WireFunctionChange {
  name: string;
  status: 'changed' | 'added' | 'removed' | 'renamed';
  /** `rvw_clone() line 102 (line 114 before)`. */
  heading: string;
  /** 1-based, in the document now (absent when the function is gone). */
  line?: number;
  baseLine?: number;
  objects: WireObjectChange[];
  /** `1 fixed`, `its analysis is now cut short by a budget`. */
  notes: string[];
}

export interface WireProblemChange {
  rule: string;
  severity: 'error' | 'warning' | 'info';
  function?: string;
  message: string;
  /**
   * 1-based, in the document now: where it is, or for a fixed one where its function's place is
   * now (its old line when the function is gone).
   */
  line: number;
  /** Its line in the revision (fixed, unchanged and reworded ones). */
  baseLine?: number;
  /** Its words in the revision, when they differ (a reworded one). */
  baseMessage?: string;
}

export interface WireTraceChange {
  scenario: string;
  /** `✗ jail test stays DYING → ✓ jail test removed; all objects freed`. */
  summary: string;
  before: string[];
  after: string[];
  changed: boolean;
  regressed: boolean;
}

/** A document compared with a revision: what the comparison view lists. */
export interface WireComparison {
  uri: string;
  /** The revision as asked for (`HEAD`, `main`, a commit). */
  base: string;
  /** `HEAD (3f2a1c0)`. */
  baseLabel: string;
  functions: WireFunctionChange[];
  fixed: WireProblemChange[];
  introduced: WireProblemChange[];
  updated: WireProblemChange[];
  unchanged: WireProblemChange[];
  trace: WireTraceChange[];
  /** Notes on the comparison (the file is new since the revision, a side parses worse). */
  notes: string[];
  introducesProblems: boolean;
  /** Set when there is nothing to compare (not in a git repository, no such revision): why. */
  error?: string;
}

export interface RevisionChoice {
  /** What to pass as `base`. */
  rev: string;
  label: string;
  description: string;
}

/** Client to server: compare a document with a revision (read with git, no checkout) from now on. */
export namespace CompareRequest {
  export const type = new RequestType<CompareParams, WireComparison, void>('refcountLens/compare');
}

/** Client to server: stop comparing a document. */
export namespace StopComparisonRequest {
  export const type = new RequestType<UriParams, null, void>('refcountLens/stopComparison');
}

/** Client to server: the branches, tags and recent commits of the document's repository, to pick one. */
export namespace CompareRevisionsRequest {
  export const type = new RequestType<UriParams, RevisionChoice[], void>('refcountLens/compareRevisions');
}

/** Server to client: a compared document was analysed again (an edit): its comparison now. */
export namespace ComparisonNotification {
  export const type = new NotificationType<WireComparison>('refcountLens/comparison');
}
