/**
 * The workspace's background index (issue 12 item 3), as clangd keeps one: the workspace
 * folders are indexed as the CLI's tree mode does it (src/index/tree-index.ts, the same
 * on-disk index and fingerprint, so that a CLI run and the editor share it), its visits run
 * on the engine's workers after the open documents' jobs, with a cancellable progress.
 *
 * - An open document is analysed with what the last run knows (IndexSnapshot), never waiting
 *   for a run; a callee without a summary is unknown.
 * - Open documents' own summaries stand in for the index's; when an edit changes them, the
 *   other open documents whose context changed are analysed again, and a run with the unsaved
 *   texts brings the files that depend on them up to date in the background.
 * - A save, a C file changed on disk, a document closed without its edits saved, or new
 *   settings run the index again; unchanged groups of files come from the index for free.
 * - A file that cannot be indexed (unreadable, binary, too large, a link that loops, deleted
 *   while indexing, a crashed visit) is logged once per run and the rest goes on. A cancelled
 *   run keeps what it finished in the index; what the editor knows stays the last complete run's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver';
import { buildModel, type PresetName } from '../analysis/model/load';
import type { Model } from '../analysis/model/compiled';
import type { IgnoreRule } from '../files/gitignore';
import { excludePatterns } from '../files/walk';
import { defaultIndexDir } from '../files/cache-dirs';
import { treeFingerprint } from '../index/fingerprint';
import { IndexStore } from '../index/store';
import { indexTree, type TreeIndexReport } from '../index/tree-index';
import type { TreeRunOutput } from '../index/tree-run';
import { type AnalysisEngine, INDEX_MAX_FILE_CHARS, indexOptions } from './engine';
import { IndexProgress } from './index-progress';
import { type DocumentContext, type Exports, IndexSnapshot, sameExports } from './index-snapshot';
import type { Settings } from './settings';

export interface IndexHost {
  connection: Connection;
  settings: Settings;
  engine(): AnalysisEngine;
  /** The open documents' texts, by path: the index reads them instead of the disk's. */
  openTexts(): Map<string, string>;
  /** What the index tells open documents changed: those whose context changed are analysed again. */
  changed(): void;
  log(message: string): void;
  notice(message: string): void;
}

interface Running {
  cancelled: boolean;
  /** Settles when the run is cancelled: visits still under way are not waited for. */
  stop: Promise<void>;
  halt: () => void;
  done: Promise<void>;
}

export class WorkspaceIndex {
  private snapshot?: IndexSnapshot;
  private readonly live = new Map<string, Exports>();
  /**
   * Closed documents whose saved text the index has not read yet, with the number of runs
   * started when they closed: their summaries stay in `live` until a run started after that
   * (or one that read the same text) replaces them, so a fix saved and closed never shows the
   * index's older summary in between.
   */
  private readonly closing = new Map<string, { runs: number; text: string }>();
  private runsStarted = 0;
  private readonly shards = new Map();
  private running?: Running;
  private again = false;
  /** What decides the index (settings, roots, fingerprint): a change starts over. */
  private key = '';
  private fingerprint = '';
  private store?: IndexStore;
  private storeChecked = false;
  private disposed = false;

  constructor(private readonly host: IndexHost) {}

  /** Runs the index, or marks it to run again once the current run ends. */
  schedule(why: string): void {
    if (this.disposed || !this.enabled()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    let halt = () => {};
    const stop = new Promise<void>((resolve) => {
      halt = resolve;
    });
    const running: Running = { cancelled: false, stop, halt, done: Promise.resolve() };
    this.running = running;
    running.done = this.runOnce(running, why)
      .catch((e) => this.host.log(`index: the run failed: ${(e as Error).stack ?? e}`))
      .finally(() => {
        this.running = undefined;
        if (this.again && !running.cancelled) {
          this.again = false;
          this.schedule('changes made while indexing');
        }
      });
  }

  /**
   * Settings, trust, model files or roots may have changed: off stops the index and forgets it,
   * anything that decides its results starts it over, nothing else does nothing. `restart`:
   * start over anyway (the workers were started again, or the user asked).
   */
  update(restart = false): void {
    const s = this.host.settings;
    const key = JSON.stringify([this.enabled(), s.current.index, this.roots(), this.currentFingerprint()]);
    if (key === this.key && !restart) return;
    const why = !this.key ? 'the workspace opened' : key === this.key ? 'the analysis started again' : 'new settings';
    this.key = key;
    this.cancel();
    if (!this.enabled()) {
      this.snapshot = undefined;
      this.live.clear();
      this.closing.clear();
      this.host.log('index: off (refcountLens.index.enabled or refcountLens.enable)');
      this.host.changed();
      return;
    }
    if (this.running) void this.running.done.then(() => this.schedule(why));
    else this.schedule(why);
  }

  /** What an open document's analysis is told of the rest of the workspace. */
  contextFor(filePath: string, text: string): DocumentContext {
    return this.snapshot?.contextFor(filePath, text) ?? { key: '' };
  }

  /** An open document was analysed: its summaries stand in for the index's from now on. */
  documentAnalysed(filePath: string, text: string, exports: Exports | undefined): void {
    const snap = this.snapshot;
    if (!snap?.has(filePath) || !exports) return;
    const before = this.live.get(filePath) ?? snap.exportsOf(filePath) ?? {};
    this.closing.delete(filePath);
    this.live.set(filePath, exports);
    if (sameExports(before, exports)) return;
    this.host.changed();
    if (!snap.indexed(filePath, text)) this.schedule(`the summaries of ${path.basename(filePath)} changed`);
  }

  /** A document closed: the disk's text is the file's again (indexed anew when they differ). */
  documentClosed(filePath: string, text: string): void {
    if (!this.live.has(filePath)) return;
    let disk: string | undefined;
    try {
      disk = fs.readFileSync(filePath, 'utf8');
    } catch {
      /* gone: the next run says so */
    }
    const name = path.basename(filePath);
    if (disk === text && !this.snapshot?.indexed(filePath, text)) {
      // saved, not indexed yet: its summaries hold until the index has read it
      this.closing.set(filePath, { runs: this.runsStarted, text });
      this.schedule(`${name} closed`);
      return;
    }
    this.live.delete(filePath);
    this.host.changed();
    if (disk !== text) this.schedule(`${name} closed without its edits saved`);
  }

  /** Stops the current run (its finished groups stay in the index). */
  cancel(): void {
    if (!this.running) return;
    this.running.cancelled = true;
    this.running.halt();
    this.again = false;
    this.host.engine().dropIndexVisits();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.cancel();
    await this.running?.done;
  }

  private enabled(): boolean {
    const s = this.host.settings.current;
    return s.enable && s.index.enabled && this.roots().length > 0;
  }

  private roots(): string[] {
    return [...new Set(this.host.settings.roots.map((r) => path.resolve(r)))];
  }

  private currentFingerprint(): string {
    const engine = this.host.engine();
    return treeFingerprint({
      code: engine.workerScript,
      modelFiles: this.host.settings.modelFiles(),
      options: indexOptions(engine.analyzerOptions),
    });
  }

  private exclude(): IgnoreRule[] {
    const out: IgnoreRule[] = [];
    for (const glob of this.host.settings.current.index.exclude) {
      try {
        out.push(...excludePatterns([glob]));
      } catch (e) {
        this.host.log(`index: refcountLens.index.exclude: ${(e as Error).message.replace('--exclude ', '')}`);
      }
    }
    return out;
  }

  private indexStore(): IndexStore | undefined {
    if (!this.storeChecked) {
      this.storeChecked = true;
      const store = new IndexStore(defaultIndexDir());
      const why = store.usable();
      if (why) this.host.notice(`index: ${store.dir} cannot be written (${why}); indexing without keeping it`);
      else this.store = store;
    }
    return this.store;
  }

  private async runOnce(running: Running, why: string): Promise<void> {
    const runNumber = ++this.runsStarted;
    const fingerprint = this.currentFingerprint();
    if (fingerprint !== this.fingerprint) {
      // another model or other options: nothing known so far holds
      this.fingerprint = fingerprint;
      this.snapshot = undefined;
      this.shards.clear();
    }
    const engine = this.host.engine();
    const options = indexOptions(engine.analyzerOptions);
    const models = new Map<PresetName, Model>();
    for (const preset of ['freebsd', 'linux'] as PresetName[])
      models.set(
        preset,
        buildModel({
          presets: [preset],
          sources: options.modelSources,
          defines: options.defines,
          undefines: options.undefines,
        }).model,
      );
    const roots = this.roots();
    const overlay = this.host.openTexts();
    const leftOut: string[] = [];
    const progress = await IndexProgress.begin(this.host.connection, () => {
      this.host.log('index: cancelled; what was indexed stays in the index');
      this.cancel();
    });
    this.host.log(`index: ${roots.join(', ')} (${why})`);
    let report: TreeIndexReport;
    try {
      report = await indexTree({
        roots,
        reported: [],
        exclude: this.exclude(),
        gitignore: true,
        models,
        preset: options.preset,
        fingerprint,
        maxFileChars: INDEX_MAX_FILE_CHARS,
        sizeLimitName: '',
        store: this.indexStore(),
        concurrency: Math.max(1, engine.limits.workers) * 2,
        visit: (file, text, tree, again) => engine.indexVisit(file, text, tree, again, running.stop),
        settled: (files) => engine.indexSettled(files),
        unknownCalls: options.unknownCalls,
        leftOut: (file, reason) => {
          leftOut.push(file);
          this.host.log(`index: ${file}: left out: ${reason}`);
        },
        overlay: (file) => overlay.get(file),
        shards: this.shards,
        reading: (done, total) => progress.reading(done, total),
        progress: (p) => progress.indexing(p.files, p.filesTotal),
        cancelled: () => running.cancelled || this.disposed,
      });
    } finally {
      progress.end();
    }
    const run = report.run;
    if (!run) return;
    const failed = [...run.results].filter(([, r]) => r.error);
    for (const [i, r] of failed)
      this.host.log(`index: ${report.paths[i]}: not indexed: ${r.error!.replace(/^not analysed: /, '')}`);
    this.host.log(describe(report, run, leftOut.length + failed.length));
    if (leftOut.length + failed.length)
      this.host.notice(
        `index: ${leftOut.length + failed.length} file(s) could not be indexed; the rest was` +
          ' (Refcount Lens: Show Output lists them)',
      );
    // a cancelled run's knowledge has holes: the last complete run's stays, when there is one
    if (!run.complete && this.snapshot) return;
    this.snapshot = new IndexSnapshot({ ...report, run }, this.live);
    for (const [file, c] of [...this.closing])
      if (c.runs < runNumber || this.snapshot.indexed(file, c.text)) {
        this.closing.delete(file);
        this.live.delete(file);
      }
    this.host.changed();
  }
}

function describe(report: TreeIndexReport, run: TreeRunOutput, bad: number): string {
  const s = report.stats;
  return (
    `index: ${run.complete ? 'done' : 'stopped'}: ${report.files} files (${report.lines} lines), ` +
    `${s.groups} groups: ${s.fromIndex} from the index, ${s.visits} visits; ` +
    `${s.relevant} counting functions` +
    (bad ? `; ${bad} file(s) could not be indexed` : '')
  );
}
