#!/usr/bin/env node
// Draws the random sample that docs/precision.md judges: the warnings and errors (not information)
// of one `refcount-lens analyze --format json` run, in a stable order, then N of them chosen by a
// seeded PRNG, so that anyone with the same run and the same seed judges the same warnings.
//
//   node scripts/precision/sample.mjs RUN.json [--seed 2026] [--size 30] [--format table|json] [--counts]
//                                     [--root DIR]
//
// RUN.json may be '-' (stdin). --counts prints the totals by rule and severity instead of a sample.
// --root DIR prints paths relative to DIR (the tree the run analysed); the draw does not depend on it.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';

export const DEFAULT_SEED = 2026;
export const DEFAULT_SIZE = 30;
const KEPT_SEVERITIES = new Set(['error', 'warning']);

/** mulberry32: a 32-bit seeded PRNG, enough to draw a sample anyone can draw again. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The warnings and errors of a run, each with its file's path, sorted by (path, line, rule, object). */
export function warningsOf(run, root = undefined) {
  const out = [];
  for (const file of run.files ?? []) {
    const path = root === undefined ? file.path : relative(root, file.path);
    for (const d of file.diagnostics ?? []) {
      if (!KEPT_SEVERITIES.has(d.severity)) continue;
      out.push({
        path,
        line: d.line,
        function: d.function ?? '',
        rule: d.rule,
        severity: d.severity,
        object: d.object ?? '',
        message: d.message,
      });
    }
  }
  return out.sort(compareWarnings);
}

function compareWarnings(a, b) {
  return (
    compareText(a.path, b.path) ||
    a.line - b.line ||
    compareText(a.rule, b.rule) ||
    compareText(a.object, b.object) ||
    compareText(a.function, b.function) ||
    compareText(a.message, b.message)
  );
}

// Code-unit order, not the locale's: the same on every machine.
function compareText(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `size` of the sorted warnings chosen by a partial Fisher-Yates shuffle, returned in sorted order. */
export function sample(warnings, seed = DEFAULT_SEED, size = DEFAULT_SIZE) {
  const random = mulberry32(seed);
  const indices = warnings.map((_, i) => i);
  const n = Math.min(size, indices.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (indices.length - i));
    [indices[i], indices[j]] = [indices[j], indices[i]];
  }
  return indices
    .slice(0, n)
    .sort((a, b) => a - b)
    .map((i) => warnings[i]);
}

export function counts(warnings) {
  const byRule = {};
  const bySeverity = {};
  for (const w of warnings) {
    byRule[w.rule] = (byRule[w.rule] ?? 0) + 1;
    bySeverity[w.severity] = (bySeverity[w.severity] ?? 0) + 1;
  }
  return { total: warnings.length, byRule, bySeverity };
}

function table(rows) {
  const lines = ['| # | path:line | function | rule | message |', '|---|---|---|---|---|'];
  rows.forEach((w, i) => {
    const message = w.message.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
    lines.push(`| ${i + 1} | ${w.path}:${w.line} | ${w.function} | ${w.rule} | ${message} |`);
  });
  return lines.join('\n');
}

function parseArgs(argv) {
  const options = {
    file: undefined,
    seed: DEFAULT_SEED,
    size: DEFAULT_SIZE,
    format: 'table',
    counts: false,
    root: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--seed') options.seed = integer(arg, value());
    else if (arg === '--size') options.size = integer(arg, value());
    else if (arg === '--format') options.format = value();
    else if (arg === '--counts') options.counts = true;
    else if (arg === '--root') options.root = value();
    else if (options.file === undefined && (arg === '-' || !arg.startsWith('--'))) options.file = arg;
    else throw new Error(`unknown argument: ${arg}`);
  }
  if (options.file === undefined) {
    throw new Error('usage: sample.mjs RUN.json [--seed N] [--size N] [--format table|json] [--counts] [--root DIR]');
  }
  if (options.format !== 'table' && options.format !== 'json')
    throw new Error(`--format: table or json, not ${options.format}`);
  return options;
}

function integer(name, text) {
  if (!/^\d+$/.test(text)) throw new Error(`${name}: a whole number, not ${text}`);
  return Number(text);
}

function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
  const text = readFileSync(options.file === '-' ? 0 : options.file, 'utf8');
  const warnings = warningsOf(JSON.parse(text), options.root);
  if (options.counts) {
    console.log(JSON.stringify(counts(warnings), null, 2));
    return;
  }
  const chosen = sample(warnings, options.seed, options.size);
  if (options.format === 'json') {
    console.log(JSON.stringify({ seed: options.seed, total: warnings.length, sample: chosen }, null, 2));
  } else {
    console.log(`seed ${options.seed}: ${chosen.length} of ${warnings.length} warnings and errors\n`);
    console.log(table(chosen));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
