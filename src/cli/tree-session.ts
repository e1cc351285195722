/**
 * Tree mode for the commands that read a tree more than once or after the run: `diff --root`
 * runs one tree per side (the index, shared by both, makes the part the change left alone
 * free on the second), `fix --root` one tree whose contexts verify each edit. One runner
 * (the worker pool, or this thread) and one index serve every run of the session.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AnalyzerOptions } from '../analysis/analyzer';
import type { Model } from '../analysis/model/compiled';
import { buildModel, type ModelSources, type PresetName } from '../analysis/model/load';
import type { excludePatterns } from '../files/walk';
import { treeFingerprint } from '../index/fingerprint';
import { IndexStore, sha256 } from '../index/store';
import { indexTree, type TreeAnswers, treeAnswers, type TreeIndexReport } from '../index/tree-index';
import { WorkerPool } from '../workers/pool';
import type { CliArgs } from './args';
import { defaultIndexDir } from './cache';
import {
  CLI_WORDING,
  HEAVY_CHARS,
  JOBS_AHEAD,
  InProcess,
  PoolRunner,
  TREE_VISITS_PER_WORKER,
  buildIdentity,
  workerScript,
} from './runners';

/** A tree run of the session: its results, and what it tells of its tree after the run. */
export type TreeRunReport = TreeIndexReport & TreeAnswers;

export interface TreeSessionSetup {
  args: CliArgs;
  /** The analyser's options for every visit (the diff's include call sites, for its traces). */
  options: AnalyzerOptions;
  modelSources: ModelSources;
  /** The model files read, for the index's fingerprint. */
  modelFiles: string[];
  exclude: ReturnType<typeof excludePatterns>;
  warn(message: string): void;
}

export class TreeSession {
  private readonly models = new Map<PresetName, Model>();
  private readonly fp: string;
  private readonly store?: IndexStore;
  private readonly runner: PoolRunner | InProcess;
  private readonly concurrency: number;
  private readonly scratch?: string;

  constructor(private readonly setup: TreeSessionSetup) {
    const { args, options, modelSources } = setup;
    for (const p of ['freebsd', 'linux'] as PresetName[])
      this.models.set(
        p,
        buildModel({ presets: [p], sources: modelSources, defines: args.defines, undefines: args.undefines }).model,
      );
    const script = args.jobs > 0 ? workerScript() : undefined;
    // the index analyze --root and the editor share; a diff's visits that record call sites (for
    // its traces) give other results, kept apart
    const fp = treeFingerprint({ code: buildIdentity(), modelFiles: setup.modelFiles, options });
    this.fp = options.callSites ? sha256(fp, 'callSites') : fp;
    // --no-cache: an index of the session's own, removed at the end, so that the runs of one
    // command still share what they computed and nothing is read from or left for another
    if (!args.cache) this.scratch = scratchDir();
    const dir = args.cache
      ? path.resolve(args.cacheDir ? path.join(args.cacheDir, 'index') : defaultIndexDir())
      : this.scratch;
    const store = dir !== undefined ? new IndexStore(dir) : undefined;
    const why = store?.usable();
    if (why) setup.warn(`the index ${store!.dir} cannot be written (${why}); going on without it`);
    else this.store = store;
    const jobs = script ? Math.max(1, args.jobs) : 0;
    this.concurrency = Math.max(1, jobs) * TREE_VISITS_PER_WORKER;
    this.runner = script
      ? new PoolRunner(
          new WorkerPool({
            script,
            size: jobs,
            setup: { options },
            timeoutMs: args.timeout * 1000,
            maxMemoryMb: args.maxMemory,
            heavyChars: HEAVY_CHARS,
            ahead: JOBS_AHEAD,
            wording: CLI_WORDING,
          }),
        )
      : new InProcess(options);
  }

  /**
   * The tree under the session's roots, with `overlay`'s texts in place of the files on disk
   * (null: not in this tree), and the results of `reported` (absolute paths).
   */
  async run(reported: string[], overlay?: ReadonlyMap<string, string | null>): Promise<TreeRunReport> {
    const { args } = this.setup;
    const report = await indexTree({
      roots: args.roots,
      reported,
      overlay: overlay && ((file) => overlay.get(file)),
      added: overlay && [...overlay].filter(([, text]) => text !== null).map(([file]) => file),
      exclude: this.setup.exclude,
      gitignore: args.gitignore,
      models: this.models,
      preset: args.preset,
      fingerprint: this.fp,
      maxFileChars: args.maxFileSize * 1048576,
      sizeLimitName: '--max-file-size',
      store: this.store,
      concurrency: this.concurrency,
      visit: (file, text, tree, again) => this.runner.visit(file, text, tree, again),
      settled: (files) => this.runner.settled(files),
      unknownCalls: args.unknownCalls,
      leftOut: (file, why) => this.setup.warn(`${file}: left out of the tree: ${why}`),
    });
    return { ...report, ...treeAnswers(report) };
  }

  async close(): Promise<void> {
    await this.runner.close();
    if (this.scratch) fs.rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** A directory of the session's own for its index (undefined: none can be made; then no index). */
function scratchDir(): string | undefined {
  try {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-index-'));
  } catch {
    return undefined;
  }
}
