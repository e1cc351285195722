/**
 * `npm run bench`: how fast and how big Refcount Lens is, against its targets
 * and against Coccinelle. A benchmark, not a test: it prints a table and exits 0.
 *
 *   node out/bench/bench.js [--quick] [--profile] [--runs N] [--json FILE]
 *
 * --quick    fewer runs, no 1,000-file tree (a minute instead of several)
 * REFCOUNT_LENS_CUT_TREES=DIR=MODEL;...  also runs tree mode on those real trees and reports the
 *            cut functions and the work spent in them (bench/cuts.ts); REFCOUNT_LENS_CUT_BEFORE=FILE
 *            (an earlier results.json or cuts.js --json) shows each figure as a ratio to it
 * --profile  also profiles the warm analysis of the 2,000-line file and prints
 *            the hottest functions (file:function), for work on src/analysis
 * --tree DIR tree mode on a real tree too (cold, from the index, after a one-function edit);
 *            --tree-model FILE is its model (bench/tree.ts)
 *
 * Medians over several runs. Timings are wall-clock on whatever else the machine
 * is doing; the table says how many cores node saw.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Analyzer } from '../src/analysis/analyzer';
import { parserWasm } from '../src/files/parser-wasm';
import { generateFile, generateTree, fortyIfs, wideFunctions } from './generate';
import { seedFiles } from '../test/helpers/fuzz';
import { DIFF_TARGET, diffPairs, diffVerdict, measureDiffs } from './diff';
import { measureNothingExcluded, measureTree, type TimedRun, type TreeBenchContext } from './tree';
import { cutLines, measureCuts, parseTrees, readBefore, type CutFigures } from './cuts';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const COCCI = path.join(ROOT, 'bench', 'coccinelle', 'refcount.cocci');
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const PROFILE = argv.includes('--profile');
const RUNS = Number(argv[argv.indexOf('--runs') + 1]) || (QUICK ? 3 : 7);
const JSON_OUT = argv.includes('--json')
  ? argv[argv.indexOf('--json') + 1]
  : path.join(ROOT, 'out', 'bench', 'results.json');
const option = (name: string): string | undefined =>
  argv.includes(name) ? path.resolve(argv[argv.indexOf(name) + 1]) : undefined;
const TREE_DIR = option('--tree');
const TREE_MODEL = option('--tree-model');
const CORES = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-bench-'));

// ---------------------------------------------------------------- helpers

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const int = (x: number) => Math.round(x).toLocaleString('en-US');
const log = (s = '') => process.stdout.write(s + '\n');
const note = (s: string) => process.stderr.write(`bench: ${s}\n`);

function countLines(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

const cFiles = (dir: string): string[] => seedFiles([dir]);

/** The Analyzer's per-function cache would make every repeat free: empty it between runs. */
function forget(a: Analyzer) {
  const x = a as unknown as { clearCache?: () => void; cache?: unknown };
  if (typeof x.clearCache === 'function') x.clearCache();
  else if (x.cache instanceof Map) x.cache.clear();
}

const TIME = ['/usr/bin/time'].find((f) => fs.existsSync(f));

/** Runs a command; wall time, and peak RSS through /usr/bin/time when it is there. */
function timed(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): TimedRun {
  const t0 = process.hrtime.bigint();
  const r = TIME
    ? spawnSync(TIME, ['-f', 'BENCH-TIME %e %M %U %S', cmd, ...args], {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        cwd: opts.cwd,
        env: opts.env,
      })
    : spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, cwd: opts.cwd, env: opts.env });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  let stderr = r.stderr ?? '';
  let rssKb: number | undefined;
  let cpuMs: number | undefined;
  const m = /BENCH-TIME [\d.]+ (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
  if (m) {
    rssKb = Number(m[1]);
    cpuMs = (Number(m[2]) + Number(m[3])) * 1000;
    stderr = stderr.slice(0, m.index);
  }
  return { wallMs, rssKb, cpuMs, status: r.status, stdout: r.stdout ?? '', stderr };
}

function cli(args: string[]): TimedRun {
  return timed(process.execPath, [CLI, ...args]);
}

interface Row {
  what: string;
  value: string;
  target?: string;
  ok?: boolean;
  note?: string;
}
const rows: Row[] = [];
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  cores: CORES,
  node: process.version,
  cpu: os.cpus()[0]?.model,
  runs: RUNS,
};
const row = (r: Row) => {
  rows.push(r);
};

// ---------------------------------------------------------------- in-process: parse and analysis

async function inProcess(): Promise<void> {
  const a = await Analyzer.create({}, parserWasm());
  const measure = (file: string, text: string, runs = RUNS) => {
    // warm up the JIT on this text (two runs left V8 still compiling: the medians then measured
    // half-optimised code), then time parse and (warm) analysis separately, as the CLI runs
    // them (`analyzeText`: the parse skips the bodies no analysis needs)
    const warmUntil = performance.now() + 1000;
    for (let i = 0; i < 20 && (i < 2 || performance.now() < warmUntil); i++) {
      forget(a);
      a.analyzeText(file, text);
    }
    const parse: number[] = [],
      analysis: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      let doc = a.parse(text, undefined, { skipBodies: true });
      const t1 = performance.now();
      forget(a);
      const t2 = performance.now();
      try {
        a.analyzeParsed(file, doc);
      } catch {
        doc.tree.delete();
        doc = a.parse(text);
        a.analyzeParsed(file, doc);
      }
      const t3 = performance.now();
      doc.tree.delete();
      parse.push(t1 - t0);
      analysis.push(t3 - t2);
    }
    return { parseMs: median(parse), analysisMs: median(analysis) };
  };

  // the fixtures and examples, one row each
  const seeds = [...cFiles(path.join(ROOT, 'test', 'fixtures')), ...cFiles(path.join(ROOT, 'examples'))];
  const perFile: { file: string; lines: number; parseMs: number; analysisMs: number }[] = [];
  for (const f of seeds) {
    const text = fs.readFileSync(f, 'utf8');
    const m = measure(f, text, Math.max(3, Math.min(RUNS, 5)));
    perFile.push({ file: path.relative(ROOT, f), lines: countLines(text), ...m });
  }
  results.fixtures = perFile;
  log(`Parse and warm analysis per file (median of ${Math.max(3, Math.min(RUNS, 5))} runs, ms):`);
  log(`  ${'file'.padEnd(58)} ${'lines'.padStart(6)} ${'parse'.padStart(8)} ${'analysis'.padStart(9)}`);
  for (const p of perFile) {
    const cells = [
      p.file.padEnd(58),
      String(p.lines).padStart(6),
      ms(p.parseMs).padStart(8),
      ms(p.analysisMs).padStart(9),
    ];
    log('  ' + cells.join(' '));
  }
  const fxLines = perFile.reduce((s, p) => s + p.lines, 0);
  const fxParse = perFile.reduce((s, p) => s + p.parseMs, 0);
  const fxAn = perFile.reduce((s, p) => s + p.analysisMs, 0);
  const sums = [
    'all fixtures and examples'.padEnd(58),
    String(fxLines).padStart(6),
    ms(fxParse).padStart(8),
    ms(fxAn).padStart(9),
  ];
  log('  ' + sums.join(' '));
  log();
  row({
    what: `fixtures + examples (${perFile.length} files, ${int(fxLines)} lines): parse + analysis, sum of medians`,
    value: `${ms(fxParse)} + ${ms(fxAn)} ms`,
  });

  // the generated 2,000-line file
  const gen = generateFile({ lines: 2000, seed: 1 });
  const genLines = countLines(gen);
  fs.writeFileSync(path.join(WORK, 'generated-2000.c'), gen);
  const g = measure('generated-2000.c', gen, Math.max(RUNS, 9));
  results.generated2000 = { lines: genLines, ...g };
  row({
    what: `generated kernel-like file (${int(genLines)} lines): parse (pre-pass, tree-sitter, top-level scan)`,
    value: `${ms(g.parseMs)} ms`,
    note: `${int(genLines / (g.parseMs / 1000))} lines/s`,
  });
  row({
    what: `generated kernel-like file (${int(genLines)} lines): warm analysis (with the copy of the bodies it reads)`,
    value: `${ms(g.analysisMs)} ms`,
    target: '<= 25 ms',
    ok: g.analysisMs <= 25,
  });
  row({
    what: 'generated file: parse + analysis, one core',
    value: `${int(genLines / ((g.parseMs + g.analysisMs) / 1000))} lines/s`,
    target: '>= 50,000 lines/s',
    ok: genLines / ((g.parseMs + g.analysisMs) / 1000) >= 50000,
  });

  // the 40-if function: our generated one and the fixture, if there is one
  const forty = fortyIfs(40);
  const f40 = measure('forty.c', forty, Math.max(RUNS, 9));
  results.fortyIfs = f40;
  row({
    what: 'the 40-if function (bench/generate.ts fortyIfs): analysis',
    value: `${ms(f40.analysisMs)} ms`,
    target: '<= 50 ms',
    ok: f40.analysisMs <= 50,
  });
  const fixture40 = cFiles(path.join(ROOT, 'test', 'fixtures')).find((f) => /many_independent_ifs|forty/.test(f));
  if (fixture40) {
    const m = measure(fixture40, fs.readFileSync(fixture40, 'utf8'), Math.max(RUNS, 9));
    results.fortyIfsFixture = { file: path.relative(ROOT, fixture40), ...m };
    row({
      what: `the 40-if fixture (${path.basename(fixture40)}): analysis`,
      value: `${ms(m.analysisMs)} ms`,
      target: '<= 50 ms',
      ok: m.analysisMs <= 50,
    });
  }

  if (PROFILE) await profileWarm(a, gen);
}

/** CPU profile of the warm analysis of the generated file: the hottest functions by self time. */
async function profileWarm(a: Analyzer, text: string): Promise<void> {
  const inspector = await import('node:inspector');
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    // biome-ignore lint/suspicious/noExplicitAny: the inspector's answers are typed per method
    new Promise<any>((res, rej) => session.post(method, params ?? {}, (e, r) => (e ? rej(e) : res(r))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  const doc = a.parse(text);
  await post('Profiler.start');
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 5000) {
    forget(a);
    a.analyzeParsed('generated-2000.c', doc);
    n++;
  }
  const { profile } = await post('Profiler.stop');
  doc.tree.delete();
  session.disconnect();
  // self time per function, and per file
  const self = new Map<string, number>();
  const byFile = new Map<string, number>();
  const nodes = new Map<number, { callFrame: { functionName: string; url: string; lineNumber: number } }>();
  for (const nd of profile.nodes) nodes.set(nd.id, nd);
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const nd = nodes.get(profile.samples[i])!;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const file = nd.callFrame.url
      .replace(/^file:\/\//, '')
      .replace(ROOT + '/', '')
      .replace(/^out\//, '')
      .replace(/\.js$/, '.ts');
    const k = `${file || '(native)'}:${nd.callFrame.functionName || '(anonymous)'}`;
    self.set(k, (self.get(k) ?? 0) + dt);
    byFile.set(file || '(native)', (byFile.get(file || '(native)') ?? 0) + dt);
  }
  const top = (m: Map<string, number>, k: number) => [...m].sort((x, y) => y[1] - x[1]).slice(0, k);
  log(`Profile of the warm analysis (${n} runs of the 2,000-line file, ${ms(total / 1000 / n)} ms each); self time:`);
  for (const [k, t] of top(self, 20)) log(`  ${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
  log('  by file:');
  for (const [k, t] of top(byFile, 8)) log(`  ${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
  log();
  results.profile = { runs: n, top: top(self, 30).map(([k, t]) => ({ fn: k, pct: +((100 * t) / total).toFixed(1) })) };
}

// ---------------------------------------------------------------- refcount-lens diff

/** Issue 13: a diff of two revisions of one file costs at most 2.2 analyses of it (bench/diff.ts). */
async function diffCost(): Promise<void> {
  // each diff is read against the one analyses either side of it (docs/performance.md, s16-diff)
  const measured = await measureDiffs(diffPairs(), Math.max(RUNS, 101));
  results.diff = measured;
  for (const m of measured)
    row({
      what: `diff of two revisions, ${m.label}: CPU time against one analysis`,
      value: `${m.ratio.toFixed(2)}x`,
      target: `<= ${DIFF_TARGET}x`,
      ok: m.ratio <= DIFF_TARGET,
      note:
        `diff ${ms(m.diffCpuMs)} ms, one analysis ${ms(m.oneCpuMs)} ms of CPU; ` +
        `median of ${m.runs} per-run ratios, middle half ${m.spread[0].toFixed(2)}-${m.spread[1].toFixed(2)}, ` +
        `A/A ${m.aa.ratio.toFixed(2)}; ` +
        `${m.wallRatio.toFixed(2)}x in wall time; both sides ${m.phases.sides.toFixed(2)}, ` +
        `traces and comparison ${m.phases.tracesAndComparison.toFixed(2)} analyses`,
    });
  // the rows go to the table at the end; the verdict is said here too, where the diff was measured
  log(diffVerdict(measured));
  if (!measured.some((m) => m.label.startsWith('if_tuntap.c')))
    log('  (if_tuntap.c not measured: REFCOUNT_LENS_TUNTAP=DIR, a directory holding its before.c and after.c)');
  log();
}

// ---------------------------------------------------------------- the CLI

function oneFileCli(): void {
  const example = [
    path.join(ROOT, 'examples', 'clonedev', 'clonedev_buggy.c'),
    ...cFiles(path.join(ROOT, 'examples')),
  ].find((f) => fs.existsSync(f));
  const gen = path.join(WORK, 'generated-2000.c');
  for (const [label, file] of [
    ['example', example],
    ['generated 2,000 lines', gen],
  ] as const) {
    if (!file) continue;
    cli(['analyze', file, '--no-cache']); // warm the page cache
    const runs = Array.from({ length: Math.max(3, Math.min(RUNS, 7)) }, () => cli(['analyze', file, '--no-cache']));
    const wall = median(runs.map((r) => r.wallMs));
    const rss = runs[0].rssKb !== undefined ? Math.max(...runs.map((r) => r.rssKb ?? 0)) : undefined;
    const cpu = runs[0].cpuMs !== undefined ? median(runs.map((r) => r.cpuMs ?? 0)) : undefined;
    (results.oneFileCli ??= {} as Record<string, unknown>) &&
      ((results.oneFileCli as Record<string, unknown>)[label] = {
        file: path.relative(ROOT, file),
        wallMs: wall,
        cpuMs: cpu,
        peakRssMb: rss && rss / 1024,
      });
    row({
      what: `one-file CLI run, ${label} (${path.basename(file)}): wall time`,
      value: `${ms(wall)} ms`,
      target: '<= 500 ms',
      ok: wall <= 500,
      note: cpu !== undefined ? `CPU ${ms(cpu)} ms` : undefined,
    });
    row({
      what: `one-file CLI run, ${label}: peak RSS`,
      value: rss ? `${int(rss / 1024)} MB` : 'n/a (no /usr/bin/time)',
    });
  }
}

/** The biggest file the CLI accepts (2 MB by default) and one it refuses: peak memory of each. */
function bigFiles(): void {
  const accepted = path.join(WORK, 'big-1.9mb.c');
  const refused = path.join(WORK, 'big-5mb.c');
  fs.writeFileSync(accepted, generateFile({ lines: 86000, seed: 2 }));
  fs.writeFileSync(refused, generateFile({ lines: 230000, seed: 3 }));
  const out: Record<string, unknown> = {};
  for (const [label, f] of [
    ['accepted', accepted],
    ['refused', refused],
  ] as const) {
    const mb = fs.statSync(f).size / 1048576;
    const r = cli(['analyze', f, '--no-cache', '--format', 'json']);
    out[label] = { mb, wallMs: r.wallMs, peakRssMb: r.rssKb && r.rssKb / 1024, status: r.status };
    const which = label === 'accepted' ? 'the largest accepted' : 'over --max-file-size';
    row({
      what: `one ${mb.toFixed(1)} MB generated file (${which}): peak RSS`,
      value: r.rssKb ? `${int(r.rssKb / 1024)} MB` : 'n/a',
      target: 'a few hundred MB',
      ok: r.rssKb ? r.rssKb / 1024 <= 500 : undefined,
      note: `exit ${r.status}, ${ms(r.wallMs / 1000)} s`,
    });
  }
  // path detail at its worst (bench/generate.ts wideFunctions): memory and output must stay bounded
  const wide = path.join(WORK, 'wide-paths.c');
  fs.writeFileSync(wide, wideFunctions(200, 250));
  const w = cli(['analyze', wide, '--no-cache', '--format', 'json']);
  const mb = fs.statSync(wide).size / 1048576;
  out.wide = {
    mb,
    wallMs: w.wallMs,
    peakRssMb: w.rssKb && w.rssKb / 1024,
    jsonMb: w.stdout.length / 1048576,
    status: w.status,
  };
  row({
    what: `one ${mb.toFixed(1)} MB file of 200 long functions with 7 path classes of 500 steps each: peak RSS, JSON`,
    value: w.rssKb ? `${int(w.rssKb / 1024)} MB, ${(w.stdout.length / 1048576).toFixed(1)} MB of JSON` : 'n/a',
    target: 'a few hundred MB',
    ok: w.rssKb ? w.rssKb / 1024 <= 500 : undefined,
    note: `exit ${w.status}, ${ms(w.wallMs / 1000)} s; the output keeps 20,000 steps a file`,
  });
  results.bigFiles = out;
}

function spatchVersion(): string | undefined {
  const r = spawnSync('spatch', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return /spatch version (\S+)/.exec(r.stdout)?.[1] ?? r.stdout.split('\n')[0];
}

function coccinelle(tree100: { dir: string; lines: number }): void {
  const version = spatchVersion();
  // the same set for both tools: fixtures, examples and the generated 100-file tree, copied into one directory
  const set = path.join(WORK, 'cocci-set');
  const seeds = [...cFiles(path.join(ROOT, 'test', 'fixtures')), ...cFiles(path.join(ROOT, 'examples'))];
  fs.mkdirSync(path.join(set, 'fixtures'), { recursive: true });
  let lines = 0;
  for (const f of seeds) {
    const to = path.join(set, 'fixtures', path.relative(ROOT, f).replace(/[\\/]/g, '__'));
    fs.copyFileSync(f, to);
    lines += countLines(fs.readFileSync(f, 'utf8'));
  }
  fs.cpSync(tree100.dir, path.join(set, 'generated'), { recursive: true });
  lines += tree100.lines;
  const files = seeds.length + cFiles(tree100.dir).length;
  if (!version) {
    row({
      what: 'Coccinelle comparison',
      value: 'skipped',
      note: 'spatch is not installed: bash scripts/setup-bench.sh',
    });
    results.coccinelle = { skipped: 'spatch not installed' };
    return;
  }
  const runs = QUICK ? 1 : 3;
  const jobs = String(Math.min(2, CORES));
  const ours: TimedRun[] = [],
    theirs: TimedRun[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(cli(['analyze', set, '--no-cache', '--format', 'json', '--jobs', jobs, '--no-progress']));
    theirs.push(
      timed(
        'spatch',
        [
          '--sp-file',
          COCCI,
          '-D',
          'report',
          '--very-quiet',
          '--no-includes',
          '--no-show-diff',
          '-j',
          jobs,
          '--dir',
          set,
        ],
        { cwd: WORK },
      ),
    );
  }
  const ourMs = median(ours.map((r) => r.wallMs));
  const theirMs = median(theirs.map((r) => r.wallMs));
  let ourDiags = 0;
  try {
    const j = JSON.parse(ours[0].stdout);
    ourDiags = (j.summary?.problems as number) ?? 0;
  } catch {
    /* counted as 0 */
  }
  const theirReports = theirs[0].stdout.split('\n').filter((l) => /: (leak|makedev):/.test(l)).length;
  const ourCpu = median(ours.map((r) => r.cpuMs ?? 0));
  const theirCpu = median(theirs.map((r) => r.cpuMs ?? 0));
  results.coccinelle = {
    version,
    files,
    lines,
    jobs: Number(jobs),
    runs,
    oursMs: ourMs,
    spatchMs: theirMs,
    ratio: theirMs / ourMs,
    oursCpuMs: ourCpu,
    spatchCpuMs: theirCpu,
    ourProblems: ourDiags,
    spatchReports: theirReports,
    oursPeakRssMb: (ours[0].rssKb ?? 0) / 1024,
    spatchPeakRssMb: (theirs[0].rssKb ?? 0) / 1024,
  };
  row({
    what: `Coccinelle ${version} vs refcount-lens, ${files} files, ${int(lines)} lines, ${jobs} processes/workers each`,
    value: `${ms(theirMs / 1000)} s vs ${ms(ourMs / 1000)} s`,
    note:
      `CPU ${ms(theirCpu / 1000)} s vs ${ms(ourCpu / 1000)} s;` +
      ` ${theirReports} spatch reports, ${ourDiags} refcount-lens problems`,
  });
  row({
    what: 'speed-up over Coccinelle on that set (wall time)',
    value: `${(theirMs / ourMs).toFixed(1)}x`,
    target: '>= 10x',
    ok: theirMs / ourMs >= 10,
    note: ourCpu ? `${(theirCpu / ourCpu).toFixed(1)}x in CPU time` : undefined,
  });
}

function growth(trees: { n: number; dir: string; lines: number }[]): void {
  const jobs = String(Math.min(2, CORES));
  const g: unknown[] = [];
  log(`Growth (refcount-lens analyze TREE --jobs ${jobs} --no-cache --format json, one run each):`);
  const header = [
    'files'.padStart(6),
    'lines'.padStart(10),
    'wall s'.padStart(8),
    'CPU s'.padStart(8),
    'ms/file'.padStart(8),
    'lines/s'.padStart(9),
    'lines/CPU-s'.padStart(12),
    'peak RSS'.padStart(9),
  ];
  log('  ' + header.join(' '));
  for (const t of trees) {
    const r = cli(['analyze', t.dir, '--no-cache', '--format', 'json', '--jobs', jobs, '--no-progress']);
    let summary: { files?: number; failed?: number } = {};
    try {
      summary = JSON.parse(r.stdout).summary ?? {};
    } catch {
      /* reported below */
    }
    if (summary.files !== t.n || summary.failed)
      note(`tree of ${t.n}: exit ${r.status}, ${summary.failed ?? '?'} failed: ${r.stderr.slice(0, 300)}`);
    const lps = t.lines / (r.wallMs / 1000);
    const perCpu = r.cpuMs ? t.lines / (r.cpuMs / 1000) : undefined;
    g.push({
      files: t.n,
      lines: t.lines,
      wallMs: r.wallMs,
      cpuMs: r.cpuMs,
      peakRssMb: r.rssKb && r.rssKb / 1024,
      linesPerSecond: lps,
      linesPerCpuSecond: perCpu,
    });
    const cells = [
      String(t.n).padStart(6),
      int(t.lines).padStart(10),
      (r.wallMs / 1000).toFixed(2).padStart(8),
      (r.cpuMs ? (r.cpuMs / 1000).toFixed(2) : 'n/a').padStart(8),
      ms(r.wallMs / t.n).padStart(8),
      int(lps).padStart(9),
      (perCpu ? int(perCpu) : 'n/a').padStart(12),
      (r.rssKb ? `${int(r.rssKb / 1024)} MB` : 'n/a').padStart(9),
    ];
    log('  ' + cells.join(' '));
    if (t.n === 100) {
      row({
        what: `generated 100-file tree (${int(t.lines)} lines), ${jobs} workers: lines/s per core`,
        value: int(lps / Number(jobs)),
        target: '>= 50,000',
        ok: lps / Number(jobs) >= 50000,
        note: perCpu ? `${int(perCpu)} lines per CPU-second` : undefined,
      });
      // the same with one worker: what a core does when the others are left to V8's collector and compiler threads
      if (jobs !== '1') {
        const one = cli(['analyze', t.dir, '--no-cache', '--format', 'json', '--jobs', '1', '--no-progress']);
        const oneLps = t.lines / (one.wallMs / 1000);
        results.tree100OneWorker = { wallMs: one.wallMs, cpuMs: one.cpuMs, linesPerSecond: oneLps };
        row({
          what: `generated 100-file tree, 1 worker: lines/s`,
          value: int(oneLps),
          target: '>= 50,000',
          ok: oneLps >= 50000,
          note: one.cpuMs
            ? `${int(t.lines / (one.cpuMs / 1000))} lines per CPU-second; ${jobs} workers: ${int(lps)} lines/s`
            : undefined,
        });
      }
    }
    if (t.n === trees[trees.length - 1].n)
      row({
        what: `largest tree (${t.n} files): peak RSS`,
        value: r.rssKb ? `${int(r.rssKb / 1024)} MB` : 'n/a',
        target: 'a few hundred MB',
        ok: r.rssKb ? r.rssKb / 1024 <= 500 : undefined,
      });
  }
  results.growth = g;
  log();
}

function cacheRerun(tree: { n: number; dir: string }): void {
  const dir = path.join(WORK, 'cache');
  const first = cli(['analyze', tree.dir, '--cache-dir', dir, '--format', 'json', '--no-progress']);
  const again = [0, 1, 2].map(() =>
    cli(['analyze', tree.dir, '--cache-dir', dir, '--format', 'json', '--no-progress']),
  );
  const m = median(again.map((r) => r.wallMs));
  let cached = 0;
  try {
    cached = JSON.parse(again[0].stdout).summary.cached;
  } catch {
    /* 0 */
  }
  results.cache = { files: tree.n, firstMs: first.wallMs, rerunMs: m, cached };
  row({
    what: `unchanged re-run of the ${tree.n}-file tree from the cache (${cached} hits)`,
    value: `${ms(m)} ms`,
    note: `first run ${ms(first.wallMs / 1000)} s`,
  });
}

async function lspLatency(): Promise<void> {
  const mod = path.join(__dirname, 'lsp-latency.js');
  if (!fs.existsSync(mod)) {
    row({ what: 'LSP keystroke latency', value: 'skipped', note: 'bench/lsp-latency.ts is not there' });
    return;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runLspBench } = require(mod) as { runLspBench?: () => Promise<unknown> };
    if (typeof runLspBench !== 'function') {
      row({ what: 'LSP keystroke latency', value: 'skipped', note: 'lsp-latency.js exports no runLspBench()' });
      return;
    }
    const r = await runLspBench();
    results.lsp = r;
    if (r && typeof r === 'object' && typeof (r as { medianMs?: unknown }).medianMs === 'number') {
      const x = r as { medianMs: number; rssMb?: number };
      row({
        what: 'LSP: edit -> new inlay hints (bench/lsp-latency.ts), median',
        value: `${ms(x.medianMs)} ms`,
        note: x.rssMb !== undefined ? `server RSS ${int(x.rssMb)} MB; targets in its table above` : undefined,
      });
      return;
    }
    const list = Array.isArray(r)
      ? r
      : r && typeof r === 'object' && Array.isArray((r as { rows?: unknown[] }).rows)
        ? (r as { rows: unknown[] }).rows
        : [r];
    for (const x of list) {
      if (x && typeof x === 'object' && 'what' in x && 'value' in x) row(x as Row);
      else row({ what: 'LSP keystroke latency', value: typeof x === 'object' ? JSON.stringify(x) : String(x) });
    }
  } catch (e) {
    row({ what: 'LSP keystroke latency', value: 'failed', note: (e as Error).message.split('\n')[0] });
  }
}

/** Cut functions and the work spent in them on real trees (bench/cuts.ts), when REFCOUNT_LENS_CUT_TREES names some. */
function cuts(): void {
  const trees = parseTrees(process.env.REFCOUNT_LENS_CUT_TREES ?? '');
  if (!trees.length) {
    row({ what: 'cut functions on real trees (tree mode)', value: 'skipped', note: 'REFCOUNT_LENS_CUT_TREES unset' });
    return;
  }
  const before = readBefore(process.env.REFCOUNT_LENS_CUT_BEFORE);
  const all: CutFigures[] = [];
  log('Cut functions on real trees (tree mode, one cold run each):');
  for (const t of trees) {
    note(`tree mode on ${t.dir}`);
    const f = measureCuts(CLI, t);
    all.push(f);
    for (const l of cutLines(
      f,
      before.find((b) => b.tree === f.tree),
    ))
      log('  ' + l);
    const perMillion = f.lines ? (f.wallMs / f.lines) * 1e6 : Number.POSITIVE_INFINITY;
    const name = `${path.basename(path.dirname(t.dir))}/${path.basename(t.dir)}`;
    row({
      what: `tree mode, ${name} (${int(f.lines)} lines): cut functions`,
      value: `${f.cut} + ${f.fileBudget} unanalysed`,
      note:
        f.cutStates === undefined
          ? undefined
          : `${int(f.cutStates)} of ${int(f.states ?? 0)} path states, ${(f.cutMs! / 1000).toFixed(1)} s in them`,
    });
    row({
      what: `tree mode, ${name}: cold run per million lines`,
      value: `${(perMillion / 1000).toFixed(1)} s`,
      target: '<= 40 s',
      ok: perMillion <= 40_000,
      note: f.rssMb !== undefined ? `peak RSS ${int(f.rssMb)} MB (target 2,048)` : undefined,
    });
  }
  log();
  results.cuts = all;
}

function table(): void {
  const w = Math.min(78, Math.max(...rows.map((r) => r.what.length)));
  log(
    `Results (${CORES} cores, node ${process.version}, medians of ${RUNS} runs unless said; load average now ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}):`,
  );
  log(`  ${'measure'.padEnd(w)}  ${'value'.padStart(18)}  ${'target'.padEnd(18)} result`);
  for (const r of rows) {
    const what = r.what.length > w ? r.what.slice(0, w - 1) + '…' : r.what;
    const res = r.ok === undefined ? '' : r.ok ? 'PASS' : 'MISS';
    log(
      `  ${what.padEnd(w)}  ${r.value.padStart(18)}  ${(r.target ?? '').padEnd(18)} ${res}` +
        (r.note ? `  (${r.note})` : ''),
    );
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) {
    note('dist/cli.js is missing: run `npm run build` first');
    return;
  }
  const when = new Date().toISOString();
  const cpu = os.cpus()[0]?.model ?? 'cpu';
  log(`Refcount Lens benchmark — ${when} — ${CORES} cores (${cpu}), load ${os.loadavg()[0].toFixed(2)}`);
  log();
  await inProcess();
  await diffCost();
  oneFileCli();
  bigFiles();
  note('generating trees of 10, 100' + (QUICK ? '' : ' and 1,000') + ' files');
  const trees = (QUICK ? [10, 100] : [10, 100, 1000]).map((n) => ({ n, dir: path.join(WORK, `tree-${n}`), lines: 0 }));
  for (const t of trees) t.lines = generateTree(t.dir, t.n, 2000, 1).lines;
  const t100 = trees.find((t) => t.n === 100)!;
  note('Coccinelle and refcount-lens over the same set');
  coccinelle(t100);
  note('growth');
  growth(trees);
  cacheRerun(t100);
  const treeCtx: TreeBenchContext = { cli, row, note, work: WORK };
  results.tree = {
    generated: measureTree(treeCtx, t100.dir, 'generated 100-file tree'),
    real: TREE_DIR ? measureTree(treeCtx, TREE_DIR, path.basename(TREE_DIR), TREE_MODEL) : undefined,
    nothingExcluded: measureNothingExcluded(treeCtx, t100.dir),
  };
  if (!TREE_DIR) note('no --tree DIR: tree mode measured on generated trees only');
  await lspLatency();
  cuts();
  table();
  results.rows = rows;
  try {
    fs.mkdirSync(path.dirname(JSON_OUT), { recursive: true });
    fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 1));
    log(`\n(all figures in ${path.relative(process.cwd(), JSON_OUT)})`);
  } catch {
    /* optional */
  }
}

main()
  .catch((e) => {
    note(`failed: ${(e as Error).stack ?? e}`);
  })
  .finally(() => {
    fs.rmSync(WORK, { recursive: true, force: true });
    process.exitCode = 0;
  });
