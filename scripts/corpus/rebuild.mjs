#!/usr/bin/env node
// Materialises the refcount-fix corpus (bench/corpus/manifest.json) from fetched git mirrors:
//   node scripts/corpus/rebuild.mjs [--mirrors /work/.mirror] [--only id,id] OUT
// gives OUT/<id>/before and OUT/<id>/after, each the pair's tree root (`git archive <commit> <root>`)
// at the parent and at the fix commit. Trees live once per (repository, commit, root) under
// OUT/.trees/ and the pair directories are symlinks to them, so pairs that share a commit share
// the tree. Idempotent: a tree with its `.complete` marker is not extracted again.
// Nothing third-party is committed: this script only reads mirrors the `fetch` tool brought.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
  rmSync,
  symlinkSync,
  readlinkSync,
  lstatSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const manifestPath = resolve(here, '../../bench/corpus/manifest.json');

function usage(msg) {
  if (msg) console.error(`rebuild: ${msg}`);
  console.error('usage: node scripts/corpus/rebuild.mjs [--mirrors DIR] [--only id,id] OUT');
  process.exit(2);
}

const args = process.argv.slice(2);
let mirrors = '/work/.mirror';
let only = null;
let out = null;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--mirrors') mirrors = args[++i] ?? usage('--mirrors needs a directory');
  else if (a === '--only') only = new Set((args[++i] ?? usage('--only needs ids')).split(','));
  else if (a === '--help' || a === '-h') usage();
  else if (a.startsWith('-')) usage(`unknown option ${a}`);
  else if (out) usage('one OUT directory only');
  else out = a;
}
if (!out) usage('OUT is missing');
out = resolve(out);

const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const pairs = manifest.pairs.filter((p) => !only || only.has(p.id));
if (only)
  for (const id of only)
    if (!pairs.some((p) => p.id === id)) usage(`no pair ${id} in ${relative(process.cwd(), manifestPath)}`);

/** The git directory of a fetched mirror (the fetch tool puts github:owner/name in owner+name/repo). */
function mirrorOf(repo) {
  const dir = join(mirrors, repo.replace('/', '+'), 'repo');
  if (!existsSync(dir)) {
    console.error(`rebuild: no mirror of ${repo} at ${dir}; bring it with the fetch tool: fetch github:${repo}`);
    process.exit(1);
  }
  return dir;
}

function git(gitDir, ...argv) {
  return execFileSync('git', ['--git-dir', gitDir, ...argv], { encoding: 'utf8', maxBuffer: 1 << 30 });
}

/** Paths under root whose blob the snapshot lacks (the fetch tool leaves out files of 4 MiB and more). */
function missingBlobs(gitDir, commit, root) {
  const listing = git(gitDir, 'ls-tree', '-r', '--full-tree', commit, '--', ...(root === '.' ? [] : [root]));
  const entries = listing
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [meta, path] = l.split('\t');
      const [, type, sha] = meta.split(' ');
      return { type, sha, path };
    })
    .filter((e) => e.type === 'blob');
  const check = spawnSync('git', ['--git-dir', gitDir, 'cat-file', '--batch-check'], {
    input: entries.map((e) => e.sha).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const lines = check.stdout.split('\n');
  return entries.filter((_e, i) => (lines[i] ?? '').endsWith(' missing')).map((e) => e.path);
}

function extract(repo, commit, root) {
  const gitDir = mirrorOf(repo);
  const dir = join(out, '.trees', repo.replace('/', '+'), commit, root === '.' ? '_' : root.replace(/\//g, '+'));
  if (existsSync(join(dir, '.complete'))) return dir;
  try {
    git(gitDir, 'cat-file', '-e', `${commit}^{commit}`);
  } catch {
    console.error(
      `rebuild: commit ${commit} is not in the mirror of ${repo} (${gitDir});` +
        ` fetch github:${repo} again for a newer snapshot`,
    );
    process.exit(1);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const missing = missingBlobs(gitDir, commit, root);
  const pathspec = [...(root === '.' ? [] : [root]), ...missing.map((p) => `:(exclude)${p}`)];
  const tarFile = `${dir}.tar`;
  const archive = spawnSync(
    'git',
    ['--git-dir', gitDir, 'archive', '--format=tar', '-o', tarFile, commit, '--', ...pathspec],
    { encoding: 'utf8' },
  );
  if (archive.status !== 0) {
    console.error(`rebuild: git archive ${commit} ${root} failed in ${gitDir}: ${archive.stderr.trim()}`);
    process.exit(1);
  }
  const tar = spawnSync('tar', ['-x', '-f', tarFile, '-C', dir], { encoding: 'utf8' });
  rmSync(tarFile, { force: true });
  if (tar.status !== 0) {
    console.error(`rebuild: tar failed for ${repo}@${commit}: ${tar.stderr.trim()}`);
    process.exit(1);
  }
  if (missing.length) writeFileSync(join(dir, '.omitted'), missing.join('\n') + '\n');
  writeFileSync(join(dir, '.complete'), `${repo} ${commit} ${root}\n`);
  return dir;
}

function link(target, path) {
  mkdirSync(dirname(path), { recursive: true });
  const rel = relative(dirname(path), target);
  try {
    if (lstatSync(path).isSymbolicLink() && readlinkSync(path) === rel) return;
    rmSync(path, { recursive: true, force: true });
  } catch {
    /* absent */
  }
  symlinkSync(rel, path);
}

let done = 0;
for (const p of pairs) {
  for (const side of ['before', 'after']) {
    const commit = side === 'before' ? p.parent : p.fix;
    const tree = extract(p.repo, commit, p.root);
    for (const f of p.files) {
      if (!existsSync(join(tree, f))) {
        console.error(`rebuild: ${p.id}: ${f} is not in ${p.repo}@${commit} under ${p.root}`);
        process.exit(1);
      }
    }
    link(tree, join(out, p.id, side));
  }
  done++;
  if (process.stderr.isTTY) process.stderr.write(`\rrebuild: ${done}/${pairs.length} ${p.id}`.padEnd(70));
}
if (process.stderr.isTTY) process.stderr.write('\n');
console.log(`rebuild: ${done} pairs in ${out}`);
