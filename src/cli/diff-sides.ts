/**
 * The two sides of a diff analysed, traced and compared. File by file, both sides go through one
 * Analyzer: its per-function cache (a function's text, column, registrations and callees'
 * summaries) makes every function the change left alone free on the second side, and the head
 * of each file is parsed from its base's tree with one edit per changed run of lines (or afresh
 * where an edit is next to a syntax error: the head's tree is always its fresh tree), and gets the
 * copies of unchanged function bodies. In tree mode (`--root`) `analyseTreeSides` takes the place of
 * `analyseSides`: one tree run per side, each revision's tree analysed as a whole (the index
 * makes the part the change left alone free on the second); the traces and the comparison
 * stay as they are.
 */
import * as fs from 'node:fs';
import { looksBinary, ParseGaveUp, type Analyzer, type ParsedDocument } from '../analysis/analyzer';
import { errorResult, type FileResult } from '../analysis/result';
import type { FileReview, FileStatus, ReviewSide } from '../analysis/review/types';
import { compareFile } from '../analysis/review/compare';
import { runTrace } from '../trace/simulator';
import type { TreeRunReport, TreeSession } from './tree-session';

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
  return compareSides(plans, analyseSides(analyzer, plans, { incremental: scenarios.list.length > 0 }), scenarios);
}

/** Every file of the plan compared from both sides' results: traced, then compared. */
export function compareSides(plans: readonly FilePlan[], results: SideResults, scenarios: Scenarios): FileReview[] {
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

/** One side of a diff as a tree: what stands in for the files on disk, and where each plan's file is. */
export interface TreeSide {
  /** Texts in place of the files on disk, by absolute path (null: not in this side's tree). */
  overlay: ReadonlyMap<string, string | null>;
  /** Each plan's file in this side's tree (absolute), aligned with the plans; undefined where it is absent. */
  paths: (string | undefined)[];
}

export interface TreeSides {
  base: TreeSide;
  head: TreeSide;
  /** How the report names a file of the tree (absolute path in). */
  nameOf(file: string): string;
}

/**
 * Both sides in tree mode: each side's tree run (its overlay over the roots on disk) reports the
 * plans' files of that side. A side's file that could not be read keeps its error. A file the
 * change left alone can change too, when it calls a function whose summary differs between the
 * sides: such files are compared as well (status `unchanged`), from a second run of each side
 * that reports them (the index gives back everything else).
 */
export async function analyseTreeSides(
  session: TreeSession,
  plans: readonly FilePlan[],
  sides: TreeSides,
): Promise<{ plans: FilePlan[]; results: SideResults }> {
  let base = await runSide(session, plans, sides.base, 'base');
  let head = await runSide(session, plans, sides.head, 'head');
  const changed = new Set<string>();
  for (const [k, v] of base.report.summaries) if (head.report.summaries.get(k) !== v) changed.add(k);
  for (const k of head.report.summaries.keys()) if (!base.report.summaries.has(k)) changed.add(k);
  const inPlans = new Set([...sides.base.paths, ...sides.head.paths]);
  const affected = [...new Set([...base.report.callersOf(changed), ...head.report.callersOf(changed)])]
    .filter((f) => !inPlans.has(f) && !!base.report.hashOf(f) && base.report.hashOf(f) === head.report.hashOf(f))
    .sort();
  if (!affected.length) return { plans: [...plans], results: { base: base.results, head: head.results } };
  const more: FilePlan[] = [];
  for (const abs of affected) {
    const text = sides.base.overlay.get(abs) ?? sides.head.overlay.get(abs) ?? readText(abs);
    const name = sides.nameOf(abs);
    more.push({ file: name, status: 'unchanged', base: { path: name, text }, head: { path: name, text } });
  }
  const all = [...plans, ...more];
  const widen = (side: TreeSide): TreeSide => ({ overlay: side.overlay, paths: [...side.paths, ...affected] });
  base = await runSide(session, all, widen(sides.base), 'base');
  head = await runSide(session, all, widen(sides.head), 'head');
  return { plans: all, results: { base: base.results, head: head.results } };
}

async function runSide(
  session: TreeSession,
  plans: readonly FilePlan[],
  side: TreeSide,
  key: 'base' | 'head',
): Promise<{ report: TreeRunReport; results: (FileResult | undefined)[] }> {
  const wanted = plans.map((p, i) => (p[key]?.text !== undefined ? side.paths[i] : undefined));
  const report = await session.run([...new Set(wanted.filter((x): x is string => x !== undefined))], side.overlay);
  const results = plans.map((p, i) => {
    const f = p[key];
    if (!f) return undefined;
    if (f.text === undefined) return errorResult(f.path, f.error ?? 'cannot be read');
    const r = report.results.get(wanted[i]!);
    return r ? { ...r, path: f.path } : errorResult(f.path, 'not analysed: it is not part of the tree');
  });
  return { report, results };
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
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
    doc = analyzer.parse(f.text, previous, { likeFresh: true });
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
