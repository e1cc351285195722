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
import { errorResult, type FileResult } from '../analysis/result';
import type { Model } from '../analysis/model/compiled';
import { escapesKey, type Summary } from '../analysis/paths/summary';
import type { MacroDefinition } from '../analysis/parse/prepass';
import { TreeGraph, type TreeFile, type TreeFunction } from '../analysis/tree/graph';
import { TreePlan } from '../analysis/tree/plan';
import { calleeEvidence, type TreeShard } from '../analysis/tree/shard';
import type { CalleeEvidence } from '../analysis/model/unknown-calls';
import type { TreeFileContext, TreeVisit } from '../analysis/tree/context';
import { handsOut, isInferenceCandidate } from '../analysis/infer';
import { macroEffects } from '../analysis/macros';
import { macroReadsOnly } from '../analysis/tree/macro-aliases';
import { sha256, type IndexStore } from './store';
import { collectHeaderMacros, TreeKnowledge } from './tree-knowledge';
import { demoteUnsettled, restingIds, restingReads, type UnsettledReads, unsettledReads } from './unsettled';

export interface TreeSource {
  /** Path inside the tree (`/`-separated, relative to its root). */
  rel: string;
  /** Hash of the file's text. */
  hash: string;
  shard: TreeShard;
}

export interface VisitOutcome extends TreeVisit {
  result: FileResult;
  /** The visit was dropped before it finished (the run was cancelled): its group is left as it was. */
  stopped?: boolean;
}

/** How far a run is: groups of files whose summaries are final, and the files in them. */
export interface TreeProgress {
  groups: number;
  groupsTotal: number;
  files: number;
  filesTotal: number;
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
  /**
   * Analyses one file with what the tree knows; the caller runs it on a worker. `again`: the
   * file's group is a cycle of files, so the run may visit it again (with other summaries).
   */
  visit(file: number, context: TreeFileContext, again: boolean): Promise<VisitOutcome>;
  /**
   * A cycle's rounds are over: the run will not visit these files again, and what their last visits
   * left for the next (src/workers/revisits.ts) can be let go.
   */
  settled?(files: number[]): void;
  /** Visits in flight at once. */
  concurrency: number;
  /**
   * A callee nobody describes (no body in the tree, no model row) may keep argument `arg`,
   * given what the tree says of it.
   */
  unknownKeeps(file: number, callee: string, arg: number, evidence: CalleeEvidence | undefined): boolean;
  /** After each group whose summaries are final. */
  progress?(p: TreeProgress): void;
  /**
   * Stop early (the editor cancels): no group starts afterwards, and a group whose visits were
   * dropped is left out; what finished is kept, in the output and in the index.
   */
  cancelled?(): boolean;
}

export interface TreeRunOutput {
  /** The results of the files asked for, and of every file whose analysis failed. */
  results: Map<number, FileResult>;
  graph: TreeGraph;
  plan: TreePlan;
  /** Final summaries of the tree's functions that can touch a count, by function id. */
  summaries: Map<number, Summary>;
  /** What the run knows, for contexts after it (the editor's open documents). */
  knowledge: TreeKnowledge;
  /**
   * Per file of a cycle whose rounds ran out: the callees, per function, whose summary had not settled
   * (src/index/unsettled.ts), so that an analysis of the file after the run demotes what its run did.
   */
  unsettled: Map<number, UnsettledReads>;
  /** Every group finished (false when the run was cancelled). */
  complete: boolean;
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

/**
 * A group's files as the index keeps them. A file's result is the 'result' entry of its last visit
 * (`visit`, that visit's key), or `result` itself when no visit entry has it (a failed visit, or a
 * result whose warnings an unsettled cycle demoted): a group of 401 files does not write all their
 * results again after an edit of one.
 */
interface GroupEntry {
  files: {
    rel: string;
    hash: string;
    exports: Record<string, Summary>;
    result?: FileResult;
    visit?: string;
    unsettled?: UnsettledReads;
  }[];
}

/** What the index keeps of a visit besides its result (the 'result' entry of the same key). */
interface VisitEntry extends TreeVisit {
  states?: number;
}

/** A visit as a group's rounds use it: its result is read from the index only when it is wanted. */
interface Visited extends TreeVisit {
  stopped?: boolean;
  failed: boolean;
  /** Path states it explored (which visits of the next round start first). */
  states?: number;
  /** The index key of its result (absent when it failed, or there is no index). */
  key?: string;
  /** The result, once in memory. */
  result?: FileResult;
}

export async function runTree(input: TreeRunInput): Promise<TreeRunOutput> {
  const files: TreeFile[] = input.files.map((f) => ({ path: f.rel, shard: f.shard }));
  const headerMacros = collectHeaderMacros(input.files);
  const graph = new TreeGraph(files, (file, name) => headerMacros.calls(file, name));
  const countFields = new Set(input.files.flatMap((f) => f.shard.countFields ?? []));
  const effectsOf = new Map<Model, Map<MacroDefinition, boolean>>();
  const macroCounts = (model: Model) => (m: MacroDefinition) => {
    let byDef = effectsOf.get(model);
    if (!byDef) effectsOf.set(model, (byDef = new Map()));
    let v = byDef.get(m);
    if (v === undefined) {
      v = macroEffects([m], model, countFields).size > 0;
      byDef.set(m, v);
    }
    return v;
  };
  const localMacroEffects = input.files.map(
    (f, i) => new Set(f.shard.macros.filter(macroCounts(input.modelOf(i))).map((m) => m.name)),
  );
  const seed = (f: TreeFunction): boolean => {
    if (f.def.countUpdates?.some((c) => countFields.has(c))) return true;
    const model = input.modelOf(f.file);
    const shard = input.files[f.file].shard;
    if (shard.callbacks.includes(f.name)) return true;
    if (f.def.statementMacros.some((m) => model.iterators.has(m))) return true;
    return f.def.calls.some(
      (c) =>
        model.functions.has(c.name) ||
        isInferenceCandidate(c.name) ||
        handsOut(c.name, c.asStatement) ||
        localMacroEffects[f.file].has(c.name) ||
        headerMacros.counts(f.file, c.name, macroCounts(model)),
    );
  };
  const relevant = graph.relevant(seed);
  const plan = new TreePlan(graph, relevant);
  const evidence = calleeEvidence(input.files.map((f) => f.shard));
  const { kept, byBody } = graph.keptParams((f, callee, arg) => {
    const model = input.modelOf(f.file);
    if (model.functions.has(callee) || model.borrows.has(callee) || model.handles.has(callee)) return false;
    // a macro that only reads its arguments keeps none (the file's own definition wins)
    const own = input.files[f.file].shard.macros.find((m) => m.name === callee);
    if (own ? macroReadsOnly(own) : headerMacros.counts(f.file, callee, macroReadsOnly)) return false;
    return input.unknownKeeps(f.file, callee, arg, evidence.get(callee));
  });

  const knowledge = new TreeKnowledge(graph, relevant, kept, byBody, headerMacros, evidence, countFields, input.files);
  /** Final summaries of the functions of finished groups that can touch a count. */
  const summaries = knowledge.summaries;
  const quiet = (id: number) => knowledge.quiet(id);
  const results = new Map<number, FileResult>();
  const unsettledOf = new Map<number, UnsettledReads>();
  // functions whose summary rests on a cycle whose rounds ran out (MAX_ROUNDS)
  const resting = new Set<number>();
  const reported = new Set(input.reported);
  const stats = {
    groups: plan.groups.length,
    fromIndex: 0,
    visits: 0,
    visitsFromIndex: 0,
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
    const group = plan.groupOf[file];
    return knowledge.context(file, (id) => {
      if (!relevant[id]) return quiet(id);
      return plan.groupOf[graph.fns[id].file] === group ? round.get(id) : summaries.get(id);
    });
  };

  // hashed once: every group's key would otherwise hash the whole table again
  const numbersKey = sha256(JSON.stringify(headerMacros.numbers ?? null));
  const groupKey = (g: number): string => {
    const parts = [input.fingerprint, numbersKey];
    // what the rest of the tree says of the members a file counts is an input of its own
    for (const file of plan.groups[g])
      parts.push(
        `${input.files[file].rel}\u0001${input.files[file].hash}\u0001${knowledge.countFieldsOf(file).join(',')}`,
      );
    for (const id of plan.externalCallees(g)) {
      const s = relevant[id] ? summaries.get(id) : quiet(id);
      const what = s ? `${s.hash}^${escapesKey(s)}` : '-';
      parts.push(`${input.files[graph.fns[id].file].rel}\u0001${graph.fns[id].name}\u0001${what}`);
    }
    return sha256(...parts);
  };

  // visits run at most `concurrency` at once, whichever groups they belong to
  let running = 0;
  const waiting: (() => void)[] = [];
  let stopped = false;
  const stopping = () => stopped || (stopped = !!input.cancelled?.());
  /** `redo`: the index lost the result of this visit, which is made once more. */
  const visit = async (file: number, round: ReadonlyMap<number, Summary>, redo = false): Promise<Visited> => {
    while (running >= input.concurrency) await new Promise<void>((r) => waiting.push(r));
    if (stopping()) {
      waiting.shift()?.();
      const result = errorResult(input.files[file].rel, 'the run was stopped before this file was analysed');
      return { result, exports: {}, stopped: true, failed: true };
    }
    running++;
    try {
      const context = contextFor(file, round);
      // a file analysed with what it was told before gives what it gave before: a group's rounds
      // after an edit cost the files the edit reaches, not the whole group
      const key = input.store && visitKey(input.fingerprint, input.files[file], context);
      const known = key && !redo ? input.store!.get<VisitEntry>('visit', key) : undefined;
      if (known) {
        stats.visitsFromIndex++;
        return { exports: known.exports, states: known.states, failed: false, key };
      }
      stats.visits++;
      const { exports, result, stopped } = await input.visit(file, context, plan.groups[plan.groupOf[file]].length > 1);
      const failed = !!stopped || !!result.error;
      const stored =
        !!key &&
        !failed &&
        // the result first: a visit entry found means its result was written
        input.store!.put('result', key, result) &&
        input.store!.put('visit', key, { exports, states: result.timing.states } satisfies VisitEntry);
      return { exports, result, stopped, failed, states: result.timing.states, key: stored ? key : undefined };
    } finally {
      running--;
      waiting.shift()?.();
    }
  };

  /**
   * A visit's result: in memory, from the index, or (the index lost it) from the same visit made
   * again with what `told` told it; undefined when the run stops before that visit ends.
   */
  const resultOf = async (
    file: number,
    v: Visited,
    told: ReadonlyMap<number, Summary> | undefined,
  ): Promise<FileResult | undefined> => {
    if (v.result) return v.result;
    v.result = v.key ? input.store?.get<FileResult>('result', v.key) : undefined;
    if (v.result) return v.result;
    const redone = await visit(file, told ?? new Map(), true);
    if (redone.stopped) return undefined;
    v.key = redone.key;
    return (v.result = redone.result);
  };

  /** The summaries a visit reports for the file's counting functions (none when it failed). */
  const exported = new WeakMap<Visited, Map<number, Summary>>();
  const exportsOf = (file: number, o: Visited): Map<number, Summary> => {
    // a first round asks once for each file that waited for this one
    let out = exported.get(o);
    if (out) return out;
    exported.set(o, (out = new Map()));
    for (const id of graph.ofFile[file]) {
      if (!relevant[id]) continue;
      const s = o.exports[graph.fns[id].name];
      if (s) out.set(id, s);
      else if (!o.failed) out.set(id, quiet(id));
    }
    return out;
  };

  /** Runs a group (or takes it from the index); false when its visits were dropped. */
  const runGroup = async (g: number): Promise<boolean> => {
    const files = plan.groups[g];
    const key = groupKey(g);
    const entry = input.store?.get<GroupEntry>('group', key);
    const matches =
      entry &&
      entry.files.length === files.length &&
      entry.files.every((f, i) => f.rel === input.files[files[i]].rel && f.hash === input.files[files[i]].hash);
    // the results wanted of the group, and its failures; none missing from the index
    const stored = matches
      ? files.map((file, i) => {
          const f = entry.files[i];
          if (f.result || !reported.has(file)) return f.result;
          return f.visit ? (input.store!.get<FileResult>('result', f.visit) ?? null) : null;
        })
      : [];
    if (matches && !stored.includes(null)) {
      files.forEach((file, i) => {
        for (const id of graph.ofFile[file]) {
          const s = relevant[id] ? entry.files[i].exports[graph.fns[id].name] : undefined;
          if (s) summaries.set(id, s);
        }
        if (stored[i]) results.set(file, stored[i]!);
        const u = entry.files[i].unsettled;
        if (u) {
          unsettledOf.set(file, u);
          for (const id of restingIds(graph, file, u)) resting.add(id);
        }
      });
      stats.fromIndex++;
      return true;
    }
    // rounds: the first in the order of plan.firstRound, each next one reads the round before
    let round = new Map<number, Summary>();
    const latest = new Map<number, Visited>();
    // a round ends with its last visit: the costliest start first (the path states of the file's
    // last visit, its lines before that), so that the others fill the workers around them
    const cost = (file: number) => latest.get(file)?.states ?? input.files[file].shard.lines;
    const costliestFirst = (list: number[]) => list.sort((a, b) => cost(b) - cost(a) || a - b);
    let toVisit = costliestFirst(files.filter(needsVisit));
    // what each first-round visit was told of the group, to find who must go again
    const given = new Map<number, ReadonlyMap<number, Summary>>();
    // what each file's latest visit was told of the group
    const toldLast = new Map<number, ReadonlyMap<number, Summary>>();
    const firstRound = async (list: number[]): Promise<Visited[]> => {
      const before = plan.firstRound(g);
      const done = new Map<number, Promise<Visited>>();
      const start = (file: number): Promise<Visited> => {
        let p = done.get(file);
        if (!p) {
          const deps = (before.get(file) ?? []).filter((d) => needsVisit(d));
          p = Promise.all(deps.map(start)).then((outcomes) => {
            const told = new Map<number, Summary>();
            deps.forEach((d, i) => {
              for (const [id, s] of exportsOf(d, outcomes[i])) told.set(id, s);
            });
            given.set(file, told);
            return visit(file, told);
          });
          done.set(file, p);
        }
        return p;
      };
      return Promise.all(list.map(start));
    };
    /** The files whose first visit was told something of a callee in the group that is no longer so. */
    const misinformed = (visited: number[]) => {
      const callees = graph.callees();
      return visited.filter((file) =>
        graph.ofFile[file].some((id) =>
          callees[id].some((c) => graph.fns[c].file !== file && !sameSummary(given.get(file)?.get(c), round.get(c))),
        ),
      );
    };
    let unsettled: { changed: Set<number>; rounds: number } | undefined;
    for (let r = 1; toVisit.length; r++) {
      if (stopping()) return false;
      stats.rounds = Math.max(stats.rounds, r);
      const outcomes =
        r === 1 && files.length > 1
          ? await firstRound(toVisit)
          : await Promise.all(toVisit.map((file) => visit(file, round)));
      if (outcomes.some((o) => o.stopped)) {
        stopped = true;
        return false;
      }
      const next = new Map(round);
      const changed = new Set<number>();
      toVisit.forEach((file, i) => {
        latest.set(file, outcomes[i]);
        toldLast.set(file, r === 1 && files.length > 1 ? (given.get(file) ?? new Map()) : round);
        for (const [id, s] of exportsOf(file, outcomes[i])) {
          const before = round.get(id);
          if (!sameSummary(before, s)) changed.add(id);
          next.set(id, s);
        }
      });
      round = next;
      if (files.length === 1) break;
      if (r === 1) toVisit = costliestFirst(misinformed(toVisit).filter(needsVisit));
      else toVisit = changed.size ? costliestFirst(plan.callersElsewhere(g, changed).filter(needsVisit)) : [];
      if (r >= MAX_ROUNDS && toVisit.length) {
        stats.unsettled++;
        unsettled = { changed, rounds: r };
        break;
      }
    }
    for (const [id, s] of round) summaries.set(id, s);
    const modelled = (file: number, name: string) => input.modelOf(file).functions.has(name);
    let reads = unsettled
      ? unsettledReads({ graph, last: round, ...unsettled, modelled }, files, (file) => toldLast.get(file), sameSummary)
      : undefined;
    if (unsettled) {
      for (const id of unsettled.changed) {
        const file = graph.fns[id].file;
        let u = reads?.get(file);
        if (!u) (reads ??= new Map()).set(file, (u = { rounds: unsettled.rounds, reads: {} }));
        u.moving = [...(u.moving ?? []), graph.fns[id].name].sort();
      }
      for (const [file, u] of reads ?? []) for (const id of restingIds(graph, file, u)) resting.add(id);
    }
    // and outside the cycle: what reads a summary resting on it rests on it too
    if (resting.size) reads = restingReads(graph, files, resting, MAX_ROUNDS, modelled, reads);
    // a file's result is read only when it is wanted, failed, or may be demoted
    const held = new Map<number, { result?: FileResult; visit?: string }>();
    for (const [file, v] of latest) {
      const demote = reads?.get(file);
      if (demote) unsettledOf.set(file, demote);
      if (!v.failed && v.key && !reported.has(file) && !demote) {
        held.set(file, { visit: v.key });
        continue;
      }
      const r = await resultOf(file, v, toldLast.get(file));
      if (!r) {
        stopped = true;
        return false;
      }
      const shown = demote ? demoteUnsettled(r, demote) : r;
      results.set(file, shown);
      held.set(file, shown === r && !v.failed && v.key ? { visit: v.key } : { result: shown });
    }
    if (input.store) {
      const entryOut: GroupEntry = {
        files: files.map((file) => {
          const exports: Record<string, Summary> = {};
          for (const id of graph.ofFile[file])
            if (relevant[id] && summaries.has(id)) exports[graph.fns[id].name] = summaries.get(id)!;
          const { rel, hash } = input.files[file];
          return { rel, hash, exports, ...held.get(file), unsettled: unsettledOf.get(file) };
        }),
      };
      input.store.put('group', key, entryOut);
    }
    if (files.length > 1) input.settled?.(files);
    return true;
  };

  // groups start as soon as every function they call outside themselves is final
  const waitsFor = plan.groups.map((_, g) => plan.waitsFor(g));
  const started = new Array<boolean>(plan.groups.length).fill(false);
  const finished = new Array<boolean>(plan.groups.length).fill(false);
  let finishedCount = 0;
  const inFlight = new Set<Promise<void>>();
  const final = (id: number) => finished[plan.groupOf[graph.fns[id].file]];
  const filesTotal = input.files.length;
  let filesDone = 0;
  while (finishedCount < plan.groups.length) {
    if (stopping()) break;
    for (let g = 0; g < plan.groups.length; g++) {
      if (started[g] || !waitsFor[g].every(final)) continue;
      started[g] = true;
      const p: Promise<void> = runGroup(g).then((done) => {
        inFlight.delete(p);
        if (!done) return;
        finished[g] = true;
        finishedCount++;
        filesDone += plan.groups[g].length;
        input.progress?.({ groups: finishedCount, groupsTotal: plan.groups.length, files: filesDone, filesTotal });
      });
      inFlight.add(p);
    }
    if (stopping()) break;
    if (!inFlight.size) {
      const stuck = finished.findIndex((f) => !f);
      throw new Error(
        `tree run: group ${stuck} can never start (${plan.groups[stuck].map((f) => input.files[f].rel).join(', ')})`,
      );
    }
    await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  // what the run wrote is on disk when it ends (a next run, or another process, reads it)
  await input.store?.flush();
  const complete = finishedCount === plan.groups.length;
  return { results, graph, plan, summaries, knowledge, unsettled: unsettledOf, complete, stats };
}

/** Rounds a cycle of files gets before its summaries are taken as they are (and the run says so). */
const MAX_ROUNDS = 6;

/** What a visit's outcome is a function of: the analyser, the file's text and all it is told of the tree. */
function visitKey(fingerprint: string, file: { rel: string; hash: string }, context: TreeFileContext): string {
  const externals = Object.keys(context.externals)
    .sort()
    .map((name) => {
      const s = context.externals[name];
      return `${name}=${s.hash}^${escapesKey(s)}^${s.truncated ? 1 : 0}`;
    });
  return sha256(fingerprint, 'visit', file.rel, file.hash, externals.join('\n'), restOf(context));
}

/** Two summaries of one function say the same to its callers (undefined: not known). */
function sameSummary(a: Summary | undefined, b: Summary | undefined): boolean {
  return a === b || (!!a && !!b && a.hash === b.hash && escapesKey(a) === escapesKey(b));
}

/**
 * The hash of the parts of a context that are not summaries: a file's rounds share them (TreeKnowledge's
 * plans), so each file's is worked out once, not at every visit.
 */
function restOf(context: TreeFileContext): string {
  const parts = [
    context.kept,
    context.keptByBody,
    context.relevant,
    context.evidence ?? null,
    context.macros,
    context.countFields ?? null,
    context.numbers ?? null,
  ];
  const known = restHashes.get(context.kept);
  if (known?.parts.every((p, i) => p === parts[i])) return known.hash;
  // JSON.stringify(parts), with the JSON of what files share (the headers' macros, the numbers) made once
  const macros = `[${context.macros.map(jsonOf).join(',')}]`;
  const json = `[${parts.map((p, i) => (i === 4 ? macros : jsonOf(p))).join(',')}]`;
  const hash = sha256(json);
  restHashes.set(context.kept, { parts, hash });
  return hash;
}

const restHashes = new WeakMap<object, { parts: unknown[]; hash: string }>();

const jsons = new WeakMap<object, string>();
/** JSON.stringify(x), kept for objects (shared by the contexts of many files). */
function jsonOf(x: unknown): string {
  if (x === null || typeof x !== 'object') return JSON.stringify(x);
  let j = jsons.get(x);
  if (j === undefined) jsons.set(x, (j = JSON.stringify(x)));
  return j;
}
