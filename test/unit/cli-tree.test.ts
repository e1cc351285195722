/** Whole trees through the real CLI bundle: workers, order, streaming JSON, summary, cache, failures. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../helpers/analyzer';
import { runCli } from '../helpers/cli';
import { wideFunctions } from '../../bench/generate';
import { Progress } from '../../src/cli/progress';

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { env });
const tmp = (p = 'rl-tree-') => fs.mkdtempSync(path.join(os.tmpdir(), p));
const STACK = /\n\s+at .*(\(.*:\d+:\d+\)|:\d+:\d+)/;

const leaky = (fn: string) => `#include <sys/conf.h>
int
${fn}(struct cdev *dev, int error)
{
	dev_ref(dev);
	if (error)
		return (error);
	dev_rel(dev);
	return (0);
}
`;
const clean = (fn: string) => `int\n${fn}(int x)\n{\n\treturn (x + 1);\n}\n`;

function sampleTree(n = 12): { dir: string; files: string[] } {
  const dir = tmp();
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = path.join(dir, `d${i % 3}`, `f${String(i).padStart(2, '0')}.c`);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, i % 4 === 0 ? leaky(`leaky_${i}`) : clean(`clean_${i}`));
    files.push(f);
  }
  files.sort();
  return { dir, files };
}

test('a tree on two workers: input order, one JSON document, a summary, exit 1 for problems', () => {
  const { dir, files } = sampleTree();
  const r = run(['analyze', dir, '--format', 'json', '--jobs', '2', '--no-cache']);
  assert.equal(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.version, 1);
  assert.deepEqual(
    out.files.map((f: { path: string }) => path.resolve(f.path)),
    files,
    'streamed in walk order',
  );
  assert.equal(out.summary.files, 12);
  assert.equal(out.summary.analysed, 12);
  assert.equal(out.summary.jobs, 2);
  assert.equal(out.summary.problems, 3);
  const rule = Object.keys(out.summary.diagnostics)[0];
  assert.equal(out.summary.diagnostics[rule], 3);
  assert.equal(out.summary.functions, 12);
  assert.ok(out.summary.paths >= 6);
  assert.equal(r.stderr, '', 'no progress lines unless asked (stderr is not a terminal)');

  const text = run(['analyze', dir, '--jobs', '2', '--no-cache']);
  assert.equal(text.status, 1);
  const order = [...text.stdout.matchAll(/^== (.*\.c)$/gm)].map((m) => path.resolve(m[1]));
  assert.deepEqual(order, files);
  assert.match(text.stdout, /== summary\n {2}12 files, \d+ lines: 12 analysed; [\d.]+ s with 2 workers/);
  assert.match(text.stdout, new RegExp(`diagnostics: ${rule} 3`));

  const sarif = JSON.parse(run(['analyze', dir, '--format', 'sarif', '--no-cache']).stdout);
  assert.equal(sarif.runs[0].results.filter((x: { ruleId: string }) => x.ruleId === rule).length, 3);

  const progress = run(['analyze', dir, '--progress', '--no-cache', '--jobs', '1']);
  assert.match(progress.stderr, /refcount-lens: 12\/12 files \(100%\)/);
});

test('the cache: an unchanged re-run is served from it, an edited file is analysed again', () => {
  const { dir, files } = sampleTree(8);
  const cacheDir = tmp('rl-cache-');
  const first = run(['analyze', dir, '--format', 'json', '--cache-dir', cacheDir]);
  const a = JSON.parse(first.stdout);
  assert.equal(a.summary.analysed, 8);
  const second = run(['analyze', dir, '--format', 'json', '--cache-dir', cacheDir]);
  const b = JSON.parse(second.stdout);
  assert.equal(b.summary.cached, 8);
  assert.equal(b.summary.analysed, 0);
  assert.equal(second.status, first.status);
  assert.deepEqual(b.files, a.files, 'the same results, paths included');
  fs.appendFileSync(files[3], '\nint extra(void) { return 0; }\n');
  const third = JSON.parse(run(['analyze', dir, '--format', 'json', '--cache-dir', cacheDir]).stdout);
  assert.equal(third.summary.cached, 7);
  assert.equal(third.summary.analysed, 1);
  assert.ok(third.files[3].functions.some((f: { name: string }) => f.name === 'extra'));
  // options that change results are part of the key
  const noInf = JSON.parse(run(['analyze', dir, '--format', 'json', '--cache-dir', cacheDir, '--no-inference']).stdout);
  assert.equal(noInf.summary.cached, 0);
  // --no-cache neither reads nor writes
  const empty = tmp('rl-cache-');
  run(['analyze', dir, '--no-cache', '--cache-dir', empty]);
  assert.deepEqual(fs.readdirSync(empty), []);
  // a corrupt entry is a miss, not a failure
  for (const sub of fs.readdirSync(cacheDir))
    for (const e of fs.readdirSync(path.join(cacheDir, sub))) fs.writeFileSync(path.join(cacheDir, sub, e), '{"trunc');
  const corrupt = run(['analyze', dir, '--format', 'json', '--cache-dir', cacheDir]);
  assert.equal(JSON.parse(corrupt.stdout).summary.analysed, 8);
});

const replacedWorkers =
  'a worker that crashes, hangs, runs out of memory or exits is replaced; its file gets exit 2 and a clear message';
test(replacedWorkers, () => {
  const { dir, files } = sampleTree(10);
  const names = ['f01', 'f03', 'f05', 'f07'];
  const r = run(
    ['analyze', dir, '--format', 'json', '--jobs', '2', '--no-cache', '--timeout', '5', '--max-memory', '96'],
    {
      REFCOUNT_LENS_FAULT: `crash:${names[0]},hang:${names[1]},oom:${names[2]},exit:${names[3]}`,
    },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.doesNotMatch(r.stderr, STACK);
  assert.match(r.stderr, /f01\.c: the analysis crashed \(injected crash on .*f01\.c\); the file was skipped/);
  assert.match(
    r.stderr,
    /f03\.c: the analysis took longer than 5 s \(the hard limit, --timeout\) and was stopped; the file was skipped/,
  );
  assert.match(
    r.stderr,
    /f05\.c: the analysis ran out of memory \(over 96 MB; raise it with --max-memory\); the file was skipped/,
  );
  assert.match(r.stderr, /f07\.c: the analysis worker exited unexpectedly \(code 7\); the file was skipped/);
  assert.match(r.stderr, /4 analysis workers were replaced/);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(
    out.files.map((f: { path: string }) => path.resolve(f.path)),
    files,
    'every file is still reported, in order',
  );
  for (const f of out.files) {
    const broken = names.some((n) => f.path.includes(n));
    assert.equal(!!f.error, broken, f.path);
  }
  assert.equal(out.summary.failed, 4);
  assert.equal(out.summary.analysed, 6);
});

test('bad options are usage errors (exit 2, one line)', () => {
  const { dir } = sampleTree(1);
  for (const args of [['--jobs', 'x'], ['--timeout', '0'], ['--max-memory', '1'], ['--frob']]) {
    const r = run(['analyze', dir, ...args]);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /^refcount-lens: /);
    assert.doesNotMatch(r.stderr, STACK);
  }
  const none = tmp();
  fs.writeFileSync(path.join(none, 'README'), 'no C here');
  const empty = run(['analyze', none]);
  assert.equal(empty.status, 0);
  assert.match(empty.stderr, /no C files to analyse/);
});

test('--jobs 0 analyses in the main thread with the same results; --output streams to a file', () => {
  const { dir } = sampleTree(5);
  const a = JSON.parse(run(['analyze', dir, '--format', 'json', '--no-cache', '--jobs', '0']).stdout);
  const b = JSON.parse(run(['analyze', dir, '--format', 'json', '--no-cache', '--jobs', '2']).stdout);
  const strip = (x: { files: { timing: unknown }[] }) => x.files.map((f) => ({ ...f, timing: 0 }));
  assert.deepEqual(strip(a), strip(b));
  const o = path.join(tmp(), 'report.json');
  const r = run(['analyze', dir, '--format', 'json', '--no-cache', '-o', o]);
  assert.equal(r.stdout, '');
  assert.equal(JSON.parse(fs.readFileSync(o, 'utf8')).files.length, 5);
});

test('the progress bar: files done, rate, ETA, drawn in place and cleared', () => {
  let t = 0;
  const writes: string[] = [];
  const p = new Progress({ write: (s: string) => writes.push(s), columns: 100 }, 4, 'bar', () => t);
  t = 1000;
  p.tick();
  t = 2000;
  p.tick();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress bar clears its line with ESC [2K
  assert.match(writes.at(-1)!, /^\r\u001b\[2K\[#+-+\] 2\/4 files \(50%\) · 1\.0 files\/s · ETA 2s$/);
  p.clear();
  assert.equal(writes.at(-1), '\r\u001b[2K');
  t = 2500;
  p.tick();
  t = 3000;
  p.tick();
  assert.match(writes.at(-1)!, /4\/4 files \(100%\)/);
  p.finish();
  assert.equal(writes.at(-1), '\r\u001b[2K');
});

test('bounded output: a file whose paths hold 28,000 steps prints 20,000, and says what it left out', () => {
  const dir = tmp();
  const f = path.join(dir, 'wide.c');
  fs.writeFileSync(f, wideFunctions(8, 250));
  const r = run(['analyze', f, '--format', 'json', '--no-cache', '--jobs', '1']);
  assert.equal(r.status, 0, r.stderr);
  const file = JSON.parse(r.stdout).files[0];
  type P = { steps: unknown[]; stepsOmitted?: number; deltas: { object: string; delta: number }[] };
  const paths: P[][] = file.functions.map((x: { paths: P[] }) => x.paths);
  assert.equal(paths.length, 8);
  const kept = paths.flat().reduce((n, p) => n + p.steps.length, 0);
  const left = paths.flat().reduce((n, p) => n + (p.stepsOmitted ?? 0), 0);
  assert.equal(kept, 20000);
  assert.ok(kept + left > 27000, `${kept} + ${left} steps`);
  assert.ok(
    paths[0].every((p) => p.stepsOmitted === undefined),
    'the first functions keep every step',
  );
  assert.ok(
    paths[7].every((p) => p.steps.length === 0 && p.stepsOmitted! >= 500),
    'the last ones keep none',
  );
  assert.equal(
    file.detailOmitted,
    `${left} steps left out: a file's output keeps at most 20000 steps and 200000 path lines`,
  );
  // what the output stands on is all there: each function's seven outcomes and their deltas
  for (const fn of paths)
    assert.deepEqual(
      fn.map((p) => p.deltas.map((d) => `${d.object} ${d.delta}`).join()),
      ['d 0', 'd 1', 'd 2', 'd 3', 'd 4', 'd 5', 'd 6'],
    );
  assert.ok(r.stdout.length < 8 << 20, `${r.stdout.length} bytes of JSON`);

  const text = run(['analyze', f, '--no-cache', '--jobs', '1']);
  assert.match(text.stdout, /… \d+ more not shown/);
  assert.match(text.stdout, /\(\d+ steps left out: a file's output keeps at most 20000 steps/);
});

test('the default state budget applies when --max-states is not given: the cut is the same on every run', () => {
  const f = path.join(ROOT, 'test', 'fixtures', 'fuzz-regressions', 'engine-time-cap.c');
  const reasons = [0, 1].map(() => {
    const r = run(['analyze', f, '--format', 'json', '--no-cache']);
    const fn = JSON.parse(r.stdout).files[0].functions.find((x: { name: string }) => x.name === 'gl_bind');
    assert.equal(fn.truncated, true);
    return fn.truncatedReason;
  });
  // a work budget cut it (the per-node widening, the states after it, or the default 20,000), never the clock
  const workBudget = new RegExp(
    '^(stopped after 20000 path states \\(--max-states|stopped 2500 path states after the first cut|' +
      'more than 64 different path states at line \\d+)',
  );
  assert.match(reasons[0], workBudget);
  assert.equal(reasons[1], reasons[0]);
  const lower = run(['analyze', f, '--format', 'json', '--no-cache', '--max-states', '500']);
  assert.match(JSON.parse(lower.stdout).files[0].functions[0].truncatedReason, /^stopped after 500 path states/);
});
