/**
 * Diagnostics of the two sides split into fixed, introduced, unchanged and updated. A problem is
 * known by its function (under its head name when it was renamed), rule, object and the shape
 * of its message (its words with every line number taken out), never by where it is: moving code
 * keeps a problem unchanged. What is left over with the same function, rule and object on both
 * sides is the same problem worded differently (other counts, paths or conditions): updated.
 */
import type { Diagnostic } from '../result';
import { moveDiagnostic } from '../checks/registry';
import type { DiagnosticChange, DiagnosticSplit } from './types';

export interface SplitContext {
  file: string;
  /** The file's base path, when it differs. */
  baseFile?: string;
  /** The head name of each base function that was renamed. */
  renamed: ReadonlyMap<string, string>;
  /** Where a base diagnostic's place is in the head revision, when its function is still there. */
  headLineOf(d: Diagnostic): number | undefined;
}

export function splitDiagnostics(
  base: readonly Diagnostic[],
  head: readonly Diagnostic[],
  ctx: SplitContext,
): DiagnosticSplit {
  const headName = (d: Diagnostic) => (d.function !== undefined ? (ctx.renamed.get(d.function) ?? d.function) : '');
  const subject = (d: Diagnostic, fn: string) => `${fn}|${d.rule}|${d.overwritten?.name ?? d.object ?? ''}`;
  const exact = (d: Diagnostic, fn: string) => `${subject(d, fn)}|${d.severity}|${shape(d)}`;
  const byLine = (a: Diagnostic, b: Diagnostic) => a.line - b.line;
  let leftBase = [...base].sort(byLine);
  let leftHead = [...head].sort(byLine);
  const out: DiagnosticSplit = { fixed: [], introduced: [], unchanged: [], updated: [] };

  const pairUp = (keyBase: (d: Diagnostic) => string, keyHead: (d: Diagnostic) => string) => {
    const waiting = new Map<string, Diagnostic[]>();
    for (const d of leftBase) {
      const k = keyBase(d);
      const list = waiting.get(k);
      if (list) list.push(d);
      else waiting.set(k, [d]);
    }
    const pairs: [Diagnostic, Diagnostic][] = [];
    const unpairedHead: Diagnostic[] = [];
    for (const d of leftHead) {
      const b = waiting.get(keyHead(d))?.shift();
      if (b) pairs.push([b, d]);
      else unpairedHead.push(d);
    }
    const paired = new Set(pairs.map(([b]) => b));
    leftBase = leftBase.filter((d) => !paired.has(d));
    leftHead = unpairedHead;
    return pairs;
  };

  for (const [b, h] of pairUp(
    (d) => exact(d, headName(d)),
    (d) => exact(d, d.function ?? ''),
  ))
    out.unchanged.push(both(ctx, b, h, false));
  for (const [b, h] of pairUp(
    (d) => subject(d, headName(d)),
    (d) => subject(d, d.function ?? ''),
  ))
    out.updated.push(both(ctx, b, h, true));
  for (const d of leftBase) {
    const at = ctx.headLineOf(d);
    const renamedTo = d.function !== undefined ? ctx.renamed.get(d.function) : undefined;
    out.fixed.push({
      ...one(ctx.file, d),
      ...(ctx.baseFile ? { baseFile: ctx.baseFile } : {}),
      ...(at !== undefined ? { headLine: at } : {}),
      ...(renamedTo ? { baseFunction: d.function, function: renamedTo } : {}),
    });
  }
  for (const d of leftHead) out.introduced.push(one(ctx.file, d));
  return out;
}

/** A message's words with the line numbers (and path numbers) taken out. */
export function shape(d: Diagnostic): string {
  let words = d.message;
  if (d.detail) {
    try {
      words = moveDiagnostic(d, () => 0).message;
    } catch {
      // a detail this build cannot word again: its message, numbers taken out below
    }
  }
  return words.replace(/\blines? \d+(?:[-–,]\s*\d+)*/g, 'line ?').replace(/#\d+/g, '#');
}

function one(file: string, d: Diagnostic): DiagnosticChange {
  return {
    file,
    rule: d.rule,
    severity: d.severity,
    ...(d.function !== undefined ? { function: d.function } : {}),
    ...(d.object !== undefined ? { object: d.object } : {}),
    ...(d.kind !== undefined ? { kind: d.kind } : {}),
    line: d.line,
    message: d.message,
    related: d.related,
    ...(d.paths ? { paths: d.paths } : {}),
    ...(d.inferred ? { inferred: true } : {}),
  };
}

function both(ctx: SplitContext, b: Diagnostic, h: Diagnostic, worded: boolean): DiagnosticChange {
  return {
    ...one(ctx.file, h),
    ...(ctx.baseFile ? { baseFile: ctx.baseFile } : {}),
    baseLine: b.line,
    ...(worded ? { baseMessage: b.message } : {}),
    ...(b.severity !== h.severity ? { baseSeverity: b.severity } : {}),
    ...(b.function !== h.function && b.function !== undefined ? { baseFunction: b.function } : {}),
  };
}
