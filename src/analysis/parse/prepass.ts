/**
 * Same-length pre-pass over kernel C. Every change keeps every offset and every
 * line break, so positions in the tree are positions in the user's file.
 *  - conditional compilation: inactive branches and all directive lines become blanks;
 *  - attribute macros (`__unused`, `__aligned(8)`) become blanks;
 *  - statement macros with a body (`TAILQ_FOREACH(x, h, f) {`) become `while`/`if`
 *    headers, recorded in `statementMacros` so the CFG knows what they were;
 *  - type arguments of `mtod`, `__DECONST`, `container_of`... become `0`;
 *  - Apple's block literals become `0`, block pointers' carets `*` (blocks.ts);
 *  - a file's statement macro used without its `;` (`FREE_IT(p)` then a new line) gets one.
 */
import { headerAttributes } from './header-attributes';
import { evalIfExpression, MacroTable } from './conditional';
import { isIdentStart, isSpace, isWordChar } from './chars';
import { lineStartsOf } from './lines';
import { argumentSpans } from './split';
import { blockEdits } from './blocks';

export interface StatementMacro {
  /** Offset of the macro name, which now holds `while`/`if`. */
  offset: number;
  name: string;
  kind: 'loop' | 'block';
  keyword: 'while' | 'if';
}

export interface MacroDefinition {
  name: string;
  params?: string[];
  body: string;
  line: number;
}

export interface PrepassOptions {
  /** Macros taken as defined (name -> value; '' for a bare define). */
  defines: ReadonlyMap<string, string>;
}

export interface PrepassResult {
  text: string;
  /** `text` with comments and string contents blanked, for textual searches. */
  masked: string;
  statementMacros: Map<number, StatementMacro>;
  defines: MacroDefinition[];
  /** Lines (1-based) that were compiled out. */
  inactiveLines: number;
  /** Offsets where lines start (the same in `text`, `masked` and the source). */
  lineStarts: number[];
  warnings: { line: number; message: string }[];
}

const ATTRIBUTE_WORDS = new Set([
  '__unused',
  '__diagused',
  '__used',
  '__packed',
  '__dead2',
  '__pure2',
  '__result_use_check',
  '__always_inline',
  '__noinline',
  '__malloc_like',
  '__init',
  '__exit',
  '__initdata',
  '__user',
  '__iomem',
  '__rcu',
  '__must_check',
  '__maybe_unused',
  '__always_unused',
  '__cold',
  '__hot',
  '__force',
  '__percpu',
  '__ro_after_init',
  '__read_mostly',
  '__weak',
  '__randomize_layout',
  '__bitwise',
  '__latent_entropy',
  'noinline',
  '__visible',
  '__noreturn',
  '__ref',
  '__devinit',
  '__devexit',
  '__sched',
  '__kprobes',
  'notrace',
  '__deprecated',
  '__exported',
  '__inline',
  '__restrict',
  '__restrict__',
  '__const',
  '__lockfunc',
  '__irq_entry',
  '__nocast',
  '__safe',
  '__pure',
  // clang -fbounds-safety pointer annotations: between a pointer's type and its name
  '__single',
  '__indexable',
  '__bidi_indexable',
  '__unsafe_indexable',
  '__null_terminated',
]);
const ATTRIBUTE_CALLS = new Set([
  '__aligned',
  '__section',
  '__printflike',
  '__scanflike',
  '__nonnull',
  '__format_arg',
  '__counted_by',
  '__counted_by_or_null',
  '__sized_by',
  '__sized_by_or_null',
  '__ended_by',
  '__terminated_by',
  '__free',
  '__cleanup',
  '__must_hold',
  '__acquires',
  '__releases',
  '__guarded_by',
  '__pt_guarded_by',
  '__alloc_size',
  '__alloc_align',
  '__requires_exclusive',
  '__requires_shared',
  '__locks_exclusive',
  '__locks_shared',
  '__unlocks',
  '__trylocks_exclusive',
  '__asserts_exclusive',
  '__no_lock_analysis',
  '__printf',
  '__scanf',
  '__aligned_largest',
  '__deprecated_msg',
  '__sym_compat',
  '__weak_reference',
]);
/** Macro name -> argument positions that hold a type. */
const TYPE_ARGUMENTS: ReadonlyMap<string, number[]> = new Map(
  Object.entries({
    mtod: [1],
    __DECONST: [0],
    __DEVOLATILE: [0],
    __DEQUALIFY: [0],
    __containerof: [1],
    container_of: [1],
    container_of_const: [1],
    offsetof: [0],
    __offsetof: [0],
    va_arg: [1],
    list_entry: [1],
    list_first_entry: [1],
    list_first_entry_or_null: [1],
    list_last_entry: [1],
    hlist_entry: [1],
    hlist_entry_safe: [1],
    rb_entry: [1],
    rb_entry_safe: [1],
    member2struct: [0],
    __member2struct: [0],
    sizeof_field: [0],
    typeof_member: [0],
    list_entry_rcu: [1],
    llist_entry: [1],
    kmalloc_obj: [0],
    SLIST_HEAD_INITIALIZER: [],
    TAILQ_LAST: [1],
    TAILQ_PREV: [1],
  }),
);
const LOOP_MACRO = /FOREACH|for_each|_foreach/i;
const C_KEYWORDS = new Set([
  'if',
  'while',
  'for',
  'switch',
  'return',
  'sizeof',
  'do',
  'else',
  'case',
  'goto',
  '_Alignof',
  'alignof',
  '__typeof',
  'typeof',
  '__typeof__',
  'defined',
  '__attribute__',
  '__asm__',
  'asm',
  '__asm',
  '_Static_assert',
  'static_assert',
  '__builtin_offsetof',
]);

function blank(s: string): string {
  return s.replace(/[^\n\r]/g, ' ');
}

/** Blanks comments and string/char literal contents so searches see only code. */
export function maskCode(text: string): string {
  // copies the code between comments and literals as slices (a char array of the
  // whole file, joined back, was 7% of the parse time)
  const parts: string[] = [];
  const blankRun = (from: number, to: number) => {
    if (to > from) parts.push(text.slice(from, to).replace(/[^\r\n]/g, ' '));
  };
  let i = 0;
  let copied = 0;
  const n = text.length;
  while (i < n) {
    // jump to the next character that can open a comment or a literal
    let k = i;
    while (k < n) {
      const ch = text.charCodeAt(k);
      if (ch === 47 || ch === 34 || ch === 39) break;
      k++;
    }
    if (k >= n) break;
    i = k;
    const c = text[i];
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      parts.push(text.slice(copied, i));
      blankRun(i, stop);
      copied = stop;
      i = stop;
    } else if (c === '/' && text[i + 1] === '/') {
      let e = text.indexOf('\n', i);
      if (e < 0) e = n;
      parts.push(text.slice(copied, i));
      parts.push(' '.repeat(e - i));
      copied = e;
      i = e;
    } else if (c === '"' || c === "'") {
      let k2 = i + 1;
      while (k2 < n && text[k2] !== c && text[k2] !== '\n') {
        if (text[k2] === '\\') k2++;
        k2++;
      }
      const stop = Math.min(k2, n);
      parts.push(text.slice(copied, i + 1));
      blankRun(i + 1, stop);
      copied = stop;
      i = k2 + 1;
    } else i++;
  }
  parts.push(text.slice(copied));
  return parts.join('');
}

interface CondFrame {
  parentActive: boolean;
  active: boolean;
  taken: boolean;
}

function conditionalPass(text: string, opts: PrepassOptions, res: PrepassResult): string {
  const masked = maskCode(text);
  const lines = text.split('\n');
  const mlines = masked.split('\n');
  const macros = new MacroTable(opts.defines);
  const stack: CondFrame[] = [];
  let active = true;
  const out: string[] = [];
  for (let li = 0; li < lines.length; li++) {
    const m = mlines[li];
    if (/^\s*#/.test(m)) {
      // gather continuation lines
      let full = m;
      const first = li;
      // a backslash ends a line inside a comment too: lines are spliced before comments are removed
      while (/\\\s*$/.test(lines[li]) && li + 1 < lines.length) {
        li++;
        full = full.replace(/\\\s*$/, ' ') + mlines[li];
      }
      for (let k = first; k <= li; k++) out.push(blank(lines[k]));
      const d = /^\s*#\s*(\w+)\s*(.*)$/s.exec(full);
      if (!d) continue;
      const [, dir, rest] = d;
      const line = first + 1;
      switch (dir) {
        case 'if':
        case 'ifdef':
        case 'ifndef': {
          let v: boolean;
          if (dir === 'ifdef') v = macros.has(rest.trim().split(/\s+/)[0]);
          else if (dir === 'ifndef') v = !macros.has(rest.trim().split(/\s+/)[0]);
          else {
            const r = evalIfExpression(rest, macros);
            if (r === undefined)
              res.warnings.push({ line, message: `cannot evaluate #if ${rest.trim()}; taken as false` });
            v = !!r;
          }
          stack.push({ parentActive: active, active: active && v, taken: v });
          active = active && v;
          break;
        }
        case 'elif':
        case 'elifdef':
        case 'elifndef': {
          const f = stack[stack.length - 1];
          if (!f) {
            res.warnings.push({ line, message: `#${dir} without #if` });
            break;
          }
          let v: boolean;
          if (dir === 'elifdef') v = macros.has(rest.trim());
          else if (dir === 'elifndef') v = !macros.has(rest.trim());
          else v = !!evalIfExpression(rest, macros);
          f.active = f.parentActive && !f.taken && v;
          f.taken = f.taken || v;
          active = f.active;
          break;
        }
        case 'else': {
          const f = stack[stack.length - 1];
          if (!f) {
            res.warnings.push({ line, message: '#else without #if' });
            break;
          }
          f.active = f.parentActive && !f.taken;
          f.taken = true;
          active = f.active;
          break;
        }
        case 'endif': {
          const f = stack.pop();
          if (!f) {
            res.warnings.push({ line, message: '#endif without #if' });
            break;
          }
          active = f.parentActive;
          break;
        }
        case 'define': {
          if (!active) break;
          const dm = /^([A-Za-z_]\w*)(\(([^)]*)\))?\s*(.*)$/s.exec(rest);
          if (dm) {
            const params = dm[2]
              ? dm[3]
                  .split(',')
                  .map((p) => p.trim())
                  .filter(Boolean)
              : undefined;
            if (params) macros.setFunction(dm[1], params, dm[4].trim());
            else macros.set(dm[1], dm[4].trim());
            res.defines.push({ name: dm[1], params, body: dm[4].trim(), line });
          }
          break;
        }
        case 'undef':
          if (active) macros.delete(rest.trim());
          break;
        default:
          break;
      }
      continue;
    }
    if (active) out.push(lines[li]);
    else {
      out.push(blank(lines[li]));
      if (lines[li].trim()) res.inactiveLines++;
    }
  }
  if (stack.length) res.warnings.push({ line: lines.length, message: `${stack.length} #if without #endif` });
  return out.join('\n');
}

function matchParen(masked: string, open: number): number {
  let depth = 0;
  for (let i = open; i < masked.length; i++) {
    const c = masked[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i;
    } else if ((c === ';' || c === '{' || c === '}') && depth > 0 && c !== ';') return -1;
  }
  return -1;
}

/**
 * `HISTORY_WRITE(kq, { .owner = o, .error = e });`: a braced initializer list given to a macro is no expression
 * the grammar reads, and its recovery can take the rest of the file into the function. The macro only reads
 * the list: each such argument (braces with no `;` in them, so no block of statements) becomes `0`.
 */
function initializerArguments(masked: string, open: number): { start: number; end: number; replacement: string }[] {
  let depth = 0;
  let close = -1;
  for (let i = open; i < masked.length && close < 0; i++) {
    const c = masked[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (--depth === 0) {
        if (c !== ')') return [];
        close = i;
      }
    } else if (c === ';') return [];
  }
  if (close < 0) return [];
  const out: { start: number; end: number; replacement: string }[] = [];
  for (const a of argumentSpans(masked, open, close)) {
    const arg = masked.slice(a.start, a.end);
    const lead = arg.search(/\S/);
    if (lead >= 0 && arg[lead] === '{' && arg.trimEnd().endsWith('}'))
      out.push({ ...a, replacement: `${' '.repeat(lead)}0` });
  }
  return out;
}

function prevSignificant(masked: string, i: number): { ch: string; word: string } {
  let k = i - 1;
  while (k >= 0 && isSpace(masked.charCodeAt(k))) k--;
  if (k < 0) return { ch: '', word: '' };
  let w = k;
  while (w >= 0 && isWordChar(masked.charCodeAt(w))) w--;
  return { ch: masked[k], word: masked.slice(w + 1, k + 1) };
}

/** Function-like macros of the file whose body is a whole statement (`if (...) {...}`, `do {...} while (0)`). */
function statementMacros(defines: MacroDefinition[]): Set<string> {
  const names = new Set<string>();
  for (const d of defines)
    if (d.params && /^(?:(?:if|do|for|while|switch)\b|\{)|[;}][\s\\]*$/.test(d.body)) names.add(d.name);
  return names;
}

/** The first blank after `from` on the line of the next token (never a line break), or -1. */
function blankBefore(masked: string, from: number): number {
  let spot = -1;
  for (let k = from; k < masked.length && isSpace(masked.charCodeAt(k)); k++) {
    const c = masked.charCodeAt(k);
    if (c === 10 || c === 13) spot = -1;
    else if (spot < 0) spot = k;
  }
  return spot;
}

function nextSignificant(masked: string, i: number): string {
  let k = i;
  while (k < masked.length && isSpace(masked.charCodeAt(k))) k++;
  return masked[k] ?? '';
}

export function prepass(source: string, opts: PrepassOptions): PrepassResult {
  const res: PrepassResult = {
    text: '',
    masked: '',
    statementMacros: new Map(),
    defines: [],
    inactiveLines: 0,
    warnings: [],
    lineStarts: [],
  };
  const text = conditionalPass(source.replace(/^\uFEFF/, ' '), opts, res);
  const masked = maskCode(text);
  // edits go into a buffer of char codes (a char array of the file, joined back, cost more than the scan)
  // the same edits go into the masked text: they only ever replace whole code tokens or
  // whole bracketed arguments, so masking the result again would give the same text
  let buf: Uint16Array | undefined, mbuf: Uint16Array | undefined;
  const put = (start: number, end: number, replacement: string) => {
    if (!buf || !mbuf) {
      buf = codesOf(text);
      mbuf = codesOf(masked);
    }
    for (let k = start; k < end; k++) {
      if (buf[k] === 10 || buf[k] === 13) continue;
      const c = k - start < replacement.length ? replacement.charCodeAt(k - start) : 32;
      buf[k] = c;
      mbuf[k] = c;
    }
  };
  const statements = statementMacros(res.defines);
  const restAt = (k: number) => masked.slice(k + 1, k + 64).trimStart();
  // brace depth at each identifier, computed as we scan
  let depth = 0;
  for (let i = 0; i < masked.length; i++) {
    const cc = masked.charCodeAt(i);
    if (cc === 123) {
      depth++;
      continue;
    }
    if (cc === 125) {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (!isIdentStart(cc) || (i > 0 && isWordChar(masked.charCodeAt(i - 1)))) continue;
    let end = i + 1;
    while (end < masked.length && isWordChar(masked.charCodeAt(end))) end++;
    const name = masked.slice(i, end);
    if (ATTRIBUTE_WORDS.has(name)) {
      put(i, end, '');
      i = end - 1;
      continue;
    }
    const after = nextSignificant(masked, end);
    if (after === '(' && ATTRIBUTE_CALLS.has(name)) {
      const open = masked.indexOf('(', end);
      const close = matchParen(masked, open);
      if (close > 0) {
        put(i, close + 1, '');
        i = close;
        continue;
      }
    }
    const typeArgs = after === '(' ? TYPE_ARGUMENTS.get(name) : undefined;
    if (typeArgs) {
      const open = masked.indexOf('(', end);
      const close = matchParen(masked, open);
      if (close > 0) {
        const args = argumentSpans(masked, open, close);
        for (const idx of typeArgs) {
          const a = args[idx];
          if (!a) continue;
          const lead = masked.slice(a.start, a.end).search(/\S/);
          if (lead < 0) continue;
          put(a.start, a.end, ' '.repeat(lead) + '0');
        }
      }
      i = end - 1;
      continue;
    }
    if (depth === 0 && after === '(' && !C_KEYWORDS.has(name)) {
      for (const a of headerAttributes(masked, i, ATTRIBUTE_WORDS)) put(a.start, a.end, '');
    }
    if (depth > 0 && after === '(' && !C_KEYWORDS.has(name)) {
      const prev = prevSignificant(masked, i);
      const atStatement =
        prev.ch === ';' ||
        prev.ch === '{' ||
        prev.ch === '}' ||
        prev.ch === ':' ||
        prev.ch === ')' ||
        prev.word === 'else' ||
        prev.word === 'do';
      if (atStatement) {
        const open = masked.indexOf('(', end);
        const close = matchParen(masked, open);
        if (close < 0) for (const a of initializerArguments(masked, open)) put(a.start, a.end, a.replacement);
        if (close > 0) {
          const next = nextSignificant(masked, close + 1);
          const isLoop = LOOP_MACRO.test(name);
          const bodyFollows = next === '{' || (isLoop && /[A-Za-z_*(]/.test(next));
          const prevIsParen = prev.ch === ')';
          // after `)` only a loop macro is a statement (if (x) TAILQ_FOREACH(...) ...); a call there would be a cast
          if (bodyFollows && (!prevIsParen || isLoop)) {
            const keyword: 'while' | 'if' = isLoop && name.length >= 5 ? 'while' : 'if';
            put(i, end, keyword);
            res.statementMacros.set(i, { offset: i, name, kind: isLoop ? 'loop' : 'block', keyword });
          } else if (statements.has(name) && isIdentStart(next.charCodeAt(0)) && !/^else\b/.test(restAt(close))) {
            // `FREE_IT(p)` then a new line: the macro is a whole statement, the `;` the grammar needs is implied
            const spot = blankBefore(masked, close + 1);
            if (spot >= 0 && isSpace(text.charCodeAt(spot))) put(spot, spot + 1, ';');
          }
        }
      }
    }
    i = end - 1;
  }
  // `VERIFY3U(a, ==, b)`, `ASSERT3P(p, !=, NULL)`: a comparison passed as an argument of its own is
  // not C; without its two commas it is one argument the grammar reads, `ASSERT3P(p  !=  NULL)`
  for (const m of masked.matchAll(/,(\s*)(==|!=|<=|>=|<|>)(\s*),/g)) {
    put(m.index!, m.index! + 1, ' ');
    put(m.index! + m[0].length - 1, m.index! + m[0].length, ' ');
  }
  for (const e of blockEdits(masked)) put(e.start, e.end, e.replacement);
  res.text = buf ? fromCodes(buf) : text;
  res.masked = mbuf ? fromCodes(mbuf) : masked;
  res.lineStarts = lineStartsOf(res.text);
  return res;
}

function codesOf(s: string): Uint16Array {
  const out = new Uint16Array(s.length);
  for (let k = 0; k < s.length; k++) out[k] = s.charCodeAt(k);
  return out;
}

function fromCodes(buf: Uint16Array): string {
  const parts: string[] = [];
  for (let k = 0; k < buf.length; k += 8192)
    parts.push(String.fromCharCode.apply(null, buf.subarray(k, k + 8192) as unknown as number[]));
  return parts.join('');
}
