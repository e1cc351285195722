/**
 * Count fields: struct members the tree uses as reference counts (`fp->refcount`,
 * `node->i_crefs`, `d->refcnt`), read from the masked text of function bodies (no parse). A
 * member is a count field when one function of the tree both takes one off it and tests it
 * for its last reference, and then hands the struct that holds it to a call (the free or
 * destroy it guards): `if (atomic_dec_and_test(&d->refcnt)) domain_destroy(d);`,
 * `node->i_crefs--; if (node->i_crefs <= 0 ...) inode_free(node);`. A statistics counter
 * (`atomic_dec(&conn->stats.open_files_count)`) is never tested that way, and stays a plain
 * value. Where the tree has the evidence, every increment of such a member is an acquire of
 * it and every decrement a release (`paths/count-ops.ts`), as `kref_get(&x->refcount)` is.
 */
import { closingBracket } from '../parse/chars';
import { remembered } from '../memo';

/** What one function body does to members that may be counts. */
export interface CountFieldUses {
  /** Members it adds to or takes from (`atomic_inc(&x->f)`, `x->f++`, `x->f -= n`), sorted. */
  updated: string[];
  /** Members it shows to be reference counts (the evidence above), sorted. */
  evidence: string[];
}

const FIELD = String.raw`(?:->|\.)\s*([A-Za-z_]\w*)`;
/** An object expression before the member: `fp`, `d->arch`, `pkt[i]`, `(x)`. */
const OWNER = String.raw`([A-Za-z_]\w*(?:\s*(?:->|\.)\s*[A-Za-z_]\w*|\[[^\]\n]*\])*?)`;
/** `atomic_inc(&x->f)`, `atomic_add(n, &x->f)`, `atomic_long_dec_and_test(&x->f)`: op and member. */
const ATOMIC = new RegExp(
  String.raw`\b((?:_?atomic(?:64|_long)?)_(?:inc|dec|add|sub)\w*)\s*\(\s*(?:[^,();]*,\s*)?` +
    String.raw`&\s*\(?\s*${OWNER}\s*${FIELD}\s*\)?\s*[,)]`,
  'g',
);
/** A compare-and-swap of a member: `atomic_cmpxchg(&x->f, old, new)`, `atomic_compareandswap(old, new, &x->f)`. */
const CAS = new RegExp(
  String.raw`\b(\w*(?:cmpxchg|compareandswap|cmpset)\w*)\s*\([^;]*?&\s*\(?\s*${OWNER}\s*${FIELD}\s*\)?\s*[,)]`,
  'g',
);
/** `x->f++`, `x->f--`, `x->f += n`, `x->f -= n`. */
const POSTFIX = new RegExp(String.raw`${OWNER}\s*${FIELD}\s*(\+\+|--|\+=|-=)`, 'g');
/** `++x->f`, `--x->f`. */
const PREFIX = new RegExp(String.raw`(\+\+|--)\s*${OWNER}\s*${FIELD}\b(?!\s*(?:->|\.|\(|\[))`, 'g');
/** `x->f == 0`, `x->f <= 1`, `x->f < 1`, `0 == x->f`. */
const ZERO_TEST = new RegExp(
  String.raw`${OWNER}\s*${FIELD}\s*(?:==\s*[01]|<=\s*[01]|<\s*1)\b(?!\s*[.\w])|\b[01]\s*==\s*${OWNER}\s*${FIELD}\b`,
  'g',
);
/** `!x->f` */
const NOT_TEST = new RegExp(String.raw`!\s*\(?\s*${OWNER}\s*${FIELD}\b(?!\s*(?:->|\.|\(|\[))`, 'g');
/** `atomic_read(&x->f) == 0`. */
const READ_TEST = new RegExp(
  String.raw`\b_?atomic\w*_read\s*\(\s*&\s*${OWNER}\s*${FIELD}\s*\)\s*(?:==\s*[01]|<=\s*[01]|<\s*1)\b`,
  'g',
);

/** `refs = --x->f`, `n = atomic_dec_return(&x->f)`: what is left after a decrement, kept in a local. */
const LOCAL_DEC = new RegExp(
  String.raw`\b([A-Za-z_]\w*)\s*=\s*(?:--\s*${OWNER}\s*${FIELD}\b(?!\s*(?:->|\.|\(|\[))|` +
    String.raw`_?atomic(?:64|_long)?_(?:dec|sub)_return\w*\s*\(\s*(?:[^,();]*,\s*)?` +
    String.raw`&\s*\(?\s*${OWNER}\s*${FIELD}\s*\)?\s*\))`,
  'g',
);

/**
 * The first test of `local` at zero after `from` (`refs == 0`, `!refs`: true at the last reference; `refs > 0`,
 * `refs != 0`: true while references are left), as a last-reference test of what it copied.
 */
function localTest(
  body: string,
  local: string,
  from: number,
): { at: number; end: number; whenTrue: boolean } | undefined {
  const re = new RegExp(
    String.raw`\b${local}\s*(?:(==\s*0|<=\s*0|<\s*1)|(!=\s*0|>\s*0))\b|\b0\s*==\s*${local}\b|` +
      String.raw`!\s*${local}\b(?!\s*(?:->|\.|\(|\[|=))`,
    'g',
  );
  re.lastIndex = from;
  const m = re.exec(body);
  if (!m || m.index - from > GUARDED_CHARS) return undefined;
  return { at: m.index, end: m.index + m[0].length, whenTrue: !m[2] };
}

const isTestOp = (op: string) => /_and_test|_return/.test(op);
const isDecOp = (op: string) => /_(dec|sub)/.test(op);

/** The simple name of an owner expression (`fp`, `desc->node` -> `node` is not taken: `desc->node`). */
function ownerName(owner: string): string {
  return owner.replace(/\s+/g, '').replace(/^\(+/, '');
}

/**
 * The count-field uses of one function body (masked: comments and strings blanked); `params`: the
 * function's parameters, the only owners whose tests are evidence (every owner when not given).
 */
export function countFieldUses(body: string, params?: readonly string[]): CountFieldUses {
  const updated = new Set<string>();
  /** Where each member is first taken down. */
  const decremented = new Map<string, number>();
  const decrement = (field: string, at: number) => {
    decremented.set(field, Math.min(at, decremented.get(field) ?? at));
  };
  /** Last-reference tests: the member, its owner, where the test is and where it ends. */
  const tests: { field: string; owner: string; at: number; end: number; whenTrue: boolean; one?: boolean }[] = [];
  /** A test whose value is true at zero unless compared (`--x->f`, `atomic_dec_return(&x->f)`). */
  const compared = (end: number) => /^\s*(?:==|<=)\s*0\b/.test(body.slice(end, end + 12));
  // each pattern below needs its operator's characters: a body without them is not searched (most bodies
  // have no `atomic` and no `--`; the member patterns start at every word and cost the most)
  const atomic = body.includes('atomic');
  const steps = /\+\+|--|[-+]=/.test(body);
  if (atomic)
    for (const m of body.matchAll(ATOMIC)) {
      const op = m[1];
      const field = m[3];
      updated.add(field);
      if (isDecOp(op)) decrement(field, m.index);
      const end = m.index + m[0].length;
      if (isDecOp(op) && isTestOp(op))
        tests.push({
          field,
          owner: ownerName(m[2]),
          at: m.index,
          end,
          whenTrue: /_and_test/.test(op) || compared(end),
        });
    }
  if (/cmpxchg|compareandswap|cmpset/.test(body)) for (const m of body.matchAll(CAS)) updated.add(m[3]);
  if (steps)
    for (const m of body.matchAll(POSTFIX)) {
      updated.add(m[2]);
      // `m->m_len -= mlen` takes a size down: a reference count gives back a fixed number at a time
      const fixed =
        m[3] === '--' || (m[3] === '-=' && /^\s*\d+[uUlL]*\s*[;,)]/.test(body.slice(m.index + m[0].length)));
      if (fixed) decrement(m[2], m.index);
    }
  if (steps)
    for (const m of body.matchAll(PREFIX)) {
      updated.add(m[3]);
      if (m[1] === '--') {
        decrement(m[3], m.index);
        const end = m.index + m[0].length;
        tests.push({ field: m[3], owner: ownerName(m[2]), at: m.index, end, whenTrue: compared(end) });
      }
    }
  // the evidence is a test of a member the body takes down: none taken down, no test to look for
  if (!decremented.size) return { updated: [...updated].sort(), evidence: [] };
  for (const m of body.matchAll(LOCAL_DEC)) {
    const field = m[3] ?? m[5];
    const t = localTest(body, m[1], m.index + m[0].length);
    if (t) tests.push({ field, owner: ownerName(m[2] ?? m[4]), ...t });
  }
  for (const re of [ZERO_TEST, READ_TEST])
    for (const m of body.matchAll(re)) {
      const field = m[2] ?? m[4];
      const owner = m[1] ?? m[3];
      // `if (pkt->users == 1) free(pkt); else pkt->users--;` asks for the last reference before taking it
      const one = /(?:==|<=)\s*1\b|\b1\s*==/.test(m[0]);
      if (field)
        tests.push({ field, owner: ownerName(owner), at: m.index, end: m.index + m[0].length, whenTrue: true, one });
    }
  for (const m of body.matchAll(NOT_TEST))
    tests.push({ field: m[2], owner: ownerName(m[1]), at: m.index, end: m.index + m[0].length, whenTrue: true });
  const evidence = new Set<string>();
  for (const t of tests) {
    // a zero test follows the decrement it tests (`if (m->m_len == 0) free(m)` before the function ever
    // takes the member down tests for an empty buffer); a test for one may come first
    const dec = decremented.get(t.field);
    if (dec === undefined || (dec > t.at && !t.one) || evidence.has(t.field)) continue;
    const region = guardedText(body, t.at, t.whenTrue);
    // a putter: what it gives back is what it was given (a walk's local, `--node->count` in a tree's
    // delete, counts children, not references its callers hold)
    if (params && !params.includes(t.owner)) continue;
    // a putter that leaves first for some kinds of object (`if (irq->intid < VGIC_MIN_LPI) return;`) counts
    // only those: its callers cannot tell which they hold
    if (leavesByKind(body.slice(0, t.at), t.owner, t.field)) continue;
    if (region && handsOn(region, t.owner)) evidence.add(t.field);
  }
  return { updated: [...updated].sort(), evidence: [...evidence].sort() };
}

/** How far past the test a call that ends the object's life may be, when the test guards what follows it. */
const GUARDED_CHARS = 400;

/**
 * The text a last-reference test at `at` guards: the statement of the `if`/`while` it is in when the test
 * holds at the last reference (`if (atomic_dec_and_test(&d->refcnt)) domain_destroy(d);`), else, when it
 * holds while references are left (`if (!atomic_dec_and_test(&fp->refcount)) return; put_final(fp);`,
 * `if (--h->refs) return;`), what follows that statement in its block. Undefined when the test is not
 * the condition of an `if` or `while`.
 */
function guardedText(body: string, at: number, whenTrue: boolean): string | undefined {
  let depth = 0;
  let open = -1;
  for (let i = at - 1; i >= 0 && at - i < 600; i--) {
    const c = body[i];
    if (c === ')') depth++;
    else if (c === '(' && depth-- === 0) {
      if (/\b(?:if|while)\s*$/.test(body.slice(Math.max(0, i - 8), i))) {
        open = i;
        break;
      }
    } else if (c === ';' || c === '{' || c === '}') return undefined;
  }
  if (open < 0) return undefined;
  // negations between the condition's start and the test (`!(`, `!`): each turns it round
  const negations = (body.slice(open + 1, at).match(/!(?!=)/g) ?? []).length;
  const lastWhenTrue = whenTrue !== (negations % 2 === 1);
  const close = closingBracket(body, open);
  if (close < 0) return undefined;
  const stmtEnd = statementEnd(body, close + 1);
  if (lastWhenTrue) return body.slice(close + 1, stmtEnd);
  const blockEnd = enclosingEnd(body, stmtEnd);
  return body.slice(stmtEnd, Math.min(blockEnd, stmtEnd + GUARDED_CHARS));
}

/** Where the statement starting at `from` ends (after its `;` or its block's `}`). */
function statementEnd(s: string, from: number): number {
  let i = from;
  while (i < s.length && /\s/.test(s[i])) i++;
  if (s[i] === '{') {
    const e = closingBracket(s, i);
    return e < 0 ? s.length : e + 1;
  }
  let d = 0;
  for (; i < s.length; i++) {
    if (s[i] === '(' || s[i] === '{') d++;
    else if (s[i] === ')' || s[i] === '}') {
      if (--d < 0) return i;
    } else if (s[i] === ';' && d === 0) return i + 1;
  }
  return s.length;
}

/** The end of the block that holds `from` (its unmatched `}`), or of the text. */
function enclosingEnd(s: string, from: number): number {
  let d = 0;
  for (let i = from; i < s.length; i++) {
    if (s[i] === '{') d++;
    else if (s[i] === '}' && --d < 0) return i;
  }
  return s.length;
}

/** A call that ends an object's life, by its name (`inode_free`, `domain_destroy`, `__put_fd_final`). */
const RELEASING = `(?:${[
  'free',
  'destroy',
  'release',
  'put',
  'final',
  'close',
  'delete',
  'del',
  'remove',
  'unref',
  'drop',
  'kill',
  'dealloc',
  'cleanup',
  'destruct',
  'fini',
  'reclaim',
].join('|')})`;

const ENDS_LIFE = new RegExp(RELEASING);

/** A function whose name says it ends a life (`tcp_drop`, `pcb_free`, `domain_destroy`). */
export function endsLife(name: string): boolean {
  return ENDS_LIFE.test(name);
}

/** Whether the owner itself (not one of its members) is given to a call that ends its life in `text`. */
function handsOn(text: string, owner: string): boolean {
  if (!/^[A-Za-z_][\w\->.[\]]*$/.test(owner)) return false;
  const esc = owner.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  const re = new RegExp(String.raw`\b\w*${RELEASING}\w*\s*\((?:[^;()]*,)?\s*(?:\([^()]*\)\s*)?${esc}\s*[,)]`);
  return re.test(text);
}

/** Uses by function text: an edit elsewhere in a document leaves the other functions' scans as they were. */
const usesMemo = new Map<string, CountFieldUses>();

function usesOf(text: string, withHead: boolean): CountFieldUses {
  return remembered(usesMemo, text, 20000, () => countFieldUses(text, withHead ? paramNames(text) : undefined));
}

/**
 * The count fields a file's analysis reads, and per function whether it updates one: in tree mode
 * the tree's (`treeFields`), else the ones the file itself shows to be counts.
 */
export function countFieldsIn(
  masked: string,
  spans: readonly { start: number; end: number }[],
  treeFields?: readonly string[],
): { fields?: ReadonlySet<string>; updates: boolean[] } {
  // the tree says no member this file updates is a count: no body need be read
  if (treeFields && !treeFields.length) return { updates: spans.map(() => false) };
  const uses = spans.map((f) => usesOf(masked.slice(f.start, f.end), true));
  const fields = new Set(treeFields ?? uses.flatMap((u) => u.evidence));
  if (!fields.size) return { updates: spans.map(() => false) };
  return { fields, updates: uses.map((u) => u.updated.some((c) => fields.has(c))) };
}

/** A macro's body with its parameters unwrapped from their parentheses (`&(_d)->refcnt` -> `&_d->refcnt`). */
function unwrapParams(params: readonly string[], body: string): string {
  let b = body;
  for (const p of params)
    if (/^\w+$/.test(p)) b = b.replace(new RegExp(String.raw`(?<![\w)\]\s])\(\s*${p}\s*\)`, 'g'), p);
  return b;
}

/**
 * The evidence in a function-like macro's body (`#define put_domain(_d) if ( atomic_dec_and_test(&(_d)->refcnt) )
 * domain_destroy(_d)`).
 */
export function macroCountEvidence(params: readonly string[], body: string): string[] {
  if (!/atomic|--|-=/.test(body)) return [];
  return countFieldUses(unwrapParams(params, body), params).evidence;
}

/** The members a function-like macro's body adds to or takes from (`put_domain(d)` takes from `refcnt`). */
export function macroCountUpdates(params: readonly string[], body: string): string[] {
  if (!/atomic|cmpxchg|compareandswap|cmpset|\+\+|--|[-+]=/.test(body)) return [];
  return countFieldUses(unwrapParams(params, body)).updated;
}

/** The parameter names of a function definition's text (its head's last parenthesised list before the body). */
function paramNames(fn: string): string[] {
  const brace = fn.indexOf('{');
  const head = brace < 0 ? fn : fn.slice(0, brace);
  const close = head.lastIndexOf(')');
  if (close < 0) return [];
  let depth = 0;
  let open = -1;
  for (let i = close; i >= 0; i--) {
    if (head[i] === ')') depth++;
    else if (head[i] === '(' && --depth === 0) {
      open = i;
      break;
    }
  }
  if (open < 0) return [];
  return head
    .slice(open + 1, close)
    .split(',')
    .map((p) => /([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*$/.exec(p.trim())?.[1] ?? '')
    .filter(Boolean);
}

/** An `if (...) return` in `before` whose test reads a member of `owner` other than `field`. */
function leavesByKind(before: string, owner: string, field: string): boolean {
  if (!/^[A-Za-z_]\w*$/.test(owner)) return false;
  const member = new RegExp(String.raw`\b${owner}\s*->\s*([A-Za-z_]\w*)`, 'g');
  for (const m of before.matchAll(/\bif\s*\(([^;{}]*)\)\s*\{?\s*return\b/g))
    for (const f of m[1].matchAll(member)) if (f[1] !== field) return true;
  return false;
}
