/**
 * What the trace reads from the source text itself, beside the analyser's result:
 * parameter lists, calls on the lines a path passes through, file-scope names and string
 * constants. Comments and string contents are masked first so that none of them count.
 */
import { lineIndexAt, lineStartsOf } from '../analysis/parse/lines';
import { splitTopLevel } from '../analysis/parse/split';

export interface Param { name: string; type: string; index: number }

export interface SourceCall { line: number; callee: string; args: string[] }

export class SourceText {
  readonly lines: string[];
  /** The text with comments and string contents blanked (same length, same lines). */
  readonly masked: string;
  readonly maskedLines: string[];
  private lineStarts: number[];

  constructor(readonly text: string) {
    this.lines = text.split('\n');
    this.masked = maskCommentsAndStrings(text);
    this.maskedLines = this.masked.split('\n');
    this.lineStarts = lineStartsOf(text);
  }

  offsetOf(line: number): number { return this.lineStarts[Math.max(0, Math.min(line - 1, this.lineStarts.length - 1))]; }

  lineOf(offset: number): number { return lineIndexAt(this.lineStarts, offset) + 1; }

  /** The parameters of the function whose name starts at (line, column) (1-based line, 0-based column). */
  params(line: number, column: number): Param[] {
    const start = this.offsetOf(line) + column;
    const open = this.masked.indexOf('(', start);
    if (open < 0) return [];
    const close = matchParen(this.masked, open);
    if (close < 0) return [];
    const inner = this.text.slice(open + 1, close).replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\s+/g, ' ').trim();
    if (!inner || inner === 'void') return [];
    return splitTopLevel(inner).map((p, index) => {
      const cleaned = p.replace(/\b__unused\b|\b__diagused\b|\b__restrict\b/g, '').trim();
      const m = /([A-Za-z_]\w*)\s*(\[[^\]]*\])*\s*$/.exec(cleaned);
      const name = m ? m[1] : '';
      const type = (m ? cleaned.slice(0, m.index) : cleaned).replace(/\s+/g, ' ').replace(/\s*\*/g, ' *').replace(/\* \*/g, '**').trim();
      // an unnamed parameter ("struct ifnet *") has no name: the whole text is its type
      if (!/[\s*]/.test(cleaned.slice(0, m?.index ?? 0)) || /^(struct|const|unsigned|signed)$/.test(name)) return { name: '', type: cleaned.replace(/\s*\*/g, ' *').trim(), index };
      return { name, type, index };
    });
  }

  /** Calls on one line (of the masked text), with their arguments when they close on a near line. */
  callsOnLine(line: number): SourceCall[] {
    const out: SourceCall[] = [];
    const l = this.maskedLines[line - 1];
    if (l === undefined) return out;
    const re = /\b([A-Za-z_]\w*)\s*\(/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(l))) {
      if (KEYWORDS.has(m[1])) continue;
      const open = this.offsetOf(line) + m.index + m[0].length - 1;
      const close = matchParen(this.masked, open, 2000);
      const args = close < 0 ? [] : splitTopLevel(this.text.slice(open + 1, close).replace(/\s+/g, ' ').trim()).filter((a) => a !== '');
      out.push({ line, callee: m[1], args });
    }
    return out;
  }

  /** Lines from..to (inclusive) whose masked text matches `re`. */
  findLines(from: number, to: number, re: RegExp): number[] {
    const out: number[] = [];
    for (let i = from; i <= to && i <= this.maskedLines.length; i++) if (re.test(this.maskedLines[i - 1])) out.push(i);
    return out;
  }

  /** The string a file-scope name stands for: `static const char tunname[] = "tun";`, `#define NAME "x"`. */
  stringConstant(name: string): string | undefined {
    const esc = name.replace(/[^\w]/g, '');
    const m = new RegExp(`\\b${esc}\\s*(?:\\[\\s*\\])?\\s*=\\s*"([^"\\n]*)"`).exec(this.text)
      ?? new RegExp(`#\\s*define\\s+${esc}\\s+"([^"\\n]*)"`).exec(this.text);
    return m?.[1];
  }

  /** A literal or a name of a string constant, as written in an argument, to its text. */
  stringValue(arg: string | undefined): string | undefined {
    if (!arg) return undefined;
    const lit = /^"([^"]*)"$/.exec(arg.trim());
    if (lit) return lit[1];
    if (/^[A-Za-z_]\w*$/.test(arg.trim())) return this.stringConstant(arg.trim());
    return undefined;
  }
}

const KEYWORDS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', 'do', 'case', 'else', 'goto', '__typeof', 'typeof', '_Alignof', 'defined']);

export function matchParen(s: string, open: number, limit = 20000): number {
  let depth = 0;
  for (let i = open; i < s.length && i < open + limit; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') { depth--; if (depth === 0) return i; }
  }
  return -1;
}


/** Blank comments and the contents of string and character literals, keeping newlines and offsets. */
export function maskCommentsAndStrings(text: string): string {
  const out = text.split('');
  let i = 0;
  const blank = (from: number, to: number) => { for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' '; };
  while (i < text.length) {
    const c = text[i], n = text[i + 1];
    if (c === '/' && n === '*') { const end = text.indexOf('*/', i + 2); const e = end < 0 ? text.length : end + 2; blank(i, e); i = e; continue; }
    if (c === '/' && n === '/') { let e = text.indexOf('\n', i); if (e < 0) e = text.length; blank(i, e); i = e; continue; }
    if (c === '"' || c === "'") {
      let k = i + 1;
      while (k < text.length && text[k] !== c && text[k] !== '\n') { if (text[k] === '\\') k++; k++; }
      blank(i + 1, k);
      i = k + 1;
      continue;
    }
    i++;
  }
  return out.join('');
}

export { splitTopLevel };
