/**
 * Verified fix-its as quick fixes: one code action of kind `quickfix` per verified edit of a
 * diagnostic under the cursor, preferred when it is the diagnostic's only one. The edit names
 * the document version it was computed from, so a client applies it only to that text; its
 * change annotation says what the verification found (VS Code's preview shows it). A
 * diagnostic with no verified edit gets a disabled action that says why, where the client
 * shows those.
 */
import {
  CodeActionKind,
  type ClientCapabilities,
  type CodeAction,
  type Diagnostic as LspDiagnostic,
  type Range,
  type TextEdit as LspTextEdit,
  type AnnotatedTextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { DiagnosticFixes, VerifiedFix } from '../analysis/fixes/fix-file';
import { FIXABLE_RULES } from '../analysis/fixes/fix-file';
import type { Diagnostic, FileResult } from '../analysis/result';
import { editorMessage } from '../view/problems';
import { SOURCE } from './diagnostics';
import { LineIndex } from './positions';

/** The result's diagnostics a code action request is about: those the client sent, else those on its lines. */
export function requestedDiagnostics(
  result: FileResult,
  range: Range,
  sent: readonly LspDiagnostic[],
): { diagnostic: Diagnostic; lsp?: LspDiagnostic }[] {
  const fixable = result.diagnostics.filter((d) => FIXABLE_RULES.has(d.rule));
  const ours = sent.filter((s) => s.source === SOURCE);
  if (ours.length)
    return ours.flatMap((s) => {
      const d = fixable.find(
        (x) => x.rule === s.code && x.line - 1 === s.range.start.line && editorMessage(x) === s.message,
      );
      return d ? [{ diagnostic: d, lsp: s }] : [];
    });
  return fixable
    .filter((d) => d.line - 1 >= range.start.line && d.line - 1 <= range.end.line)
    .map((diagnostic) => ({ diagnostic }));
}

/** How a cached set of fixes is known: the diagnostic's rule, line and words. */
export function fixKey(d: Diagnostic): string {
  return `${d.rule}|${d.line}|${d.message}`;
}

/** Fix-its computed for one version of each document (a request on every cursor move must not verify again). */
export class FixCache {
  private readonly byUri = new Map<string, { version: number; fixes: Map<string, DiagnosticFixes> }>();

  get(uri: string, version: number, d: Diagnostic): DiagnosticFixes | undefined {
    const e = this.byUri.get(uri);
    return e?.version === version ? e.fixes.get(fixKey(d)) : undefined;
  }

  put(uri: string, version: number, items: readonly DiagnosticFixes[]): void {
    let e = this.byUri.get(uri);
    if (!e || e.version !== version) {
      e = { version, fixes: new Map() };
      this.byUri.set(uri, e);
    }
    for (const item of items) e.fixes.set(fixKey(item.diagnostic), item);
  }

  forget(uri: string): void {
    this.byUri.delete(uri);
  }
}

export interface FixTarget {
  uri: string;
  version: number;
  text: string;
}

/** The code actions of the diagnostics' fixes, in their order (the smallest edit of each first). */
export function fixActions(
  items: readonly { fixes: DiagnosticFixes; lsp?: LspDiagnostic }[],
  target: FixTarget,
  caps: ClientCapabilities,
): CodeAction[] {
  const index = new LineIndex(target.text);
  const annotations = caps.workspace?.workspaceEdit?.changeAnnotationSupport !== undefined;
  const disabled = caps.textDocument?.codeAction?.disabledSupport === true;
  const out: CodeAction[] = [];
  for (const { fixes, lsp } of items) {
    const diagnostics = lsp ? [lsp] : undefined;
    if (!fixes.fixes.length) {
      if (disabled)
        out.push({
          title: `No verified fix for this ${fixes.diagnostic.rule}`,
          kind: CodeActionKind.QuickFix,
          diagnostics,
          disabled: { reason: fixes.reason ?? 'no verified fix' },
        });
      continue;
    }
    for (const fix of fixes.fixes)
      out.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics,
        isPreferred: fixes.fixes.length === 1,
        edit: workspaceEdit(fix, target, index, annotations),
      });
  }
  return out;
}

function workspaceEdit(fix: VerifiedFix, target: FixTarget, index: LineIndex, annotated: boolean): WorkspaceEdit {
  const id = 'refcount-lens.fix';
  const edits: (LspTextEdit | AnnotatedTextEdit)[] = fix.edits.map((e) => ({
    range: { start: index.positionAt(e.start), end: index.positionAt(e.end) },
    newText: e.text,
    ...(annotated ? { annotationId: id } : {}),
  }));
  const removes = fix.removes.map((d) => `${d.rule} in ${d.function}() at line ${d.line}`).join(', ');
  return {
    documentChanges: [{ textDocument: { uri: target.uri, version: target.version }, edits }],
    ...(annotated
      ? {
          changeAnnotations: {
            [id]: {
              label: fix.title,
              description: `verified by analysing the edited text: removes ${removes}, brings no other problem`,
              needsConfirmation: false,
            },
          },
        }
      : {}),
  };
}
