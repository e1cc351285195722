/**
 * `refcount-lens fix` as a user runs it (the real CLI bundle): a unified diff that `git apply`
 * takes, --in-place, exit codes, the reasons on stderr. The real pre-fix if_tuntap.c is not in
 * the repository: set REFCOUNT_LENS_TUNTAP to its path, or to the directory diff-tuntap.test.ts reads
 * (before.c there), to run that test.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../helpers/analyzer';
import { ended, runCli } from '../helpers/cli';

function tempDir(): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-fix-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const git = (cwd: string, ...args: string[]) => spawnSync('git', args, { cwd, encoding: 'utf8' });

test('fix prints a diff that git apply takes; applied, it is what --in-place writes, and analyze is clean', () => {
  const t = tempDir();
  try {
    const src = path.join(ROOT, 'examples/clonedev/clonedev_buggy.c');
    fs.mkdirSync(path.join(t.dir, 'sys'));
    for (const side of ['a', 'b']) fs.copyFileSync(src, path.join(t.dir, 'sys', `${side}.c`));
    assert.equal(git(t.dir, 'init', '-q').status, 0);
    const r = runCli(['fix', 'sys/a.c'], { cwd: t.dir });
    assert.equal(r.status, 1, ended(r));
    assert.match(r.stdout, /^--- a\/sys\/a\.c\n\+\+\+ b\/sys\/a\.c\n@@ -\d+,\d+ \+\d+,\d+ @@\n/);
    assert.match(r.stderr, /sys\/a\.c:207: leak in pcd_clone_create\(\): fixed: Remove dev_ref\(dev\)/);
    assert.match(r.stderr, /sys\/a\.c:269: contract in pcd_clone\(\): fixed: Move dev_ref\(\*dev\) to a new else/);
    fs.writeFileSync(path.join(t.dir, 'fix.diff'), r.stdout);
    const check = git(t.dir, 'apply', '--check', 'fix.diff');
    assert.equal(check.status, 0, check.stderr);
    assert.equal(git(t.dir, 'apply', 'fix.diff').status, 0);
    const inPlace = runCli(['fix', '--in-place', 'sys/b.c'], { cwd: t.dir });
    assert.equal(inPlace.status, 1, ended(inPlace));
    assert.equal(inPlace.stdout, '');
    const applied = fs.readFileSync(path.join(t.dir, 'sys/a.c'), 'utf8');
    assert.equal(applied, fs.readFileSync(path.join(t.dir, 'sys/b.c'), 'utf8'));
    assert.notEqual(applied, fs.readFileSync(src, 'utf8'));
    const after = runCli(['analyze', 'sys/a.c'], { cwd: t.dir });
    assert.equal(after.status, 0, after.stdout);
    // nothing left to fix
    const again = runCli(['fix', 'sys/a.c'], { cwd: t.dir });
    assert.equal(again.status, 0, ended(again));
    assert.equal(again.stdout, '');
  } finally {
    t.remove();
  }
});

test('fix: paths in the diff are relative to the current directory; a clean file gives exit 0 and no output', () => {
  const r = runCli(['fix', 'test/fixtures/analysis/vget_error_path.c', 'examples/clonedev/clonedev_fixed.c'], {
    cwd: ROOT,
  });
  assert.equal(r.status, 1, ended(r));
  assert.match(r.stdout, /^--- a\/test\/fixtures\/analysis\/vget_error_path\.c\n/);
  assert.ok(!r.stdout.includes('clonedev_fixed'), 'nothing for the clean file');
  const clean = runCli(['fix', 'examples/clonedev/clonedev_fixed.c'], { cwd: ROOT });
  assert.equal(clean.status, 0, ended(clean));
  assert.equal(clean.stdout + clean.stderr, '');
});

test('fix: a diagnostic with no verified fix is listed on stderr with the reason', () => {
  const r = runCli(['fix', 'test/fixtures/fixes/no_release.c', '--model', 'test/fixtures/fixes/no_release.json'], {
    cwd: ROOT,
  });
  assert.equal(r.status, 0, ended(r));
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    'test/fixtures/fixes/no_release.c:23: leak in wg_attach(): no fix: ' +
      'Release w: the model has no release row for widget\n',
  );
});

test('fix: bad usage and unreadable input exit 2 with a one-line reason', () => {
  const cases: [string[], RegExp][] = [
    [['fix'], /fix needs at least one FILE or DIR/],
    [['fix', 'x.c', '--bogus'], /unknown option --bogus for fix/],
    [['fix', 'examples', '--format', 'json'], /fix prints a unified diff/],
    [['fix', 'examples', '--in-place', '--output', 'o.diff'], /--in-place edits the files/],
    [['fix', 'examples', '--root', 'no/such/dir'], /--root no\/such\/dir: not a directory/],
    [['fix', 'no/such/file.c'], /no\/such\/file\.c: no such file or directory/],
  ];
  for (const [args, why] of cases) {
    const r = runCli(args, { cwd: ROOT });
    assert.equal(r.status, 2, `${args.join(' ')}: ${ended(r)}`);
    assert.match(r.stderr, why);
    assert.equal(r.stdout, '');
  }
  const help = runCli(['fix', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: refcount-lens fix FILE\|DIR\.\.\. \[--in-place\]/);
});

const TUNTAP_ENV = process.env.REFCOUNT_LENS_TUNTAP;
const TUNTAP =
  TUNTAP_ENV && fs.existsSync(TUNTAP_ENV) && fs.statSync(TUNTAP_ENV).isDirectory()
    ? path.join(TUNTAP_ENV, 'before.c')
    : TUNTAP_ENV;

test('the real pre-fix if_tuntap.c: fixed in place, tunclone hands out +2 new / +1 existing, both functions clean', {
  skip: TUNTAP ? false : 'set REFCOUNT_LENS_TUNTAP to the pre-fix FreeBSD sys/net/if_tuntap.c',
}, () => {
  const t = tempDir();
  try {
    const file = path.join(t.dir, 'if_tuntap.c');
    fs.copyFileSync(TUNTAP!, file);
    const r = runCli(['fix', '--in-place', file]);
    assert.equal(r.status, 1, ended(r));
    const a = runCli(['analyze', '--format', 'json', '--no-cache', file]);
    const out = JSON.parse(a.stdout).files[0];
    const fn = (name: string) => out.functions.find((f: { name: string }) => f.name === name);
    const tunclone = fn('tunclone');
    type Path = { conditions: string[]; deltas: { object: string; delta: number }[] };
    const delta = (p: Path) => p.deltas.find((d) => d.object === '*dev')?.delta ?? 0;
    const byCase = (words: string) => tunclone.paths.filter((p: Path) => p.conditions.includes(words)).map(delta);
    assert.deepEqual(byCase('tun_create_device() returned 0'), [2]);
    assert.deepEqual(byCase('clone_create() found an existing device'), [1]);
    const left = out.diagnostics.filter((d: { function: string }) =>
      ['tunclone', 'tun_clone_create'].includes(d.function),
    );
    assert.deepEqual(left, []);
  } finally {
    t.remove();
  }
});
