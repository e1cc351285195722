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
import type { TreeShard } from '../analysis/tree/shard';
import type { ExternalAnswer, TreeFileContext, TreeVisit } from '../analysis/tree/context';
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
  /** A unknown callee (no body in the tree, no model row) may keep argument `arg`. */
  unknownKeeps(callee: string, arg: number): boolean;
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
  stats: { groups: number; fromIndex: number; visits: number; relevant: number };
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
  const kept = graph.keptParams((f, callee, arg) => {
    const model = input.modelOf(f.file);
    return !model.functions.has(callee) && !model.borrows.has(callee) && input.unknownKeeps(callee, arg);
  });

  const summaries = new Map<number, Summary>();
  /** Functions whose file's visit failed (a crash, the watchdog): unknown to their callers. */
  const failed = new Set<number>();
  const quiet = (id: number): Summary => ({
    name: graph.fns[id].name,
    paths: [{ conds: [], ret: 'unknown', effects: [], writes: [] }],
    truncated: false,
    hash: 'quiet',
    escapes: kept[id],
  });
  const known = (id: number): Summary | undefined => (relevant[id] ? summaries.get(id) : quiet(id));
  const done = (id: number) => !relevant[id] || summaries.has(id) || failed.has(id);

  const results = new Map<number, FileResult>();
  const reported = new Set(input.reported);
  const stats = { groups: plan.groups.length, fromIndex: 0, visits: 0, relevant: relevant.filter(Boolean).length };
  const inFlight = new Map<number, Promise<void>>();
  const lastComplete = new Map<number, boolean>();
  type GroupState = 'waiting' | 'active' | 'done';
  const state: GroupState[] = plan.groups.map(() => 'waiting');
  const needsVisit = (file: number) => graph.ofFile[file].some((id) => relevant[id]) || reported.has(file);
  const finishedGroups = () => state.filter((s) => s === 'done').length;

  const contextFor = (file: number): TreeFileContext => {
    const externals: Record<string, ExternalAnswer> = Object.create(null);
    const cut: string[] = [];
    const ownNames = new Set(graph.ofFile[file].map((id) => graph.fns[id].name));
    for (const id of graph.ofFile[file]) {
      const f = graph.fns[id];
      const ask = (name: string, depth: number) => {
        if (ownNames.has(name)) return;
        if (graph.resolve(file, name) === undefined) {
          if (depth < 2) for (const inner of headerMacros.calls(file, name)) if (inner !== name) ask(inner, depth + 1);
          return;
        }
        const answer = failed.has(graph.resolve(file, name)!) ? 'unknown' : plan.answer(file, f.name, name, known);
        if (answer === 'unknown') {
          cut.push(`${f.name}\u0001${name}`);
          return;
        }
        externals[name] ??= answer;
      };
      for (const c of f.def.calls) ask(c.name, 0);
    }
    const keptHere: Record<string, number[]> = Object.create(null);
    for (const id of graph.ofFile[file]) if (!relevant[id] && kept[id].length) keptHere[graph.fns[id].name] = kept[id];
    const relevantHere = graph.ofFile[file].filter((id) => relevant[id]).map((id) => graph.fns[id].name);
    return { externals, cut, kept: keptHere, relevant: relevantHere, macros: headerMacros.usedBy(file, graph) };
  };

  const groupKey = (g: number): string => {
    const parts = [input.fingerprint];
    for (const file of plan.groups[g]) parts.push(`${input.files[file].rel}\u0001${input.files[file].hash}`);
    for (const id of plan.externalCallees(g)) {
      const s = known(id);
      const summary = s ? `${s.hash}^${(s.escapes ?? []).join('.')}` : '-';
      parts.push(`${input.files[graph.fns[id].file].rel}\u0001${graph.fns[id].name}\u0001${summary}`);
    }
    return sha256(...parts);
  };

  const applyExports = (file: number, exports: Record<string, Summary>) => {
    for (const id of graph.ofFile[file]) {
      const s = relevant[id] ? exports[graph.fns[id].name] : undefined;
      if (s && !summaries.has(id)) summaries.set(id, s);
    }
  };

  const visitFile = (file: number): Promise<void> => {
    stats.visits++;
    const readyNow = plan.ready(file, done).map((f) => f.id);
    const p = input
      .visit(file, contextFor(file))
      .then((o) => {
        applyExports(file, o.exports);
        // what the visit neither finished nor deferred (an error, or a function it found nothing to count in)
        const deferred = new Set(o.deferred);
        for (const id of plan.unfinished(file, done)) {
          if (o.result.error) failed.add(id);
          else if (!deferred.has(graph.fns[id].name)) summaries.set(id, quiet(id));
        }
        // a function the plan found ready must not wait again: taken as unknown rather than visited forever
        for (const id of readyNow) if (!done(id)) failed.add(id);
        lastComplete.set(file, o.deferred.length === 0);
        if (o.deferred.length === 0) results.set(file, o.result);
      })
      .finally(() => inFlight.delete(file));
    inFlight.set(file, p);
    return p;
  };

  const storeGroup = (g: number, key: string) => {
    if (!input.store) return;
    const entry: GroupEntry = {
      files: plan.groups[g].map((file) => {
        const exports: Record<string, Summary> = {};
        for (const id of graph.ofFile[file])
          if (relevant[id] && summaries.has(id)) exports[graph.fns[id].name] = summaries.get(id)!;
        return { rel: input.files[file].rel, hash: input.files[file].hash, exports, result: results.get(file) };
      }),
    };
    input.store.put('group', key, entry);
  };

  const keys = new Map<number, string>();
  const groupFinished = (g: number) =>
    plan.groups[g].every(
      (file) =>
        plan.unfinished(file, done).length === 0 && !inFlight.has(file) && (!reported.has(file) || results.has(file)),
    );

  for (;;) {
    if (input.cancelled?.()) break;
    let progressed = false;
    for (let g = 0; g < plan.groups.length; g++) {
      if (state[g] === 'done') continue;
      if (state[g] === 'waiting') {
        if (!plan.groupReady(g, done)) continue;
        const key = groupKey(g);
        keys.set(g, key);
        const entry = input.store?.get<GroupEntry>('group', key);
        if (
          entry &&
          entry.files.length === plan.groups[g].length &&
          entry.files.every(
            (f, i) => f.rel === input.files[plan.groups[g][i]].rel && f.hash === input.files[plan.groups[g][i]].hash,
          ) &&
          plan.groups[g].every((file, i) => !reported.has(file) || entry.files[i].result)
        ) {
          plan.groups[g].forEach((file, i) => {
            applyExports(file, entry.files[i].exports);
            if (entry.files[i].result) results.set(file, { ...entry.files[i].result!, path: input.files[file].rel });
          });
          if (plan.groups[g].every((file) => plan.unfinished(file, done).length === 0)) {
            state[g] = 'done';
            stats.fromIndex++;
            progressed = true;
            continue;
          }
        }
        state[g] = 'active';
        progressed = true;
      }
      // active: visit the files that can make progress now
      for (const file of plan.groups[g]) {
        if (inFlight.has(file) || inFlight.size >= input.concurrency) continue;
        const unfinished = plan.unfinished(file, done);
        const alone = plan.groups[g].length === 1;
        if (unfinished.length) {
          if (alone ? !plan.completable(file, done) : plan.ready(file, done).length === 0) continue;
          void visitFile(file);
          progressed = true;
        } else if (needsVisit(file) && reported.has(file) && !results.has(file)) {
          void visitFile(file);
          progressed = true;
        }
      }
      if (groupFinished(g)) {
        state[g] = 'done';
        storeGroup(g, keys.get(g) ?? groupKey(g));
        progressed = true;
      }
    }
    input.progress?.(finishedGroups(), plan.groups.length);
    if (state.every((s) => s === 'done')) break;
    if (inFlight.size) {
      await Promise.race(inFlight.values());
      continue;
    }
    if (!progressed) {
      // nothing can move: a bug in the plan; say which group is stuck rather than spin
      const stuck = state.findIndex((s) => s !== 'done');
      throw new Error(
        `tree run stuck at group ${stuck} (${plan.groups[stuck].map((f) => input.files[f].rel).join(', ')})`,
      );
    }
  }
  await Promise.all(inFlight.values());
  return { results, graph, plan, summaries, stats };
}

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
