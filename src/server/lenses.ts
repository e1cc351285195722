/**
 * Code lenses above functions: one per counted object, summing up what the paths do to it
 * (`*dev cdev: +3 new · +1 existing · 0 on 15 paths`), one per problem
 * (`contract: dev_clone handler hands out +2 ... (expected +1)`), and one when a budget cut
 * the analysis. Words come from the deltas and return classes, never from driver names.
 */
import type { CodeLens } from 'vscode-languageserver';
import type { Delta, Diagnostic, FileResult, FunctionResult, PathClass } from '../analysis/result';
import { ruleSpec } from '../analysis/checks/registry';
import { Commands } from '../shared/protocol';
import { signed } from './positions';
import { traceLens } from './trace-state';

/** What one path does to an object, in a word. */
export function deltaWord(d: Delta): string {
  if (d.existence > 0) return 'new';
  if (d.existence < 0) return 'destroyed';
  if (d.refs > 0) return 'existing';
  if (d.refs < 0) return 'released';
  return '';
}

/** Return classes that mean "failed": a kernel error number, non-zero status or NULL. */
function looksLikeError(p: PathClass): boolean {
  const c = p.exit.returnClass;
  return c === 'nonzero' || c === 'NULL' || /^-?E[A-Z0-9]+$/.test(p.exit.returns) || /^-\d+$/.test(c);
}

/** `+3 new · +1 existing · 0 on 15 paths` for one object of one function. */
export function objectSummary(fn: FunctionResult, object: string, counter?: string): string {
  const groups = new Map<string, { delta: number; word: string; paths: number; errors: number }>();
  for (const path of fn.paths) {
    const d = path.deltas.find((x) => x.object === object && x.counter === counter);
    const delta = d?.delta ?? 0;
    const word = d ? deltaWord(d) : '';
    const key = `${delta}|${word}`;
    const g = groups.get(key) ?? { delta, word, paths: 0, errors: 0 };
    g.paths += path.merged;
    if (looksLikeError(path)) g.errors += path.merged;
    groups.set(key, g);
  }
  return [...groups.values()]
    .sort((a, b) => b.delta - a.delta || a.word.localeCompare(b.word))
    .map((g) => {
      const head = `${signed(g.delta)}${g.word ? ` ${g.word}` : ''}`;
      if (g.delta !== 0) return head;
      const kind = g.errors === g.paths ? 'error ' : '';
      return `${head} on ${g.paths} ${kind}path${g.paths === 1 ? '' : 's'}`;
    })
    .join(' · ');
}

/** The counted objects of a function, in order of first appearance. */
function objectsOf(fn: FunctionResult): { object: string; kind: string; counter?: string }[] {
  const seen = new Map<string, { object: string; kind: string; counter?: string }>();
  for (const p of fn.paths) {
    for (const d of p.deltas) {
      const key = `${d.object}|${d.counter ?? ''}`;
      if (!seen.has(key)) seen.set(key, { object: d.object, kind: d.kind, counter: d.counter });
    }
  }
  return [...seen.values()];
}

/** A diagnostic message cut to lens size: without the function's own name and the path details. */
export function problemTitle(d: Diagnostic, fnName: string): string {
  let msg = d.message.replace(new RegExp(`\\b${fnName.replace(/\W/g, '\\$&')}\\(\\)\\s*`, 'g'), '');
  msg = msg.split(/ on the path| on paths|: the path|: total |\. /)[0].replace(/[:,;.]\s*$/, '');
  // the object and what counts are on the summary lens beside it
  msg = msg.replace(/ on \S+ beyond the existence reference(?= \()/, '');
  if (msg.length > 110) msg = `${msg.slice(0, 107)}...`;
  return `${d.rule}: ${msg}${d.inferred ? ' (inferred)' : ''}`;
}

/** `text`: the analysed text, to show the last lifecycle trace's counts while it still matches. */
export function codeLenses(result: FileResult, uri: string, text?: string): CodeLens[] {
  const lenses: CodeLens[] = [];
  for (const fn of result.functions) {
    const line = fn.nameRange.line - 1;
    const range = { start: { line, character: fn.nameRange.column }, end: { line, character: fn.nameRange.endColumn } };
    const show = (title: string, pathId?: number): CodeLens => ({
      range,
      command: { title, command: Commands.showPaths, arguments: pathId === undefined ? [uri, fn.line] : [uri, fn.line, pathId] },
    });
    for (const o of objectsOf(fn)) {
      const name = `${o.object} ${o.kind}${o.counter ? ` ${o.counter}` : ''}`;
      lenses.push(show(`${name}: ${objectSummary(fn, o.object, o.counter)}`));
    }
    for (const d of result.diagnostics) {
      if (d.function === fn.name && ruleSpec(d.rule).lens && d.line >= fn.range.line && d.line <= fn.range.endLine) {
        lenses.push(show(problemTitle(d, fn.name), d.paths?.[0]));
      }
    }
    const trace = text !== undefined ? traceLens(uri, fn.name, text) : undefined;
    if (trace) lenses.push({ range, command: trace });
    if (fn.truncated && fn.truncatedReason) {
      const reason = fn.truncatedReason;
      lenses.push(show(reason.startsWith('not analysed') ? `⚠ ${reason}` : `⚠ analysis cut short: ${reason}`));
    }
  }
  return lenses;
}
