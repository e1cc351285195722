/**
 * What the trace still reads from the source text itself, beside the analyser's result
 * (which gives each function's parameters and calls): the extent of loop bodies and switch
 * cases, file-scope names and string constants. Comments and string contents are masked
 * first so that none of them count.
 */
import { lineIndexAt, lineStartsOf } from '../analysis/parse/lines';
import { splitTopLevel } from '../analysis/parse/split';

export class SourceText {
  private static recent: SourceText[] = [];

  /**
   * The SourceText of `text`, shared by the traces of one text: masking is most of a trace's
   * work, and the scenarios of one file (a diff runs four per side) read the same text.
   */
  static of(text: string): SourceText {
    let s = SourceText.recent.find((x) => x.text === text);
    if (!s) {
      s = new SourceText(text);
      SourceText.recent = [s, ...SourceText.recent.slice(0, 3)];
    }
    return s;
  }

  /** The text with comments and string contents blanked (same length, same lines). */
  readonly masked: string;
  readonly maskedLines: string[];
  private lineStarts: number[];

  constructor(readonly text: string) {
    this.masked = maskCommentsAndStrings(text);
    this.maskedLines = this.masked.split('\n');
    this.lineStarts = lineStartsOf(text);
  }

  private linux?: boolean;

  /** Whether the text includes a <linux/...> header (read once for the scenarios of one text). */
  get includesLinux(): boolean {
    this.linux ??= /#\s*include\s*<linux\//.test(this.text);
    return this.linux;
  }

  offsetOf(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line - 1, this.lineStarts.length - 1))];
  }

  lineOf(offset: number): number {
    return lineIndexAt(this.lineStarts, offset) + 1;
  }

  /** Lines from..to (inclusive) whose masked text matches `re`. */
  findLines(from: number, to: number, re: RegExp): number[] {
    const out: number[] = [];
    for (let i = from; i <= to && i <= this.maskedLines.length; i++) if (re.test(this.maskedLines[i - 1])) out.push(i);
    return out;
  }

  /** `stringConstant` by name: the condition rules ask on every reading, each a search of the whole text. */
  private readonly constants = new Map<string, string | undefined>();

  /** The string a file-scope name stands for: `static const char tunname[] = "tun";`, `#define NAME "x"`. */
  stringConstant(name: string): string | undefined {
    if (this.constants.has(name)) return this.constants.get(name);
    const esc = name.replace(/[^\w]/g, '');
    const m =
      new RegExp(`\\b${esc}\\s*(?:\\[\\s*\\])?\\s*=\\s*"([^"\\n]*)"`).exec(this.text) ??
      new RegExp(`#\\s*define\\s+${esc}\\s+"([^"\\n]*)"`).exec(this.text);
    this.constants.set(name, m?.[1]);
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

export function matchParen(s: string, open: number, limit = 20000): number {
  let depth = 0;
  for (let i = open; i < s.length && i < open + limit; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Blank comments and the contents of string and character literals, keeping newlines and offsets. */
export function maskCommentsAndStrings(text: string): string {
  // the text as kept runs and blanked runs, joined once (a per-character array was most of a trace's work)
  const parts: string[] = [];
  let kept = 0;
  const blank = (from: number, to: number) => {
    if (from >= to) return;
    const run = text.slice(from, to);
    parts.push(text.slice(kept, from), run.includes('\n') ? run.replace(/[^\n]/g, ' ') : ' '.repeat(run.length));
    kept = to;
  };
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 47 /* / */) {
      const n = text.charCodeAt(i + 1);
      if (n === 42 /* * */) {
        const end = text.indexOf('*/', i + 2);
        const e = end < 0 ? text.length : end + 2;
        blank(i, e);
        i = e;
        continue;
      }
      if (n === 47) {
        let e = text.indexOf('\n', i);
        if (e < 0) e = text.length;
        blank(i, e);
        i = e;
        continue;
      }
    } else if (c === 34 /* " */ || c === 39 /* ' */) {
      let k = i + 1;
      while (k < text.length && text.charCodeAt(k) !== c && text.charCodeAt(k) !== 10) {
        if (text.charCodeAt(k) === 92 /* \\ */) k++;
        k++;
      }
      blank(i + 1, Math.min(k, text.length));
      i = k + 1;
      continue;
    }
    i++;
  }
  parts.push(text.slice(kept));
  return parts.join('');
}

export { splitTopLevel };
