/**
 * What a tree run knows once its graph is built: which functions can touch a count, which
 * parameters the others keep, the headers' function-like macros, and the summaries final so
 * far. From it, what one file's analysis is told of the rest of the tree (a TreeFileContext):
 * the tree run asks for it per visit, the language server per analysis of an open document.
 */
import type { MacroDefinition } from '../analysis/parse/prepass';
import { type Summary, supposedOf } from '../analysis/paths/summary';
import type { TreeFileContext } from '../analysis/tree/context';
import type { TreeGraph } from '../analysis/tree/graph';
import type { CalleeEvidence } from '../analysis/model/unknown-calls';
import type { TreeSource } from './tree-run';
import { macroCountUpdates } from '../analysis/tree/count-fields';

/** A function's summary as the asker sees it, or undefined when it is not known (yet). */
export type SummaryAnswer = (id: number) => Summary | undefined;

export class TreeKnowledge {
  /** Final summaries of the tree's functions that can touch a count, by function id. */
  readonly summaries = new Map<number, Summary>();

  constructor(
    readonly graph: TreeGraph,
    /** Per function: it can touch a count. */
    readonly relevant: readonly boolean[],
    /** Per function: the parameters it keeps. */
    readonly kept: readonly number[][],
    /** Per function: of the parameters it keeps, those a body stores (TreeGraph.keptParams). */
    readonly keptByBody: readonly number[][],
    readonly headerMacros: HeaderMacros,
    /** What the tree says of each callee without a body (its prototypes, its uses), by name. */
    readonly evidence: ReadonlyMap<string, CalleeEvidence>,
    /** Members the tree shows to be reference counts. */
    readonly countFields: ReadonlySet<string> = new Set(),
    /** The tree's files (their shards' macros). */
    private readonly sources: readonly TreeSource[] = [],
  ) {}

  /** The tree's count fields that `file` adds to or takes from (in its functions, or the macros it calls), sorted. */
  countFieldsOf(file: number): string[] {
    if (!this.countFields.size) return [];
    const known = this.countFieldsMemo.get(file);
    if (known) return known;
    const out = new Set<string>();
    for (const id of this.graph.ofFile[file])
      for (const f of this.graph.fns[id].def.countUpdates ?? []) if (this.countFields.has(f)) out.add(f);
    const macros = [...this.headerMacros.usedBy(file, this.graph), ...(this.sources[file]?.shard.macros ?? [])];
    for (const m of macros)
      if (m.params) for (const f of macroCountUpdates(m.params, m.body)) if (this.countFields.has(f)) out.add(f);
    const list = [...out].sort();
    this.countFieldsMemo.set(file, list);
    return list;
  }

  private readonly countFieldsMemo = new Map<number, string[]>();

  /** The summary of a function with no counted effect: what it keeps of its parameters. */
  quiet(id: number): Summary {
    return {
      name: this.graph.fns[id].name,
      paths: [{ conds: [], ret: 'unknown', effects: [], writes: [] }],
      truncated: false,
      hash: 'quiet',
      escapes: this.kept[id],
      ...supposed(this.kept[id], this.keptByBody[id]),
    };
  }

  /** A function's final summary: its quiet one when it cannot touch a count; undefined while not known. */
  final(id: number): Summary | undefined {
    return this.relevant[id] ? this.summaries.get(id) : this.quiet(id);
  }

  /**
   * What `file` is told of the functions it calls elsewhere, each one's summary as `answer`
   * gives it (by default the final one). `calls`: the names its text calls, when that text is
   * not the one the graph was built from (an open document being edited); by default the graph's.
   */
  context(file: number, answer: SummaryAnswer = (id) => this.final(id), calls?: Iterable<string>): TreeFileContext {
    // what the graph's own calls ask is the same at every visit of a run: worked out once per file
    let plan = calls ? undefined : this.plans.get(file);
    if (!plan) {
      plan = this.planOf(file, calls);
      if (!calls) this.plans.set(file, plan);
    }
    const externals: Record<string, Summary> = Object.create(null);
    for (const { name, id } of plan.callees) {
      const s = answer(id);
      if (s) externals[name] = s;
    }
    return {
      externals,
      kept: plan.kept,
      keptByBody: plan.keptByBody,
      relevant: plan.relevant,
      evidence: plan.evidence,
      macros: plan.macros,
      ...(plan.countFields.length ? { countFields: plan.countFields } : {}),
      ...(this.headerMacros.numbers ? { numbers: this.headerMacros.numbers } : {}),
    };
  }

  private readonly plans = new Map<number, FilePlan>();

  /** The parts of `file`'s context that do not depend on the summaries known so far. */
  private planOf(file: number, calls?: Iterable<string>): FilePlan {
    const graph = this.graph;
    const callees: { name: string; id: number }[] = [];
    const asked = new Set<string>();
    const ownNames = new Set(graph.ofFile[file].map((id) => graph.fns[id].name));
    const evidence: Record<string, CalleeEvidence> = Object.create(null);
    const ask = (name: string, depth: number) => {
      if (ownNames.has(name) || asked.has(name)) return;
      const id = graph.resolve(file, name);
      if (id === undefined) {
        const inner = depth < 2 ? this.headerMacros.calls(file, name) : [];
        for (const n of inner) if (n !== name) ask(n, depth + 1);
        const ev = inner.length ? undefined : this.evidence.get(name);
        if (ev) evidence[name] = ev;
        return;
      }
      asked.add(name);
      if (graph.fns[id].file !== file) callees.push({ name, id });
    };
    if (calls) for (const name of calls) ask(name, 0);
    else for (const id of graph.ofFile[file]) for (const c of graph.fns[id].def.calls) ask(c.name, 0);
    const kept: Record<string, number[]> = Object.create(null);
    const keptByBody: Record<string, number[]> = Object.create(null);
    for (const id of graph.ofFile[file])
      if (!this.relevant[id] && this.kept[id].length) {
        kept[graph.fns[id].name] = this.kept[id];
        if (this.keptByBody[id].length) keptByBody[graph.fns[id].name] = this.keptByBody[id];
      }
    const relevant = graph.ofFile[file].filter((id) => this.relevant[id]).map((id) => graph.fns[id].name);
    return {
      callees,
      kept,
      keptByBody,
      relevant,
      evidence,
      macros: this.headerMacros.usedBy(file, graph, calls),
      countFields: this.countFieldsOf(file),
    };
  }
}

/** What a file's context holds whatever the summaries: its external callees, in the order first called. */
interface FilePlan {
  callees: { name: string; id: number }[];
  kept: Record<string, number[]>;
  keptByBody: Record<string, number[]>;
  relevant: string[];
  evidence: Record<string, CalleeEvidence>;
  macros: MacroDefinition[];
  countFields: string[];
}

export interface HeaderMacros {
  /** The names a call of macro `name` from `file` calls in its body (one level). */
  calls(file: number, name: string): readonly string[];
  counts(file: number, name: string, counts: (m: MacroDefinition) => boolean): boolean;
  /** The headers' macros that `file` calls (by `calls`, or its functions' calls in the graph). */
  usedBy(file: number, graph: TreeGraph, calls?: Iterable<string>): MacroDefinition[];
  /**
   * The headers' macros spelled like variables that stand for a number (shard `numbers`), the
   * names every header that defines them defines to the same number; undefined when there are none.
   */
  numbers?: Record<string, string>;
}

/** The function-like macros of the tree's headers, found by name from a file as calls are. */
export function collectHeaderMacros(files: readonly TreeSource[]): HeaderMacros {
  const byName = new Map<string, { file: number; def: MacroDefinition }[]>();
  files.forEach((f, file) => {
    if (!f.rel.endsWith('.h')) return;
    for (const def of f.shard.macros) {
      const list = byName.get(def.name);
      if (list) list.push({ file, def });
      else byName.set(def.name, [{ file, def }]);
    }
  });
  const dirsOf: string[][] = [];
  const dirs = (file: number) => (dirsOf[file] ??= files[file].rel.split('/'));
  const nearest = (from: number, name: string) => {
    const list = byName.get(name);
    if (!list) return undefined;
    if (list.length === 1) return list[0];
    const fromDirs = dirs(from);
    let best = list[0],
      bestScore = -1;
    for (const c of list) {
      const toDirs = dirs(c.file);
      let n = 0;
      while (n < fromDirs.length - 1 && n < toDirs.length - 1 && fromDirs[n] === toDirs[n]) n++;
      if (n > bestScore || (n === bestScore && files[c.file].rel < files[best.file].rel)) {
        best = c;
        bestScore = n;
      }
    }
    return best;
  };
  // a header's macro is asked for by many files: its body is scanned once
  const callsOf = new Map<MacroDefinition, string[]>();
  const bodyCalls = (def: MacroDefinition) => {
    let out = callsOf.get(def);
    if (!out) callsOf.set(def, (out = [...def.body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)].map((m) => m[1])));
    return out;
  };
  const numbers = headerNumbers(files);
  return {
    ...(numbers ? { numbers } : {}),
    calls(file, name) {
      const m = nearest(file, name);
      return m ? bodyCalls(m.def) : [];
    },
    counts(file, name, counts) {
      const m = nearest(file, name);
      return !!m && counts(m.def);
    },
    usedBy(file, graph, calls) {
      const own = new Set(files[file].shard.macros.map((m) => m.name));
      const out = new Map<string, MacroDefinition>();
      // and the macros those call, which say what an argument handed through them becomes
      const use = (name: string, depth = 0) => {
        if (own.has(name) || out.has(name) || graph.resolve(file, name) !== undefined) return;
        const m = nearest(file, name);
        if (!m) return;
        out.set(name, m.def);
        if (m.def.params && depth < 3) for (const inner of bodyCalls(m.def)) use(inner, depth + 1);
      };
      if (calls) for (const name of calls) use(name);
      else for (const id of graph.ofFile[file]) for (const c of graph.fns[id].def.calls) use(c.name);
      return [...out.values()];
    },
  };
}

/** The numbers of the headers' number macros (HeaderMacros.numbers), sorted by name. */
function headerNumbers(files: readonly TreeSource[]): Record<string, string> | undefined {
  const seen = new Map<string, string | null>();
  for (const f of files) {
    if (!f.rel.endsWith('.h')) continue;
    for (const [name, value] of Object.entries(f.shard.numbers ?? {})) {
      const was = seen.get(name);
      if (was === undefined) seen.set(name, value);
      else if (was !== value) seen.set(name, null);
    }
  }
  const out: Record<string, string> = Object.create(null);
  for (const name of [...seen.keys()].sort()) {
    const v = seen.get(name);
    if (v) out[name] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** A quiet summary's `supposed`: the parameters kept that no body stores, when there are any. */
function supposed(kept: readonly number[], byBody: readonly number[]): Pick<Summary, 'supposed'> {
  const s = supposedOf(kept, byBody);
  return s ? { supposed: s } : {};
}
