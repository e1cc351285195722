/**
 * Text positions for the renderers: analysis results carry 1-based lines and 0-based
 * columns; LSP wants 0-based lines and the end of a call, which the results do not carry.
 */
import type { Position, Range } from 'vscode-languageserver';

export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** Text of 0-based line `line`, without its line break. */
  line(line: number): string {
    if (line < 0 || line >= this.starts.length) return '';
    const end = line + 1 < this.starts.length ? this.starts[line + 1] - 1 : this.text.length;
    return this.text.slice(this.starts[line], end).replace(/\r$/, '');
  }

  /** The range covering the code on a 1-based line (from its first non-blank character). */
  lineRange(line1: number, column?: number): Range {
    const line = clamp(line1 - 1, 0, this.lineCount - 1);
    const text = this.line(line);
    const start = column ?? Math.max(0, text.search(/\S/));
    return { start: { line, character: Math.min(start, text.length) }, end: { line, character: text.length } };
  }

  /**
   * Where the call `name(...)` that starts near (line1, column) ends: just after its closing
   * parenthesis, found by counting parentheses (strings and char literals skipped); the call
   * may span lines. Falls back to the end of the name when the text does not match.
   */
  callEnd(line1: number, column: number | undefined, name: string): { start: Position; end: Position } | undefined {
    const line = line1 - 1;
    const text = this.line(line);
    const at = findName(text, name, column);
    if (at < 0) return undefined;
    const start = { line, character: at };
    let offset = this.starts[line] + at + name.length;
    while (offset < this.text.length && /\s/.test(this.text[offset])) offset++;
    if (this.text[offset] !== '(') return { start, end: { line, character: at + name.length } };
    const close = matchingParen(this.text, offset);
    return { start, end: close < 0 ? { line, character: at + name.length } : this.positionAt(close + 1) };
  }

  positionAt(offset: number): Position {
    let lo = 0,
      hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo] };
  }
}

/** The column of identifier `name` on the line: at `column` if it is there, else the nearest one. */
function findName(text: string, name: string, column?: number): number {
  const isWord = (i: number) => i >= 0 && i < text.length && /\w/.test(text[i]);
  const hits: number[] = [];
  for (let i = text.indexOf(name); i >= 0; i = text.indexOf(name, i + 1)) {
    if (!isWord(i - 1) && !isWord(i + name.length)) hits.push(i);
  }
  if (!hits.length) return -1;
  const want = column ?? 0;
  return hits.reduce((best, h) => (Math.abs(h - want) < Math.abs(best - want) ? h : best));
}

/** Offset of the parenthesis closing the one at `open`, or -1 (gives up after 20,000 characters). */
function matchingParen(text: string, open: number): number {
  let depth = 0;
  const stop = Math.min(text.length, open + 20_000);
  for (let i = open; i < stop; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      for (i++; i < stop && text[i] !== c && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

export function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}
