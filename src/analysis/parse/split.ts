/** Whether every `)` of `s` closes a `(` before it and none is left open. */
export function balancedParens(s: string): boolean {
  let depth = 0;
  for (const c of s) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** Splits argument text at its top-level commas (not inside brackets or string literals). */
export function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0,
    start = 0,
    quote = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  return out;
}

/**
 * Where each top-level argument lies of the call whose parentheses are at `open` and `close` in
 * `masked` (comments and strings blanked, so only brackets nest).
 */
export function argumentSpans(masked: string, open: number, close: number): { start: number; end: number }[] {
  const args: { start: number; end: number }[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open + 1; i < close; i++) {
    const c = masked[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      args.push({ start, end: i });
      start = i + 1;
    }
  }
  args.push({ start, end: close });
  return args;
}
