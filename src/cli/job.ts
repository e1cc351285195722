/**
 * One file's analysis as the CLI runs it, the same in a worker thread and in
 * the main thread (`--jobs 0`): analyse, keep the result in the cache, hand it back.
 */
import type { Analyzer, Prepassed } from '../analysis/analyzer';
import type { Revisit } from '../workers/revisits';
import type { FileResult } from '../analysis/result';
import type { ResultCache } from './cache';
import type { TreeFileContext, TreeVisit } from '../analysis/tree/context';
import { withinDetailBudget } from './detail-budget';

export interface Job {
  id: number;
  path: string;
  text: string;
  key?: string;
}

export { errorResult } from '../analysis/result';

/**
 * Test hook, inert unless REFCOUNT_LENS_FAULT is set: `crash:NAME`, `hang:NAME`,
 * `oom:NAME` or `exit:NAME` makes the analysis of a file whose path contains NAME
 * throw out of the worker, spin forever, exhaust the heap or end the thread, so the
 * tests can check that the pool replaces the worker and the run goes on.
 * Called by the worker outside its own try/catch, so a crash is a real uncaught one.
 */
export function injectFault(path: string): void {
  const spec = process.env.REFCOUNT_LENS_FAULT;
  if (!spec) return;
  for (const part of spec.split(',')) {
    const [kind, name] = [part.slice(0, part.indexOf(':')), part.slice(part.indexOf(':') + 1)];
    if (!name || !path.includes(name)) continue;
    if (kind === 'crash') throw new Error(`injected crash on ${path}`);
    if (kind === 'hang')
      for (;;) {
        /* spin */
      }
    if (kind === 'oom') {
      const hog: string[][] = [];
      for (;;) hog.push(new Array(1 << 16).fill('x'.repeat(16) + hog.length));
    }
    if (kind === 'exit') process.exit(7);
  }
}

/**
 * One file's analysis. The Analyzer keeps a per-function result cache for the editor (up to
 * 20,000 entries). Over a tree of unrelated files it only grows (about +0.5 MB of heap per
 * file of 2,000 lines, more in RSS), so the CLI empties it after each file: memory then stays
 * flat however many files a worker takes.
 */
export function runJob(analyzer: Analyzer, job: Job, cache?: ResultCache): FileResult {
  let r: FileResult;
  try {
    r = withinDetailBudget(analyzer.analyzeText(job.path, job.text));
  } finally {
    analyzer.forgetFunctions();
  }
  if (cache && job.key) cache.put(job.key, r);
  return r;
}

/**
 * One visit of a file in tree mode: its result and the summaries its analysis finished.
 * `earlier`: what the file's previous visit in this run left (a cycle of files is visited in
 * rounds: its per-function results and its parse, consumed); `kept` then holds this visit's, for
 * the next. Without it nothing is kept. `given`: the text's pre-pass, made with its shard.
 */
export function runTreeJob(
  analyzer: Analyzer,
  path: string,
  text: string,
  tree: TreeFileContext,
  earlier?: Revisit,
  given?: Prepassed,
): { result: FileResult; visit: TreeVisit; kept?: Revisit } {
  const visit: TreeVisit = { exports: {} };
  if (earlier) {
    const { value, functions } = analyzer.withFunctionCache(earlier.functions, () =>
      analyzer.analyzeKeeping(path, text, tree, visit, earlier.parse, true, given),
    );
    return { result: withinDetailBudget(value.result), visit, kept: { functions, parse: value.kept } };
  }
  try {
    return { result: withinDetailBudget(analyzer.analyzeText(path, text, tree, visit, given)), visit };
  } finally {
    analyzer.forgetFunctions();
  }
}
