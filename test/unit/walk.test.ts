/** Directory walking: .gitignore as git reads it, --exclude, order, links. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileIgnorePattern, parseGitignore, isIgnored } from '../../src/files/gitignore';
import { walk, walkAll, excludePatterns } from '../../src/files/walk';

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-walk-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const rel = (root: string, files: Iterable<string>) =>
  [...files].map((f) => path.relative(root, f).split(path.sep).join('/'));

function matches(pattern: string, p: string, isDir = false): boolean {
  const r = compileIgnorePattern(pattern);
  assert.ok(r, `${pattern} compiles`);
  return isIgnored([{ base: '/r', rules: [r!] }], () => p, isDir);
}

test('gitignore patterns: anchoring, wildcards, classes, **, directories only', () => {
  assert.ok(matches('*.o', 'a/b/c.o'));
  assert.ok(!matches('*.o', 'a/b/c.c'));
  assert.ok(matches('build', 'x/build', true), 'a name without a slash matches at any depth');
  assert.ok(matches('/build', 'build', true));
  assert.ok(!matches('/build', 'x/build', true), 'a leading slash anchors');
  assert.ok(matches('doc/*.c', 'doc/a.c'));
  assert.ok(!matches('doc/*.c', 'x/doc/a.c'), 'a middle slash anchors');
  assert.ok(!matches('doc/*.c', 'doc/sub/a.c'), '* does not cross /');
  assert.ok(matches('**/tests', 'a/b/tests', true));
  assert.ok(matches('**/tests', 'tests', true));
  assert.ok(matches('gen/**', 'gen/a/b.c'));
  assert.ok(!matches('gen/**', 'gen', true), 'x/** matches what is inside, not x');
  assert.ok(matches('a/**/b.c', 'a/b.c'));
  assert.ok(matches('a/**/b.c', 'a/x/y/b.c'));
  assert.ok(matches('file?.c', 'file1.c'));
  assert.ok(!matches('file?.c', 'file10.c'));
  assert.ok(matches('file[0-3].c', 'file2.c'));
  assert.ok(!matches('file[!0-3].c', 'file2.c'));
  assert.ok(matches('file[!0-3].c', 'file7.c'));
  assert.ok(matches('out/', 'out', true));
  assert.ok(!matches('out/', 'out', false), 'a trailing slash matches directories only');
  assert.ok(matches('\\#keep.c', '#keep.c'));
  assert.ok(matches('\\!bang.c', '!bang.c'));
  assert.ok(matches('trailing.c   ', 'trailing.c'), 'trailing spaces are dropped');
  assert.equal(compileIgnorePattern('# a comment'), null);
  assert.equal(compileIgnorePattern('   '), null);
  assert.equal(parseGitignore('a\n\n#c\n!b\r\n').length, 2);
});

test('the walk honours nested .gitignore files, negation and ignored directories', () => {
  const root = tree({
    '.gitignore': '*.gen.c\nbuild/\n/top-only.c\nvendor/**\n!vendor/keep.c\n',
    'a.c': '',
    'b.h': '',
    'notes.txt': '',
    'x.gen.c': '',
    'top-only.c': '',
    'build/in-build.c': '',
    'sub/top-only.c': '',
    'sub/.gitignore': '!*.gen.c\nlocal.c\n',
    'sub/y.gen.c': '',
    'sub/local.c': '',
    'sub/ok.c': '',
    'sub/deeper/local.c': '',
    'sub/deeper/z.c': '',
    'vendor/drop.c': '',
    'vendor/keep.c': '',
    'ign/.gitignore': '*\n!.gitignore\n',
    'ign/hidden.c': '',
  });
  assert.deepEqual(rel(root, walk(root, { exclude: [], respectGitignore: true })), [
    'a.c',
    'b.h',
    'sub/deeper/z.c',
    'sub/ok.c',
    'sub/top-only.c',
    'sub/y.gen.c',
    'vendor/keep.c',
  ]);
  const all = rel(root, walk(root, { exclude: [], respectGitignore: false }));
  assert.ok(all.includes('build/in-build.c') && all.includes('x.gen.c') && all.includes('ign/hidden.c'));
  assert.ok(!all.includes('notes.txt'), 'only C sources');
});

test('a .gitignore above the walked directory applies inside a repository', () => {
  const root = tree({
    '.gitignore': 'skip_*.c\n',
    '.git/info/exclude': 'private.c\n',
    'drv/a.c': '',
    'drv/skip_me.c': '',
    'drv/private.c': '',
  });
  assert.deepEqual(rel(root, walk(path.join(root, 'drv'), { exclude: [], respectGitignore: true })), ['drv/a.c']);
  // outside a repository, only the walked tree's own files count
  const plain = tree({ '.gitignore': 'skip_*.c\n', 'drv/a.c': '', 'drv/skip_me.c': '' });
  assert.deepEqual(rel(plain, walk(path.join(plain, 'drv'), { exclude: [], respectGitignore: true })), [
    'drv/a.c',
    'drv/skip_me.c',
  ]);
});

test('--exclude uses gitignore syntax, relative to the walked directory or the working directory', () => {
  const root = tree({ 'net/a.c': '', 'net/tests/t.c': '', 'dev/b.c': '', 'dev/b.h': '', 'dev/sub/tests/u.c': '' });
  const files = (globs: string[]) =>
    rel(root, walk(root, { exclude: excludePatterns(globs), respectGitignore: false, cwd: path.dirname(root) }));
  assert.deepEqual(files(['**/tests/**']), ['dev/b.c', 'dev/b.h', 'net/a.c']);
  assert.deepEqual(files(['tests']), ['dev/b.c', 'dev/b.h', 'net/a.c']);
  assert.deepEqual(files(['*.h']), ['dev/b.c', 'dev/sub/tests/u.c', 'net/a.c', 'net/tests/t.c']);
  assert.deepEqual(files(['dev/']), ['net/a.c', 'net/tests/t.c']);
  assert.deepEqual(files(['./dev']), ['net/a.c', 'net/tests/t.c'], './ anchors like /');
  assert.deepEqual(
    files([`${path.basename(root)}/net/*.c`]),
    ['dev/b.c', 'dev/b.h', 'dev/sub/tests/u.c', 'net/tests/t.c'],
    'relative to the working directory',
  );
});

test('files named on the command line are always taken; each file once; links to directories are not followed', () => {
  const root = tree({ '.gitignore': 'gen.c\n', 'gen.c': '', 'a.c': '', 'd/b.c': '' });
  fs.symlinkSync(path.join(root, 'd'), path.join(root, 'loop'));
  fs.symlinkSync(path.join(root, 'a.c'), path.join(root, 'link.c'));
  assert.deepEqual(rel(root, walk(path.join(root, 'gen.c'), { exclude: [], respectGitignore: true })), ['gen.c']);
  assert.deepEqual(rel(root, walkAll([root, path.join(root, 'a.c')], { exclude: [], respectGitignore: true })), [
    'a.c',
    'd/b.c',
    'link.c',
  ]);
});
