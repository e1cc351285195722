/**
 * Verified fix-its for a file's diagnostics: each candidate edit (candidates.ts) is applied to
 * the text and the edited text analysed again with the same analyser (its per-function cache
 * makes that cheap); an edit is offered only when it removes its diagnostic and brings no other
 * (verify.ts). The edits of several diagnostics are combined only while they do not overlap and
 * their combination still verifies.
 */
import type { Analyzer } from '../analyzer';
import { declaratorInfo } from '../cfg/cfg';
import type { Diagnostic, FileResult, FunctionResult } from '../result';
import type { TreeFileContext } from '../tree/context';
import { candidatesFor, type CandidateKind, type FunctionInput } from './candidates';
import { applyEdits, editSize, overlap, type TextEdit } from './edits';
import { FunctionSyntax } from './function-syntax';
import { detectStyle } from './style';
import { judge } from './verify';

export interface VerifiedFix {
  kind: CandidateKind;
  title: string;
  edits: TextEdit[];
  size: { tokens: number; lines: number };
  /** The file's diagnostics the edit removes, as the analysis of the edited text says. */
  removes: Diagnostic[];
}

export interface DiagnosticFixes {
  diagnostic: Diagnostic;
  /** Verified edits, the smallest first. */
  fixes: VerifiedFix[];
  /** Why there is none, when `fixes` is empty. */
  reason?: string;
}

/** The rules a fix-it can be for: problems of the counts, not notes about the analysis. */
export const FIXABLE_RULES: ReadonlySet<string> = new Set(['leak', 'over-release', 'contract', 'inconsistent']);

export const INFERRED_REASON =
  'its get/put pair is only inferred from names: with the pair in a model file (the quick fix ' +
  '"Add ... to .refcount-lens.json" writes it) the fix-it is offered';

const KIND_ORDER: CandidateKind[] = ['remove', 'retarget', 'jump', 'move', 'release'];

/**
 * The verified fix-its of the file's diagnostics that `wanted` selects (all the fixable ones by
 * default). `result` must be the analysis of `text` by `analyzer`, with `tree` in tree mode (what
 * the rest of the tree tells the file): each edited text is analysed again with the same.
 */
export function fixDiagnostics(
  analyzer: Analyzer,
  path: string,
  text: string,
  result: FileResult,
  wanted: (d: Diagnostic) => boolean = () => true,
  tree?: TreeFileContext,
): DiagnosticFixes[] {
  if (result.error) return [];
  const diagnostics = result.diagnostics.filter((d) => FIXABLE_RULES.has(d.rule) && wanted(d));
  if (!diagnostics.length) return [];
  const inputs = functionInputs(
    analyzer,
    text,
    result,
    diagnostics.filter((d) => !d.inferred),
  );
  return diagnostics.map((d) => {
    // the model says which call gives back what; a pair guessed from names is not the model yet
    if (d.inferred) return { diagnostic: d, fixes: [], reason: INFERRED_REASON };
    const input = inputs.get(d);
    if (!input) return { diagnostic: d, fixes: [], reason: `${d.function ?? 'its function'}() is not in the text` };
    const { candidates, notes } = candidatesFor(d, input);
    const fixes: VerifiedFix[] = [];
    const rejected: string[] = [];
    for (const c of candidates) {
      const edited = applyEdits(text, c.edits);
      if (!edited.ok) {
        rejected.push(`${c.title}: ${edited.reason}`);
        continue;
      }
      const verdict = judge(result, analyzer.analyzeText(path, edited.text, tree), [d]);
      if (verdict.ok) fixes.push({ ...c, size: editSize(c.edits), removes: verdict.removed });
      else rejected.push(`${c.title}: ${verdict.reason}`);
    }
    fixes.sort(
      (a, b) =>
        a.size.tokens - b.size.tokens ||
        a.size.lines - b.size.lines ||
        KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
        (a.title < b.title ? -1 : a.title > b.title ? 1 : 0),
    );
    if (fixes.length) return { diagnostic: d, fixes };
    const why = rejected.length
      ? `no candidate edit passed verification (${rejected.slice(0, 3).join('; ')})`
      : notes.length
        ? notes.slice(0, 3).join('; ')
        : `no edit this rule calls for fits the code`;
    return { diagnostic: d, fixes: [], reason: why };
  });
}

/** What the candidates of each diagnostic are made from: its function's syntax (one parse of the text). */
function functionInputs(
  analyzer: Analyzer,
  text: string,
  result: FileResult,
  diagnostics: Diagnostic[],
): Map<Diagnostic, FunctionInput> {
  const out = new Map<Diagnostic, FunctionInput>();
  const doc = analyzer.parse(text);
  try {
    const model = analyzer.modelFor(doc.preset).model;
    const style = detectStyle(text);
    const syntaxes = new Map<FunctionResult, FunctionSyntax>();
    for (const d of diagnostics) {
      const fn =
        result.functions.find((f) => f.name === d.function && f.line <= d.line && d.line <= f.endLine) ??
        result.functions.find((f) => f.name === d.function);
      if (!fn) continue;
      let syntax = syntaxes.get(fn);
      if (!syntax) {
        const head = doc.top.functions.find(
          (h) => h.line === fn.range.line && declaratorInfo(h.declarator).name === fn.name,
        );
        if (!head) continue;
        syntax = new FunctionSyntax(head.syn(), fn.name);
        syntaxes.set(fn, syntax);
      }
      out.set(d, { text, masked: doc.pre.masked, style, model, result, fn, syntax });
    }
  } finally {
    doc.tree.delete();
  }
  return out;
}

export interface CombinedFixes {
  /** The text with every accepted edit made. */
  text: string;
  edits: TextEdit[];
  applied: { diagnostic: Diagnostic; fix: VerifiedFix }[];
  /** Diagnostics the accepted edits removed without one of their own. */
  fixedAlong: Diagnostic[];
  skipped: { diagnostic: Diagnostic; reason: string }[];
}

/**
 * One edit list for the file: each diagnostic's smallest fix that does not overlap those taken
 * before it and whose combination with them still verifies, in the order given (with `tree`, in
 * the tree's context, as fixDiagnostics).
 */
export function combineFixes(
  analyzer: Analyzer,
  path: string,
  text: string,
  result: FileResult,
  items: DiagnosticFixes[],
  tree?: TreeFileContext,
): CombinedFixes {
  const out: CombinedFixes = { text, edits: [], applied: [], fixedAlong: [], skipped: [] };
  let current = result;
  for (const item of items) {
    const targets = [...out.applied.map((a) => a.diagnostic), ...out.fixedAlong];
    if (out.applied.length && judge(result, current, [...targets, item.diagnostic]).ok) {
      out.fixedAlong.push(item.diagnostic);
      continue;
    }
    if (!item.fixes.length) {
      out.skipped.push({ diagnostic: item.diagnostic, reason: item.reason ?? 'no verified fix' });
      continue;
    }
    let why = '';
    for (const fix of item.fixes) {
      const edits = [...out.edits, ...fix.edits];
      const clash = overlap(text, edits);
      if (clash) {
        why = `its edit overlaps another fix's (${clash})`;
        continue;
      }
      const edited = applyEdits(text, edits);
      if (!edited.ok) {
        why = edited.reason;
        continue;
      }
      const after = analyzer.analyzeText(path, edited.text, tree);
      const verdict = judge(result, after, [...targets, item.diagnostic]);
      if (!verdict.ok) {
        why = `together with the fixes before it, ${verdict.reason}`;
        continue;
      }
      out.edits = edits;
      out.text = edited.text;
      out.applied.push({ diagnostic: item.diagnostic, fix });
      current = after;
      why = '';
      break;
    }
    if (why) out.skipped.push({ diagnostic: item.diagnostic, reason: why });
  }
  return out;
}
