/**
 * The words of a review (src/analysis/review/): a set of deltas (`{0, +1, +3}`), what changed
 * per outcome of a path in the path table's words (`new cdev: +3 → +2; existing cdev: +1 → +1`),
 * `was +3, now +2` for the editor, a function's head line and a verdict's change. The CLI's text
 * and Markdown, and the server's lenses and hovers, say them the same way.
 */
import type { Outcome } from '../analysis/review/outcome';
import type { DiagnosticChange, FunctionChange, ObjectChange, TraceChange } from '../analysis/review/types';
import { signed } from './format';

/** `{0, +1, +3}`; `none` when the object is not counted on that side. */
export function deltaSet(xs: readonly number[]): string {
  return xs.length ? `{${xs.map(signed).join(', ')}}` : 'none';
}

/** `+3`, `+1, +3`, or `none` for an outcome no path has on that side. */
function values(xs: readonly number[]): string {
  return xs.length ? xs.map(signed).join(', ') : 'none';
}

/** An outcome in the lens's words: `new cdev`, `existing cdev`; the paths that leave it alone are `other paths`. */
export function outcomeWords(outcome: Outcome, kind: string): string {
  return outcome === 'none' ? 'other paths' : `${outcome} ${kind}`;
}

/** `*dev (cdev)`, `td (thread, td_ucredref)`. */
export function objectName(o: Pick<ObjectChange, 'object' | 'kind' | 'counter'>): string {
  return `${o.object} (${o.kind}${o.counter ? `, ${o.counter}` : ''})`;
}

/** `*dev (cdev): {0, +1, +3} → {0, +1, +2}`. */
export function objectChangeLine(o: ObjectChange): string {
  return `${objectName(o)}: ${deltaSet(o.before)} → ${deltaSet(o.after)}`;
}

/** `new cdev: +3 → +2; existing cdev: +1 → +1; other paths: 0 → 0`. */
export function outcomesLine(o: ObjectChange): string {
  return o.outcomes
    .map((x) => `${outcomeWords(x.outcome, o.kind)}: ${values(x.before)} → ${values(x.after)}`)
    .join('; ');
}

/** `was +3, now +2`; `was none, now +1` for an outcome new to the head. */
export function wasNow(before: readonly number[], after: readonly number[]): string {
  return `was ${values(before)}, now ${values(after)}`;
}

/** The outcomes whose deltas changed, each with `was …, now …`: `new cdev was +3, now +2`. */
export function changedOutcomes(o: ObjectChange): string[] {
  return o.outcomes
    .filter((x) => x.before.join() !== x.after.join())
    .map((x) => `${outcomeWords(x.outcome, o.kind)} ${wasNow(x.before, x.after)}`);
}

/** `tunclone() line 563 (line 561 before)`, `rvw_read_stats() line 124, renamed from rvw_stats() line 67`. */
export function functionHeading(f: FunctionChange): string {
  const at = (line: number | undefined) => (line !== undefined ? ` line ${line}` : '');
  switch (f.status) {
    case 'added':
      return `${f.name}()${at(f.line)}, new`;
    case 'removed':
      return `${f.name}()${at(f.baseLine)}, removed`;
    case 'renamed':
      return `${f.name}()${at(f.line)}, renamed from ${f.previousName}()${at(f.baseLine)}`;
    default:
      return `${f.name}()${at(f.line)}${f.baseLine !== f.line ? ` (line ${f.baseLine} before)` : ''}`;
  }
}

/** What else changed in a function: its problems and its cuts. */
export function functionNotes(f: FunctionChange): string[] {
  const n = (k: number, what: string) => (k ? [`${k} ${what}`] : []);
  const notes = [...n(f.fixed, 'fixed'), ...n(f.introduced, 'introduced'), ...n(f.updated, 'reworded')];
  if (f.truncated)
    notes.push(f.truncated.after ? 'its analysis is now cut short by a budget' : 'its analysis is no longer cut short');
  return notes;
}

/** `tunclone(): dev_clone handler ...` with the rename when there was one. */
export function diagnosticLine(d: DiagnosticChange): string {
  const fn = d.function ? `${d.function}(): ` : '';
  return `${fn}${d.message}`;
}

/** `✗ jail test stays DYING …`, `✓ jail test removed`: one side's verdicts. */
export function verdictWords(v: TraceChange['before']): string[] {
  if (!v) return ['(no trace on this side)'];
  return v.verdicts.map((reason, i) => `${v.states[i]?.good ? '✓' : '✗'} ${reason}`);
}

/**
 * A verdict's change in one line, each side's summary up to its explanation:
 * `✗ jail test stays DYING → ✓ jail test removed; all objects freed`.
 */
export function verdictSummary(t: TraceChange): string {
  const say = (v: TraceChange['before']) => (v ? `${v.ok ? '✓' : '✗'} ${v.summary.split(': ')[0]}` : 'no trace');
  return t.changed ? `${say(t.before)} → ${say(t.after)}` : `unchanged: ${say(t.after ?? t.before)}`;
}
