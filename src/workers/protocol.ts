/**
 * What the analysis workers (src/workers/worker.ts, bundled to dist/worker.js) and their
 * pool say to each other. One worker serves the CLI and the language server alike.
 */
import type { MessagePort } from 'node:worker_threads';
import type { AnalyzerOptions, Prepassed } from '../analysis/analyzer';
import type { FileResult } from '../analysis/result';
import type { TreeFileContext, TreeVisit } from '../analysis/tree/context';
import type { PresetName } from '../analysis/model/load';
import type { TreeShard } from '../analysis/tree/shard';
import type { PackedHandover } from './revisits';

/** What a worker is started with. */
export interface WorkerSetup {
  options: AnalyzerOptions;
  /**
   * The options of tree visits (jobs with `tree` and no `doc`) when they differ from `options`:
   * the server's documents ask for call sites, and its index is computed as the CLI's tree mode
   * computes it, so that the two share the index.
   */
  treeOptions?: AnalyzerOptions;
  /** The CLI's content-hash result cache: results of jobs with a `cacheKey` are stored there. */
  cacheDir?: string;
  /** The port the worker replies on (the pool's own channel, so it can take replies sent before a failure). */
  replies?: MessagePort;
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
  /**
   * What the rest of the tree knows; the reply then carries the summaries of the file's
   * counting functions. Without `doc` a tree visit (the CLI's tree mode, the server's index);
   * with it an open document's analysis in the context of the workspace's index.
   */
  tree?: TreeFileContext;
  /**
   * A tree visit of a file the run may visit again (its group is a cycle of files): the worker
   * keeps the file's per-function results for that visit (src/workers/revisits.ts).
   */
  again?: boolean;
  /**
   * Of an `again` visit made by another worker than the last one: the costly per-function results of the
   * file's last visit, which that visit's reply handed over (`handover`).
   */
  handed?: PackedHandover;
  /**
   * Only the text's shard, read with this preset's model (a tree run's first pass: the workers make
   * shards while the main thread reads the files). The reply's `shard` holds it, its `result` nothing.
   */
  shard?: PresetName;
  /** With `shard`: the reply also carries the text's pre-pass (`prepassed`), for the file's first visit. */
  withPrepass?: boolean;
  /** Of a tree visit: the text's pre-pass, made with its shard (the visit need not make it again). */
  prepassed?: Prepassed;
  /**
   * `tree` came without its `numbers`: they are the table the last `numbers` message gave (the same for every
   * file of a run, about 24 KB on xen: posted once per worker instead of with every visit).
   */
  numbersSent?: boolean;
}

/**
 * `forget`: an open document's parse tree; `settled`: what a tree visit of `path` kept for the next (`again`);
 * `numbers`: the tree's number macros, for the contexts that follow (`AnalyzeRequest.numbersSent`).
 */
export type WorkerRequest =
  | AnalyzeRequest
  | { type: 'forget'; doc: string }
  | { type: 'settled'; path: string }
  | { type: 'numbers'; numbers: Record<string, string> };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | {
      type: 'result';
      id: number;
      result: FileResult;
      visit?: TreeVisit;
      shard?: TreeShard;
      /** Of a shard asked `withPrepass`: the pre-pass it was made from. */
      prepassed?: Prepassed;
      /** Of an `again` visit: its costly per-function results, for the file's next visit if another worker makes it. */
      handover?: PackedHandover;
    };
