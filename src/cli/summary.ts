/** The closing summary of a multi-file run: counted as results stream past, never kept. */
import type { FileResult } from '../analysis/result';
import type { Colors } from './format-text';
import { isCheckedRule } from '../analysis/checks/registry';

export interface RunSummary {
  files: number;
  /** Analysed in this run (not from the cache, not failed). */
  analysed: number;
  cached: number;
  /** Files with an error (unreadable, not C, crashed, timed out). */
  failed: number;
  /** Files over the size limit without a function body: nothing to analyse. */
  skipped?: number;
  truncated: number;
  lines: number;
  functions: number;
  /** Functions that touch counted objects. */
  counted: number;
  /** Path classes over all functions. */
  paths: number;
  diagnostics: Record<string, number>;
  problems: number;
  /** Path states the analysed files' functions visited (the budgets' unit: the same on every run). */
  states: number;
  /**
   * Functions a budget cut, the path states and milliseconds spent on them; and functions not
   * analysed because their file's budget was spent.
   */
  cuts: { functions: number; states: number; ms: number; fileBudget: number };
  wallMs: number;
  jobs: number;
  /** Tree mode: the tree behind the reported files, and how much of it came from the index. */
  tree?: {
    files: number;
    lines: number;
    /** Functions that can touch a count. */
    relevant: number;
    /** Groups of files computed together, and those whose summaries and results came from the index. */
    groups: number;
    fromIndex: number;
    /** Files analysed in this run (a file of a cycle across files may be visited more than once). */
    visits: number;
    /** Visits of a file whose outcome the index had for the same text and the same context. */
    visitsFromIndex?: number;
    shardsFromIndex: number;
    /** Index entries found cut short or foreign (taken as missing and rebuilt). */
    torn: number;
    /** The most rounds a cycle of files took; cycles still changing when the rounds ran out. */
    rounds: number;
    unsettled: number;
  };
}

export class SummaryCounter {
  readonly s: RunSummary = {
    files: 0,
    analysed: 0,
    cached: 0,
    failed: 0,
    truncated: 0,
    lines: 0,
    functions: 0,
    counted: 0,
    paths: 0,
    diagnostics: {},
    problems: 0,
    states: 0,
    cuts: { functions: 0, states: 0, ms: 0, fileBudget: 0 },
    wallMs: 0,
    jobs: 0,
  };
  private readonly t0 = performance.now();

  constructor(jobs: number) {
    this.s.jobs = jobs;
  }

  add(r: FileResult, how: { cached: boolean; lines: number }): void {
    const s = this.s;
    s.files++;
    s.lines += how.lines;
    if (r.error) s.failed++;
    else if (r.skipped) s.skipped = (s.skipped ?? 0) + 1;
    else if (how.cached) s.cached++;
    else s.analysed++;
    if (r.truncated) s.truncated++;
    s.functions += r.functions.length;
    for (const f of r.functions) {
      if (f.paths.length) s.counted++;
      s.paths += f.paths.length;
    }
    for (const d of r.diagnostics) {
      s.diagnostics[d.rule] = (s.diagnostics[d.rule] ?? 0) + 1;
      if (d.severity !== 'info') s.problems++;
    }
    if (how.cached) return;
    s.states += r.timing.states ?? 0;
    for (const c of r.timing.cuts ?? []) {
      if (c.fileBudget) s.cuts.fileBudget++;
      else {
        s.cuts.functions++;
        s.cuts.states += c.states;
        s.cuts.ms += c.ms;
      }
    }
  }

  finish(): RunSummary {
    this.s.cuts.ms = Math.round(this.s.cuts.ms);
    this.s.wallMs = Math.round(performance.now() - this.t0);
    return this.s;
  }
}

const n = (x: number) => x.toLocaleString('en-US');
const plural = (x: number, one: string, many = one + 's') => `${n(x)} ${x === 1 ? one : many}`;

export function formatSummary(s: RunSummary, c: Colors): string {
  const secs = s.wallMs / 1000;
  const how = [
    `${n(s.analysed)} analysed`,
    ...(s.cached ? [`${n(s.cached)} from the cache`] : []),
    ...(s.failed ? [c.red(`${n(s.failed)} failed`)] : []),
    ...(s.skipped ? [`${n(s.skipped)} without a function body skipped`] : []),
  ];
  const rate = secs > 0 ? ` (${n(Math.round(s.files / secs))} files/s, ${n(Math.round(s.lines / secs))} lines/s)` : '';
  const rules = Object.entries(s.diagnostics)
    .filter(([r]) => isCheckedRule(r))
    .sort((a, b) => b[1] - a[1]);
  const notes = Object.entries(s.diagnostics).filter(([r]) => !isCheckedRule(r));
  const lines = [
    c.bold('== summary'),
    `  ${plural(s.files, 'file')}, ${n(s.lines)} lines: ${how.join(', ')};` +
      ` ${secs.toFixed(secs < 10 ? 2 : 1)} s with ${s.jobs ? plural(s.jobs, 'worker') : 'no workers'}${rate}`,
    `  ${plural(s.functions, 'function')} (${n(s.counted)} touch counted objects),` +
      ` ${plural(s.paths, 'path class', 'path classes')}` +
      (s.truncated ? c.yellow(`, ${plural(s.truncated, 'file')} cut short`) : ''),
    `  diagnostics: ${rules.length ? rules.map(([r, k]) => `${r} ${n(k)}`).join(', ') : c.green('none')}` +
      (notes.length ? c.dim(`  (notes: ${notes.map(([r, k]) => `${r} ${n(k)}`).join(', ')})`) : ''),
  ];
  const cut = s.cuts;
  if (cut.functions || cut.fileBudget)
    lines.push(
      c.yellow(
        `  budget: ${plural(cut.functions, 'function')} cut, ${n(cut.states)} of ${n(s.states)} path states` +
          ` and ${(cut.ms / 1000).toFixed(1)} s spent in them` +
          (cut.fileBudget ? `; ${plural(cut.fileBudget, 'function')} not analysed (file budget spent)` : ''),
      ),
    );
  if (s.tree) {
    const t = s.tree;
    lines.push(
      `  tree: ${plural(t.files, 'file')}, ${n(t.lines)} lines, ${n(t.relevant)} functions that can touch a count; ` +
        `${n(t.fromIndex)} of ${plural(t.groups, 'file group')} from the index, ${plural(t.visits, 'file')} analysed` +
        (t.visitsFromIndex ? ` (${n(t.visitsFromIndex)} more visits from the index)` : ''),
    );
  }
  return lines.join('\n');
}
