/**
 * Keystroke latency and memory of the language server, measured through a real LSP
 * connection (dist/server.js over stdio):
 *  - one edit inside one function of a generated 2,000-line kernel-like file, until the
 *    server answers the inlay-hint request for the new text (median of >= 20 runs);
 *  - the server's resident memory after opening 20 such files.
 * `npm run bench` (bench/bench.ts) calls runLspBench(); `node out/bench/lsp-latency.js`
 * runs it alone. Needs `npm run build`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateFile } from './generate';
import { fileUri, hintText, LspClient } from '../test/helpers/lsp-client';

export interface LspBenchResult {
  medianMs: number;
  rssMb: number;
}

export interface LspBenchOptions {
  runs?: number;
  files?: number;
  lines?: number;
  log?: (line: string) => void;
}

const TARGET_MS = 15;

export async function runLspBench(opts: LspBenchOptions = {}): Promise<LspBenchResult> {
  const runs = Math.max(20, opts.runs ?? 30);
  const files = opts.files ?? 20;
  const lines = opts.lines ?? 2000;
  const log = opts.log ?? ((l: string) => console.log(l));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-lsp-bench-'));
  const texts = Array.from({ length: files }, (_, i) => generateFile({ lines, fileNo: i }));
  const uris = texts.map((t, i) => {
    const f = path.join(dir, `xdrv${i}.c`);
    fs.writeFileSync(f, t);
    return fileUri(f);
  });
  const client = await LspClient.start({ rootDir: dir });
  try {
    client.open(uris[0], texts[0]);
    await client.waitFor(() => client.diagnosticVersions.has(uris[0]), 60_000, 'the first analysis');
    // the keystrokes are measured with the workspace index built (issue 12: it must not slow them)
    await client.waitFor(
      () => client.progress.some((p) => p.kind === 'end'),
      300_000,
      'the workspace index of the folder',
    );
    const rssOneMb = client.rssMb();
    const latency = await keystrokeLatency(client, uris[0], texts[0], runs);
    for (let i = 1; i < files; i++) client.open(uris[i], texts[i]);
    await client.waitFor(
      () => uris.every((u) => client.diagnosticVersions.has(u)),
      300_000,
      `the analysis of ${files} files`,
    );
    const rssMb = client.rssMb();
    const timings = serverTimings(client.logs, path.basename(fs.realpathSync(path.join(dir, 'xdrv0.c'))));
    printTable(log, { runs, lines: texts[0].split('\n').length, files, latency, rssOneMb, rssMb, timings });
    return { medianMs: round(median(latency)), rssMb: round(rssMb) };
  } finally {
    await client.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Alternately inserts and removes one statement in the body of a function that takes a
 * reference (so its hints must be recomputed), each time timing didChange -> inlay hints
 * of the new text.
 */
async function keystrokeLatency(client: LspClient, uri: string, text: string, runs: number): Promise<number[]> {
  const lines = text.split('\n');
  const target = pickCountedLine(lines);
  const statement = '\tsc->sc_flags |= 0x1;\n';
  const times: number[] = [];
  const warmup = 3;
  for (let i = 0; i < runs + warmup; i++) {
    const inserted = i % 2 === 0;
    const t0 = performance.now();
    if (inserted) client.insert(uri, { line: target, character: 0 }, statement);
    else client.edit(uri, { start: { line: target, character: 0 }, end: { line: target + 1, character: 0 } }, '');
    const range = { start: { line: target - 5, character: 0 }, end: { line: target + 6, character: 0 } };
    const hints = (await client.inlayHints(uri, range)) ?? [];
    const ms = performance.now() - t0;
    // the counted call moved down a line when the statement was inserted: the answer must say so
    const callLine = inserted ? target + 1 : target;
    if (!hints.some((h) => h.position.line === callLine)) {
      const got = hints.map((h) => `${h.position.line + 1}:${hintText(h)}`).join(', ');
      throw new Error(`run ${i}: no hint on line ${callLine + 1} (got ${got})`);
    }
    if (i >= warmup) times.push(ms);
  }
  return times;
}

/** A line in the middle of the file with a dev_ref( call, inside a function body. */
function pickCountedLine(lines: string[]): number {
  const candidates = lines.map((l, i) => (/^\t+dev_ref\(/.test(l) ? i : -1)).filter((i) => i >= 0);
  if (!candidates.length) throw new Error('the generated file has no dev_ref call');
  return candidates[Math.floor(candidates.length / 2)];
}

/** Parse and analysis times the server logged for the bench file's edits. */
function serverTimings(logs: string[], name: string): { parse: number[]; analysis: number[] } {
  const parse: number[] = [];
  const analysis: number[] = [];
  const re = new RegExp(
    `${name.replace(/\./g, '\\.')} v(\\d+): [\\d.]+ ms \\(parse ([\\d.]+) ms, analysis ([\\d.]+) ms\\)`,
  );
  for (const l of logs) {
    const m = re.exec(l);
    if (m && Number(m[1]) > 1) {
      parse.push(Number(m[2]));
      analysis.push(Number(m[3]));
    }
  }
  return { parse, analysis };
}

function printTable(
  log: (l: string) => void,
  r: {
    runs: number;
    lines: number;
    files: number;
    latency: number[];
    rssOneMb: number;
    rssMb: number;
    timings: { parse: number[]; analysis: number[] };
  },
): void {
  const sorted = [...r.latency].sort((a, b) => a - b);
  const p90 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))];
  const med = median(r.latency);
  log('');
  log('LSP latency and memory (dist/server.js over stdio)');
  log('  measure                                         value      target');
  log(
    `  edit -> new inlay hints (workspace indexed), median of ${String(r.runs).padEnd(3)} runs ${fmt(med)} ms` +
      `  <= ${TARGET_MS} ms ${med <= TARGET_MS ? 'ok' : 'MISSED'}`,
  );
  log(
    `    p90 / min / max                               ${fmt(p90)}` +
      ` / ${fmt(sorted[0])} / ${fmt(sorted[sorted.length - 1])} ms`,
  );
  if (r.timings.parse.length) {
    log(`    of which server parse (median)                ${fmt(median(r.timings.parse))} ms`);
    log(`    of which server analysis (median)             ${fmt(median(r.timings.analysis))} ms`);
  }
  log(`  file size                                       ${r.lines} lines`);
  log(`  server RSS, 1 file open                         ${fmt(r.rssOneMb)} MB`);
  log(`  server RSS, ${String(r.files).padEnd(2)} files open                        ${fmt(r.rssMb)} MB`);
  log('');
}

const fmt = (n: number) => n.toFixed(1).padStart(7);
const round = (n: number) => Math.round(n * 10) / 10;

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

if (require.main === module) {
  runLspBench().then(
    () => process.exit(0),
    (e) => {
      console.error(`lsp-latency: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
}
