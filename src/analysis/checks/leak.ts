/**
 * leak: a reference this function obtained (or a separate counter it raised) that a path
 * neither releases, returns, stores nor hands on; or one it stored in memory the path then freed;
 * or one it took on its caller's object that an error exit keeps and no success exit does.
 */
import type { Diagnostic, PathRef } from '../result';
import {
  parseKey,
  rootClass,
  throughPointer,
  embeddedInPointee,
  keyBeforeOverwrite,
  displayBeforeOverwrite,
} from '../paths/access';
import { reboundParam, toArray, type State } from '../paths/state';
import { diagnostic, overwrittenOf, type CheckInput, type Head, type RuleModule, type RuleSeverity } from './rule';
import { alike, movePath, onPaths, pathRef, pathWords, signed } from './words';
import { errorExitKeeps, type ErrorExitKeep } from './error-exits';
import { toldByReturn } from './outcomes';
import { borrowedOnPath, borrowedSites, failedAnotherTaker } from './borrowed-by-callee';

export interface LeakDetail {
  rule: 'leak';
  /** References kept; with `counter`, how far that separate counter stays raised. */
  kept: number;
  counter?: string;
  /** The line of the last acquire (the diagnostic's line) and, when the path shows it, its call. */
  acquiredAt: number;
  acquiredBy?: string;
  /** The paths that keep it; the message names the first. */
  paths: PathRef[];
  /** The references were stored in memory (`where`) that the first path frees at `freedAt`. */
  lostIn?: { where: string; freedAt: number };
  /**
   * The object is the caller's (a parameter, a global): the paths are error exits that keep what the
   * success exit `success` does not (`otherwise`: no exit is known to succeed; one not known to fail).
   */
  onError?: { success: PathRef; refs: number; otherwise?: boolean };
  /**
   * The call the path gave the object to, which nobody describes, only borrowed it: a path through it
   * that it did not fail releases the object afterwards (checks/borrowed-by-callee.ts).
   */
  borrowedBy?: { call: string; line: number };
}

export const leak: RuleModule<LeakDetail> = {
  check(inp, { earlier, severity }) {
    const decls = inp.cfg.decls;
    const leaks = new Map<string, { head: Head; detail: LeakDetail; classes: Set<number> }>();
    // the paths each object is reported leaking on: an error exit already reported is not reported again
    const reported = new Set<string>();
    const toldByReturn = counterToldByReturn(inp);
    const borrowed = borrowedSites(inp.exits, inp.model, inp.cfg);
    for (const st of inp.exits) {
      const cid = inp.classOf.get(st)!;
      const cls = inp.classes[cid];
      for (const [k, o] of st.objects) {
        const p = parseKey(keyBeforeOverwrite(k));
        // a parameter given a call's result holds this function's object (`p = get_validated(p)`)
        const rebound = reboundParam(st, k);
        const rc = rebound ? 'local' : rootClass(p.root, decls);
        // an object named through a value the caller gave (`mfn_to_page(mfn)`) is the caller's, as a parameter's
        const callers = rc === 'param' || rc === 'global' || (!rebound && !!inp.namedByCaller?.has(p.root));
        // a local's own reference, or one on a counter embedded in what it points to (`kref_get(&s->refcount)`)
        const ownedHere =
          (rc === 'local' || rc === 'temp') && !callers && (!throughPointer(p) || embeddedInPointee(p)) && !o.returned;
        // handed to a callee nobody describes, which the function's own later release shows only borrowed it
        const lentTo =
          ownedHere &&
          o.refs > 0 &&
          o.refs <= o.transferred &&
          borrowed.size > 0 &&
          o.storedIn === undefined &&
          o.keptBy === undefined &&
          !o.linked &&
          borrowedOnPath(st, o.display, borrowed)
            ? lenderStep(st, o.display)
            : undefined;
        const lender =
          lentTo && !failedAnotherTaker(st, o.display, lentTo.call, inp.cfg, inp.model) ? lentTo : undefined;
        const pending = lender ? o.refs : o.refs - o.transferred;
        // on the caller's object, a separate counter kept beside a reference the path keeps there goes with
        // that reference (a page's type count beside its general one), as the reference goes to the caller
        const keptBeside = callers && pending > 0;
        const counterLeak = Object.entries(o.counters ?? {}).find(
          ([c, v]) => v > 0 && !keptBeside && !(callers && toldByReturn(k, c)),
        );
        const lostWithMemory = o.lost !== undefined && o.obtained && pending > 0 && !o.returned;
        if (
          !(
            (ownedHere && pending > 0) ||
            lostWithMemory ||
            (counterLeak && !o.returned && o.transferred === 0 && !o.countersHandedOn)
          )
        )
          continue;
        reported.add(`${k}\0${cid}`);
        const line = o.lastAcquire ?? cls.exit.line;
        // the copy a loop's next iteration overwrote is the same bug as the variable's own leak
        const id = `${displayBeforeOverwrite(o.display)}@${line}`;
        const e = leaks.get(id);
        if (e) {
          if (!e.classes.has(cid)) {
            e.classes.add(cid);
            e.detail.paths.push(pathRef(cls));
          }
          continue;
        }
        const acquireStep = [...cls.steps].reverse().find((s) => s.object === o.display && s.delta > 0);
        const byCounter = counterLeak && !(ownedHere && pending > 0) && !lostWithMemory;
        leaks.set(id, {
          classes: new Set([cid]),
          head: leakHead(inp.cfg.name, k, o, line, [cid], severity),
          detail: {
            rule: 'leak',
            kept: byCounter ? counterLeak[1] : pending,
            ...(byCounter ? { counter: counterLeak[0] } : {}),
            acquiredAt: line,
            ...(acquireStep ? { acquiredBy: acquireStep.call } : {}),
            paths: [pathRef(cls)],
            ...(lostWithMemory && o.lost ? { lostIn: { where: o.lost.where, freedAt: o.lost.line } } : {}),
            ...(lender ? { borrowedBy: { call: lender.call, line: lender.line } } : {}),
          },
        });
      }
    }
    const out = [...leaks.values()].map(({ head, detail }) => diagnostic(leak, head, detail));
    for (const e of errorExitKeeps(inp, earlier)) {
      const kept = e.kept.filter((x) => !reported.has(`${e.key}\0${x.cid}`));
      if (kept.length) out.push(errorExitLeak(inp, { ...e, kept }, severity));
    }
    return out;
  },

  render(d, { object, kind }) {
    const what =
      d.counter !== undefined
        ? `${d.counter} ${signed(d.kept)}`
        : `${signed(d.kept)} reference${d.kept > 1 ? 's' : ''}`;
    const first = pathWords(d.paths[0]);
    const e = d.onError;
    const fate = d.lostIn
      ? `it was stored in ${d.lostIn.where}, which ${first} frees at line ${d.lostIn.freedAt} without releasing it`
      : e
        ? `on error, ${first} neither releases, stores nor hands it on, while` +
          ` ${e.otherwise ? 'otherwise' : 'on success'} ${pathWords(e.success)} leaves ${signed(e.refs)}`
        : `${first} neither releases, returns, stores nor hands it on` +
          (d.borrowedBy
            ? ` (${d.borrowedBy.call}() at line ${d.borrowedBy.line} only borrows it: on a path where that call` +
              ' did not fail, this function releases it afterwards)'
            : '');
    return {
      message:
        `${object} (${kind}) keeps ${what} taken at line ${d.acquiredAt}` +
        `${d.acquiredBy ? ` by ${d.acquiredBy}()` : ''}: ${fate}`,
      // paths that read alike (they differ in some other object) are one entry
      related: alike(d.paths).map((g, i) => ({
        line: g[0].exitLine,
        message: `${i ? 'also leaked' : 'leaked'} on ${pathWords(g[0], g.length)}`,
        ...onPaths(g),
      })),
    };
  },

  move(d, mv) {
    return {
      ...d,
      acquiredAt: mv(d.acquiredAt),
      paths: d.paths.map((p) => movePath(p, mv)),
      ...(d.lostIn ? { lostIn: { ...d.lostIn, freedAt: mv(d.lostIn.freedAt) } } : {}),
      ...(d.onError ? { onError: { ...d.onError, success: movePath(d.onError.success, mv) } } : {}),
      ...(d.borrowedBy ? { borrowedBy: { ...d.borrowedBy, line: mv(d.borrowedBy.line) } } : {}),
    };
  },
};

/** The last call the path handed `object` to. */
function lenderStep(st: State, object: string) {
  return toArray(st.steps)
    .reverse()
    .find((s) => s.object === object && s.op === 'transfer');
}

/** An error exit that keeps references it took on its caller's object, which the success exit does not keep. */
function errorExitLeak(inp: CheckInput, e: ErrorExitKeep, severity: RuleSeverity): Diagnostic {
  const first = e.kept[0];
  const o = first.st.objects.get(e.key)!;
  const cls = inp.classes[first.cid];
  const line = o.lastAcquire ?? cls.exit.line;
  const acquireStep = [...cls.steps].reverse().find((s) => s.object === o.display && s.delta > 0);
  let [errorPath, success] = [pathRef(cls), pathRef(inp.classes[e.success.cid])];
  // two exits worded alike are told apart by number
  if (pathWords(errorPath) === pathWords(success))
    [errorPath, success] = [
      { ...errorPath, differs: { byNumber: true } },
      { ...success, differs: { byNumber: true } },
    ];
  return diagnostic(
    leak,
    leakHead(
      inp.cfg.name,
      e.key,
      o,
      line,
      e.kept.map((k) => k.cid),
      severity,
    ),
    {
      rule: 'leak',
      kept: first.refs,
      acquiredAt: line,
      ...(acquireStep ? { acquiredBy: acquireStep.call } : {}),
      paths: [errorPath, ...e.kept.slice(1).map((k) => pathRef(inp.classes[k.cid]))],
      onError: { success, refs: e.success.refs, ...(e.success.otherwise ? { otherwise: true } : {}) },
    },
  );
}

/** A separate counter raised on the caller's object that the return value hands out (outcomes.ts toldByReturn). */
function counterToldByReturn(inp: CheckInput): (key: string, counter: string) => boolean {
  const memo = new Map<string, boolean>();
  return (key, counter) => {
    const id = `${key}\0${counter}`;
    let told = memo.get(id);
    if (told === undefined) {
      told = toldByReturn(
        inp.cfg.name,
        inp.exits,
        inp.cfg.returnsBool,
        (st) => (st.objects.get(key)?.counters?.[counter] ?? 0) > 0,
        counter,
      );
      memo.set(id, told);
    }
    return told;
  };
}

function leakHead(
  fn: string,
  key: string,
  o: { display: string; kind: string; inferred?: boolean },
  line: number,
  paths: number[],
  severity: RuleSeverity,
): Head {
  return {
    rule: 'leak',
    severity: severity(o.inferred),
    function: fn,
    line,
    object: o.display,
    kind: o.kind,
    paths,
    inferred: o.inferred || undefined,
    overwritten: overwrittenOf(key, o.display),
  };
}
