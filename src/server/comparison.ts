/**
 * The editor's comparison of open documents with a git revision (issue 13): per document the
 * revision it is compared with, that revision's text (`git show REV:path`, no checkout), its
 * analysis by the server's own analyser (so every function the document has not changed comes
 * from its cache) and the built-in lifecycle traces over it. The review of the document's current
 * analysis against it is computed once per analysis result. No LSP here: compare-handler.ts
 * answers the requests, lenses.ts and hover.ts show what changed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileResult } from '../analysis/result';
import { compareFile } from '../analysis/review/compare';
import type { FileReview, ReviewSide, TraceOutcome } from '../analysis/review/types';
import { readAt, repositoryRoot, resolveRevision, revisionChoices } from '../files/git';
import { BUILTIN_SCENARIOS } from '../trace/builtin-scenarios';
import { runTrace } from '../trace/simulator';
import type { TraceResult } from '../trace/types';
import type { RevisionChoice } from '../shared/protocol';
import { uriToPath } from './settings';

/** A document's analysis and the text it was made from. */
export interface DocumentAnalysis {
  result: FileResult;
  text: string;
}

/** What a document is compared with. */
export interface Baseline {
  /** The revision as asked for. */
  base: string;
  /** `HEAD (3f2a1c0)`. */
  label: string;
  path: string;
  /** The revision's text; undefined when the file is not in that revision (compared with an empty file). */
  text?: string;
  notes: string[];
}

export interface Compared {
  baseline: Baseline;
  review: FileReview;
}

interface Entry {
  baseline: Baseline;
  /** The revision's side, made by the analyser whose options `key` names. */
  side?: { key: string; value: ReviewSide };
}

export class Comparisons {
  private readonly entries = new Map<string, Entry>();
  private readonly reviews = new WeakMap<FileResult, { entry: Entry; side: ReviewSide; review: FileReview }>();
  private readonly traces = new WeakMap<FileResult, TraceResult[]>();

  /**
   * `analyse`: the server's analyser on a text that is no open document (its cache is the
   * documents'); `key`: what changes when the analysis options do (the revision is analysed again).
   */
  constructor(
    private readonly analyse: (path: string, text: string) => FileResult,
    private readonly key: () => string,
  ) {}

  /** Compare `uri` with `base` (HEAD when empty) from now on; a reason when it cannot be. */
  start(uri: string, base: string | undefined): Baseline | { error: string } {
    const rev = base?.trim() || 'HEAD';
    const file = uriToPath(uri);
    if (!file) return { error: 'only a file on disk can be compared with a git revision' };
    const root = repositoryRoot(path.dirname(file));
    if (!root) return { error: `${path.basename(file)} is not in a git repository` };
    const commit = resolveRevision(root, rev);
    if (!commit) return { error: `no revision "${rev}" in ${root}` };
    const rel = path.relative(realpath(root), realpath(file)).split(path.sep).join('/');
    const bytes = readAt(root, commit, rel);
    if (bytes === 'tooLarge') return { error: `${rel} at ${rev} is too large to compare` };
    const baseline: Baseline = {
      base: rev,
      label: rev.startsWith(commit.slice(0, 7)) ? rev : `${rev} (${commit.slice(0, 7)})`,
      path: file,
      notes: [],
    };
    if (bytes === 'missing') baseline.notes.push(`not in ${rev}: compared with an empty file`);
    else baseline.text = bytes.toString('utf8');
    this.entries.set(uri, { baseline });
    return baseline;
  }

  stop(uri: string): void {
    this.entries.delete(uri);
  }

  baselineOf(uri: string): Baseline | undefined {
    return this.entries.get(uri)?.baseline;
  }

  /** The document's current analysis compared with its revision (undefined when it is not compared). */
  compared(uri: string, head: DocumentAnalysis): Compared | undefined {
    const entry = this.entries.get(uri);
    if (!entry) return undefined;
    const side = this.sideOf(entry);
    const known = this.reviews.get(head.result);
    if (known?.entry === entry && known.side === side) return { baseline: entry.baseline, review: known.review };
    const review = compareFile({
      file: head.result.path,
      base: entry.baseline.text !== undefined ? side : undefined,
      head: { result: head.result, text: head.text, traces: this.tracesOf(head) },
    });
    review.problems.unshift(
      ...entry.baseline.notes.map((message) => ({ file: review.file, severity: 'note' as const, message })),
    );
    this.reviews.set(head.result, { entry, side, review });
    return { baseline: entry.baseline, review };
  }

  /** A scenario run over the revision a document is compared with. */
  baseTrace(uri: string, run: { scenario: string; scenarioName?: string; whatIf?: string[] }): TraceResult | undefined {
    const entry = this.entries.get(uri);
    if (!entry || entry.baseline.text === undefined) return undefined;
    const side = this.sideOf(entry);
    if (side.result.error) return undefined;
    return runTrace({ result: side.result, text: entry.baseline.text, ...run });
  }

  /** Branches, tags and recent commits of the document's repository. */
  revisions(uri: string): RevisionChoice[] {
    const file = uriToPath(uri);
    return file ? revisionChoices(path.dirname(file)) : [];
  }

  private sideOf(entry: Entry): ReviewSide {
    const key = this.key();
    if (entry.side?.key === key) return entry.side.value;
    const { path: file, text } = entry.baseline;
    const result = this.analyse(file, text ?? '');
    const value: ReviewSide = { result, text, traces: text !== undefined ? builtinTraces(result, text) : [] };
    entry.side = { key, value };
    return value;
  }

  private tracesOf(head: DocumentAnalysis): TraceOutcome[] {
    let t = this.traces.get(head.result);
    if (!t) {
      t = head.result.error ? [] : builtinTraces(head.result, head.text);
      this.traces.set(head.result, t);
    }
    return t;
  }
}

function builtinTraces(result: FileResult, text: string): TraceResult[] {
  return BUILTIN_SCENARIOS.map((s) => runTrace({ result, text, scenario: s.name }));
}

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}
