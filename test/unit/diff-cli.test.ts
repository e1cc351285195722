/**
 * `refcount-lens diff` as a user runs it (the real CLI bundle): two files, revisions of a
 * throwaway git repository of the test's own, every format, the exit status as a CI gate, and
 * bad input (a revision that does not exist, a path on one side only, binary and huge files).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, ended } from '../helpers/cli';
import { ROOT } from '../helpers/analyzer';
import { git } from '../helpers/git';
import { formatReview } from '../../src/cli/diff-text';
import { colors } from '../../src/cli/format-text';

const FIXTURES = path.join(ROOT, 'test/fixtures/review');
const BEFORE = path.join(FIXTURES, 'rvw_before.c');
const AFTER = path.join(FIXTURES, 'rvw_after.c');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rl-diff-'));

const LEAKY = `#include <sys/conf.h>
static int
get_unit(struct clonedevs **clones, struct cdevsw *sw, int unit)
{
	struct cdev *dev;
	int error;

	dev = NULL;
	error = clone_create(clones, sw, &unit, &dev, 0);
	if (error == 0)
		dev_ref(dev);
	return (error);
}
`;

/** A repository with the fixture's base revision committed, then its head revision. */
function repository(): string {
  const dir = tmp();
  git(dir, 'init', '-q', '-b', 'main');
  fs.mkdirSync(path.join(dir, 'sys'));
  fs.copyFileSync(BEFORE, path.join(dir, 'sys', 'rvw.c'));
  fs.writeFileSync(path.join(dir, 'sys', 'quiet.c'), 'static int\nquiet(int x)\n{\n\treturn (x + 1);\n}\n');
  fs.writeFileSync(path.join(dir, 'README'), 'a driver\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  fs.copyFileSync(AFTER, path.join(dir, 'sys', 'rvw.c'));
  fs.writeFileSync(path.join(dir, 'README'), 'a fixed driver\n');
  git(dir, 'commit', '-q', '-am', 'the fix');
  return dir;
}

test('two files: the fix exits 0 and says what changed; the reverse exits 1', () => {
  const r = runCli(['diff', BEFORE, AFTER]);
  assert.equal(r.status, 0, ended(r));
  assert.match(r.stdout, /rvw_clone\(\) line \d+ \(line \d+ before\)/);
  assert.match(r.stdout, /\*dev \(cdev\): \{0, \+1, \+3\} → \{0, \+1, \+2\}/);
  assert.match(r.stdout, /new cdev: \+3 → \+2; existing cdev: \+1 → \+1/);
  assert.match(r.stdout, /fixed \(2\)/);
  assert.match(r.stdout, /introduced \(0\): none/);
  assert.match(r.stdout, /lifecycle vnet-jail-devfs-clone: ✗ jail test stays DYING → ✓ jail test removed/);
  assert.ok(!r.stdout.includes('\u001b['), 'no colour when stdout is not a terminal');

  const back = runCli(['diff', AFTER, BEFORE]);
  assert.equal(back.status, 1, ended(back));
  assert.match(back.stdout, /introduced \(2\)/);
  assert.match(back.stdout, /the change introduces a problem/);
});

test('JSON: the contract of issue 13', () => {
  const r = runCli(['diff', BEFORE, AFTER, '--format', 'json']);
  assert.equal(r.status, 0, ended(r));
  const j = JSON.parse(r.stdout);
  assert.equal(j.version, 1);
  assert.equal(j.base, BEFORE);
  assert.equal(j.head, AFTER);
  const fn = j.functions.find((f: { name: string }) => f.name === 'rvw_clone');
  assert.equal(fn.file, AFTER);
  assert.deepEqual(
    fn.objects.map((o: { object: string; kind: string; before: number[]; after: number[] }) => [
      o.object,
      o.kind,
      o.before,
      o.after,
    ]),
    [['*dev', 'cdev', [0, 1, 3], [0, 1, 2]]],
  );
  assert.deepEqual(
    j.diagnostics.fixed.map((d: { rule: string; function: string }) => [d.rule, d.function]),
    [
      ['leak', 'rvw_clone_create'],
      ['contract', 'rvw_clone'],
    ],
  );
  assert.deepEqual(j.diagnostics.introduced, []);
  assert.equal(j.diagnostics.unchanged.length, 1);
  const jail = j.trace.find((t: { scenario: string }) => t.scenario === 'vnet-jail-devfs-clone');
  assert.match(jail.before.verdicts[0], /^jail test stays DYING/);
  assert.match(jail.after.verdicts.join(' '), /jail test removed/);
});

test('SARIF 2.1.0 with baselineState: absent for a fixed problem (a pass), new, unchanged', () => {
  const forward = JSON.parse(runCli(['diff', BEFORE, AFTER, '--format', 'sarif'], { cwd: ROOT }).stdout);
  assert.equal(forward.version, '2.1.0');
  const results = forward.runs[0].results as {
    ruleId: string;
    baselineState: string;
    kind: string;
    level: string;
    locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }[];
    partialFingerprints: Record<string, string>;
  }[];
  assert.deepEqual(results.map((x) => [x.ruleId, x.baselineState, x.kind]).sort(), [
    ['contract', 'absent', 'pass'],
    ['leak', 'absent', 'pass'],
    ['leak', 'unchanged', 'fail'],
  ]);
  assert.ok(results.every((x) => x.partialFingerprints['refcountLens/v1']));
  assert.equal(results[0].locations[0].physicalLocation.artifactLocation.uriBaseId, '%SRCROOT%');
  assert.ok(forward.runs[0].originalUriBaseIds['%SRCROOT%'].uri.startsWith('file://'));

  const back = JSON.parse(runCli(['diff', AFTER, BEFORE, '--format', 'sarif']).stdout);
  const states = back.runs[0].results.map((x: { ruleId: string; baselineState: string; level: string }) => [
    x.ruleId,
    x.baselineState,
    x.level,
  ]);
  assert.deepEqual(states.sort(), [
    ['contract', 'new', 'error'],
    ['leak', 'new', 'warning'],
    ['leak', 'unchanged', 'warning'],
  ]);
  // the unchanged problem is one fingerprint whichever way the change goes, though its lines moved
  const fp = (log: typeof forward) =>
    log.runs[0].results.find(
      (x: { ruleId: string; baselineState: string }) => x.ruleId === 'leak' && x.baselineState === 'unchanged',
    ).partialFingerprints;
  assert.notEqual(fp(forward)['refcountLens/v1'], undefined);
});

test('SARIF: the same problem in other words is one result, updated', () => {
  // the cloner's leak now keeps two references: the same function, rule and object, other counts
  const dir = tmp();
  const wider = path.join(dir, 'rvw_wider.c');
  const text = fs.readFileSync(BEFORE, 'utf8');
  const changed = text.replace(
    '\t\tdev_ref(dev);\n\t\tsc = dev->si_drv1;',
    '\t\tdev_ref(dev);\n\t\tdev_ref(dev);\n\t\tsc = dev->si_drv1;',
  );
  assert.notEqual(changed, text);
  fs.writeFileSync(wider, changed);
  const r = runCli(['diff', BEFORE, wider, '--format', 'sarif']);
  assert.equal(r.status, 0, `an updated problem is not an introduced one: ${ended(r)}`);
  const results = JSON.parse(r.stdout).runs[0].results as { ruleId: string; baselineState: string }[];
  const leaks = results.filter((x) => x.ruleId === 'leak').map((x) => x.baselineState);
  assert.ok(leaks.includes('updated'), JSON.stringify(results.map((x) => [x.ruleId, x.baselineState])));
  assert.ok(!results.some((x) => x.baselineState === 'new'));
});

test('Markdown: a headline, the counts as a table, the problems and the verdicts', () => {
  const r = runCli(['diff', BEFORE, AFTER, '--format', 'markdown']);
  assert.equal(r.status, 0, ended(r));
  const md = r.stdout;
  assert.match(md, /^### Refcount Lens: `.*rvw_before\.c` → `.*rvw_after\.c`/);
  assert.match(md, /✅ no problem introduced, \*\*2 problems fixed\*\*, 1 left\./);
  assert.match(
    md,
    /\| rvw\\_clone\(\) line \d+ \(line \d+ before\)<br>.*\| `\*dev \(cdev\)` \| \{0, \+1, \+3\} \| \{0, \+1, \+2\} \|/,
  );
  assert.match(md, /\*\*Fixed\*\* \(2\)/);
  assert.match(md, /- ✅ \*\*error\*\* `contract` in `rvw_clone\(\)`, `.*rvw_before\.c:\d+` in `/);
  assert.match(md, /\| vnet-jail-devfs-clone ✅<br>.*\| ✗ jail test stays DYING.*\| ✓ jail test removed/);
});

test('bad usage exits 2 with a reason', () => {
  const dir = tmp();
  const cases: [string[], RegExp][] = [
    [['diff'], /diff needs two files \(OLD\.c NEW\.c\) or a BASE revision/],
    [['diff', BEFORE, path.join(dir, 'missing.c')], /missing\.c: no such file/],
    [['diff', BEFORE, AFTER, '--format', 'html'], /diff writes text, json, markdown or sarif/],
    [['diff', BEFORE, AFTER, '--scenario', 'no-such-scenario'], /no built-in scenario "no-such-scenario"/],
    [['diff', BEFORE, AFTER, '--frobnicate'], /unknown option --frobnicate for diff/],
    [['diff', 'main'], /"main" is not a file, and this is not a git repository/],
    [['analyze', BEFORE, '--format', 'markdown'], /--format markdown is for the diff command/],
  ];
  for (const [args, message] of cases) {
    const r = runCli(args, { cwd: dir });
    assert.equal(r.status, 2, `${args.join(' ')}: ${ended(r)}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});

test('git revisions: the changed C files read at each revision; HEAD defaults to the work tree', () => {
  const repo = repository();
  const r = runCli(['diff', 'HEAD~1', 'HEAD'], { cwd: repo });
  assert.equal(r.status, 0, ended(r));
  assert.match(r.stdout, /refcount-lens diff: HEAD~1 → HEAD/);
  assert.match(r.stdout, /== sys\/rvw\.c {2}modified/);
  assert.doesNotMatch(r.stdout, /quiet\.c|README/, 'only the C files that changed');

  const json = JSON.parse(
    runCli(['diff', 'main~1', 'main', '--format', 'json'], { cwd: path.join(repo, 'sys') }).stdout,
  );
  assert.deepEqual(json.files, [{ file: 'sys/rvw.c', status: 'modified', compared: true }]);
  assert.equal(json.functions.find((f: { name: string }) => f.name === 'rvw_clone').file, 'sys/rvw.c');

  assert.equal(runCli(['diff', 'HEAD', 'HEAD~1'], { cwd: repo }).status, 1);
  // the work tree: the fix undone but not committed
  fs.copyFileSync(BEFORE, path.join(repo, 'sys', 'rvw.c'));
  const wt = runCli(['diff', 'HEAD'], { cwd: repo });
  assert.equal(wt.status, 1, ended(wt));
  assert.match(wt.stdout, /HEAD → working tree/);
  assert.match(wt.stdout, /introduced \(2\)/);
  // limited to paths: the other file did not change
  const limited = runCli(['diff', 'HEAD', '--', 'sys/quiet.c'], { cwd: repo });
  assert.equal(limited.status, 0, ended(limited));
  assert.match(limited.stdout, /no C file differs/);
});

test('bad input: a revision that does not exist, a path on one side only, binary and huge files', () => {
  const repo = repository();
  const mixed = runCli(['diff', 'HEAD~1', 'sys/rvw.c'], { cwd: repo });
  assert.equal(mixed.status, 2, ended(mixed));
  assert.match(
    mixed.stderr,
    /"HEAD~1" is a revision, not a file: to compare a file with it, diff HEAD~1 -- sys\/rvw\.c/,
  );
  const none = runCli(['diff', 'no-such-branch'], { cwd: repo });
  assert.equal(none.status, 2, ended(none));
  assert.match(none.stderr, /no revision "no-such-branch" in this repository/);
  const noHead = runCli(['diff', 'HEAD', 'v9.9', '--format', 'json'], { cwd: repo });
  assert.equal(noHead.status, 2);
  assert.match(noHead.stderr, /no revision "v9\.9"/);

  // a new file with a leak, a C file that turned binary, a huge one, and a path on neither side
  fs.writeFileSync(path.join(repo, 'sys', 'added.c'), LEAKY);
  fs.writeFileSync(path.join(repo, 'sys', 'quiet.c'), Buffer.from([0, 1, 2, 3, 0, 0, 7, 8, 0, 255]));
  fs.writeFileSync(path.join(repo, 'sys', 'huge.c'), `/* ${'x'.repeat(1_200_000)} */\n`);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'more');
  fs.writeFileSync(path.join(repo, 'sys', 'huge.c'), `/* ${'y'.repeat(1_300_000)} */\n`);
  const r = runCli(['diff', 'HEAD~2', '--max-file-size', '1', '--', 'sys', 'sys/gone.c'], { cwd: repo });
  assert.equal(r.status, 1, `the added file introduces a leak: ${ended(r)}`);
  assert.match(r.stdout, /== sys\/added\.c {2}added\n {2}note: not in HEAD~2: compared with an empty file/);
  assert.match(r.stdout, /introduced \(1\)\n.*\[leak\].*get_unit\(\)/);
  assert.match(
    r.stdout,
    /== sys\/quiet\.c {2}modified\n {2}error \(head\): not a C source file: it looks binary; not compared/,
  );
  assert.match(
    r.stdout,
    /== sys\/huge\.c {2}added\n.*\n {2}error \(head\): file too large \(1\.2 MB; the limit is 1 MB/,
  );
  assert.match(r.stdout, /== sys\/gone\.c\n {2}error: in neither HEAD~2 nor the work tree/);
  // the rest of the diff went on
  assert.match(r.stdout, /== sys\/rvw\.c/);

  const json = runCli(['diff', 'HEAD~1', '--max-file-size', '1', '--format', 'json', '--', 'sys/quiet.c'], {
    cwd: repo,
  });
  assert.equal(json.status, 2, 'a file not compared, nothing introduced');
  assert.match(json.stderr, /sys\/quiet\.c \(head\): not a C source file: it looks binary; not compared/);
  assert.equal(JSON.parse(json.stdout).files[0].compared, false);
});

test('--output writes the report to a file; on a terminal the text is coloured', () => {
  const out = path.join(tmp(), 'review.md');
  const r = runCli(['diff', BEFORE, AFTER, '--format', 'markdown', '--output', out]);
  assert.equal(r.status, 0, ended(r));
  assert.equal(r.stdout, '');
  assert.match(fs.readFileSync(out, 'utf8'), /^### Refcount Lens: /);
  // the text report's words in colour (what a terminal gets), and without (what a pipe gets)
  const review = JSON.parse(runCli(['diff', BEFORE, AFTER, '--format', 'json']).stdout);
  const coloured = formatReview(review, colors(true));
  assert.ok(coloured.includes(`\u001b[32mfixed (2)\u001b[0m`), coloured.slice(0, 400));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
  assert.equal(coloured.replace(/\u001b\[\d+m/g, ''), formatReview(review, colors(false)));
});

test('--scenario and --no-trace choose the lifecycle verdicts compared', () => {
  const one = JSON.parse(runCli(['diff', BEFORE, AFTER, '--format', 'json', '--scenario', 'open-close']).stdout);
  assert.deepEqual(
    one.trace.map((t: { scenario: string }) => t.scenario),
    ['open-close'],
  );
  const scen = path.join(tmp(), 'mine.rlscenario');
  // $device is the scenario's own variable, not JavaScript's
  const unit = '$' + '{device}0';
  fs.writeFileSync(scen, `fact device exists: no\nifconfig ${unit} create\nifconfig ${unit} destroy\n`);
  const file = JSON.parse(runCli(['diff', BEFORE, AFTER, '--format', 'json', '--scenario', scen]).stdout);
  assert.deepEqual(
    file.trace.map((t: { scenario: string; changed: boolean }) => [t.scenario, t.changed]),
    [['mine', true]],
  );
  const none = JSON.parse(runCli(['diff', BEFORE, AFTER, '--format', 'json', '--no-trace']).stdout);
  assert.deepEqual(none.trace, []);
  assert.equal(none.diagnostics.fixed.length, 2);
});
