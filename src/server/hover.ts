/**
 * Hovers: on a function's name its path table, on a counted call what the call does on each
 * path through it (the view layer's Markdown, src/view/markdown.ts); this file finds what is
 * under the cursor.
 */
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import type { FileResult, FunctionResult } from '../analysis/result';
import { fileView } from '../view/file-view';
import { callHover, functionHover } from '../view/markdown';
import type { CallSite } from '../view/sites';
import { LineIndex } from './positions';
import { comparisonHover, comparisonOf } from '../view/review-editor';
import type { Compared } from './comparison';

/** `compared`: the document's comparison with a revision; a function's hover then says what changed. */
export function hover(result: FileResult, text: string, pos: Position, compared?: Compared): Hover | null {
  const line1 = pos.line + 1;
  for (const { fn, sites } of fileView(result).functions) {
    if (line1 < fn.range.line || line1 > fn.range.endLine) continue;
    if (onName(fn, pos)) {
      const changed = compared && comparisonHover(comparisonOf(compared.review, fn.name), compared.baseline.label);
      return markdown(functionHover(fn, result.diagnostics) + (changed ? `\n\n---\n\n${changed}` : ''));
    }
    const site = siteAt(sites, new LineIndex(text), pos);
    if (site) return markdown(callHover(site));
  }
  return null;
}

function markdown(value: string): Hover {
  return { contents: { kind: MarkupKind.Markdown, value } };
}

function onName(fn: FunctionResult, pos: Position): boolean {
  const r = fn.nameRange;
  return pos.line === r.line - 1 && pos.character >= r.column && pos.character <= r.endColumn;
}

/** The call site whose name or argument list is under the cursor. */
function siteAt(sites: CallSite[], index: LineIndex, pos: Position): CallSite | undefined {
  for (const site of sites) {
    if (site.line !== pos.line + 1) continue;
    const where = index.callEnd(site.line, site.column, site.call);
    if (!where) continue;
    const endsLater = where.end.line > pos.line || where.end.character >= pos.character;
    if (pos.character >= where.start.character && endsLater) return site;
  }
  return undefined;
}
