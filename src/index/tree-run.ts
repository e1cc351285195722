/**
 * One run over a tree: every file's shard, the call graph across files, the plan, then the
 * visits that compute summaries bottom-up on the worker threads, and the results of the
 * files asked for. Groups of files whose inputs (their texts and the summaries they read
 * from outside the group) are unchanged come from the index on disk without a visit.
 *
 * What a file's analysis reads never depends on the order visits finish in (see plan.ts):
 * the same tree, model and options give the same results on any machine, with or without
 * the index.
 */
import type { FileResult } from '../analysis/result';
import type { Model } from '../analysis/model/compiled';
import type { Summary } from '../analysis/paths/summary';
import type { MacroDefinition } from '../analysis/parse/prepass';
import { TreeGraph, type TreeFile, type TreeFunction } from '../analysis/tree/graph';
import { TreePlan } from '../analysis/tree/plan';
import { calleeEvidence, type TreeShard } from '../analysis/tree/shard';
import type { CalleeEvidence } from '../analysis/model/unknown-calls';
import type { TreeFileContext, TreeVisit } from '../analysis/tree/context';
import { isInferenceCandidate } from '../analysis/infer';
import { macroEffects } from '../analysis/macros';
import { sha256, type IndexStore } from './store';

export interface TreeSource {
  /** Path inside the tree (`/`-separated, relative to its root). */
  rel: string;
  /** Hash of the file's text. */
  hash: string;
  shard: TreeShard;
}

export interface VisitOutcome extends TreeVisit {
  result: FileResult;
}

export interface TreeRunInput {
  files: TreeSource[];
  /** Indices of the files whose results are wanted. */
  reported: readonly number[];
  /** The model a file is read with (its preset's). */
  modelOf(file: number): Model;
  /** Everything besides the files that decides a result: code, model, options. */
  fingerprint: string;
  store?: IndexStore;
  /** Analyses one file with what the tree knows; the caller runs it on a worker. */
  visit(file: number, context: TreeFileContext): Promise<VisitOutcome>;
  /** Visits in flight at once. */
  concurrency: number;
  /**
   * A callee nobody describes (no body in the tree, no model row) may keep argument `arg`,
   * given what the tree says of it.
   */
  unknownKeeps(file: number, callee: string, arg: number, evidence: CalleeEvidence | undefined): boolean;
  /** Progress: files whose summaries are final, of all. */
  progress?(done: number, total: number): void;
  /** Stop early (the editor cancels); results computed so far are kept. */
  cancelled?(): boolean;
}

export interface TreeRunOutput {
  results: Map<number, FileResult>;
  graph: TreeGraph;
  plan: TreePlan;
  /** Final summaries of the tree's functions that can touch a count, by function id. */
  summaries: Map<number, Summary>;
  /**
   * What the tree tells `file` once the run is over (its callees' final summaries): the context a
   * new analysis of an edited version of the file reads, as `refcount-lens fix` verifies an edit.
   */
  contextOf(file: number): TreeFileContext;
  stats: {
    groups: number;
    fromIndex: number;
    visits: number;
    relevant: number;
    /** The most rounds a cycle of files took, and the cycles still changing after MAX_ROUNDS. */
    rounds: number;
    unsettled: number;
  };
}

interface GroupEntry {
  files: { rel: string; hash: string; exports: Record<string, Summary>; result?: FileResult }[];
}

export async function runTree(input: TreeRunInput): Promise<TreeRunOutput> {
  const files: TreeFile[] = input.files.map((f) => ({ path: f.rel, shard: f.shard }));
  const headerMacros = collectHeaderMacros(input.files);
  const graph = new TreeGraph(files, (file, name) => headerMacros.calls(file, name));
  const effectsOf = new Map<Model, Map<MacroDefinition, boolean>>();
  const macroCounts = (model: Model) => (m: MacroDefinition) => {
    let byDef = effectsOf.get(model);
    if (!byDef) effectsOf.set(model, (byDef = new Map()));
    let v = byDef.get(m);
    if (v === undefined) {
      v = macroEffects([m], model).size > 0;
      byDef.set(m, v);
    }
    return v;
  };
  const localMacroEffects = input.files.map(
    (f, i) => new Set(f.shard.macros.filter(macroCounts(input.modelOf(i))).map((m) => m.name)),
  );
  const seed = (f: TreeFunction): boolean => {
    const model = input.modelOf(f.file);
    const shard = input.files[f.file].shard;
    if (shard.callbacks.includes(f.name)) return true;
    if (f.def.statementMacros.some((m) => model.iterators.has(m))) return true;
    return f.def.calls.some(
      (c) =>
        model.functions.has(c.name) ||
        isInferenceCandidate(c.name) ||
        localMacroEffects[f.file].has(c.name) ||
        headerMacros.counts(f.file, c.name, macroCounts(model)),
    );
  };
  const relevant = graph.relevant(seed);
  const plan = new TreePlan(graph, relevant);
  const evidence = calleeEvidence(input.files.map((f) => f.shard));
  const kept = graph.keptParams((f, callee, arg) => {
    const model = input.modelOf(f.file);
    if (model.functions.has(callee) || model.borrows.has(callee)) return false;
    return input.unknownKeeps(f.file, callee, arg, evidence.get(callee));
  });

  /** Final summaries of the functions of finished groups that can touch a count. */
  const summaries = new Map<number, Summary>();
  const quiet = (id: number): Summary => ({
    name: graph.fns[id].name,
    paths: [{ conds: [], ret: 'unknown', effects: [], writes: [] }],
    truncated: false,
    hash: 'quiet',
    escapes: kept[id],
  });
  const results = new Map<number, FileResult>();
  const reported = new Set(input.reported);
  const stats = {
    groups: plan.groups.length,
    fromIndex: 0,
    visits: 0,
    relevant: relevant.filter(Boolean).length,
    rounds: 0,
    unsettled: 0,
  };
  const needsVisit = (file: number) => graph.ofFile[file].some((id) => relevant[id]) || reported.has(file);

  /**
   * What `file` is told of the functions it calls elsewhere: final summaries outside its group,
   * and for its group's other files what `round` (the previous round's summaries) holds.
   */
  const contextFor = (file: number, round: ReadonlyMap<number, Summary>): TreeFileContext => {
    const externals: Record<string, Summary> = Object.create(null);
    const ownNames = new Set(graph.ofFile[file].map((id) => graph.fns[id].name));
    const group = plan.groupOf[file];
    const answer = (id: number): Summary | undefined => {
      if (!relevant[id]) return quiet(id);
      return plan.groupOf[graph.fns[id].file] === group ? round.get(id) : summaries.get(id);
    };
    const calledEvidence: Record<string, CalleeEvidence> = Object.create(null);
    const ask = (name: string, depth: number) => {
      if (ownNames.has(name) || name in externals) return;
      const id = graph.resolve(file, name);
      if (id === undefined) {
        const inner = depth < 2 ? headerMacros.calls(file, name) : [];
        for (const n of inner) if (n !== name) ask(n, depth + 1);
        const ev = inner.length ? undefined : evidence.get(name);
        if (ev) calledEvidence[name] = ev;
        return;
      }
      const s = answer(id);
      if (s) externals[name] = s;
    };
    for (const id of graph.ofFile[file]) for (const c of graph.fns[id].def.calls) ask(c.name, 0);
    const keptHere: Record<string, number[]> = Object.create(null);
    for (const id of graph.ofFile[file]) if (!relevant[id] && kept[id].length) keptHere[graph.fns[id].name] = kept[id];
    const relevantHere = graph.ofFile[file].filter((id) => relevant[id]).map((id) => graph.fns[id].name);
    return {
      externals,
      kept: keptHere,
      relevant: relevantHere,
      evidence: calledEvidence,
      macros: headerMacros.usedBy(file, graph),
    };
  };

  const groupKey = (g: number): string => {
    const parts = [input.fingerprint];
    for (const file of plan.groups[g]) parts.push(`${input.files[file].rel}\u0001${input.files[file].hash}`);
    for (const id of plan.externalCallees(g)) {
      const s = relevant[id] ? summaries.get(id) : quiet(id);
      const what = s ? `${s.hash}^${(s.escapes ?? []).join('.')}` : '-';
      parts.push(`${input.files[graph.fns[id].file].rel}\u0001${graph.fns[id].name}\u0001${what}`);
    }
    return sha256(...parts);
  };

  // visits run at most `concurrency` at once, whichever groups they belong to
  let running = 0;
  const waiting: (() => void)[] = [];
  const visit = async (file: number, round: ReadonlyMap<number, Summary>): Promise<VisitOutcome> => {
    while (running >= input.concurrency) await new Promise<void>((r) => waiting.push(r));
    running++;
    stats.visits++;
    try {
      return await input.visit(file, contextFor(file, round));
    } finally {
      running--;
      waiting.shift()?.();
    }
  };

  /** The summaries a visit reports for the file's counting functions (none when it failed). */
  const exportsOf = (file: number, o: VisitOutcome): Map<number, Summary> => {
    const out = new Map<number, Summary>();
    for (const id of graph.ofFile[file]) {
      if (!relevant[id]) continue;
      const s = o.exports[graph.fns[id].name];
      if (s) out.set(id, s);
      else if (!o.result.error) out.set(id, quiet(id));
    }
    return out;
  };

  const runGroup = async (g: number): Promise<void> => {
    const files = plan.groups[g];
    const key = groupKey(g);
    const entry = input.store?.get<GroupEntry>('group', key);
    const matches =
      entry &&
      entry.files.length === files.length &&
      entry.files.every((f, i) => f.rel === input.files[files[i]].rel && f.hash === input.files[files[i]].hash) &&
      files.every((file, i) => !reported.has(file) || entry.files[i].result);
    if (matches) {
      files.forEach((file, i) => {
        for (const id of graph.ofFile[file]) {
          const s = relevant[id] ? entry.files[i].exports[graph.fns[id].name] : undefined;
          if (s) summaries.set(id, s);
        }
        if (entry.files[i].result) results.set(file, entry.files[i].result!);
      });
      stats.fromIndex++;
      return;
    }
    // rounds: the first reads nothing of the group's other files, each next one the round before
    let round = new Map<number, Summary>();
    let toVisit = files.filter(needsVisit);
    const latest = new Map<number, FileResult>();
    for (let r = 1; toVisit.length; r++) {
      stats.rounds = Math.max(stats.rounds, r);
      const outcomes = await Promise.all(toVisit.map((file) => visit(file, round)));
      const next = new Map(round);
      const changed = new Set<number>();
      toVisit.forEach((file, i) => {
        latest.set(file, outcomes[i].result);
        for (const [id, s] of exportsOf(file, outcomes[i])) {
          const before = round.get(id);
          if (!before || before.hash !== s.hash || String(before.escapes) !== String(s.escapes)) changed.add(id);
          next.set(id, s);
        }
      });
      round = next;
      if (files.length === 1) break;
      toVisit = changed.size ? plan.callersElsewhere(g, changed).filter(needsVisit) : [];
      if (r >= MAX_ROUNDS && toVisit.length) {
        stats.unsettled++;
        break;
      }
    }
    for (const [id, s] of round) summaries.set(id, s);
    for (const [file, r] of latest) results.set(file, r);
    if (input.store) {
      const entryOut: GroupEntry = {
        files: files.map((file) => {
          const exports: Record<string, Summary> = {};
          for (const id of graph.ofFile[file])
            if (relevant[id] && summaries.has(id)) exports[graph.fns[id].name] = summaries.get(id)!;
          return { rel: input.files[file].rel, hash: input.files[file].hash, exports, result: results.get(file) };
        }),
      };
      input.store.put('group', key, entryOut);
    }
  };

  // groups start as soon as every function they call outside themselves is final
  const waitsFor = plan.groups.map((_, g) => plan.waitsFor(g));
  const started = new Array<boolean>(plan.groups.length).fill(false);
  const finished = new Array<boolean>(plan.groups.length).fill(false);
  let finishedCount = 0;
  const inFlight = new Set<Promise<void>>();
  const final = (id: number) => finished[plan.groupOf[graph.fns[id].file]];
  while (finishedCount < plan.groups.length) {
    if (input.cancelled?.()) break;
    for (let g = 0; g < plan.groups.length; g++) {
      if (started[g] || !waitsFor[g].every(final)) continue;
      started[g] = true;
      const p: Promise<void> = runGroup(g).then(() => {
        finished[g] = true;
        finishedCount++;
        inFlight.delete(p);
        input.progress?.(finishedCount, plan.groups.length);
      });
      inFlight.add(p);
    }
    if (!inFlight.size) {
      const stuck = finished.findIndex((f) => !f);
      throw new Error(
        `tree run: group ${stuck} can never start (${plan.groups[stuck].map((f) => input.files[f].rel).join(', ')})`,
      );
    }
    await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return { results, graph, plan, summaries, contextOf: (file) => contextFor(file, summaries), stats };
}

/** Rounds a cycle of files gets before its summaries are taken as they are (and the run says so). */
const MAX_ROUNDS = 6;

/** The function-like macros of the tree's headers, found by name from a file as calls are. */
function collectHeaderMacros(files: TreeSource[]) {
  const byName = new Map<string, { file: number; def: MacroDefinition }[]>();
  files.forEach((f, file) => {
    if (!f.rel.endsWith('.h')) return;
    for (const def of f.shard.macros) {
      const list = byName.get(def.name);
      if (list) list.push({ file, def });
      else byName.set(def.name, [{ file, def }]);
    }
  });
  const nearest = (from: number, name: string) => {
    const list = byName.get(name);
    if (!list) return undefined;
    if (list.length === 1) return list[0];
    const fromDirs = files[from].rel.split('/');
    let best = list[0],
      bestScore = -1;
    for (const c of list) {
      const dirs = files[c.file].rel.split('/');
      let n = 0;
      while (n < fromDirs.length - 1 && n < dirs.length - 1 && fromDirs[n] === dirs[n]) n++;
      if (n > bestScore || (n === bestScore && files[c.file].rel < files[best.file].rel)) {
        best = c;
        bestScore = n;
      }
    }
    return best;
  };
  const bodyCalls = (body: string) => [...body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)].map((m) => m[1]);
  return {
    /** The names a call of macro `name` from `file` calls in its body (one level). */
    calls(file: number, name: string): string[] {
      const m = nearest(file, name);
      return m ? bodyCalls(m.def.body) : [];
    },
    counts(file: number, name: string, counts: (m: MacroDefinition) => boolean): boolean {
      const m = nearest(file, name);
      return !!m && counts(m.def);
    },
    usedBy(file: number, graph: TreeGraph): MacroDefinition[] {
      const own = new Set(files[file].shard.macros.map((m) => m.name));
      const out = new Map<string, MacroDefinition>();
      for (const id of graph.ofFile[file])
        for (const c of graph.fns[id].def.calls) {
          if (own.has(c.name) || out.has(c.name) || graph.resolve(file, c.name) !== undefined) continue;
          const m = nearest(file, c.name);
          if (m) out.set(c.name, m.def);
        }
      return [...out.values()];
    },
  };
}
