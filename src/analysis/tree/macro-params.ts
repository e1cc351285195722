/**
 * What a function-like macro does with each argument, read from its body: a macro is not a
 * function, so it may assign the caller's variable (`LL_SEARCH_SCALAR(head, out, f, v)` sets
 * `out`), and one that only touches members of its argument (`RELEASE_SEARCH(&desc)` frees
 * `(d)->buffer`) does not hand the argument's other members on. A use the scan cannot place is
 * a use of the whole argument: the call hands it on as an unknown function's would. An argument given to a
 * function that never returns (a list macro's integrity check, `trap((uintptr_t)(elm))`) goes nowhere: a path
 * that makes that call ends there.
 */
import type { MacroDefinition } from '../parse/prepass';
import { simpleHash } from '../paths/classes';

/** A member of the argument the macro reaches (`(d)->buffer`): assigned, or handed to a call. */
export interface MemberUse {
  name: string;
  /** Reached through `->` (the argument is a pointer) rather than `.`. */
  arrow: boolean;
  written: boolean;
}

export interface ParamUse {
  /** The macro assigns the argument itself: the caller's variable holds something else afterwards. */
  written: boolean;
  /** The argument is used other than through its members: it is handed on as a whole. */
  whole: boolean;
  /** Members it assigns or hands to a call (members it only reads are not listed). */
  members: MemberUse[];
  /**
   * The macro's other parameters it is copied into (`(el) = (head)`): nothing is handed on when the
   * caller gives those a variable of its own; a member or anything else is memory the value is stored in.
   */
  copiedTo?: number[];
  /**
   * The macro's other parameters through which it stores the argument (`*(head)->last = (elm)`,
   * `FIRST((head)) = (elm)`): a list insert links the argument into what that parameter reaches.
   */
  storedVia?: number[];

  /** Stored in memory the macro reaches (`(head)->lh_first = (elm)`): a list insertion links it there. */
  stored?: boolean;
  /**
   * The parameter whose list the macro takes the argument off (`TQ_REMOVE(head, elm, field)`): it reaches only
   * into the argument's link (a member named by another parameter, `(elm)->field`), writes into that one's
   * members (`(head)->tqh_last = ...`), and stores no argument anywhere (an insert would).
   */
  unlinkedFrom?: number;
}

export interface MacroParams extends ReadonlyMap<string, ParamUse[]> {
  /** What the uses are, for cache keys. */
  readonly key: string;
}

const ASSIGN = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=']);
const STEP = new Set(['++', '--']);
const TOKEN = /[A-Za-z_]\w*|\d[\w.]*|->|\+\+|--|<<=|>>=|##|[-+*/%&|^!=<>]=|&&|\|\||<<|>>|\S/g;
const IDENT = /^[A-Za-z_]\w*$/;
/** Words before a `(` that open no call. */
const KEYWORDS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof']);
/** Macros reached through other macros' bodies before the scan gives up (a use of the whole). */
const MAX_DEPTH = 4;

/** The parameter uses of every function-like macro among `defs` whose uses the scan can place. */
export function macroParams(defs: readonly MacroDefinition[], noreturn: ReadonlySet<string> = new Set()): MacroParams {
  const byName = new Map<string, MacroDefinition>();
  for (const d of defs) if (d.params && !byName.has(d.name)) byName.set(d.name, d);
  const out = new Map<string, ParamUse[]>() as Map<string, ParamUse[]> & { key: string };
  const memo = new Map<string, ParamUse[] | null>();
  const usesOf = (name: string, depth: number): ParamUse[] | null => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const d = byName.get(name);
    if (!d?.params || depth > MAX_DEPTH) return null;
    memo.set(name, null); // a macro reached again through its own body is not known
    const uses = scan(d, (inner) => usesOf(inner, depth + 1), noreturn);
    memo.set(name, uses);
    return uses;
  };
  for (const name of byName.keys()) {
    const uses = usesOf(name, 0);
    if (uses) out.set(name, uses);
  }
  out.key = out.size ? simpleHash(JSON.stringify([...out])) : '';
  return out;
}

function tokens(body: string): string[] {
  const text = body
    .replace(/\\\s*\n/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/g, ' 0 ');
  return text.match(TOKEN) ?? [];
}

function scan(
  d: MacroDefinition,
  inner: (name: string) => ParamUse[] | null,
  noreturn: ReadonlySet<string>,
): ParamUse[] | null {
  const params = d.params!;
  if (params.some((p) => !IDENT.test(p))) return null; // `...`: arguments the scan cannot number
  const t = tokens(d.body);
  if (t.includes('__VA_ARGS__')) return null;
  const uses: ParamUse[] = params.map(() => ({ written: false, whole: false, members: [] }));
  for (let i = 0; i < t.length; i++) {
    const at = params.indexOf(t[i]);
    if (at < 0 || t[i - 1] === '->' || t[i - 1] === '.') continue;
    if (noreturn.size && insideCallOf(t, i, noreturn)) continue;
    use(t, i, uses[at], params, inner);
  }
  unlinks(t, params, uses);
  return uses;
}

/** A list unlink's element and its list (ParamUse.unlinkedFrom), when the macro's uses have that shape. */
function unlinks(t: string[], params: readonly string[], uses: ParamUse[]): void {
  if (uses.some((u) => u.stored || u.storedVia?.length || u.copiedTo?.length || u.written)) return;
  const head = uses.findIndex((u) => !u.whole && u.members.some((m) => m.written));
  if (head < 0 || uses.some((u, i) => i !== head && u.members.some((m) => m.written))) return;
  uses.forEach((u, i) => {
    if (i === head || u.whole || !u.members.length) return;
    // only its link, named by another parameter (`(elm)->field.tqe_prev`), and that one read in the body
    if (u.members.every((m) => params.includes(m.name) && m.name !== params[i] && t.includes(m.name)))
      u.unlinkedFrom = head;
  });
}

/** One occurrence of a parameter at token `i`, unwrapped from its parentheses `((p))`. */
function use(
  t: string[],
  i: number,
  u: ParamUse,
  params: readonly string[],
  inner: (name: string) => ParamUse[] | null,
): void {
  let l = i,
    r = i;
  while (t[l - 1] === '(' && t[r + 1] === ')' && !operand(t[l - 2])) {
    l--;
    r++;
  }
  const pre = t[l - 1],
    post = t[r + 1];
  // in an argument an inner macro never uses (`QMD_TRACE_ELEM(&(elm)->field)`, empty unless debugging): nowhere
  if (unusedByInner(t, l, inner)) return;
  if (pre === '#' || pre === '##' || post === '##' || pre === '&') {
    u.whole = true;
    return;
  }
  if (post === '->' || post === '.') {
    const name = t[r + 2];
    const after = t[r + 3];
    if (!name || !IDENT.test(name)) {
      u.whole = true;
      return;
    }
    const written = ASSIGN.has(after) || STEP.has(after) || STEP.has(pre);
    // deeper (`(d)->a->b = x`, `(d)->a[i]`) or handed to a call: the member may change
    const passed = after === '->' || after === '.' || after === '[' || argumentOfCall(t, l, r + 2) !== undefined;
    if (written || passed) addMember(u, { name, arrow: post === '->', written });
    return;
  }
  if (ASSIGN.has(post) || STEP.has(post) || STEP.has(pre)) {
    u.written = true; // reading the old value on the way (`(n)++`) hands nothing on
    return;
  }
  const call = argumentOfCall(t, l, r);
  // a test of its value (`(el) != NULL`, a loop's `; el;`): nothing keeps it
  if (!call && tested(t, l, r)) return;
  // a copy into another argument the macro assigns (`(el) = (head)`): the call site decides
  const into = call ? -1 : copiedToParam(t, l, params);
  if (into >= 0) {
    addCopy(u, into);
    return;
  }
  const callee = call && inner(call.name);
  const passedOn = callee?.[call!.index];
  if (!passedOn) {
    u.whole = true;
    const via = call ? -1 : storedViaParam(t, l, params, params.indexOf(t[i]));
    if (via >= 0) addVia(u, via);
    if (!call && pre === '=') u.stored = true;
    return;
  }
  if (passedOn.stored) u.stored = true;
  u.written ||= passedOn.written;
  u.whole ||= passedOn.whole;
  for (const m of passedOn.members) addMember(u, m);
  // copied into the inner macro's parameters: into ours when the call gives it one of them alone
  for (const j of passedOn.copiedTo ?? []) {
    const arg = callArgument(t, call!.open, j);
    const outer = arg?.length === 1 ? params.indexOf(arg[0]) : -1;
    if (outer >= 0) addCopy(u, outer);
    else u.whole = true;
  }
}

/** Tokens from `l` lie in an argument of an inner macro that its body never uses. */
function unusedByInner(t: string[], l: number, inner: (name: string) => ParamUse[] | null): boolean {
  let depth = 0;
  let index = 0;
  for (let k = l - 1; k > 0; k--) {
    const tok = t[k];
    if (tok === ')' || tok === ']') depth++;
    else if (tok === '(' || tok === '[') {
      if (depth-- > 0) continue;
      if (tok !== '(' || !IDENT.test(t[k - 1])) return false;
      const u = inner(t[k - 1])?.[index];
      return !!u && !u.whole && !u.written && !u.stored && !u.members.length && !u.copiedTo && !u.storedVia;
    } else if (depth === 0 && tok === ',') index++;
    else if (depth === 0 && (tok === ';' || tok === '{' || tok === '}')) return false;
  }
  return false;
}

/** Token `i` lies in the arguments of a call to one of `names`, however deep (`trap((uintptr_t)(elm))`). */
function insideCallOf(t: string[], i: number, names: ReadonlySet<string>): boolean {
  let depth = 0;
  for (let k = i - 1; k > 0; k--) {
    const tok = t[k];
    if (tok === ')' || tok === ']') depth++;
    else if (tok === '(' || tok === '[') {
      if (depth > 0) depth--;
      else if (tok === '(' && names.has(t[k - 1])) return true;
    } else if (depth === 0 && (tok === ';' || tok === '{' || tok === '}')) return false;
  }
  return false;
}

function addVia(u: ParamUse, index: number): void {
  if (!u.storedVia) u.storedVia = [index];
  else if (!u.storedVia.includes(index)) u.storedVia.push(index);
}

function addCopy(u: ParamUse, index: number): void {
  if (!u.copiedTo) u.copiedTo = [index];
  else if (!u.copiedTo.includes(index)) u.copiedTo.push(index);
}

/** The tokens of argument `index` of the call whose `(` is at `open`, without enclosing parentheses. */
function callArgument(t: string[], open: number, index: number): string[] | undefined {
  let depth = 0;
  let at = 0;
  let start = open + 1;
  for (let k = open + 1; k < t.length; k++) {
    const tok = t[k];
    if (tok === '(' || tok === '[' || tok === '{') depth++;
    else if ((tok === ')' || tok === ']' || tok === '}') && depth > 0) depth--;
    else if ((tok === ',' || tok === ')') && depth === 0) {
      if (at === index) {
        let a = t.slice(start, k);
        while (a.length > 2 && a[0] === '(' && a[a.length - 1] === ')') a = a.slice(1, -1);
        return a;
      }
      if (tok === ')') return undefined;
      at++;
      start = k + 1;
    }
  }
  return undefined;
}

const TEST_BEFORE = new Set([';', '(', '!', '&&', '||', '==', '!=']);
const TEST_AFTER = new Set([';', ')', '&&', '||', '==', '!=', '?']);
const TESTS = new Set(['if', 'while', 'for', 'switch']);

/**
 * Tokens `l..r` only give a value to test or compare: between a `;`, `(`, `!`, `&&`, `||`, `==` or `!=`
 * and one of `;`, `)`, `&&`, `||`, `==`, `!=`, `?` (a statement expression's last value, `; x; })`, goes out).
 */
function tested(t: string[], l: number, r: number): boolean {
  if (!TEST_BEFORE.has(t[l - 1]) || !TEST_AFTER.has(t[r + 1])) return false;
  // `(` opens a test (`if (x)`), not a call's arguments or `return (x)`
  if (t[l - 1] === '(' && operand(t[l - 2]) && !TESTS.has(t[l - 2])) return false;
  return !(t[r + 1] === ';' && t[r + 2] === '}');
}

/**
 * Tokens from `l` are the right side of `p = ...` or `(p) = ...` where `p` is one of the macro's
 * parameters: its index, or -1.
 */
function copiedToParam(t: string[], l: number, params: readonly string[]): number {
  if (t[l - 1] !== '=') return -1;
  let k = l - 2;
  let open = 0;
  while (t[k] === ')') {
    open++;
    k--;
  }
  const index = params.indexOf(t[k]);
  if (index < 0) return -1;
  k--;
  for (; open > 0; open--, k--) if (t[k] !== '(') return -1;
  // the whole left side: not a member (`x->p = `), a pointee (`*p = `) or an element
  return k < 0 || ['(', ';', '{', '}', ','].includes(t[k]) ? index : -1;
}

/**
 * Tokens from `l` are the right side of an assignment whose left side, back to the start of its statement,
 * reads another of the macro's parameters (`*(head)->last = (elm)`, `FIRST((head)) = (elm)`): that
 * parameter's index, or -1. A member of that name (`x->head`) is not the parameter.
 */
function storedViaParam(t: string[], l: number, params: readonly string[], self: number): number {
  if (t[l - 1] !== '=') return -1;
  let depth = 0;
  let found = -1;
  for (let k = l - 2; k >= 0; k--) {
    const tok = t[k];
    if (tok === ')' || tok === ']') depth++;
    else if (tok === '(' || tok === '[') {
      if (depth-- === 0) break;
    } else if (depth === 0 && (tok === ';' || tok === '{' || tok === '}' || tok === ',' || ASSIGN.has(tok))) break;
    const at = params.indexOf(tok);
    if (at >= 0 && at !== self && t[k - 1] !== '->' && t[k - 1] !== '.') found = at;
  }
  return found;
}

function addMember(u: ParamUse, m: MemberUse): void {
  const same = u.members.find((x) => x.name === m.name && x.arrow === m.arrow);
  if (same) same.written ||= m.written;
  else u.members.push({ ...m });
}

/** A token that ends an operand: a `(` after it opens a call (or a cast's operand), not a grouping. */
function operand(tok: string | undefined): boolean {
  return tok !== undefined && ((IDENT.test(tok) && !STATEMENT_WORDS.has(tok)) || tok === ')' || tok === ']');
}
/** Words that end no operand: a `(` after them groups (`else (head)->last = ...`). */
const STATEMENT_WORDS = new Set(['else', 'return', 'do', 'case']);

/** The call whose whole argument tokens `l..r` are: its name, the argument's position and where its `(` is. */
function argumentOfCall(t: string[], l: number, r: number): { name: string; index: number; open: number } | undefined {
  // the whole argument, not an operand in it (`__improbable(*(elm)->f != (elm))`)
  if (t[r + 1] !== ',' && t[r + 1] !== ')') return undefined;
  if (t[l - 1] !== '(' && t[l - 1] !== ',') return undefined;
  let index = 0;
  let depth = 0;
  for (let k = l - 1; k >= 0; k--) {
    const tok = t[k];
    if (tok === ')' || tok === ']' || tok === '}') depth++;
    else if (tok === '[' || tok === '{') {
      if (depth-- === 0) return undefined;
    } else if (tok === '(') {
      if (depth > 0) {
        depth--;
        continue;
      }
      const name = t[k - 1];
      return name && IDENT.test(name) && !KEYWORDS.has(name) ? { name, index, open: k } : undefined;
    } else if (tok === ',' && depth === 0) index++;
    else if (depth === 0 && (tok === ';' || ASSIGN.has(tok))) return undefined;
  }
  return undefined;
}
