/**
 * Apple's blocks (clang `-fblocks`, all over XNU) are not C. A literal `^(args) { ... }` or
 * `^{ ... }` read as written makes the grammar end the function at the block's closing brace,
 * so everything after it is lost; a block pointer `void (^cb)(int)` is an error node.
 * The edits here keep offsets: a literal becomes the value `0` (its body runs when the callee
 * calls it, as a callback's would, not where it is written), a pointer's caret a `*`, and a
 * `__block` variable, which a literal may assign whenever it runs, loses its qualifier and its
 * initial value, so no path is pruned on a value the block may have changed.
 */
import { closingBracket, isSpace } from './chars';

export interface SameLengthEdit {
  start: number;
  end: number;
  replacement: string;
}

/** Edits for every block literal and block pointer in `masked` (comments and strings blanked). */
export function blockEdits(masked: string): SameLengthEdit[] {
  const edits: SameLengthEdit[] = blockVariables(masked);
  for (let at = masked.indexOf('^'); at >= 0; at = masked.indexOf('^', at + 1)) {
    if (masked[at + 1] === '=') continue;
    const end = literalEnd(masked, at);
    if (end > 0) {
      edits.push({ start: at, end: end + 1, replacement: '0' });
      at = end;
    } else if (masked[significantBefore(masked, at)] === '(') {
      edits.push({ start: at, end: at + 1, replacement: '*' });
    }
  }
  return edits;
}

/** `__block int error = 0, n;` -> `int error, n;`, blanks where the qualifier and the value were. */
function blockVariables(masked: string): SameLengthEdit[] {
  const edits: SameLengthEdit[] = [];
  for (const m of masked.matchAll(/\b__block\b/g)) {
    edits.push({ start: m.index!, end: m.index! + m[0].length, replacement: '' });
    let depth = 0;
    let value = -1;
    for (let k = m.index! + m[0].length; k < masked.length; k++) {
      const c = masked[k];
      if (c === '(' || c === '{' || c === '[') depth++;
      else if (c === ')' || c === '}' || c === ']') depth--;
      else if (depth === 0 && c === '=' && value < 0) value = k;
      else if (depth === 0 && (c === ',' || c === ';')) {
        if (value >= 0) edits.push({ start: value, end: k, replacement: '' });
        value = -1;
        if (c === ';') break;
      }
      if (depth < 0) break;
    }
  }
  return edits;
}

/** The closing brace of the block literal whose caret is at `at`, or -1 when it is not one. */
function literalEnd(masked: string, at: number): number {
  let k = significantAfter(masked, at + 1);
  if (masked[k] === '(') {
    k = closingBracket(masked, k);
    if (k < 0) return -1;
    k = significantAfter(masked, k + 1);
  }
  return masked[k] === '{' ? closingBracket(masked, k) : -1;
}

function significantBefore(s: string, i: number): number {
  let k = i - 1;
  while (k >= 0 && isSpace(s.charCodeAt(k))) k--;
  return k;
}

function significantAfter(s: string, i: number): number {
  let k = i;
  while (k < s.length && isSpace(s.charCodeAt(k))) k++;
  return k;
}
