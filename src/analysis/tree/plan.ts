/**
 * The order in which a tree's summaries are computed. Files are grouped so that the files
 * of a group call each other's counting functions in a cycle and no group calls a later one:
 * a group runs once every function it calls outside itself has its final summary. A group of
 * one file is analysed once. The files of a larger group are analysed in rounds: the first goes
 * callees first where the cycle allows (`firstRound`), each later round reads the summaries of the
 * group's other files from the round before, and analyses again only the files whose callees'
 * summaries changed (after the first: that they were told otherwise), until none do. What a
 * file's analysis reads is fixed by the schedule, never by the order visits finish in, so the
 * results are the same on any machine.
 */
import type { TreeGraph } from './graph';

export class TreePlan {
  /** Groups of files, callees first; every file is in one. */
  readonly groups: number[][];
  /** Per file: its group (an index into `groups`). */
  readonly groupOf: Int32Array;

  constructor(
    readonly graph: TreeGraph,
    /** Per function: it can touch a count. */
    readonly relevant: readonly boolean[],
  ) {
    const callees = graph.callees();
    const fileEdges: Set<number>[] = graph.files.map(() => new Set());
    for (const f of graph.fns) {
      if (!relevant[f.id]) continue;
      for (const c of callees[f.id])
        if (relevant[c] && graph.fns[c].file !== f.file) fileEdges[f.file].add(graph.fns[c].file);
    }
    this.groups = fileComponents(fileEdges);
    this.groupOf = new Int32Array(graph.files.length).fill(-1);
    this.groups.forEach((g, i) => {
      for (const f of g) this.groupOf[f] = i;
    });
  }

  /** The counting functions outside the group that its files call: they must be final before it runs. */
  waitsFor(group: number): number[] {
    const out = new Set<number>();
    const callees = this.graph.callees();
    for (const file of this.groups[group]) {
      for (const id of this.graph.ofFile[file]) {
        if (!this.relevant[id]) continue;
        for (const c of callees[id]) if (this.relevant[c] && this.groupOf[this.graph.fns[c].file] !== group) out.add(c);
      }
    }
    return [...out].sort((a, b) => a - b);
  }

  /** Every function outside the group that its files call (resolved): what its cache key depends on. */
  externalCallees(group: number): number[] {
    const out = new Set<number>();
    const callees = this.graph.callees();
    for (const file of this.groups[group]) {
      for (const id of this.graph.ofFile[file])
        for (const c of callees[id]) if (this.groupOf[this.graph.fns[c].file] !== group) out.add(c);
    }
    return [...out].sort((a, b) => a - b);
  }

  /**
   * The group's first round as a schedule: per file, the files of the group it calls that come
   * before it in an order that puts callees first wherever the cycle allows. A first-round visit
   * waits for those and reads their summaries, so only the calls against that order (the cycle's
   * back edges) are unknown to it, and the second round visits only the files that made one.
   */
  firstRound(group: number): Map<number, number[]> {
    const files = this.groups[group];
    const calls = this.inGroupCalls(group);
    const position = new Map(calleesFirst(files, calls).map((f, i) => [f, i] as const));
    const out = new Map<number, number[]>();
    for (const f of files)
      out.set(
        f,
        [...(calls.get(f)?.keys() ?? [])].filter((d) => position.get(d)! < position.get(f)!).sort((a, b) => a - b),
      );
    return out;
  }

  /** Per file of the group: the group's other files it calls, with how many calls each. */
  private inGroupCalls(group: number): Map<number, Map<number, number>> {
    const callees = this.graph.callees();
    const out = new Map<number, Map<number, number>>();
    for (const file of this.groups[group]) {
      const to = new Map<number, number>();
      for (const id of this.graph.ofFile[file])
        for (const c of callees[id]) {
          const other = this.graph.fns[c].file;
          if (other !== file && this.relevant[c] && this.groupOf[other] === group)
            to.set(other, (to.get(other) ?? 0) + 1);
        }
      out.set(file, to);
    }
    return out;
  }

  /** The files of the group that call one of `changed` (functions of the group) in another file. */
  callersElsewhere(group: number, changed: ReadonlySet<number>): number[] {
    const callees = this.graph.callees();
    return this.groups[group].filter((file) =>
      this.graph.ofFile[file].some((id) => callees[id].some((c) => changed.has(c) && this.graph.fns[c].file !== file)),
    );
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

/**
 * An order of a cycle's files with callees first, breaking the cycle where the fewest calls go
 * against the order (the greedy feedback-arc heuristic of Eades, Lin and Smyth, with calls as
 * weights): files calling none of the rest go to the front, files none of the rest calls to the
 * back, and otherwise the file most called for the calls it makes. Ties go to the lower index.
 */
function calleesFirst(files: readonly number[], calls: ReadonlyMap<number, ReadonlyMap<number, number>>): number[] {
  const left = new Set(files);
  const callers = new Map<number, Map<number, number>>(files.map((f) => [f, new Map()]));
  for (const [from, to] of calls) for (const [f, n] of to) callers.get(f)!.set(from, n);
  const weight = (m: ReadonlyMap<number, number> | undefined) => {
    let w = 0;
    for (const [f, n] of m ?? []) if (left.has(f)) w += n;
    return w;
  };
  const front: number[] = [];
  const back: number[] = [];
  while (left.size) {
    let moved = true;
    while (moved) {
      moved = false;
      for (const f of left)
        if (weight(calls.get(f)) === 0) {
          front.push(f);
          left.delete(f);
          moved = true;
        } else if (weight(callers.get(f)) === 0) {
          back.push(f);
          left.delete(f);
          moved = true;
        }
    }
    let best = -1;
    let bestScore = -Infinity;
    for (const f of left) {
      const score = weight(callers.get(f)) - weight(calls.get(f));
      if (score > bestScore || (score === bestScore && f < best)) {
        best = f;
        bestScore = score;
      }
    }
    if (best >= 0) {
      front.push(best);
      left.delete(best);
    }
  }
  return [...front, ...back.reverse()];
}
