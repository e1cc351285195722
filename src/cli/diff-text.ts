/** The diff's text report (coloured on a TTY): per file its changed functions, problems and verdicts; a summary. */
import type { DiagnosticChange, FileReview, Review, ReviewProblem, TraceChange } from '../analysis/review/types';
import {
  diagnosticLine,
  functionHeading,
  functionNotes,
  objectChangeLine,
  outcomesLine,
  verdictSummary,
  verdictWords,
} from '../view/review';
import type { Colors } from './format-text';

export function formatReview(review: Review, c: Colors): string {
  const out: string[] = [c.bold(`refcount-lens diff: ${review.base} → ${review.head}`)];
  const byFile = new Map<string, FileReview['status']>(review.files.map((f) => [f.file, f.status]));
  const files = [...new Set([...review.files.map((f) => f.file), ...review.problems.map((p) => p.file)])];
  if (!files.length) out.push('', c.dim('  no C file differs'));
  for (const file of files) {
    const entry = review.files.find((f) => f.file === file);
    const renamed = entry?.basePath ? ` (was ${entry.basePath})` : '';
    out.push('', c.bold(`== ${file}${renamed}`) + c.dim(byFile.has(file) ? `  ${byFile.get(file)}` : ''));
    for (const p of review.problems.filter((x) => x.file === file)) out.push(`  ${problemWords(p, c)}`);
    out.push(...functionLines(review, file, c));
    out.push(...diagnosticLines(review, file, c));
    out.push(
      ...traceLines(
        review.trace.filter((t) => t.file === file),
        c,
      ),
    );
  }
  out.push('', summaryLine(review, c));
  return out.join('\n') + '\n';
}

function problemWords(p: ReviewProblem, c: Colors): string {
  const side = p.side ? ` (${p.side})` : '';
  const text = `${p.severity}${side}: ${p.message}`;
  return p.severity === 'error' ? c.red(text) : p.severity === 'warning' ? c.yellow(text) : c.dim(text);
}

function functionLines(review: Review, file: string, c: Colors): string[] {
  const out: string[] = [];
  for (const f of review.functions.filter((x) => x.file === file)) {
    const roles = f.roles?.length ? c.cyan(`  [${f.roles.join(', ')}]`) : '';
    out.push(`  ${c.bold(functionHeading(f))}${roles}`);
    for (const o of f.objects) {
      out.push(`    ${objectChangeLine(o)}`);
      out.push(c.dim(`      ${outcomesLine(o)}`));
    }
    const notes = functionNotes(f);
    if (notes.length) out.push(c.dim(`    problems: ${notes.join(', ')}`));
  }
  return out;
}

function diagnosticLines(review: Review, file: string, c: Colors): string[] {
  const mine = (list: DiagnosticChange[]) => list.filter((d) => d.file === file);
  const fixed = mine(review.diagnostics.fixed);
  const introduced = mine(review.diagnostics.introduced);
  const updated = mine(review.diagnostics.updated);
  const unchanged = mine(review.diagnostics.unchanged);
  if (!fixed.length && !introduced.length && !updated.length && !unchanged.length) return [];
  const out: string[] = [];
  const sev = (d: DiagnosticChange) =>
    d.severity === 'error' ? c.red('error') : d.severity === 'warning' ? c.yellow('warning') : c.cyan('info');
  const at = (d: DiagnosticChange) => `${d.line}${d.headLine !== undefined ? ` (now about line ${d.headLine})` : ''}`;
  const list = (title: string, ds: DiagnosticChange[], paint: (s: string) => string, base = false) => {
    out.push(`  ${paint(`${title} (${ds.length})`)}${ds.length ? '' : c.dim(': none')}`);
    for (const d of ds) {
      out.push(`    ${sev(d)} [${d.rule}] ${base ? 'was at line ' : 'line '}${at(d)}: ${diagnosticLine(d)}`);
      if (d.baseMessage) out.push(c.dim(`      before (line ${d.baseLine}): ${d.baseMessage}`));
    }
  };
  list('fixed', fixed, c.green, true);
  list('introduced', introduced, introduced.length ? c.red : (s) => s);
  if (updated.length) list('reworded', updated, c.yellow);
  if (unchanged.length) {
    out.push(`  ${c.dim(`unchanged (${unchanged.length})`)}`);
    for (const d of unchanged)
      out.push(c.dim(`    ${d.severity} [${d.rule}] line ${d.line} (was ${d.baseLine}): ${diagnosticLine(d)}`));
  }
  return out;
}

function traceLines(traces: TraceChange[], c: Colors): string[] {
  const out: string[] = [];
  for (const t of traces) {
    const paint = t.regressed ? c.red : t.changed ? c.green : c.dim;
    out.push(`  ${c.bold(`lifecycle ${t.scenario}`)}: ${paint(verdictSummary(t))}`);
    if (!t.changed) continue;
    out.push(`    before: ${verdictWords(t.before).join('\n            ')}`);
    out.push(`    after:  ${verdictWords(t.after).join('\n            ')}`);
  }
  return out;
}

function summaryLine(review: Review, c: Colors): string {
  const d = review.diagnostics;
  const n = (k: number, one: string, many = `${one}s`) => `${k} ${k === 1 ? one : many}`;
  const turned = review.trace.filter((t) => t.changed);
  const parts = [
    d.fixed.length ? c.green(`${n(d.fixed.length, 'problem')} fixed`) : 'no problem fixed',
    d.introduced.length ? c.red(`${d.introduced.length} introduced`) : 'none introduced',
    `${d.unchanged.length + d.updated.length} left`,
    `${n(review.functions.length, 'function')} changed`,
    `${n(turned.length, 'lifecycle verdict')} changed` +
      (review.trace.some((t) => t.regressed) ? c.red(' (one turned bad)') : ''),
  ];
  const verdict = review.introducesProblems
    ? c.red('the change introduces a problem')
    : c.green('the change introduces no problem');
  return `${c.bold('== summary')}: ${parts.join(', ')}; ${verdict}`;
}
