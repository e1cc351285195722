/**
 * The rules, each reading the exit states and path classes of one function:
 * leak, over-release, inconsistent (RID's inconsistent path pairs) and contract.
 */
import type { Cfg } from '../cfg/cfg';
import type { Diagnostic, PathClass, Related, Step } from '../result';
import type { Model } from '../model/compiled';
import type { Registration } from '../result';
import { parseKey, rootClass, throughPointer, keyOf, extend, embeddedInPointee, keyBeforeOverwrite, displayBeforeOverwrite, type AccessPath } from '../paths/access';
import { type State, type ParamCond, isCalleePath, isOpaque } from '../paths/state';

export interface CheckInput {
  cfg: Cfg;
  exits: State[];
  classes: PathClass[];
  classOf: Map<State, number>;
  model: Model;
  registrations: Registration[];
}

const sign = (n: number) => (n > 0 ? `+${n}` : `${n}`);

function pathWords(c: PathClass): string {
  const ret = c.exit.returns === 'void' ? 'returning' : `returning ${c.exit.returns}`;
  const conds = c.conditions.length ? ` (${c.conditions.slice(-2).join(', ')})` : '';
  return `the path ${ret} at line ${c.exit.line}${conds}`;
}

function isError(cls: string, returnsPointer: boolean): boolean {
  if (cls === 'negative' || /^-?E[A-Z0-9]+$/.test(cls) || /^-\d+$/.test(cls)) return true;
  if (cls === 'nonzero') return !returnsPointer;
  if (cls === 'NULL') return returnsPointer;
  return false;
}
function isSuccess(cls: string, returnsPointer: boolean): boolean {
  return cls === '0' ? !returnsPointer : cls === 'non-NULL';
}

function contradictory(a: readonly ParamCond[], b: readonly ParamCond[]): boolean {
  for (const x of a) for (const y of b) {
    if (x.key !== y.key) continue;
    if (isOpaque(x) && x.value !== y.value) return true;
    if ((x.test === 'eq' && y.test === 'ne') || (x.test === 'ne' && y.test === 'eq')) { if (x.value === y.value) return true; }
    if (x.test === 'eq' && y.test === 'eq' && x.value !== y.value) return true;
    if ((x.test === 'has' && y.test === 'lacks') || (x.test === 'lacks' && y.test === 'has')) { if (x.value === y.value) return true; }
  }
  return false;
}

export function runChecks(inp: CheckInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const fn = inp.cfg.name;
  const decls = inp.cfg.decls;
  const returnsPointer = inp.exits.some((s) => s.exit?.returnClass === 'NULL' || s.exit?.returnClass === 'non-NULL');

  // ---- leak and over-release, per exit state ----
  const leaks = new Map<string, { d: Diagnostic; classes: Set<number> }>();
  const overs = new Map<string, { d: Diagnostic; classes: Set<number> }>();
  for (const st of inp.exits) {
    const cid = inp.classOf.get(st)!;
    const cls = inp.classes[cid];
    for (const [k, o] of st.objects) {
      const p = parseKey(keyBeforeOverwrite(k));
      const rc = rootClass(p.root, decls);
      // a local's own reference, or one on a counter embedded in what it points to (`kref_get(&s->refcount)`)
      const ownedHere = (rc === 'local' || rc === 'temp') && (!throughPointer(p) || embeddedInPointee(p)) && !o.returned;
      const pending = o.refs - o.transferred;
      const counterLeak = Object.entries(o.counters ?? {}).find(([, v]) => v > 0);
      const lostWithMemory = o.lost !== undefined && o.obtained && pending > 0 && !o.returned;
      if ((ownedHere && pending > 0) || lostWithMemory || (counterLeak && !o.returned && o.transferred === 0 && !o.countersHandedOn)) {
        const line = o.lastAcquire ?? cls.exit.line;
        const what = counterLeak && !(ownedHere && pending > 0) && !lostWithMemory ? `${counterLeak[0]} ${sign(counterLeak[1])}` : `${sign(pending)} reference${pending > 1 ? 's' : ''}`;
        // the copy a loop's next iteration overwrote is the same bug as the variable's own leak
        const id = `${displayBeforeOverwrite(o.display)}@${line}`;
        const e = leaks.get(id);
        if (e) { if (!e.classes.has(cid)) { e.classes.add(cid); e.d.related.push({ line: cls.exit.line, message: `also leaked on ${pathWords(cls)}`, path: cid }); } continue; }
        const acquireStep = [...cls.steps].reverse().find((s) => s.object === o.display && s.delta > 0);
        leaks.set(id, {
          classes: new Set([cid]),
          d: {
            rule: 'leak', severity: o.inferred ? 'info' : 'warning', function: fn, line, object: o.display,
            message: `${o.display} (${o.kind}) keeps ${what} taken at line ${line}${acquireStep ? ` by ${acquireStep.call}()` : ''}: ${lostWithMemory && o.lost
              ? `it was stored in ${o.lost.where}, which ${pathWords(cls)} frees at line ${o.lost.line} without releasing it`
              : `${pathWords(cls)} neither releases, returns, stores nor hands it on`}`,
            related: [{ line: cls.exit.line, message: `leaked on ${pathWords(cls)}`, path: cid }],
            paths: [cid], inferred: o.inferred || undefined,
          },
        });
      }
      if (o.overLine !== undefined) {
        const id = `${o.display}@${o.overLine}`;
        const e = overs.get(id);
        if (e) { if (!e.classes.has(cid)) { e.classes.add(cid); e.d.paths!.push(cid); } continue; }
        const total = o.exist + o.refs;
        const gains = cls.steps.filter((s) => s.object === o.display && s.delta > 0);
        overs.set(id, {
          classes: new Set([cid]),
          d: {
            rule: 'over-release', severity: o.inferred ? 'info' : 'error', function: fn, line: o.overLine, object: o.display,
            message: `${o.display} (${o.kind}) is released more often than this function obtained it: ${pathWords(cls)} leaves ${sign(total)}`,
            related: gains.map((s) => ({ line: s.line, message: `${s.call}() ${sign(s.delta)}` })),
            paths: [cid], inferred: o.inferred || undefined,
          },
        });
      }
    }
  }
  for (const { d } of leaks.values()) { d.paths = [...new Set(d.paths)]; out.push(d); }
  for (const { d } of overs.values()) out.push(d);

  // ---- contract ----
  const contracted = new Set<string>();
  for (const reg of inp.registrations) {
    const spec = (inp.model.registrations.get(reg.registrar) ?? []).find((r) => r.role === reg.role);
    const contract = spec?.contract;
    if (!contract) continue;
    const t = /^\s*(\*?)\s*arg(\d+)/.exec(contract.target);
    if (!t) continue;
    const param = inp.cfg.params.find((p) => p.paramIndex === Number(t[2]));
    if (!param) continue;
    let ap: AccessPath = { root: param.id, segs: [] };
    if (t[1]) ap = extend(ap, '*');
    const key = keyOf(ap);
    const seen = new Set<number>();
    for (const st of inp.exits) {
      const cid = inp.classOf.get(st)!;
      if (seen.has(cid)) continue;
      seen.add(cid);
      const cls = inp.classes[cid];
      const o = st.objects.get(key);
      const set = st.written.has(key);
      const refs = o?.refs ?? 0;
      const expected = set ? contract.delta : contract.zeroWhenUnset ? 0 : refs;
      if (refs === expected) continue;
      const display = o?.display ?? (t[1] ? `*${param.name}` : param.name);
      contracted.add(display);
      const gains = cls.steps.filter((s) => s.object === display && s.delta !== 0);
      const lastGain = [...gains].reverse().find((s) => s.op === 'acquire' || (s.delta > 0 && s.note?.includes('MAKEDEV_REF'))) ?? [...gains].reverse().find((s) => s.delta > 0);
      const line = refs > expected ? lastGain?.line ?? cls.exit.line : cls.exit.line;
      const exist = o?.exist ?? 0;
      const story = gains.map((s) => `${s.call}${s.note ? ` ${s.note}` : ''} ${sign(s.delta)} at line ${s.line}`).join(', ');
      out.push({
        rule: 'contract', severity: 'error', function: fn, line, object: display,
        message: `${reg.role} ${fn}() hands out ${sign(refs)} on ${display} beyond the existence reference (expected ${sign(expected)}) on ${pathWords(cls)}: total ${sign(exist + refs)}${story ? ` = ${story}` : ''}${contract.why ? `. ${contract.why}` : ''}`,
        related: [
          { line: reg.line, message: `registered as ${reg.role} by ${reg.registrar}` },
          ...gains.map((s): Related => ({ line: s.line, message: `${s.call}() ${sign(s.delta)}${s.note ? ` (${s.note})` : ''}`, path: cid })),
          { line: cls.exit.line, message: `exit of ${pathWords(cls)}`, path: cid },
        ],
        paths: [cid],
      });
    }
  }

  // ---- inconsistent: same visible outcome, different references ----
  const visible = (key: string) => {
    const p = parseKey(keyBeforeOverwrite(key));
    const rc = rootClass(p.root, decls);
    return rc === 'param' || rc === 'global';
  };
  const byObject = new Map<string, { st: State; cid: number }[]>();
  const reps = new Map<number, State>();
  for (const st of inp.exits) { const cid = inp.classOf.get(st)!; if (!reps.has(cid)) reps.set(cid, st); }
  for (const [cid, st] of reps) {
    for (const [k, o] of st.objects) if (!o.withContainer && (visible(k) || st.exit?.returnedKey === k)) {
      const list = byObject.get(k) ?? [];
      list.push({ st, cid });
      byObject.set(k, list);
    }
  }
  for (const [key, withObj] of byObject) {
    const display = withObj[0].st.objects.get(key)!.display;
    if (contracted.has(display)) continue;
    // references stored or handed on are accounted for: compare what is still pending
    const refsOf = (st: State) => { const o = st.objects.get(key); return o && !o.withContainer ? o.refs - Math.max(0, Math.min(o.transferred, o.refs)) : 0; };
    const all = [...reps.entries()].map(([cid, st]) => ({ cid, st }));
    let reported = false;
    for (let i = 0; i < all.length && !reported; i++) for (let j = i + 1; j < all.length && !reported; j++) {
      const a = all[i], b = all[j];
      const ea = a.st.exit!, eb = b.st.exit!;
      if (ea.returnClass === 'unknown' || ea.returnClass !== eb.returnClass) continue;
      if ((ea.returnedKey === key) !== (eb.returnedKey === key)) continue;
      if ([...a.st.written].sort().join() !== [...b.st.written].sort().join()) continue;
      if (contradictory(a.st.paramConds, b.st.paramConds)) continue;
      const ra = refsOf(a.st), rb = refsOf(b.st);
      if (ra === rb) continue;
      const [hi, lo] = ra > rb ? [a, b] : [b, a];
      reported = true;
      out.push(inconsistent(fn, display, key, hi, lo, inp.classes, refsOf, 'same'));
    }
    if (reported) continue;
    // an error path that keeps more than every success path
    // with no path known to succeed, the paths not known to fail stand in (`return ret` after an unknown call)
    let successes = all.filter((x) => isSuccess(x.st.exit!.returnClass, returnsPointer));
    if (!successes.length) successes = all.filter((x) => x.st.exit!.returnClass === 'unknown');
    if (!successes.length) continue;
    const maxOk = Math.max(...successes.map((x) => refsOf(x.st)));
    for (const x of all) {
      if (!isError(x.st.exit!.returnClass, returnsPointer)) continue;
      const r = refsOf(x.st);
      if (r > 0 && r > maxOk) {
        const lo = successes.find((s) => refsOf(s.st) === maxOk)!;
        out.push(inconsistent(fn, display, key, x, lo, inp.classes, refsOf, 'error'));
        break;
      }
    }
  }
  // one bug, one report: a leak already names the path that keeps the reference
  const leakDiags = out.filter((d) => d.rule === 'leak');
  const leaked = new Set(leakDiags.map((d) => `${d.object}@${d.line}`));
  const leakedOnPath = new Set(leakDiags.flatMap((d) => (d.paths ?? []).map((cid) => `${d.object}#${cid}`)));
  return out.filter((d) => d.rule !== 'inconsistent' || !(leaked.has(`${d.object}@${d.line}`) || leakedOnPath.has(`${d.object}#${d.related[0]?.path}`)));
}

/** Two paths worded alike are told apart: by the way a callee went, by a line only one of them runs, or by number. */
function distinctWords(a: PathClass, b: PathClass, ids: [number, number], sa: State, sb: State): [string, string] {
  const wa = pathWords(a), wb = pathWords(b);
  if (wa !== wb) return [wa, wb];
  // the difference is which way a callee went (`namei_setup() ends on its path #3`)
  const viaA = sa.paramConds.find((p) => isCalleePath(p) && sb.paramConds.some((q) => q.key === p.key && q.value !== p.value));
  const viaB = viaA && sb.paramConds.find((q) => q.key === viaA.key);
  if (viaA && viaB) return [`${wa}, where ${viaA.text}`, `${wb}, where ${viaB.text}`];
  const inB = new Set(b.lines), inA = new Set(a.lines);
  const onlyA = a.lines.find((l) => !inB.has(l)), onlyB = b.lines.find((l) => !inA.has(l));
  const via = (w: string, l: number | undefined, other: number | undefined, id: number) => l !== undefined ? `${w}, through line ${l}` : other !== undefined ? `${w}, not through line ${other}` : `${w} (path #${id})`;
  return [via(wa, onlyA, onlyB, ids[0]), via(wb, onlyB, onlyA, ids[1])];
}

function inconsistent(fn: string, display: string, _key: string, hi: { cid: number; st: State }, lo: { cid: number; st: State }, classes: PathClass[], refsOf: (s: State) => number, why: 'same' | 'error'): Diagnostic {
  const hc = classes[hi.cid], lc = classes[lo.cid];
  const [hw, lw] = distinctWords(hc, lc, [hi.cid, lo.cid], hi.st, lo.st);
  const loLines = new Set(lc.steps.filter((s) => s.object === display).map((s) => `${s.line}:${s.call}`));
  const hiLines = new Set(hc.steps.filter((s) => s.object === display).map((s) => `${s.line}:${s.call}`));
  const extra: Step | undefined = [...hc.steps].reverse().find((s) => s.object === display && s.delta > 0 && !loLines.has(`${s.line}:${s.call}`))
    ?? lc.steps.find((s) => s.object === display && s.delta < 0 && !hiLines.has(`${s.line}:${s.call}`));
  const kind = hi.st.objects.get(_key)?.kind ?? 'object';
  const lead = why === 'same'
    ? `${display} (${kind}): ${hw} leaves ${sign(refsOf(hi.st))} but ${lw} leaves ${sign(refsOf(lo.st))}, and a caller cannot tell them apart`
    : `${display} (${kind}): on error, ${hw} keeps ${sign(refsOf(hi.st))} while ${lo.st.exit?.returnClass === 'unknown' ? 'otherwise' : 'on success'} ${lw} leaves ${sign(refsOf(lo.st))}`;
  return {
    rule: 'inconsistent', severity: hi.st.objects.get(_key)?.inferred ? 'info' : 'warning', function: fn,
    line: extra?.line ?? hc.exit.line, object: display, message: lead,
    related: [
      { line: hc.exit.line, message: `${hw}: ${sign(refsOf(hi.st))}`, path: hi.cid },
      { line: lc.exit.line, message: `${lw}: ${sign(refsOf(lo.st))}`, path: lo.cid },
      ...(extra ? [{ line: extra.line, message: `${extra.call}() ${sign(extra.delta)} only on ${extra.delta > 0 ? 'the first' : 'the second'} path` }] : []),
    ],
    paths: [hi.cid, lo.cid],
  };
}

