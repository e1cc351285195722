#!/usr/bin/env node
// Runs the CLI on every pair of the refcount-fix corpus (bench/corpus/manifest.json) materialised
// by scripts/corpus/rebuild.mjs, before and after each fix, with and without the codebase's
// API-only model (bench/corpus/models/<codebase>.json):
//   node scripts/corpus/run.mjs [--tree] [--json] [--only id,id] [--settings zero,model]
//                               [--cli dist/cli.js] [--keep DIR] [--cli-arg ARG]... [--cache-dir DIR] CORPUS
// --cli-arg passes one more argument to every CLI run (`--cli-arg --unknown-calls --cli-arg evidence`);
// --cache-dir lets the runs share an index (tree mode: the two sides of a pair share most of it).
// Per pair and setting it prints whether the parent commit is flagged (a warning or error of the
// expected rule, or an accepted one, in one of the pair's functions) and whether the fix commit
// is clean (no leak, over-release, inconsistent or contract warning or error in those functions);
// information (a diagnostic the analysis cannot stand behind) counts for neither.
// --tree passes `--root <the pair's tree root>` to the CLI (tree mode). Verdicts never depend
// on time; elapsed milliseconds are printed for finding slow files only.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'bench/corpus/manifest.json'), 'utf8'));
const REFCOUNT_RULES = new Set(['leak', 'over-release', 'inconsistent', 'contract']);

function usage(msg) {
  if (msg) console.error(`run: ${msg}`);
  console.error(
    'usage: node scripts/corpus/run.mjs [--tree] [--json] [--only id,id] [--settings zero,model]' +
      ' [--cli FILE] [--keep DIR] [--cli-arg ARG]... [--cache-dir DIR] CORPUS',
  );
  process.exit(2);
}

const opts = {
  tree: false,
  json: false,
  only: null,
  settings: ['zero', 'model'],
  cli: join(repoRoot, 'dist/cli.js'),
  keep: null,
  corpus: null,
  cliArgs: [],
  cacheDir: null,
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = () => argv[++i] ?? usage(`${a} needs a value`);
  if (a === '--tree') opts.tree = true;
  else if (a === '--json') opts.json = true;
  else if (a === '--only') opts.only = new Set(value().split(','));
  else if (a === '--settings') opts.settings = value().split(',');
  else if (a === '--cli') opts.cli = resolve(value());
  else if (a === '--keep') opts.keep = resolve(value());
  else if (a === '--cli-arg') opts.cliArgs.push(value());
  else if (a === '--cache-dir') opts.cacheDir = resolve(value());
  else if (a === '--help' || a === '-h') usage();
  else if (a.startsWith('-')) usage(`unknown option ${a}`);
  else if (opts.corpus) usage('one CORPUS directory only');
  else opts.corpus = resolve(a);
}
if (!opts.corpus) usage('CORPUS (the OUT directory of rebuild.mjs) is missing');
for (const s of opts.settings) if (s !== 'zero' && s !== 'model') usage(`unknown setting ${s} (zero or model)`);
if (!existsSync(opts.cli)) usage(`no CLI at ${opts.cli} (node scripts/build.mjs --no-tests builds it)`);

const pairs = manifest.pairs.filter((p) => !opts.only || opts.only.has(p.id));
if (opts.only) for (const id of opts.only) if (!pairs.some((p) => p.id === id)) usage(`no pair ${id} in the manifest`);

function modelFile(codebase) {
  const file = join(repoRoot, 'bench/corpus/models', `${codebase}.json`);
  if (!existsSync(file)) usage(`no model file ${file}`);
  return file;
}

/** One CLI run on the pair's files in one side's tree; returns the diagnostics of the pair's functions. */
function analyse(pair, side, setting) {
  const tree = join(opts.corpus, pair.id, side);
  if (!existsSync(tree)) {
    console.error(
      `run: ${tree} is missing; materialise the corpus first: node scripts/corpus/rebuild.mjs ${opts.corpus}`,
    );
    process.exit(1);
  }
  const files = pair.files.map((f) => join(tree, f));
  const cache = opts.cacheDir ? ['--cache-dir', opts.cacheDir] : ['--no-cache'];
  const args = [opts.cli, 'analyze', ...files, '--format', 'json', ...cache, ...opts.cliArgs];
  if (setting === 'model') args.push('--model', modelFile(pair.codebase));
  if (opts.tree) args.push('--root', join(tree, pair.root));
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number((process.hrtime.bigint() - started) / 1000000n);
  const command = `node ${args.map((a) => (/[\s']/.test(a) ? `'${a}'` : a)).join(' ')}`;
  if (opts.keep) {
    mkdirSync(join(opts.keep, pair.id), { recursive: true });
    writeFileSync(join(opts.keep, pair.id, `${side}.${setting}${opts.tree ? '.tree' : ''}.json`), r.stdout ?? '');
  }
  if (r.status !== 0 && r.status !== 1) {
    return {
      error: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(-3).join(' | '),
      command,
      ms,
    };
  }
  let out;
  try {
    out = JSON.parse(r.stdout);
  } catch (e) {
    return { error: `unreadable JSON output: ${e.message}`, command, ms };
  }
  const wanted = new Set(pair.functions);
  const found = new Set();
  const diagnostics = [];
  let truncated = false;
  for (const f of out.files ?? []) {
    for (const fn of f.functions ?? []) {
      if (wanted.has(fn.name)) {
        found.add(fn.name);
        if (fn.truncated) truncated = true;
      }
    }
    for (const d of f.diagnostics ?? []) {
      if (wanted.has(d.function))
        diagnostics.push({
          rule: d.rule,
          severity: d.severity,
          function: d.function,
          line: d.line,
          message: d.message,
        });
    }
  }
  const problems = (r.stderr ?? '').trim();
  return {
    diagnostics,
    missing: pair.functions.filter((f) => !found.has(f)),
    truncated,
    ms,
    command,
    ...(problems ? { stderr: problems.split('\n').slice(0, 5) } : {}),
  };
}

/**
 * Whether a diagnostic is about `object`: its message starts with the object
 * (`d (domain) keeps +1 ...`), or with its counter field (`opinfo->refcount`).
 */
function namesObject(d, object) {
  return [' ', ':', '->'].some((after) => d.message.startsWith(`${object}${after}`));
}

function nearLines(d, lines) {
  return Boolean(lines) && d.line >= lines[0] - 15 && d.line <= lines[1] + 15;
}

/**
 * A diagnostic in the fixed code that the manifest lists as a real defect the fix left (kind
 * "real"); idioms the model cannot describe still count.
 */
function known(pair, d) {
  return (pair.knownAfter ?? []).some(
    (k) =>
      k.kind === 'real' && k.rule === d.rule && namesObject(d, k.object) && (k.line === undefined || k.line === d.line),
  );
}

/** A warning or an error: what a user is asked to read. Information (severity follows evidence) is not counted. */
const shown = (d) => d.severity === 'warning' || d.severity === 'error';

function verdict(pair, before, after) {
  const e = pair.expectation;
  const accepted = new Set([e.rule, ...(e.accept ?? [])]);
  const hits = before.error ? [] : before.diagnostics.filter((d) => accepted.has(d.rule) && shown(d));
  const flagged = hits.length > 0;
  const atFix = hits.some((d) => namesObject(d, e.object) || nearLines(d, e.lines));
  const dirty = after.error
    ? []
    : after.diagnostics.filter((d) => REFCOUNT_RULES.has(d.rule) && shown(d) && !known(pair, d));
  const clean = !after.error && dirty.length === 0;
  const fixedObject = !after.error && !dirty.some((d) => namesObject(d, e.object));
  return { flagged, atFix, clean, fixedObject, pass: flagged && clean };
}

const results = [];
for (const pair of pairs) {
  const row = { id: pair.id, codebase: pair.codebase, expectation: pair.expectation, settings: {} };
  for (const setting of opts.settings) {
    const before = analyse(pair, 'before', setting);
    const after = analyse(pair, 'after', setting);
    row.settings[setting] = { ...verdict(pair, before, after), before, after };
  }
  results.push(row);
  if (!opts.json) printRow(row);
}

function mark(ok) {
  return ok ? 'yes' : 'no ';
}

function printRow(row) {
  const parts = opts.settings.map((s) => {
    const r = row.settings[s];
    const err = r.before.error || r.after.error ? ' ERROR' : '';
    const cut = r.before.truncated || r.after.truncated ? ' cut' : '';
    const where = r.flagged && !r.atFix ? '(elsewhere)' : '';
    return `${s}: flagged ${mark(r.flagged)}${where} clean ${mark(r.clean)}${err}${cut}`;
  });
  console.log(`${row.id.padEnd(30)} ${row.expectation.rule.padEnd(12)} ${parts.join('   ')}`);
  for (const s of opts.settings) {
    const r = row.settings[s];
    for (const side of ['before', 'after']) {
      if (r[side].error) console.log(`    ${s} ${side}: ERROR ${r[side].error}\n      ${r[side].command}`);
      if (r[side].missing?.length) console.log(`    ${s} ${side}: functions not found: ${r[side].missing.join(', ')}`);
    }
  }
}

const totals = {};
for (const s of opts.settings) {
  const t = {
    pairs: results.length,
    flaggedBefore: 0,
    flaggedAtFix: 0,
    cleanAfter: 0,
    pass: 0,
    errors: 0,
    cut: 0,
    byCodebase: {},
  };
  for (const row of results) {
    const r = row.settings[s];
    const c = (t.byCodebase[row.codebase] ??= { pairs: 0, flaggedBefore: 0, cleanAfter: 0, pass: 0 });
    c.pairs++;
    if (r.flagged) {
      t.flaggedBefore++;
      c.flaggedBefore++;
    }
    if (r.atFix) t.flaggedAtFix++;
    if (r.before.truncated || r.after.truncated) t.cut++;
    if (r.clean) {
      t.cleanAfter++;
      c.cleanAfter++;
    }
    if (r.pass) {
      t.pass++;
      c.pass++;
    }
    if (r.before.error || r.after.error) t.errors++;
  }
  totals[s] = t;
}

if (opts.json) {
  console.log(
    JSON.stringify({ mode: opts.tree ? 'tree' : 'single-file', cli: opts.cli, totals, pairs: results }, null, 1),
  );
} else {
  console.log('');
  for (const s of opts.settings) {
    const t = totals[s];
    const setting = s === 'zero' ? 'zero-config' : 'API-only model';
    const mode = opts.tree ? 'tree' : 'single-file';
    console.log(
      `${setting} (${mode}): flagged before ${t.flaggedBefore}/${t.pairs} (at the fix ${t.flaggedAtFix}),` +
        ` clean after ${t.cleanAfter}/${t.pairs}, both ${t.pass}/${t.pairs};` +
        ` ${t.cut} pairs with a function cut by the budget${t.errors ? `, ${t.errors} with CLI errors` : ''}`,
    );
    for (const [cb, c] of Object.entries(t.byCodebase))
      console.log(
        `    ${cb.padEnd(12)} flagged ${c.flaggedBefore}/${c.pairs}  clean ${c.cleanAfter}/${c.pairs}` +
          `  both ${c.pass}/${c.pairs}`,
      );
  }
}
