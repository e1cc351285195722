/**
 * Owns the analysers: one in the request loop for ordinary documents (it keeps the
 * per-function cache that makes an edit cheap) and a worker pool for large ones and for the
 * workspace index's visits, all built from the same options and rebuilt together when
 * settings or model files change.
 */
import * as path from 'node:path';
import { Analyzer, type AnalyzerOptions, type ParsedDocument } from '../analysis/analyzer';
import type { ModelProblem } from '../analysis/model/load';
import { analyseWithChecks, type Run } from './analysis-run';
import { WorkerPool, type Outcome } from '../workers/pool';
import type { LimitsShape } from '../shared/protocol';
import { parserWasm } from '../files/parser-wasm';
import { fixDiagnostics, type DiagnosticFixes } from '../analysis/fixes/fix-file';
import type { Diagnostic, FileResult } from '../analysis/result';
import type { TreeFileContext, TreeVisit } from '../analysis/tree/context';
import type { VisitOutcome } from '../index/tree-run';
import { errorResult } from './analysis-run';

/** Files above this many characters are visited by the index one at a time, each by a worker replaced afterwards. */
const HEAVY_CHARS = 512 * 1024;

/**
 * The index is computed as the CLI's tree mode computes it by default (no call sites, its
 * default --max-file-size of 2 MB), so that a CLI run and the editor share it.
 */
export const INDEX_MAX_FILE_CHARS = 2 * 1048576;
export function indexOptions(options: AnalyzerOptions): AnalyzerOptions {
  return { ...options, callSites: undefined, maxFileSize: INDEX_MAX_FILE_CHARS };
}

/**
 * The analyser cuts a file at its work budgets (the same wherever it runs) and says so; the
 * hard limit is a watchdog that replaces a stuck worker and gives its file an error.
 */
export interface Limits extends LimitsShape {
  workers: number;
}

export const DEFAULT_LIMITS: Limits = {
  largeFileChars: 200 * 1024,
  hardLimitMs: 60_000,
  debounceMs: 150,
  workers: 1,
};

/** How a document its worker could not finish is reported (on the file, as a diagnostic). */
const SERVER_WORDING = {
  result: (why: string) => `not analysed: ${why}`,
  timeoutHint: ' (the hard limit per worker job)',
  memoryHint: '',
};

export class AnalysisEngine {
  private pool?: WorkerPool;

  private constructor(
    private analyzer: Analyzer,
    private options: AnalyzerOptions,
    readonly limits: Limits,
    private readonly log: (msg: string) => void,
  ) {}

  static async create(options: AnalyzerOptions, limits: Limits, log: (msg: string) => void): Promise<AnalysisEngine> {
    const analyzer = await Analyzer.create(options, parserWasm());
    return new AnalysisEngine(analyzer, options, limits, log);
  }

  /** New options: a fresh analyser (its cache belongs to the old model) and fresh workers. */
  async reconfigure(options: AnalyzerOptions): Promise<void> {
    this.analyzer = await Analyzer.create(options, parserWasm());
    this.options = options;
    this.pool?.reconfigure({ options, treeOptions: indexOptions(options) });
  }

  /** The options every analysis runs with. */
  get analyzerOptions(): AnalyzerOptions {
    return this.options;
  }

  /** The worker script: its bytes are the analysis code the index's fingerprint covers. */
  get workerScript(): string {
    return path.join(__dirname, 'worker.js');
  }

  isLarge(text: string): boolean {
    return text.length > this.limits.largeFileChars;
  }

  /**
   * In the request loop. `previous` is consumed. `tree`: what the index knows of the rest of
   * the workspace; `visit` then receives the document's summaries.
   */
  runHere(filePath: string, text: string, previous?: ParsedDocument, tree?: TreeFileContext, visit?: TreeVisit): Run {
    return analyseWithChecks(this.analyzer, filePath, text, previous, tree, visit);
  }

  /**
   * A text that is no open document (a revision the editor compares with), in the request loop:
   * the per-function cache is the documents', so what the document shares with it is not analysed again.
   */
  analyseDetached(filePath: string, text: string): FileResult {
    return this.analyzer.analyzeText(filePath, text);
  }

  /** In a worker; resolves `{cancelled}` when a newer version or a reconfiguration dropped it. */
  runInWorker(uri: string, filePath: string, text: string, tree?: TreeFileContext): Promise<Outcome> {
    return this.workers().run({ doc: uri, path: filePath, text, tree });
  }

  /**
   * One visit of the index, in a worker, after the open documents' jobs there. A visit dropped
   * before it ran (the index was cancelled or the workers rebuilt), or still running when
   * `stop` settles, comes back `stopped` (a running one finishes in its worker, unread).
   */
  async indexVisit(
    filePath: string,
    text: string,
    tree: TreeFileContext,
    again: boolean,
    stop: Promise<void>,
  ): Promise<VisitOutcome> {
    const stopped: VisitOutcome = {
      result: errorResult(filePath, 'not indexed: the index was stopped'),
      exports: {},
      stopped: true,
    };
    const o = await Promise.race([
      this.workers().run({ path: filePath, text, tree, again }),
      stop.then(() => undefined),
    ]);
    if (!o || !('result' in o)) return stopped;
    return { result: o.result, exports: o.visit?.exports ?? {} };
  }

  /** The index will not visit these files again: what their last visits left in the workers is let go. */
  indexSettled(files: string[]): void {
    this.pool?.settled(files);
  }

  /** The index was cancelled: its visits still queued are dropped (a running one finishes). */
  dropIndexVisits(): void {
    this.pool?.dropShared();
  }

  /**
   * Verified fix-its for the result's diagnostics that `wanted` selects, in the request loop:
   * each candidate edit is analysed by the same analyser, whose per-function cache keeps that cheap.
   */
  fixes(filePath: string, text: string, result: FileResult, wanted: (d: Diagnostic) => boolean): DiagnosticFixes[] {
    return fixDiagnostics(this.analyzer, filePath, text, result, wanted);
  }

  cancel(uri: string): void {
    this.pool?.cancel(uri);
  }

  forget(uri: string): void {
    this.pool?.forget(uri);
  }

  /** Problems of the model files (the same files load over either preset; one is enough). */
  modelProblems(): ModelProblem[] {
    return this.analyzer.modelProblems(this.options.preset === 'linux' ? 'linux' : 'freebsd');
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }

  private workers(): WorkerPool {
    this.pool ??= new WorkerPool({
      script: path.join(__dirname, 'worker.js'),
      size: this.limits.workers,
      setup: { options: this.options, treeOptions: indexOptions(this.options) },
      timeoutMs: this.limits.hardLimitMs,
      maxMemoryMb: 3072,
      heavyChars: HEAVY_CHARS,
      wording: SERVER_WORDING,
      log: this.log,
    });
    return this.pool;
  }
}
