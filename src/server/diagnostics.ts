/**
 * Analysis results and model-file problems as LSP diagnostics. Problems of a function point
 * at the lines of the differing paths through relatedInformation; model-file problems are
 * published on the model file itself, at their line; a file the analyser refused or cut
 * short gets one diagnostic saying why, so the user is never left guessing.
 */
import * as path from 'node:path';
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import type { ModelProblem } from '../analysis/model/load';
import type { Diagnostic, FileResult } from '../analysis/result';
import { editorMessage, relatedLine } from '../view/problems';
import { LineIndex } from './positions';
import { pathToUri } from './settings';

export const SOURCE = 'refcount-lens';

const SEVERITY: Record<Diagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** At most this many parse-error hints per file: kernel macros can make hundreds. */
const MAX_PARSE_HINTS = 50;

export function fileDiagnostics(result: FileResult, text: string, uri: string): LspDiagnostic[] {
  const index = new LineIndex(text);
  const out: LspDiagnostic[] = [];
  if (result.error) out.push(notice(index, result.error, 'not-analysed'));
  const cut = budgetNotice(result);
  if (cut) out.push(notice(index, cut, 'budget'));
  for (const d of result.diagnostics) out.push(analysisDiagnostic(d, index, uri));
  for (const p of result.parseErrors.slice(0, MAX_PARSE_HINTS)) {
    out.push({
      range: index.lineRange(p.line, p.column),
      severity: DiagnosticSeverity.Hint,
      source: SOURCE,
      code: 'parse',
      message: `parse: ${p.message}`,
    });
  }
  return out;
}

function analysisDiagnostic(d: Diagnostic, index: LineIndex, uri: string): LspDiagnostic {
  const range = index.lineRange(d.line, d.column);
  if (d.endLine !== undefined && d.endColumn !== undefined) range.end = { line: d.endLine - 1, character: d.endColumn };
  return {
    range,
    severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Information,
    source: SOURCE,
    code: d.rule,
    message: editorMessage(d),
    relatedInformation: d.related.map((r) => ({
      location: { uri, range: index.lineRange(r.line, r.column) },
      message: relatedLine(r),
    })),
  };
}

/** Functions skipped because the file's budget ran out (the analyser marks them, but says so nowhere else). */
function budgetNotice(result: FileResult): string | undefined {
  const skipped = result.functions.filter((f) => f.truncated && f.truncatedReason?.startsWith('not analysed'));
  if (!skipped.length) return undefined;
  const why = skipped[0].truncatedReason!.replace(/^not analysed: /, '');
  return `Refcount Lens: ${skipped.length} of ${result.functions.length} functions were not analysed: ${why}`;
}

function notice(index: LineIndex, message: string, code: string): LspDiagnostic {
  const text = message.startsWith('Refcount Lens') ? message : `Refcount Lens: ${message}`;
  return {
    range: index.lineRange(1, 0),
    severity: DiagnosticSeverity.Information,
    source: SOURCE,
    code,
    message: text,
  };
}

/** Model problems grouped by the model file's URI (a preset's problems go under `presets`). */
export function modelDiagnostics(problems: ModelProblem[]): Map<string, LspDiagnostic[]> {
  const byUri = new Map<string, LspDiagnostic[]>();
  for (const p of problems) {
    if (!path.isAbsolute(p.file)) continue; // presets and options have no file to show them in
    const uri = pathToUri(p.file);
    const line = Math.max(0, p.line - 1);
    const character = Math.max(0, p.column - 1); // the model loader counts columns from 1
    const list = byUri.get(uri) ?? [];
    list.push({
      range: { start: { line, character }, end: { line, character: character + 1 } },
      severity: DiagnosticSeverity.Error,
      source: SOURCE,
      code: 'model',
      message: p.message,
    });
    byUri.set(uri, list);
  }
  return byUri;
}

/** Errors and warnings: what the status bar counts as problems. */
export function problemCount(diagnostics: LspDiagnostic[]): number {
  return diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning)
    .length;
}
