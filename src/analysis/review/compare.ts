/**
 * The comparison of two revisions: per file, the functions whose counted result differs (per
 * object, the distinct net deltas before and after), the diagnostics split into fixed,
 * introduced, unchanged and updated, and the lifecycle verdicts before and after. Pure: it takes
 * each side's analysis (and traces) and gives plain data; reading files and git is the caller's.
 */
import type { FileResult, FunctionResult } from '../result';
import { matchFunctions, type FunctionPair } from './functions';
import { splitDiagnostics } from './diagnostics';
import { compareTraces } from './traces';
import { OUTCOMES, objectCounts, type ObjectCounts } from './outcome';
import {
  REVIEW_VERSION,
  reviewed,
  type DiagnosticSplit,
  type FileReview,
  type FileStatus,
  type FunctionChange,
  type ObjectChange,
  type Review,
  type ReviewProblem,
  type ReviewSide,
} from './types';

export interface FileComparison {
  /** The file's path on the head side (the base side's when it was removed). */
  file: string;
  /** Its path on the base side, when it differs. */
  basePath?: string;
  /** Absent: the file is new in the head. */
  base?: ReviewSide;
  /** Absent: the head removed it. */
  head?: ReviewSide;
  /** What git says happened to it (default: from which sides there are and their paths). */
  status?: FileStatus;
  /** Which traces to compare: those that reached the file (default) or all given. */
  traces?: 'reached' | 'all';
}

export function compareFile(c: FileComparison): FileReview {
  const status: FileStatus =
    c.status ??
    (c.base && c.head ? (c.basePath && c.basePath !== c.file ? 'renamed' : 'modified') : c.base ? 'removed' : 'added');
  const same = c.base?.text !== undefined && c.base.text === c.head?.text;
  const review: FileReview = {
    file: c.file,
    ...(c.basePath && c.basePath !== c.file ? { basePath: c.basePath } : {}),
    status: same ? 'unchanged' : status,
    compared: true,
    functions: [],
    diagnostics: { fixed: [], introduced: [], unchanged: [], updated: [] },
    trace: [],
    problems: [],
  };
  for (const [side, s] of [
    ['base', c.base],
    ['head', c.head],
  ] as const) {
    if (s?.result.error) {
      review.problems.push({ file: c.file, side, severity: 'error', message: `${s.result.error}; not compared` });
      review.compared = false;
    }
  }
  if (!review.compared) return review;
  const base = c.base?.result ?? emptyResult(c.basePath ?? c.file);
  const head = c.head?.result ?? emptyResult(c.file);
  if (c.base && c.head) review.problems.push(...worseParse(c.file, c.base, c.head));

  const pairs = matchFunctions(base.functions, head.functions, { base: c.base?.text, head: c.head?.text });
  const renamed = new Map(pairs.filter((p) => p.renamed).map((p) => [p.base!.name, p.head!.name]));
  const pairOf = new Map<string, FunctionPair>();
  for (const p of pairs) if (p.base && !pairOf.has(p.base.name)) pairOf.set(p.base.name, p);
  review.diagnostics = splitDiagnostics(base.diagnostics.filter(reviewed), head.diagnostics.filter(reviewed), {
    file: c.file,
    ...(review.basePath ? { baseFile: review.basePath } : {}),
    renamed,
    headLineOf: (d) => {
      const p = d.function !== undefined ? pairOf.get(d.function) : undefined;
      return p?.base && p.head ? placeIn(p.head, d.line - p.base.line) : undefined;
    },
  });
  for (const p of pairs) {
    const change = functionChange(c.file, p, review.diagnostics);
    if (change) review.functions.push(change);
  }
  review.functions.sort((a, b) => (a.line ?? a.baseLine ?? 0) - (b.line ?? b.baseLine ?? 0));
  review.trace = compareTraces(c.file, c.base?.traces ?? [], c.head?.traces ?? [], c.traces ?? 'reached');
  return review;
}

/** The review of every file compared, with the lists of all files together. */
export function combineReviews(files: readonly FileReview[], base: string, head: string): Review {
  const diagnostics: DiagnosticSplit = { fixed: [], introduced: [], unchanged: [], updated: [] };
  for (const f of files)
    for (const k of ['fixed', 'introduced', 'unchanged', 'updated'] as const) diagnostics[k].push(...f.diagnostics[k]);
  const trace = files.flatMap((f) => f.trace);
  const problems: ReviewProblem[] = files.flatMap((f) => f.problems);
  const introducesProblems =
    diagnostics.introduced.some((d) => d.severity !== 'info') ||
    diagnostics.updated.some((d) => d.baseSeverity === 'info' && d.severity !== 'info') ||
    trace.some((t) => t.regressed);
  return {
    version: REVIEW_VERSION,
    base,
    head,
    files: files.map((f) => ({
      file: f.file,
      ...(f.basePath ? { basePath: f.basePath } : {}),
      status: f.status,
      compared: f.compared,
    })),
    functions: files.flatMap((f) => f.functions),
    diagnostics,
    trace,
    problems,
    introducesProblems,
  };
}

function functionChange(file: string, p: FunctionPair, split: DiagnosticSplit): FunctionChange | undefined {
  const name = p.head?.name ?? p.base!.name;
  const objects = objectChanges(p.base, p.head);
  const mine = (d: { function?: string }) => d.function === name;
  const fixed = split.fixed.filter(mine).length;
  const introduced = split.introduced.filter(mine).length;
  const updated = split.updated.filter(mine).length;
  const cutBefore = p.base?.truncated ?? false;
  const cutAfter = p.head?.truncated ?? false;
  const cutChanged = p.base && p.head && cutBefore !== cutAfter;
  if (!objects.length && !fixed && !introduced && !updated && !cutChanged) return undefined;
  const roles = p.head?.roles ?? p.base?.roles;
  return {
    file,
    name,
    status: !p.base ? 'added' : !p.head ? 'removed' : p.renamed ? 'renamed' : 'changed',
    ...(p.renamed ? { previousName: p.base!.name } : {}),
    ...(p.head ? { line: p.head.line } : {}),
    ...(p.base ? { baseLine: p.base.line } : {}),
    ...(roles?.length ? { roles } : {}),
    objects,
    fixed,
    introduced,
    updated,
    ...(cutChanged ? { truncated: { before: cutBefore, after: cutAfter } } : {}),
  };
}

/** The objects whose deltas differ, in the head's order of first appearance (then the base's). */
function objectChanges(base: FunctionResult | undefined, head: FunctionResult | undefined): ObjectChange[] {
  const before = base ? objectCounts(base) : new Map<string, ObjectCounts>();
  const after = head ? objectCounts(head) : new Map<string, ObjectCounts>();
  const out: ObjectChange[] = [];
  for (const key of new Set([...after.keys(), ...before.keys()])) {
    const b = before.get(key);
    const a = after.get(key);
    const outcomes = OUTCOMES.filter((o) => b?.byOutcome.has(o) || a?.byOutcome.has(o)).map((outcome) => ({
      outcome,
      before: b?.byOutcome.get(outcome) ?? [],
      after: a?.byOutcome.get(outcome) ?? [],
    }));
    const same = b && a && b.kind === a.kind && outcomes.every((o) => o.before.join() === o.after.join());
    if (same) continue;
    const o = (a ?? b)!;
    out.push({
      object: o.object,
      kind: o.kind,
      ...(o.counter ? { counter: o.counter } : {}),
      before: b?.all ?? [],
      after: a?.all ?? [],
      outcomes,
    });
  }
  return out;
}

/** A line `offset` lines into a function, kept within it. */
function placeIn(fn: FunctionResult, offset: number): number {
  return Math.min(Math.max(fn.line + offset, fn.range.line), fn.range.endLine);
}

/**
 * A side with syntax errors the other side does not have (told by the text of their lines), inside
 * a function or where functions went missing: what is compared there may be wrong.
 */
function worseParse(file: string, base: ReviewSide, head: ReviewSide): ReviewProblem[] {
  const out: ReviewProblem[] = [];
  const linesOf = (s: ReviewSide) => s.text?.split('\n');
  const lines = new Map<ReviewSide, string[] | undefined>([
    [base, base.result.parseErrors.length ? linesOf(base) : undefined],
    [head, head.result.parseErrors.length ? linesOf(head) : undefined],
  ]);
  const lineText = (s: ReviewSide, line: number) => lines.get(s)?.[line - 1]?.trim() ?? `${line}`;
  for (const [side, mine, other] of [
    ['base', base, head],
    ['head', head, base],
  ] as const) {
    const known = new Set(other.result.parseErrors.map((e) => lineText(other, e.line)));
    const fresh = mine.result.parseErrors.filter((e) => !known.has(lineText(mine, e.line)));
    if (!fresh.length) continue;
    // a function of the other side this side's text still names, though its parse found no such function
    const found = new Set(mine.result.functions.map((f) => f.name));
    const lost = other.result.functions.some(
      (f) =>
        !found.has(f.name) &&
        mine.text !== undefined &&
        new RegExp(`\\b${f.name.replace(/\W/g, '')}\\b`).test(mine.text),
    );
    const inFunction = (line: number) =>
      mine.result.functions.some((f) => line >= f.range.line && line <= f.range.endLine);
    const telling = fresh.filter((e) => lost || inFunction(e.line));
    if (!telling.length) continue;
    const first = telling[0];
    out.push({
      file,
      side,
      severity: 'warning',
      message:
        `${telling.length} syntax error${telling.length === 1 ? '' : 's'} the other side does not have ` +
        `(first at line ${first.line}: ${first.message}); functions there may be compared wrongly`,
    });
  }
  return out;
}

function emptyResult(path: string): FileResult {
  return {
    path,
    functions: [],
    diagnostics: [],
    facts: { registrations: [], bindings: [], initCalls: [] },
    timing: { parseMs: 0, analyzeMs: 0 },
    parseErrors: [],
  };
}
