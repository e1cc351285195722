/**
 * Per-document state: the text and version the client sent, the parsed document kept for
 * incremental parses, and the last FileResult. Edits are debounced; a request that needs
 * the analysis of the current version runs it at once instead of waiting for the timer.
 * Results of versions the user has already typed past are dropped, never shown. Each
 * analysis takes the document's context from the workspace index as it is at that moment
 * (never waiting for it); when that context changes, the document is analysed again.
 */
import type { CancellationToken } from 'vscode-languageserver';
import type { ParsedDocument } from '../analysis/analyzer';
import type { FileResult } from '../analysis/result';
import type { TreeVisit } from '../analysis/tree/context';
import type { AnalysisEngine } from './engine';
import type { DocumentContext, Exports } from './index-snapshot';
import { uriToPath } from './settings';
import { demoteUnsettled } from '../index/unsettled';

export const DEBOUNCE_MS = 150;

export interface Analysed {
  uri: string;
  version: number;
  text: string;
  result: FileResult;
  /** From the start of the run to its result (queueing in the worker included). */
  ms: number;
  inWorker: boolean;
  /** The summaries of its counting functions, when it was analysed in the index's context. */
  exports?: Exports;
}

/** What the workspace index tells a document's analysis (see WorkspaceIndex.contextFor). */
export type ContextSource = (path: string, text: string) => DocumentContext;

export interface DocumentEvents {
  analysing(uri: string): void;
  analysed(a: Analysed): void;
  /** The document closed; `path` and `text` are its file's and its last text. */
  closed(uri: string, path: string, text: string): void;
  log(msg: string): void;
}

/** What a request gets: a result and the exact text it was computed from. */
export interface Snapshot {
  uri: string;
  version: number;
  text: string;
  result: FileResult;
}

interface Entry {
  uri: string;
  path: string;
  version: number;
  text: string;
  parsed?: ParsedDocument;
  result?: FileResult;
  resultVersion: number;
  timer?: NodeJS.Timeout;
  running?: { version: number; contextKey: string; promise: Promise<void> };
  /** Its last run went to a worker, which holds its tree. */
  inWorker: boolean;
  /** The key of the index context its last result was analysed with. */
  contextKey: string;
}

export class DocumentStore {
  private readonly entries = new Map<string, Entry>();
  private disposed = false;
  /** Until the settings are known (and while refcountLens.enable is off) nothing is analysed. */
  private paused = true;
  private resumed?: () => void;
  private unpaused = new Promise<void>((r) => {
    this.resumed = r;
  });
  private contexts: ContextSource = () => ({ key: '' });

  constructor(
    private engine: AnalysisEngine,
    private readonly events: DocumentEvents,
    private readonly debounceMs = DEBOUNCE_MS,
  ) {}

  get analysisEngine(): AnalysisEngine {
    return this.engine;
  }

  /** Where each analysis takes its index context from. */
  useContexts(source: ContextSource): void {
    this.contexts = source;
  }

  /**
   * What the index tells documents changed: each one whose context is no longer the one its
   * result (or its running analysis) was computed with is analysed again.
   */
  refreshContexts(): void {
    if (this.paused) return;
    for (const entry of this.entries.values()) {
      const { key } = this.contexts(entry.path, entry.text);
      const latest = entry.running?.version === entry.version ? entry.running.contextKey : entry.contextKey;
      if (key === latest) continue;
      entry.resultVersion = -1;
      this.schedule(entry, 0);
    }
  }

  /** The open documents' texts by path (files only). */
  texts(): Map<string, string> {
    const out = new Map<string, string>();
    for (const e of this.entries.values()) if (e.path !== e.uri) out.set(e.path, e.text);
    return out;
  }

  /** The text of an open document. */
  textOf(uri: string): string | undefined {
    return this.entries.get(uri)?.text;
  }

  open(uri: string, version: number, text: string): void {
    const old = this.entries.get(uri);
    if (old) this.drop(old); // a client may re-open without closing
    const entry: Entry = {
      uri,
      path: uriToPath(uri) ?? uri,
      version,
      text,
      resultVersion: -1,
      inWorker: false,
      contextKey: '',
    };
    this.entries.set(uri, entry);
    this.schedule(entry, 0);
  }

  change(uri: string, version: number, text: string): void {
    const entry = this.entries.get(uri);
    if (!entry) {
      this.events.log(`change for ${uri}, which is not open: ignored`);
      return;
    }
    if (entry.version === version && entry.text === text) return; // the open itself, reported again
    entry.version = version;
    entry.text = text;
    // a worker run of an older version is wasted work now; the request loop's runs are synchronous
    if (entry.running && entry.inWorker) this.engine.cancel(uri);
    this.schedule(entry, this.debounceMs);
  }

  close(uri: string): void {
    const entry = this.entries.get(uri);
    if (!entry) return;
    this.drop(entry);
    this.entries.delete(uri);
    this.events.closed(uri, entry.path, entry.text);
  }

  isOpen(uri: string): boolean {
    return this.entries.has(uri);
  }

  uris(): string[] {
    return [...this.entries.keys()];
  }

  /** The last result of any version, without waiting (for counts and the status bar). */
  lastResult(uri: string): FileResult | undefined {
    return this.entries.get(uri)?.result;
  }

  /**
   * The analysis of the document's current version: at once when it is there, else after
   * running it now. Undefined when the document is not open (or closes meanwhile) or the
   * request is cancelled; never throws.
   */
  async snapshot(uri: string, token?: CancellationToken): Promise<Snapshot | undefined> {
    if (this.paused) await raceCancellation(this.unpaused, token);
    for (let attempt = 0; attempt < 20 && !this.disposed; attempt++) {
      const entry = this.entries.get(uri);
      if (!entry) {
        this.events.log(`request for ${uri}, which is not open: answering empty`);
        return undefined;
      }
      if (entry.result && entry.resultVersion === entry.version) {
        return { uri, version: entry.version, text: entry.text, result: entry.result };
      }
      if (token?.isCancellationRequested || this.paused) return undefined;
      clearTimeout(entry.timer);
      entry.timer = undefined;
      await raceCancellation(this.analyse(entry), token);
    }
    return undefined;
  }

  /** Stops analysing (refcountLens.enable is off); requests answer empty meanwhile. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.unpaused = new Promise<void>((r) => {
      this.resumed = r;
    });
    for (const entry of this.entries.values()) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      if (entry.inWorker) this.engine.cancel(entry.uri);
    }
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Settings or model files changed (or analysis starts or resumes): every document is
   * parsed and analysed from scratch with `engine`.
   */
  reanalyseAll(engine: AnalysisEngine = this.engine): void {
    this.engine = engine;
    this.paused = false;
    this.resumed?.();
    for (const entry of this.entries.values()) {
      entry.parsed?.tree.delete();
      entry.parsed = undefined;
      entry.resultVersion = -1;
      entry.running = undefined;
      this.schedule(entry, 0);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.resumed?.();
    for (const entry of this.entries.values()) this.drop(entry);
    this.entries.clear();
  }

  private schedule(entry: Entry, delay: number): void {
    clearTimeout(entry.timer);
    if (this.paused) return;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void this.analyse(entry);
    }, delay);
  }

  /** Runs the analysis of the entry's current version (joins one already under way in the same context). */
  private analyse(entry: Entry): Promise<void> {
    const { version, text } = entry;
    const context = this.contexts(entry.path, text);
    if (entry.running?.version === version && entry.running.contextKey === context.key) return entry.running.promise;
    const started = performance.now();
    this.events.analysing(entry.uri);
    const promise = this.engine.isLarge(text)
      ? this.analyseInWorker(entry, version, text, context, started)
      : this.analyseHere(entry, version, text, context, started);
    const running = { version, contextKey: context.key, promise };
    entry.running = running;
    void promise.finally(() => {
      if (entry.running === running) entry.running = undefined;
    });
    return promise;
  }

  private async analyseHere(
    entry: Entry,
    version: number,
    text: string,
    context: DocumentContext,
    started: number,
  ): Promise<void> {
    if (entry.inWorker) {
      this.engine.forget(entry.uri); // it shrank below the limit: free the worker's tree
      entry.inWorker = false;
    }
    const previous = entry.parsed;
    entry.parsed = undefined; // consumed by the run, whatever happens
    const visit: TreeVisit | undefined = context.tree ? { exports: {} } : undefined;
    const run = this.engine.runHere(entry.path, text, previous, context.tree, visit);
    entry.parsed = run.parsed;
    this.complete(entry, version, text, asInRun(run.result, context), started, context.key, visit?.exports);
  }

  private async analyseInWorker(
    entry: Entry,
    version: number,
    text: string,
    context: DocumentContext,
    started: number,
  ): Promise<void> {
    entry.parsed?.tree.delete(); // the worker keeps its own tree from now on
    entry.parsed = undefined;
    entry.inWorker = true;
    const outcome = await this.engine.runInWorker(entry.uri, entry.path, text, context.tree);
    if ('cancelled' in outcome) return;
    const result = asInRun(outcome.result, context);
    this.complete(entry, version, text, result, started, context.key, outcome.visit?.exports);
  }

  private complete(
    entry: Entry,
    version: number,
    text: string,
    result: FileResult,
    started: number,
    contextKey: string,
    exports: Exports | undefined,
  ): void {
    const current = this.entries.get(entry.uri) === entry;
    if (!current || entry.version !== version) {
      this.events.log(
        `${entry.uri} v${version}: result dropped (${current ? `v${entry.version} is current` : 'closed meanwhile'})`,
      );
      return;
    }
    entry.result = result;
    entry.resultVersion = version;
    entry.contextKey = contextKey;
    this.events.analysed({
      uri: entry.uri,
      version,
      text,
      result,
      ms: performance.now() - started,
      inWorker: entry.inWorker,
      exports,
    });
  }

  private drop(entry: Entry): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.parsed?.tree.delete();
    entry.parsed = undefined;
    if (entry.inWorker) this.engine.forget(entry.uri);
  }
}

/** Resolves when `p` settles or the token is cancelled, whichever comes first. */
function raceCancellation(p: Promise<void>, token?: CancellationToken): Promise<void> {
  if (!token) return p;
  return new Promise((resolve) => {
    const sub = token.onCancellationRequested(() => {
      sub.dispose();
      resolve();
    });
    p.finally(() => {
      sub.dispose();
      resolve();
    });
  });
}

/** A document's result with the doubts the index's run gave the same functions (a cycle that did not settle). */
function asInRun(result: FileResult, context: DocumentContext): FileResult {
  return context.unsettled ? demoteUnsettled(result, context.unsettled) : result;
}
