/**
 * Inlay hints after each counted call: `+1 cdev`, `-1 ucred`, `+2 cdev (MAKEDEV_REF)`.
 * A call site that changes the count differently on different paths shows every value
 * (`+2/+1 cdev`); the tooltip lists the path classes through the call. The labels and
 * tooltips are the view layer's (src/view/); this file places them and links model entries.
 */
import { InlayHintKind, MarkupKind, type InlayHint, type InlayHintLabelPart, type Range } from 'vscode-languageserver';
import type { FileResult } from '../analysis/result';
import { fileView } from '../view/file-view';
import { siteTooltip } from '../view/markdown';
import { describeSource } from '../view/sources';
import type { CallSite } from '../view/sites';
import { modelEntryLocation } from './model-sources';
import { LineIndex } from './positions';
import { traceHintParts } from './trace-state';

export function inlayHints(result: FileResult, text: string, range: Range, uri?: string): InlayHint[] {
  const index = new LineIndex(text);
  const hints: InlayHint[] = [];
  for (const { fn, sites } of fileView(result).functions) {
    if (fn.range.endLine - 1 < range.start.line || fn.range.line - 1 > range.end.line) continue;
    for (const site of sites) {
      const hint = hintFor(site, index);
      if (hint && hint.position.line >= range.start.line && hint.position.line <= range.end.line) hints.push(hint);
    }
  }
  if (uri) hints.push(...traceHints(uri, text, index, range));
  return hints.sort((a, b) => a.position.line - b.position.line || a.position.character - b.position.character);
}

function hintFor(site: CallSite, index: LineIndex): InlayHint | undefined {
  const where = index.callEnd(site.line, site.column, site.call);
  if (!where) return undefined;
  const label: InlayHintLabelPart = { value: site.label };
  // a user model file's entry is one click away; presets live inside the bundle
  const location = site.sources.map(modelEntryLocation).find(Boolean);
  if (location) {
    label.location = location;
    label.tooltip = `model entry: ${describeSource(site.sources[0])}`;
  }
  return {
    position: where.end,
    label: [label],
    kind: InlayHintKind.Type,
    paddingLeft: true,
    tooltip: { kind: MarkupKind.Markdown, value: siteTooltip(site) },
  };
}

/**
 * The steps of the last lifecycle trace run on this text (src/server/trace-state.ts), at the
 * end of their lines; each part links to its step in the trace view.
 */
function traceHints(uri: string, text: string, index: LineIndex, range: Range): InlayHint[] {
  const out: InlayHint[] = [];
  const last = Math.min(range.end.line, index.lineCount - 1);
  for (let line = Math.max(0, range.start.line); line <= last; line++) {
    const parts = traceHintParts(uri, line + 1, text);
    if (parts.length) out.push({ position: index.lineRange(line + 1).end, label: parts, paddingLeft: true });
  }
  return out;
}
