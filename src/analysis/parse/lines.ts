/** Lines of a text by offset: the offsets where lines start, and the line of an offset. */

export function lineStartsOf(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) out.push(i + 1);
  return out;
}

/** The 0-based line of `offset`, given the offsets where lines start. */
export function lineIndexAt(lineStarts: readonly number[], offset: number): number {
  let lo = 0,
    hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
