/**
 * .gitignore patterns, as git reads them (gitignore(5)):
 * - blank lines and `#` comments are skipped (`\#` is a literal #); trailing
 *   spaces are dropped unless escaped with a backslash;
 * - `!` negates (re-includes) a pattern (`\!` is a literal !);
 * - a trailing `/` matches directories only;
 * - a pattern with a `/` at its start or middle is anchored to the directory of
 *   its .gitignore; otherwise it matches a name at any depth below it;
 * - `*` and `?` never match `/`; `[a-z]`, `[!x]` are classes; `**` in `**∕x`,
 *   `x∕**` and `a∕**∕b` spans directories; other `**` is a plain `*`.
 * The last matching pattern decides, and a deeper .gitignore is read after the
 * ones above it. A file under an ignored directory stays ignored (the walk never
 * enters the directory), as in git.
 */

export interface IgnoreRule {
  pattern: string;
  re: RegExp;
  negate: boolean;
  dirOnly: boolean;
}

/** Compiles one gitignore line; null for blanks and comments. */
export function compileIgnorePattern(line: string): IgnoreRule | null {
  let p = line.replace(/\r$/, '');
  // trailing spaces go unless escaped
  p = p.replace(/(?<!\\)\s+$/, '');
  if (!p || p.startsWith('#')) return null;
  let negate = false;
  if (p.startsWith('!')) {
    negate = true;
    p = p.slice(1);
  } else if (p.startsWith('\\!') || p.startsWith('\\#')) p = p.slice(1);
  let dirOnly = false;
  if (p.endsWith('/') && !p.endsWith('\\/')) {
    dirOnly = true;
    p = p.replace(/\/+$/, '');
  }
  if (!p) return null;
  const anchored = p.includes('/');
  if (p.startsWith('/')) p = p.replace(/^\/+/, '');
  const body = globBody(p);
  const re = new RegExp(`^${anchored ? '' : '(?:.*/)?'}${body}$`);
  return { pattern: line.trim(), re, negate, dirOnly };
}

/** Glob text to regular-expression text, without anchors. */
function globBody(p: string): string {
  let re = '';
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === '*') {
      if (p[i + 1] === '*') {
        const atStart = i === 0 || p[i - 1] === '/';
        let j = i;
        while (p[j] === '*') j++;
        const atEnd = j === p.length || p[j] === '/';
        if (atStart && atEnd) {
          if (j === p.length) {
            re += '.*';
            i = j;
            continue;
          } // "x/**" or "**"
          re += '(?:.*/)?'; // "**/x" or "a/**/b"
          i = j + 1;
          continue;
        }
        re += '[^/]*';
        i = j;
        continue;
      }
      re += '[^/]*';
      i++;
    } else if (c === '?') {
      re += '[^/]';
      i++;
    } else if (c === '[') {
      const close = findClassEnd(p, i);
      if (close < 0) {
        re += '\\[';
        i++;
        continue;
      }
      let cls = p.slice(i + 1, close);
      let neg = false;
      if (cls.startsWith('!') || cls.startsWith('^')) {
        neg = true;
        cls = cls.slice(1);
      }
      cls = cls.replace(/\\(.)/g, '$1').replace(/[\\\]^]/g, '\\$&');
      re += `[${neg ? '^' : ''}${cls}]`;
      i = close + 1;
    } else if (c === '\\' && i + 1 < p.length) {
      re += escapeRe(p[i + 1]);
      i += 2;
    } else {
      re += escapeRe(c);
      i++;
    }
  }
  return re;
}

function findClassEnd(p: string, open: number): number {
  let j = open + 1;
  if (p[j] === '!' || p[j] === '^') j++;
  if (p[j] === ']') j++; // a leading ] is literal
  for (; j < p.length; j++) {
    if (p[j] === '\\') {
      j++;
      continue;
    }
    if (p[j] === ']') return j;
  }
  return -1;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function parseGitignore(text: string): IgnoreRule[] {
  const out: IgnoreRule[] = [];
  for (const line of text.split('\n')) {
    const r = compileIgnorePattern(line);
    if (r) out.push(r);
  }
  return out;
}

/** The ignore files in force for one directory: each with the directory it is relative to. */
export interface IgnoreLayer {
  base: string;
  rules: IgnoreRule[];
}

/**
 * Is `rel(base → path)` ignored? `relFrom(base)` gives the path relative to a
 * layer's base with forward slashes. Last match wins, deeper layers last.
 */
export function isIgnored(layers: readonly IgnoreLayer[], relFrom: (base: string) => string, isDir: boolean): boolean {
  let ignored = false;
  for (const layer of layers) {
    const rel = relFrom(layer.base);
    if (!rel || rel.startsWith('../')) continue;
    for (const r of layer.rules) {
      if (r.dirOnly && !isDir) continue;
      if (r.re.test(rel)) ignored = !r.negate;
    }
  }
  return ignored;
}
