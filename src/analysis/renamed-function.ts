/**
 * A function renamed and nothing else (a review's `rvw_stats` -> `rvw_read_stats`) is the same analysis under
 * another name: the per-function cache keys a definition by its text without its own name where the name is
 * written once (the declarator's), and a hit under another name is handed back renamed. Where the name is
 * written more than once (a recursive call, a comment), the text keeps it and nothing is shared.
 */
import type { Diagnostic, FunctionResult } from './result';
import type { Summary } from './paths/summary';
import { renameDiagnostic } from './checks/registry';

/** What a cached function holds that names the function. */
export interface NamedAnalysis {
  result: FunctionResult;
  diagnostics: Diagnostic[];
  summary: Summary;
}

/** `text` (a definition) with `name` left out where it is written exactly once as a word; else `text`. */
export function withoutOwnName(text: string, name: string): string {
  let at = -1;
  for (let i = text.indexOf(name); i >= 0; i = text.indexOf(name, i + 1)) {
    if (isWordChar(text.charCodeAt(i - 1)) || isWordChar(text.charCodeAt(i + name.length))) continue;
    if (at >= 0) return text;
    at = i;
  }
  return at < 0 ? text : `${text.slice(0, at)}\u0000${text.slice(at + name.length)}`;
}

/**
 * `c` (a function's analysis at its lines) under the name `to`. Undefined when renaming is not all that
 * differs: a column on the name's line would move with a name of another length, or the name is still
 * written somewhere this does not reword (then the function is analysed afresh).
 */
export function renamedAnalysis<T extends NamedAnalysis>(c: T, to: string): T | undefined {
  const r = c.result;
  const from = r.name;
  const nr = r.nameRange;
  if (nr.line !== nr.endLine || nr.endColumn - nr.column !== from.length) return undefined;
  const grow = to.length - from.length;
  if (grow !== 0 && columnsOnLine(c, nr.line)) return undefined;
  const out = {
    ...c,
    result: { ...r, name: to, nameRange: { ...nr, endColumn: nr.endColumn + grow } },
    diagnostics: c.diagnostics.map((d) => renameDiagnostic(d, from, to)),
    summary: { ...c.summary, name: to },
  };
  const named = JSON.stringify([out.result, out.diagnostics, out.summary]);
  return wordIn(named, from) ? undefined : out;
}

/** Whether anything of `c` but its name's range has a column on `line` (the definition's closing brace too). */
function columnsOnLine(c: NamedAnalysis, line: number): boolean {
  const r = c.result;
  if (r.range.endLine === line) return true;
  for (const p of r.paths) for (const s of p.steps) if (s.line === line && s.column !== undefined) return true;
  for (const d of c.diagnostics) {
    if ((d.line === line && d.column !== undefined) || (d.endLine === line && d.endColumn !== undefined)) return true;
    if (d.related.some((x) => x.line === line && x.column !== undefined)) return true;
  }
  return false;
}

function wordIn(text: string, word: string): boolean {
  for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1))
    if (!isWordChar(text.charCodeAt(i - 1)) && !isWordChar(text.charCodeAt(i + word.length))) return true;
  return false;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
