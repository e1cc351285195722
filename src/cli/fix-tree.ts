/**
 * `refcount-lens fix --root`: the tree the fixes are verified in. One tree run gives each file
 * the context its analysis and its edits' verification read (its callees' final summaries).
 * A file's edits are then checked against the rest of the tree as `diff --root` reviews a
 * change: the tree with the edited file against the tree as it is, its callers in other files
 * compared too. An edit that brings a problem into another file is not verified; one that only
 * changes another file's counts is kept, and the change is said.
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
}

export class FixTree {
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

  /** What the tree tells `file` (its callees' final summaries), or why the tree could not take it. */
  contextOf(file: string): TreeFileContext | string {
    return this.contexts.get(path.resolve(file)) ?? 'not analysed: it is not part of the tree';
  }

  /** What replacing `text` by `edited` in `file` does to the tree's other files. */
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
      base: { overlay: new Map([[abs, text]]), paths: [abs] },
      head: { overlay: new Map([[abs, edited]]), paths: [abs] },
      nameOf: name,
    };
    const { plans, results } = await analyseTreeSides(this.session, [plan], sides);
    const reviews = compareSides(plans, results, { list: [], keep: 'all' }).slice(1);
    const out: Elsewhere = { introduced: [], changed: [] };
    for (const r of reviews) {
      for (const d of r.diagnostics.introduced)
        if (d.severity !== 'info')
          out.introduced.push(
            `${/^[aeiou]/.test(d.rule) ? 'an' : 'a'} ${d.rule} in ${d.function ?? 'the file'}() ` +
              `at ${r.file}:${d.line}: ${d.message}`,
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
