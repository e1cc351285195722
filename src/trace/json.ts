/**
 * The trace as JSON (the contract the CLI prints with --format json and the server returns):
 * {scenario, steps[{seq, event, function, line, object, kind, before, after}], final{objects[]},
 *  verdicts[{subject, state, reason}]} plus the calls, events, problems and roles behind them.
 */
import { nameTable } from '../analysis/tables';
import type { TraceResult } from './types';

export function traceToJson(t: TraceResult, indent = 1): string {
  return JSON.stringify(t, null, indent);
}

/** Counts of every object after each step (index 0: before any step), for timelines. */
export function countsByStep(t: TraceResult): Record<string, number>[] {
  const cur = nameTable<number>();
  const out: Record<string, number>[] = [nameTable<number>()];
  for (const s of t.steps) {
    cur[s.object] = s.after;
    out.push(nameTable(cur));
  }
  return out;
}

/** Objects in the order they first appear, with their kind. */
export function lanes(t: TraceResult): { id: string; kind: string }[] {
  const seen = new Map<string, string>();
  for (const s of t.steps) if (!seen.has(s.object)) seen.set(s.object, s.kind);
  for (const o of t.final.objects) if (!seen.has(o.id)) seen.set(o.id, o.kind);
  return [...seen].map(([id, kind]) => ({ id, kind }));
}
