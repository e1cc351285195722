/**
 * The two sides of a diff analysed, traced and compared. Both sides go through one Analyzer:
 * its per-function cache (a function's text, column, registrations and callees' summaries) makes
 * every function the change left alone free on the second side, and the head of each file is
 * parsed incrementally from its base's tree, which hands over the copies of unchanged function
 * bodies. `analyseSides` is the one step a tree run replaces (one call per side: each revision's
 * tree analysed as a whole); the traces and the comparison stay as they are.
 */
import { looksBinary, ParseGaveUp, type Analyzer, type ParsedDocument } from '../analysis/analyzer';
import { errorResult, type FileResult } from '../analysis/result';
import type { FileReview, FileStatus, ReviewSide } from '../analysis/review/types';
import { compareFile } from '../analysis/review/compare';
import { runTrace } from '../trace/simulator';

/** A file of one revision: its text, or why it could not be read. */
export interface RevisionFile {
  path: string;
  text?: string;
  error?: string;
}

/** A scenario to run: a built-in's name, or a scenario file's text under its name. */
export interface ScenarioChoice {
  name: string;
  text?: string;
}

/** One file to compare: each side's path and text (a side absent: the file is not in that revision). */
export interface FilePlan {
  file: string;
  basePath?: string;
  status: FileStatus;
  base?: RevisionFile;
  head?: RevisionFile;
}

export interface Scenarios {
  list: ScenarioChoice[];
  /** Compare the traces that reached the file (the built-ins by default) or all (the user named them). */
  keep: 'reached' | 'all';
}

/** Each plan's base and head results (undefined where the file is not on that side). */
export interface SideResults {
  base: (FileResult | undefined)[];
  head: (FileResult | undefined)[];
}

/** Every file of the plan compared: both sides analysed, then traced, then compared. */
export function compareRevisions(analyzer: Analyzer, plans: readonly FilePlan[], scenarios: Scenarios): FileReview[] {
  const results = analyseSides(analyzer, plans, { incremental: scenarios.list.length > 0 });
  return plans.map((f, i) => {
    const b = results.base[i];
    const h = results.head[i];
    return compareFile({
      file: f.file,
      basePath: f.basePath,
      status: f.status,
      base: b && reviewSide(b, f.base!.text, scenarios.list),
      head: h && reviewSide(h, f.head!.text, scenarios.list),
      traces: scenarios.keep,
    });
  });
}

/**
 * Both revisions of every file. `incremental`: each head is parsed from its base's whole tree
 * (the analyzer then parses every body anyway, for the call sites the traces read); without it
 * each side is a one-shot analysis, which leaves out the bodies nothing counted happens in.
 */
export function analyseSides(
  analyzer: Analyzer,
  plans: readonly FilePlan[],
  how: { incremental: boolean },
): SideResults {
  const out: SideResults = { base: [], head: [] };
  for (const p of plans) {
    if (!how.incremental) {
      out.base.push(p.base && analyseOne(analyzer, p.base));
      out.head.push(p.head && analyseOne(analyzer, p.head));
      continue;
    }
    let parsed: ParsedDocument | undefined;
    out.base.push(p.base && analyseParsed(analyzer, p.base, undefined, (d) => (parsed = d)));
    if (p.head) out.head.push(analyseParsed(analyzer, p.head, parsed));
    else {
      (parsed as ParsedDocument | undefined)?.tree.delete();
      out.head.push(undefined);
    }
  }
  return out;
}

/** The side as the comparison takes it: the result, its text, and a trace per scenario. */
export function reviewSide(
  result: FileResult,
  text: string | undefined,
  scenarios: readonly ScenarioChoice[],
): ReviewSide {
  if (result.error || text === undefined) return { result, text };
  const traces = scenarios.map((s) => runTrace({ result, text, scenario: s.text ?? s.name, scenarioName: s.name }));
  return { result, text, traces };
}

function analyseOne(analyzer: Analyzer, f: RevisionFile): FileResult {
  return f.text !== undefined ? analyzer.analyzeText(f.path, f.text) : errorResult(f.path, f.error ?? 'cannot be read');
}

/**
 * What `analyzeText` does, parsing incrementally from `previous` (consumed, whatever happens) and
 * handing the parsed document to `keep` (else its tree is deleted). Never throws.
 */
function analyseParsed(
  analyzer: Analyzer,
  f: RevisionFile,
  previous: ParsedDocument | undefined,
  keep?: (doc: ParsedDocument) => void,
): FileResult {
  const refused =
    f.text === undefined
      ? (f.error ?? 'cannot be read')
      : looksBinary(f.text)
        ? 'not a C source file: it looks binary'
        : undefined;
  if (refused !== undefined || f.text === undefined) {
    previous?.tree.delete();
    return errorResult(f.path, refused ?? 'cannot be read');
  }
  let doc: ParsedDocument;
  try {
    doc = analyzer.parse(f.text, previous);
  } catch (e) {
    return errorResult(
      f.path,
      e instanceof ParseGaveUp ? e.message : `internal error while parsing: ${(e as Error).message}`,
    );
  }
  try {
    const result = analyzer.analyzeParsed(f.path, doc);
    if (keep) keep(doc);
    else doc.tree.delete();
    return result;
  } catch (e) {
    doc.tree.delete();
    return errorResult(f.path, `internal error while analysing: ${(e as Error).message}`);
  }
}
