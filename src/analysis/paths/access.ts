/**
 * Access paths: how the analysis names an object. `dev`, `*dev`, `tp->tun_dev`,
 * `args.mda_flags`. A key is the root's unique id plus segments; `(&x)->f` and
 * `x.f` have the same key.
 */
import type { Seg } from '../model/compiled';
import type { VarDecl } from '../cfg/cfg';

export type PathSeg = Seg | '&' | '[]';

export interface AccessPath {
  /** Variable id (`dev`, `dev#2`), `g:name` for a global, `$c123` for a call's result. */
  root: string;
  segs: PathSeg[];
}

export function extend(p: AccessPath, seg: PathSeg): AccessPath {
  const last = p.segs[p.segs.length - 1];
  if (seg === '*' && last === '&') return { root: p.root, segs: p.segs.slice(0, -1) };
  if (seg === '&' && last === '*') return { root: p.root, segs: p.segs.slice(0, -1) };
  return { root: p.root, segs: [...p.segs, seg] };
}

export function keyOf(p: AccessPath): string {
  return p.segs.length ? `${p.root}/${p.segs.join('/')}` : p.root;
}

const parsedKeys = new Map<string, AccessPath>();

/** Access paths are never mutated, so one parsed copy per key serves every state. */
export function parseKey(key: string): AccessPath {
  let p = parsedKeys.get(key);
  if (!p) {
    const parts = key.split('/');
    p = { root: parts[0], segs: parts.slice(1) as PathSeg[] };
    if (parsedKeys.size > 50000) parsedKeys.clear();
    parsedKeys.set(key, p);
  }
  return p;
}

const keyShapes = new Map<string, { root: string; lastField: string | undefined }>();

/** The root of a key and its last field segment (`.f`), if any. */
export function keyShape(key: string): { root: string; lastField: string | undefined } {
  let s = keyShapes.get(key);
  if (!s) {
    const p = parseKey(key);
    let lastField: string | undefined;
    for (let i = p.segs.length - 1; i >= 0; i--)
      if (p.segs[i].startsWith('.')) {
        lastField = p.segs[i];
        break;
      }
    s = { root: p.root, lastField };
    if (keyShapes.size > 50000) keyShapes.clear();
    keyShapes.set(key, s);
  }
  return s;
}

/**
 * The object a local held when a later assignment overwrote it (a loop's next iteration):
 * kept under its own key and name so its references are still checked. The checks read
 * them back as the variable's own.
 */
export function overwrittenKey(key: string, line: number): string {
  return `${key}~${line}`;
}
export function overwrittenDisplay(name: string, line: number): string {
  return `${name} (overwritten at line ${line})`;
}
/** The mark overwrittenKey leaves, at the end of a key or before the rest of a longer one (`o/*\/.dev~41/*\/.x`). */
const OVERWRITE_MARK = /~(\d+)(?=\/|$)/;
/** The key the value had before it was overwritten: for a parameter's field, its value on entry. */
export function keyBeforeOverwrite(key: string): string {
  return key.includes('~') ? key.replace(new RegExp(OVERWRITE_MARK, 'g'), '') : key;
}
/** The first overwrite in a key: the key without its mark, and the line of the overwrite. */
export function splitOverwrite(key: string): { key: string; line: number } | undefined {
  const m = key.includes('~') ? OVERWRITE_MARK.exec(key) : null;
  return m ? { key: key.slice(0, m.index) + key.slice(m.index + m[0].length), line: Number(m[1]) } : undefined;
}
export function displayBeforeOverwrite(name: string): string {
  return name.replace(/ \(overwritten at line \d+\)$/, '');
}
/** `name` with the line of each overwrite it shows moved by `mv` (a result placed at other lines). */
export function moveOverwriteLines(name: string, mv: (line: number) => number): string {
  // a cached result is kept relative to its function's first line, so a mark a callee's summary brought
  // from a line above the function is negative there, and must move back with the rest
  return name.includes(' (overwritten at line ')
    ? name.replace(/ \(overwritten at line (-?\d+)\)/g, (_, n) => overwrittenDisplay('', mv(Number(n))))
    : name;
}

/** True when `key` is `prefix` or lies under it. */
/** `p->member` -> the key of `p`, whose object embeds the member; undefined for anything else. */
export function embeddingObject(p: AccessPath): string | undefined {
  const n = p.segs.length;
  if (n < 2 || p.segs[n - 2] !== '*' || !String(p.segs[n - 1]).startsWith('.')) return undefined;
  return keyOf({ root: p.root, segs: p.segs.slice(0, -2) });
}

export function under(key: string, prefix: string): boolean {
  return key === prefix || key.startsWith(prefix + '/');
}

export function rootName(root: string, decls: ReadonlyMap<string, VarDecl>): string {
  if (root.startsWith('g:')) return root.slice(2);
  if (root.startsWith('e:')) return root.slice(2);
  return decls.get(root)?.name ?? root;
}

/** C spelling of a path: `*dev`, `tp->tun_dev`, `args.mda_flags`. */
export function display(p: AccessPath, name: string): string {
  let expr = name;
  let simple = true;
  for (let i = 0; i < p.segs.length; i++) {
    const s = p.segs[i];
    const next = p.segs[i + 1];
    if (s === '*' && next && next.startsWith('.')) {
      expr = `${expr}->${next.slice(1)}`;
      i++;
      simple = true;
    } else if (s === '*') {
      expr = simple ? `*${expr}` : `*(${expr})`;
      simple = false;
    } else if (s === '&') {
      expr = `&${expr}`;
      simple = false;
    } else if (s === '[]') expr = `${expr}[]`;
    else expr = simple ? `${expr}${s}` : `(${expr})${s}`;
  }
  return expr;
}

export function displayKey(key: string, decls: ReadonlyMap<string, VarDecl>): string {
  const p = parseKey(key);
  return display(p, rootName(p.root, decls));
}

export type RootClass = 'local' | 'param' | 'global' | 'temp' | 'expr';

export function rootClass(root: string, decls: ReadonlyMap<string, VarDecl>): RootClass {
  if (root.startsWith('g:')) return 'global';
  if (root.startsWith('$')) return 'temp';
  if (root.startsWith('e:')) return 'expr';
  const d = decls.get(root);
  if (!d) return 'global';
  if (d.isParam) return 'param';
  return d.isStatic ? 'global' : 'local';
}

/** The object lives in memory reached through a pointer (a struct field of the heap, an out-parameter). */
export function throughPointer(p: AccessPath): boolean {
  return p.segs.includes('*') || p.segs.includes('[]');
}

/**
 * `s->refcount`, `s->a.b`, `desc.node->i_crefs`: a field of the object a variable (or a field of a local
 * struct) points to, not memory reached through a pointer stored in some other object.
 */
export function embeddedInPointee(p: AccessPath): boolean {
  const star = p.segs.indexOf('*');
  return star >= 0 && star < p.segs.length - 1 && p.segs.every((x, i) => i === star || x.startsWith('.'));
}
