/**
 * What `refcount-lens diff` reads from git: the repository, whether a revision exists, which
 * files changed between two revisions (or a revision and the work tree), and a file's bytes at a
 * revision (`git show REV:path`, no checkout). Every call runs `git` itself, without a shell.
 */
import { spawnSync } from 'node:child_process';

export class GitError extends Error {}

/** Larger blobs are not read whole (the analysis refuses them anyway). */
const MAX_BLOB = 64 * 1024 * 1024;

function git(cwd: string, args: string[], maxBuffer = 1 << 28): { ok: boolean; out: Buffer; err: string } {
  const r = spawnSync('git', args, { cwd, maxBuffer, windowsHide: true });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GitError('git is not installed (or not on PATH)');
    if (code === 'ENOBUFS') return { ok: false, out: Buffer.alloc(0), err: 'ENOBUFS' };
    throw new GitError(`git ${args[0]} failed: ${r.error.message}`);
  }
  return { ok: r.status === 0, out: r.stdout, err: r.stderr.toString('utf8').trim() };
}

/** The top of the work tree holding `cwd`, or undefined when it is not in a git repository. */
export function repositoryRoot(cwd: string): string | undefined {
  const r = git(cwd, ['rev-parse', '--show-toplevel']);
  return r.ok ? r.out.toString('utf8').trim() : undefined;
}

/** The commit a revision names, or undefined when there is no such revision. */
export function resolveRevision(root: string, rev: string): string | undefined {
  if (rev.startsWith('-')) return undefined;
  const r = git(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  return r.ok ? r.out.toString('utf8').trim() : undefined;
}

export interface ChangedFile {
  /** Relative to the repository root, with `/`. */
  path: string;
  /** Its path on the base side when git saw a rename. */
  basePath?: string;
  status: 'added' | 'removed' | 'modified' | 'renamed';
}

/**
 * Files that differ between `base` and `head` (undefined: the work tree, untracked files
 * included), limited to `paths` (pathspecs as the user gave them, relative to `cwd`).
 */
export function changedFiles(cwd: string, base: string, head: string | undefined, paths: string[]): ChangedFile[] {
  const spec = paths.length ? ['--', ...paths] : [];
  const r = git(cwd, [
    'diff',
    '--name-status',
    '-z',
    '-M',
    '--no-ext-diff',
    '--no-textconv',
    base,
    ...(head ? [head] : []),
    ...spec,
  ]);
  if (!r.ok) throw new GitError(`git diff failed: ${r.err || 'no reason given'}`);
  const fields = r.out.toString('utf8').split('\0');
  const out: ChangedFile[] = [];
  for (let i = 0; i + 1 < fields.length; ) {
    const code = fields[i++];
    if (code.startsWith('R') || code.startsWith('C')) {
      const from = fields[i++];
      const to = fields[i++];
      out.push(code.startsWith('R') ? { path: to, basePath: from, status: 'renamed' } : { path: to, status: 'added' });
    } else {
      const p = fields[i++];
      out.push({ path: p, status: code === 'A' ? 'added' : code === 'D' ? 'removed' : 'modified' });
    }
  }
  if (!head) {
    const u = git(cwd, ['ls-files', '--others', '--exclude-standard', '-z', '--full-name', ...spec]);
    if (u.ok)
      for (const p of u.out.toString('utf8').split('\0').filter(Boolean)) out.push({ path: p, status: 'added' });
  }
  return out;
}

/** Whether `path` (relative to the root) is in revision `rev`. */
export function existsAt(root: string, rev: string, path: string): boolean {
  return git(root, ['cat-file', '-e', `${rev}:${path}`]).ok;
}

/** The bytes of `path` (relative to the root) at `rev`; `missing` when it is not there, `tooLarge` past 64 MB. */
export function readAt(root: string, rev: string, path: string): Buffer | 'missing' | 'tooLarge' {
  const r = git(root, ['show', '--no-textconv', `${rev}:${path}`], MAX_BLOB);
  if (r.err === 'ENOBUFS') return 'tooLarge';
  return r.ok ? r.out : 'missing';
}

/** Branches, tags and recent commits to compare with, newest first (for the editor's picker). */
export function revisionChoices(cwd: string, limit = 30): { rev: string; label: string; description: string }[] {
  const out: { rev: string; label: string; description: string }[] = [];
  const refs = git(cwd, [
    'for-each-ref',
    '--sort=-committerdate',
    `--count=${limit}`,
    '--format=%(refname:short)%09%(objectname:short)%09%(contents:subject)',
    'refs/heads',
    'refs/remotes',
    'refs/tags',
  ]);
  if (refs.ok)
    for (const line of refs.out.toString('utf8').split('\n').filter(Boolean)) {
      const [name, sha, subject] = line.split('\t');
      out.push({ rev: name, label: name, description: `${sha} ${subject ?? ''}`.trim() });
    }
  const log = git(cwd, ['log', `--max-count=${limit}`, '--format=%h%x09%s%x09%cr']);
  if (log.ok)
    for (const line of log.out.toString('utf8').split('\n').filter(Boolean)) {
      const [sha, subject, when] = line.split('\t');
      out.push({ rev: sha, label: sha, description: `${subject ?? ''} (${when ?? ''})` });
    }
  return out;
}
