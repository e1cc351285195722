/**
 * The last lifecycle trace run on each document, for the server's inlay hints and code
 * lenses: a hint at a call the trace passed through links to its step, a function's lens
 * shows the counts the trace saw on entry and exit. Pure data; no LSP imports.
 */
import type { TraceCall, TraceResult, TraceStep } from '../trace/types';

interface Stored {
  trace: TraceResult;
  textHash: number;
}

const traces = new Map<string, Stored>();

/** The client command a hint or lens runs to show a step in the trace view: arguments [uri, seq]. */
export const REVEAL_STEP_COMMAND = 'refcountLens.trace.revealStep';

export function hashText(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

export function setLastTrace(uri: string, trace: TraceResult, text: string): void {
  traces.set(uri, { trace, textHash: hashText(text) });
}

/**
 * The last trace of `uri`. Pass the document's current text to get it only while it still
 * matches (after an edit the trace's lines would point at the wrong places).
 */
export function lastTrace(uri: string, text?: string): TraceResult | undefined {
  const s = traces.get(uri);
  if (!s) return undefined;
  if (text !== undefined && hashText(text) !== s.textHash) return undefined;
  return s.trace;
}

/** Steps of the last trace at a line of the file (1-based), made by the file's own code. */
export function traceStepsAt(uri: string, line: number, text?: string): TraceStep[] {
  const t = lastTrace(uri, text);
  if (!t) return [];
  return t.steps.filter((s) => s.line === line && !s.kernel);
}

/** The calls of a function the last trace made, in order. */
export function traceCallsOf(uri: string, fn: string, text?: string): TraceCall[] {
  const t = lastTrace(uri, text);
  return t ? t.calls.filter((c) => c.function === fn) : [];
}

/** An LSP InlayHintLabelPart[] for the trace's steps at `line`, each linking to its step. */
export function traceHintParts(
  uri: string,
  line: number,
  text?: string,
): { value: string; tooltip?: string; command?: { title: string; command: string; arguments: unknown[] } }[] {
  const steps = traceStepsAt(uri, line, text);
  return steps.map((s, i) => ({
    value: `${i === 0 ? 'trace ' : ''}#${s.seq} ${s.object} ${s.before}→${s.after}${i < steps.length - 1 ? ',' : ''}`,
    tooltip:
      `${s.event}: ${s.where}: ${s.call} ${s.object} ${s.before} → ${s.after}${s.note ? ` (${s.note})` : ''}. ` +
      'Click to show the step in the trace.',
    command: { title: `Show step ${s.seq}`, command: REVEAL_STEP_COMMAND, arguments: [uri, s.seq] },
  }));
}

/**
 * The lens text for a function the last trace ran: its counts on entry and exit,
 * e.g. "trace: tun0 0→3, ucred test 1→2 (path #3)". Undefined when the trace did not run it.
 */
export function traceLens(
  uri: string,
  fn: string,
  text?: string,
): { title: string; command: string; arguments: unknown[] } | undefined {
  const calls = traceCallsOf(uri, fn, text);
  if (!calls.length) return undefined;
  const t = lastTrace(uri, text)!;
  const c = calls.find((x) => Object.keys(x.counts).length) ?? calls[0];
  const counts = Object.entries(c.counts)
    .map(([o, [a, b]]) => `${o} ${a}→${b}`)
    .join(', ');
  const firstStep = t.steps.find((s) => s.seq > c.afterSeq);
  const more = calls.length > 1 ? ` (+${calls.length - 1} more call${calls.length > 2 ? 's' : ''})` : '';
  return {
    title:
      `trace ${t.scenario}: ${counts || 'no counted change'}${c.path !== undefined ? ` (path #${c.path})` : ''}` + more,
    command: REVEAL_STEP_COMMAND,
    arguments: [uri, firstStep?.seq ?? 0],
  };
}
