/**
 * What the language server knows from its index's last run, for the open documents: the
 * context of a document's analysis (the summaries of the functions it calls in other files of
 * the workspace, never waited for: a callee without one is unknown), and the summaries the
 * index holds for a file, to tell when an edit changed them. Open documents' own summaries
 * (`live`) stand in for the index's, so that an edit reaches the other open documents at once.
 */
import { escapesKey, type Summary } from '../analysis/paths/summary';
import type { TreeFileContext } from '../analysis/tree/context';
import { sha256 } from '../index/store';
import type { TreeIndexReport } from '../index/tree-index';
import type { TreeRunOutput } from '../index/tree-run';
import type { UnsettledReads } from '../index/unsettled';

/** A document's exported summaries, by function name (a function not there has no counted effect). */
export type Exports = Record<string, Summary>;

export interface DocumentContext {
  /**
   * What the index tells the file (undefined when it is not in the index): the file is then
   * analysed as the CLI's tree mode analyses it, and its summaries are collected.
   */
  tree?: TreeFileContext;
  /**
   * The file is in a cycle of files whose rounds ran out: what its functions read of callees whose
   * summary had not settled, so that the document's warnings resting on them are information, as
   * in the run (src/index/unsettled.ts).
   */
  unsettled?: UnsettledReads;
  /** Changes exactly when the context does ('' without one). */
  key: string;
}

export class IndexSnapshot {
  private readonly fileOf: Map<string, number>;
  private readonly run: TreeRunOutput;
  private readonly hashes: string[];
  private readonly paths: string[];

  constructor(
    report: TreeIndexReport & { run: TreeRunOutput },
    /** Open documents' own summaries, by path. */
    private readonly live: ReadonlyMap<string, Exports>,
  ) {
    this.run = report.run;
    this.paths = report.paths;
    this.hashes = report.hashes;
    this.fileOf = new Map(report.paths.map((p, i) => [p, i]));
  }

  get files(): number {
    return this.paths.length;
  }

  has(path: string): boolean {
    return this.fileOf.has(path);
  }

  /** The text of `path` is the one the run read. */
  indexed(path: string, text: string): boolean {
    const file = this.fileOf.get(path);
    return file !== undefined && this.hashes[file] === sha256(text);
  }

  contextFor(path: string, text: string): DocumentContext {
    const file = this.fileOf.get(path);
    if (file === undefined) return { key: '' };
    const k = this.run.knowledge;
    const answer = (id: number): Summary | undefined => {
      const fn = k.graph.fns[id];
      const live = this.live.get(this.paths[fn.file]);
      if (live) return live[fn.name] ?? k.quiet(id);
      return k.final(id);
    };
    const tree = k.context(file, answer, calledNames(text));
    const unsettled = this.run.unsettled.get(file);
    return { tree, unsettled, key: contextKey(tree, unsettled) };
  }

  /** The summaries the index holds for the counting functions of `path`. */
  exportsOf(path: string): Exports | undefined {
    const file = this.fileOf.get(path);
    if (file === undefined) return undefined;
    const k = this.run.knowledge;
    const out: Exports = {};
    for (const id of k.graph.ofFile[file]) {
      const s = k.relevant[id] ? k.summaries.get(id) : undefined;
      if (s) out[k.graph.fns[id].name] = s;
    }
    return out;
  }
}

/** Two sets of exported summaries say the same to callers. */
export function sameExports(a: Exports, b: Exports): boolean {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const n of names) if (summaryKey(a[n]) !== summaryKey(b[n])) return false;
  return true;
}

function summaryKey(s: Summary | undefined): string {
  return s ? `${s.hash}^${escapesKey(s)}` : '-';
}

/** The names a text calls (or may: comments and strings too; a name the tree has no body for is left out later). */
export function calledNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) out.add(m[1]);
  return out;
}

function contextKey(tree: TreeFileContext, unsettled: UnsettledReads | undefined): string {
  const parts = Object.entries(tree.externals)
    .map(([n, s]) => `${n}=${summaryKey(s)}`)
    .sort();
  parts.push('|kept', ...Object.entries(tree.kept).map(([n, k]) => `${n}:${k.join('.')}`));
  parts.push('|byBody', ...Object.entries(tree.keptByBody).map(([n, k]) => `${n}:${k.join('.')}`));
  parts.push('|relevant', ...tree.relevant);
  parts.push('|macros', ...tree.macros.map((m) => `${m.name}(${(m.params ?? []).join(',')}) ${m.body}`));
  parts.push('|counts', ...(tree.countFields ?? []));
  if (unsettled) parts.push('|unsettled', JSON.stringify(unsettled));
  return sha256(...parts);
}
