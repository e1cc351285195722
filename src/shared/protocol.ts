/**
 * The wire protocol between the Refcount Lens client (src/extension/) and its language
 * server (src/server/), beyond standard LSP. The only module both sides import: it holds
 * names and plain types, never code that needs `vscode` or the server's libraries.
 */
import type { FunctionResult, PathClass } from '../analysis/result';
import { RequestType } from 'vscode-languageserver-protocol';

export type { FunctionResult, PathClass };

/** Custom requests and notifications (method names). */
export const Methods = {
  /** client -> server: {uri, line} -> the FunctionResult whose range holds `line`, or null. */
  functionPaths: 'refcountLens/functionPaths',
  /** client -> server: {uri} -> the functions with counted objects (for the path picker). */
  functions: 'refcountLens/functions',
  /** server -> client: what the server is doing (status bar). */
  status: 'refcountLens/status',
  /** client -> server: the workspace trust changed (model files may now load). */
  trust: 'refcountLens/trust',
} as const;

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
} as const;

/** 1-based line, as everywhere in the analysis results. */
export interface FunctionPathsParams { uri: string; line: number }

export interface FunctionsParams { uri: string }

/** One entry of the path picker. */
export interface FunctionSummary {
  name: string;
  line: number;
  endLine: number;
  paths: number;
  roles?: string[];
  truncated: boolean;
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

export interface TrustParams { trusted: boolean }

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
  /** Per-file analysis budget in the request loop, ms. */
  mainBudgetMs: number;
  /** Per-file analysis budget in a worker, ms. */
  workerBudgetMs: number;
  /** Wall-clock limit of one worker job (parse included), ms. */
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
  /** Zero-config get/put pair inference (off: only the model's entries count). */
  inference: boolean;
}

export const DEFAULT_SETTINGS: SettingsShape = {
  enable: true,
  inlayHints: { enabled: true },
  codeLens: { enabled: true },
  preset: 'auto',
  modelFiles: [],
  maxStatesPerFunction: 20000,
  inference: true,
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
