/**
 * The analysis worker threads of the CLI and of the language server: one pool, one worker
 * script (dist/worker.js).
 *
 * - A job for an open document (`doc`, the editor) goes to that document's own worker, which
 *   keeps its parse tree between versions; `cancel` drops its queued and running jobs (a
 *   running one by replacing the worker), `forget` also frees its tree, `reconfigure` starts
 *   every worker again with new options.
 * - Other jobs (the CLI's files) go to whichever worker is free; a tree visit of a file visited
 *   before in the same cycle of files goes to the worker that made its last visit (which kept
 *   the file's functions), unless that one is busy and another has nothing else to do
 *   (`nextShared`); a visit another worker makes takes along the costly per-function results the
 *   last visit's reply handed over (`handover`). Files longer than
 *   `heavyChars` run one at a time over the pool, and the worker that took one is replaced
 *   afterwards (the parser's wasm memory and V8's heap only grow).
 * - A worker that throws, runs out of heap, exits, or holds a job longer than the watchdog
 *   (`timeoutMs`) is terminated and replaced; its job comes back as a FileResult whose
 *   `error` says what happened, and the other jobs go on. Three workers that fail to start
 *   end the pool: every job then gets that reason.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { errorResult, type FileResult } from '../analysis/result';
import type { AnalyzeRequest, WorkerReply, WorkerRequest, WorkerSetup } from './protocol';
import type { TreeFileContext, TreeVisit } from '../analysis/tree/context';
import type { PresetName } from '../analysis/model/load';
import type { TreeShard } from '../analysis/tree/shard';
import type { PackedHandover } from './revisits';
import type { Prepassed } from '../analysis/analyzer';

/** A job's end: its result, or cancelled (a newer version, a reconfiguration, the pool closing). */
export type Outcome =
  | { result: FileResult; visit?: TreeVisit; shard?: TreeShard; prepassed?: Prepassed }
  | { cancelled: true };

/** How the errors of failed jobs are worded for the pool's user. */
export interface FailureWording {
  /** The error of a job that failed for `why` (a crash, the watchdog, ...). */
  result(why: string): string;
  /** Said after the watchdog's limit: which option sets it. */
  timeoutHint: string;
  /** Said after the heap limit: how to raise it. */
  memoryHint: string;
}

export interface PoolOptions {
  /** The worker script (dist/worker.js). */
  script: string;
  size: number;
  setup: WorkerSetup;
  /** The watchdog: wall-clock limit of one job (parse and analysis), in ms. */
  timeoutMs: number;
  /** Heap limit of one worker, in MB. */
  maxMemoryMb: number;
  /** Jobs without a document longer than this (characters) are heavy (see above). */
  heavyChars?: number;
  /**
   * Shared jobs posted to a busy worker behind the one it runs (none when not given): it starts the next
   * the moment it ends one, without waiting for this thread to take the result and send another. `shards`:
   * how many when they are all shards (a scan of the text: milliseconds each), `jobs` otherwise.
   */
  ahead?: { jobs: number; shards: number };
  wording: FailureWording;
  log?: (msg: string) => void;
}

export interface JobRequest {
  path: string;
  text: string;
  doc?: string;
  cacheKey?: string;
  tree?: TreeFileContext;
  /** A tree visit the run may make again: it goes to the worker that made the last one when it can (`nextShared`). */
  again?: boolean;
  /** Only the text's shard, with this preset's model (`shard` in the outcome; a failed job has none). */
  shard?: PresetName;
  /** With `shard`: the outcome also holds the text's pre-pass (`prepassed`). */
  withPrepass?: boolean;
  /** Of a tree visit: the text's pre-pass, made with its shard. */
  prepassed?: Prepassed;
}

interface Job extends JobRequest {
  id: number;
  resolve: (o: Outcome) => void;
}

interface Slot {
  worker: Worker;
  /** Where the worker's replies arrive, apart from its error and exit events (see `drain`). */
  replies: MessagePort;
  ready: boolean;
  /** Jobs of the documents that live in this worker. */
  queue: Job[];
  current?: Job;
  /** Shared jobs posted behind `current`, in order (`PoolOptions.ahead`). */
  ahead: Job[];
  heavy?: boolean;
  timer?: NodeJS.Timeout;
  /** Replaced, recycled or closed: its late events are ignored. */
  dead: boolean;
  /** The number macros last posted to the worker (`numbers`): contexts with the same table go without it. */
  numbers?: Record<string, string>;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  /** Jobs without a document, for any free worker. */
  private shared: Job[] = [];
  /** Each open document's worker (index into `slots`). */
  private readonly home = new Map<string, number>();
  /** The worker that made the last visit of a file its tree run visits again (it keeps that file's functions). */
  private readonly lastVisit = new Map<string, Slot>();
  /** The costly per-function results of such a file's last visit, for a next visit another worker makes. */
  private readonly handover = new Map<string, PackedHandover>();
  private nextId = 1;
  private nextHome = 0;
  private closed = false;
  private initFailures = 0;
  private fatal?: string;
  /** Workers being ended; close() waits for them so none is torn down by the process exit. */
  private readonly ending = new Set<Promise<unknown>>();
  /** Workers replaced after a crash, the watchdog or a failed start. */
  replaced = 0;

  constructor(private opts: PoolOptions) {
    for (let i = 0; i < Math.max(1, opts.size); i++) this.slots.push(this.spawn());
  }

  run(request: JobRequest): Promise<Outcome> {
    if (this.closed) return Promise.resolve({ cancelled: true });
    if (this.fatal) return Promise.resolve({ result: errorResult(request.path, this.fatal) });
    return new Promise((resolve) => {
      const job: Job = { ...request, id: this.nextId++, resolve };
      if (request.doc === undefined) {
        this.shared.push(job);
        this.pumpAll();
      } else {
        const slot = this.slots[this.homeOf(request.doc)];
        slot.queue.push(job);
        this.pump(slot);
      }
    });
  }

  /**
   * A tree run will not visit these files again: the worker that made the last visit of each lets go
   * what it kept for the next (its per-function results and parse).
   */
  settled(paths: readonly string[]): void {
    for (const path of paths) {
      const slot = this.lastVisit.get(path);
      this.lastVisit.delete(path);
      this.handover.delete(path);
      if (slot && !slot.dead) slot.worker.postMessage({ type: 'settled', path } satisfies WorkerRequest);
    }
  }

  /** Drops the queued and running jobs of `doc` (they resolve as cancelled). */
  cancel(doc: string): void {
    const index = this.home.get(doc);
    if (index === undefined) return;
    const slot = this.slots[index];
    for (const job of slot.queue.filter((j) => j.doc === doc)) job.resolve({ cancelled: true });
    slot.queue = slot.queue.filter((j) => j.doc !== doc);
    if (slot.current?.doc === doc) {
      const job = slot.current;
      this.opts.log?.(`analysis of ${doc} cancelled: a newer version arrived; its worker is replaced`);
      this.replace(index);
      job.resolve({ cancelled: true });
    }
  }

  /**
   * Drops the queued jobs without a document (they resolve as cancelled); running ones finish.
   * The server's index is cancelled this way, and its open documents' jobs are not touched.
   */
  dropShared(): void {
    for (const job of this.shared.splice(0)) job.resolve({ cancelled: true });
  }

  /** The document closed: cancel its work and free its tree in the worker. */
  forget(doc: string): void {
    this.cancel(doc);
    const index = this.home.get(doc);
    if (index === undefined) return;
    this.home.delete(doc);
    const slot = this.slots[index];
    if (!slot.dead) slot.worker.postMessage({ type: 'forget', doc } satisfies WorkerRequest);
  }

  /** New analyzer options: every worker is replaced; running and queued jobs are cancelled. */
  reconfigure(setup: WorkerSetup): void {
    this.opts = { ...this.opts, setup };
    const dropped = this.shared.splice(0);
    for (let i = 0; i < this.slots.length; i++) {
      const { current, queue } = this.slots[i];
      this.slots[i].queue = [];
      dropped.push(...(current ? [current] : []), ...this.slots[i].ahead, ...queue);
      this.slots[i].ahead = [];
      this.replace(i);
    }
    this.home.clear();
    for (const job of dropped) job.resolve({ cancelled: true });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.shared.splice(0)) job.resolve({ cancelled: true });
    for (const slot of this.slots) {
      for (const job of [...(slot.current ? [slot.current] : []), ...slot.ahead, ...slot.queue])
        job.resolve({ cancelled: true });
      slot.queue = [];
      slot.ahead = [];
      this.end(slot);
    }
    await Promise.all([...this.ending]);
  }

  private homeOf(doc: string): number {
    let index = this.home.get(doc);
    if (index === undefined) {
      index = this.nextHome++ % this.slots.length;
      this.home.set(doc, index);
    }
    return index;
  }

  private spawn(): Slot {
    const { port1: replies, port2 } = new MessageChannel();
    const worker = new Worker(this.opts.script, {
      workerData: { ...this.opts.setup, replies: port2 } satisfies WorkerSetup,
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxMemoryMb },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, replies, ready: false, queue: [], ahead: [], dead: false };
    worker.on('message', (m: WorkerReply) => this.onMessage(slot, m));
    replies.on('message', (m: WorkerReply) => this.onMessage(slot, m));
    worker.on('error', (e: Error & { code?: string }) => {
      if (slot.dead) return;
      const why =
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `the analysis ran out of memory (over ${this.opts.maxMemoryMb} MB${this.opts.wording.memoryHint})`
          : `the analysis crashed (${oneLine(e.message)})`;
      this.fail(slot, why, !slot.ready);
    });
    worker.on('exit', (code) => {
      if (slot.dead || this.closed) return;
      this.fail(slot, `the analysis worker exited unexpectedly (code ${code})`, !slot.ready);
    });
    return slot;
  }

  private onMessage(slot: Slot, m: WorkerReply): void {
    if (slot.dead) return;
    if (m.type === 'ready') {
      slot.ready = true;
      this.pump(slot);
    } else if (m.type === 'init-error') {
      this.fail(slot, `the analysis worker could not start: ${m.message}`, true);
    } else if (m.type === 'result' && slot.current?.id === m.id) {
      const job = slot.current;
      this.finish(slot);
      if (job.again) {
        if (m.handover) this.handover.set(job.path, m.handover);
        else this.handover.delete(job.path);
      }
      // the worker went on with the next job posted to it
      const next = slot.ahead.shift();
      if (next) this.started(slot, next);
      job.resolve(
        m.visit
          ? { result: m.result, visit: m.visit }
          : m.shard
            ? { result: m.result, shard: m.shard, prepassed: m.prepassed }
            : { result: m.result },
      );
      if (slot.heavy) this.recycle(slot);
      this.pumpAll();
    }
  }

  /** A worker failed (crash, heap, exit, watchdog): its job gets the reason, a new worker takes its place. */
  private fail(slot: Slot, why: string, duringInit: boolean): void {
    if (slot.dead) return;
    this.drain(slot);
    if (slot.dead) return;
    const index = this.slots.indexOf(slot);
    const job = slot.current;
    this.finish(slot);
    // the jobs posted behind the failed one go to the other workers
    this.shared.unshift(...slot.ahead.splice(0));
    this.opts.log?.(`${why}${job ? ` while analysing ${job.doc ?? job.path}` : ''}; starting a new worker`);
    job?.resolve({ result: errorResult(job.path, this.opts.wording.result(why)) });
    if (duringInit && ++this.initFailures >= 3) {
      // the workers cannot start: no job will run, now or later
      this.fatal = why;
      this.end(slot);
      const waiting = this.shared.splice(0);
      for (const s of this.slots) waiting.push(...s.queue.splice(0));
      for (const j of waiting) j.resolve({ result: errorResult(j.path, why) });
      return;
    }
    this.replaced++;
    this.replace(index);
    this.pumpAll();
  }

  /**
   * Takes the replies the worker sent before it failed. Its error and exit events travel apart from its
   * messages and may overtake them: a result already sent would otherwise be taken for the job that
   * failed, and the job the worker really ran when it failed for one posted behind it.
   */
  private drain(slot: Slot): void {
    for (let m = receiveMessageOnPort(slot.replies); m && !slot.dead; m = receiveMessageOnPort(slot.replies))
      this.onMessage(slot, m.message as WorkerReply);
  }

  /** Replaces a healthy worker (after a heavy file) to give its memory back. */
  private recycle(slot: Slot): void {
    this.replace(this.slots.indexOf(slot));
  }

  /**
   * Terminates slot `index`'s worker and puts a fresh one in its place (its trees are lost).
   * Queued jobs move to the new worker; the caller settles the running one.
   */
  private replace(index: number): void {
    if (index < 0) return;
    const old = this.slots[index];
    const queued = old.queue;
    old.queue = [];
    this.end(old);
    if (this.closed) {
      for (const job of queued) job.resolve({ cancelled: true });
      return;
    }
    const fresh = this.spawn();
    fresh.queue = queued;
    this.slots[index] = fresh;
  }

  private end(slot: Slot): void {
    if (slot.dead) return;
    slot.dead = true;
    for (const [file, last] of this.lastVisit) if (last === slot) this.lastVisit.delete(file);
    this.finish(slot);
    slot.replies.close();
    const ended = slot.worker
      .terminate()
      .catch(() => 0)
      .finally(() => this.ending.delete(ended));
    this.ending.add(ended);
  }

  private finish(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.current = undefined;
  }

  private isHeavy(job: Job): boolean {
    // a shard is a scan of the text, no parse: the worker's memory does not grow with it
    return job.doc === undefined && !job.shard && job.text.length > (this.opts.heavyChars ?? Infinity);
  }

  /**
   * Which shared job `slot` takes: the first it may take whose file it visited last or that no
   * other live worker visited last (a worker keeps the per-function results of a file's
   * previous visit), else the first whose last worker is busy: a free worker never waits for
   * another. -1: none.
   */
  private nextShared(slot: Slot): number {
    const heavyBusy = this.slots.some((s) => s.current && s.heavy);
    let first = -1;
    for (let k = 0; k < this.shared.length; k++) {
      const job = this.shared[k];
      if (heavyBusy && this.isHeavy(job)) continue;
      const last = job.again ? this.lastVisit.get(job.path) : undefined;
      if (!last || last === slot || last.dead) return k;
      if (first < 0 && (last.current || !last.ready)) first = k;
    }
    return first;
  }

  private pumpAll(): void {
    for (const slot of this.slots) this.pump(slot);
  }

  /**
   * Gives an idle, ready worker its next job: its documents' first, then a shared one; and a busy one
   * running a shared job the shared jobs it may take next, up to `ahead` of them.
   */
  private pump(slot: Slot): void {
    if (slot.dead || !slot.ready) return;
    if (!slot.current) {
      let job = slot.queue.shift();
      if (!job && this.shared.length) {
        const k = this.nextShared(slot);
        if (k < 0) return;
        job = this.shared.splice(k, 1)[0];
      }
      if (!job) return;
      slot.heavy = this.isHeavy(job);
      this.started(slot, job);
      this.post(slot, job);
    }
    // nothing goes behind a heavy job (its worker is replaced after it) or before a document's
    const { jobs = 0, shards = 0 } = this.opts.ahead ?? {};
    while (slot.ahead.length < Math.max(jobs, shards) && !slot.heavy && slot.current?.doc === undefined) {
      if (slot.queue.length) return;
      const k = this.nextAhead(slot);
      if (k < 0) return;
      const all = [slot.current, ...slot.ahead, this.shared[k]];
      if (slot.ahead.length >= (all.every((j) => j?.shard) ? shards : jobs)) return;
      const job = this.shared.splice(k, 1)[0];
      slot.ahead.push(job);
      this.post(slot, job);
    }
  }

  /** The shared job a busy `slot` may take next: not heavy, and its file's last visit (if any) was `slot`'s. */
  private nextAhead(slot: Slot): number {
    return this.shared.findIndex((job) => {
      if (this.isHeavy(job)) return false;
      const last = job.again ? this.lastVisit.get(job.path) : undefined;
      return !last || last === slot || last.dead;
    });
  }

  /** `job` is the one `slot`'s worker runs now: the watchdog starts. */
  private started(slot: Slot, job: Job): void {
    slot.current = job;
    slot.timer = setTimeout(() => {
      if (slot.dead || slot.current !== job) return;
      this.fail(
        slot,
        `the analysis took longer than ${fmtSeconds(this.opts.timeoutMs)}${this.opts.wording.timeoutHint}` +
          ' and was stopped',
        false,
      );
    }, this.opts.timeoutMs);
  }

  private post(slot: Slot, job: Job): void {
    // another worker made the file's last visit: it takes that visit's costly results along
    const handed = job.again && this.lastVisit.get(job.path) !== slot ? this.handover.get(job.path) : undefined;
    // the tree's number macros are the same table for every file of a run: posted once, not with every context
    let tree = job.tree;
    const numbers = tree?.numbers;
    if (tree && numbers) {
      if (slot.numbers !== numbers) slot.worker.postMessage({ type: 'numbers', numbers } satisfies WorkerRequest);
      slot.numbers = numbers;
      const { numbers: _, ...rest } = tree;
      tree = rest;
    }
    const request: AnalyzeRequest = {
      type: 'analyze',
      id: job.id,
      path: job.path,
      text: job.text,
      doc: job.doc,
      cacheKey: job.cacheKey,
      tree,
      numbersSent: !!numbers || undefined,
      again: job.again,
      handed,
      shard: job.shard,
      withPrepass: job.withPrepass,
      prepassed: job.prepassed,
    };
    if (job.again) this.lastVisit.set(job.path, slot);
    slot.worker.postMessage(request satisfies WorkerRequest);
  }
}

function oneLine(s: string): string {
  return s.split('\n')[0].slice(0, 200);
}
function fmtSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
