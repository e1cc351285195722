/**
 * `refcount-lens fix --root DIR` as a user runs it (the real CLI bundle): the diagnostics come
 * from the whole tree, each edit is verified by analysing the edited file again with what the
 * tree says of its callees, and a file's edits must bring no problem into its callers in other
 * files. Trees: test/fixtures/trees/check_in_helper (vio.c leaks only through what its helper
 * file says, so the file alone has nothing to fix) and compensating_caller (the fix of a clone
 * handler's extra reference makes a caller in another file release once too often).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../helpers/analyzer';
import { ended, runCli } from '../helpers/cli';

const TREE = path.join(ROOT, 'test/fixtures/trees/check_in_helper');

/** A fixture tree copied to `sys/` of a directory of the test's own, with an index of its own beside it. */
function copyTree(tree = TREE): { dir: string; index: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-fix-tree-'));
  fs.mkdirSync(path.join(dir, 'sys'));
  for (const f of fs.readdirSync(tree)) fs.copyFileSync(path.join(tree, f), path.join(dir, 'sys', f));
  return { dir, index: path.join(dir, 'index') };
}

const git = (cwd: string, ...args: string[]) => spawnSync('git', args, { cwd, encoding: 'utf8' });

test('a leak seen only through a helper in another file gets a fix-it verified in the tree', () => {
  const { dir, index } = copyTree();
  const tree = ['--root', 'sys', '--jobs', '1', '--cache-dir', index];
  const alone = runCli(['fix', 'sys/vio.c'], { cwd: dir });
  assert.equal(alone.status, 0, ended(alone));
  assert.equal(alone.stdout, '');

  const r = runCli(['fix', 'sys/vio.c', ...tree], { cwd: dir });
  assert.equal(r.status, 1, ended(r));
  assert.match(r.stderr, /sys\/vio\.c:22: leak in vio_mtu\(\): fixed: Add if_rele\(ifp\) before the return at line 26/);
  assert.match(r.stdout, /^--- a\/sys\/vio\.c\n\+\+\+ b\/sys\/vio\.c\n/);
  assert.match(r.stdout, /-\tif \(!vio_running\(ifp\)\)\n\+\tif \(!vio_running\(ifp\)\) \{\n\+\t\tif_rele\(ifp\);\n/);
  // the whole tree asked for (FILE defaults to the roots) gives the same edit, and git takes it
  const whole = runCli(['fix', ...tree], { cwd: dir });
  assert.equal(whole.status, 1, ended(whole));
  assert.equal(whole.stdout, r.stdout);
  assert.equal(git(dir, 'init', '-q').status, 0);
  fs.writeFileSync(path.join(dir, 'fix.diff'), r.stdout);
  const check = git(dir, 'apply', '--check', 'fix.diff');
  assert.equal(check.status, 0, check.stderr);

  // written in place, the tree has no problem left and nothing left to fix
  const inPlace = runCli(['fix', '--in-place', 'sys/vio.c', ...tree], { cwd: dir });
  assert.equal(inPlace.status, 1, ended(inPlace));
  const after = runCli(['analyze', 'sys', ...tree], { cwd: dir });
  assert.equal(after.status, 0, after.stdout);
  const again = runCli(['fix', 'sys/vio.c', ...tree], { cwd: dir });
  assert.equal(again.status, 0, ended(again));
  assert.equal(again.stdout, '');
  // fix reads the index analyze --root wrote (the CLI's tree runs share one): no file is visited again
  const shared = ['--root', 'sys', '--jobs', '1', '--cache-dir', path.join(dir, 'shared')];
  const debug = { cwd: dir, env: { REFCOUNT_LENS_TREE_DEBUG: '1' } };
  const first = runCli(['analyze', 'sys', ...shared], debug);
  assert.equal(first.status, 0, ended(first));
  assert.match(first.stderr, /visit> vio\.c/);
  const fromIndex = runCli(['fix', 'sys/vio.c', ...shared], debug);
  assert.equal(fromIndex.status, 0, ended(fromIndex));
  assert.equal(fromIndex.stdout, '');
  assert.doesNotMatch(fromIndex.stderr, /visit>/);
});

test('an edit that brings a problem into a caller elsewhere is not kept; a change of its counts is said', () => {
  const { dir, index } = copyTree(path.join(ROOT, 'test/fixtures/trees/compensating_caller'));
  const tree = ['--root', 'sys', '--jobs', '1', '--cache-dir', index];
  // the file alone: removing the extra dev_ref() fixes the handler's contract
  const alone = runCli(['fix', 'sys/drv.c'], { cwd: dir });
  assert.equal(alone.status, 1, ended(alone));
  assert.match(alone.stderr, /sys\/drv\.c:26: contract in drv_clone\(\): fixed: Remove dev_ref\(\*dev\)/);

  // in the tree: peek.c gives back all three references, so after that edit it releases one too many
  const r = runCli(['fix', ...tree], { cwd: dir });
  assert.equal(r.status, 0, ended(r));
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    /drv\.c:26: contract in drv_clone\(\): no fix: the edits bring an over-release in drv_peek\(\) at sys\/peek\.c:\d+/,
  );

  // a caller that leaves the existence reference to its owner: its counts change, and that is said
  const peek = path.join(dir, 'sys', 'peek.c');
  fs.writeFileSync(peek, fs.readFileSync(peek, 'utf8').replace('\tdestroy_dev(dev);\n', ''));
  const kept = runCli(['fix', ...tree], { cwd: dir });
  assert.equal(kept.status, 1, ended(kept));
  assert.match(kept.stderr, /sys\/drv\.c:26: contract in drv_clone\(\): fixed: Remove dev_ref\(\*dev\)/);
  assert.match(
    kept.stderr,
    /sys\/peek\.c:\d+: drv_peek\(\): its counts change with the edits to sys\/drv\.c: dev \(cdev\): \{0, \+1\} → \{0\}/,
  );
  assert.match(kept.stdout, /^-\t\tdev_ref\(\*dev\);/m);
});

test('files are fixed one after another, each in the tree with the edits kept before it', () => {
  const { dir, index } = copyTree(path.join(ROOT, 'test/fixtures/trees/compensating_caller'));
  const tree = ['--root', 'sys', '--jobs', '1', '--cache-dir', index];
  // a caller that gives back only one of the handler's three references: it leaks the extra one
  const peek = path.join(dir, 'sys', 'peek.c');
  const released = '\tdev_rel(dev);\n\tdev_rel(dev);\n\tdestroy_dev(dev);\n';
  fs.writeFileSync(peek, fs.readFileSync(peek, 'utf8').replace(released, '\tdev_rel(dev);\n'));
  const before = runCli(['analyze', 'sys', ...tree], { cwd: dir });
  assert.match(before.stdout, /sys\/peek\.c:\d+: warning \[leak\] drv_peek\(\)/);

  // drv.c's fix takes the extra reference away, so peek.c, read after it, has nothing left to fix
  const r = runCli(['fix', ...tree], { cwd: dir });
  assert.equal(r.status, 1, ended(r));
  assert.match(r.stderr, /sys\/drv\.c:26: contract in drv_clone\(\): fixed: Remove dev_ref\(\*dev\)/);
  assert.match(r.stderr, /sys\/peek\.c:\d+: leak in drv_peek\(\): fixed by the edits to sys\/drv\.c/);
  assert.doesNotMatch(r.stdout, /peek\.c/);
  const inPlace = runCli(['fix', '--in-place', ...tree], { cwd: dir });
  assert.equal(inPlace.status, 1, ended(inPlace));
  const after = runCli(['analyze', 'sys', ...tree], { cwd: dir });
  assert.equal(after.status, 0, after.stdout);
});
