#!/usr/bin/env node
/**
 * refcount-lens analyze FILE|DIR... [--model F] [--preset freebsd|linux|auto] [--format text|json|sarif]
 * Exit 0: no problems; 1: problems found; 2: bad usage or unreadable input.
 */
import * as fs from 'fs';
import { Analyzer, type AnalyzerOptions } from '../analysis/analyzer';
import { RESULT_VERSION, type FileResult } from '../analysis/result';
import { formatFile, colors } from './format-text';
import { toSarif } from './format-sarif';
import { walk, globToRegExp } from './walk';

const VERSION = '0.1.0';

const USAGE = `usage: refcount-lens analyze FILE|DIR... [options]
  --model FILE            a model file (repeatable); .refcount-lens.json beside the inputs is read too
  --preset NAME           freebsd, linux or auto (default: auto, from the includes)
  --format text|json|sarif
  --define NAME[=VALUE]   take a macro as defined for #if (repeatable); --undef NAME removes one
  --no-inference          no zero-config *_get/*_put pair inference
  --max-states N          path states per function before the analysis is cut (default 20000)
  --exclude GLOB          skip matching paths when walking directories (repeatable)
  --no-gitignore          walk directories without reading .gitignore
  --output FILE           write the report to FILE instead of standard output
exit status: 0 no problems, 1 problems found, 2 bad usage or unreadable input`;

class UsageError extends Error {}

interface CliArgs {
  command: string;
  inputs: string[];
  format: 'text' | 'json' | 'sarif';
  models: string[];
  preset: AnalyzerOptions['preset'];
  defines: Record<string, string>;
  undefines: string[];
  inference: boolean;
  maxStates?: number;
  exclude: string[];
  gitignore: boolean;
  output?: string;
  rest: Map<string, string[]>;
}

export function parseArgs(argv: string[]): CliArgs {
  const a: CliArgs = { command: argv[0] ?? '', inputs: [], format: 'text', models: [], preset: 'auto', defines: {}, undefines: [], inference: true, exclude: [], gitignore: true, rest: new Map() };
  const value = (i: number, flag: string) => { const v = argv[i + 1]; if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`); return v; };
  for (let i = 1; i < argv.length; i++) {
    const x = argv[i];
    const [flag, inline] = x.startsWith('--') && x.includes('=') ? [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)] : [x, undefined];
    const take = () => (inline !== undefined ? inline : value(i++, flag));
    switch (flag) {
      case '--format': { const f = take(); if (!['text', 'json', 'sarif'].includes(f)) throw new UsageError(`--format is text, json or sarif, not "${f}"`); a.format = f as CliArgs['format']; break; }
      case '--model': a.models.push(take()); break;
      case '--preset': { const p = take(); if (!['freebsd', 'linux', 'auto'].includes(p)) throw new UsageError(`--preset is freebsd, linux or auto, not "${p}"`); a.preset = p as CliArgs['preset']; break; }
      case '--define': case '-D': { const d = take(); const eq = d.indexOf('='); a.defines[eq < 0 ? d : d.slice(0, eq)] = eq < 0 ? '' : d.slice(eq + 1); break; }
      case '--undef': case '-U': a.undefines.push(take()); break;
      case '--no-inference': a.inference = false; break;
      case '--max-states': { const n = Number(take()); if (!Number.isInteger(n) || n < 1) throw new UsageError('--max-states takes a whole number'); a.maxStates = n; break; }
      case '--exclude': a.exclude.push(take()); break;
      case '--no-gitignore': a.gitignore = false; break;
      case '--output': case '-o': a.output = take(); break;
      default:
        if (x.startsWith('--')) {
          const list = a.rest.get(flag) ?? [];
          list.push(inline ?? (argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true'));
          a.rest.set(flag, list);
        } else a.inputs.push(x);
    }
  }
  return a;
}

function findWorkspaceModel(inputs: string[]): string[] {
  const path = require('path') as typeof import('path');
  const found = new Set<string>();
  for (const i of inputs) {
    let dir = path.resolve(i);
    try { if (!fs.statSync(dir).isDirectory()) dir = path.dirname(dir); } catch { dir = path.dirname(dir); }
    for (let k = 0; k < 12; k++) {
      const f = path.join(dir, '.refcount-lens.json');
      if (fs.existsSync(f)) { found.add(f); break; }
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return [...found];
}

export async function analyzeCommand(args: CliArgs, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (!args.inputs.length) throw new UsageError('analyze needs at least one FILE or DIR');
  for (const [flag] of args.rest) throw new UsageError(`unknown option ${flag}`);
  const analyzer = await Analyzer.create({
    preset: args.preset, modelFiles: [...findWorkspaceModel(args.inputs), ...args.models], defines: args.defines, undefines: args.undefines,
    inference: args.inference, maxStatesPerFunction: args.maxStates,
  });
  let unreadable = 0;
  for (const p of analyzer.modelProblems(args.preset === 'linux' ? 'linux' : 'freebsd')) err(`refcount-lens: ${p.file}:${p.line}:${p.column}: ${p.message}`);
  const files: FileResult[] = [];
  const c = colors(!!process.stdout.isTTY && !process.env.NO_COLOR && !args.output);
  for (const input of args.inputs) {
    if (!fs.existsSync(input)) { err(`refcount-lens: ${input}: no such file or directory`); unreadable++; continue; }
    for (const file of walk(input, { exclude: args.exclude.map(globToRegExp), respectGitignore: args.gitignore })) {
      let text: string;
      try { text = fs.readFileSync(file, 'utf8'); } catch (e) { err(`refcount-lens: ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); unreadable++; continue; }
      const r = analyzer.analyzeText(file, text);
      if (r.error) { err(`refcount-lens: ${file}: ${r.error}`); unreadable++; }
      files.push(r);
      if (args.format === 'text') out(formatFile(r, c) + '\n');
    }
  }
  if (args.format === 'json') out(JSON.stringify({ version: RESULT_VERSION, files }, null, 1) + '\n');
  if (args.format === 'sarif') out(JSON.stringify(toSarif(files, VERSION), null, 1) + '\n');
  if (unreadable) return 2;
  const problems = files.reduce((n, f) => n + f.diagnostics.filter((d) => d.severity !== 'info').length, 0);
  return problems ? 1 : 0;
}

export type SubcommandHandler = (args: CliArgs, out: (s: string) => void, err: (s: string) => void) => Promise<number>;
/** Other subcommands register here (the trace adds `trace`). */
export const SUBCOMMANDS = new Map<string, SubcommandHandler>([['analyze', analyzeCommand]]);

export async function main(argv: string[]): Promise<number> {
  let buffer: string[] | undefined;
  const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : s + '\n');
  try {
    if (!argv.length || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') { process.stdout.write(USAGE + '\n'); return argv.length ? 0 : 2; }
    if (argv[0] === '--version') { process.stdout.write(VERSION + '\n'); return 0; }
    const args = parseArgs(argv);
    const handler = SUBCOMMANDS.get(args.command);
    if (!handler) throw new UsageError(`unknown command "${args.command}" (try: ${[...SUBCOMMANDS.keys()].join(', ')})`);
    if (args.output) buffer = [];
    const out = (s: string) => { if (buffer) buffer.push(s); else process.stdout.write(s); };
    const code = await handler(args, out, err);
    if (buffer && args.output) fs.writeFileSync(args.output, buffer.join(''));
    return code;
  } catch (e) {
    if (e instanceof UsageError) { err(`refcount-lens: ${e.message}\n${USAGE.split('\n')[0]}`); return 2; }
    err(`refcount-lens: ${(e as Error).message}`);
    return 2;
  }
}

export { UsageError, type CliArgs };

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
