/**
 * Which functions of a file can touch a count, decided from their text alone: before any
 * body is copied (the analysis), or before the file is parsed (which bodies a one-shot
 * analysis can leave out).
 */
import type { Model } from './model/compiled';
import { membersWithRows } from './model/member-rows';
import type { PrepassResult } from './parse/prepass';
import { outlineFunctions, type OutlineFunction } from './parse/outline';
import { registrationsIn, type FunctionSpan } from './facts';
import { isInferenceCandidate, pinsIn } from './infer';
import { macroEffects } from './macros';
import { countFieldsIn } from './tree/count-fields';

/** A function's text, tokenised. */
export function functionTokens(text: string): FunctionTokens {
  const names = identifiers(text);
  return { names, candidate: names.some(isInferenceCandidate) || pinsIn(names) };
}

/** The identifiers in a function's text, and whether its calls could show an inferred pair or pin. */
export interface FunctionTokens {
  names: string[];
  candidate: boolean;
}

const isIdentChar = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c === 92 || c >= 128;

/**
 * Every name the tree can hold in this text, and more: each maximal run of identifier
 * characters (tree-sitter's identifiers also take `$`, `\u` escapes and non-ASCII), and
 * after a leading digit (a number literal swallows a prefix) each suffix too.
 */
function identifiers(text: string): string[] {
  const seen = new Set<string>();
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (!isIdentChar(c)) {
      i++;
      continue;
    }
    const s = i;
    while (i < n && isIdentChar(text.charCodeAt(i))) i++;
    const run = text.slice(s, i);
    seen.add(run);
    if (c >= 48 && c <= 57) {
      for (let k = 1; k < run.length; k++) {
        const d = run.charCodeAt(k);
        if (d < 48 || d > 57) seen.add(run.slice(k));
      }
    }
  }
  return [...seen];
}

/**
 * Which functions can touch a count, decided from their text before any of them is
 * copied: a function with a registered role, an iterator macro, or a name in its text
 * that the model, a file macro or pair inference gives an effect, or that names a
 * function that can (to a fixed point). Every function that `touchesCounts` could accept
 * is here; the others get the quiet result and summary without being copied or walked.
 * `escapesNeeded`: the others that a relevant function may call (their summaries say
 * which parameters they store, which callers read).
 */
export function relevantFunctions(
  fns: FunctionSpan[],
  tokens: FunctionTokens[],
  registered: boolean[],
  statementMacros: PrepassResult['statementMacros'],
  model: Model,
  inferred: Map<string, unknown>,
  seeds?: boolean[],
): { relevant: boolean[]; escapesNeeded: boolean[] } {
  const relevant = fns.map(() => false);
  const queue: number[] = [];
  const mark = (i: number) => {
    if (!relevant[i]) {
      relevant[i] = true;
      queue.push(i);
    }
  };
  const inFile = new Set(fns.map((f) => f.name));
  const members = membersWithRows(model);
  const mentions = new Map<string, number[]>();
  const iterators: number[] = [];
  for (const [off, m] of statementMacros) if (holdsReferences(model, m.name)) iterators.push(off);
  fns.forEach((f, i) => {
    if (registered[i] || seeds?.[i] || iterators.some((off) => off >= f.start && off < f.end)) mark(i);
    for (const n of tokens[i].names) {
      if (model.functions.has(n) || inferred.has(n) || members.has(n)) mark(i);
      if (inFile.has(n)) {
        const list = mentions.get(n);
        if (list) list.push(i);
        else mentions.set(n, [i]);
      }
    }
  });
  while (queue.length) for (const j of mentions.get(fns[queue.pop()!].name) ?? []) mark(j);
  const escapesNeeded = fns.map((f, i) => !relevant[i] && (mentions.get(f.name) ?? []).some((j) => relevant[j]));
  return { relevant, escapesNeeded };
}

/**
 * The bodies the analysis of this text cannot need, decided before it is parsed from an
 * outline of its definitions: as `relevantFunctions` decides after the parse, on the same
 * text (a definition's region runs from the previous top-level `;` or `}`, as the tree's
 * does unless its error recovery joins things up: their tokens are computed once), with
 * every inference candidate taken as relevant (inferred pairs are named only after the
 * parse). `analyzeParsed` checks that no body it needs was skipped, and `analyzeText`
 * parses again in full if the tree disagrees with the outline.
 */
export function skippableBodies(
  text: string,
  pre: PrepassResult,
  model: Model,
  tokensOf: (text: string) => FunctionTokens,
  /** Names defined elsewhere in the tree whose callers can touch a count (tree mode). */
  external?: ReadonlyMap<string, unknown>,
  /** What the tree knows (tree mode): its count fields, the functions it finds can touch a count. */
  tree?: { countFields?: string[]; relevant?: string[] },
): OutlineFunction[] {
  const outline = outlineFunctions(pre.masked);
  if (!outline?.length) return [];
  // an unnamed one (`(NDFREE)(...)`) is never skipped, but what it calls counts
  const spans: FunctionSpan[] = outline.map((f) => ({ name: f.name ?? '', start: f.start, end: f.bodyEnd }));
  const callbacks = new Set(registrationsIn(pre.masked, text, model, pre.lineStarts).map((r) => r.callback));
  const tokens = spans.map((f) => tokensOf(pre.text.slice(f.start, f.end)));
  const counts = countFieldsIn(pre.masked, spans, tree ? (tree.countFields ?? []) : undefined).updates;
  const { relevant, escapesNeeded } = relevantFunctions(
    spans,
    tokens,
    spans.map((f) => callbacks.has(f.name)),
    pre.statementMacros,
    model,
    external
      ? new Map<string, unknown>([...macroEffects(pre.defines, model), ...external])
      : macroEffects(pre.defines, model),
    tokens.map((t, i) => t.candidate || counts[i] || !!tree?.relevant?.includes(spans[i].name)),
  );
  return outline.filter(
    (f, i) => f.name && !relevant[i] && !escapesNeeded[i] && f.bodyEnd - f.bodyStart > MIN_SKIPPED_BODY,
  );
}

/** Below this a skipped range costs the parser more than the text it saves. */
const MIN_SKIPPED_BODY = 64;

/** An iterator macro whose loop variable holds a reference; a list walk (`holds: false`) touches no count. */
export function holdsReferences(model: Model, macro: string): boolean {
  const it = model.iterators.get(macro);
  return it !== undefined && it.holds !== false;
}
