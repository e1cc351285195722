/**
 * `refcount-lens analyze FILE|DIR...`: walk, analyse on worker threads, stream
 * the results in input order, summarise.
 *
 * Memory stays flat as the tree grows: at most `window` results wait for an
 * earlier, slower file; text and JSON are written file by file (JSON as the
 * elements of one `files` array, so the output is still one JSON document), and
 * SARIF keeps only its result objects. Unchanged files come from the
 * content-hash cache without starting a worker.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnalyzerOptions } from '../analysis/analyzer';
import { buildModel, type ModelSources, type PresetName } from '../analysis/model/load';
import { readModelSources } from '../files/model-files';
import { bodylessResult, RESULT_VERSION, type FileResult } from '../analysis/result';
import { checkRoots, excludeOf, UsageError, type CliArgs } from './args';
import { cacheKey, defaultCacheDir, defaultIndexDir, fingerprint, ResultCache } from './cache';
import { formatFile, colors, type Colors } from './format-text';
import { sarifLog, sarifResults } from './format-sarif';
import { errorResult } from './job';
import {
  CLI_WORDING,
  HEAVY_CHARS,
  JOBS_AHEAD,
  InProcess,
  PoolRunner,
  TREE_VISITS_PER_WORKER,
  buildIdentity,
  workerScript,
} from './runners';
import { indexTree } from '../index/tree-index';
import { BODYLESS_READ_LIMIT } from '../index/tree-file';
import { treeFingerprint } from '../index/fingerprint';
import { IndexStore } from '../index/store';
import type { TreeProgress } from '../index/tree-run';
import type { Model } from '../analysis/model/compiled';
import { WorkerPool } from '../workers/pool';
import { Progress, type ProgressMode } from './progress';
import { SummaryCounter, formatSummary, type RunSummary } from './summary';
import { walkAll } from '../files/walk';

export const VERSION = '0.1.0';

/** `.refcount-lens.json` beside the inputs or in a parent directory (the nearest one per input). */
export function findWorkspaceModel(inputs: string[]): string[] {
  const found = new Set<string>();
  for (const i of inputs) {
    let dir = path.resolve(i);
    try {
      if (!fs.statSync(dir).isDirectory()) dir = path.dirname(dir);
    } catch {
      dir = path.dirname(dir);
    }
    for (let k = 0; k < 12; k++) {
      const f = path.join(dir, '.refcount-lens.json');
      if (fs.existsSync(f)) {
        found.add(f);
        break;
      }
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return [...found];
}

/** The analyser's options from the command line: what `analyze` and `fix` share. */
export function analyzerOptionsFor(args: CliArgs, modelSources: ModelSources): AnalyzerOptions {
  return {
    preset: args.preset,
    modelSources,
    defines: args.defines,
    undefines: args.undefines,
    inference: args.inference,
    maxStatesPerFunction: args.maxStates,
    maxStatesPerFile: args.maxStatesPerFile,
    maxFileSize: args.maxFileSize * 1048576,
    unknownCalls: args.unknownCalls,
  };
}

/** How a report is written: a header, one file at a time, a footer. */
interface Sink {
  file(r: FileResult): void;
  end(s: RunSummary | undefined): void;
}

function textSink(write: (s: string) => void, c: Colors, showSummary: boolean): Sink {
  return {
    file: (r) => write(formatFile(r, c) + '\n'),
    end: (s) => {
      if (s && showSummary) write('\n' + formatSummary(s, c) + '\n');
    },
  };
}

function jsonSink(write: (s: string) => void): Sink {
  let first = true;
  write(`{"version":${RESULT_VERSION},"files":[\n`);
  return {
    file: (r) => {
      write((first ? '' : ',\n') + JSON.stringify(r));
      first = false;
    },
    end: (s) => write(`\n]${s ? `,"summary":${JSON.stringify(s)}` : ''}}\n`),
  };
}

function sarifSink(write: (s: string) => void): Sink {
  const results: object[] = [];
  return {
    file: (r) => {
      for (const x of sarifResults(r)) results.push(x);
    },
    end: (s) => write(JSON.stringify(sarifLog(results, VERSION, s ? { summary: s } : undefined), null, 1) + '\n'),
  };
}

function countLines(text: string): number {
  if (!text) return 0;
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n - 1 : n;
}

interface Outcome {
  result: FileResult;
  cached: boolean;
  lines: number;
}

/** Shards queued per worker while the tree is read (see `shardsElsewhere`). */
const SHARDS_PER_WORKER = 16;

export async function analyzeCommand(
  args: CliArgs,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  if (!args.inputs.length && !args.roots.length)
    throw new UsageError('analyze needs at least one FILE or DIR (or --root DIR)');
  checkRoots(args.roots);
  if (!args.inputs.length) args.inputs = [...args.roots];
  for (const [flag] of args.rest) throw new UsageError(`unknown option ${flag}`);
  if (args.format === 'html' || args.format === 'markdown')
    throw new UsageError(
      `--format ${args.format} is for the ${args.format === 'html' ? 'trace' : 'diff'} command; ` +
        'analyze writes text, json or sarif',
    );
  const exclude = excludeOf(args);

  const modelFiles = [...findWorkspaceModel([...args.inputs, ...args.roots]), ...args.models];
  const modelSources = readModelSources(modelFiles);
  const options = analyzerOptionsFor(args, modelSources);
  const presets: PresetName[] = args.preset === 'auto' || !args.preset ? ['freebsd', 'linux'] : [args.preset];
  const models = presets.map((p) =>
    buildModel({ presets: [p], sources: modelSources, defines: args.defines, undefines: args.undefines }),
  );
  for (const p of models[0].problems) err(`refcount-lens: ${p.file}:${p.line}:${p.column}: ${p.message}`);

  // the files, in command-line order (walked once, only names are kept)
  let missing = 0;
  const files: string[] = [];
  for (const input of args.inputs) {
    if (!fs.existsSync(input)) {
      err(`refcount-lens: ${input}: no such file or directory`);
      missing++;
      continue;
    }
    const before = files.length;
    for (const f of walkAll([input], { exclude, respectGitignore: args.gitignore })) files.push(f);
    if (files.length === before)
      err(
        `refcount-lens: ${input}: no C files to analyse` +
          (args.gitignore || args.exclude.length ? ' (after .gitignore and --exclude)' : ''),
      );
  }

  // the cache (file by file) or, in tree mode, the index
  let cache: ResultCache | undefined;
  let index: IndexStore | undefined;
  const script = args.jobs > 0 ? workerScript() : undefined;
  const serial = (_k: string, v: unknown) =>
    v instanceof Map ? [...v] : v instanceof Set ? [...v] : v instanceof RegExp ? v.source : v;
  const fp = fingerprint({
    version: `${VERSION}/${RESULT_VERSION}`,
    code: [__filename, ...(script ? [script] : [])],
    models: modelFiles,
    options: { options, models: models.map((m) => JSON.stringify(m.model, serial)) },
  });
  if (args.cache && files.length) {
    const store = args.roots.length
      ? new IndexStore(path.resolve(args.cacheDir ? path.join(args.cacheDir, 'index') : defaultIndexDir()))
      : new ResultCache(path.resolve(args.cacheDir ?? defaultCacheDir()));
    const why = store.usable();
    if (why) err(`refcount-lens: the cache ${store.dir} cannot be written (${why}); going on without it`);
    else if (store instanceof IndexStore) index = store;
    else cache = store;
  }

  // how it runs
  const jobs = script ? Math.max(1, Math.min(args.jobs, files.length || 1)) : 0;
  let runner: PoolRunner | InProcess | undefined;
  const getRunner = () =>
    (runner ??= script
      ? new PoolRunner(
          new WorkerPool({
            script,
            size: jobs,
            setup: { options, cacheDir: cache?.dir },
            timeoutMs: args.timeout * 1000,
            maxMemoryMb: args.maxMemory,
            heavyChars: HEAVY_CHARS,
            ahead: JOBS_AHEAD,
            wording: CLI_WORDING,
          }),
        )
      : new InProcess(options, cache));

  const tty = !!process.stderr.isTTY;
  const mode: ProgressMode =
    args.progress === false || files.length < 2 ? 'off' : tty ? 'bar' : args.progress ? 'lines' : 'off';
  const progress = new Progress(process.stderr, files.length, mode);
  const sameTerminal = mode === 'bar' && !!process.stdout.isTTY && !args.output;
  const write = (s: string) => {
    if (sameTerminal) progress.clear();
    out(s);
    if (sameTerminal) progress.redraw();
  };
  const say = (s: string) => {
    if (mode === 'bar') progress.clear();
    err(s);
    if (mode === 'bar') progress.redraw();
  };

  const c = colors(!!process.stdout.isTTY && !process.env.NO_COLOR && !args.output);
  const showSummary = args.summary ?? files.length > 1;
  const sink =
    args.format === 'json'
      ? jsonSink(write)
      : args.format === 'sarif'
        ? sarifSink(write)
        : textSink(write, c, showSummary);
  const counter = new SummaryCounter(jobs);

  const maxBytes = args.maxFileSize * 1048576;
  const tooLarge = (file: string, size: number) =>
    errorResult(
      file,
      `file too large (${(size / 1048576).toFixed(1)} MB; the limit is ${args.maxFileSize} MB, --max-file-size)`,
    );
  const start = (index: number): Promise<Outcome> => {
    const file = files[index];
    if (treeResults) {
      const r =
        treeResults.get(path.resolve(file)) ?? errorResult(file, 'not analysed: it left the tree while it was read');
      const lines = treeLines?.get(path.resolve(file)) ?? 0;
      return Promise.resolve({ result: { ...r, path: file }, cached: false, lines });
    }
    let text: string;
    try {
      const st = fs.statSync(file);
      if (!st.isFile())
        return Promise.resolve({ result: errorResult(file, 'not a regular file'), cached: false, lines: 0 });
      if (st.size > Math.max(maxBytes * 4, BODYLESS_READ_LIMIT)) {
        return Promise.resolve({ result: tooLarge(file, st.size), cached: false, lines: 0 });
      }
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      return Promise.resolve({
        result: errorResult(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`),
        cached: false,
        lines: 0,
      });
    }
    if (text.length > maxBytes) {
      const result = bodylessResult(file, text) ?? tooLarge(file, text.length);
      return Promise.resolve({ result, cached: false, lines: result.skipped ? countLines(text) : 0 });
    }
    const lines = countLines(text);
    const key = cache ? cacheKey(fp, text) : undefined;
    const hit = key ? cache!.get(key, file) : undefined;
    if (hit) return Promise.resolve({ result: hit, cached: true, lines });
    return getRunner()
      .submit({ id: index, path: file, text, key })
      .then((result) => ({ result, cached: false, lines }));
  };

  let treeResults: Map<string, FileResult> | undefined;
  let treeStats: RunSummary['tree'];
  let treeLines: Map<string, number> | undefined;
  if (args.roots.length) {
    const byPreset = new Map<PresetName, Model>(presets.map((p, i) => [p, models[i].model]));
    for (const p of ['freebsd', 'linux'] as PresetName[])
      if (!byPreset.has(p))
        byPreset.set(
          p,
          buildModel({ presets: [p], sources: modelSources, defines: args.defines, undefines: args.undefines }).model,
        );
    const visitRunner = getRunner();
    const report = await indexTree({
      roots: args.roots,
      reported: files.map((f) => path.resolve(f)),
      exclude,
      gitignore: args.gitignore,
      models: byPreset,
      preset: args.preset,
      fingerprint: treeFingerprint({ code: buildIdentity(), modelFiles, options }),
      maxFileChars: maxBytes,
      sizeLimitName: '--max-file-size',
      store: index,
      concurrency: Math.max(1, jobs) * TREE_VISITS_PER_WORKER,
      visit: (file, text, tree, again, prepassed) => visitRunner.visit(file, text, tree, again, prepassed),
      settled: (files) => visitRunner.settled(files),
      // the workers wait for the graph, which waits for every shard: they make shards meanwhile, and this
      // thread, which reads the files and writes the index, makes one only when they have plenty queued
      shardsElsewhere:
        visitRunner instanceof PoolRunner
          ? { make: (file, text, preset) => visitRunner.shard(file, text, preset), inFlight: SHARDS_PER_WORKER * jobs }
          : undefined,
      unknownCalls: args.unknownCalls,
      leftOut: (file, why) => say(`refcount-lens: ${file}: left out of the tree: ${why}`),
      progress: treeProgress(mode, (s) => err(s)),
    });
    treeResults = report.results;
    treeLines = report.linesOf;
    treeStats = { files: report.files, lines: report.lines, ...report.stats };
  }
  const window = Math.max(16, jobs * 8);
  const pending = new Map<number, Promise<Outcome>>();
  let nextRead = 0;
  let failed = 0;
  try {
    for (let nextEmit = 0; nextEmit < files.length; nextEmit++) {
      while (nextRead < files.length && nextRead - nextEmit < window) {
        const i = nextRead++;
        pending.set(
          i,
          start(i).then((o) => {
            progress.tick(o.lines);
            return o;
          }),
        );
      }
      const o = await pending.get(nextEmit)!;
      pending.delete(nextEmit);
      if (o.result.error) {
        say(`refcount-lens: ${o.result.path}: ${o.result.error}`);
        failed++;
      }
      counter.add(o.result, o);
      sink.file(o.result);
    }
  } finally {
    progress.finish();
    await runner?.close();
  }
  const summary = counter.finish();
  if (treeStats) summary.tree = treeStats;
  sink.end(
    args.format === 'text'
      ? showSummary
        ? summary
        : undefined
      : files.length > 1 || args.summary
        ? summary
        : undefined,
  );
  if (args.format !== 'text' && showSummary && tty && args.summary !== false)
    err(formatSummary(summary, colors(false)));
  const replaced = runner instanceof PoolRunner ? runner.pool.replaced : 0;
  if (replaced)
    err(
      `refcount-lens: ${replaced} analysis worker${replaced === 1 ? ' was' : 's were'} replaced` +
        ' after a crash or a timeout',
    );
  if (missing || failed) return 2;
  return summary.problems ? 1 : 0;
}

/** `--progress` lines for the tree's groups (the run reports files only once the tree is done). */
function treeProgress(mode: ProgressMode, say: (s: string) => void): ((p: TreeProgress) => void) | undefined {
  if (mode === 'off' && !process.env.REFCOUNT_LENS_TREE_PROGRESS) return undefined;
  let last = -1;
  return ({ groups: done, groupsTotal: total }) => {
    const pct = Math.floor((done * 20) / Math.max(1, total));
    if (pct === last) return;
    last = pct;
    say(`refcount-lens: tree: ${done}/${total} file groups done`);
  };
}
