#!/usr/bin/env node
// How long a person waits for the first hints: code-server with the extension under development
// (as F5 loads it), a fresh workbench each run, a C file opened with Ctrl+P; from the Enter
// to the first inlay hint and code lens on screen, with what the extension's log says the parts
// took (activation, server start, the analysis). Medians of several runs. Not a test: no time is
// asserted. Needs `npm run build` (and `npm run build` compiles bench/generate.ts) and
// `npm run setup:e2e`.
// Usage: node bench/first-open.mjs [--runs N] [--idle MS] [FILE.c ...]
// (default: 5 runs; 3 s between the folder's opening and Ctrl+P; the example driver and a
// generated 2,000-line driver)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createLifecycle,
  launchBrowser,
  startCodeServer,
  waitForWorkbench,
  workbenchUrl,
} from '../test/e2e/codeserver.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const argv = process.argv.slice(2);
const runsAt = argv.indexOf('--runs');
const runs = runsAt >= 0 ? Number(argv.splice(runsAt, 2)[1]) : 5;
// a person looks for the file for a moment after the folder opens; the extension may start meanwhile
const idleAt = argv.indexOf('--idle');
const idleMs = idleAt >= 0 ? Number(argv.splice(idleAt, 2)[1]) : 3000;

const work = mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-first-open-'));
const files = argv.length ? argv.map((f) => path.resolve(f)) : defaultFiles();
const life = createLifecycle({ timeoutSeconds: 60 * (5 + runs * files.length), log: console.error });
life.add(() => rmSync(work, { recursive: true, force: true }));

function defaultFiles() {
  const { generateFile } = require(path.join(root, 'out/bench/generate.js'));
  const generated = path.join(work, 'xdrv0.c');
  writeFileSync(generated, generateFile({ lines: 2000, fileNo: 0 }));
  return [path.join(root, 'examples/clonedev/clonedev_buggy.c'), generated];
}

const median = (xs) => {
  const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : undefined;
};

/** The extension's output channel, as code-server logs it ("[hh:mm:ss.mmm] ..." lines). */
function extensionLog(userDataDir) {
  const found = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/Refcount Lens\.log$/.test(e.name)) found.push(p);
    }
  };
  walk(path.join(userDataDir, 'logs'));
  return found.map((f) => readFileSync(f, 'utf8')).join('\n');
}

const clock = (line) => {
  const m = /(\d\d):(\d\d):(\d\d)\.(\d{3})/.exec(line);
  return m ? ((+m[1] * 60 + +m[2]) * 60 + +m[3]) * 1000 + +m[4] : undefined;
};

/** The first line with a counted step (the CLI says), so the editor opens where hints appear. */
function firstCountedLine(file) {
  const r = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), 'analyze', file, '--format', 'json'], {
    encoding: 'utf8',
  });
  const fns = JSON.parse(r.stdout).files[0].functions;
  const lines = fns.flatMap((f) => f.paths.flatMap((p) => p.steps.map((s) => s.line)));
  return Math.min(...lines);
}

/** Inlay hints are text in the view lines (`+1 cdev`, spaces as U+00A0); so is the code. */
const HINT = /[+-]\d+\u00a0[a-z_]/g;

/** One run: a fresh code-server and browser, the workspace holding `file`; Ctrl+P, `name:line`, Enter. */
async function once(file, line) {
  const folder = mkdtempSync(path.join(work, 'ws-'));
  const name = path.basename(file);
  copyFileSync(file, path.join(folder, name));
  const cs = await startCodeServer({ lifecycle: life });
  const { page, close } = await launchBrowser({ lifecycle: life });
  try {
    await page.goto(workbenchUrl(cs, { folder, extensionDevelopmentPath: root }), { waitUntil: 'domcontentloaded' });
    await waitForWorkbench(page);
    await page.waitForTimeout(idleMs);
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill(`${name}:${line}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    const t0 = Date.now();
    await page.keyboard.press('Enter');
    const view = page.locator('.part.editor .monaco-editor .view-lines').first();
    await view.waitFor();
    const shown = Date.now() - t0;
    const hints = async () => ((await view.innerText()).match(HINT) ?? []).length;
    const before = await hints();
    const hintP = (async () => {
      while (Date.now() - t0 < 60_000) {
        if ((await hints()) > before) return Date.now() - t0;
        await page.waitForTimeout(20);
      }
      return undefined;
    })();
    const lensP = page
      .locator('.part.editor .monaco-editor .codelens-decoration')
      .first()
      .waitFor({ timeout: 60_000 })
      .then(() => Date.now() - t0);
    const [hint, lens] = await Promise.all([hintP, lensP]);
    await page.waitForTimeout(500); // the log lines of the first analysis
    const log = extensionLog(cs.userDataDir);
    // the log's clock is this machine's local time of day; Enter was pressed at t0
    const t0Clock = clock(new Date(t0 - new Date(t0).getTimezoneOffset() * 60_000).toISOString());
    const at = (re) => {
      const t = clock(log.split('\n').find((l) => re.test(l)) ?? '');
      return t === undefined ? undefined : t - t0Clock;
    };
    const number = (re) => {
      const m = re.exec(log);
      return m ? Math.round(Number(m[1])) : undefined;
    };
    return {
      'editor shown': shown,
      'activation (client starts)': at(/starting the language server/),
      'server answered initialize': at(/language server answered/),
      'first analysis published': at(/ v1: /),
      'first hint on screen': hint,
      'first lens on screen': lens,
      'server: process to ready': number(/analyser ready (\d+) ms after/),
      'server: loading its bundle': number(/loading the server (\d+) ms/),
      'server: parser and models': number(/the parser and models (\d+) ms/),
      'first analysis, end to end': number(/v1: ([\d.]+) ms/),
      'first analysis, parse': number(/v1: [^(]*\(parse ([\d.]+) ms/),
      'first analysis, analysis': number(/v1: [^(]*\(parse [\d.]+ ms, analysis ([\d.]+) ms/),
    };
  } finally {
    await close();
    await cs.stop();
  }
}

async function main() {
  for (const file of files) {
    const rows = [];
    const line = firstCountedLine(file);
    for (let i = 0; i < runs; i++) rows.push(await once(file, line));
    const lines = readFileSync(file, 'utf8').split('\n').length;
    console.log(`\n${path.basename(file)} (${lines} lines), median of ${runs} runs, ms:`);
    for (const k of Object.keys(rows[0])) {
      const xs = rows.map((r) => r[k]);
      console.log(`  ${k.padEnd(30)} ${String(median(xs) ?? '-').padStart(6)}   (${xs.join(', ')})`);
    }
  }
  return 0;
}

main().then(
  (code) => life.finish(code),
  (e) => {
    console.error(e?.stack ?? e);
    life.finish(1);
  },
);
