/**
 * The comparison's requests (src/shared/protocol.ts): `refcountLens/compare` starts comparing a
 * document with a revision and answers what changed, `refcountLens/stopComparison` ends it,
 * `refcountLens/compareRevisions` lists what the picker offers; after each new analysis of a
 * compared document the server sends `refcountLens/comparison` with its comparison now. The
 * words come from the view layer (src/view/review.ts); comparison.ts holds the state.
 */
import type { Connection } from 'vscode-languageserver/node';
import type { DiagnosticChange, FileReview } from '../analysis/review/types';
import {
  ComparisonNotification,
  CompareRequest,
  CompareRevisionsRequest,
  StopComparisonRequest,
  type WireComparedTrace,
  type WireComparison,
  type WireProblemChange,
} from '../shared/protocol';
import {
  functionHeading,
  functionNotes,
  objectChangeLine,
  outcomesLine,
  verdictSummary,
  verdictWords,
} from '../view/review';
import type { DocumentAnalysis, Baseline, Comparisons } from './comparison';

export interface CompareContext {
  connection: Connection;
  comparisons: Comparisons;
  /** The document's current analysis (undefined when it is not open or analysis is off). */
  analysis(uri: string): Promise<DocumentAnalysis | undefined>;
  /** Ask the client for new code lenses. */
  refresh(): void;
  log(message: string): void;
}

export function registerCompareHandler(ctx: CompareContext): void {
  const { connection, comparisons } = ctx;
  connection.onRequest(CompareRequest.type, async (p) => {
    const uri = typeof p?.uri === 'string' ? p.uri : '';
    const started = comparisons.start(uri, typeof p?.base === 'string' ? p.base : undefined);
    if ('error' in started) return failed(uri, p?.base ?? 'HEAD', started.error);
    ctx.log(`comparing ${uri} with ${started.label}`);
    const now = await ctx.analysis(uri);
    ctx.refresh();
    return now ? comparisonNow(comparisons, uri, now) : failed(uri, started.base, 'the document is not open');
  });
  connection.onRequest(StopComparisonRequest.type, (p) => {
    if (typeof p?.uri === 'string') comparisons.stop(p.uri);
    ctx.refresh();
    return null;
  });
  connection.onRequest(CompareRevisionsRequest.type, (p) =>
    typeof p?.uri === 'string' ? comparisons.revisions(p.uri) : [],
  );
}

/** After a compared document's analysis: its comparison now, for the client's view. */
export function comparisonChanged(ctx: CompareContext, uri: string, now: DocumentAnalysis): void {
  if (!ctx.comparisons.baselineOf(uri)) return;
  void ctx.connection.sendNotification(ComparisonNotification.type, comparisonNow(ctx.comparisons, uri, now));
}

/** The trace view's companion run over the compared revision. */
export function comparedTrace(
  comparisons: Comparisons,
  uri: string,
  run: { scenario: string; scenarioName?: string; whatIf?: string[] },
): WireComparedTrace | undefined {
  const baseline = comparisons.baselineOf(uri);
  const t = baseline && comparisons.baseTrace(uri, run);
  if (!baseline || !t) return undefined;
  return {
    base: baseline.label,
    ok: t.ok,
    summary: t.summary,
    verdicts: t.verdicts.map((v) => ({ reason: v.reason, good: v.good })),
  };
}

function comparisonNow(comparisons: Comparisons, uri: string, now: DocumentAnalysis): WireComparison {
  const c = comparisons.compared(uri, now);
  if (!c) return failed(uri, 'HEAD', 'the document is not compared with a revision');
  return toWire(uri, c.baseline, c.review);
}

function toWire(uri: string, baseline: Baseline, review: FileReview): WireComparison {
  const d = review.diagnostics;
  const problem = (x: DiagnosticChange, fixed = false): WireProblemChange => ({
    rule: x.rule,
    severity: x.severity,
    ...(x.function ? { function: x.function } : {}),
    message: x.message,
    line: fixed ? (x.headLine ?? x.line) : x.line,
    ...(fixed ? { baseLine: x.line } : x.baseLine !== undefined ? { baseLine: x.baseLine } : {}),
    ...(x.baseMessage ? { baseMessage: x.baseMessage } : {}),
  });
  return {
    uri,
    base: baseline.base,
    baseLabel: baseline.label,
    functions: review.functions.map((f) => ({
      name: f.name,
      status: f.status,
      heading: functionHeading(f),
      ...(f.line !== undefined ? { line: f.line } : {}),
      ...(f.baseLine !== undefined ? { baseLine: f.baseLine } : {}),
      objects: f.objects.map((o) => ({
        object: o.object,
        kind: o.kind,
        before: o.before,
        after: o.after,
        summary: objectChangeLine(o),
        outcomes: outcomesLine(o),
      })),
      notes: functionNotes(f),
    })),
    fixed: d.fixed.map((x) => problem(x, true)),
    introduced: d.introduced.map((x) => problem(x)),
    updated: d.updated.map((x) => problem(x)),
    unchanged: d.unchanged.map((x) => problem(x)),
    trace: review.trace.map((t) => ({
      scenario: t.scenario,
      summary: verdictSummary(t),
      before: verdictWords(t.before),
      after: verdictWords(t.after),
      changed: t.changed,
      regressed: t.regressed,
    })),
    notes: review.problems.map((p) => `${p.side ? `${p.side}: ` : ''}${p.message}`),
    introducesProblems: d.introduced.some((x) => x.severity !== 'info') || review.trace.some((t) => t.regressed),
  };
}

function failed(uri: string, base: string, error: string): WireComparison {
  return {
    uri,
    base,
    baseLabel: base,
    functions: [],
    fixed: [],
    introduced: [],
    updated: [],
    unchanged: [],
    trace: [],
    notes: [],
    introducesProblems: false,
    error,
  };
}
