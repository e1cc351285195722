/**
 * Words a file-scope declaration puts between its type and its name that are neither:
 * `void asmlinkage noreturn start_secondary(void)`, `static uint64_t cf_check get_tick(void)`.
 * They are attribute macros (defined empty or as `__attribute__((...))` in some header); the
 * grammar cannot read a declaration with them and names the function after its type. Read
 * from the declaration's shape, so it needs no header and no list of names.
 */
import { isIdentStart, isWordChar } from './chars';

const STORAGE_AND_QUALIFIERS = new Set([
  'static',
  'inline',
  '__inline',
  '__inline__',
  'extern',
  'const',
  'volatile',
  'register',
  'restrict',
  '__restrict',
  '__restrict__',
  '_Noreturn',
  '__extension__',
  '_Thread_local',
]);

const TYPE_KEYWORDS = new Set([
  'void',
  'char',
  'short',
  'int',
  'long',
  'signed',
  'unsigned',
  'float',
  'double',
  'bool',
  '_Bool',
  '__int128',
]);

const TAG_KEYWORDS = new Set(['struct', 'union', 'enum']);

/** Words that end a declaration's header when met going back from its name. */
const NOT_A_HEADER = new Set(['typedef', 'return', 'else', 'case', 'goto', 'sizeof', 'defined']);

export interface Span {
  start: number;
  end: number;
}

/**
 * The attribute words before the name at `nameStart` in `masked` (comments and strings blanked),
 * when that name is followed by `(` at file scope. Empty when the declaration has none or is not
 * of that shape. `known`: the attribute words the prepass blanks anyway.
 */
export function headerAttributes(masked: string, nameStart: number, known: ReadonlySet<string>): Span[] {
  if (lineIsDirective(masked, nameStart)) return [];
  const words: Span[] = [];
  let i = nameStart - 1;
  while (i >= 0) {
    const c = masked.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13 || c === 42 /* * */) {
      i--;
      continue;
    }
    if (c === 10) {
      // entering the line above: a directive or a continued macro line ends the header
      if (i > 0 && masked.charCodeAt(i - 1) === 92 /* \ */) break;
      if (lineIsDirective(masked, i - 1)) break;
      i--;
      continue;
    }
    if (!isWordChar(c)) break;
    const end = i + 1;
    while (i >= 0 && isWordChar(masked.charCodeAt(i))) i--;
    const word = masked.slice(i + 1, end);
    if (!isIdentStart(word.charCodeAt(0)) || NOT_A_HEADER.has(word)) return [];
    words.unshift({ start: i + 1, end });
  }
  return attributesOf(words, masked, known);
}

function attributesOf(words: readonly Span[], masked: string, known: ReadonlySet<string>): Span[] {
  const text = (s: Span) => masked.slice(s.start, s.end);
  // words the prepass already knows as attributes are never the type
  const plain = (k: number) => !STORAGE_AND_QUALIFIERS.has(text(words[k])) && !known.has(text(words[k]));
  const type = new Set<number>();
  const tag = words.findIndex((w) => TAG_KEYWORDS.has(text(w)));
  if (tag >= 0) {
    let name = tag + 1;
    while (name < words.length && !plain(name)) name++;
    if (name >= words.length) return [];
    type.add(tag).add(name);
  } else {
    words.forEach((w, k) => {
      if (TYPE_KEYWORDS.has(text(w))) type.add(k);
    });
    if (!type.size) {
      const k = words.findIndex((_, i) => plain(i));
      if (k < 0) return [];
      type.add(k);
    }
  }
  return words.filter((w, k) => !type.has(k) && !STORAGE_AND_QUALIFIERS.has(text(w)));
}

function lineIsDirective(masked: string, at: number): boolean {
  let s = at;
  while (s > 0 && masked.charCodeAt(s - 1) !== 10) s--;
  while (s < masked.length && (masked.charCodeAt(s) === 32 || masked.charCodeAt(s) === 9)) s++;
  return masked.charCodeAt(s) === 35; /* # */
}
