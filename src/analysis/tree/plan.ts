/**
 * The order in which a tree's summaries are computed, and what a file's analysis may use
 * while it runs. Functions that can touch a count are grouped into strongly connected
 * components (callees first); files into groups that call each other in a cycle. A file
 * whose group is alone is analysed once, when every function it calls elsewhere has its
 * summary; the files of a cyclic group are visited as their functions become ready.
 *
 * What a function's analysis sees never depends on timing: a callee outside its component
 * is always finished before it runs, and a callee of the same component in another file
 * is always unknown to it (the cycle is cut there, as recursion within a file is).
 */
import type { TreeGraph, TreeFunction } from './graph';
import type { Summary } from '../paths/summary';

/** What the analysis of one file may ask about a function it calls by name. */
export type CalleeAnswer = { summary: Summary } | 'pending' | 'unknown';

export class TreePlan {
  /** Per function: it can touch a count. */
  readonly relevant: boolean[];
  /** Per function: its component (an index into `components`), -1 when not relevant. */
  readonly componentOf: Int32Array;
  /** Components of relevant functions, callees first. */
  readonly components: number[][];
  /** Per file: its group (an index into `groups`). */
  readonly groupOf: Int32Array;
  /** Groups of files, callees first; every file is in one. */
  readonly groups: number[][];
  /** Per function: the callees outside its component (the summaries it waits for). */
  readonly waitsFor: number[][];

  constructor(
    readonly graph: TreeGraph,
    relevant: boolean[],
  ) {
    this.relevant = relevant;
    this.components = graph.components(relevant);
    this.componentOf = new Int32Array(graph.fns.length).fill(-1);
    this.components.forEach((c, i) => {
      for (const id of c) this.componentOf[id] = i;
    });
    const callees = graph.callees();
    this.waitsFor = graph.fns.map((f) =>
      relevant[f.id] ? callees[f.id].filter((c) => relevant[c] && this.componentOf[c] !== this.componentOf[f.id]) : [],
    );
    const fileEdges: Set<number>[] = graph.files.map(() => new Set());
    graph.fns.forEach((f) => {
      if (!relevant[f.id]) return;
      for (const c of callees[f.id])
        if (relevant[c] && graph.fns[c].file !== f.file) fileEdges[f.file].add(graph.fns[c].file);
    });
    this.groups = fileComponents(fileEdges);
    this.groupOf = new Int32Array(graph.files.length).fill(-1);
    this.groups.forEach((g, i) => {
      for (const f of g) this.groupOf[f] = i;
    });
  }

  /** The answer for a call of `callee` from `caller` (a function of file `file`), given the summaries known so far. */
  answer(file: number, caller: string, callee: string, known: (id: number) => Summary | undefined): CalleeAnswer {
    const id = this.graph.resolve(file, callee);
    if (id === undefined) return 'unknown';
    // decided before looking for the summary: whether the callee happens to be finished must not matter
    const from = this.graph.resolve(file, caller);
    if (
      from !== undefined &&
      this.graph.fns[id].file !== file &&
      this.componentOf[from] >= 0 &&
      this.componentOf[from] === this.componentOf[id]
    )
      return 'unknown';
    const s = known(id);
    return s ? { summary: s } : 'pending';
  }

  /**
   * The functions a file's visit can finish now: relevant, not done, and every callee outside
   * their component done, or in the same file and finishable in the same visit (the analysis
   * of a file goes bottom-up over its own functions).
   */
  ready(file: number, done: (id: number) => boolean): TreeFunction[] {
    const memo = new Map<number, boolean>();
    const finishable = (id: number): boolean => {
      if (done(id)) return true;
      const known = memo.get(id);
      if (known !== undefined) return known;
      memo.set(id, true);
      let ok = true;
      for (const c of this.waitsFor[id]) {
        if (this.graph.fns[c].file === file ? !finishable(c) : !done(c)) {
          ok = false;
          break;
        }
      }
      memo.set(id, ok);
      return ok;
    };
    return this.graph.ofFile[file]
      .filter((id) => this.relevant[id] && !done(id) && finishable(id))
      .map((id) => this.graph.fns[id]);
  }

  /** Every relevant function of the file that is not done is ready: one visit finishes the file. */
  completable(file: number, done: (id: number) => boolean): boolean {
    return this.ready(file, done).length === this.unfinished(file, done).length;
  }

  /** The relevant functions of a file that are not done yet. */
  unfinished(file: number, done: (id: number) => boolean): number[] {
    return this.graph.ofFile[file].filter((id) => this.relevant[id] && !done(id));
  }

  /** The group's files call only finished functions outside the group. */
  groupReady(group: number, done: (id: number) => boolean): boolean {
    for (const file of this.groups[group]) {
      for (const id of this.graph.ofFile[file]) {
        if (!this.relevant[id]) continue;
        for (const c of this.waitsFor[id]) if (this.groupOf[this.graph.fns[c].file] !== group && !done(c)) return false;
      }
    }
    return true;
  }

  /** The functions outside the group its files call (resolved), for the group's cache key. */
  externalCallees(group: number): number[] {
    const out = new Set<number>();
    const callees = this.graph.callees();
    for (const file of this.groups[group]) {
      for (const id of this.graph.ofFile[file])
        for (const c of callees[id]) if (this.groupOf[this.graph.fns[c].file] !== group) out.add(c);
    }
    return [...out].sort((a, b) => a - b);
  }
}

/** Tarjan over files: groups of files that call each other in a cycle, callees first. */
function fileComponents(edges: Set<number>[]): number[][] {
  const n = edges.length;
  const succ = edges.map((s) => [...s].sort((a, b) => a - b));
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: { v: number; i: number }[] = [{ v: root, i: 0 }];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length) {
      const top = work[work.length - 1];
      if (top.i < succ[top.v].length) {
        const w = succ[top.v][top.i++];
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          work.push({ v: w, i: 0 });
        } else if (onStack[w]) low[top.v] = Math.min(low[top.v], index[w]);
      } else {
        work.pop();
        if (work.length) {
          const up = work[work.length - 1].v;
          low[up] = Math.min(low[up], low[top.v]);
        }
        if (low[top.v] === index[top.v]) {
          const g: number[] = [];
          let w: number;
          do {
            w = stack.pop()!;
            onStack[w] = 0;
            g.push(w);
          } while (w !== top.v);
          out.push(g.sort((a, b) => a - b));
        }
      }
    }
  }
  return out;
}
