#!/usr/bin/env node
// Gives every warning and error of one `refcount-lens analyze --format json` run the verdict the judged files
// hold for it (bench/precision/TREE.judged*.json: real, false or unclear, read from the code and the tree's
// history), and counts them: the tables of docs/precision.md.
//
//   node scripts/precision/verdicts.mjs RUN.json --tree xen|xnu --root DIR [--judged DIR] [--format table|json]
//
// --root is the directory the run analysed (the judged files name paths relative to it). A warning matches a
// judged entry by (path, function, rule, object, line), else (path, function, rule, line), else (path, function,
// rule, object), so a verdict follows a warning whose line moved or whose object is worded otherwise. Judged files
// are read in the order of their number (TREE.judged.json first, then -2, -3, ...): a later verdict on the same
// warning replaces an earlier one. A warning no file judged is `??`.
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { warningsOf } from './sample.mjs';

const VERDICTS = ['real', 'unclear', 'false', '??'];

/** The judged files of a tree, in the order their verdicts apply. */
export function judgedFiles(dir, tree) {
  const number = (name) => Number(/-(\d+)\.json$/.exec(name)?.[1] ?? 1);
  return readdirSync(dir)
    .filter((name) => name.startsWith(`${tree}.judged`) && name.endsWith('.json'))
    .sort((a, b) => number(a) - number(b))
    .map((name) => join(dir, name));
}

function keysOf(w) {
  return [
    JSON.stringify([w.path, w.function, w.rule, w.object, w.line]),
    JSON.stringify([w.path, w.function, w.rule, w.line]),
    JSON.stringify([w.path, w.function, w.rule, w.object]),
  ];
}

/** Each warning of the run with its verdict and the judged file's pattern and reason. */
export function judge(run, judged, root) {
  const index = [new Map(), new Map(), new Map()];
  for (const { file, entries } of judged)
    for (const e of entries) {
      const path = isAbsolute(e.path) ? relative(root, e.path) : e.path;
      const entry = { ...e, path, file, object: e.object ?? '', function: e.function ?? '' };
      keysOf(entry).forEach((k, i) => {
        index[i].set(k, entry);
      });
    }
  return warningsOf(run, root).map((w) => {
    const keys = keysOf(w);
    const e = keys.map((k, i) => index[i].get(k)).find((x) => x !== undefined);
    return { ...w, verdict: e?.verdict ?? '??', pattern: e?.pattern ?? '', judgedIn: e?.file ?? '' };
  });
}

export function totals(rows) {
  const by = Object.fromEntries(VERDICTS.map((v) => [v, 0]));
  for (const r of rows) by[r.verdict] = (by[r.verdict] ?? 0) + 1;
  const share = rows.length ? Math.round((100 * by.real) / rows.length) : 0;
  return { total: rows.length, ...by, realShare: share };
}

function table(rows) {
  const lines = ['| verdict | path:line | function | rule | object | pattern |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const cells = [r.verdict, `${r.path}:${r.line}`, r.function, r.rule, r.object, r.pattern];
    lines.push(`| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  const t = totals(rows);
  const counted = `${t.real} real, ${t.unclear} unclear, ${t.false} false, ${t['??']} not judged`;
  lines.push('', `${t.total} warnings and errors: ${counted} (${t.realShare}% real)`);
  return lines.join('\n');
}

function main() {
  let options;
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: {
        tree: { type: 'string' },
        root: { type: 'string' },
        judged: { type: 'string', default: join(import.meta.dirname, '../../bench/precision') },
        format: { type: 'string', default: 'table' },
      },
    });
    if (positionals.length !== 1 || !values.tree || !values.root)
      throw new Error('usage: verdicts.mjs RUN.json --tree xen|xnu --root DIR [--judged DIR] [--format table|json]');
    if (values.format !== 'table' && values.format !== 'json')
      throw new Error(`--format: table or json, not ${values.format}`);
    options = { ...values, file: positionals[0] };
  } catch (e) {
    process.stderr.write(`verdicts: ${e.message}\n`);
    process.exit(2);
  }
  const files = judgedFiles(options.judged, options.tree);
  if (!files.length) {
    process.stderr.write(`verdicts: no ${options.tree}.judged*.json in ${options.judged}\n`);
    process.exit(2);
  }
  const judged = files.map((file) => ({ file, entries: JSON.parse(readFileSync(file, 'utf8')).judged ?? [] }));
  const run = JSON.parse(readFileSync(options.file === '-' ? 0 : options.file, 'utf8'));
  const rows = judge(run, judged, options.root);
  if (options.format === 'json') process.stdout.write(`${JSON.stringify({ totals: totals(rows), rows }, null, 1)}\n`);
  else process.stdout.write(`${table(rows)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) main();
