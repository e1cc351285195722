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
  /** One analysis of the head, as `analyze` runs it: wall and CPU time, medians. */
  oneMs: number;
  oneCpuMs: number;
  /** The diff: both sides, their traces, the comparison. */
  diffMs: number;
  diffCpuMs: number;
  /**
   * diff / one in the process's CPU time (what the target is read against): the median of the per-run
   * ratios, each diff against the geometric mean of the one analysis run just before it and the one
   * just after it (the load of that moment is in all three).
   */
  ratio: number;
  /** The middle half of the per-run ratios (25th and 75th percentiles): how far one run is from another. */
  spread: [number, number];
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
 * The process's CPU time (every thread: V8's helpers, concurrent marking and sweeping and the optimising
 * compiler, add about a third to both the diff and one analysis). The analysing thread's own time would be
 * steadier, but Linux updates it (/proc/thread-self/schedstat) only at a scheduler tick or a switch, 4 ms
 * apart here: too coarse for runs of 8-20 ms, and Node 20 has no precise per-thread clock.
 */
function processCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** One timed run: CPU and wall ms. */
type Times = [cpu: number, wall: number];

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
    const c0 = processCpu();
    const t0 = performance.now();
    f();
    const wall = performance.now() - t0;
    return [processCpu() - c0, wall];
  };
  return {
    one: () => timed(() => one.analyzeText('head.c', p.head)),
    // what compareRevisions does, with the CPU time of its two phases taken apart
    diff: (sides, rest) =>
      timed(() => {
        const plans: FilePlan[] = [
          { file: 'x.c', status: 'modified', base: { path: 'x.c', text: p.base }, head: { path: 'x.c', text: p.head } },
        ];
        const t0 = processCpu();
        const results = b.analyseSides(both, plans, { incremental: scenarios.list.length > 0 });
        const t1 = processCpu();
        b.compareSides(plans, results, scenarios);
        sides.push(t1 - t0);
        rest.push(processCpu() - t1);
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
      // each diff against the one analyses either side of it, their geometric mean: a run's time is skewed
      // (a slow run is far slower, a fast one only a little faster), and their plain mean read one analysis
      // against its neighbours at 0.97 on 200 runs of the review fixture, the geometric at 0.99; c: the clock
      const ratios = (c: number) => m.diff.map((d, i) => d[c] / Math.sqrt(m.one[i][c] * m.one[i + 1][c]));
      // and each one analysis but the ends against its own neighbours: the A/A reading
      const aa = m.one.slice(1, -1).map((o, i) => o[0] / Math.sqrt(m.one[i][0] * m.one[i + 2][0]));
      const cpu = ratios(0);
      const middle = (xs: number[]): [number, number] => [quantile(xs, 0.25), quantile(xs, 0.75)];
      const oneCpuMs = median(m.one.map((t) => t[0]));
      out.push({
        label: p.label,
        lines: p.head.split('\n').length,
        build: b.name,
        runs,
        oneMs: median(m.one.map((t) => t[1])),
        oneCpuMs,
        diffMs: median(m.diff.map((t) => t[1])),
        diffCpuMs: median(m.diff.map((t) => t[0])),
        ratio: median(cpu),
        spread: middle(cpu),
        wallRatio: median(ratios(1)),
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
    `diff <= ${DIFF_TARGET}x one analysis (CPU time, medians of per-run ratios, middle half): ` +
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
    `${f(m.ratio)}x in CPU time (median of ${m.runs} runs, middle half ` +
    `${f(m.spread[0])}-${f(m.spread[1])}; A/A ${f(m.aa.ratio)}, ${f(m.aa.spread[0])}-${f(m.aa.spread[1])}), ` +
    `${f(m.wallRatio)}x in wall time ` +
    `(target <= ${DIFF_TARGET}x); both sides ${f(m.phases.sides)}, traces and comparison ` +
    `${f(m.phases.tracesAndComparison)}`
  );
}

if (require.main === module) {
  // --runs N (diffs per pair and build), --only TEXT (the pairs whose label holds it),
  // --build DIR (repeatable: another build's out/ directory, or `.` for this one; each measured alike, interleaved)
  const argv = process.argv.slice(2);
  const runs = Number(argv[argv.indexOf('--runs') + 1]) || 101;
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
