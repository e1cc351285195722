/**
 * Tree mode of `refcount-lens analyze PATHS... --root DIR`: every C file and header under the
 * roots is read, its shard taken from the index or made, and the tree's summaries are
 * computed bottom-up on the worker threads (src/index/tree-run.ts); the files asked for are
 * reported with what the whole tree knows. Files that cannot be part of the tree (unreadable,
 * binary, too large, gone while reading) are said once each and left out; the rest goes on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectPreset, looksBinary } from '../analysis/analyzer';
import type { Model } from '../analysis/model/compiled';
import type { PresetName } from '../analysis/model/load';
import { bodylessResult, errorResult, type FileResult } from '../analysis/result';
import { SHARD_VERSION, treeShard, type TreeShard } from '../analysis/tree/shard';
import type { TreeFileContext } from '../analysis/tree/context';
import { compileUnknownCalls, unknownKeeps, type UnknownCallPolicy } from '../analysis/model/unknown-calls';
import { type IndexStore, sha256 } from '../index/store';
import { runTree, type TreeSource, type VisitOutcome } from '../index/tree-run';
import { walkAll, type WalkOptions } from './walk';

export interface TreeRunRequest {
  roots: string[];
  /** The files to report (absolute), in output order. */
  reported: string[];
  exclude: WalkOptions['exclude'];
  gitignore: boolean;
  /** The model of each preset (the file's own is chosen as the analyser chooses it). */
  models: ReadonlyMap<PresetName, Model>;
  preset: PresetName | 'auto' | undefined;
  /** Hash of everything but the files that decides a result (code, model, options). */
  fingerprint: string;
  maxFileChars: number;
  store?: IndexStore;
  concurrency: number;
  /** Analyses a file with what the tree knows (on a worker). */
  visit(file: string, text: string, tree: TreeFileContext): Promise<VisitOutcome>;
  /** Overrides the models' `unknownCalls` policy (the CLI's --unknown-calls). */
  unknownCalls?: 'evidence' | 'hand-on';
  warn(message: string): void;
  /** Groups of files finished, of all. */
  progress?(done: number, total: number): void;
}

export interface TreeRunReport {
  results: Map<string, FileResult>;
  /** Lines of each reported file. */
  linesOf: Map<string, number>;
  files: number;
  lines: number;
  stats: {
    /** Index entries found cut short or foreign, taken as missing and rebuilt. */
    torn: number;
    groups: number;
    fromIndex: number;
    visits: number;
    relevant: number;
    rounds: number;
    unsettled: number;
    shardsFromIndex: number;
  };
}

/** How a tree names a file: its path under its root (`/`-separated), under the root's name when there are several. */
function treeName(roots: string[], file: string): string {
  for (const r of roots) {
    const rel = path.relative(r, file);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
      const name = rel.split(path.sep).join('/');
      return roots.length > 1 ? `${path.basename(r)}/${name}` : name;
    }
  }
  return `+/${path.resolve(file).split(path.sep).filter(Boolean).join('/')}`;
}

export async function analyzeTree(req: TreeRunRequest): Promise<TreeRunReport> {
  const roots = req.roots.map((r) => path.resolve(r));
  const all: string[] = [];
  const seen = new Set<string>();
  for (const f of walkAll(roots, { exclude: req.exclude, respectGitignore: req.gitignore })) {
    const abs = path.resolve(f);
    if (!seen.has(abs)) {
      seen.add(abs);
      all.push(abs);
    }
  }
  for (const f of req.reported)
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
  for (const abs of all) {
    const refuse = (why: string) => {
      if (reportedSet.has(abs)) results.set(abs, errorResult(abs, why));
      else req.warn(`${abs}: left out of the tree: ${why}`);
    };
    let text: string;
    try {
      vanishFault(abs);
      const st = fs.statSync(abs);
      if (!st.isFile()) {
        refuse('not a regular file');
        continue;
      }
      if (st.size > Math.max(req.maxFileChars * 4, BODYLESS_READ_LIMIT)) {
        refuse(tooLarge(st.size, req.maxFileChars));
        continue;
      }
      text = fs.readFileSync(abs, 'utf8');
    } catch (e) {
      refuse(`cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      continue;
    }
    if (text.length > req.maxFileChars) {
      const bodyless = bodylessResult(abs, text);
      if (bodyless && reportedSet.has(abs)) results.set(abs, bodyless);
      else if (bodyless) req.warn(`${abs}: left out of the tree: ${bodyless.skipped} (its macros are not read)`);
      else refuse(tooLarge(text.length, req.maxFileChars));
      continue;
    }
    if (looksBinary(text)) {
      refuse('not a C source file: it looks binary');
      continue;
    }
    const preset = req.preset && req.preset !== 'auto' ? req.preset : detectPreset(text);
    const hash = sha256(text);
    const key = sha256(req.fingerprint, `shard${SHARD_VERSION}`, preset, hash);
    let shard = req.store?.get<TreeShard>('shard', key);
    if (shard) shardsFromIndex++;
    else {
      shard = treeShard(text, req.models.get(preset)!);
      req.store?.put('shard', key, shard);
    }
    lines += shard.lines;
    if (reportedSet.has(abs)) linesOf.set(abs, shard.lines);
    sources.push({ rel: treeName(roots, abs), hash, shard });
    texts.push(text);
    absOf.push(abs);
    presetOf.push(preset);
  }

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
    visit: (i, ctx) => {
      if (!process.env.REFCOUNT_LENS_TREE_DEBUG) return req.visit(absOf[i], texts[i], ctx);
      const t0 = Date.now();
      process.stderr.write(`visit> ${sources[i].rel}\n`);
      return req.visit(absOf[i], texts[i], ctx).then((o) => {
        process.stderr.write(`visit< ${sources[i].rel} ${Date.now() - t0} ms
`);
        return o;
      });
    },
    progress: req.progress,
  });
  for (const [i, r] of run.results) if (reportedSet.has(absOf[i])) results.set(absOf[i], { ...r, path: absOf[i] });
  const torn = req.store?.stats.torn ?? 0;
  return { results, linesOf, files: sources.length, lines, stats: { ...run.stats, shardsFromIndex, torn } };
}

/** How big a file over the size limit may be and still be read, to find that it has no function body. */
export const BODYLESS_READ_LIMIT = 64 * 1048576;

function tooLarge(size: number, limit: number): string {
  const mb = (n: number, digits: number) => (n / 1048576).toFixed(digits);
  return `file too large (${mb(size, 1)} MB; the limit is ${mb(limit, 0)} MB, --max-file-size)`;
}

/**
 * Test hook, inert unless REFCOUNT_LENS_FAULT holds `vanish:NAME`: the file whose path contains
 * NAME is gone by the time it is read, as a file deleted while the tree is indexed.
 */
function vanishFault(file: string): void {
  for (const part of (process.env.REFCOUNT_LENS_FAULT ?? '').split(',')) {
    if (part.startsWith('vanish:') && part.length > 7 && file.includes(part.slice(7))) {
      throw Object.assign(new Error(`${file}: gone`), { code: 'ENOENT' });
    }
  }
}
