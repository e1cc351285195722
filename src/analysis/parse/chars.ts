/** Character classes of C source text, by char code (scans run per character: no regex). */

/** A letter or `_`: where an identifier can start. */
export const isIdentStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;

/** A letter, digit or `_`. */
export const isWordChar = (c: number): boolean => isIdentStart(c) || (c >= 48 && c <= 57);

/** The characters of JavaScript's `\s`. */
export function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

const CLOSERS: Readonly<Record<number, number>> = { 40: 41, 91: 93, 123: 125 };

/**
 * The bracket that closes the one at `open` (`(`, `[` or `{`), counting only that kind, or -1 (no closer, or
 * no opening bracket at `open`). Callers scan masked text, where comments and strings are blanks.
 */
export function closingBracket(s: string, open: number): number {
  const o = s.charCodeAt(open);
  const c = CLOSERS[o];
  if (c === undefined) return -1;
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const x = s.charCodeAt(i);
    if (x === o) depth++;
    else if (x === c && --depth === 0) return i;
  }
  return -1;
}
