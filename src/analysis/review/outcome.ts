/**
 * What the paths of one function do to each object it counts: the distinct net deltas over its
 * path classes, and the same per outcome of a path (the lens's `+3 new · +1 existing · 0`).
 */
import type { Delta, FunctionResult } from '../result';

/** What one path does to an object: makes a new one, takes a reference on an existing one, ... */
export type Outcome = 'new' | 'existing' | 'destroyed' | 'released' | 'none';

/** In the lens's order: the largest changes first. */
export const OUTCOMES: readonly Outcome[] = ['new', 'existing', 'none', 'released', 'destroyed'];

export function outcomeOf(d: Delta | undefined): Outcome {
  if (!d) return 'none';
  if (d.existence > 0) return 'new';
  if (d.existence < 0) return 'destroyed';
  if (d.refs > 0) return 'existing';
  if (d.refs < 0) return 'released';
  return 'none';
}

export interface ObjectCounts {
  object: string;
  kind: string;
  counter?: string;
  /** Distinct net deltas over all path classes, ascending (0 for a class that leaves it alone). */
  all: number[];
  byOutcome: Map<Outcome, number[]>;
}

/**
 * The key of an object within a function: its access path and, for a separate counter, the
 * counter. An overwritten value's name holds a line (`p (overwritten at line 56)`): the key
 * holds it relative to the function's line, so moving the function keeps the object.
 */
export function objectKey(o: { object: string; counter?: string }, fnLine: number): string {
  const object = o.object.replace(
    /\(overwritten at line (\d+)\)/g,
    (_, n) => `(overwritten at +${Number(n) - fnLine})`,
  );
  return `${object}|${o.counter ?? ''}`;
}

/** Every object the function's paths count, in order of first appearance. */
export function objectCounts(fn: FunctionResult): Map<string, ObjectCounts> {
  const out = new Map<string, ObjectCounts>();
  for (const p of fn.paths)
    for (const d of p.deltas) {
      const key = objectKey(d, fn.line);
      if (!out.has(key))
        out.set(key, { object: d.object, kind: d.kind, counter: d.counter, all: [], byOutcome: new Map() });
    }
  for (const o of out.values()) {
    // by its name on this side: the key is only for telling objects apart across sides
    const all = new Set<number>();
    for (const p of fn.paths) {
      const d = p.deltas.find((x) => x.object === o.object && x.counter === o.counter);
      const delta = d?.delta ?? 0;
      all.add(delta);
      const outcome = outcomeOf(d);
      const list = o.byOutcome.get(outcome) ?? [];
      if (!list.includes(delta)) list.push(delta);
      o.byOutcome.set(outcome, list);
    }
    o.all = ascending(all);
    for (const [k, v] of o.byOutcome) o.byOutcome.set(k, ascending(v));
  }
  return out;
}

function ascending(xs: Iterable<number>): number[] {
  return [...xs].sort((a, b) => a - b);
}
