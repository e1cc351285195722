/**
 * Worker threads for large documents. Each document sticks to one worker (which keeps its
 * parse tree for incremental re-parses). A job that a newer edit makes stale is dropped
 * from the queue, or its worker is terminated and replaced when it already runs: a 5 MB
 * parse takes seconds and nobody wants its result any more. A job that outlives its hard
 * time limit ends the same way, with a FileResult that says so.
 */
import { Worker } from 'worker_threads';
import type { AnalyzerOptions } from '../analysis/analyzer';
import type { FileResult } from '../analysis/result';
import { errorResult } from './analysis-run';
import type { WorkerRequest, WorkerSetup } from './worker';

export type PoolOutcome = { result: FileResult } | { cancelled: true };

export interface PoolOptions {
  script: string;
  size: number;
  /** Analyzer options for the workers (the same as the request loop's: results do not depend on where they run). */
  options: AnalyzerOptions;
  /** Wall-clock limit for one job (parse + analysis), after which its worker is replaced. */
  hardLimitMs: number;
  maxMemoryMb: number;
  log: (msg: string) => void;
}

interface Job {
  id: number;
  uri: string;
  path: string;
  text: string;
  resolve: (o: PoolOutcome) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  queue: Job[];
  current?: Job;
  timer?: NodeJS.Timeout;
  /** Replaced or closed: its late messages are ignored. */
  dead: boolean;
}

export class AnalysisPool {
  private slots: Slot[] = [];
  private readonly home = new Map<string, number>();
  private nextId = 1;
  private nextSlot = 0;
  private closed = false;

  constructor(private opts: PoolOptions) {
    for (let i = 0; i < Math.max(1, opts.size); i++) this.slots.push(this.spawn());
  }

  analyze(uri: string, path: string, text: string): Promise<PoolOutcome> {
    if (this.closed) return Promise.resolve({ cancelled: true });
    const slot = this.slots[this.slotIndex(uri)];
    return new Promise((resolve) => {
      slot.queue.push({ id: this.nextId++, uri, path, text, resolve });
      this.pump(slot);
    });
  }

  /** Drops the queued and running jobs of `uri` (they resolve as cancelled). */
  cancel(uri: string): void {
    const index = this.home.get(uri);
    if (index === undefined) return;
    const slot = this.slots[index];
    for (const job of slot.queue.filter((j) => j.uri === uri)) job.resolve({ cancelled: true });
    slot.queue = slot.queue.filter((j) => j.uri !== uri);
    if (slot.current?.uri === uri) {
      const job = slot.current;
      this.opts.log(`analysis of ${uri} cancelled: a newer version arrived; its worker is replaced`);
      this.replace(index);
      job.resolve({ cancelled: true });
    }
  }

  /** The document closed: cancel its work and free its tree in the worker. */
  forget(uri: string): void {
    this.cancel(uri);
    const index = this.home.get(uri);
    if (index === undefined) return;
    this.home.delete(uri);
    const slot = this.slots[index];
    if (!slot.dead) slot.worker.postMessage({ type: 'forget', uri } satisfies WorkerRequest);
  }

  /** New analyzer options: every worker is replaced; running and queued jobs are cancelled. */
  reconfigure(options: AnalyzerOptions): void {
    this.opts = { ...this.opts, options };
    for (let i = 0; i < this.slots.length; i++) {
      const { current, queue } = this.slots[i];
      this.slots[i].queue = [];
      this.replace(i);
      for (const job of [...(current ? [current] : []), ...queue]) job.resolve({ cancelled: true });
    }
    this.home.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const slot of this.slots) {
      for (const job of [...(slot.current ? [slot.current] : []), ...slot.queue]) job.resolve({ cancelled: true });
      slot.queue = [];
    }
    await Promise.all(this.slots.map((s) => this.retire(s)));
  }

  private slotIndex(uri: string): number {
    let index = this.home.get(uri);
    if (index === undefined) {
      index = this.nextSlot++ % this.slots.length;
      this.home.set(uri, index);
    }
    return index;
  }

  private spawn(): Slot {
    const setup: WorkerSetup = { options: this.opts.options };
    const worker = new Worker(this.opts.script, {
      workerData: setup,
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxMemoryMb },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, ready: false, queue: [], dead: false };
    worker.on('message', (m: { type: string; id?: number; result?: FileResult; message?: string }) => this.onMessage(slot, m));
    worker.on('error', (e) => this.onDeath(slot, `the analysis worker failed: ${e.message}`));
    worker.on('exit', (code) => this.onDeath(slot, `the analysis worker exited (code ${code})`));
    return slot;
  }

  private onMessage(slot: Slot, m: { type: string; id?: number; result?: FileResult; message?: string }): void {
    if (slot.dead) return;
    if (m.type === 'ready') {
      slot.ready = true;
      this.pump(slot);
    } else if (m.type === 'init-error') {
      this.onDeath(slot, `the analysis worker could not start: ${m.message}`);
    } else if (m.type === 'result' && slot.current?.id === m.id) {
      const job = slot.current!;
      this.finish(slot);
      job.resolve({ result: m.result! });
      this.pump(slot);
    }
  }

  /** A worker died on its own (crash, out of memory): its job fails with the reason, the rest go on. */
  private onDeath(slot: Slot, reason: string): void {
    if (slot.dead) return;
    const index = this.slots.indexOf(slot);
    const job = slot.current;
    this.opts.log(`${reason}${job ? ` while analysing ${job.uri}` : ''}; starting a new one`);
    this.replace(index);
    job?.resolve({ result: errorResult(job.path, `not analysed: ${reason}`) });
  }

  private pump(slot: Slot): void {
    if (slot.dead || !slot.ready || slot.current || !slot.queue.length) return;
    const job = slot.queue.shift()!;
    slot.current = job;
    slot.timer = setTimeout(() => this.onTimeout(slot, job), this.opts.hardLimitMs);
    slot.worker.postMessage({ type: 'analyze', id: job.id, uri: job.uri, path: job.path, text: job.text } satisfies WorkerRequest);
  }

  private onTimeout(slot: Slot, job: Job): void {
    if (slot.dead || slot.current !== job) return;
    const index = this.slots.indexOf(slot);
    const seconds = (this.opts.hardLimitMs / 1000).toFixed(0);
    this.opts.log(`analysis of ${job.uri} exceeded ${seconds} s; its worker is replaced`);
    this.replace(index);
    job.resolve({ result: errorResult(job.path, `not analysed: parsing and analysing took longer than ${seconds} s`) });
  }

  private finish(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.current = undefined;
  }

  /**
   * Terminates slot `index`'s worker and puts a fresh one in its place (its trees are lost).
   * Queued jobs move to the new worker; the caller settles the running one.
   */
  private replace(index: number): void {
    const old = this.slots[index];
    const queued = old.queue;
    old.queue = [];
    void this.retire(old);
    if (this.closed) {
      for (const job of queued) job.resolve({ cancelled: true });
      return;
    }
    const fresh = this.spawn();
    fresh.queue = queued;
    this.slots[index] = fresh;
  }

  private async retire(slot: Slot): Promise<void> {
    if (slot.dead) return;
    slot.dead = true;
    this.finish(slot);
    await slot.worker.terminate().catch(() => 0);
  }
}
