/**
 * A comparison in the editor: the lens titles above a function that changed since the revision
 * (`vs HEAD: *dev: new cdev was +3, now +2`, `vs HEAD: contract fixed`) and the section its hover
 * gains. Plain text and Markdown; the server places them.
 */
import type { DiagnosticChange, FileReview, FunctionChange } from '../analysis/review/types';
import { escapeText } from './markdown';
import { changedOutcomes, deltaSet, objectName } from './review';

/** What changed in one function: its entry in the review, and the problems in it fixed and introduced. */
export interface FunctionComparison {
  change?: FunctionChange;
  fixed: DiagnosticChange[];
  introduced: DiagnosticChange[];
}

/** The parts of a file's review about the function called `name` in the document. */
export function comparisonOf(review: FileReview, name: string): FunctionComparison {
  const mine = (d: DiagnosticChange) => d.function === name;
  return {
    change: review.functions.find((f) => f.name === name && f.status !== 'removed'),
    fixed: review.diagnostics.fixed.filter(mine),
    introduced: review.diagnostics.introduced.filter(mine),
  };
}

/** Lens titles, each beginning `vs BASE:`; none when nothing changed. */
export function comparisonLensTitles(c: FunctionComparison, base: string): string[] {
  const vs = `vs ${base}:`;
  const out: string[] = [];
  if (c.change?.status === 'added') out.push(`${vs} new function`);
  if (c.change?.status === 'renamed') out.push(`${vs} renamed from ${c.change.previousName}()`);
  for (const o of c.change?.objects ?? []) {
    const what = changedOutcomes(o);
    if (what.length) out.push(`${vs} ${o.object}: ${what.join(' · ')}`);
  }
  const count = (ds: DiagnosticChange[], word: string) => {
    const rules = [...new Set(ds.map((d) => d.rule))];
    if (rules.length) out.push(`${vs} ${rules.map((r) => `${r} ${word}`).join(', ')}`);
  };
  count(c.fixed, 'fixed');
  count(c.introduced, 'introduced');
  return out;
}

/** The hover's section on the comparison (Markdown), or undefined when nothing changed. */
export function comparisonHover(c: FunctionComparison, base: string): string | undefined {
  const lines: string[] = [];
  if (c.change?.status === 'added') lines.push(`- new since ${escapeText(base)}`);
  if (c.change?.status === 'renamed') lines.push(`- renamed from \`${c.change.previousName}()\``);
  for (const o of c.change?.objects ?? []) {
    const what = changedOutcomes(o);
    const how = what.length ? `; ${what.join(', ')}` : '';
    lines.push(`- \`${objectName(o)}\`: ${deltaSet(o.before)} → ${deltaSet(o.after)}${how}`);
  }
  for (const d of c.fixed) lines.push(`- fixed: **${d.rule}** (line ${d.line} there): ${escapeText(d.message)}`);
  for (const d of c.introduced) lines.push(`- introduced: **${d.rule}** (line ${d.line}): ${escapeText(d.message)}`);
  if (!lines.length) return undefined;
  return [`**Compared with ${escapeText(base)}**`, '', ...lines].join('\n');
}
