/**
 * Inlay hints after each counted call: `+1 cdev`, `-1 ucred`, `+2 cdev (MAKEDEV_REF)`.
 * A call site that changes the count differently on different paths shows every value
 * (`+2/+1 cdev`); the tooltip lists the path classes through the call.
 */
import { InlayHintKind, MarkupKind, type InlayHint, type InlayHintLabelPart, type Range } from 'vscode-languageserver';
import type { FileResult, FunctionResult, PathClass } from '../analysis/result';
import { modelEntryLocation, describeSource } from './model-sources';
import { LineIndex, signed } from './positions';
import { traceHintParts } from './trace-state';

/** Every step of one call site on one object, over all paths of a function. */
export interface CallSite {
  fn: FunctionResult;
  line: number;
  column?: number;
  call: string;
  object: string;
  kind: string;
  counter?: string;
  /** Sum of the step deltas at this site, per path class id. */
  perPath: Map<number, number>;
  notes: Set<string>;
  sources: Set<string>;
  inferred: boolean;
}

/** Groups the counted steps (delta != 0) of a function by call site and object. */
export function callSites(fn: FunctionResult): CallSite[] {
  const sites = new Map<string, CallSite>();
  for (const path of fn.paths) {
    for (const step of path.steps) {
      if (!step.delta) continue;
      const key = `${step.line}:${step.column ?? ''}:${step.call}:${step.object}:${step.kind}:${step.counter ?? ''}`;
      let site = sites.get(key);
      if (!site) {
        site = {
          fn, line: step.line, column: step.column, call: step.call, object: step.object, kind: step.kind,
          counter: step.counter, perPath: new Map(), notes: new Set(), sources: new Set(), inferred: false,
        };
        sites.set(key, site);
      }
      site.perPath.set(path.id, (site.perPath.get(path.id) ?? 0) + step.delta);
      if (step.note) site.notes.add(step.note);
      if (step.source) site.sources.add(step.source);
      if (step.inferred) site.inferred = true;
    }
  }
  return [...sites.values()];
}

/** `+2/+1 cdev (MAKEDEV_REF)`: the distinct per-path changes, largest first. */
export function siteLabel(site: CallSite): string {
  const values = [...new Set(site.perPath.values())].sort((a, b) => b - a).map(signed).join('/');
  const what = site.counter ? `${site.kind} ${site.counter}` : site.kind;
  const notes = [...site.notes].filter((n) => !n.startsWith('via '));
  const extra = [...new Set([...notes, ...(site.inferred ? ['inferred'] : [])])];
  return `${values} ${what}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

export function inlayHints(result: FileResult, text: string, range: Range, uri?: string): InlayHint[] {
  const index = new LineIndex(text);
  const hints: InlayHint[] = [];
  for (const fn of result.functions) {
    if (fn.range.endLine - 1 < range.start.line || fn.range.line - 1 > range.end.line) continue;
    for (const site of callSites(fn)) {
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
  const label: InlayHintLabelPart = { value: siteLabel(site) };
  // a user model file's entry is one click away; presets live inside the bundle
  const location = [...site.sources].map(modelEntryLocation).find(Boolean);
  if (location) {
    label.location = location;
    label.tooltip = `model entry: ${describeSource([...site.sources][0])}`;
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

/** The path classes through the call, with their change here and their total. */
export function siteTooltip(site: CallSite): string {
  const lines = [`**${site.call}()** on \`${site.object}\` (${site.kind}${site.counter ? `, ${site.counter}` : ''})`];
  const origin = [...site.sources].map(describeSource).filter(Boolean);
  if (origin.length) lines.push(`model: ${origin.join(', ')}${site.inferred ? ' · inferred' : ''}`);
  else if (site.inferred) lines.push('inferred from the names of a get/put pair (no model entry)');
  lines.push('', `Paths through this call in ${site.fn.name}():`, '');
  for (const [id, delta] of site.perPath) {
    const path = site.fn.paths.find((p) => p.id === id);
    if (path) lines.push(`- ${pathLine(path, site, delta)}`);
  }
  return lines.join('\n');
}

function pathLine(path: PathClass, site: CallSite, delta: number): string {
  const total = path.deltas.find((d) => d.object === site.object && d.counter === site.counter)?.delta;
  const cond = path.conditions.length ? path.conditions.join(' ∧ ') : 'always';
  const merged = path.merged > 1 ? ` (${path.merged} paths)` : '';
  return `#${path.id}${merged}: ${signed(delta)} here, ${total === undefined ? '?' : signed(total)} at exit line ${path.exit.line} (returns ${path.exit.returns}) · ${cond}`;
}

