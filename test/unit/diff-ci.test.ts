/**
 * docs/ci.md's recipes run as they are written there, on a throwaway git repository of the
 * test's own: the plain shell recipe with `refcount-lens` on the PATH, and the GitHub Actions
 * workflow's comparison step with the variables Actions would set (its base revision, the job
 * summary and the step's outputs as files). A fix passes the gate, a regression fails it with 1,
 * a base that does not exist with 2.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI } from '../helpers/cli';
import { ROOT } from '../helpers/analyzer';
import { git } from '../helpers/git';

const DOC = fs.readFileSync(path.join(ROOT, 'docs', 'ci.md'), 'utf8');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rl-ci-'));

/** The shell block that follows the recipe's marker. */
function recipe(): string {
  const at = DOC.indexOf('<!-- the recipe:');
  assert.ok(at > 0, 'docs/ci.md marks its recipe');
  const m = /```sh\n([\s\S]*?)```/.exec(DOC.slice(at));
  assert.ok(m, 'a sh block after the marker');
  return m[1];
}

/** The `run: |` script of the workflow step named `name`, as Actions would run it. */
function workflowStep(name: string): string {
  const yaml = /```yaml\n([\s\S]*?)```/.exec(DOC)?.[1];
  assert.ok(yaml, 'docs/ci.md has a workflow');
  const lines = yaml.split('\n');
  const start = lines.findIndex((l) => l.trim() === `- name: ${name}`);
  assert.ok(start >= 0, `a step named ${name}`);
  const run = lines.findIndex((l, i) => i > start && l.trim() === 'run: |');
  const indent = /^ */.exec(lines[run + 1])![0].length;
  const body: string[] = [];
  for (let i = run + 1; i < lines.length && (lines[i].trim() === '' || lines[i].startsWith(' '.repeat(indent))); i++)
    body.push(lines[i].slice(indent));
  return body.join('\n');
}

/** A repository on branch `fix` (the fixture's head revision) over `main` (its base), and a `regress` branch. */
function repository(): string {
  const dir = tmp();
  git(dir, 'init', '-q', '-b', 'main');
  fs.copyFileSync(path.join(ROOT, 'test/fixtures/review/rvw_before.c'), path.join(dir, 'rvw.c'));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  git(dir, 'checkout', '-q', '-b', 'fix');
  fs.copyFileSync(path.join(ROOT, 'test/fixtures/review/rvw_after.c'), path.join(dir, 'rvw.c'));
  git(dir, 'commit', '-q', '-am', 'the fix');
  git(dir, 'checkout', '-q', '-b', 'regress');
  fs.copyFileSync(path.join(ROOT, 'test/fixtures/review/rvw_before.c'), path.join(dir, 'rvw.c'));
  git(dir, 'commit', '-q', '-am', 'the fix undone');
  git(dir, 'checkout', '-q', 'fix');
  return dir;
}

/** `refcount-lens` on the PATH, as the recipe expects it: the CLI bundle of this build. */
function pathWithCli(): string {
  const bin = tmp();
  const exe = path.join(bin, 'refcount-lens');
  fs.writeFileSync(exe, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  fs.chmodSync(exe, 0o755);
  return `${bin}${path.delimiter}${process.env.PATH}`;
}

function bash(script: string, cwd: string, env: Record<string, string>) {
  return spawnSync('bash', ['-c', script], { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
}

test('the shell recipe: a fix passes (0), a regression fails (1), a missing base fails (2)', () => {
  const repo = repository();
  const PATH = pathWithCli();
  const fix = bash(recipe(), repo, { PATH, BASE: 'main' });
  assert.equal(fix.status, 0, fix.stderr);
  assert.match(fix.stdout, /^### Refcount Lens: `main` → `HEAD`/);
  assert.match(fix.stdout, /✅ no problem introduced, \*\*2 problems fixed\*\*/);
  const sarif = JSON.parse(fs.readFileSync(path.join(repo, 'refcount-lens.sarif'), 'utf8'));
  assert.deepEqual(sarif.runs[0].results.map((r: { baselineState: string }) => r.baselineState).sort(), [
    'absent',
    'absent',
    'unchanged',
  ]);

  git(repo, 'checkout', '-q', 'regress');
  const regress = bash(recipe(), repo, { PATH, BASE: 'fix' });
  assert.equal(regress.status, 1, regress.stderr);
  assert.match(regress.stdout, /❌ \*\*2 problems introduced\*\*/);

  const missing = bash(recipe(), repo, { PATH, BASE: 'no-such-base' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no revision "no-such-base"/);
});

test("the GitHub Actions workflow's comparison step: SARIF written, Markdown in the summary, the status out", () => {
  const repo = repository();
  const step = workflowStep('Compare reference counts with the base of the pull request');
  const run = (branch: string, base: string) => {
    git(repo, 'checkout', '-q', branch);
    const summary = path.join(tmp(), 'summary.md');
    const output = path.join(tmp(), 'output');
    const r = bash(step, repo, {
      REFCOUNT_LENS: CLI,
      BASE: git(repo, 'rev-parse', base).trim(),
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: output,
    });
    assert.equal(r.status, 0, `the step itself succeeds; the next one applies the gate: ${r.stderr}`);
    return { summary: fs.readFileSync(summary, 'utf8'), output: fs.readFileSync(output, 'utf8') };
  };
  const fix = run('fix', 'main');
  assert.equal(fix.output, 'status=0\n');
  assert.match(fix.summary, /\*\*Fixed\*\* \(2\)/);
  assert.ok(JSON.parse(fs.readFileSync(path.join(repo, 'refcount-lens.sarif'), 'utf8')).runs[0].results.length);
  const regress = run('regress', 'fix');
  assert.equal(regress.output, 'status=1\n');
  assert.match(regress.summary, /\*\*Introduced\*\* \(2\)/);
});

/** The tree recipe's shell block (tree mode). */
function treeRecipe(): string {
  const at = DOC.indexOf('<!-- the tree recipe:');
  assert.ok(at > 0, 'docs/ci.md marks its tree recipe');
  const m = /```sh\n([\s\S]*?)```/.exec(DOC.slice(at));
  assert.ok(m, 'a sh block after the marker');
  return m[1];
}

test('the tree recipe: a leak seen only through a helper elsewhere fails the gate; a re-run reads the index', () => {
  const repo = tmp();
  const tree = path.join(ROOT, 'test/fixtures/trees/check_in_helper');
  git(repo, 'init', '-q', '-b', 'main');
  fs.mkdirSync(path.join(repo, 'sys'));
  fs.copyFileSync(path.join(ROOT, 'test/fixtures/review/vio_before.c'), path.join(repo, 'sys', 'vio.c'));
  fs.copyFileSync(path.join(tree, 'vio_util.c'), path.join(repo, 'sys', 'vio_util.c'));
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'base');
  git(repo, 'checkout', '-q', '-b', 'leak');
  fs.copyFileSync(path.join(tree, 'vio.c'), path.join(repo, 'sys', 'vio.c'));
  git(repo, 'commit', '-q', '-am', 'the early return');
  const env = { PATH: pathWithCli(), BASE: 'main', TREE: 'sys', CACHE: tmp() };

  const plain = bash(recipe(), repo, env);
  assert.equal(plain.status, 0, `alone, the file shows no leak: ${plain.stderr}`);
  const r = bash(treeRecipe(), repo, env);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /❌ \*\*1 problem introduced\*\*/);
  assert.match(r.stdout, /vio_mtu/);
  const sarif = JSON.parse(fs.readFileSync(path.join(repo, 'refcount-lens.sarif'), 'utf8'));
  assert.deepEqual(
    sarif.runs[0].results.map((x: { baselineState: string }) => x.baselineState),
    ['new'],
  );
  // the same recipe again over the same index: every file of both sides comes from it
  const again = bash(treeRecipe(), repo, { ...env, REFCOUNT_LENS_TREE_DEBUG: '1' });
  assert.equal(again.status, 1, again.stderr);
  assert.equal(again.stdout, r.stdout);
  assert.doesNotMatch(again.stderr, /visit>/);
});
