/**
 * The file's function definitions found by a brace scan of the masked pre-pass text,
 * before anything is parsed: enough to decide which bodies the analysis will need, so
 * that tree-sitter can be told to skip the others (see `Analyzer.parse`'s `skipBodies`).
 * The scan only proposes: the parse that follows checks every skipped body against its
 * own tree, and parses the whole file when the two disagree.
 */

import type { Range } from 'web-tree-sitter';
import { lineIndexAt } from './lines';
import { closingBracket, isSpace, isWordChar } from './chars';

export interface OutlineFunction {
  /** The name before the parameter list; undefined when the declarator is not a plain name. */
  name?: string;
  /** First character of the definition (after the previous top-level `;` or `}`). */
  start: number;
  /** Offsets of the body's `{` and one past its `}`. */
  bodyStart: number;
  bodyEnd: number;
}

const NOT_A_FUNCTION = new Set([
  'if',
  'while',
  'for',
  'switch',
  'return',
  'sizeof',
  'do',
  'else',
  'case',
  '__attribute__',
  'typeof',
  '__typeof',
  '__typeof__',
  'defined',
]);

/**
 * Top-level `... name(...) { ... }` in `masked` (comments, strings and directives blank).
 * Undefined when the braces do not balance: then nothing can be skipped safely.
 */
export function outlineFunctions(masked: string): OutlineFunction[] | undefined {
  const out: OutlineFunction[] = [];
  const n = masked.length;
  let lastStop = 0;
  for (let i = 0; i < n; i++) {
    const c = masked.charCodeAt(i);
    if (c === 59 /* ; */) {
      lastStop = i + 1;
      continue;
    }
    if (c === 125 /* } */) return undefined;
    if (c !== 123 /* { */) continue;
    const close = closingBracket(masked, i);
    if (close < 0) return undefined;
    const params = parameterList(masked, i);
    if (params >= 0) {
      const name = identifierBefore(masked, params);
      // `void (name)(...)` and declarators that return function pointers have no plain name
      const unnamed = name === undefined && masked.charCodeAt(prevSignificant(masked, params - 1)) === 41;
      if ((name !== undefined && !NOT_A_FUNCTION.has(name)) || unnamed) {
        out.push({ name, start: nextSignificant(masked, lastStop, i), bodyStart: i, bodyEnd: close + 1 });
      }
    }
    i = close;
    lastStop = close + 1;
  }
  return out;
}

/** The `(` of the parameter list before the body at `brace`, past any `__attribute__((...))`; -1 if none. */
function parameterList(s: string, brace: number): number {
  let p = prevSignificant(s, brace - 1);
  for (;;) {
    if (p < 0 || s.charCodeAt(p) !== 41 /* ) */) return -1;
    const open = matchParenBackward(s, p);
    if (open <= 0) return -1;
    const word = identifierBefore(s, open);
    if (word !== '__attribute__' && word !== '__attribute') return open;
    p = prevSignificant(s, prevSignificant(s, open - 1) - word.length);
  }
}

function matchParenBackward(s: string, close: number): number {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c === 41) depth++;
    else if (c === 40 && --depth === 0) return i;
    else if (c === 59 || c === 123 || c === 125) return -1;
  }
  return -1;
}

function prevSignificant(s: string, from: number): number {
  let i = from;
  while (i >= 0 && isSpace(s.charCodeAt(i))) i--;
  return i;
}

function nextSignificant(s: string, from: number, limit: number): number {
  let i = from;
  while (i < limit && isSpace(s.charCodeAt(i))) i++;
  return i;
}

function identifierBefore(s: string, at: number): string | undefined {
  const end = prevSignificant(s, at - 1) + 1;
  let start = end;
  while (start > 0 && isWordChar(s.charCodeAt(start - 1))) start--;
  const first = s.charCodeAt(start);
  if (start === end || (first >= 48 && first <= 57)) return undefined;
  return s.slice(start, end);
}

/**
 * tree-sitter's included ranges for `text` (its lines starting at `starts`) without the insides of
 * the given bodies.
 */
export function rangesWithout(
  text: string,
  starts: number[],
  bodies: { bodyStart: number; bodyEnd: number }[],
): Range[] {
  const point = (offset: number) => {
    const row = lineIndexAt(starts, offset);
    return { row, column: offset - starts[row] };
  };
  const ranges: Range[] = [];
  let from = 0;
  for (const b of bodies) {
    const to = b.bodyStart + 1;
    ranges.push({ startIndex: from, endIndex: to, startPosition: point(from), endPosition: point(to) });
    from = b.bodyEnd - 1;
  }
  ranges.push({ startIndex: from, endIndex: text.length, startPosition: point(from), endPosition: point(text.length) });
  return ranges;
}
