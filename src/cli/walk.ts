/** Finds the C files under the paths given on the command line. */
import * as fs from 'fs';
import * as path from 'path';

export interface WalkOptions { exclude: RegExp[]; respectGitignore: boolean }

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') { if (glob[i + 1] === '*') { re += '.*'; i++; if (glob[i + 1] === '/') i++; } else re += '[^/]*'; }
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(glob.includes('/') ? `(^|/)${re}$` : `(^|/)${re}(/|$)`);
}

function readIgnore(dir: string): RegExp[] {
  try {
    return fs.readFileSync(path.join(dir, '.gitignore'), 'utf8').split('\n').map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!')).map((l) => globToRegExp(l.replace(/^\//, '').replace(/\/$/, '')));
  } catch { return []; }
}

export function* walk(p: string, opts: WalkOptions, inherited: RegExp[] = [], base = p): Generator<string> {
  let st: fs.Stats;
  try { st = fs.statSync(p); } catch { yield p; return; }
  const rel = path.relative(base, p).split(path.sep).join('/');
  if (rel && opts.exclude.some((r) => r.test(rel))) return;
  if (!st.isDirectory()) { yield p; return; }
  const ignores = opts.respectGitignore ? [...inherited, ...readIgnore(p).map((r) => ({ r, dir: p }))] as unknown as RegExp[] : inherited;
  let entries: fs.Dirent[];
  try { entries = fs.readdirSync(p, { withFileTypes: true }); } catch { return; }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name === '.git' || e.name === 'node_modules') continue;
    const child = path.join(p, e.name);
    const childRel = path.relative(base, child).split(path.sep).join('/');
    if ((ignores as unknown as { r: RegExp; dir: string }[]).some(({ r, dir }) => r.test(path.relative(dir, child).split(path.sep).join('/')))) continue;
    if (opts.exclude.some((r) => r.test(childRel))) continue;
    if (e.isDirectory()) yield* walk(child, opts, ignores, base);
    else if (e.isFile() && /\.(c|h)$/.test(e.name)) yield child;
  }
}
