/**
 * How the CLI runs its analyses: on the worker pool (one file in, its result out; a tree visit
 * with what the tree knows), or one after the other in this thread (`--jobs 0`, or no worker
 * script beside the bundle).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer, type AnalyzerOptions, type Prepassed } from '../analysis/analyzer';
import type { FileResult } from '../analysis/result';
import type { TreeFileContext } from '../analysis/tree/context';
import type { VisitOutcome } from '../index/tree-run';
import { parserWasm } from '../files/parser-wasm';
import type { WorkerPool } from '../workers/pool';
import type { ResultCache } from './cache';
import { errorResult, runJob, runTreeJob, type Job } from './job';
import { RevisitResults } from '../workers/revisits';
import type { PresetName } from '../analysis/model/load';
import type { TreeShard } from '../analysis/tree/shard';

/** Files above this many characters are analysed one at a time, each by a fresh worker (see src/workers/pool.ts). */
export const HEAVY_CHARS = 512 * 1024;

/**
 * Tree visits handed to the pool at once, per worker. More than one each, so that a worker that
 * finishes can take the next visit of a file whose earlier visit it made (it kept that file's
 * functions and parse: see src/workers/revisits.ts) instead of one another worker made.
 */
export const TREE_VISITS_PER_WORKER = 8;

/**
 * Jobs posted to a busy worker behind the one it runs (src/workers/pool.ts `ahead`): a worker that ends a
 * job starts the next at once, instead of waiting for the main thread (reading files, writing the index)
 * to take its result and send another; more of them when they are shards.
 */
export const JOBS_AHEAD = { jobs: 1, shards: 4 };

/** The worker script beside this bundle: dist/worker.js, or out/src/workers/worker.js under tsc. */
export function workerScript(): string | undefined {
  const candidates = [path.join(__dirname, 'worker.js')];
  if (path.basename(__filename) === 'runners.js') candidates.push(path.join(__dirname, '..', 'workers', 'worker.js'));
  return candidates.find((f) => fs.existsSync(f));
}

/**
 * The file that stands for this build's analysis code in the index's keys: the worker bundle,
 * built with the CLI's from the same sources, whether or not this run starts workers, so that
 * `--jobs 0` and a run with workers share one index.
 */
export function buildIdentity(): string {
  return workerScript() ?? __filename;
}

/** How the CLI words a file its worker could not finish (the option that sets each limit). */
export const CLI_WORDING = {
  result: (why: string) => `${why}; the file was skipped`,
  timeoutHint: ' (the hard limit, --timeout)',
  memoryHint: '; raise it with --max-memory',
};

/** The worker pool as the run loop uses it: one file in, its result out. */
export class PoolRunner {
  constructor(readonly pool: WorkerPool) {}
  async submit(job: Job): Promise<FileResult> {
    const o = await this.pool.run({ path: job.path, text: job.text, cacheKey: job.key });
    return 'result' in o ? o.result : errorResult(job.path, 'the run was stopped before this file was analysed');
  }
  async visit(
    file: string,
    text: string,
    tree: TreeFileContext,
    again = false,
    prepassed?: Prepassed,
  ): Promise<VisitOutcome> {
    const o = await this.pool.run({ path: file, text, tree, again, prepassed });
    if (!('result' in o)) return { result: errorResult(file, 'the run was stopped'), exports: {}, stopped: true };
    return { result: o.result, exports: o.visit?.exports ?? {} };
  }
  /** The tree run will not visit these files again: what their last visits left is let go. */
  settled(files: string[]): void {
    this.pool.settled(files);
  }
  /**
   * A text's shard made by a worker, with the pre-pass it was made from (for the file's first visit);
   * undefined when it could not be (the caller makes it).
   */
  async shard(
    file: string,
    text: string,
    preset: PresetName,
  ): Promise<{ shard: TreeShard; prepassed?: Prepassed } | undefined> {
    const o = await this.pool.run({ path: file, text, shard: preset, withPrepass: true });
    return 'shard' in o && o.shard ? { shard: o.shard, prepassed: o.prepassed } : undefined;
  }
  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Runs files one after the other in this thread (`--jobs 0`, or no worker script). */
export class InProcess {
  private analyzer?: Promise<Analyzer>;
  private readonly revisits = new RevisitResults();
  constructor(
    private readonly options: AnalyzerOptions,
    private readonly cache?: ResultCache,
  ) {}
  async submit(job: Job): Promise<FileResult> {
    this.analyzer ??= Analyzer.create(this.options, parserWasm());
    const a = await this.analyzer;
    try {
      return runJob(a, job, this.cache);
    } catch (e) {
      return errorResult(job.path, `internal error while analysing: ${(e as Error).message}`);
    }
  }
  settled(files: string[]): void {
    for (const file of files) this.revisits.drop(file);
  }
  async visit(
    file: string,
    text: string,
    tree: TreeFileContext,
    again = false,
    prepassed?: Prepassed,
  ): Promise<VisitOutcome> {
    this.analyzer ??= Analyzer.create(this.options, parserWasm());
    const a = await this.analyzer;
    try {
      if (!again) this.revisits.drop(file);
      const earlier = again ? this.revisits.take(file) : undefined;
      const { result, visit, kept } = runTreeJob(a, file, text, tree, earlier, prepassed);
      if (kept) this.revisits.keep(file, kept);
      return { result, ...visit };
    } catch (e) {
      return {
        result: errorResult(file, `internal error while analysing: ${(e as Error).message}`),
        exports: {},
      };
    }
  }
  async close(): Promise<void> {
    /* nothing to stop */
  }
}
