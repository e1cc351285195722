/**
 * Text edits as fix-its carry them: offsets into the text they were computed from, with what
 * that range read then, so an edit is never applied to a text that has changed under it.
 */
import { lineIndexAt, lineStartsOf } from '../parse/lines';

export interface TextEdit {
  /** Offsets into the analysed text; `start === end` inserts. */
  start: number;
  end: number;
  /** What `[start, end)` reads in the analysed text. */
  old: string;
  /** What it becomes. */
  text: string;
}

export type Applied = { ok: true; text: string } | { ok: false; reason: string };

/** Edits in text order; two inserts at one offset keep the order they were given in. */
export function sortEdits(edits: readonly TextEdit[]): TextEdit[] {
  return edits
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.start - b.e.start || a.e.end - b.e.end || a.i - b.i)
    .map((x) => x.e);
}

/** Where two edits of the list touch the same text, as a reason; undefined when none do. */
export function overlap(text: string, edits: readonly TextEdit[]): string | undefined {
  const sorted = sortEdits(edits);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1],
      b = sorted[i];
    const touch = a.end > b.start || (a.start === b.start && a.start === a.end && b.start === b.end);
    if (touch) return `overlapping edits at line ${lineOf(text, b.start)}`;
  }
  return undefined;
}

/**
 * `text` with the edits made, or why not: edits that overlap, or a range that no longer reads
 * what it read when the edit was made (the file changed since it was analysed).
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): Applied {
  const clash = overlap(text, edits);
  if (clash) return { ok: false, reason: clash };
  let out = '';
  let at = 0;
  for (const e of sortEdits(edits)) {
    if (e.start < 0 || e.end > text.length || text.slice(e.start, e.end) !== e.old)
      return {
        ok: false,
        reason: `the file changed since it was analysed: line ${lineOf(text, Math.min(e.start, text.length))} differs`,
      };
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return { ok: true, text: out + text.slice(at) };
}

/** The 1-based line of an offset. */
export function lineOf(text: string, offset: number): number {
  return lineIndexAt(lineStartsOf(text), offset) + 1;
}

/** Lines and tokens an edit list changes: what "smallest" compares. */
export function editSize(edits: readonly TextEdit[]): { tokens: number; lines: number } {
  let tokens = 0,
    lines = 0;
  for (const e of edits) {
    tokens += tokenCount(e.old) + tokenCount(e.text);
    lines += lineCount(e.old) + lineCount(e.text);
  }
  return { tokens, lines };
}

const TOKEN = /[A-Za-z_]\w*|\d[\w.]*|->|\+\+|--|&&|\|\||[<>=!]=|[^\s\w]/g;

/** Tokens of code; comments count for nothing (a removed line may take its comment along). */
function tokenCount(s: string): number {
  return s.replace(/\/\*[\s\S]*?(\*\/|$)|\/\/.*/g, ' ').match(TOKEN)?.length ?? 0;
}

/** Lines with code that the text holds (a line break alone is none). */
function lineCount(s: string): number {
  return s.split('\n').filter((l) => l.trim()).length;
}
