/**
 * The tree's functions and who calls whom, across files, from the files' shards. A call
 * resolves as a C program links: to a definition in the same file first (static or not),
 * then to a header's (a `static inline` accessor is compiled into every file that includes
 * it), then to a non-static definition in another source file. Several candidates: the
 * one nearest in the directory tree, then the first path in code-unit order, so the graph
 * is the same on every machine.
 */
import type { TreeShard, ShardFunction } from './shard';

export interface TreeFile {
  /** Path as the tree names it (relative to its root, `/`-separated). */
  path: string;
  shard: TreeShard;
}

export interface TreeFunction {
  id: number;
  file: number;
  name: string;
  def: ShardFunction;
}

export const isHeader = (path: string): boolean => path.endsWith('.h');

export class TreeGraph {
  readonly fns: TreeFunction[] = [];
  /** Function ids per file, in file order. */
  readonly ofFile: number[][];
  private readonly byName = new Map<string, number[]>();
  /** Per file: what a call of each name resolved to (null: nothing in the tree). */
  private readonly resolved: Map<string, number | null>[];
  /** Each file's directories, for `nearest`. */
  private readonly dirs: string[][];
  private calleeCache?: number[][];
  private callerCache?: number[][];

  /**
   * `macroCalls(file, name)`: the names a function-like macro of the tree calls in its body, so
   * that a call of a wrapper macro (`#define foo_put(x) __foo_put(x, __func__)`) is a call of
   * what it wraps.
   */
  constructor(
    readonly files: readonly TreeFile[],
    private readonly macroCalls?: (file: number, name: string) => readonly string[],
  ) {
    this.ofFile = files.map(() => []);
    this.resolved = files.map(() => new Map());
    this.dirs = files.map((f) => f.path.split('/').slice(0, -1));
    files.forEach((f, fi) => {
      for (const def of f.shard.functions) {
        const id = this.fns.length;
        this.fns.push({ id, file: fi, name: def.name, def });
        this.ofFile[fi].push(id);
        const list = this.byName.get(def.name);
        if (list) list.push(id);
        else this.byName.set(def.name, [id]);
      }
    });
  }

  /** The definition a call of `name` in file `file` reaches, if the tree has one. */
  resolve(file: number, name: string): number | undefined {
    const known = this.resolved[file];
    const hit = known.get(name);
    if (hit !== undefined) return hit ?? undefined;
    const found = this.pick(file, this.byName.get(name) ?? []);
    known.set(name, found ?? null);
    return found;
  }

  private pick(file: number, candidates: number[]): number | undefined {
    if (!candidates.length) return undefined;
    const same = candidates.find((id) => this.fns[id].file === file);
    if (same !== undefined) return same;
    const headers = candidates.filter((id) => isHeader(this.files[this.fns[id].file].path));
    if (headers.length) return this.nearest(file, headers);
    const global = candidates.filter((id) => !this.fns[id].def.static);
    return global.length ? this.nearest(file, global) : undefined;
  }

  private nearest(file: number, ids: number[]): number {
    if (ids.length === 1) return ids[0];
    const from = this.dirs[file];
    let best = ids[0],
      bestScore = -1;
    for (const id of ids) {
      const p = this.files[this.fns[id].file].path;
      const score = sharedDirs(from, this.dirs[this.fns[id].file]);
      if (score > bestScore || (score === bestScore && p < this.files[this.fns[best].file].path)) {
        best = id;
        bestScore = score;
      }
    }
    return best;
  }

  /** The functions each function calls (resolved, without repeats, in order of first call). */
  callees(): number[][] {
    if (!this.calleeCache) {
      this.calleeCache = this.fns.map((f) => {
        const out: number[] = [];
        const seen = new Set<number>();
        const add = (name: string, depth: number) => {
          const id = this.resolve(f.file, name);
          if (id === undefined) {
            if (depth < 2 && this.macroCalls)
              for (const inner of this.macroCalls(f.file, name)) if (inner !== name) add(inner, depth + 1);
            return;
          }
          if (id === f.id || seen.has(id)) return;
          seen.add(id);
          out.push(id);
        };
        for (const c of f.def.calls) add(c.name, 0);
        return out;
      });
    }
    return this.calleeCache;
  }

  callers(): number[][] {
    if (!this.callerCache) {
      const out: number[][] = this.fns.map(() => []);
      this.callees().forEach((cs, id) => {
        for (const c of cs) out[c].push(id);
      });
      this.callerCache = out;
    }
    return this.callerCache;
  }

  /**
   * Which functions can touch a count: the seeds, and every function that calls one, to a
   * fixed point (the tree-wide counterpart of relevance.ts's per-file decision).
   */
  relevant(seed: (f: TreeFunction) => boolean): boolean[] {
    const out = this.fns.map(() => false);
    const queue: number[] = [];
    for (const f of this.fns)
      if (seed(f)) {
        out[f.id] = true;
        queue.push(f.id);
      }
    const callers = this.callers();
    while (queue.length) {
      for (const c of callers[queue.pop()!])
        if (!out[c]) {
          out[c] = true;
          queue.push(c);
        }
    }
    return out;
  }

  /**
   * Parameters each function keeps (stores, or passes on to a function that keeps them, to a
   * fixed point), with `unknownKeeps(name, index)` deciding for callees the tree has no body for;
   * and of those, the ones a body stores (`byBody`: its own, or through callees with bodies), not
   * ones the policy only supposes an unknown callee keeps (`copyout()` may keep what it is given;
   * nothing says it links it anywhere).
   */
  keptParams(unknownKeeps: (f: TreeFunction, callee: string, arg: number) => boolean): KeptParams {
    const kept: Set<number>[] = this.fns.map((f) => new Set(f.def.stores));
    const byBody: Set<number>[] = this.fns.map((f) => new Set(f.def.stores));
    const callers = this.callers();
    const queue = this.fns.map((f) => f.id);
    const inQueue = new Uint8Array(this.fns.length).fill(1);
    while (queue.length) {
      const id = queue.pop()!;
      inQueue[id] = 0;
      const f = this.fns[id];
      const before = kept[id].size + byBody[id].size;
      if (f.def.params.length)
        for (const c of f.def.calls) {
          // resolved only for a call that passes a parameter (most pass none)
          let callee: number | undefined | null = null;
          c.args.forEach((a, j) => {
            const bare = a.charCodeAt(0) === 40 || a.endsWith(')') ? a.replace(/^\(\s*|\s*\)$/g, '') : a;
            const p = f.def.params.indexOf(bare);
            // byBody is a part of kept: a parameter in it is in both
            if (p < 0 || byBody[id].has(p)) return;
            if (callee === null) callee = this.resolve(f.file, c.name);
            if (callee === undefined) {
              if (!kept[id].has(p) && unknownKeeps(f, c.name, j)) kept[id].add(p);
            } else if (callee !== id) {
              if (kept[callee].has(j)) kept[id].add(p);
              if (byBody[callee].has(j)) byBody[id].add(p);
            }
          });
        }
      if (kept[id].size + byBody[id].size !== before)
        for (const c of callers[id])
          if (!inQueue[c]) {
            inQueue[c] = 1;
            queue.push(c);
          }
    }
    const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
    return { kept: kept.map(sorted), byBody: byBody.map(sorted) };
  }
}

/** TreeGraph.keptParams: per function, the parameters it keeps, and those of them a body stores. */
export interface KeptParams {
  kept: number[][];
  byBody: number[][];
}

/** How many leading directories two files' directory lists share. */
function sharedDirs(x: string[], y: string[]): number {
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n;
}
