/**
 * The diff as SARIF 2.1.0: one result per diagnostic of either side, with its `baselineState`:
 * `new` (introduced), `unchanged`, `updated` (the same problem, worded differently) and `absent`
 * (fixed). A fixed problem is a `pass` at the place its function holds now, so a code-scanning
 * upload shows no alert for it. Paths are relative to `%SRCROOT%` (the repository root, or the
 * directory the two files were given from), as GitHub code scanning expects them; a fingerprint
 * made of the function, rule, object and message shape (no line) follows a problem as code moves.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { simpleHash } from '../analysis/paths/classes';
import type { DiagnosticChange, Review } from '../analysis/review/types';
import type { Severity } from '../analysis/result';
import { sarifLog } from './format-sarif';

type BaselineState = 'new' | 'unchanged' | 'updated' | 'absent';

export function reviewToSarif(review: Review, version: string, srcRoot: string): object {
  const artifact = artifactIn(srcRoot);
  const results: object[] = [
    ...review.diagnostics.introduced.map((d) => result(d, 'new', artifact)),
    ...review.diagnostics.updated.map((d) => result(d, 'updated', artifact)),
    ...review.diagnostics.unchanged.map((d) => result(d, 'unchanged', artifact)),
    ...review.diagnostics.fixed.map((d) => result(d, 'absent', artifact)),
  ];
  const log = sarifLog(results, version, {
    base: review.base,
    head: review.head,
    introducesProblems: review.introducesProblems,
  }) as { runs: Record<string, unknown>[] };
  const run = log.runs[0];
  run.originalUriBaseIds = { '%SRCROOT%': { uri: pathToFileURL(path.resolve(srcRoot) + path.sep).href } };
  run.invocations = [
    {
      executionSuccessful: !review.problems.some((p) => p.severity === 'error'),
      toolExecutionNotifications: review.problems.map((p) => ({
        level: p.severity,
        message: { text: `${p.file}${p.side ? ` (${p.side})` : ''}: ${p.message}` },
        locations: [{ physicalLocation: { artifactLocation: artifact(p.file) } }],
      })),
    },
  ];
  return log;
}

function result(d: DiagnosticChange, baselineState: BaselineState, artifact: (file: string) => object): object {
  const fixed = baselineState === 'absent';
  // a fixed problem at its place in the head when its function is still there, else where it was
  const line = fixed ? (d.headLine ?? d.line) : d.line;
  const file = fixed && d.headLine === undefined ? (d.baseFile ?? d.file) : d.file;
  const loc = (l: number, message?: string) => ({
    physicalLocation: { artifactLocation: artifact(file), region: { startLine: Math.max(1, l) } },
    ...(message ? { message: { text: message } } : {}),
  });
  return {
    ruleId: d.rule,
    ...(fixed ? { kind: 'pass', level: 'none' } : { kind: 'fail', level: level(d.severity) }),
    message: { text: fixed ? `fixed: ${d.message}` : d.message },
    locations: [loc(line)],
    ...(fixed ? {} : { relatedLocations: d.related.map((r, i) => ({ id: i, ...loc(r.line, r.message) })) }),
    baselineState,
    partialFingerprints: { 'refcountLens/v1': fingerprint(d) },
    properties: {
      function: d.function,
      object: d.object,
      ...(d.baseLine !== undefined ? { baseLine: d.baseLine } : {}),
      ...(fixed ? { baseLine: d.line } : {}),
      ...(d.baseMessage ? { baseMessage: d.baseMessage } : {}),
      ...(d.baseFunction ? { baseFunction: d.baseFunction } : {}),
    },
  };
}

/** A file relative to `%SRCROOT%` when it is under it, else by its own URL. */
function artifactIn(srcRoot: string): (file: string) => object {
  return (file) => {
    const rel = path.relative(srcRoot, path.resolve(srcRoot, file));
    return rel.startsWith('..') || path.isAbsolute(rel)
      ? { uri: pathToFileURL(path.resolve(srcRoot, file)).href }
      : { uri: rel.split(path.sep).join('/'), uriBaseId: '%SRCROOT%' };
  };
}

function level(s: Severity): 'error' | 'warning' | 'note' {
  return s === 'info' ? 'note' : s;
}

/** The same for a problem wherever its lines move: function, rule, object and message without line numbers. */
function fingerprint(d: DiagnosticChange): string {
  const words = d.message.replace(/\blines? \d+/g, 'line');
  return simpleHash(`${d.file}|${d.function ?? ''}|${d.rule}|${d.object ?? ''}|${words}`);
}
