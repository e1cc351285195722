/**
 * One side of a diff: the files of one revision analysed, and the lifecycle scenarios run over
 * each. Both sides go through one Analyzer, whose per-function cache (keyed by a function's
 * text, column and callees' summaries) makes every function the change left alone free on the
 * second side. `analyseRevision` is the one call per side, so a tree run can take its place.
 */
import type { Analyzer } from '../analysis/analyzer';
import { errorResult, type FileResult } from '../analysis/result';
import type { ReviewSide } from '../analysis/review/types';
import { runTrace } from '../trace/simulator';

/** A file of one revision: its text, or why it could not be read. */
export interface RevisionFile {
  path: string;
  text?: string;
  error?: string;
}

/** A scenario to run: a built-in's name, or a scenario file's text under its name. */
export interface ScenarioChoice {
  name: string;
  text?: string;
}

export function analyseRevision(analyzer: Analyzer, files: readonly RevisionFile[]): FileResult[] {
  return files.map((f) =>
    f.text !== undefined ? analyzer.analyzeText(f.path, f.text) : errorResult(f.path, f.error ?? 'cannot be read'),
  );
}

/** The side as the comparison takes it: the result, its text, and a trace per scenario. */
export function reviewSide(
  result: FileResult,
  text: string | undefined,
  scenarios: readonly ScenarioChoice[],
): ReviewSide {
  if (result.error || text === undefined) return { result, text };
  const traces = scenarios.map((s) => runTrace({ result, text, scenario: s.text ?? s.name, scenarioName: s.name }));
  return { result, text, traces };
}
