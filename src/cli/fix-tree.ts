/**
 * `refcount-lens fix --root`: the tree the fixes are verified in. A tree run gives each file the
 * context its analysis and its edits' verification read (its callees' final summaries). A
 * file's edits are then checked against the rest of the tree as `diff --root` reviews a change:
 * the tree with the edited file against the tree without, its callers in other files compared
 * too. An edit that brings a problem into another file is not kept; one that only changes
 * another file's counts is kept, and the change is said. Files are fixed one after another,
 * each in the tree with the edits kept before it (a file read after one whose edits changed
 * what it calls gets its context from a new run; the index makes that run cheap).
 */
import * as path from 'node:path';
import type { TreeFileContext } from '../analysis/tree/context';
import { objectChangeLine } from '../view/review';
import { analyseTreeSides, compareSides, type FilePlan, type TreeSides } from './diff-sides';
import { TreeSession, type TreeSessionSetup } from './tree-session';

/** What a file's edits do to the other files of the tree. */
export interface Elsewhere {
  /** Problems the edits bring into other files, worded with their file and line (none: verified). */
  introduced: string[];
  /** Functions of other files whose counts the edits change, worded with their file and line. */
  changed: string[];
  /** Problems of other files the edits remove, worded with their file and line. */
  fixed: string[];
}

export class FixTree {
  /** The edits kept so far: the edited texts by absolute path. */
  private readonly kept = new Map<string, string>();

  private constructor(
    private readonly session: TreeSession,
    private readonly contexts: Map<string, TreeFileContext | string>,
  ) {}

  /** The tree under the roots, run once with `files` reported. */
  static async open(files: string[], setup: TreeSessionSetup): Promise<FixTree> {
    const session = new TreeSession(setup);
    try {
      const reported = files.map((f) => path.resolve(f));
      const report = await session.run(reported);
      const of = (f: string): TreeFileContext | string =>
        report.results.get(f)?.error ?? report.contextOf(f) ?? 'not analysed: it is not part of the tree';
      return new FixTree(session, new Map(reported.map((f) => [f, of(f)])));
    } catch (e) {
      await session.close();
      throw e;
    }
  }

  /**
   * What the tree, with the edits kept so far, tells `file` (its callees' final summaries), or
   * why the tree could not take it.
   */
  async contextOf(file: string): Promise<TreeFileContext | string> {
    const abs = path.resolve(file);
    if (this.kept.size) {
      const report = await this.session.run([abs], this.kept);
      return report.results.get(abs)?.error ?? report.contextOf(abs) ?? 'not analysed: it is not part of the tree';
    }
    return this.contexts.get(abs) ?? 'not analysed: it is not part of the tree';
  }

  /** The edits of `file` are kept: the files after it are read in the tree with them. */
  keep(file: string, edited: string): void {
    this.kept.set(path.resolve(file), edited);
  }

  /** What replacing `text` by `edited` in `file` does to the tree's other files (with the edits kept so far). */
  async elsewhere(file: string, text: string, edited: string): Promise<Elsewhere> {
    const abs = path.resolve(file);
    const name = (f: string) => path.relative(process.cwd(), f).split(path.sep).join('/');
    const plan: FilePlan = {
      file: name(abs),
      status: 'modified',
      base: { path: name(abs), text },
      head: { path: name(abs), text: edited },
    };
    const sides: TreeSides = {
      base: { overlay: new Map([...this.kept, [abs, text]]), paths: [abs] },
      head: { overlay: new Map([...this.kept, [abs, edited]]), paths: [abs] },
      nameOf: name,
    };
    const { plans, results } = await analyseTreeSides(this.session, [plan], sides);
    const reviews = compareSides(plans, results, { list: [], keep: 'all' }).slice(1);
    const out: Elsewhere = { introduced: [], changed: [], fixed: [] };
    for (const r of reviews) {
      for (const d of r.diagnostics.introduced)
        if (d.severity !== 'info')
          out.introduced.push(
            `${/^[aeiou]/.test(d.rule) ? 'an' : 'a'} ${d.rule} in ${d.function ?? 'the file'}() ` +
              `at ${r.file}:${d.line}: ${d.message}`,
          );
      for (const d of r.diagnostics.fixed)
        out.fixed.push(
          `${r.file}:${d.line}: ${d.rule} in ${d.function ?? 'the file'}(): fixed by the edits to ${plan.file}`,
        );
      for (const f of r.functions)
        out.changed.push(
          `${r.file}:${f.line ?? f.baseLine ?? 1}: ${f.name}(): ` +
            `its counts change with the edits to ${plan.file}: ${f.objects.map(objectChangeLine).join('; ')}`,
        );
    }
    return out;
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
