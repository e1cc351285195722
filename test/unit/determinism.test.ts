/**
 * Issue 15, item 2: what the analysis reports is a function of the input text, the model
 * and the options only. Every budget that shapes a result counts work (path states per
 * function, per program point and per file, outcomes per expression), never time, so the
 * CLI's JSON on inputs that hit those budgets is the same on a quiet machine and on one
 * whose cores are all kept busy. Nothing here asserts a time.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateFile } from '../../bench/generate';
import { ended, runCli } from '../helpers/cli';

/**
 * An attach routine of the goto-ladder kind, with `k` optional device references: each
 * `if (flags & F)` doubles the paths, so its joins hold more than 64 states (widened, then
 * cut) and the run stops at the per-function state budget.
 */
function attachLadder(name: string, k: number): string {
  const l = [`static int`, `${name}(struct hv_softc *sc, int flags)`, `{`];
  for (let i = 0; i < k; i++) l.push(`\tstruct cdev *d${i} = sc->sc_dev[${i}];`);
  l.push('');
  for (let i = 0; i < k; i++)
    l.push(
      `\tif (flags & HV_F${i}) {`,
      `\t\tdev_ref(d${i});`,
      `\t\tif (sc->sc_busy[${i}] != 0)`,
      `\t\t\tgoto fail${i};`,
      `\t}`,
    );
  l.push(`\treturn (0);`);
  for (let i = k - 1; i >= 0; i--) l.push(`fail${i}:`, `\tif (flags & HV_F${i})`, `\t\tdev_rel(d${i});`);
  l.push(`\treturn (EBUSY);`, `}`, ``);
  return l.join('\n');
}

/** Three heavy functions: two reach the per-function budget, the third finds the file's budget spent. */
function heavyFile(): string {
  const k = 100;
  const defines = Array.from({ length: k }, (_, i) => `#define HV_F${i} 0x${(1 << (i % 30)).toString(16)}`).join('\n');
  return (
    '#include <sys/param.h>\n#include <sys/conf.h>\n\n' +
    `struct hv_softc { struct cdev *sc_dev[${k}]; int sc_busy[${k}]; };\n${defines}\n\n` +
    [0, 1, 2].map((j) => attachLadder(`hv_attach${j}`, k)).join('\n')
  );
}

/** A call whose twelve arguments each have two outcomes: 4,096 combinations, cut at 64. */
function outcomesFile(): string {
  const params = Array.from({ length: 12 }, (_, i) => `int a${i}`).join(', ');
  const args = Array.from({ length: 12 }, (_, i) => `a${i} ? dev_ref(d) : 0`).join(', ');
  return (
    '#include <sys/conf.h>\nint ev_log(int, ...);\n\n' +
    `static int\nev_notify(struct cdev *d, ${params})\n{\n\tev_log(${args});\n\tdev_rel(d);\n\treturn (0);\n}\n`
  );
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-determinism-'));
fs.writeFileSync(path.join(dir, 'a-heavy.c'), heavyFile());
fs.writeFileSync(path.join(dir, 'b-outcomes.c'), outcomesFile());
fs.writeFileSync(path.join(dir, 'c-driver.c'), generateFile({ lines: 2000, seed: 15, fileNo: 3 }));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

const ARGS = [
  'analyze',
  dir,
  '--format',
  'json',
  '--no-cache',
  '--jobs',
  '2',
  '--max-states-per-file',
  '6000',
  '--timeout',
  '600',
];

/** The CLI's report without what may differ from run to run: the timings of each file and of the run, in ms. */
function report(): { status: number | null; json: string; reasons: string[] } {
  const r = runCli(ARGS, { timeoutMs: 900_000 });
  assert.ok(r.status === 0 || r.status === 1, ended(r));
  const out = JSON.parse(r.stdout) as {
    files: { timing?: unknown; functions: { truncatedReason?: string }[] }[];
    summary?: { wallMs?: number; cuts?: { ms?: number } };
  };
  for (const f of out.files) delete f.timing;
  // the milliseconds go; the work counted (summary.states, the cut functions' states) stays and must agree
  delete out.summary?.wallMs;
  delete out.summary?.cuts?.ms;
  return {
    status: r.status,
    json: JSON.stringify(out),
    reasons: out.files.flatMap((f) => f.functions.map((fn) => fn.truncatedReason ?? '')),
  };
}

/** Runs `fn` while every core (and one more) spins in a busy process of our own. */
function withCoresSaturated<T>(fn: () => T): T {
  const busy: ChildProcess[] = [];
  try {
    for (let i = 0; i < os.availableParallelism() + 1; i++)
      busy.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    return fn();
  } finally {
    for (const b of busy) b.kill('SIGKILL');
  }
}

const underLoad =
  'the JSON report on inputs that hit every budget is byte-identical on a quiet machine and with all cores saturated';
test(underLoad, { timeout: 1_800_000 }, () => {
  const quiet = report();
  // the inputs do reach each budget, so the comparison is about cut results
  const all = quiet.reasons.join('\n');
  const stopped = /stopped 2500 path states after the first cut/;
  assert.match(
    all,
    new RegExp(stopped.source + /; before that, more than 64 different path states at line \d+/.source),
  );
  assert.match(all, /more than 64 outcomes of one expression at line \d+/);
  assert.match(all, /not analysed: the file's functions used up its budget of 6000 path states/);
  const loaded = withCoresSaturated(report);
  assert.equal(loaded.status, quiet.status);
  if (loaded.json !== quiet.json) {
    let i = 0;
    while (loaded.json[i] === quiet.json[i]) i++;
    const around = (json: string) => json.slice(Math.max(0, i - 200), i + 200);
    assert.fail(
      `the report under load differs from the quiet one at character ${i}:\n` +
        ` quiet:  …${around(quiet.json)}\n loaded: …${around(loaded.json)}`,
    );
  }
});
