/**
 * A run over a tree of files on disk, as the CLI's tree mode (`analyze`, `diff` and `fix` with
 * `--root DIR`) and the language server's background index make it: every C file and header
 * under the roots is read (or taken from `overlay`: the editor's unsaved documents, or a diff's
 * side), its shard taken from the index or made, and the tree's summaries are computed
 * bottom-up (tree-run.ts) by the caller's visits on its worker threads. Files that cannot be
 * part of the tree (unreadable, binary, too large, a link that loops, gone while reading) are
 * told to `leftOut` once each and the rest goes on; a file asked for gets an error result
 * instead. The caller words and prints.
 */
import * as path from 'node:path';
import { detectPreset, type Prepassed } from '../analysis/analyzer';
import type { Model } from '../analysis/model/compiled';
import type { PresetName } from '../analysis/model/load';
import { errorResult, type FileResult } from '../analysis/result';
import { SHARD_VERSION, treeShard, type TreeShard } from '../analysis/tree/shard';
import type { TreeFileContext } from '../analysis/tree/context';
import { compileUnknownCalls, type UnknownCallPolicy, unknownKeeps } from '../analysis/model/unknown-calls';
import type { IgnoreRule } from '../files/gitignore';
import { walkAll } from '../files/walk';
import { type IndexStore, sha256 } from './store';
import { readTreeFile } from './tree-file';
import { runTree, type TreeProgress, type TreeRunOutput, type TreeSource, type VisitOutcome } from './tree-run';
import { escapesKey } from '../analysis/paths/summary';

/** Shards kept between runs (the language server's), by absolute path: reused while their key is the same. */
export type ShardMemo = Map<string, { key: string; shard: TreeShard }>;

export interface TreeIndexRequest {
  roots: string[];
  /** The files to report (absolute), in output order. */
  reported: string[];
  exclude: IgnoreRule[];
  gitignore: boolean;
  /** The model of each preset (the file's own is chosen as the analyser chooses it). */
  models: ReadonlyMap<PresetName, Model>;
  preset: PresetName | 'auto' | undefined;
  /** Hash of everything but the files that decides a result (code, model, options). */
  fingerprint: string;
  maxFileChars: number;
  /** What sets `maxFileChars`, for the message of a file over it (`--max-file-size`; '' when nothing does). */
  sizeLimitName: string;
  store?: IndexStore;
  concurrency: number;
  /**
   * Analyses a file with what the tree knows (on a worker); `prepassed`, at its first visit, the pre-pass its
   * shard was made from when another thread made it (`shardsElsewhere`).
   */
  visit(
    file: string,
    text: string,
    tree: TreeFileContext,
    again: boolean,
    prepassed?: Prepassed,
  ): Promise<VisitOutcome>;
  /** The run will not visit these files (absolute) again (`TreeRunInput.settled`). */
  settled?(files: string[]): void;
  /** Overrides the models' `unknownCalls` policy (the CLI's --unknown-calls). */
  unknownCalls?: 'evidence' | 'hand-on';
  /** A file of the tree that is left out of it, and why (said once per file and run). */
  leftOut(file: string, why: string): void;
  /**
   * Texts in place of the disk's, by absolute path: the editor's unsaved documents, or one side of
   * a diff (the tree at a revision: the work tree with the files that differ read from git).
   * null: the file is not in this tree; undefined: the disk's.
   */
  overlay?(file: string): string | null | undefined;
  /** Files of the tree the walk does not find (only the overlay has them), by absolute path. */
  added?: readonly string[];
  shards?: ShardMemo;
  /**
   * Shards made on other threads (the CLI's workers, idle until the graph is built) while this one
   * reads the files: `make` gives undefined when it could not (this thread then makes the shard),
   * `inFlight` is how many it is given at once; past that this thread makes them itself. The pre-pass a
   * shard was made from goes to the file's first visit, which then does not make it again.
   */
  shardsElsewhere?: {
    make(
      file: string,
      text: string,
      preset: PresetName,
    ): Promise<{ shard: TreeShard; prepassed?: Prepassed } | undefined>;
    inFlight: number;
  };
  /** Files read, of all found, while the tree is read. */
  reading?(done: number, total: number): void;
  /** Groups of files finished, and the files in them, once the run has started. */
  progress?(p: TreeProgress): void;
  /** Stop early: what finished stays in the index (see runTree). */
  cancelled?(): boolean;
}

export interface TreeIndexReport {
  results: Map<string, FileResult>;
  /** Lines of each reported file. */
  linesOf: Map<string, number>;
  files: number;
  lines: number;
  /** The absolute path of each file of the run, by its index there, and the hash of the text it read. */
  paths: string[];
  hashes: string[];
  /** The run (undefined when it was cancelled before it started). */
  run?: TreeRunOutput;
  /** The run's own counts, and what the index gave back or had to rebuild. */
  stats: TreeRunOutput['stats'] & {
    /** Index entries found cut short or foreign, taken as missing and rebuilt. */
    torn: number;
    shardsFromIndex: number;
  };
}

/** How a tree names a file: its path under its root (`/`-separated), under the root's name when there are several. */
export function treeName(roots: string[], file: string): string {
  for (const r of roots) {
    const rel = path.relative(r, file);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
      const name = rel.split(path.sep).join('/');
      return roots.length > 1 ? `${path.basename(r)}/${name}` : name;
    }
  }
  return `+/${path.resolve(file).split(path.sep).filter(Boolean).join('/')}`;
}

/** Lets whatever else waits on the event loop (the editor's requests) go first. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Files walked or read between two turns. */
const FILES_PER_TURN = 64;
/**
 * Characters of text made into shards between two turns: a shard costs about 12 ms per 45 KB
 * of kernel C, so 64 files of it would hold the editor's requests for most of a second.
 */
const SHARD_CHARS_PER_TURN = 64 * 1024;

export async function indexTree(req: TreeIndexRequest): Promise<TreeIndexReport> {
  const roots = req.roots.map((r) => path.resolve(r));
  const all: string[] = [];
  const seen = new Set<string>();
  const walking = walkAll(roots, {
    exclude: req.exclude,
    respectGitignore: req.gitignore,
    skipped: (file, why) => req.leftOut(path.resolve(file), why),
  });
  for (const f of walking) {
    const abs = path.resolve(f);
    if (!seen.has(abs)) {
      seen.add(abs);
      all.push(abs);
    }
    if (all.length % FILES_PER_TURN === 0) await turn();
  }
  for (const f of [...(req.added ?? []), ...req.reported])
    if (!seen.has(f)) {
      seen.add(f);
      all.push(f);
    }

  const reportedSet = new Set(req.reported);
  const results = new Map<string, FileResult>();
  const linesOf = new Map<string, number>();
  const sources: TreeSource[] = [];
  const texts: string[] = [];
  const absOf: string[] = [];
  const presetOf: PresetName[] = [];
  let lines = 0;
  let shardsFromIndex = 0;
  const stats = {
    torn: 0,
    groups: 0,
    fromIndex: 0,
    visits: 0,
    relevant: 0,
    rounds: 0,
    unsettled: 0,
    shardsFromIndex: 0,
  };
  /** The files read, in the walk's order, each with its shard or the promise of one made elsewhere. */
  const gathered: {
    abs: string;
    text: string;
    preset: PresetName;
    hash: string;
    key: string;
    shard?: TreeShard;
    made?: Promise<TreeShard | undefined>;
    prepassed?: Prepassed;
  }[] = [];
  const elsewhere = req.shardsElsewhere;
  let madeElsewhere = 0;
  /**
   * The shards a worker is making, by key: a second file of the same text reads the first one's from the
   * index, as it does when the first was made here (its entry is written before the second is read).
   */
  const making = new Map<string, Promise<TreeShard | undefined>>();
  let sinceTurn = { files: 0, chars: 0 };
  for (const [n, abs] of all.entries()) {
    // the other threads' shards come back (and more go out) only between two turns
    if (elsewhere && n > 0) await turn();
    if (n === 0 || sinceTurn.files >= FILES_PER_TURN || sinceTurn.chars >= SHARD_CHARS_PER_TURN) {
      sinceTurn = { files: 0, chars: 0 };
      req.reading?.(n, all.length);
      await turn();
      if (req.cancelled?.()) return { results, linesOf, files: 0, lines: 0, paths: [], hashes: [], stats };
    }
    sinceTurn.files++;
    const given = req.overlay?.(abs);
    if (given === null) {
      if (reportedSet.has(abs)) results.set(abs, errorResult(abs, 'not in this tree'));
      continue;
    }
    const read = readTreeFile(abs, req.maxFileChars, req.sizeLimitName, given);
    if ('refused' in read) {
      if (reportedSet.has(abs)) results.set(abs, errorResult(abs, read.refused));
      else req.leftOut(abs, read.refused);
      continue;
    }
    if ('bodyless' in read) {
      if (reportedSet.has(abs)) results.set(abs, read.bodyless);
      else req.leftOut(abs, `${read.bodyless.skipped} (its macros are not read)`);
      continue;
    }
    const text = read.text;
    const preset = req.preset && req.preset !== 'auto' ? req.preset : detectPreset(text);
    const hash = sha256(text);
    const key = sha256(req.fingerprint, `shard${SHARD_VERSION}`, preset, hash);
    const memo = req.shards?.get(abs);
    const entry: (typeof gathered)[number] = { abs, text, preset, hash, key };
    entry.shard = memo?.key === key ? memo.shard : req.store?.get<TreeShard>('shard', key);
    const twin = req.store && !entry.shard ? making.get(key) : undefined;
    if (entry.shard) shardsFromIndex++;
    else if (twin) {
      entry.made = twin.then((shard) => {
        if (!shard) return undefined;
        shardsFromIndex++;
        return JSON.parse(JSON.stringify(shard)) as TreeShard;
      });
    } else if (elsewhere && madeElsewhere < elsewhere.inFlight) {
      madeElsewhere++;
      entry.made = elsewhere.make(abs, text, preset).then((made) => {
        madeElsewhere--;
        if (!made) return undefined;
        req.store?.put('shard', key, made.shard);
        entry.prepassed = made.prepassed;
        return made.shard;
      });
      making.set(key, entry.made);
    } else {
      entry.shard = treeShard(text, req.models.get(preset)!);
      sinceTurn.chars += text.length;
      req.store?.put('shard', key, entry.shard);
    }
    gathered.push(entry);
  }
  /** The pre-passes the shards were made from, by file, until the file's first visit takes its own. */
  const prepassedOf: (Prepassed | undefined)[] = [];
  for (const entry of gathered) {
    const { abs, text, preset, hash, key, made } = entry;
    let shard = entry.shard ?? (await made);
    if (!shard) {
      shard = treeShard(text, req.models.get(preset)!);
      req.store?.put('shard', key, shard);
    }
    req.shards?.set(abs, { key, shard });
    lines += shard.lines;
    if (reportedSet.has(abs)) linesOf.set(abs, shard.lines);
    sources.push({ rel: treeName(roots, abs), hash, shard });
    texts.push(text);
    absOf.push(abs);
    presetOf.push(preset);
    prepassedOf.push(entry.prepassed);
    entry.prepassed = undefined;
  }
  req.reading?.(all.length, all.length);
  // shards of files no longer in the tree are not kept
  if (req.shards) for (const abs of [...req.shards.keys()]) if (!seen.has(abs)) req.shards.delete(abs);

  const policies = new Map<PresetName, UnknownCallPolicy>();
  const policyOf = (preset: PresetName): UnknownCallPolicy => {
    let p = policies.get(preset);
    if (!p) {
      p = compileUnknownCalls(req.models.get(preset)!.unknownCalls, () => {});
      if (req.unknownCalls) p = { ...p, policy: req.unknownCalls };
      policies.set(preset, p);
    }
    return p;
  };
  const indexOf = new Map(absOf.map((a, i) => [a, i]));
  const reported = req.reported.filter((f) => indexOf.has(f)).map((f) => indexOf.get(f)!);
  const run = await runTree({
    files: sources,
    reported,
    modelOf: (i) => req.models.get(presetOf[i])!,
    fingerprint: req.fingerprint,
    store: req.store,
    concurrency: req.concurrency,
    unknownKeeps: (i, callee, arg, evidence) => unknownKeeps(policyOf(presetOf[i]), callee, arg, evidence),
    visit: (i, ctx, again) => {
      const prepassed = prepassedOf[i];
      prepassedOf[i] = undefined;
      if (!process.env.REFCOUNT_LENS_TREE_DEBUG) return req.visit(absOf[i], texts[i], ctx, again, prepassed);
      const t0 = Date.now();
      process.stderr.write(`visit> ${sources[i].rel}\n`);
      return req.visit(absOf[i], texts[i], ctx, again, prepassed).then((o) => {
        process.stderr.write(`visit< ${sources[i].rel} ${Date.now() - t0} ms\n`);
        return o;
      });
    },
    settled: (files) => {
      if (process.env.REFCOUNT_LENS_TREE_DEBUG)
        process.stderr.write(`settled ${files.map((i) => sources[i].rel).join(' ')}\n`);
      req.settled?.(files.map((i) => absOf[i]));
    },
    progress: req.progress,
    cancelled: req.cancelled,
  });
  await req.store?.flush();
  for (const [i, r] of run.results) if (reportedSet.has(absOf[i])) results.set(absOf[i], { ...r, path: absOf[i] });
  return {
    results,
    linesOf,
    files: sources.length,
    lines,
    paths: absOf,
    hashes: sources.map((s) => s.hash),
    run,
    stats: { ...run.stats, shardsFromIndex, torn: req.store?.stats.torn ?? 0 },
  };
}

/** How a tree run's answers name a function: its file (absolute) and its name. */
export function functionKey(file: string, name: string): string {
  return `${file}\u0000${name}`;
}

/**
 * What a finished run tells of its tree besides the reported files' results, for the commands
 * that compare two trees or verify an edit in one (`diff --root`, `fix --root`).
 */
export interface TreeAnswers {
  /** What the tree tells a file after the run (its callees' final summaries); undefined: not in the tree. */
  contextOf(file: string): TreeFileContext | undefined;
  /** The final summary of each function that can touch a count (`hash^escapes`), by `functionKey`. */
  summaries: Map<string, string>;
  /** The files with a function that calls one of `fns` (`functionKey`s), as this tree resolves each call. */
  callersOf(fns: ReadonlySet<string>): string[];
  /** The hash of a file's text in this tree (undefined: not in it). */
  hashOf(file: string): string | undefined;
}

export function treeAnswers(report: TreeIndexReport): TreeAnswers {
  const { run, paths } = report;
  const indexOf = new Map(paths.map((a, i) => [a, i]));
  const summaries = new Map<string, string>();
  if (!run) return { contextOf: () => undefined, summaries, callersOf: () => [], hashOf: () => undefined };
  const { graph } = run;
  const fnKey = (id: number) => functionKey(paths[graph.fns[id].file], graph.fns[id].name);
  for (const [id, s] of run.summaries) summaries.set(fnKey(id), `${s.hash}^${escapesKey(s)}`);
  return {
    contextOf(file) {
      const i = indexOf.get(path.resolve(file));
      return i === undefined ? undefined : run.knowledge.context(i);
    },
    summaries,
    callersOf(fns) {
      const out = new Set<string>();
      for (const f of graph.fns)
        for (const c of f.def.calls) {
          const id = graph.resolve(f.file, c.name);
          if (id !== undefined && fns.has(fnKey(id))) out.add(paths[f.file]);
        }
      return [...out];
    },
    hashOf(file) {
      const i = indexOf.get(path.resolve(file));
      return i === undefined ? undefined : report.hashes[i];
    },
  };
}
