/**
 * refcount-lens diff OLD.c NEW.c
 * refcount-lens diff BASE [HEAD] [-- PATHS...]   (in a git repository; HEAD defaults to the work tree)
 * What a change does to reference counts: the functions whose counted result differs, the
 * problems it fixes, introduces and leaves, and the lifecycle verdicts before and after.
 * Exit 0 when it introduces no problem, 1 when it does, 2 for bad usage, a revision that does
 * not exist, or a file that could not be compared (each said on stderr; the rest goes on).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer } from '../analysis/analyzer';
import { combineReviews } from '../analysis/review/compare';
import type { FileReview, Review, ReviewProblem } from '../analysis/review/types';
import { readModelSources } from '../files/model-files';
import { parserWasm } from '../files/parser-wasm';
import { changedFiles, existsAt, GitError, readAt, repositoryRoot, resolveRevision } from '../files/git';
import { builtinScenario, BUILTIN_SCENARIOS } from '../trace/builtin-scenarios';
import { reviewToMarkdown } from '../view/review-markdown';
import { checkRoots, excludeOf, UsageError, type CliArgs } from './args';
import { analyzerOptionsFor, findWorkspaceModel, VERSION } from './analyze';
import {
  analyseTreeSides,
  compareRevisions,
  compareSides,
  type FilePlan,
  type RevisionFile,
  type ScenarioChoice,
  type Scenarios,
  type TreeSide,
  type TreeSides,
} from './diff-sides';
import { formatReview } from './diff-text';
import { reviewToSarif } from './diff-sarif';
import { colors } from './format-text';
import { SUBCOMMANDS } from './subcommands';
import { TreeSession } from './tree-session';
import { isCSource } from '../files/walk';

export const DIFF_USAGE = `usage: refcount-lens diff OLD.c NEW.c [options]
       refcount-lens diff BASE [HEAD] [-- PATHS...] [options]
  In a git repository: the C files that differ between revisions BASE and HEAD (HEAD defaults to
  the work tree), read with git (no checkout), limited to PATHS.
  --root DIR              tree mode (repeatable): each side is analysed with its whole tree (callees in
                          other files, the headers); two files: the before side is the tree with NEW.c's
                          text replaced by OLD.c's; revisions: each side is the tree at its revision (the work
                          tree, with the C files and headers that differ read from git); the index is shared
                          (--cache-dir DIR/index), so the part the change left alone is analysed once
  --format text|json|markdown|sarif   (SARIF 2.1.0 with baselineState new/unchanged/updated/absent)
  --scenario NAME|FILE    a lifecycle scenario to compare (repeatable; default: the built-ins that reach the file)
  --no-trace              compare no lifecycle verdicts
  --model, --preset, --define, --undef, --no-inference, --max-states, --max-states-per-file,
  --max-file-size, --output as for analyze; with --root also --exclude, --no-gitignore, --jobs, --no-cache,
  --cache-dir
exit status: 0 the change introduces no problem (it may fix some), 1 it introduces one (an error or
warning, or a lifecycle verdict turned bad), 2 bad usage, no such revision, or a file not compared`;

const KNOWN = new Set(['--scenario', '--no-trace', '--help', '--root']);

interface Plan {
  base: string;
  head: string;
  files: FilePlan[];
  problems: ReviewProblem[];
  /** Where to look for a .refcount-lens.json. */
  modelRoots: string[];
  /** What the report's relative paths are relative to. */
  srcRoot: string;
  /** Tree mode (`--root`): each side's tree. */
  tree?: TreeSides;
}

export async function diffCommand(args: CliArgs, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  for (const [flag] of args.rest) if (!KNOWN.has(flag)) throw new UsageError(`unknown option ${flag} for diff`);
  if (args.rest.has('--help')) {
    out(DIFF_USAGE + '\n');
    return 0;
  }
  checkRoots(args.roots);
  const exclude = excludeOf(args);
  if (args.format === 'html') throw new UsageError('diff writes text, json, markdown or sarif, not html');
  const scenarios: Scenarios = args.rest.has('--no-trace')
    ? { list: [], keep: 'all' }
    : chooseScenarios(args.rest.get('--scenario') ?? []);

  let plan: Plan;
  try {
    plan = planDiff(args);
  } catch (e) {
    if (e instanceof Refusal || e instanceof GitError) {
      err(`refcount-lens: ${e.message}`);
      return 2;
    }
    throw e;
  }

  const modelFiles = [...findWorkspaceModel([...plan.modelRoots, ...args.roots]), ...args.models];
  const modelSources = readModelSources(modelFiles);
  // the lifecycle trace reads each function's parameters and calls
  const options = { ...analyzerOptionsFor(args, modelSources), callSites: scenarios.list.length > 0 };
  let reviews: FileReview[];
  if (plan.tree) {
    const session = new TreeSession({
      args,
      options,
      modelSources,
      modelFiles,
      exclude,
      warn: (m) => err(`refcount-lens: ${m}`),
    });
    try {
      const sides = await analyseTreeSides(session, plan.files, plan.tree);
      const left = new Set(plan.files);
      // a file the change left alone is listed only when its counts, problems or verdicts changed
      reviews = compareSides(sides.plans, sides.results, scenarios).filter(
        (r, i) => left.has(sides.plans[i]) || changedAnything(r),
      );
      for (const r of reviews)
        if (r.status === 'unchanged' && !plan.files.some((f) => f.file === r.file))
          r.problems.push({
            file: r.file,
            severity: 'note',
            message: 'the change left this file alone: it calls functions whose counts the change made different',
          });
    } finally {
      await session.close();
    }
  } else reviews = compareRevisions(await Analyzer.create(options, parserWasm()), plan.files, scenarios);
  for (const r of reviews) r.problems.unshift(...plan.problems.filter((p) => p.file === r.file));
  const review = combineReviews(reviews, plan.base, plan.head);
  review.problems.push(...plan.problems.filter((p) => !plan.files.some((f) => f.file === p.file)));

  const tty = !!process.stdout.isTTY && !process.env.NO_COLOR && !args.output;
  switch (args.format) {
    case 'json':
      out(JSON.stringify(review, null, 1) + '\n');
      break;
    case 'markdown':
      out(reviewToMarkdown(review));
      break;
    case 'sarif':
      out(JSON.stringify(reviewToSarif(review, VERSION, plan.srcRoot), null, 1) + '\n');
      break;
    default:
      out(formatReview(review, colors(tty)));
  }
  if (args.format !== 'text')
    for (const p of review.problems.filter((x) => x.severity !== 'note'))
      err(`refcount-lens: ${p.file}${p.side ? ` (${p.side})` : ''}: ${p.message}`);
  return exitStatus(review);
}

/**
 * A file the change left alone is listed when its counts, problems or verdicts changed; one the
 * analysis could not take is not the change's business (it must not fail the gate).
 */
function changedAnything(r: FileReview): boolean {
  const d = r.diagnostics;
  if (!r.compared) return false;
  return (
    !!(r.functions.length || d.fixed.length || d.introduced.length || d.updated.length) ||
    r.trace.some((t) => t.changed)
  );
}

/** 1 when the change introduces a problem; else 2 when a file could not be compared; else 0. */
export function exitStatus(review: Review): number {
  if (review.introducesProblems) return 1;
  if (review.problems.some((p) => p.severity === 'error')) return 2;
  return 0;
}

/** Input the diff cannot go on with (its message goes to stderr, exit 2). */
class Refusal extends Error {}

function chooseScenarios(given: string[]): Scenarios {
  if (!given.length) return { list: BUILTIN_SCENARIOS.map((s) => ({ name: s.name })), keep: 'reached' };
  const list = given.map((arg): ScenarioChoice => {
    if (arg === 'true') throw new UsageError('--scenario needs a value');
    if (builtinScenario(arg)) return { name: arg };
    try {
      return { name: path.basename(arg).replace(/\.(rlscenario|json)$/, ''), text: fs.readFileSync(arg, 'utf8') };
    } catch {
      const names = BUILTIN_SCENARIOS.map((s) => s.name).join(', ');
      throw new UsageError(`no built-in scenario "${arg}" and no such file (built-ins: ${names})`);
    }
  });
  return { list, keep: 'all' };
}

function planDiff(args: CliArgs): Plan {
  const before = args.dashDash ?? args.inputs.length;
  const revs = args.inputs.slice(0, before);
  const paths = args.inputs.slice(before);
  if (!revs.length) throw new UsageError('diff needs two files (OLD.c NEW.c) or a BASE revision');
  if (revs.length === 2 && args.dashDash === undefined && revs.some(looksLikeFile)) return planFiles(revs, args);
  return planRevisions(revs, paths, args);
}

function isRevision(arg: string): boolean {
  const root = repositoryRoot(process.cwd());
  return !!root && resolveRevision(root, arg) !== undefined;
}

function looksLikeFile(arg: string): boolean {
  return fs.existsSync(arg) ? !fs.statSync(arg).isDirectory() : isCSource(arg);
}

/** `diff OLD.c NEW.c`: two files from disk. */
function planFiles([oldFile, newFile]: string[], args: CliArgs): Plan {
  const read = (file: string): RevisionFile => {
    try {
      const st = fs.statSync(file);
      if (st.isDirectory()) throw new Refusal(`${file}: diff compares two files, not a directory`);
      return { path: file, ...decode(fs.readFileSync(file), args) };
    } catch (e) {
      if (e instanceof Refusal) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && isRevision(file)) {
        const other = file === oldFile ? newFile : oldFile;
        throw new Refusal(`"${file}" is a revision, not a file: to compare a file with it, diff ${file} -- ${other}`);
      }
      throw new Refusal(
        `${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (e as Error).message})`}`,
      );
    }
  };
  const base = read(oldFile);
  const head = read(newFile);
  return {
    base: oldFile,
    head: newFile,
    files: [{ file: newFile, basePath: oldFile, status: 'modified', base, head }],
    problems: [],
    modelRoots: [oldFile, newFile],
    srcRoot: process.cwd(),
    tree: args.roots.length ? filesAsTrees(oldFile, newFile, base, head) : undefined,
  };
}

/**
 * `diff OLD.c NEW.c --root DIR`: the head side is the tree with NEW.c as it is, the base side the
 * same tree with OLD.c's text in NEW.c's place. OLD.c, when the tree holds it too, is left out
 * of both: its functions are NEW.c's before the change, not other functions of the tree.
 */
function filesAsTrees(oldFile: string, newFile: string, base: RevisionFile, head: RevisionFile): TreeSides {
  const at = path.resolve(newFile);
  const side = (f: RevisionFile): TreeSide => {
    const overlay = new Map<string, string | null>();
    if (path.resolve(oldFile) !== at) overlay.set(path.resolve(oldFile), null);
    if (f.text !== undefined) overlay.set(at, f.text);
    return { overlay, paths: [at] };
  };
  const nameOf = (f: string) => path.relative(process.cwd(), f).split(path.sep).join('/');
  return { base: side(base), head: side(head), nameOf };
}

/** `diff BASE [HEAD] [-- PATHS]`: the C files that differ, each read at its revision. */
function planRevisions(revs: string[], paths: string[], args: CliArgs): Plan {
  if (revs.length > 2)
    throw new UsageError(`diff takes at most two revisions before --, not ${revs.length} (${revs.join(' ')})`);
  const cwd = process.cwd();
  const root = repositoryRoot(cwd);
  if (!root)
    throw new Refusal(
      `${revs.length === 1 ? `"${revs[0]}" is not a file, and ` : ''}` +
        'this is not a git repository: give two files (diff OLD.c NEW.c), or run it inside a repository',
    );
  const [baseRev, headRev] = revs;
  const base = resolveRevision(root, baseRev);
  if (!base) throw new Refusal(`no revision "${baseRev}" in this repository (${root})`);
  const head = headRev !== undefined ? resolveRevision(root, headRev) : undefined;
  if (headRev !== undefined && !head) throw new Refusal(`no revision "${headRev}" in this repository (${root})`);
  const headName = headRev ?? 'the work tree';
  const changed = changedFiles(cwd, base, head, paths).filter(
    (c) => isCSource(c.path) || (c.basePath !== undefined && isCSource(c.basePath)),
  );
  const problems: ReviewProblem[] = [];
  const files: FilePlan[] = changed.map((c) => {
    const basePath = c.basePath ?? c.path;
    const plan: FilePlan = { file: c.path, status: c.status };
    if (c.basePath) plan.basePath = c.basePath;
    if (c.status !== 'added') plan.base = readRevision(root, base, baseRev, basePath, args);
    if (c.status !== 'removed')
      plan.head = head ? readRevision(root, head, headName, c.path, args) : readWorkTree(root, c.path, args);
    if (c.status === 'added')
      problems.push({
        file: c.path,
        severity: 'note',
        message: `not in ${baseRev}: compared with an empty file, so its problems count as introduced`,
      });
    if (c.status === 'removed')
      problems.push({
        file: c.path,
        severity: 'note',
        message: `not in ${headName}: compared with an empty file, so its problems count as fixed`,
      });
    return plan;
  });
  // a path the user named that is on neither side says so (one that did not change is simply not listed)
  for (const p of paths) {
    if (/[*?[]/.test(p) || p.startsWith(':')) continue;
    const abs = path.resolve(cwd, p);
    if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) continue;
    const rel = path.relative(root, abs).split(path.sep).join('/');
    if (changed.some((c) => c.path === rel || c.basePath === rel)) continue;
    const inHead = head ? existsAt(root, head, rel) : fs.existsSync(abs);
    if (!inHead && !existsAt(root, base, rel))
      problems.push({ file: rel, severity: 'error', message: `in neither ${baseRev} nor ${headName}` });
  }
  return {
    base: baseRev,
    head: headRev ?? 'working tree',
    files,
    problems,
    modelRoots: [root],
    srcRoot: root,
    tree: args.roots.length
      ? {
          base: revisionAsTree(root, base, baseRev, files, 'base', args),
          head: head ? revisionAsTree(root, head, headRev!, files, 'head', args) : workTreeAsTree(root, files),
          nameOf: (f) => path.relative(root, f).split(path.sep).join('/'),
        }
      : undefined,
  };
}

/**
 * The tree at revision `rev`: the work tree under the roots, with every C file and header that
 * differs between `rev` and the work tree read from git (`git diff REV` against the work tree,
 * untracked files included: those are absent at `rev`). Reading only what differs keeps the
 * paths of both sides the user's own, so the index knows the files neither side changed, and
 * needs no checkout of a whole tree per side (a kernel's is tens of thousands of files); it is
 * exact for the files the walk takes, since each of them is either read from git or the same
 * in the work tree as at `rev`.
 */
function revisionAsTree(
  root: string,
  rev: string,
  revName: string,
  files: FilePlan[],
  key: 'base' | 'head',
  args: CliArgs,
): TreeSide {
  const overlay = new Map<string, string | null>();
  const specs = rootPathspecs(root, args.roots);
  const differ = specs ? changedFiles(root, rev, undefined, specs) : [];
  for (const c of differ) {
    // renames are pairs here: the work tree's name is absent at rev, the rev's name present
    if (c.status === 'renamed' || c.status === 'added')
      if (isCSource(c.path)) overlay.set(path.join(root, c.path), null);
    const atRev = c.status === 'renamed' ? c.basePath! : c.status === 'added' ? undefined : c.path;
    if (atRev === undefined || !isCSource(atRev)) continue;
    const f = readRevision(root, rev, revName, atRev, args);
    overlay.set(path.join(root, atRev), f.text ?? null);
  }
  return withPlanTexts(root, overlay, files, key);
}

/** The work tree as it is under the roots; the plans' head texts (read from it) in their places. */
function workTreeAsTree(root: string, files: FilePlan[]): TreeSide {
  return withPlanTexts(root, new Map(), files, 'head');
}

/** A side's overlay with the texts the diff compares in their places, so both read the same text. */
function withPlanTexts(
  root: string,
  overlay: Map<string, string | null>,
  files: FilePlan[],
  key: 'base' | 'head',
): TreeSide {
  const paths = files.map((f) => {
    const name = key === 'base' ? (f.basePath ?? f.file) : f.file;
    const side = f[key];
    if (!side) return undefined;
    const abs = path.join(root, name);
    if (side.text !== undefined) overlay.set(abs, side.text);
    return abs;
  });
  return { overlay, paths };
}

/**
 * The roots as git pathspecs relative to the repository root: undefined when none is inside the
 * repository (then no file of the tree differs between revisions); a root holding the whole
 * repository is the whole repository.
 */
function rootPathspecs(root: string, roots: string[]): string[] | undefined {
  const specs: string[] = [];
  for (const r of roots) {
    const rel = path.relative(root, path.resolve(r));
    if (!rel) return [];
    if (rel.startsWith('..') && !path.relative(path.resolve(r), root).startsWith('..')) return [];
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) specs.push(`:(top)${rel.split(path.sep).join('/')}`);
  }
  return specs.length ? specs : undefined;
}

function readRevision(root: string, rev: string, revName: string, file: string, args: CliArgs): RevisionFile {
  const bytes = readAt(root, rev, file);
  if (bytes === 'missing') return { path: file, error: `cannot be read at ${revName}` };
  if (bytes === 'tooLarge')
    return { path: file, error: `file too large (over 64 MB; the limit is ${args.maxFileSize} MB)` };
  return { path: file, ...decode(bytes, args) };
}

function readWorkTree(root: string, file: string, args: CliArgs): RevisionFile {
  try {
    return { path: file, ...decode(fs.readFileSync(path.join(root, file)), args) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { path: file, error: code === 'ENOENT' ? 'not in the work tree' : `cannot read (${code})` };
  }
}

function decode(bytes: Buffer, args: CliArgs): { text?: string; error?: string } {
  if (bytes.length > args.maxFileSize * 1048576) return { error: tooLarge(bytes.length, args) };
  return { text: bytes.toString('utf8') };
}

function tooLarge(size: number, args: CliArgs): string {
  return `file too large (${(size / 1048576).toFixed(1)} MB; the limit is ${args.maxFileSize} MB, --max-file-size)`;
}

SUBCOMMANDS.set('diff', diffCommand);
