/**
 * `refcount-lens diff --root DIR` as a user runs it (the real CLI bundle): each side analysed
 * with its whole tree. The tree is test/fixtures/trees/check_in_helper, whose vio.c leaks only
 * through what its helper file says (vio_running() keeps nothing); test/fixtures/review/vio_before.c
 * is vio.c before the change that brought the leak. The single-file diff misses the leak, the
 * tree diff reports it, for two files, for two revisions and for the work tree; a change to the
 * helper alone shows up in its caller's file, which the change left alone.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, ended } from '../helpers/cli';
import { ROOT } from '../helpers/analyzer';
import { git } from '../helpers/git';

const TREE = path.join(ROOT, 'test/fixtures/trees/check_in_helper');
const BEFORE = path.join(ROOT, 'test/fixtures/review/vio_before.c');
const AFTER = path.join(TREE, 'vio.c');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rl-diff-tree-'));
const LEAK = /introduced \(1\)\n\s+warning \[leak\] line \d+: vio_mtu\(\): ifp \(ifnet\) keeps \+1 reference/;

/** The diff's options for a tree run of the test's own: one worker, an index of its own. */
function treeArgs(root: string, index: string): string[] {
  return ['--root', root, '--jobs', '1', '--cache-dir', index];
}

/**
 * A repository holding the tree's base revision (the helper file and vio.c before), then, with
 * `leak`, its head (vio.c as in the tree).
 */
function repository(leak: boolean): string {
  const dir = tmp();
  git(dir, 'init', '-q', '-b', 'main');
  fs.mkdirSync(path.join(dir, 'sys'));
  fs.copyFileSync(BEFORE, path.join(dir, 'sys', 'vio.c'));
  fs.copyFileSync(path.join(TREE, 'vio_util.c'), path.join(dir, 'sys', 'vio_util.c'));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  if (!leak) return dir;
  fs.copyFileSync(AFTER, path.join(dir, 'sys', 'vio.c'));
  git(dir, 'commit', '-q', '-am', 'the leak');
  return dir;
}

test('two files: the tree diff reports the leak the change brings, the file diff does not', () => {
  const index = tmp();
  const alone = runCli(['diff', BEFORE, AFTER]);
  assert.equal(alone.status, 0, ended(alone));
  assert.match(alone.stdout, /introduces no problem/);

  const r = runCli(['diff', BEFORE, AFTER, ...treeArgs(TREE, index)]);
  assert.equal(r.status, 1, ended(r));
  assert.match(r.stdout, LEAK);
  assert.match(r.stdout, /ifp \(ifnet\): \{0\} → \{0, \+1\}/);

  // the other way the change fixes it; and the index the first run left gives the same answer
  const back = runCli(['diff', AFTER, BEFORE, ...treeArgs(TREE, index), '--format', 'json']);
  assert.equal(back.status, 0, ended(back));
  const j = JSON.parse(back.stdout);
  assert.deepEqual(
    j.diagnostics.fixed.map((d: { rule: string; function: string }) => `${d.rule} ${d.function}`),
    ['leak vio_mtu'],
  );
  assert.equal(j.diagnostics.introduced.length, 0);
  const again = runCli(['diff', BEFORE, AFTER, ...treeArgs(TREE, index)]);
  assert.equal(again.stdout, r.stdout);
});

test('two revisions: each side is the tree at its revision, whatever the work tree holds', () => {
  const dir = repository(true);
  const index = tmp();
  const alone = runCli(['diff', 'main~1', 'main'], { cwd: dir });
  assert.equal(alone.status, 0, ended(alone));

  const r = runCli(['diff', 'main~1', 'main', ...treeArgs('sys', index)], { cwd: dir });
  assert.equal(r.status, 1, ended(r));
  assert.match(r.stdout, /== sys\/vio\.c {2}modified/);
  assert.match(r.stdout, LEAK);

  // the work tree at the base: the head side reads vio.c from git, the base side is the work tree
  git(dir, 'checkout', '-q', 'main~1');
  const fromBase = runCli(['diff', 'main~1', 'main', ...treeArgs('.', index)], { cwd: dir });
  assert.equal(fromBase.status, 1, ended(fromBase));
  assert.equal(fromBase.stdout, r.stdout);
  // and a work tree that is neither side: its own vio.c and helper are read by neither
  fs.writeFileSync(path.join(dir, 'sys', 'vio_util.c'), '/* emptied in the work tree */\n');
  fs.writeFileSync(path.join(dir, 'sys', 'vio.c'), '/* emptied in the work tree */\n');
  const neither = runCli(['diff', 'main~1', 'main', ...treeArgs('.', index)], { cwd: dir });
  assert.equal(neither.status, 1, ended(neither));
  assert.equal(neither.stdout, r.stdout);
});

test('a change to the helper alone: its caller, a file the change left alone, is reviewed too', () => {
  const dir = repository(false);
  const index = tmp();
  // the helper stops giving the reference back
  const util = path.join(dir, 'sys', 'vio_util.c');
  fs.writeFileSync(util, fs.readFileSync(util, 'utf8').replace('\tif_rele(ifp);', '\tifp->if_flags = 0;'));
  git(dir, 'commit', '-q', '-am', 'the helper keeps its reference');

  const alone = runCli(['diff', 'main~1', 'main', '--format', 'json'], { cwd: dir });
  assert.equal(alone.status, 0, ended(alone));
  assert.deepEqual(
    JSON.parse(alone.stdout).files.map((f: { file: string }) => f.file),
    ['sys/vio_util.c'],
  );

  const r = runCli(['diff', 'main~1', 'main', ...treeArgs('sys', index), '--format', 'json'], { cwd: dir });
  assert.equal(r.status, 1, ended(r));
  const j = JSON.parse(r.stdout);
  assert.deepEqual(
    j.files.map((f: { file: string; status: string }) => `${f.file} ${f.status}`),
    ['sys/vio_util.c modified', 'sys/vio.c unchanged'],
  );
  assert.deepEqual(
    j.diagnostics.introduced.map((d: { file: string; rule: string; function: string }) =>
      [d.file, d.rule, d.function].join(' '),
    ),
    ['sys/vio.c leak vio_mtu'],
  );
  // --no-cache: an index of the run's own, gone afterwards; the same answer
  const scratch = runCli(['diff', 'main~1', 'main', '--root', 'sys', '--jobs', '1', '--no-cache', '--format', 'json'], {
    cwd: dir,
  });
  assert.equal(scratch.stdout, r.stdout);
  const text = runCli(['diff', 'main~1', 'main', ...treeArgs('sys', index)], { cwd: dir });
  assert.match(text.stdout, /== sys\/vio\.c {2}unchanged\n\s+note: the change left this file alone/);
});

test('a file that needs nothing from its tree: the tree diff is the file diff, lifecycle verdicts included', () => {
  // the directory holds both files: OLD.c is left out of both sides' trees
  const dir = path.join(ROOT, 'test/fixtures/review');
  const before = path.join(dir, 'rvw_before.c');
  const after = path.join(dir, 'rvw_after.c');
  const alone = runCli(['diff', before, after]);
  const r = runCli(['diff', before, after, '--root', dir, '--jobs', '1', '--no-cache']);
  assert.equal(r.status, 0, ended(r));
  assert.match(r.stdout, /lifecycle vnet-jail-devfs-clone: ✗ jail test stays DYING → ✓ jail test removed/);
  assert.equal(r.stdout, alone.stdout);
});

test('--root that is not a directory is bad usage', () => {
  const r = runCli(['diff', BEFORE, AFTER, '--root', path.join(TREE, 'nowhere')]);
  assert.equal(r.status, 2, ended(r));
  assert.match(r.stderr, /--root .*nowhere: not a directory/);
});
