/**
 * A revision parsed from another's tree, one edit per changed run of lines, and only where that
 * gives the tree a fresh parse gives. Tree-sitter reuses the old tree's nodes between the edits;
 * where the text around an edit has syntax errors, its error recovery can settle differently
 * around a reused stretch than a fresh parse does (seeded revisions of kernel files: about 4% of
 * them with several edits, 1% with one edit from the first difference to the last), and a
 * revision's result must not depend on the revision it was parsed from. `cleanAround` is the
 * test: the top-level items each edit touches, and the one on either side, hold no syntax error.
 */
import type { Edit, Tree } from './parser';
import { lineIndexAt } from './lines';

/** One changed run of lines: old lines [a0, a1) became new lines [b0, b1). */
interface LineRun {
  a0: number;
  a1: number;
  b0: number;
  b1: number;
}

/** An edit in the old text's coordinates, and where its new text is in the new one. */
export interface LineEdit {
  edit: Edit;
  newStart: number;
  newEnd: number;
}

/**
 * The edits that turn `a` into `b`, by changed runs of lines (a patience diff: lines unique to
 * both sides anchor it, the runs between anchors shrink by their equal ends), in text order.
 * `aStarts`/`bStarts`: where each line starts (the pre-pass keeps them).
 */
export function lineEdits(a: string, aStarts: readonly number[], b: string, bStarts: readonly number[]): LineEdit[] {
  const A = linesOf(a, aStarts);
  const B = linesOf(b, bStarts);
  const runs: LineRun[] = [];
  changedRuns(A, B, 0, A.length, 0, B.length, runs);
  const offA = (l: number) => (l < aStarts.length ? aStarts[l] : a.length);
  const offB = (l: number) => (l < bStarts.length ? bStarts[l] : b.length);
  return runs.map((r) => {
    const startIndex = offA(r.a0);
    const newStart = offB(r.b0);
    const newEnd = offB(r.b1);
    const startPosition = pointOf(a, aStarts, startIndex);
    return {
      edit: {
        startIndex,
        oldEndIndex: offA(r.a1),
        newEndIndex: startIndex + (newEnd - newStart),
        startPosition,
        oldEndPosition: pointOf(a, aStarts, offA(r.a1)),
        newEndPosition: pointAfter(startPosition, b, newStart, newEnd),
      },
      newStart,
      newEnd,
    };
  });
}

/** `tree` (of the old text) told of every edit, the last first: each keeps the old coordinates it is given in. */
export function applyEdits(tree: Tree, edits: readonly LineEdit[]): void {
  for (let k = edits.length - 1; k >= 0; k--) tree.edit(edits[k].edit);
}

/**
 * Whether the new tree holds no syntax error (an error node or a missing one) in the top-level
 * items each edit touches, nor in the item before or after them: there an incremental parse is
 * a plain parse of error-free text from the state a fresh parse is in too. `side`: `old`, the
 * same of the old tree (before any edit), which tells early that the new one will not pass.
 */
export function cleanAround(tree: Tree, edits: readonly LineEdit[], side: 'old' | 'new' = 'new'): boolean {
  if (!edits.length) return true;
  const root = tree.rootNode;
  if (!root.hasError) return true;
  const items = root.children.filter((c): c is NonNullable<typeof c> => !!c);
  let k = 0;
  for (const e of edits) {
    const start = side === 'new' ? e.newStart : e.edit.startIndex;
    const end = side === 'new' ? e.newEnd : e.edit.oldEndIndex;
    // the first item that ends at or after the edit's start (items and edits are in text order)
    while (k < items.length && items[k].endIndex < start) k++;
    let hi = k;
    while (hi < items.length && items[hi].startIndex <= end) hi++;
    for (let j = Math.max(0, k - 1); j <= Math.min(items.length - 1, hi); j++) if (items[j].hasError) return false;
  }
  return true;
}

function linesOf(text: string, starts: readonly number[]): string[] {
  const out: string[] = new Array(starts.length);
  for (let i = 0; i < starts.length; i++)
    out[i] = text.slice(starts[i], i + 1 < starts.length ? starts[i + 1] - 1 : text.length);
  return out;
}

/** The runs of lines that differ between A[a0, a1) and B[b0, b1), appended to `out` in order. */
function changedRuns(A: string[], B: string[], a0: number, a1: number, b0: number, b1: number, out: LineRun[]) {
  while (a0 < a1 && b0 < b1 && A[a0] === B[b0]) {
    a0++;
    b0++;
  }
  while (a1 > a0 && b1 > b0 && A[a1 - 1] === B[b1 - 1]) {
    a1--;
    b1--;
  }
  if (a0 === a1 && b0 === b1) return;
  const anchors = a0 === a1 || b0 === b1 ? [] : uniqueAnchors(A, B, a0, a1, b0, b1);
  if (!anchors.length) {
    out.push({ a0, a1, b0, b1 });
    return;
  }
  let pa = a0,
    pb = b0;
  for (const [i, j] of anchors) {
    changedRuns(A, B, pa, i, pb, j, out);
    pa = i + 1;
    pb = j + 1;
  }
  changedRuns(A, B, pa, a1, pb, b1, out);
}

/** Lines found once on each side, the longest series of them in the same order on both. */
function uniqueAnchors(A: string[], B: string[], a0: number, a1: number, b0: number, b1: number): [number, number][] {
  const inA = new Map<string, number>();
  for (let i = a0; i < a1; i++) inA.set(A[i], inA.has(A[i]) ? -1 : i);
  const inB = new Map<string, number>();
  for (let j = b0; j < b1; j++) inB.set(B[j], inB.has(B[j]) ? -1 : j);
  const pairs: [number, number][] = [];
  for (let j = b0; j < b1; j++) {
    const i = inA.get(B[j]);
    if (i !== undefined && i >= 0 && inB.get(B[j]) === j) pairs.push([i, j]);
  }
  // the longest increasing run of old lines over the pairs (in new-line order)
  const tails: number[] = [];
  const prev: number[] = new Array(pairs.length);
  for (let k = 0; k < pairs.length; k++) {
    let lo = 0,
      hi = tails.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (pairs[tails[m]][0] < pairs[k][0]) lo = m + 1;
      else hi = m;
    }
    prev[k] = lo ? tails[lo - 1] : -1;
    tails[lo] = k;
  }
  const out: [number, number][] = [];
  for (let k = tails.length ? tails[tails.length - 1] : -1; k >= 0; k = prev[k]) out.push(pairs[k]);
  return out.reverse();
}

function pointOf(text: string, starts: readonly number[], offset: number): { row: number; column: number } {
  const row = lineIndexAt(starts, offset);
  return { row, column: Math.min(offset, text.length) - starts[row] };
}

/** The point reached from `start` by writing text.slice(from, to). */
function pointAfter(start: { row: number; column: number }, text: string, from: number, to: number) {
  let row = start.row,
    lineStart = -1;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: lineStart < 0 ? start.column + (to - from) : to - lineStart };
}
