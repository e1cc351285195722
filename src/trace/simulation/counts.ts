/**
 * Simulated objects and every change of their counts. Each change is a step of the trace; an
 * object whose count reaches 0 is freed, and releases what it held (a cdev its credential, a
 * credential its prison).
 */
import type { TraceStep } from '../types';
import type { Sim } from './sim';
import type { Ctx, Holder, SimObject, World } from './world';

export interface StepAt {
  fn: string;
  line: number;
  kernel?: boolean;
  via: string[];
  note?: string;
  path?: number;
}

export class Counts {
  constructor(private sim: Sim) {}

  private get w(): World {
    return this.sim.world;
  }

  newObject(kind: string, name: string, id?: string): SimObject {
    const { objects } = this.w;
    let oid = id ?? (kind === 'cdev' ? name : `${kind} ${name}`);
    if (objects.some((o) => o.id === oid)) {
      let k = 2;
      while (objects.some((o) => o.id === `${oid}#${k}`)) k++;
      oid = `${oid}#${k}`;
    }
    const o: SimObject = {
      id: oid,
      kind,
      name,
      count: 0,
      holders: [],
      holds: [],
      destroyed: false,
      freed: false,
      aliases: [],
    };
    objects.push(o);
    return o;
  }

  record(o: SimObject, before: number, op: TraceStep['op'], call: string, at: StepAt): void {
    this.w.steps.push({
      seq: this.w.steps.length + 1,
      event: this.w.eventText,
      eventIndex: this.w.eventIndex,
      function: at.fn,
      line: at.line,
      where: this.w.placeOf(at.fn, at.line, !!at.kernel),
      object: o.id,
      kind: o.kind,
      before,
      after: o.count,
      op,
      call,
      ...(at.note ? { note: at.note } : {}),
      ...(at.kernel ? { kernel: true } : {}),
      via: at.via,
      ...(at.path !== undefined ? { path: at.path } : {}),
    });
  }

  /** A kernel-side change (not a line of the file). */
  change(o: SimObject, delta: number, op: TraceStep['op'], call: string, holder: Holder | undefined, at: StepAt): void {
    const before = o.count;
    o.count += delta;
    if (holder && delta > 0) for (let i = 0; i < delta; i++) o.holders.push(i === 0 ? holder : { ...holder });
    this.record(o, before, op, call, at);
    if (o.count <= 0 && before > 0) this.free(o, at.fn, at.line, at.via);
  }

  /** `holderObj` takes a reference on `held` (a new cdev on its creator's credential). */
  holdObject(
    holderObj: SimObject,
    held: SimObject,
    call: string,
    note: string,
    fn: string,
    line: number,
    via: string[],
    inv: number,
  ): void {
    const before = held.count;
    held.count++;
    held.holders.push({
      type: 'object',
      label: `${holderObj.kind} ${holderObj.name}`,
      objectId: holderObj.id,
      inv,
      fn,
      line,
    });
    holderObj.holds.push(held.id);
    this.record(held, before, 'acquire', call, { fn, line, kernel: true, via, note });
  }

  /** Drop one reference: the holder `pick` chooses (the last one, or the first with `fifo`), else any reference. */
  releaseHolder(
    o: SimObject,
    pick: (h: Holder) => boolean,
    call: string,
    note: string,
    fn: string,
    line: number,
    via: string[],
    kernel: boolean,
    fifo = false,
  ): void {
    if (o.freed) return;
    let k = fifo ? o.holders.findIndex(pick) : findLastIndex(o.holders, pick);
    if (k < 0) k = o.holders.findIndex((h) => h.type === 'ref');
    if (k < 0) k = o.holders.findIndex((h) => h.type !== 'existence');
    if (k >= 0) o.holders.splice(k, 1);
    const before = o.count;
    o.count--;
    this.record(o, before, 'release', call, { fn, line, kernel, via, note });
    if (o.count < 0)
      this.w.problems.push({
        severity: 'warning',
        message: `${o.id} was released below zero by ${call}${line ? ` at line ${line}` : ''} (over-release)`,
        line: line || undefined,
      });
    if (o.count <= 0 && before > 0) this.free(o, fn, line, via);
  }

  /** A counted step of the file's code: an acquire, a release or a destroy on `o`. */
  apply(
    o: SimObject,
    delta: number,
    op: 'acquire' | 'release' | 'destroy',
    call: string,
    ctx: Ctx,
    fn: string,
    line: number,
    pathId?: number,
    note?: string,
    touched?: Map<SimObject, number>,
    stored?: boolean,
  ): void {
    if (touched && !touched.has(o)) touched.set(o, o.count);
    if (o.freed) {
      this.w.problems.push({
        severity: 'warning',
        message: `${fn}() line ${line}: ${call}() on ${o.id} after it was freed (use after free)`,
        line,
      });
      return;
    }
    const before = o.count;
    if (op === 'acquire') {
      const n = Math.max(1, delta);
      o.count += n;
      for (let i = 0; i < n; i++)
        o.holders.push({
          type: 'ref',
          label: `${note ? `${note} (${call})` : call} at line ${line} in ${fn}`,
          fn,
          call,
          line,
          inv: ctx.inv,
          stored,
        });
      this.record(o, before, 'acquire', call, { fn, line, via: ctx.via, note, path: pathId });
      return;
    }
    const n = Math.max(1, Math.abs(delta));
    for (let i = 0; i < n; i++) {
      let k = -1;
      if (op === 'destroy') k = o.holders.findIndex((h) => h.type === 'existence');
      if (k < 0) k = findLastIndex(o.holders, (h) => h.type === 'ref' && h.inv === ctx.inv);
      if (k < 0) k = findLastIndex(o.holders, (h) => h.type === 'ref' && h.fn === fn);
      if (k < 0) k = o.holders.findIndex((h) => h.type === 'ref');
      if (k < 0 && op === 'destroy') k = o.holders.findIndex((h) => h.type !== 'object');
      if (k >= 0) o.holders.splice(k, 1);
    }
    o.count -= n;
    if (op === 'destroy') {
      o.destroyed = true;
      o.destroyedBy = { fn, line };
    }
    this.record(o, before, op, call, { fn, line, via: ctx.via, note, path: pathId });
    if (o.count < 0)
      this.w.problems.push({
        severity: 'warning',
        message: `${fn}() line ${line}: ${call}() takes ${o.id} below zero (over-release)`,
        line,
      });
    if (o.count <= 0 && before > 0) this.free(o, fn, line, ctx.via);
  }

  private free(o: SimObject, fn: string, line: number, via: string[]): void {
    if (o.freed) return;
    o.freed = true;
    const spec = this.w.env.kinds[o.kind];
    for (const id of o.holds) {
      const held = this.w.objects.find((x) => x.id === id);
      if (!held || held.freed) continue;
      this.releaseHolder(
        held,
        (h) => h.objectId === o.id,
        spec?.onFree?.call ?? 'release',
        spec?.onFree?.note ?? `${o.id} is freed`,
        fn,
        line,
        [...via, `${o.id} freed`],
        true,
      );
    }
    if (o.kind === 'prison') this.sim.kernel.prisonFreed(o);
  }
}

function findLastIndex<T>(a: T[], p: (x: T) => boolean): number {
  for (let i = a.length - 1; i >= 0; i--) if (p(a[i])) return i;
  return -1;
}
