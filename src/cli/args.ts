/** Command-line parsing shared by every subcommand. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { AnalyzerOptions } from '../analysis/analyzer';
import { excludePatterns } from '../files/walk';
import type { IgnoreRule } from '../files/gitignore';

export class UsageError extends Error {}

/** Options of a subcommand that take no value: the word after one is an input, not its value. */
const SUBCOMMAND_SWITCHES = new Set(['--in-place']);

export interface CliArgs {
  command: string;
  inputs: string[];
  format: 'text' | 'json' | 'sarif' | 'html' | 'markdown';
  models: string[];
  preset: AnalyzerOptions['preset'];
  defines: Record<string, string>;
  undefines: string[];
  inference: boolean;
  maxStates?: number;
  maxStatesPerFile?: number;
  exclude: string[];
  gitignore: boolean;
  output?: string;
  /** Worker threads (0: analyse in the main thread). */
  jobs: number;
  /** undefined: a bar when stderr is a TTY; true: also plain lines elsewhere; false: never. */
  progress?: boolean;
  cache: boolean;
  cacheDir?: string;
  /** How calls of functions nobody describes are read (`--unknown-calls`; default: the model's). */
  unknownCalls?: 'evidence' | 'hand-on';
  /** Tree mode: the roots whose files are indexed together (`--root`, repeatable). */
  roots: string[];
  /** Wall-clock watchdog per file, seconds: past it the file gets an error, never a partial result. */
  timeout: number;
  /** Heap limit per worker, MB. */
  maxMemory: number;
  /** Larger files are refused (exit 2), MB. */
  maxFileSize: number;
  summary?: boolean;
  /** Options this parser does not know, for a subcommand to read (or reject). */
  rest: Map<string, string[]>;
  /** Where `--` stood among the inputs: the ones from there on came after it (never read as options). */
  dashDash?: number;
}

export function defaultJobs(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, n);
}

export function parseArgs(argv: string[]): CliArgs {
  const a: CliArgs = {
    command: argv[0] ?? '',
    inputs: [],
    format: 'text',
    models: [],
    preset: 'auto',
    defines: {},
    undefines: [],
    inference: true,
    exclude: [],
    gitignore: true,
    jobs: defaultJobs(),
    cache: true,
    timeout: 60,
    maxMemory: 512,
    maxFileSize: 2,
    rest: new Map(),
    roots: [],
  };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const whole = (flag: string, v: string, min: number) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min)
      throw new UsageError(`${flag} takes a whole number${min > 0 ? ` of at least ${min}` : ''}, not "${v}"`);
    return n;
  };
  for (let i = 1; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--') {
      a.dashDash = a.inputs.length;
      a.inputs.push(...argv.slice(i + 1));
      break;
    }
    const [flag, inline] =
      x.startsWith('--') && x.includes('=')
        ? [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)]
        : [x, undefined];
    const take = () => (inline !== undefined ? inline : value(i++, flag));
    switch (flag) {
      case '--format': {
        const f = take();
        if (!['text', 'json', 'sarif', 'html', 'markdown'].includes(f))
          throw new UsageError(`--format is text, json, sarif, html (trace only) or markdown (diff only), not "${f}"`);
        a.format = f as CliArgs['format'];
        break;
      }
      case '--model':
        a.models.push(take());
        break;
      case '--preset': {
        const p = take();
        if (!['freebsd', 'linux', 'auto'].includes(p))
          throw new UsageError(`--preset is freebsd, linux or auto, not "${p}"`);
        a.preset = p as CliArgs['preset'];
        break;
      }
      case '--define':
      case '-D': {
        const d = take();
        const eq = d.indexOf('=');
        a.defines[eq < 0 ? d : d.slice(0, eq)] = eq < 0 ? '' : d.slice(eq + 1);
        break;
      }
      case '--undef':
      case '-U':
        a.undefines.push(take());
        break;
      case '--no-inference':
        a.inference = false;
        break;
      case '--max-states':
        a.maxStates = whole('--max-states', take(), 1);
        break;
      case '--max-states-per-file':
        a.maxStatesPerFile = whole('--max-states-per-file', take(), 1);
        break;
      case '--exclude':
        a.exclude.push(take());
        break;
      case '--no-gitignore':
        a.gitignore = false;
        break;
      case '--output':
      case '-o':
        a.output = take();
        break;
      case '--jobs':
      case '-j':
        a.jobs = whole('--jobs', take(), 0);
        break;
      case '--progress':
        a.progress = true;
        break;
      case '--no-progress':
        a.progress = false;
        break;
      case '--no-cache':
        a.cache = false;
        break;
      case '--unknown-calls': {
        const u = take();
        if (u !== 'evidence' && u !== 'hand-on')
          throw new UsageError(`--unknown-calls is evidence or hand-on, not "${u}"`);
        a.unknownCalls = u;
        break;
      }
      case '--root':
        a.roots.push(take());
        break;
      case '--cache-dir':
        a.cacheDir = take();
        break;
      case '--timeout':
        a.timeout = whole('--timeout', take(), 1);
        break;
      case '--max-memory':
        a.maxMemory = whole('--max-memory', take(), 64);
        break;
      case '--max-file-size':
        a.maxFileSize = whole('--max-file-size', take(), 1);
        break;
      case '--no-summary':
        a.summary = false;
        break;
      case '--summary':
        a.summary = true;
        break;
      default:
        if (x.startsWith('-') && x.length > 1) {
          const list = a.rest.get(flag) ?? [];
          const takesValue = !SUBCOMMAND_SWITCHES.has(flag) && argv[i + 1] && !argv[i + 1].startsWith('-');
          list.push(inline ?? (takesValue ? argv[++i] : 'true'));
          a.rest.set(flag, list);
        } else a.inputs.push(x);
    }
  }
  return a;
}

/** Every `--root` names a directory, or the command is misused. */
export function checkRoots(roots: readonly string[]): void {
  const isDir = (r: string) => {
    try {
      return fs.statSync(r).isDirectory();
    } catch {
      return false;
    }
  };
  for (const r of roots) if (!isDir(r)) throw new UsageError(`--root ${r}: not a directory`);
}

/** The `--exclude` patterns; a pattern that cannot be read is a usage error. */
export function excludeOf(args: Pick<CliArgs, 'exclude'>): IgnoreRule[] {
  try {
    return excludePatterns(args.exclude);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
