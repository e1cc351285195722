/**
 * The cost of `refcount-lens diff` on two revisions of one file, against one analysis of the
 * file as `refcount-lens analyze` runs it (issue 13: at most 2.2x). The diff is what the command
 * does after reading the files: both sides through one Analyzer (each function the change left
 * alone is analysed once), every built-in scenario traced over each side, the comparison. Part
 * of `npm run bench`; alone: `node out/bench/diff.js [--runs N] [--only TEXT] [--build OUT-DIR]...`.
 *
 * The pairs: the review fixture's two revisions, a generated 2,000-line file with a few
 * functions changed and one moved, and, when REFCOUNT_LENS_TUNTAP names a directory holding
 * them, the real if_tuntap.c before and after the 2025 fix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer } from '../src/analysis/analyzer';
import { parserWasm } from '../src/files/parser-wasm';
import { BUILTIN_SCENARIOS } from '../src/trace/builtin-scenarios';
import { analyseSides, compareSides, type FilePlan, type Scenarios } from '../src/cli/diff-sides';
import { generateFile } from './generate';

const ROOT = path.resolve(__dirname, '..', '..');
/** Issue 13: a diff of two revisions of one file costs at most this many analyses of it. */
export const DIFF_TARGET = 2.2;

export interface DiffPair {
  label: string;
  base: string;
  head: string;
}

export interface DiffMeasure {
  label: string;
  lines: number;
  /** The build measured (`--build`): its out/ directory, or `this build`. */
  build: string;
  /** Timed runs of each (after the warm-up). */
  runs: number;
  /** The clock of `oneCpuMs`, `diffCpuMs`, `ratio`, `spread`, `aa` and `phases` (see `cpuClock`). */
  clock: 'main thread' | 'process';
  /** One analysis of the head, as `analyze` runs it: wall and CPU time, medians. */
  oneMs: number;
  oneCpuMs: number;
  /** The diff: both sides, their traces, the comparison. */
  diffMs: number;
  diffCpuMs: number;
  /**
   * diff / one in CPU time (what the target is read against: other processes' load leaves it mostly
   * alone): the median of the per-run ratios, each diff against the mean of the one analysis run just
   * before it and the one just after it (the load of that moment is in both).
   */
  ratio: number;
  /** The middle half of the per-run ratios (25th and 75th percentiles): how far one run is from another. */
  spread: [number, number];
  /** The same in the process's CPU time (every thread: the collector's and compiler's helpers too). */
  processRatio: number;
  processSpread: [number, number];
  /** The same in wall time. */
  wallRatio: number;
  /**
   * The same reading of one analysis against its two neighbours, which are the same work: the method's
   * own noise and bias (about 1.00; its spread is what the load does to one run).
   */
  aa: { ratio: number; spread: [number, number] };
  /**
   * Where the diff's CPU time goes, in units of one analysis (medians): both sides analysed, then
   * the traces over them and the comparison. The two add up to about `ratio`.
   */
  phases: { sides: number; tracesAndComparison: number };
}

const median = (xs: number[]) => quantile(xs, 0.5);

/** The q-quantile of xs (linear between the two nearest ranks). */
function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return lo + 1 < s.length ? s[lo] + (s[lo + 1] - s[lo]) * (at - lo) : s[lo];
}

/** What the bench runs of a build: this one's modules, or another build's out/ (`--build DIR`). */
interface Build {
  name: string;
  Analyzer: typeof Analyzer;
  parserWasm: typeof parserWasm;
  scenarios: typeof BUILTIN_SCENARIOS;
  analyseSides: typeof analyseSides;
  compareSides: typeof compareSides;
}

const THIS_BUILD: Build = {
  name: 'this build',
  Analyzer,
  parserWasm,
  scenarios: BUILTIN_SCENARIOS,
  analyseSides,
  compareSides,
};

/** Another build's compiled modules (`node scripts/build.mjs` of another checkout: its out/), to measure alike. */
export function loadBuild(outDir: string): Build {
  const dir = path.resolve(outDir);
  const load = (m: string) => require(path.join(dir, 'src', m));
  return {
    name: dir,
    Analyzer: load('analysis/analyzer').Analyzer,
    parserWasm: load('files/parser-wasm').parserWasm,
    scenarios: load('trace/builtin-scenarios').BUILTIN_SCENARIOS,
    analyseSides: load('cli/diff-sides').analyseSides,
    compareSides: load('cli/diff-sides').compareSides,
  };
}

/** The Analyzer's per-function cache would make every repeat free: empty it between runs. */
function forget(a: Analyzer) {
  const caches = a as unknown as { cache: Map<string, unknown>; callSiteCache?: Map<string, unknown> };
  caches.cache.clear();
  caches.callSiteCache?.clear();
}

export function diffPairs(): DiffPair[] {
  const read = (f: string) => fs.readFileSync(f, 'utf8');
  const pairs: DiffPair[] = [
    {
      label: 'test/fixtures/review/rvw (the fix)',
      base: read(path.join(ROOT, 'test/fixtures/review/rvw_before.c')),
      head: read(path.join(ROOT, 'test/fixtures/review/rvw_after.c')),
    },
  ];
  const gen = generateFile({ lines: 2000, seed: 1 });
  pairs.push({ label: 'generated 2,000 lines, 3 functions changed, 1 moved', base: gen, head: editGenerated(gen) });
  const tuntap = process.env.REFCOUNT_LENS_TUNTAP;
  if (tuntap && fs.existsSync(path.join(tuntap, 'before.c')) && fs.existsSync(path.join(tuntap, 'after.c')))
    pairs.push({
      label: 'if_tuntap.c before and after the 2025 fix',
      base: read(path.join(tuntap, 'before.c')),
      head: read(path.join(tuntap, 'after.c')),
    });
  return pairs;
}

/** A change like a real one: a comment on top (every line moves), three dev_refs dropped, the last function moved. */
function editGenerated(text: string): string {
  let out = text;
  let dropped = 0;
  out = out.replace(/\n(\t+)dev_ref\(([^;]*)\);/g, (m, indent, arg) =>
    dropped++ % 7 === 3 && dropped < 25 ? `\n${indent}/* dev_ref(${arg}) dropped */` : m,
  );
  const starts = [...out.matchAll(/\n(?=static [^\n;]*\n[A-Za-z_]\w*\()/g)].map((m) => m.index! + 1);
  if (starts.length > 2) {
    const last = out.slice(starts[starts.length - 1]);
    out = out.slice(0, starts[starts.length - 1]) + '\n';
    out = out.slice(0, starts[1]) + last + '\n' + out.slice(starts[1]);
  }
  return `/*\n * A revision of the generated driver.\n */\n\n${out}`;
}

/**
 * The CPU time of the thread that runs the analysis (Linux: /proc/thread-self/schedstat, nanoseconds), or
 * the process's where that cannot be read. V8's helper threads (concurrent marking and sweeping, the
 * optimising compiler) add about a third to both the diff and one analysis, the same share of each, but
 * when they run, and for how long on a loaded machine, varies from run to run: on 400 runs of the review
 * fixture at load 12 the process's time put the median of 41 per-run ratios anywhere in 1.64-2.59 (standard
 * deviation 0.26), the main thread's in 1.87-2.16 (0.07), both about 2.0 on all 400. The process's
 * ratio is reported beside it (`processRatio`): nothing is left out, it is read with the steadier clock.
 */
const cpuClock: { name: DiffMeasure['clock']; now(): number } = (() => {
  try {
    const read = () => Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
    if (Number.isFinite(read()) && read() > 0) return { name: 'main thread', now: read };
  } catch {
    // not Linux, or no scheduler statistics: the process's time
  }
  return { name: 'process', now: processCpu };
})();

function processCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** One timed run: CPU ms of the analysing thread (`cpuClock`), of the process, and wall ms. */
type Times = [cpu: number, processCpu: number, wall: number];

/** One build's runs of one pair: each a function that times itself. */
interface Runner {
  one(): Times;
  diff(sides: number[], rest: number[]): Times;
}

async function runner(b: Build, p: DiffPair): Promise<Runner> {
  // as `analyze` runs (no call sites: it parses only the bodies it needs) and as `diff` runs
  const one = await b.Analyzer.create({}, b.parserWasm());
  const both = await b.Analyzer.create({ callSites: true }, b.parserWasm());
  const scenarios: Scenarios = { list: b.scenarios.map((s) => ({ name: s.name })), keep: 'reached' };
  const timed = (f: () => void): Times => {
    forget(one);
    forget(both);
    const c0 = cpuClock.now();
    const p0 = processCpu();
    const t0 = performance.now();
    f();
    const wall = performance.now() - t0;
    const pc = processCpu() - p0;
    return [cpuClock.now() - c0, pc, wall];
  };
  return {
    one: () => timed(() => one.analyzeText('head.c', p.head)),
    // what compareRevisions does, with the CPU time of its two phases taken apart
    diff: (sides, rest) =>
      timed(() => {
        const plans: FilePlan[] = [
          { file: 'x.c', status: 'modified', base: { path: 'x.c', text: p.base }, head: { path: 'x.c', text: p.head } },
        ];
        const t0 = cpuClock.now();
        const results = b.analyseSides(both, plans, { incremental: scenarios.list.length > 0 });
        const t1 = cpuClock.now();
        b.compareSides(plans, results, scenarios);
        sides.push(t1 - t0);
        rest.push(cpuClock.now() - t1);
      }),
  };
}

/**
 * Each pair's diff against one analysis, for each build (this one by default), in one chain of runs:
 * one analysis, diff, one analysis, diff, ..., one analysis (each run twice, the second timed), each
 * build's runs in turn, so that every diff is read against the one analyses on either side of it (the
 * machine's load of that moment) and the builds share the load alike. After a warm-up of every build
 * on the pair (the JIT's first compilations), `runs` diffs per build. What is timed is what it always
 * was: the diff of the two texts (both sides, the traces, the comparison) and one `analyze`-equivalent
 * analysis of the head.
 */
export async function measureDiffs(
  pairs: DiffPair[],
  runs: number,
  builds: readonly Build[] = [THIS_BUILD],
): Promise<DiffMeasure[]> {
  const out: DiffMeasure[] = [];
  for (const p of pairs) {
    // one after the other: two builds' parsers initialised at once share one web-tree-sitter, and the
    // second's parser then read nothing
    const rs: Runner[] = [];
    for (const b of builds) rs.push(await runner(b, p));
    const warmUntil = performance.now() + 2000;
    for (let i = 0; i < 30 && (i < 5 || performance.now() < warmUntil); i++)
      for (const r of rs) {
        r.one();
        r.diff([], []);
      }
    const ms = rs.map(() => ({ one: [] as Times[], diff: [] as Times[], sides: [] as number[], rest: [] as number[] }));
    // each kind twice in a row, the second timed: a run pays for collecting the garbage of the run
    // before it, and that is then its own kind's (one analysis after a diff took about 5% more)
    for (let i = 0; i <= runs; i++)
      rs.forEach((r, k) => {
        r.one();
        ms[k].one.push(r.one());
        if (i === runs) return;
        r.diff([], []);
        ms[k].diff.push(r.diff(ms[k].sides, ms[k].rest));
      });
    builds.forEach((b, k) => {
      const m = ms[k];
      // each diff against the mean of the one analyses either side of it, on clock c of Times
      const ratios = (c: number) => m.diff.map((d, i) => d[c] / ((m.one[i][c] + m.one[i + 1][c]) / 2));
      // and each one analysis but the ends against its own neighbours: the A/A reading
      const aa = m.one.slice(1, -1).map((o, i) => o[0] / ((m.one[i][0] + m.one[i + 2][0]) / 2));
      const [cpu, proc] = [ratios(0), ratios(1)];
      const middle = (xs: number[]): [number, number] => [quantile(xs, 0.25), quantile(xs, 0.75)];
      const oneCpuMs = median(m.one.map((t) => t[0]));
      out.push({
        label: p.label,
        lines: p.head.split('\n').length,
        build: b.name,
        runs,
        clock: cpuClock.name,
        oneMs: median(m.one.map((t) => t[2])),
        oneCpuMs,
        diffMs: median(m.diff.map((t) => t[2])),
        diffCpuMs: median(m.diff.map((t) => t[0])),
        ratio: median(cpu),
        spread: middle(cpu),
        processRatio: median(proc),
        processSpread: middle(proc),
        wallRatio: median(ratios(2)),
        aa: { ratio: median(aa), spread: middle(aa) },
        phases: { sides: median(m.sides) / oneCpuMs, tracesAndComparison: median(m.rest) / oneCpuMs },
      });
    });
  }
  return out;
}

/**
 * The verdict on issue 13's target in one line: each pair's ratio (CPU time, diff against one
 * analysis) and whether the dearest meets it, e.g. `diff <= 2.2x one analysis: PASS (worst 2.02x: ...)`.
 */
export function diffVerdict(ms: readonly DiffMeasure[]): string {
  if (!ms.length) return `diff <= ${DIFF_TARGET}x one analysis: not measured`;
  const worst = ms.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  const each = ms.map(
    (m) =>
      `${m.ratio.toFixed(2)}x ${m.ratio <= DIFF_TARGET ? 'pass' : 'MISS'} ` +
      `(${m.spread[0].toFixed(2)}-${m.spread[1].toFixed(2)}; ${m.label})`,
  );
  return (
    `diff <= ${DIFF_TARGET}x one analysis (CPU time of the ${ms[0].clock}, medians of per-run ratios, middle half): ` +
    `${worst.ratio <= DIFF_TARGET ? 'PASS' : 'MISS'}, ` +
    `worst ${worst.ratio.toFixed(2)}x; ${each.join('; ')}`
  );
}

/** One line per pair: the ratio with the spread of its runs and the A/A reading beside it. */
export function diffLine(m: DiffMeasure, withBuild = false): string {
  const f = (x: number) => x.toFixed(2);
  return (
    `${withBuild ? `[${m.build}] ` : ''}${m.label} (${m.lines} lines): one analysis ${m.oneCpuMs.toFixed(1)} ms CPU ` +
    `(${m.oneMs.toFixed(1)} wall), diff ${m.diffCpuMs.toFixed(1)} ms CPU (${m.diffMs.toFixed(1)} wall): ` +
    `${f(m.ratio)}x in CPU time of the ${m.clock} (median of ${m.runs} runs, middle half ` +
    `${f(m.spread[0])}-${f(m.spread[1])}; A/A ${f(m.aa.ratio)}, ${f(m.aa.spread[0])}-${f(m.aa.spread[1])}), ` +
    `${f(m.processRatio)}x in the process's (${f(m.processSpread[0])}-${f(m.processSpread[1])}), ` +
    `${f(m.wallRatio)}x in wall time ` +
    `(target <= ${DIFF_TARGET}x); both sides ${f(m.phases.sides)}, traces and comparison ` +
    `${f(m.phases.tracesAndComparison)}`
  );
}

if (require.main === module) {
  // --runs N (diffs per pair and build), --only TEXT (the pairs whose label holds it),
  // --build DIR (repeatable: another build's out/ directory, or `.` for this one; each measured alike, interleaved)
  const argv = process.argv.slice(2);
  const runs = Number(argv[argv.indexOf('--runs') + 1]) || 41;
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  const dirs = argv.flatMap((a, i) => (a === '--build' ? [argv[i + 1]] : []));
  const builds = dirs.length ? dirs.map((d) => (d === '.' ? THIS_BUILD : loadBuild(d))) : [THIS_BUILD];
  const pairs = diffPairs().filter((p) => !only || p.label.includes(only));
  measureDiffs(pairs, runs, builds).then((ms) => {
    for (const m of ms) process.stdout.write(`${diffLine(m, builds.length > 1)}\n`);
    for (const b of builds) {
      const mine = ms.filter((m) => m.build === b.name);
      process.stdout.write(`${builds.length > 1 ? `[${b.name}] ` : ''}${diffVerdict(mine)}\n`);
    }
  });
}
