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
import type { Review, ReviewProblem } from '../analysis/review/types';
import { readModelSources } from '../files/model-files';
import { parserWasm } from '../files/parser-wasm';
import { changedFiles, existsAt, GitError, readAt, repositoryRoot, resolveRevision } from '../files/git';
import { builtinScenario, BUILTIN_SCENARIOS } from '../trace/builtin-scenarios';
import { reviewToMarkdown } from '../view/review-markdown';
import { UsageError, type CliArgs } from './args';
import { findWorkspaceModel, VERSION } from './analyze';
import { compareRevisions, type FilePlan, type RevisionFile, type ScenarioChoice, type Scenarios } from './diff-sides';
import { formatReview } from './diff-text';
import { reviewToSarif } from './diff-sarif';
import { colors } from './format-text';
import { SUBCOMMANDS } from './subcommands';
import { isCSource } from '../files/walk';

export const DIFF_USAGE = `usage: refcount-lens diff OLD.c NEW.c [options]
       refcount-lens diff BASE [HEAD] [-- PATHS...] [options]
  In a git repository: the C files that differ between revisions BASE and HEAD (HEAD defaults to
  the work tree), read with git (no checkout), limited to PATHS.
  --format text|json|markdown|sarif   (SARIF 2.1.0 with baselineState new/unchanged/updated/absent)
  --scenario NAME|FILE    a lifecycle scenario to compare (repeatable; default: the built-ins that reach the file)
  --no-trace              compare no lifecycle verdicts
  --model, --preset, --define, --undef, --no-inference, --max-states, --max-states-per-file,
  --max-file-size, --output as for analyze
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
}

export async function diffCommand(args: CliArgs, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  for (const [flag] of args.rest) if (!KNOWN.has(flag)) throw new UsageError(`unknown option ${flag} for diff`);
  if (args.rest.has('--help')) {
    out(DIFF_USAGE + '\n');
    return 0;
  }
  if (args.rest.has('--root'))
    throw new UsageError('diff --root (each side as a whole tree) is not in this build: give files or revisions');
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

  const analyzer = await Analyzer.create(
    {
      preset: args.preset,
      modelSources: readModelSources([...findWorkspaceModel(plan.modelRoots), ...args.models]),
      defines: args.defines,
      undefines: args.undefines,
      inference: args.inference,
      maxStatesPerFunction: args.maxStates,
      maxStatesPerFile: args.maxStatesPerFile,
      maxFileSize: args.maxFileSize * 1048576,
      // the lifecycle trace reads each function's parameters and calls
      callSites: scenarios.list.length > 0,
    },
    parserWasm(),
  );
  const reviews = compareRevisions(analyzer, plan.files, scenarios);
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
  };
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
  };
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
