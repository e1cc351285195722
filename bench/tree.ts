/**
 * Tree-mode figures for `npm run bench` (issue 12): a cold run over a whole tree, against the same
 * files analysed one by one, the re-run after a one-function edit with the index reused, peak
 * memory, and a tree with nothing excluded (multi-megabyte headers holding only `#define`s).
 *
 * The real tree is given with `--tree DIR` (and `--tree-model FILE`): e.g. xnu's `bsd/` as the
 * corpus rebuilds it (scripts/corpus/rebuild.mjs). Without it only the generated trees are measured.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One timed run of the CLI (bench.ts's `timed`). */
export interface TimedRun {
  wallMs: number;
  rssKb?: number;
  cpuMs?: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface TreeRow {
  what: string;
  value: string;
  target?: string;
  ok?: boolean;
  note?: string;
}

interface TreeSummary {
  files?: number;
  lines?: number;
  groups?: number;
  fromIndex?: number;
  visits?: number;
  relevant?: number;
}

export interface TreeBenchContext {
  cli(args: string[]): TimedRun;
  row(r: TreeRow): void;
  note(s: string): void;
  work: string;
}

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const secs = (ms: number) => (ms / 1000).toFixed(ms >= 10_000 ? 0 : 1);

function summaryOf(r: TimedRun): { tree?: TreeSummary; lines?: number; cuts: number; left: number } {
  let s: { tree?: TreeSummary; lines?: number; truncated?: number } = {};
  try {
    s = JSON.parse(r.stdout).summary ?? {};
  } catch {
    /* reported by the caller */
  }
  const left = r.stderr.split('\n').filter((l) => l.includes('left out of the tree')).length;
  return { tree: s.tree, lines: s.lines, cuts: s.truncated ?? 0, left };
}

/** C files and headers under `dir`, sorted, and their line count. */
function cTree(dir: string): { files: string[]; lines: number } {
  const files: string[] = [];
  let lines = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.[ch]$/.test(e.name)) {
        files.push(p);
        lines += fs.readFileSync(p, 'latin1').split('\n').length;
      }
    }
  };
  walk(dir);
  return { files, lines };
}

/**
 * One function edited: a statement added at the top of the first function body of the middle
 * `.c` file (a body opened by `{` alone on its line, the kernel's style). Returns the file.
 */
function editOneFunction(files: readonly string[]): string | undefined {
  const cs = files.filter((f) => f.endsWith('.c'));
  for (let k = 0; k < cs.length; k++) {
    const f = cs[(cs.length >> 1) + k < cs.length ? (cs.length >> 1) + k : k];
    const lines = fs.readFileSync(f, 'latin1').split('\n');
    const at = lines.indexOf('{');
    if (at < 0) continue;
    lines.splice(at + 1, 0, '\t(void)0;');
    fs.writeFileSync(f, lines.join('\n'), 'latin1');
    return f;
  }
  return undefined;
}

function treeArgs(dir: string, cache: string, model?: string, reported = dir): string[] {
  const args = [
    'analyze',
    reported,
    '--root',
    dir,
    '--cache-dir',
    cache,
    '--format',
    'json',
    '--no-progress',
    '--summary',
  ];
  if (model) args.push('--model', model);
  return args;
}

/** The same files with no tree: each analysed alone, nothing cached. */
function fileByFileArgs(dir: string, model?: string): string[] {
  const args = ['analyze', dir, '--no-cache', '--format', 'json', '--no-progress', '--summary'];
  if (model) args.push('--model', model);
  return args;
}

/** Cold run, the same files one by one, unchanged re-run and one-edit re-run over a copy of `source`. */
export function measureTree(ctx: TreeBenchContext, source: string, label: string, model?: string): unknown {
  const dir = path.join(ctx.work, `tree-copy-${label.replace(/\W+/g, '-')}`);
  fs.cpSync(source, dir, { recursive: true, filter: (p) => !p.includes(`${path.sep}.git`) });
  const { files, lines } = cTree(dir);
  const cache = path.join(ctx.work, `tree-cache-${label.replace(/\W+/g, '-')}`);
  ctx.note(`tree mode on ${label}: ${int(files.length)} files, ${int(lines)} lines (cold, then from the index)`);

  const cold = ctx.cli(treeArgs(dir, cache, model));
  const coldS = summaryOf(cold);
  if (cold.status !== 0 && cold.status !== 1) ctx.note(`${label}: exit ${cold.status}: ${cold.stderr.slice(0, 300)}`);
  const perMillion = cold.wallMs / (lines / 1e6);
  ctx.row({
    what: `tree mode, ${label} (${int(lines)} lines), cold: seconds per million lines`,
    value: `${secs(perMillion)} s`,
    target: '<= 40 s',
    ok: perMillion <= 40_000,
    note:
      `${secs(cold.wallMs)} s wall, ${cold.cpuMs ? secs(cold.cpuMs) : '?'} s CPU; ` +
      `${coldS.tree?.visits ?? '?'} files analysed, ${coldS.cuts} functions cut`,
  });
  ctx.row({
    what: `tree mode, ${label}, cold: peak RSS`,
    value: cold.rssKb ? `${int(cold.rssKb / 1024)} MB` : 'n/a',
    target: '<= 2 GB',
    ok: cold.rssKb ? cold.rssKb <= 2 * 1024 * 1024 : undefined,
  });

  // The issue's yardstick: the tree may cost at most 1.5x a file-by-file run of the same files.
  const alone = ctx.cli(fileByFileArgs(dir, model));
  if (alone.status === 0 || alone.status === 1) {
    const wall = cold.wallMs / alone.wallMs;
    const cpu = cold.cpuMs && alone.cpuMs ? cold.cpuMs / alone.cpuMs : undefined;
    ctx.row({
      what: `tree mode, ${label}, cold, against the same files analysed one by one`,
      value: `${wall.toFixed(2)}x wall`,
      target: '<= 1.5x',
      ok: wall <= 1.5,
      note:
        `file by file ${secs(alone.wallMs)} s wall, ${alone.cpuMs ? secs(alone.cpuMs) : '?'} s CPU` +
        (cpu ? `; CPU ${cpu.toFixed(2)}x` : ''),
    });
  } else ctx.note(`${label}, file by file: exit ${alone.status}: ${alone.stderr.slice(0, 300)}`);

  const again = ctx.cli(treeArgs(dir, cache, model));
  const againS = summaryOf(again);
  ctx.row({
    what: `tree mode, ${label}, unchanged re-run from the index`,
    value: `${secs(again.wallMs)} s`,
    note: `${againS.tree?.fromIndex ?? '?'} of ${againS.tree?.groups ?? '?'} groups from the index`,
  });

  const edited = editOneFunction(files);
  let edit: TimedRun | undefined;
  if (edited) {
    // the editor's question: the edited file again, with what the whole tree knows
    edit = ctx.cli(treeArgs(dir, cache, model, edited));
    const s = summaryOf(edit);
    ctx.row({
      what: `tree mode, ${label}, re-run after a one-function edit (index reused)`,
      value: `${secs(edit.wallMs)} s`,
      target: '<= 2 s',
      ok: edit.wallMs <= 2000,
      note:
        `${path.relative(dir, edited)} edited; ${s.tree?.visits ?? '?'} files re-analysed, ` +
        `${s.tree?.fromIndex ?? '?'} of ${s.tree?.groups ?? '?'} groups from the index`,
    });
  }
  return {
    label,
    files: files.length,
    lines,
    cold: { wallMs: cold.wallMs, cpuMs: cold.cpuMs, rssKb: cold.rssKb, summary: coldS },
    fileByFile: { wallMs: alone.wallMs, cpuMs: alone.cpuMs },
    again: { wallMs: again.wallMs, summary: againS },
    edit: edit && { file: edited && path.relative(dir, edited), wallMs: edit.wallMs, summary: summaryOf(edit) },
  };
}

/** Headers of `mb` megabytes holding only register `#define`s, as hardware headers are. */
function registerHeader(file: string, mb: number): void {
  const out: string[] = [];
  let size = 0;
  for (let i = 0; size < mb * 1024 * 1024; i++) {
    const l = `#define mmREG_BLOCK${i >> 8}_FIELD${i & 255}__SHIFT 0x${((i * 2654435761) >>> 0).toString(16)}`;
    out.push(l);
    size += l.length + 1;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${out.join('\n')}\n`);
}

/** A generated tree with nothing excluded: its multi-megabyte register headers are read or named, never fatal. */
export function measureNothingExcluded(ctx: TreeBenchContext, generated: string): unknown {
  const dir = path.join(ctx.work, 'tree-with-registers');
  fs.cpSync(generated, dir, { recursive: true });
  for (const [i, mb] of [6, 12, 24].entries()) registerHeader(path.join(dir, 'include', 'asic_reg', `regs${i}.h`), mb);
  const { lines } = cTree(dir);
  const r = ctx.cli(treeArgs(dir, path.join(ctx.work, 'tree-with-registers-cache')));
  const s = summaryOf(r);
  const ok = (r.status === 0 || r.status === 1) && !!s.tree;
  ctx.row({
    what: `tree mode, generated tree + 42 MB of register headers, nothing excluded`,
    value: `${secs(r.wallMs)} s`,
    ok,
    note:
      `${int(lines)} lines; exit ${r.status}; ${s.left} file(s) named and left out; ` +
      `peak ${r.rssKb ? `${int(r.rssKb / 1024)} MB` : '?'}`,
  });
  return { lines, wallMs: r.wallMs, rssKb: r.rssKb, status: r.status, leftOut: s.left };
}
