/**
 * Zero-config pair inference: functions this file calls whose names pair up
 * (`foo_get`/`foo_put`, `x_hold`/`x_rele`, `x_get_y`/`x_put_y`, `foo_get_by_id`/`foo_put`...)
 * and that the bodies show working on one object (same argument, or the acquire's
 * result given to the release) are taken as acquire/release, marked inferred wherever
 * they show. See inferPairs.
 */
import { nameTable } from './tables';
import { unwrapValue, type Syn } from './parse/syntax';
import type { Atom, Effect, Model } from './model/compiled';
import type { InferredPairReport } from './result';

type PairRow = InferredPairReport['functions'][string];

export const PAIR_SUFFIXES: [string, string][] = [
  ['get', 'put'],
  ['tryget', 'put'],
  ['hold', 'rele'],
  ['hold', 'release'],
  ['hold', 'drop'],
  ['hold', 'put'],
  ['ref', 'unref'],
  ['ref', 'rel'],
  ['ref', 'rele'],
  ['ref', 'deref'],
  ['acquire', 'release'],
  ['grab', 'drop'],
  ['retain', 'release'],
];

/** Verbs that name a lookup returning a new reference (`<stem>_find_by_x`), partnered with `<stem>_<release>`. */
export const LOOKUP_VERBS = ['get', 'tryget', 'find', 'lookup', 'search'];

const ACQ_WORDS = [...new Set([...PAIR_SUFFIXES.map(([a]) => a), ...LOOKUP_VERBS])];

/** A name that says it acquires: one of its words is an acquire verb (`get_page_and_type`, `dev_hold`). */
export function namedAsAcquire(name: string): boolean {
  return name.split('_').some((w) => ACQ_WORDS.includes(w));
}
const REL_WORDS = [...new Set(PAIR_SUFFIXES.map(([, r]) => r))];

/** A name that says it releases or unlocks: one of its words is a release verb (`put_gfn`, `rcu_unlock_domain`). */
export function namedAsRelease(name: string): boolean {
  return name.split('_').some((w) => REL_WORDS.includes(w) || w === 'unlock' || w === 'free');
}

/**
 * Verbs of an object pin: a lock that hands out the object it holds (`d = rcu_lock_domain_by_id(id)`)
 * and an unlock given that object alone (`rcu_unlock_domain(d)`). Only in the middle of a name, never
 * a suffix: `foo_lock(x)`/`foo_unlock(x)` is a mutex, not a pin.
 */
export const PIN_VERBS: [string, string][] = [
  ['lock', 'unlock'],
  ['pin', 'unpin'],
];
const PIN_LOCK_RE = new RegExp(`^.+_(?:${PIN_VERBS.map(([l]) => l).join('|')})_.`);
const PIN_UNLOCK_RE = new RegExp(`^.+_(?:${PIN_VERBS.map(([, u]) => u).join('|')})_.`);

/**
 * Which half of an object pin `name` could be by its shape (the verb in the middle: `rcu_lock_domain_by_id`,
 * `rcu_unlock_domain`), if any. Kept apart from isInferenceCandidate: most such names are a mutex's
 * (`spin_lock_bh(&l)`), and a name that is a candidate makes its callers relevant wherever it is called;
 * a pin is told from a mutex by the calls (inferPins, pinsIn, handsOut).
 */
export function pinShape(name: string): 'lock' | 'unlock' | undefined {
  return PIN_LOCK_RE.test(name) ? 'lock' : PIN_UNLOCK_RE.test(name) ? 'unlock' : undefined;
}

/**
 * True if some pin-shaped lock and unlock among `names` (one function's identifiers) pair by name
 * (namesPin): the only functions whose calls can show a pin, so the only ones inferPins must read.
 */
export function pinsIn(names: readonly string[]): boolean {
  const locks = names.filter((n) => pinShape(n) === 'lock');
  if (!locks.length) return false;
  return names.some((u) => pinShape(u) === 'unlock' && locks.some((l) => namesPin(l, u) !== undefined));
}

/**
 * A call of a pin-shaped lock that hands its caller something (its value is used: the object, or a status
 * with the object in an out-parameter), as a pin does; a mutex's lock is a statement (`spin_lock_bh(&l);`).
 */
export function handsOut(name: string, asStatement: boolean): boolean {
  return !asStatement && pinShape(name) === 'lock';
}
// A suffix pair half (`foo_get`, `dget`), or a lookup/infix form (`foo_get_by_x`, `x_put_port_malloc`).
const CANDIDATE_RE = new RegExp(
  `^.+(?:${[...ACQ_WORDS, ...REL_WORDS].join('|')})$|^.+_(?:${[...ACQ_WORDS, ...REL_WORDS].join('|')})_.`,
);

/**
 * True if inferPairs could ever take `name` as one half of a pair. Cheap (one
 * regex); a superset of what inference actually pairs, never a subset.
 */
export function isInferenceCandidate(name: string): boolean {
  let yes = candidates.get(name);
  if (yes === undefined) {
    if (candidates.size > 50_000) candidates.clear();
    yes = CANDIDATE_RE.test(name);
    candidates.set(name, yes);
  }
  return yes;
}
const candidates = new Map<string, boolean>();

export interface InferredPair {
  acquire: string;
  release: string;
  effects: Effect[];
}

/** One call in the file's bodies: its arguments' text, and what its result is given to. */
interface CallSite {
  fn: number;
  args: string[];
  /** Which arguments were passed by address (`&d`): out-parameters. */
  byAddress: boolean[];
  /** The variable (or field) the result is assigned to, if it is. */
  assigned?: string;
  /** The call is a statement of its own: its result is thrown away. */
  discarded: boolean;
}

const norm = (a: string) =>
  a
    .replace(/\s+/g, '')
    .replace(/^&/, '')
    .replace(/^\((.*)\)$/, '$1');

function declName(d: Syn | undefined): string | undefined {
  while (d && d.type !== 'identifier') d = d.fields.declarator;
  return d?.text;
}

/** Calls of functions that could be half of a pair or of a pin (no other call is ever read). */
function callsIn(fns: Syn[], src: string): Map<string, CallSite[]> {
  const out = new Map<string, CallSite[]>();
  const sites = new Map<number, CallSite>();
  const text = (n: Syn) => norm(src.slice(n.start, n.end));
  const walk = (n: Syn, fn: number) => {
    if (
      n.type === 'call_expression' &&
      n.fields.function?.type === 'identifier' &&
      (isInferenceCandidate(n.fields.function.text!) || pinShape(n.fields.function.text!))
    ) {
      const name = n.fields.function.text!;
      const argNodes = (n.fields.arguments?.children ?? []).filter(
        (c) => c.type !== '(' && c.type !== ')' && c.type !== ',' && c.type !== 'comment',
      );
      const args = argNodes.map(text);
      const byAddress = argNodes.map((c) => /^\s*&/.test(src.slice(c.start, c.end)));
      const site: CallSite = { fn, args, byAddress, discarded: false };
      sites.set(n.start, site);
      const list = out.get(name) ?? [];
      list.push(site);
      out.set(name, list);
    } else if (n.type === 'assignment_expression' && n.op === '=') {
      const r = unwrapValue(n.fields.right);
      if (r?.type === 'call_expression' && n.fields.left) pending.push([r, n.fields.left]);
    } else if (n.type === 'init_declarator') {
      const r = unwrapValue(n.fields.value);
      const v = declName(n.fields.declarator);
      if (r?.type === 'call_expression' && v) pending.push([r, v]);
    } else if (n.type === 'expression_statement') {
      const r = unwrapValue(n.children[0]);
      if (r?.type === 'call_expression') discarded.push(r);
    }
    for (let i = 0; i < n.children.length; i++) walk(n.children[i], fn);
  };
  const pending: [Syn, Syn | string][] = [];
  const discarded: Syn[] = [];
  for (let i = 0; i < fns.length; i++) walk(fns[i], i);
  for (const [call, v] of pending) {
    const s = sites.get(call.start);
    if (s) s.assigned = typeof v === 'string' ? v : text(v);
  }
  for (const call of discarded) {
    const s = sites.get(call.start);
    if (s) s.discarded = true;
  }
  return out;
}

const ACQ_OF = new Map<string, Set<string>>();
for (const [a, r] of PAIR_SUFFIXES) ACQ_OF.set(r, (ACQ_OF.get(r) ?? new Set()).add(a));
const SUFFIX_RES: [RegExp, string][] = PAIR_SUFFIXES.map(([a, r]) => [new RegExp(`^(.*?)(_?)${a}$`), r]);
const FIND_VERBS = LOOKUP_VERBS.filter((v) => !PAIR_SUFFIXES.some(([a]) => a === v));

/**
 * How `acq` and `rel` pair by name, if they do:
 * - `suffix`: `foo_get`/`foo_put`, `dget`/`dput` (a row of PAIR_SUFFIXES on the same stem);
 * - `infix`: `foo_get_bar`/`foo_put_bar` (the verb in the middle, the rest of the name the same);
 * - `lookup`: `foo_get_by_id`, `foo_find_x`, `bar_lookup_foo_fast` for the release `foo_put`/`bar_foo_put`: the
 *   acquire's name with its verb taken out names the release's stem (or starts with it).
 */
export function namesPair(acq: string, rel: string): 'suffix' | 'infix' | 'lookup' | undefined {
  if (acq === rel) return undefined;
  for (const [re, r] of SUFFIX_RES) {
    const m = re.exec(acq);
    if (m?.[1] && rel === `${m[1]}${m[2]}${r}`) return 'suffix';
  }
  const at = acq.split('_');
  const rt = rel.split('_');
  const relWord = rt[rt.length - 1];
  // infix: same tokens but the verb (`drm_x_get_port_malloc`/`drm_x_put_port_malloc`); the stem before the
  // verb must be a word, not leading underscores (`__get_user`/`__put_user` copy a value in and out)
  if (at.length === rt.length && at.length >= 3) {
    const diff = at.map((t, i) => (t === rt[i] ? -1 : i)).filter((i) => i >= 0);
    if (
      diff.length === 1 &&
      at.slice(0, diff[0]).some((t) => t !== '') &&
      diff[0] < at.length - 1 &&
      PAIR_SUFFIXES.some(([a, r]) => a === at[diff[0]] && r === rt[diff[0]])
    )
      return 'infix';
  }
  // lookup: `<stem>_<rel>` released, `..._<verb>_...` acquired
  if (rt.length < 2 || !ACQ_OF.has(relWord)) return undefined;
  const stem = rt.slice(0, -1).join('_');
  const verbs = new Set([...ACQ_OF.get(relWord)!, ...FIND_VERBS]);
  for (let i = 1; i < at.length; i++) {
    if (!verbs.has(at[i])) continue;
    const rest = [...at.slice(0, i), ...at.slice(i + 1)].join('_');
    if (rest === stem || rest.startsWith(`${stem}_`)) return 'lookup';
  }
  return undefined;
}

/**
 * How `acq` and `rel` pair as an object pin, if they do: the counter they keep (`rcu_lock`). The names
 * share the words before the verb (`rcu`), the verbs are a PIN_VERBS row (`lock`/`unlock`), and the
 * release's words after its verb (`domain`) come, in order, among the acquire's (`current_domain`,
 * `remote_domain_by_id`): `rcu_lock_domain_by_id`, `rcu_lock_current_domain` against `rcu_unlock_domain`.
 */
export function namesPin(acq: string, rel: string): string | undefined {
  const at = acq.split('_');
  const rt = rel.split('_');
  for (let i = 1; i < rt.length - 1 && i < at.length - 1; i++) {
    const verbs = PIN_VERBS.find(([l, u]) => at[i] === l && rt[i] === u);
    if (!verbs) continue;
    const prefix = rt.slice(0, i);
    if (at.slice(0, i).join('_') !== prefix.join('_') || prefix.every((t) => t === '')) return undefined;
    let j = i + 1;
    for (const w of at.slice(i + 1)) if (j < rt.length && w === rt[j]) j++;
    return j === rt.length ? `${prefix.join('_')}_${verbs[0]}` : undefined;
  }
  return undefined;
}

function eff(op: 'acquire' | 'release', base: 'arg' | 'ret', index: number, source: string): Effect {
  const target = { base, index: base === 'ret' ? -1 : index, segs: [], text: base === 'ret' ? 'ret' : `arg${index}` };
  const when: Atom[] = base === 'ret' ? [{ kind: 'ret', test: 'ne0' }] : [];
  return { op, target, when, count: 1, source, inferred: true, label: 'inferred' };
}

/**
 * Returns name -> inferred effects, for both halves of every pair found. A pair needs its names to pair
 * (namesPair) and evidence in the bodies that both halves are about one object:
 * - both called on the same argument (`x_get(o)` ... `x_put(o)`): acquire arg0, release arg0;
 * - the acquire's result assigned to a variable later given to the release in the same function
 *   (`h = x_get_by_y(a)` ... `x_put(h)`, `f = x_get(o)` ... `x_put(f)`): acquire ret when ret != NULL, release
 *   the argument it was given as, unless some call of the acquire throws its result away (then it takes
 *   the reference on its argument, as the first rule).
 * A release the model already knows (`x_put` a preset row) still lends its name to an unknown lookup. The
 * lookup and infix forms are not guessed for a half this file defines: its body says what it does.
 */
/** `elsewhere`: functions with a body elsewhere in the tree, read from their summaries as the file's own are. */
export function inferPairs(
  fns: Syn[],
  src: string,
  model: Model,
  elsewhere?: Iterable<string>,
): Map<string, InferredPair> {
  const calls = callsIn(fns, src);
  const known = (n: string) =>
    model.functions.has(n) ||
    model.borrows.has(n) ||
    model.handles.has(n) ||
    model.noreturn.has(n) ||
    model.transparent.has(n) ||
    model.asserts.has(n) ||
    model.zeroes.has(n);
  const releaseArg = (n: string): number | undefined => {
    const e = model.functions.get(n);
    return e &&
      e.length === 1 &&
      e[0].op === 'release' &&
      e[0].target.base === 'arg' &&
      !e[0].target.segs.length &&
      !e[0].counter
      ? e[0].target.index
      : undefined;
  };
  // a half this file defines is read from its body (its summary), not guessed from its name
  const defined = new Set<string>(elsewhere);
  for (const f of fns) {
    const n = declName(f.fields.declarator);
    if (n) defined.add(n);
  }
  const names = [...calls.keys()];
  const acqNames = names.filter((n) => isInferenceCandidate(n) && !known(n));
  const relNames = names.filter((n) => isInferenceCandidate(n) && (!known(n) || releaseArg(n) !== undefined));
  const out = new Map<string, InferredPair>();
  for (const acq of acqNames) {
    if (out.has(acq)) continue;
    const aSites = calls.get(acq)!;
    for (const rel of relNames) {
      if (out.has(acq)) break;
      const how = namesPair(acq, rel);
      if (!how) continue;
      const relKnown = known(rel);
      if (!relKnown && out.has(rel)) continue;
      const rSites = calls.get(rel)!;
      const source = `inferred:${acq}/${rel}`;
      let pair: { acquire: Effect; release: Effect } | undefined;
      // the result flows into the release in the same function
      let flowIdx: number | undefined;
      for (const a of aSites) {
        if (!a.assigned) continue;
        for (const r of rSites) {
          const i = r.fn === a.fn ? r.args.indexOf(a.assigned) : -1;
          if (i >= 0 && (flowIdx === undefined || i < flowIdx)) flowIdx = i;
        }
      }
      const someDiscarded = aSites.some((a) => a.discarded);
      // `q_get(q)` ... `q_put(q, elem)`: a put given more than its get stores something in the first
      // argument (a queue's element), it does not drop a reference on it
      const arity = Math.max(...aSites.map((a) => a.args.length));
      const shared =
        aSites.some((a) => a.args[0] && rSites.some((r) => r.args[0] === a.args[0])) &&
        rSites.every((r) => r.args.length <= arity);
      const relIdx = relKnown ? releaseArg(rel)! : undefined;
      const bodies = defined.has(acq) || defined.has(rel);
      if (flowIdx !== undefined && !bodies && !someDiscarded && (relIdx === undefined || relIdx === flowIdx)) {
        pair = { acquire: eff('acquire', 'ret', -1, source), release: eff('release', 'arg', flowIdx, source) };
      } else if (
        shared &&
        (how === 'suffix' || !bodies) &&
        how !== 'lookup' &&
        (relIdx === undefined || relIdx === 0)
      ) {
        pair = { acquire: eff('acquire', 'arg', 0, source), release: eff('release', 'arg', 0, source) };
      }
      if (!pair) continue;
      out.set(acq, { acquire: acq, release: rel, effects: [pair.acquire] });
      if (!relKnown) out.set(rel, { acquire: acq, release: rel, effects: [pair.release] });
    }
  }
  inferPins(calls, names, known, out);
  return out;
}

/**
 * Object pins (namesPin): a lock that hands its caller the object it holds, and the unlock that takes that
 * object back. Evidence, besides the names: the unlock is only ever given one argument, and in one function
 * the object the lock handed out (its result, or an out-parameter `&d` when it returned 0) is given to it
 * as it is, not by its address.
 * The halves' bodies do not decide: a lock primitive (`rcu_read_lock(d)`) is no count their summaries show.
 * The pin is counted on a separate counter named after the verb (`rcu_lock`), as the model rows would, and
 * not marked inferred: the object handed from one to the other is the evidence a model row would rest on.
 */
function inferPins(
  calls: Map<string, CallSite[]>,
  names: string[],
  known: (n: string) => boolean,
  out: Map<string, InferredPair>,
): void {
  for (const rel of names) {
    if (known(rel) || out.has(rel)) continue;
    const rSites = calls.get(rel)!;
    if (!rSites.every((r) => r.args.length === 1)) continue;
    // the object itself, never its address: `spin_lock_irq(&l)` ... `spin_unlock_irq(&l)` is a mutex
    const given = (fn: number, v: string) => rSites.some((r) => r.fn === fn && r.args[0] === v && !r.byAddress[0]);
    let released = false;
    for (const acq of names) {
      if (known(acq) || out.has(acq)) continue;
      const counter = namesPin(acq, rel);
      if (!counter) continue;
      const aSites = calls.get(acq)!;
      const source = `pin:${acq}/${rel}`;
      let effect: Effect | undefined;
      if (!aSites.some((a) => a.discarded) && aSites.some((a) => a.assigned && given(a.fn, a.assigned)))
        effect = pinEffect('acquire', 'ret', -1, counter, source);
      else {
        const site = aSites.find((a) => a.args.some((v, k) => a.byAddress[k] && given(a.fn, v)));
        const k = site?.args.findIndex((v, i) => site.byAddress[i] && given(site.fn, v)) ?? -1;
        if (k >= 0) effect = pinEffect('acquire', 'arg', k, counter, source);
      }
      if (!effect) continue;
      out.set(acq, { acquire: acq, release: rel, effects: [effect] });
      if (!released)
        out.set(rel, { acquire: acq, release: rel, effects: [pinEffect('release', 'arg', 0, counter, source)] });
      released = true;
    }
  }
}

function pinEffect(
  op: 'acquire' | 'release',
  base: 'arg' | 'ret',
  index: number,
  counter: string,
  source: string,
): Effect {
  const target: Effect['target'] =
    base === 'ret'
      ? { base, index: -1, segs: [], text: 'ret' }
      : op === 'acquire'
        ? { base, index, segs: ['*'], text: `*arg${index}` }
        : { base, index, segs: [], text: `arg${index}` };
  const when: Effect['when'] =
    op === 'release' ? [] : base === 'ret' ? [{ kind: 'ret', test: 'ne0' }] : [{ kind: 'ret', test: 'eq0' }];
  // an unlock is not a put: nothing says it takes NULL (`rcu_unlock_domain(NULL)` drops a lock nobody took)
  const nullUnsafe = op === 'release' ? { nullUnsafe: true } : {};
  return { op, target, when, count: 1, counter, source, label: 'pin', ...nullUnsafe };
}

/** The model-file rows that state the inferred pairs as the user's own (the editor's quick fix writes them). */
export function pairReports(pairs: ReadonlyMap<string, InferredPair>): InferredPairReport[] {
  const out = new Map<string, InferredPairReport>();
  for (const [name, pair] of pairs) {
    const key = `${pair.acquire}/${pair.release}`;
    const report = out.get(key) ?? {
      acquire: pair.acquire,
      release: pair.release,
      functions: nameTable<PairRow>(),
    };
    for (const ef of pair.effects) {
      if (ef.op !== 'acquire' && ef.op !== 'release') continue;
      const row: PairRow = { [ef.op]: ef.target.text };
      if (ef.when.some((a) => a.kind === 'ret' && a.test === 'ne0')) row.when = 'ret != NULL';
      if (ef.when.some((a) => a.kind === 'ret' && a.test === 'eq0')) row.when = 'ret == 0';
      if (ef.counter) row.counter = ef.counter;
      if (ef.nullUnsafe) row.nullSafe = false;
      report.functions[name] = row;
    }
    out.set(key, report);
  }
  return [...out.values()];
}
