/**
 * One abstract path state: what has happened to each counted object and what is
 * known about locals, for all concrete paths that reached a CFG node alike.
 * States are immutable: every change makes a copy (maps are small).
 */
import type { Step } from '../result';

export interface ObjState {
  display: string;
  kind: string;
  /** Existence references created (+) or destroyed (-). */
  exist: number;
  /** Ordinary references acquired (+) or released (-). */
  refs: number;
  /** Separate counters (si_threadcount). */
  counters?: Record<string, number>;
  /** References handed on (passed to an unknown function, stored, returned) as of the last hand-off. */
  transferred: number;
  /** This path acquired or created the object itself. */
  obtained: boolean;
  /** Line of the last acquire (where a leak is reported). */
  lastAcquire?: number;
  /** The counts this path raised (or tried to): `''` the object's own, else a separate counter's name. */
  gained?: readonly string[];
  /** Line where a count first went below what was obtained. */
  overLine?: number;
  /** Which count went below there (a separate counter's name; absent: the object's own) and to what. */
  over?: { counter?: string; total: number };
  returned?: boolean;
  inferred?: boolean;
  /** A separate counter's hold went with the object when it was stored or handed on (`vhold(dp); nt->dp = dp`). */
  countersHandedOn?: boolean;
  /**
   * The object a member of a freed struct points to (`uifree(cr->cr_uidinfo); ... free(cr)`): what
   * was done to it went with the container's destruction. Shown in the path and the summary; the
   * inconsistent check does not compare it across paths.
   */
  withContainer?: boolean;
  /**
   * A count kept inside its container (`refcount_release(&ms->ms_ref)`,
   * `kref_put(&h->refcount, ...)`): freeing the container does not take it along.
   */
  embedded?: boolean;
  /**
   * The path found the object by a lookup (a model row that points a result or an out-parameter at an object
   * that exists, counting nothing: a new descriptor's file, reserved in its table): a structure the function did
   * not make, so a store in it is one others reach (Fact.published). Not in the key; where states meet it stays
   * only when both had it.
   */
  found?: boolean;
  /**
   * A separate counter's hold this path took on the object after giving it to a call that may keep it in a
   * structure (Fact.keptWith): a leak of that hold is information. Not in the key; where states meet it stays only
   * when both had it.
   */
  keptWith?: KeptWith;
  /** Where this path stored the object's references (`claim->gw = gw`): freeing that memory loses them. */
  storedIn?: string;
  /**
   * The place in a structure of the function's own that the path stored the object in before it took this
   * reference (`act->prog = p; hold(p)`), while that structure is linked nowhere yet: once the path stores the
   * structure where a parameter or a global reaches, or returns it, the reference is that place's (`storedIn`).
   */
  keptBy?: string;
  /**
   * Of `refs`, the references places the object was linked into hold, one per link (a list or a tree a global
   * or a parameter reaches: `INSERT_TAIL(&head, p, link); retain(p); retain(p)` keeps one for the list and
   * hands the other to the caller): returned with the object, they stay with those places (`Fact.links`).
   */
  linked?: number;
  /** The references stored in memory this path then freed (`kfree(claim)`): line of the free, and what held them. */
  lost?: { line: number; where: string };
  /** What the path did to the object is not all known (given to a callee cut by its budget). Not in the key. */
  doubt?: Doubt;
  /**
   * A count change on this path was guarded by a test of the object's own state (`if (d->users++ == 0)
   * get(d)`, `if (test_and_clear_bit(F, &w->state)) put(w->dev)`): the reference follows that state,
   * kept on purpose, so paths that differ only there are bookkeeping, not an inconsistency. Not in the
   * key; where states meet it stays when either had it.
   */
  parked?: 'test' | 'callee';
  /**
   * A release on this path happened under a test of a flag in the object's own state word (`if (x &
   * PGT_partial) put_page(page)`, `x` read from `page->u.inuse.type_info`), here or in a callee: the
   * reference that flag held, as far as the text shows (checks.ts, `flagOwned`). Not in the key; where
   * states meet it stays when either had it.
   */
  byFlag?: boolean;
  /**
   * A release on this path took a use off the count by hand (`so->so_usecount--`, `atomic_dec(&x->n)`: not a
   * put that tests it), here or in a callee (`unp_drop()` cutting a link): the usual way a queue's or a link's
   * use is given back (checks.ts, `linked`). Not in the key; where states meet it stays when either had it.
   */
  byHand?: boolean;
  /**
   * References this path released under a test that changed the object's own state
   * (`if (test_and_clear_bit(ALLOCATED, &pg->count_info)) put_page(pg)`): the reference that state
   * owned, given back for it, not one this function obtained; an over-release counts below it. Also the
   * reference a list held, when the path took the object off it (`Effects.unlinkFrom`).
   */
  paidByState?: number;
  /**
   * References this path gave back before it first gained the object's count (`vnode_put(vp)` of the
   * caller's reference, then `vnode_getwithvid(vp, vid)` ... `vnode_put(vp)` of its own): the caller's,
   * handed back; an over-release counts below them.
   */
  givenFirst?: number;
  /**
   * The callee whose summary first took one of the object's counts below zero before this path gained
   * that count (a callee giving back what, as its summary reads, it never took). Not in the key.
   */
  underBy?: string;
}

/** The path changed the object's count: existence, references or a separate counter moved. */
export function hasDelta(o: ObjState): boolean {
  return o.exist !== 0 || o.refs !== 0 || (o.counters !== undefined && Object.values(o.counters).some((v) => v !== 0));
}

/**
 * The signs a value may have, in this order: `-` below zero, `0` zero, `+` above zero (`0+` is
 * `>= 0`). Absent: any.
 */
export type Signs = '-' | '0' | '+' | '-0' | '-+' | '0+';

/** What is known of a value: equal to a constant, not equal to some, flags it has or lacks, its sign. */
export interface Fact {
  eq?: string;
  ne?: string[];
  signs?: Signs;
  /**
   * An error code of a call that returns 0 on success (`when: ret == 0`): a non-zero value has
   * the sign the caller tests for. Linux and Xen return `-EINVAL` and test `rc < 0`, FreeBSD
   * returns `EINVAL` and tests `error != 0`; neither API returns a value of the other sign.
   */
  errno?: boolean;
  /** Exact set of flags (the value is an OR of these names). */
  flags?: string[];
  has?: string[];
  lacks?: string[];
  /** The call whose result the value is (for condition texts). */
  from?: string;
  /**
   * The value is a handle of the object at this key (a mapping of the page, its frame number: the
   * model's `handles`): storing it, returning it or handing it out keeps that object.
   */
  handleOf?: string;
  /**
   * A test in the code read whether the value is NULL (`if (d == NULL) goto out`), where a model's split of a
   * call's outcomes (`when: ret != NULL`) only supposes it: releasing a NULL the code knows of is its own doing.
   */
  nullTested?: true;
  /**
   * The value was stored at this key, a place a parameter reaches, while the path held no reference on it
   * (`sc->ifp = ifp; ifnet_reference(ifp);`): the reference the path takes next on it is that place's. `storedOf` marks
   * the place, so that writing it again, or giving the variable another value, forgets the pairing.
   */
  storedAt?: string;
  storedOf?: string;
  /**
   * The member at this key was found equal to the variable named here (`ASSERT(port->p_pending == ifp)`, or
   * the equal arm of such a test): storing the member stores that variable's object. A write of the member
   * forgets it.
   */
  sameAs?: string;
  /**
   * On a place with `storedOf`, in a structure of the function's own: the path has since stored the structure
   * where a parameter reaches (`r->unit = u; *out = r;`), so the place is the caller's to keep a reference in,
   * even once neither `r` nor `out` is named again.
   */
  published?: true;
  /**
   * The variable is the index the last store into this array went through (`pages[n] = ...`), and has not
   * changed since: a store through it again writes the same slot (paths/array-slots.ts).
   */
  slotOf?: string;
  /**
   * The path gave the value, while it held nothing on it, to a callee nobody describes that may keep it (the
   * unknown-call policy), together with one structure the function did not make (a parameter, or a file a lookup
   * found: `fp_set_data(fp, vp)`): the callee may have stored it there. Only a guess: a hold the path takes on the
   * value next is reported as information (ObjState.keptWith). A write of the value forgets it.
   */
  keptWith?: KeptWith;
  /**
   * Places the value was linked into (a list insert that stores it through a list head a global or a
   * parameter reaches) while the path held no reference for them, oldest first: each keeps one of the references
   * the path takes on it next (ObjState.linked).
   */
  links?: readonly string[];
}

/** A call that may have kept an object in a structure it was given with it (Fact.keptWith). */
export interface KeptWith {
  call: string;
  line: number;
  /** The structure, as the code names it. */
  in: string;
}

/** A condition on a parameter's entry value: `cr != NULL`, `*dev == NULL`, `flags & MAKEDEV_REF`. */
export interface ParamCond {
  /** Key of the parameter-rooted path. */
  key: string;
  test: 'eq' | 'ne' | 'has' | 'lacks';
  value: string;
  text: string;
}

export interface Cons<T> {
  head: T;
  tail: Cons<T> | undefined;
  size: number;
}
export function cons<T>(head: T, tail: Cons<T> | undefined): Cons<T> {
  return { head, tail, size: (tail?.size ?? 0) + 1 };
}
export function toArray<T>(c: Cons<T> | undefined): T[] {
  const out: T[] = [];
  for (let x = c; x; x = x.tail) out.push(x.head);
  return out.reverse();
}

/**
 * A branch condition a path took: as the analyser read it in C (`i [clone_create] == 0`,
 * naming the call whose value a variable held) and in the words shown to a reader
 * (`clone_create() found an existing device`). Interned per function, so equal conditions
 * are the same object.
 */
export interface Condition {
  source: string;
  words: string;
}

export interface ExitInfo {
  line: number;
  returns: string;
  returnClass: string;
  returnedKey?: string;
  /** The path returns the address of the object at returnedKey (`return &t->slots[i]`), not its value. */
  returnedAddress?: boolean;
}

/**
 * Why a path may not be one the code can take, as far as the analysis can tell: a branch it
 * split on a value whose fact it had merged away (`merged`: where, and the value), or a callee
 * of this file it could not follow (cut by its budget, or recursive). Not part of the state's key.
 */
/**
 * Why a path may not exist (`merged`: it split on a value widening forgot; `split` names that
 * split, both of its arms, and `arm` the side) or what it did is not all known (`callee`); of an
 * object, that it is a call's result the code never names and dropped where it differed from the value
 * it was compared with (`dropped`: the call, `compared`: that value, at `line`): the code reads it as
 * holding nothing there (identity.ts).
 */
export type Doubt =
  | { merged: number; value: string; split?: number; arm?: boolean }
  | { callee: string; why: 'cut' | 'recursive' }
  | { dropped: string; compared: string; line: number };

export interface State {
  objects: ReadonlyMap<string, ObjState>;
  facts: ReadonlyMap<string, Fact>;
  /** Local variable id -> the access path it was assigned from. */
  aliases: ReadonlyMap<string, string>;
  paramConds: readonly ParamCond[];
  /**
   * Parameter-rooted paths written on this path (out-parameters set); a parameter's own name when the
   * path gave it a call's result (`p = get_validated(p)`): from there on it names no object of the caller.
   */
  written: ReadonlySet<string>;
  /** Back-edge target node -> times taken. */
  iters: ReadonlyMap<number, number>;
  steps: Cons<Step> | undefined;
  conds: Cons<Condition> | undefined;
  lines: Cons<number> | undefined;
  exit?: ExitInfo;
  merged: number;
  /** Facts widening dropped on this path: key -> the line where states were merged. */
  forgotten?: ReadonlyMap<string, number>;
  /** Set once the path depends on something the analysis could not show (see Doubt). */
  doubt?: Doubt;
  /**
   * Splits on a forgotten value whose paths were merged here with a path of another story (another
   * split, or none): what those paths went on to do is not all seen under their split. Not in the key.
   */
  absorbed?: ReadonlySet<number>;
  /** The roots whose memory the last branch this path split on read (`d` for `d->users++ == 0`). */
  guard?: readonly string[];
  /**
   * The roots of `guard` when this path took the branch where that test held (`if
   * (test_and_clear_bit(F, &pg->flags))`): the first release of each in the branch gives back what
   * the state the test changed owned (ObjState.paidByState). Outside the key, like `guard`.
   */
  held?: readonly string[];
  /**
   * The parameters this path gave to a call through a function pointer (`(*so->so_proto->pr_lock)(so, 1)`):
   * an implementation the analysis cannot see. In the key: such a path is not the one that did nothing.
   */
  dispatched?: readonly string[];
  /** Cached merge key. */
  _key?: string;
}

export function initialState(): State {
  return {
    objects: new Map(),
    facts: new Map(),
    aliases: new Map(),
    paramConds: [],
    written: new Set(),
    iters: new Map(),
    steps: undefined,
    conds: undefined,
    lines: undefined,
    exit: undefined,
    merged: 1,
    forgotten: undefined,
    doubt: undefined,
    absorbed: undefined,
    guard: undefined,
    held: undefined,
    dispatched: undefined,
    _key: undefined,
  };
}

/** A copy with some fields replaced (written out field by field: V8 keeps one object shape). */
export function with_(s: State, p: Partial<State>): State {
  return {
    objects: p.objects ?? s.objects,
    facts: p.facts ?? s.facts,
    aliases: p.aliases ?? s.aliases,
    paramConds: p.paramConds ?? s.paramConds,
    written: p.written ?? s.written,
    iters: p.iters ?? s.iters,
    steps: 'steps' in p ? p.steps : s.steps,
    conds: 'conds' in p ? p.conds : s.conds,
    lines: 'lines' in p ? p.lines : s.lines,
    exit: p.exit ?? s.exit,
    merged: p.merged ?? s.merged,
    forgotten: 'forgotten' in p ? p.forgotten : s.forgotten,
    doubt: 'doubt' in p ? p.doubt : s.doubt,
    absorbed: 'absorbed' in p ? p.absorbed : s.absorbed,
    guard: 'guard' in p ? p.guard : s.guard,
    held: 'held' in p ? p.held : s.held,
    dispatched: 'dispatched' in p ? p.dispatched : s.dispatched,
    _key: undefined,
  };
}

function factKey(f: Fact): string {
  const sign = `${f.signs ?? ''}${f.errno ? 'e' : ''}`;
  const lists = [f.ne, f.flags, f.has, f.lacks].map((l) => l?.join(',') ?? '');
  const handle = f.handleOf === undefined ? '' : `|h${f.handleOf}`;
  const slot = f.slotOf === undefined ? '' : `|s${f.slotOf}`;
  const links = f.links?.length ? `|l${f.links.join(',')}` : '';
  return `${f.eq ?? ''}|${lists.join('|')}|${f.from ?? ''}${sign ? `|${sign}` : ''}${handle}${slot}${links}`;
}

/**
 * An object the path touched and left as it found it (a callee's get and put on a field of an
 * argument, balanced): nothing about it tells this path from one that never touched it.
 */
function untouched(o: ObjState): boolean {
  return (
    o.exist === 0 &&
    o.refs === 0 &&
    o.transferred === 0 &&
    !o.obtained &&
    !o.returned &&
    o.overLine === undefined &&
    !o.gained?.length &&
    !hasDelta(o) &&
    !o.lost &&
    !o.storedIn &&
    !o.keptBy &&
    !o.withContainer
  );
}

function objectsKey(objects: ReadonlyMap<string, ObjState>): string {
  return [...objects.keys()]
    .filter((k) => !untouched(objects.get(k)!))
    .sort()
    .map((k) => {
      const o = objects.get(k)!;
      const flags = [
        o.countersHandedOn ? ',h' : '',
        o.withContainer ? ',w' : '',
        o.embedded ? ',e' : '',
        o.storedIn ? `,s${o.storedIn}` : '',
        o.keptBy ? `,k${o.keptBy}` : '',
        o.linked ? `,n${o.linked}` : '',
        o.lost ? `,l${o.lost.line}` : '',
        o.paidByState ? `,p${o.paidByState}` : '',
        o.givenFirst ? `,g${o.givenFirst}` : '',
      ].join('');
      const over = `${o.overLine ?? ''}${o.over?.counter ? `:${o.over.counter}` : ''}`;
      const counts = `${o.exist},${o.refs},${o.transferred},${o.obtained ? 1 : 0},${o.returned ? 1 : 0}`;
      const counters = o.counters ? JSON.stringify(o.counters) : '';
      return `O${k}=${counts},${over},${o.gained?.join('+') ?? ''},${counters}${flags}`;
    })
    .join('\n');
}

function factsKey(facts: ReadonlyMap<string, Fact>): string {
  return [...facts.keys()]
    .sort()
    .map((k) => `F${k}=${factKey(facts.get(k)!)}`)
    .join('\n');
}

function aliasesKey(aliases: ReadonlyMap<string, string>): string {
  return [...aliases.keys()]
    .sort()
    .map((k) => `A${k}=${aliases.get(k)}`)
    .join('\n');
}

function writtenKey(written: ReadonlySet<string>): string {
  return [...written].sort().join('\n');
}

/**
 * The merge keys of one function's states. States with equal keys are interchangeable for
 * everything that follows. A key is a few numbers: each part's text (a map's, a step
 * history's) is numbered the first time this table sees it, so Map lookups hash a short
 * string, not the whole state. States share their maps until one changes (with_ copies
 * references), so each map's text is made once, when its object is first numbered.
 * One table per analysed function: numbers never leak between runs.
 */
export class StateKeys {
  private readonly ids = new Map<string, number>();
  private readonly partIds = new WeakMap<object, number>();

  private id(text: string): number {
    let n = this.ids.get(text);
    if (n === undefined) {
      n = this.ids.size;
      this.ids.set(text, n);
    }
    return n;
  }

  private idOf(o: object, text: () => string): number {
    let n = this.partIds.get(o);
    if (n === undefined) {
      n = this.id(text());
      this.partIds.set(o, n);
    }
    return n;
  }

  /** Histories share their tails: a cell's number comes from its head and its tail's number. */
  private stepsId(steps: Cons<Step> | undefined): number {
    if (!steps) return -1;
    const known = this.partIds.get(steps);
    if (known !== undefined) return known;
    // iterative: a long history must not overflow the stack
    const todo: Cons<Step>[] = [];
    for (let c: Cons<Step> | undefined = steps; c && !this.partIds.has(c); c = c.tail) todo.push(c);
    for (let i = todo.length - 1; i >= 0; i--) {
      const c = todo[i];
      const tail = c.tail ? this.partIds.get(c.tail)! : -1;
      this.partIds.set(c, this.id(`${c.head.line}:${c.head.op}:${c.head.object}:${c.head.delta};${tail}`));
    }
    return this.partIds.get(steps)!;
  }

  key(s: State): string {
    if (s._key !== undefined) return s._key;
    // opaque conditions (which way a parameter-dependent branch went) do not keep states apart: merging intersects them
    // conditions on parameters do not keep states apart either: paths that differ in what they do differ in
    // their objects anyway, and merging intersects the conditions (what the merged class still requires)
    const o = this.idOf(s.objects, () => objectsKey(s.objects));
    const f = this.idOf(s.facts, () => factsKey(s.facts));
    const a = this.idOf(s.aliases, () => aliasesKey(s.aliases));
    const w = s.written.size ? this.idOf(s.written, () => writtenKey(s.written)) : -1;
    const iters = s.iters.size
      ? [...s.iters.keys()]
          .sort((x, y) => x - y)
          .map((k) => `${k}=${s.iters.get(k)}`)
          .join(',')
      : '';
    const exit = s.exit ? this.id(`${s.exit.line}:${s.exit.returns}:${s.exit.returnClass}`) : -1;
    const d = s.dispatched ? ` ${s.dispatched.join(',')}` : '';
    const key = `${o} ${f} ${a} ${w} ${iters} ${exit} ${this.stepsId(s.steps)}${d}`;
    (s as State)._key = key;
    return key;
  }
}

/** Keeps the conditions both paths took, in order. */
export function intersectConds(
  a: Cons<Condition> | undefined,
  b: Cons<Condition> | undefined,
): Cons<Condition> | undefined {
  if (a === b) return a;
  const inB = new Set(toArray(b));
  let out: Cons<Condition> | undefined;
  for (const c of toArray(a)) if (inB.has(c)) out = cons(c, out);
  return out;
}

/** The key of an opaque condition "which path the callee at offset `at` took". */
export function calleePathKey(callee: string, at: number): string {
  return `via ${callee}@${at}`;
}

export function isCalleePath(p: ParamCond): boolean {
  return p.key.startsWith('via ');
}

/** Which way a parameter-dependent branch or a callee went: conditions no caller can state. */
export function isOpaque(p: ParamCond): boolean {
  return p.key.startsWith('cond@') || isCalleePath(p);
}

/**
 * What an object carries outside a state's key, where states meet: its doubt stays only if both had
 * it, `parked` when either had it.
 */
function mergeObjectNotes(
  a: ReadonlyMap<string, ObjState>,
  b: ReadonlyMap<string, ObjState>,
): ReadonlyMap<string, ObjState> {
  if (a === b) return a;
  let out: Map<string, ObjState> | undefined;
  for (const [k, o] of a) {
    const other = b.get(k);
    const dropDoubt = o.doubt && !other?.doubt;
    const park = !o.parked && other?.parked;
    const flag = !o.byFlag && other?.byFlag;
    const hand = !o.byHand && other?.byHand;
    const lost = o.found && !other?.found;
    const unkept = o.keptWith && !other?.keptWith;
    if (dropDoubt || park || flag || hand || lost || unkept) {
      out ??= new Map(a);
      out.set(k, {
        ...o,
        ...(dropDoubt ? { doubt: undefined } : {}),
        ...(park ? { parked: other.parked } : {}),
        ...(flag ? { byFlag: true } : {}),
        ...(hand ? { byHand: true } : {}),
        ...(lost ? { found: undefined } : {}),
        ...(unkept ? { keptWith: undefined } : {}),
      });
    }
  }
  return out ?? a;
}

function unionGuard(a: readonly string[] | undefined, b: readonly string[] | undefined): readonly string[] | undefined {
  if (!a || a === b) return b ?? a;
  if (!b) return a;
  const out = [...new Set([...a, ...b])].sort();
  return out.length === a.length ? a : out;
}

export function unionForgotten(
  a: ReadonlyMap<string, number> | undefined,
  b: ReadonlyMap<string, number> | undefined,
): ReadonlyMap<string, number> | undefined {
  if (!a || a === b) return b ?? a;
  if (!b) return a;
  const m = new Map(a);
  for (const [k, line] of b) if (!m.has(k)) m.set(k, line);
  return m;
}

/** The split a path's doubt names, if it comes from one. */
export function splitOf(d: Doubt | undefined): number | undefined {
  return d && 'split' in d ? d.split : undefined;
}

/** Both states' absorbed splits, and theirs too when they name different splits. */
function absorbedBy(a: State, b: State): ReadonlySet<number> | undefined {
  const sa = splitOf(a.doubt),
    sb = splitOf(b.doubt);
  if (sa === sb && !b.absorbed) return a.absorbed;
  const out = new Set([...(a.absorbed ?? []), ...(b.absorbed ?? [])]);
  if (sa !== sb) for (const x of [sa, sb]) if (x !== undefined) out.add(x);
  return out.size ? out : undefined;
}

export function mergeInto(existing: State, incoming: State): State {
  const paramConds = existing.paramConds.filter((p) =>
    incoming.paramConds.some((q) => q.key === p.key && q.test === p.test && q.value === p.value),
  );
  const m = with_(existing, {
    objects: mergeObjectNotes(existing.objects, incoming.objects),
    conds: intersectConds(existing.conds, incoming.conds),
    merged: existing.merged + incoming.merged,
    paramConds,
    forgotten: unionForgotten(existing.forgotten, incoming.forgotten),
    // one path the analysis can show is enough: the states are equal in everything counted
    doubt: existing.doubt && incoming.doubt ? existing.doubt : undefined,
    absorbed: absorbedBy(existing, incoming),
    guard: unionGuard(existing.guard, incoming.guard),
    // a release is paid by a state only on paths that all took the branch where its test held
    held: existing.held?.filter((r) => incoming.held?.includes(r)),
  });
  m._key = existing._key;
  return m;
}

/**
 * The object under `key` is the value a parameter was given on this path (`p = get_validated(p)`),
 * not the caller's: its key's root is the parameter itself, written (its old value is `p~LINE`).
 */
export function reboundParam(st: State, key: string): boolean {
  if (!st.written.size) return false;
  const slash = key.indexOf('/');
  return st.written.has(slash < 0 ? key : key.slice(0, slash));
}
