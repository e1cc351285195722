#!/usr/bin/env node
// Runs `refcount-lens fix` on the parent side of every pair of the refcount-fix corpus
// (bench/corpus/manifest.json, materialised by scripts/corpus/rebuild.mjs) with the codebase's
// API model, and writes beside each other what the fix-its change and what the real fix changed,
// for reading (docs/precision.md judges each):
//   node scripts/corpus/fix-run.mjs [--only id,id] [--setting model|zero] [--cli dist/cli.js] CORPUS OUT
// OUT/<id>/fixit.diff   the verified fix-its (the CLI's diff, paths relative to the pair's side)
// OUT/<id>/real.diff    the fix commit's change of the same files (diff -u)
// OUT/<id>/stderr.txt   what was fixed, and the reason for each diagnostic left unfixed
// OUT/summary.json      per pair: exit status, fixed and unfixed diagnostics of the pair's functions
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'bench/corpus/manifest.json'), 'utf8'));

function usage(msg) {
  if (msg) console.error(`fix-run: ${msg}`);
  console.error('usage: node scripts/corpus/fix-run.mjs [--only id,id] [--setting model|zero] [--cli FILE] CORPUS OUT');
  process.exit(2);
}

const opts = { only: null, setting: 'model', cli: join(repoRoot, 'dist/cli.js'), corpus: null, out: null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = () => argv[++i] ?? usage(`${a} needs a value`);
  if (a === '--only') opts.only = new Set(value().split(','));
  else if (a === '--setting') opts.setting = value();
  else if (a === '--cli') opts.cli = resolve(value());
  else if (a.startsWith('-')) usage(`unknown option ${a}`);
  else if (!opts.corpus) opts.corpus = resolve(a);
  else if (!opts.out) opts.out = resolve(a);
  else usage('CORPUS and OUT only');
}
if (!opts.corpus || !opts.out) usage('CORPUS and OUT are needed');
if (opts.setting !== 'model' && opts.setting !== 'zero') usage(`unknown setting ${opts.setting}`);
if (!existsSync(opts.cli)) usage(`no CLI at ${opts.cli} (node scripts/build.mjs --no-tests builds it)`);

const pairs = manifest.pairs.filter((p) => !opts.only || opts.only.has(p.id));
const summary = [];
for (const pair of pairs) {
  const before = join(opts.corpus, pair.id, 'before');
  const after = join(opts.corpus, pair.id, 'after');
  if (!existsSync(before)) usage(`${before} is missing: materialise the corpus first (scripts/corpus/rebuild.mjs)`);
  const dir = join(opts.out, pair.id);
  mkdirSync(dir, { recursive: true });
  const args = [opts.cli, 'fix', ...pair.files];
  if (opts.setting === 'model') args.push('--model', join(repoRoot, 'bench/corpus/models', `${pair.codebase}.json`));
  const r = spawnSync(process.execPath, args, { cwd: before, encoding: 'utf8', maxBuffer: 1 << 28 });
  writeFileSync(join(dir, 'fixit.diff'), r.stdout ?? '');
  writeFileSync(join(dir, 'stderr.txt'), r.stderr ?? '');
  const real = pair.files
    .map((f) => spawnSync('diff', ['-u', join(before, f), join(after, f)], { encoding: 'utf8' }).stdout)
    .join('');
  writeFileSync(join(dir, 'real.diff'), real);
  const lines = (r.stderr ?? '').split('\n').filter(Boolean);
  const inPair = (l) => pair.functions.some((fn) => l.includes(` in ${fn}(): `));
  summary.push({
    id: pair.id,
    status: r.status,
    fixed: lines.filter((l) => inPair(l) && /\(\): fixed/.test(l)),
    unfixed: lines.filter((l) => inPair(l) && /\(\): no fix: /.test(l)),
    elsewhere: lines.filter((l) => !inPair(l) && /\(\): (fixed|no fix)/.test(l)).length,
  });
  const last = summary.at(-1);
  console.log(`${pair.id.padEnd(30)} exit ${r.status}  fixed ${last.fixed.length}  unfixed ${last.unfixed.length}`);
}
writeFileSync(join(opts.out, 'summary.json'), JSON.stringify(summary, null, 1));
