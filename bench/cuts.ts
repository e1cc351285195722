/**
 * Cut functions and the work spent in them (issue 16 item 7), on real trees in tree mode: one
 * cold run per tree (a fresh index), the functions a budget cut, those left unanalysed because
 * their file's budget was spent, the path states (the budgets' unit, the same on every run) and
 * milliseconds spent in cut functions, CPU time and peak memory (issue 12: a cold tree run
 * within 40 s per million lines and 2 GB). Given the figures of an earlier run, it prints each as
 * a ratio to them.
 *
 * Part of `npm run bench` when REFCOUNT_LENS_CUT_TREES names trees (`DIR=MODEL;DIR=MODEL`,
 * REFCOUNT_LENS_CUT_BEFORE an earlier figures file). Alone:
 *   node out/bench/cuts.js --tree DIR --model FILE [--tree DIR --model FILE]... [--cli dist/cli.js]
 *     [--before FILE] [--json FILE]
 * A build older than the work counters (no `timing.states` in its JSON) still gives its cuts,
 * CPU time and memory; its states are shown as `?`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CutCost, FileResult } from '../src/analysis/result';

export interface CutTree {
  dir: string;
  model?: string;
}

export interface CutFigures {
  tree: string;
  files: number;
  lines: number;
  wallMs: number;
  cpuMs?: number;
  rssMb?: number;
  /** Functions a budget cut (per function, nesting, outcomes) and functions the file budget left out. */
  cut: number;
  fileBudget: number;
  /** Undefined for a build without the work counters. */
  states?: number;
  cutStates?: number;
  cutMs?: number;
  /** The costliest cut functions, by states (or by name when there are no counters). */
  top: { file: string; function: string; states?: number; ms?: number; reason: string }[];
}

const FILE_BUDGET = "not analysed: the file's functions used up its budget";

/** One cold tree run of `cli` over `tree`, and what its JSON says about cuts. */
export function measureCuts(cli: string, tree: CutTree, jobs?: number): CutFigures {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-cuts-'));
  const out = path.join(cache, 'out.json');
  const args = [cli, 'analyze', tree.dir, '--root', tree.dir, '--format', 'json', '--no-progress'];
  args.push('--cache-dir', cache, '--output', out);
  if (tree.model) args.push('--model', tree.model);
  if (jobs !== undefined) args.push('--jobs', String(jobs));
  const time = fs.existsSync('/usr/bin/time');
  const t0 = process.hrtime.bigint();
  const r = time
    ? spawnSync('/usr/bin/time', ['-f', 'CUTS-TIME %M %U %S', process.execPath, ...args], { encoding: 'utf8' })
    : spawnSync(process.execPath, args, { encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /CUTS-TIME (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  try {
    if (r.status !== 0 && r.status !== 1) throw new Error(`exit ${r.status}: ${(r.stderr ?? '').slice(0, 400)}`);
    const json = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      files: FileResult[];
      summary?: { lines?: number; tree?: { lines: number; files: number } };
    };
    const f: CutFigures = {
      tree: tree.dir,
      files: json.summary?.tree?.files ?? json.files.length,
      lines: json.summary?.tree?.lines ?? json.summary?.lines ?? 0,
      wallMs,
      cpuMs: m ? (Number(m[2]) + Number(m[3])) * 1000 : undefined,
      rssMb: m ? Number(m[1]) / 1024 : undefined,
      cut: 0,
      fileBudget: 0,
      top: [],
    };
    const counted = json.files.some((x) => x.timing?.states !== undefined);
    if (counted) Object.assign(f, { states: 0, cutStates: 0, cutMs: 0 });
    for (const file of json.files) {
      const rel = path.relative(tree.dir, file.path);
      // by name: a function's line in the result (its declarator) and in the cost (its head) may differ
      const costs = new Map<string, CutCost[]>();
      for (const c of file.timing?.cuts ?? []) costs.set(c.function, [...(costs.get(c.function) ?? []), c]);
      if (counted) f.states! += file.timing.states ?? 0;
      for (const fn of file.functions) {
        if (!fn.truncated) continue;
        if (fn.truncatedReason?.startsWith(FILE_BUDGET)) {
          f.fileBudget++;
          continue;
        }
        f.cut++;
        const c = costs.get(fn.name)?.shift();
        if (counted) {
          f.cutStates! += c?.states ?? 0;
          f.cutMs! += c?.ms ?? 0;
        }
        f.top.push({ file: rel, function: fn.name, states: c?.states, ms: c?.ms, reason: fn.truncatedReason ?? '' });
      }
    }
    f.top.sort((a, b) => (b.states ?? 0) - (a.states ?? 0) || (b.ms ?? 0) - (a.ms ?? 0));
    f.top = f.top.slice(0, 10);
    return f;
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const secs = (ms: number | undefined) => (ms === undefined ? '?' : (ms / 1000).toFixed(1));
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? '' : b === 0 ? (a === 0 ? ' (=)' : ' (new)') : ` (x${(a / b).toFixed(2)})`;

/** The figures as text lines; each with its ratio to `before` (the same tree) when given. */
export function cutLines(f: CutFigures, before?: CutFigures): string[] {
  const b = before;
  const perMillion = f.lines ? (f.wallMs / f.lines) * 1e6 : undefined;
  return [
    `${f.tree}: ${int(f.files)} files, ${int(f.lines)} lines`,
    `  cut functions ${int(f.cut)}${ratio(f.cut, b?.cut)}; not analysed (file budget) ${int(f.fileBudget)}` +
      ratio(f.fileBudget, b?.fileBudget),
    `  path states ${f.states === undefined ? '?' : int(f.states)}${ratio(f.states, b?.states)}, in cut functions ` +
      `${f.cutStates === undefined ? '?' : int(f.cutStates)}${ratio(f.cutStates, b?.cutStates)}` +
      ` (${secs(f.cutMs)} s${ratio(f.cutMs, b?.cutMs)})`,
    `  wall ${secs(f.wallMs)} s${ratio(f.wallMs, b?.wallMs)} (${secs(perMillion)} s per million lines, target 40);` +
      ` CPU ${secs(f.cpuMs)} s${ratio(f.cpuMs, b?.cpuMs)}; peak RSS ${f.rssMb === undefined ? '?' : int(f.rssMb)} MB` +
      ' (target 2,048)',
    ...f.top.map(
      (t) =>
        `    ${t.file}: ${t.function}() ${t.states === undefined ? '' : `${int(t.states)} states, `}` +
        `${t.ms === undefined ? '' : `${secs(t.ms)} s, `}${t.reason.slice(0, 90)}`,
    ),
  ];
}

/** `DIR=MODEL;DIR` as trees. */
export function parseTrees(spec: string): CutTree[] {
  return spec
    .split(';')
    .filter(Boolean)
    .map((x) => {
      const [dir, model] = x.split('=');
      return { dir: path.resolve(dir), model: model ? path.resolve(model) : undefined };
    });
}

export function readBefore(file: string | undefined): CutFigures[] {
  if (!file) return [];
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { cuts?: CutFigures[] } | CutFigures[];
  return Array.isArray(j) ? j : (j.cuts ?? []);
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const trees: CutTree[] = [];
  let cli = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
  let before: string | undefined;
  let json: string | undefined;
  let jobs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--tree') trees.push({ dir: path.resolve(argv[++i]) });
    else if (a === '--model') trees[trees.length - 1].model = path.resolve(argv[++i]);
    else if (a === '--cli') cli = path.resolve(argv[++i]);
    else if (a === '--before') before = argv[++i];
    else if (a === '--json') json = argv[++i];
    else if (a === '--jobs') jobs = Number(argv[++i]);
  }
  if (!trees.length) trees.push(...parseTrees(process.env.REFCOUNT_LENS_CUT_TREES ?? ''));
  if (!trees.length) {
    process.stderr.write('cuts: no tree (--tree DIR [--model FILE], or REFCOUNT_LENS_CUT_TREES)\n');
    process.exit(2);
  }
  const earlier = readBefore(before);
  const all: CutFigures[] = [];
  for (const t of trees) {
    const f = measureCuts(cli, t, jobs);
    all.push(f);
    for (const l of cutLines(
      f,
      earlier.find((x) => x.tree === f.tree),
    ))
      process.stdout.write(l + '\n');
  }
  if (json) fs.writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), cli, cuts: all }, null, 1));
}
