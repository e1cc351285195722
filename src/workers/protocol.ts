/**
 * What the analysis workers (src/workers/worker.ts, bundled to dist/worker.js) and their
 * pool say to each other. One worker serves the CLI and the language server alike.
 */
import type { AnalyzerOptions } from '../analysis/analyzer';
import type { FileResult } from '../analysis/result';
import type { TreeFileContext, TreeVisit } from '../analysis/tree/context';

/** What a worker is started with. */
export interface WorkerSetup {
  options: AnalyzerOptions;
  /** The CLI's content-hash result cache: results of jobs with a `cacheKey` are stored there. */
  cacheDir?: string;
}

/** One file to analyse. */
export interface AnalyzeRequest {
  type: 'analyze';
  id: number;
  path: string;
  text: string;
  /**
   * An open document (the editor): the worker keeps its parse tree, so the next version of
   * the document parses incrementally. Without it (the CLI) the file is analysed once, with
   * the bodies no analysis needs left unparsed, and nothing is kept.
   */
  doc?: string;
  /** Where the CLI's cache keeps the result. */
  cacheKey?: string;
  /** Tree mode: what the rest of the tree knows; the reply then carries the visit's summaries. */
  tree?: TreeFileContext;
}

export type WorkerRequest = AnalyzeRequest | { type: 'forget'; doc: string };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { type: 'result'; id: number; result: FileResult; visit?: TreeVisit };
