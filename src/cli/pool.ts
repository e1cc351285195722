/**
 * The worker threads of `refcount-lens analyze`.
 *
 * Each worker creates its Analyzer once and takes one file at a time. A worker
 * that throws, runs out of heap (resourceLimits), exits, or holds a file longer
 * than the hard timeout is terminated and replaced; its file comes back as a
 * FileResult with `error` saying what happened, and the other files go on.
 */
import { Worker } from 'worker_threads';
import type { FileResult } from '../analysis/result';
import { errorResult, type Job, type WorkerSetup } from './job';

export interface PoolOptions {
  /** The worker script (dist/cli-worker.js). */
  script: string;
  size: number;
  setup: WorkerSetup;
  /** Hard wall-clock limit for one file, in ms. */
  timeoutMs: number;
  /** Heap limit of one worker, in MB. */
  maxMemoryMb: number;
  /**
   * Files longer than this (characters) are heavy: one at a time over the whole
   * pool, and the worker that took one is replaced afterwards (the parser's wasm
   * memory and V8's heap only grow), so peak memory stays near one big file's.
   */
  heavyChars?: number;
}

interface Pending { job: Job; resolve: (r: FileResult) => void }

interface Slot {
  worker: Worker;
  ready: boolean;
  current?: Pending;
  heavy?: boolean;
  timer?: NodeJS.Timeout;
  /** Set once the slot's worker is being replaced (late events are ignored). */
  dead: boolean;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private closed = false;
  private initFailures = 0;
  private fatal?: string;
  /** Workers being ended (replaced or recycled); close() waits for them so none is torn down by the process exit. */
  private readonly ending = new Set<Promise<unknown>>();
  /** Workers replaced after a crash or a timeout. */
  replaced = 0;

  constructor(private readonly opts: PoolOptions) {
    for (let i = 0; i < Math.max(1, opts.size); i++) this.slots.push(this.spawn());
  }

  submit(job: Job): Promise<FileResult> {
    if (this.fatal) return Promise.resolve(errorResult(job.path, this.fatal));
    return new Promise((resolve) => {
      this.queue.push({ job, resolve });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.slots) this.end(s);
    await Promise.all([...this.ending]);
  }

  private end(slot: Slot): void {
    slot.dead = true;
    const ended = slot.worker.terminate().catch(() => 0).finally(() => this.ending.delete(ended));
    this.ending.add(ended);
  }

  private spawn(): Slot {
    const worker = new Worker(this.opts.script, {
      workerData: this.opts.setup,
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxMemoryMb },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, ready: false, dead: false };
    worker.on('message', (m: { type: string; id?: number; result?: FileResult; message?: string }) => {
      if (slot.dead) return;
      if (m.type === 'ready') { slot.ready = true; this.pump(); return; }
      if (m.type === 'init-error') { this.fail(slot, `the analysis worker could not start: ${m.message}`, true); return; }
      if (m.type === 'result' && slot.current && m.id === slot.current.job.id) {
        const p = slot.current;
        slot.current = undefined;
        clearTimeout(slot.timer);
        p.resolve(m.result!);
        if (slot.heavy) this.recycle(slot);
        this.pump();
      }
    });
    worker.on('error', (e: Error & { code?: string }) => {
      if (slot.dead) return;
      const why = e.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? `the analysis ran out of memory (over ${this.opts.maxMemoryMb} MB; raise it with --max-memory)`
        : `the analysis crashed (${oneLine(e.message)})`;
      this.fail(slot, why, !slot.ready);
    });
    worker.on('exit', (code) => {
      if (slot.dead || this.closed) return;
      this.fail(slot, `the analysis worker exited unexpectedly (code ${code})`, !slot.ready);
    });
    return slot;
  }

  /** Ends a slot's worker, reports its file, starts a replacement. */
  private fail(slot: Slot, why: string, duringInit: boolean): void {
    if (slot.dead) return;
    clearTimeout(slot.timer);
    this.end(slot);
    const i = this.slots.indexOf(slot);
    if (slot.current) {
      slot.current.resolve(errorResult(slot.current.job.path, `${why}; the file was skipped`));
      slot.current = undefined;
    }
    if (duringInit && ++this.initFailures >= 3) {
      this.fatal = why;
      for (const p of this.queue.splice(0)) p.resolve(errorResult(p.job.path, why));
      if (i >= 0) this.slots.splice(i, 1);
      return;
    }
    if (this.closed) return;
    this.replaced++;
    if (i >= 0) this.slots[i] = this.spawn();
  }

  /** Replaces a healthy worker (after a heavy file) to give its memory back. */
  private recycle(slot: Slot): void {
    this.end(slot);
    const i = this.slots.indexOf(slot);
    if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
  }

  private isHeavy(job: Job): boolean { return job.text.length > (this.opts.heavyChars ?? Infinity); }

  private pump(): void {
    for (const slot of this.slots) {
      if (!this.queue.length) return;
      if (!slot.ready || slot.current || slot.dead) continue;
      const heavyBusy = this.slots.some((s) => s.current && s.heavy);
      const k = heavyBusy ? this.queue.findIndex((q) => !this.isHeavy(q.job)) : 0;
      if (k < 0) return;
      const p = this.queue.splice(k, 1)[0];
      slot.current = p;
      slot.heavy = this.isHeavy(p.job);
      slot.timer = setTimeout(() => {
        this.fail(slot, `the analysis took longer than ${fmtSeconds(this.opts.timeoutMs)} (the hard limit, --timeout) and was stopped`, false);
      }, this.opts.timeoutMs);
      slot.worker.postMessage(p.job);
    }
  }
}

function oneLine(s: string): string { return s.split('\n')[0].slice(0, 200); }
function fmtSeconds(ms: number): string { return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`; }
