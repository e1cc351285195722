/**
 * Lens titles above a function: one per counted object, summing up what the paths do to it
 * (`*dev cdev: +3 new · +1 existing · 0 on 15 paths`), one per problem in its rule's wording
 * (the registry's `lens`, from the diagnostic's detail), and one when a budget cut the analysis. Words come from the
 * deltas and return
 * classes, never from driver names.
 */
import type { Delta, Diagnostic, FunctionResult, PathClass } from '../analysis/result';
import { lensTitle } from '../analysis/checks/registry';
import { signed } from './format';
import { outcomeOf } from '../analysis/review/outcome';

export interface LensView {
  title: string;
  /** The path class the lens opens (a problem's first path). */
  path?: number;
}

/** What one path does to an object, in a word (the review's outcomes, src/analysis/review/outcome.ts). */
export function deltaWord(d: Delta): string {
  const o = outcomeOf(d);
  return o === 'none' ? '' : o;
}

/** Return classes that mean "failed": a kernel error number, non-zero status or NULL. */
function looksLikeError(p: PathClass): boolean {
  const c = p.exit.returnClass;
  return c === 'nonzero' || c === 'NULL' || /^-?E[A-Z0-9]+$/.test(p.exit.returns) || /^-\d+$/.test(c);
}

/** `+3 new · +1 existing · 0 on 15 paths` for one object of one function. */
export function objectSummary(fn: FunctionResult, object: string, counter?: string): string {
  const groups = new Map<string, { delta: number; word: string; paths: number; errors: number }>();
  for (const path of fn.paths) {
    const d = path.deltas.find((x) => x.object === object && x.counter === counter);
    const delta = d?.delta ?? 0;
    const word = d ? deltaWord(d) : '';
    const key = `${delta}|${word}`;
    const g = groups.get(key) ?? { delta, word, paths: 0, errors: 0 };
    g.paths += path.merged;
    if (looksLikeError(path)) g.errors += path.merged;
    groups.set(key, g);
  }
  return [...groups.values()]
    .sort((a, b) => b.delta - a.delta || a.word.localeCompare(b.word))
    .map((g) => {
      const head = `${signed(g.delta)}${g.word ? ` ${g.word}` : ''}`;
      if (g.delta !== 0) return head;
      const kind = g.errors === g.paths ? 'error ' : '';
      return `${head} on ${g.paths} ${kind}path${g.paths === 1 ? '' : 's'}`;
    })
    .join(' · ');
}

/** The counted objects of a function, in order of first appearance. */
export function objectsOf(fn: FunctionResult): { object: string; kind: string; counter?: string }[] {
  const seen = new Map<string, { object: string; kind: string; counter?: string }>();
  for (const p of fn.paths) {
    for (const d of p.deltas) {
      const key = `${d.object}|${d.counter ?? ''}`;
      if (!seen.has(key)) seen.set(key, { object: d.object, kind: d.kind, counter: d.counter });
    }
  }
  return [...seen.values()];
}

/** The lenses of one function, given the file's diagnostics. */
export function functionLenses(fn: FunctionResult, diagnostics: readonly Diagnostic[]): LensView[] {
  const lenses: LensView[] = [];
  for (const o of objectsOf(fn)) {
    const name = `${o.object} ${o.kind}${o.counter ? ` ${o.counter}` : ''}`;
    lenses.push({ title: `${name}: ${objectSummary(fn, o.object, o.counter)}` });
  }
  for (const d of diagnostics) {
    if (d.function !== fn.name || d.line < fn.range.line || d.line > fn.range.endLine) continue;
    const title = lensTitle(d);
    if (title) lenses.push({ title, path: d.paths?.[0] });
  }
  return lenses;
}

/** The lens that says a budget cut the analysis, when one did. */
export function cutLens(fn: FunctionResult): LensView | undefined {
  if (!fn.truncated || !fn.truncatedReason) return undefined;
  const reason = fn.truncatedReason;
  return { title: reason.startsWith('not analysed') ? `⚠ ${reason}` : `⚠ analysis cut short: ${reason}` };
}
