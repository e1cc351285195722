/**
 * How much path detail one file's result may carry out of the CLI. A path's steps and
 * lines grow with the function, and a function may keep up to maxStatesPerNode path
 * classes: a 1.3 MB file of long straight-line functions that branch at their end gave
 * 980 MB of JSON. Past the budget a path keeps its exit, conditions and deltas (what
 * diagnostics and summaries stand on) and says how many steps and lines were left out.
 * The editor never sees this cut: it reads the analysis in memory, where paths share
 * their steps.
 */
import type { FileResult, FunctionResult, PathClass } from '../analysis/result';

export interface DetailBudget {
  /** Steps (acquires, releases, hand-offs) kept over all paths of one file. */
  steps: number;
  /** Entries of the paths' `lines` lists kept over one file. */
  lines: number;
}

/** Far above real files (a 2,000-line generated file uses under 1,000 steps); bounds the JSON to a few MB a file. */
export const DEFAULT_DETAIL_BUDGET: DetailBudget = { steps: 20000, lines: 200000 };

/** `r` itself when it fits the budget, else a copy whose later paths carry fewer steps and lines. */
export function withinDetailBudget(r: FileResult, budget: DetailBudget = DEFAULT_DETAIL_BUDGET): FileResult {
  let steps = 0,
    lines = 0;
  for (const f of r.functions)
    for (const p of f.paths) {
      steps += p.steps.length;
      lines += p.lines.length;
    }
  if (steps <= budget.steps && lines <= budget.lines) return r;
  let stepsLeft = budget.steps,
    linesLeft = budget.lines;
  let stepsCut = 0,
    linesCut = 0;
  const cutPath = (p: PathClass): PathClass => {
    const keepSteps = Math.min(p.steps.length, stepsLeft);
    const keepLines = Math.min(p.lines.length, linesLeft);
    stepsLeft -= keepSteps;
    linesLeft -= keepLines;
    if (keepSteps === p.steps.length && keepLines === p.lines.length) return p;
    const q: PathClass = { ...p, steps: p.steps.slice(0, keepSteps), lines: p.lines.slice(0, keepLines) };
    if (keepSteps < p.steps.length) {
      q.stepsOmitted = p.steps.length - keepSteps;
      stepsCut += q.stepsOmitted;
    }
    if (keepLines < p.lines.length) {
      q.linesOmitted = p.lines.length - keepLines;
      linesCut += q.linesOmitted;
    }
    return q;
  };
  const functions: FunctionResult[] = r.functions.map((f) =>
    f.paths.length ? { ...f, paths: f.paths.map(cutPath) } : f,
  );
  const parts = [stepsCut ? `${stepsCut} steps` : '', linesCut ? `${linesCut} path lines` : '']
    .filter(Boolean)
    .join(' and ');
  const keeps = `at most ${budget.steps} steps and ${budget.lines} path lines`;
  return {
    ...r,
    functions,
    detailOmitted: `${parts} left out: a file's output keeps ${keeps}`,
  };
}
