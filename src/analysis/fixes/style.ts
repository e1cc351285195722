/**
 * How a file writes its code, so that the lines a fix-it adds look like their neighbours: the
 * indentation step (a tab, or so many spaces), whether the brace of a branch ends its line
 * (`if (x) {`) or stands on the next one (Xen's `if ( x )` / `{`), and whether `else` follows
 * the closing brace on its line (`} else {`) or starts a line of its own.
 */

export interface CodeStyle {
  /** One level of indentation: `\t`, or a run of spaces. */
  indent: string;
  /** `} else {` rather than `}` and `else {` on the next line. */
  elseAfterBrace: boolean;
  /** A branch's `{` on a line of its own, indented as the branch. */
  braceOwnLine: boolean;
  /** The file's line break. */
  eol: '\n' | '\r\n';
}

export function detectStyle(text: string): CodeStyle {
  const lines = text.split('\n');
  let tabs = 0,
    spaces = 0;
  const steps = new Map<number, number>();
  let previous = 0;
  for (const line of lines) {
    if (!line.trim() || /^\s*(\*|\/\*|\/\/|#)/.test(line)) continue;
    if (line[0] === '\t') tabs++;
    else if (line[0] === ' ') spaces++;
    const width = /^ */.exec(line)![0].length;
    if (line[0] !== '\t' && width > previous) steps.set(width - previous, (steps.get(width - previous) ?? 0) + 1);
    if (line[0] !== '\t') previous = width;
  }
  let indent = '\t';
  if (spaces > tabs) {
    const [best] = [...steps].filter(([w]) => w >= 2 && w <= 8).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    indent = ' '.repeat(best?.[0] ?? 4);
  }
  const sameLine = (text.match(/\}[ \t]*else\b/g) ?? []).length;
  const ownLine = (text.match(/\}[ \t]*\r?\n[ \t]*else\b/g) ?? []).length;
  const braceEnds = (text.match(/\b(if|while|for|switch)\b[^\n;{]*\)[ \t]*\{[ \t]*\r?$/gm) ?? []).length;
  const braceAlone = (text.match(/\b(if|while|for|switch)\b[^\n;{]*\)[ \t]*\r?\n[ \t]*\{[ \t]*\r?$/gm) ?? []).length;
  return {
    indent,
    elseAfterBrace: sameLine >= ownLine,
    braceOwnLine: braceAlone > braceEnds,
    eol: text.includes('\r\n') ? '\r\n' : '\n',
  };
}

/** The whitespace that starts the line holding `offset`. */
export function indentAt(text: string, offset: number): string {
  const start = lineStart(text, offset);
  return /^[ \t]*/.exec(text.slice(start, start + 200))![0];
}

export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset of the line break that ends the line holding `offset` (the text's length on the last line). */
export function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  if (nl < 0) return text.length;
  return text[nl - 1] === '\r' ? nl - 1 : nl;
}
