/**
 * inconsistent (RID's inconsistent path pairs): two paths a caller cannot tell apart leave
 * different references on an object it can see (an error path that keeps more is a leak: error-exits.ts).
 */
import type { CountStep, Diagnostic, PathClass, PathRef, Step } from '../result';
import { type State, type ParamCond, isCalleePath, isOpaque } from '../paths/state';
import { keyBeforeOverwrite, parseKey, rootClass, splitOverwrite } from '../paths/access';
import type { VarDecl } from '../cfg/cfg';
import { type ClassExit, callerObjects, pendingRefs } from './caller-objects';
import { diagnostic, overwrittenOf, type CheckInput, type RuleModule, type RuleSeverity } from './rule';
import { countStep, movePath, moveStep, pathRef, pathWords, signed } from './words';
import { isZeroConst } from '../paths/values';

export interface InconsistentDetail {
  rule: 'inconsistent';
  /** Two paths with the same visible outcome (an error path that keeps more is a leak). */
  case: 'same';
  /** The path that keeps more, and the references still pending on it. */
  more: { path: PathRef; refs: number };
  /** The path it is compared with. */
  less: { path: PathRef; refs: number };
  /** The counted call only one of the two makes: a gain on `more`, or a release on `less`. */
  extra?: CountStep & { onlyOn: 'more' | 'less' };
  /**
   * The object is a reference a long-lived place holds (a structure's member, a global: `heldIn`), and the
   * two paths differ only in what they give back of it (neither keeps a reference; nor does either path of
   * any other pair of the object a caller cannot tell apart).
   */
  heldIn?: HeldIn;
}

export type HeldIn = 'member' | 'global';

/** A member that is itself the count of the object it belongs to (`pkt->users`, `so->so_usecount`). */
export const COUNT_MEMBER = /(?:ref|refs|cnt|count|users)$/i;

/**
 * Where the reference the key names is held when that place outlives the call: a global, or a member or
 * an element of a structure (`pr->ndpr_rt`, `v->arch.old_guest_table`, `handlers[]`). A parameter, what it
 * points to, and the object's own count member (`pkt->users`) are the caller's object itself.
 */
function heldIn(key: string, decls: ReadonlyMap<string, VarDecl>, kind: string | undefined): HeldIn | undefined {
  const { root, segs } = parseKey(keyBeforeOverwrite(key));
  if (rootClass(root, decls) === 'global') return 'global';
  const last = segs[segs.length - 1];
  const own = last?.startsWith('.') && (kind === 'count field' || COUNT_MEMBER.test(last));
  return (own ? segs.slice(0, -1) : segs).some((s) => s.startsWith('.') || s === '[]') ? 'member' : undefined;
}

function contradictory(a: readonly ParamCond[], b: readonly ParamCond[]): boolean {
  for (const x of a)
    for (const y of b) {
      if (x.key !== y.key) continue;
      if (isOpaque(x) && x.value !== y.value) return true;
      if ((x.test === 'eq' && y.test === 'ne') || (x.test === 'ne' && y.test === 'eq')) {
        if (x.value === y.value) return true;
      }
      if (x.test === 'eq' && y.test === 'eq' && x.value !== y.value) return true;
      if ((x.test === 'has' && y.test === 'lacks') || (x.test === 'lacks' && y.test === 'has')) {
        if (x.value === y.value) return true;
      }
    }
  return false;
}

/** A key for the old value of a member or an element (`h/*\/.ifp~41`), not of a variable. */
function replacedMemberValue(key: string): boolean {
  const over = splitOverwrite(key);
  return (
    over !== undefined && over.key.length + `~${over.line}`.length === key.length && parseKey(over.key).segs.length > 0
  );
}

/**
 * Two return classes a caller cannot tell apart: the same, or an error code the function passes up
 * (`return rc` after `rc < 0`) and a particular one (`-ENOMEM`): the first may be the second.
 */
function sameOutcome(a: string, b: string): boolean {
  if (a === b) return true;
  const particular = (c: string) => /^-(E[A-Z0-9]+|\d+)$/.test(c);
  return (a === 'negative' && particular(b)) || (b === 'negative' && particular(a));
}

/**
 * What the path left in a written out-parameter, as a return class: a constant (`*errp = ESRCH`, `*vpp =
 * NULL`: what the path keeps of such a write, the summary's sentinels), else `unknown`.
 */
function writtenClass(st: State, key: string): string {
  const f = st.facts.get(key);
  return f?.eq === undefined ? 'unknown' : isZeroConst(f.eq) ? '0' : f.eq;
}

/**
 * Two paths that write the same out-parameters, one of them a constant the other does not
 * (`*errp = ESRCH` where the lookup failed, `*errp = error` where a check refused): the caller tells them
 * apart by it as by two return values, with the same exception for a parameter's failures.
 */
function writtenApart(a: State, b: State, passedArg: boolean): boolean {
  for (const key of a.written) {
    // a parameter given a call's result (`p = get(p)`) is no out-parameter: its value is the function's own
    if (!key.includes('/')) continue;
    const [ca, cb] = [writtenClass(a, key), writtenClass(b, key)];
    if (ca !== cb && !(passedArg && sameOutcome(ca, cb))) return true;
  }
  return false;
}

export const inconsistent: RuleModule<InconsistentDetail> = {
  check: (inp, { earlier, severity }) => check(inp, earlier, severity),

  render(d, { object, kind }) {
    const [mw, lw] = [pathWords(d.more.path), pathWords(d.less.path)];
    const lead =
      `${object} (${kind}): ${mw} leaves ${signed(d.more.refs)} but ${lw} leaves ${signed(d.less.refs)},` +
      ' and a caller cannot tell them apart';
    const x = d.extra;
    return {
      message: lead,
      related: [
        { line: d.more.path.exitLine, message: `${mw}: ${signed(d.more.refs)}`, path: d.more.path.path },
        { line: d.less.path.exitLine, message: `${lw}: ${signed(d.less.refs)}`, path: d.less.path.path },
        ...(x
          ? [
              {
                line: x.line,
                message: `${x.call}() ${signed(x.delta)} only on the ${x.onlyOn === 'more' ? 'first' : 'second'} path`,
              },
            ]
          : []),
      ],
    };
  },

  move(d, mv) {
    return {
      ...d,
      more: { ...d.more, path: movePath(d.more.path, mv) },
      less: { ...d.less, path: movePath(d.less.path, mv) },
      ...(d.extra ? { extra: moveStep(d.extra, mv) } : {}),
    };
  },
};

function check(inp: CheckInput, earlier: readonly Diagnostic[], severity: RuleSeverity): Diagnostic[] {
  const out: Diagnostic[] = [];
  const fn = inp.cfg.name;
  const { exits: all, objects } = callerObjects(inp, earlier);
  // each exit's writes as one text, made once: every pair of exits is compared for every object
  const writes: string[] = [];
  const writtenAt = (i: number) => (writes[i] ??= [...all[i].st.written].sort().join());
  for (const { key, display } of objects) {
    const refsOf = (st: State) => pendingRefs(st, key);
    // a parameter itself, as the caller passed it: what its failures leave on it is the caller's question
    const passedArg = !!inp.cfg.decls.get(key)?.isParam;
    // what a member held before the path gave it another value (`put(h->ifp); h->ifp = NULL`): the
    // holder gave up the reference it stored where it replaced it, and keeps it where it did not
    const replacedMember = replacedMemberValue(key);
    // paths that differ only in what they give back of a place's reference; a path that keeps a reference
    // (the function took it, or returns it) makes it the function's own, wherever it was found
    const held = heldIn(key, inp.cfg.decls, all.find((x) => x.st.objects.has(key))?.st.objects.get(key)?.kind);
    // such a pair is reported when no other pair of the object has a path that keeps one
    let givenBack: [ClassExit, ClassExit] | undefined;
    let reported = false;
    // a callback of a pair keeps what it takes for its partner (`irq_enable` for `irq_disable`): bookkeeping
    for (let i = 0; i < all.length && !reported && !inp.paired; i++)
      for (let j = i + 1; j < all.length && !reported; j++) {
        const a = all[i],
          b = all[j];
        const ea = a.st.exit!,
          eb = b.st.exit!;
        // two error exits of a parameter's are told apart by their codes or not at all: a caller handles
        // every failure alike
        const passedUp = ea.returnClass !== eb.returnClass;
        if (ea.returnClass === 'unknown' || (passedUp && !(passedArg && sameOutcome(ea.returnClass, eb.returnClass))))
          continue;
        if ((ea.returnedKey === key) !== (eb.returnedKey === key)) continue;
        if (!passedUp && writtenAt(i) !== writtenAt(j)) continue;
        if (!passedUp && writtenApart(a.st, b.st, passedArg)) continue;
        if (!passedUp && contradictory(a.st.paramConds, b.st.paramConds)) continue;
        const ra = refsOf(a.st),
          rb = refsOf(b.st);
        if (ra === rb) continue;
        if (replacedMember && ra <= 0 && rb <= 0) continue;
        // the count follows the object's own state (a first-user pin, a pending bit): bookkeeping
        if (a.st.objects.get(key)?.parked || b.st.objects.get(key)?.parked) continue;
        const [hi, lo] = ra > rb ? [a, b] : [b, a];
        if (held && ra <= 0 && rb <= 0) {
          givenBack ??= [hi, lo];
          continue;
        }
        reported = true;
        out.push(report(fn, display, key, hi, lo, inp.classes, refsOf, severity));
      }
    if (!reported && givenBack)
      out.push(report(fn, display, key, givenBack[0], givenBack[1], inp.classes, refsOf, severity, held));
  }
  // one bug, one report: a leak already names the path that keeps the reference
  const leakDiags = earlier.filter((d) => d.rule === 'leak');
  const leaked = new Set(leakDiags.map((d) => `${d.object}@${d.line}`));
  const leakedOnPath = new Set(leakDiags.flatMap((d) => (d.paths ?? []).map((cid) => `${d.object}#${cid}`)));
  return out.filter(
    (d) => !(leaked.has(`${d.object}@${d.line}`) || leakedOnPath.has(`${d.object}#${d.related[0]?.path}`)),
  );
}

/** Two paths worded alike are told apart: by the way a callee went, by a line only one of them runs, or by number. */
function distinct(a: PathClass, b: PathClass, sa: State, sb: State): [PathRef, PathRef] {
  const ra = pathRef(a),
    rb = pathRef(b);
  if (pathWords(ra) !== pathWords(rb)) return [ra, rb];
  // the difference is which way a callee went (`namei_setup() ends on its path #3`)
  const viaA = sa.paramConds.find(
    (p) => isCalleePath(p) && sb.paramConds.some((q) => q.key === p.key && q.value !== p.value),
  );
  const viaB = viaA && sb.paramConds.find((q) => q.key === viaA.key);
  if (viaA && viaB)
    return [
      { ...ra, differs: { where: viaA.text } },
      { ...rb, differs: { where: viaB.text } },
    ];
  const inB = new Set(b.lines),
    inA = new Set(a.lines);
  const onlyA = a.lines.find((l) => !inB.has(l)),
    onlyB = b.lines.find((l) => !inA.has(l));
  const via = (r: PathRef, l: number | undefined, other: number | undefined): PathRef => ({
    ...r,
    differs: l !== undefined ? { through: l } : other !== undefined ? { notThrough: other } : { byNumber: true },
  });
  return [via(ra, onlyA, onlyB), via(rb, onlyB, onlyA)];
}

function report(
  fn: string,
  display: string,
  key: string,
  hi: { cid: number; st: State },
  lo: { cid: number; st: State },
  classes: PathClass[],
  refsOf: (s: State) => number,
  severity: RuleSeverity,
  held?: HeldIn,
): Diagnostic {
  const hc = classes[hi.cid],
    lc = classes[lo.cid];
  const [more, less] = distinct(hc, lc, hi.st, lo.st);
  const loLines = new Set(lc.steps.filter((s) => s.object === display).map((s) => `${s.line}:${s.call}`));
  const hiLines = new Set(hc.steps.filter((s) => s.object === display).map((s) => `${s.line}:${s.call}`));
  const gained: Step | undefined = [...hc.steps]
    .reverse()
    .find((s) => s.object === display && s.delta > 0 && !loLines.has(`${s.line}:${s.call}`));
  const released: Step | undefined = gained
    ? undefined
    : lc.steps.find((s) => s.object === display && s.delta < 0 && !hiLines.has(`${s.line}:${s.call}`));
  const extra = gained ?? released;
  const o = hi.st.objects.get(key);
  // the path that keeps more may never have touched the object: an inferred step on either path is a guess
  const inferred = o?.inferred || lo.st.objects.get(key)?.inferred;
  return diagnostic(
    inconsistent,
    {
      rule: 'inconsistent',
      severity: severity(inferred),
      function: fn,
      line: extra?.line ?? hc.exit.line,
      object: display,
      kind: o?.kind ?? 'object',
      paths: [hi.cid, lo.cid],
      overwritten: overwrittenOf(key, display),
      inferred: inferred || undefined,
    },
    {
      rule: 'inconsistent',
      case: 'same',
      more: { path: more, refs: refsOf(hi.st) },
      less: {
        path: less,
        refs: refsOf(lo.st),
      },
      ...(extra ? { extra: { ...countStep(extra), onlyOn: gained ? 'more' : 'less' } } : {}),
      ...(held ? { heldIn: held } : {}),
    },
  );
}
