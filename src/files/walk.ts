/**
 * Finds the C files under the paths the CLI is given, or under the editor's workspace
 * folders (the language server's index).
 *
 * A file named on the command line is always analysed. A directory is walked in
 * name order (so output is stable), taking `.c` and `.h` files, skipping `.git`,
 * directories reached through symbolic links (no cycles), paths ignored by git
 * (every .gitignore from the repository root down, and .git/info/exclude), and
 * paths matching an `--exclude` pattern (gitignore syntax, tried on the path
 * relative to the walked directory and relative to the working directory).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileIgnorePattern, isIgnored, parseGitignore, type IgnoreLayer, type IgnoreRule } from './gitignore';

export interface WalkOptions {
  /** --exclude patterns (gitignore syntax). */
  exclude: IgnoreRule[];
  respectGitignore: boolean;
  /** For --exclude patterns written relative to it (default process.cwd()). */
  cwd?: string;
  /** Which files count as C (default .c and .h). */
  isSource?: (name: string) => boolean;
  /**
   * Told of a directory the walk cannot list; without it, it is passed over in silence. (A link
   * named like a C file that loops or leads nowhere is yielded: its reader says why it fails.)
   */
  skipped?: (file: string, why: string) => void;
}

const errnoOf = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

export const isCSource = (name: string) => /\.[ch]$/.test(name);

/** Compiles --exclude values; a bad pattern is a usage error. */
export function excludePatterns(globs: string[]): IgnoreRule[] {
  return globs.map((g) => {
    const r = compileIgnorePattern(g.replace(/^(\.\/)+/, '/'));
    if (!r) throw new Error(`--exclude "${g}" is not a pattern`);
    return r;
  });
}

const posix = (p: string) => p.split(path.sep).join('/');

function readLayer(dir: string, file = '.gitignore'): IgnoreLayer | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, file), 'utf8');
  } catch {
    return undefined;
  }
  const rules = parseGitignore(text);
  return rules.length ? { base: dir, rules } : undefined;
}

/** The repository root above `dir` (a directory holding `.git`), if any. */
export function findRepoRoot(dir: string): string | undefined {
  let d = path.resolve(dir);
  for (;;) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

/** Ignore layers that apply to `dir` from above it: the repository root's down to dir's parent. */
function ancestorLayers(dir: string): IgnoreLayer[] {
  const root = findRepoRoot(dir);
  if (!root) return [];
  const layers: IgnoreLayer[] = [];
  const info = readLayer(path.join(root, '.git', 'info'), 'exclude');
  if (info) layers.push({ base: root, rules: info.rules });
  const chain: string[] = [];
  for (let d = path.resolve(dir); d !== root; d = path.dirname(d)) {
    chain.unshift(d);
    if (path.dirname(d) === d) break;
  }
  chain.unshift(root);
  for (const d of chain.slice(0, -1)) {
    const l = readLayer(d);
    if (l) layers.push(l);
  }
  return layers;
}

/**
 * Yields the files to analyse for one command-line input, in a stable order.
 * Ignored directories are never entered.
 */
export function* walk(input: string, opts: WalkOptions): Generator<string> {
  let st: fs.Stats;
  try {
    st = fs.statSync(input);
  } catch {
    yield input;
    return;
  } // the caller reports it
  if (!st.isDirectory()) {
    yield input;
    return;
  }
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const root = path.resolve(input);
  const isSource = opts.isSource ?? isCSource;
  const layers: IgnoreLayer[] = opts.respectGitignore ? ancestorLayers(root) : [];
  // the input itself may be ignored from above; a directory named on the command line is walked anyway

  const excluded = (abs: string, isDir: boolean) => {
    if (!opts.exclude.length) return false;
    const fromRoot = posix(path.relative(root, abs));
    const fromCwd = posix(path.relative(cwd, abs));
    for (const r of opts.exclude) {
      if (r.dirOnly && !isDir) continue;
      if (r.re.test(fromRoot) || (!fromCwd.startsWith('../') && r.re.test(fromCwd))) return true;
    }
    return false;
  };

  function* dir(abs: string, shown: string, inherited: IgnoreLayer[]): Generator<string> {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch (e) {
      opts.skipped?.(shown, `a directory that cannot be listed (${errnoOf(e)})`);
      return;
    }
    let here = inherited;
    if (opts.respectGitignore) {
      const l = readLayer(abs);
      if (l) here = [...inherited, l];
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name === '.git') continue;
      const childAbs = path.join(abs, e.name);
      const childShown = path.join(shown, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        // follow links to files; never links to directories (cycles)
        try {
          const t = fs.statSync(childAbs);
          isFile = t.isFile();
          isDir = false;
        } catch {
          // a broken link or a loop of links: named, so that whoever reads it says why it could not
          isFile = true;
          isDir = false;
        }
      }
      if (!isDir && !(isFile && isSource(e.name))) continue;
      if (here.length && isIgnored(here, (base) => posix(path.relative(base, childAbs)), isDir)) continue;
      if (excluded(childAbs, isDir)) continue;
      if (isDir) yield* dir(childAbs, childShown, here);
      else yield childShown;
    }
  }
  yield* dir(root, input, layers);
}

/** All files of all inputs, in command-line order, each once. */
export function* walkAll(inputs: string[], opts: WalkOptions): Generator<string> {
  const seen = new Set<string>();
  for (const i of inputs) {
    for (const f of walk(i, opts)) {
      const key = path.resolve(f);
      if (seen.has(key)) continue;
      seen.add(key);
      yield f;
    }
  }
}
