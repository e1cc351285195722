/** over-release: a path releases an object more often than this function obtained it. */
import type { CountStep, PathRef } from '../result';
import { diagnostic, overwrittenOf, type Head, type RuleModule } from './rule';
import { countStep, movePath, moveStep, pathRef, pathWords, signed } from './words';
import type { ObjState } from '../paths/state';
import { own } from '../tables';

/** What a path leaves on the count that went below. */
function left(o: ObjState): number {
  return o.over?.counter !== undefined ? (own(o.counters, o.over.counter) ?? 0) : o.exist + o.refs;
}

export interface OverReleaseDetail {
  rule: 'over-release';
  /** What the first path leaves on the count that went below (existence and references, or the counter). */
  left: number;
  /** The separate counter that went below (`rcu_lock`, `v_usecount`); absent: the object's own count. */
  counter?: string;
  /** Where the count stood right after the release that took it below: `left` unless the path took it again later. */
  low?: number;
  path: PathRef;
  /** What that path gained on the object, and where. */
  gains: CountStep[];
}

export const overRelease: RuleModule<OverReleaseDetail> = {
  check(inp, { severity }) {
    const overs = new Map<string, { head: Head; detail: OverReleaseDetail; classes: Set<number> }>();
    for (const st of inp.exits) {
      const cid = inp.classOf.get(st)!;
      const cls = inp.classes[cid];
      for (const [k, o] of st.objects) {
        if (o.overLine === undefined) continue;
        const counter = o.over?.counter;
        const id = `${o.display}@${o.overLine}`;
        const e = overs.get(id);
        if (e) {
          if (!e.classes.has(cid)) {
            e.classes.add(cid);
            e.head.paths.push(cid);
          }
          continue;
        }
        overs.set(id, {
          classes: new Set([cid]),
          head: {
            rule: 'over-release',
            severity: severity(o.inferred),
            function: inp.cfg.name,
            line: o.overLine,
            object: o.display,
            kind: o.kind,
            paths: [cid],
            inferred: o.inferred || undefined,
            overwritten: overwrittenOf(k, o.display),
          },
          detail: {
            rule: 'over-release',
            left: left(o),
            ...(counter !== undefined ? { counter } : {}),
            ...(o.over && o.over.total !== left(o) ? { low: o.over.total } : {}),
            path: pathRef(cls),
            gains: cls.steps
              .filter((s) => s.object === o.display && s.delta > 0 && s.counter === counter)
              .map(countStep),
          },
        });
      }
    }
    return [...overs.values()].map(({ head, detail }) => diagnostic(overRelease, head, detail));
  },

  render(d, { object, kind }) {
    const count = d.counter ? `${d.counter} ` : '';
    const subject = d.counter ? `${object} (${kind}): its ${d.counter}` : `${object} (${kind})`;
    // a path that took the count again after going below says both
    const after = d.low !== undefined ? `takes ${d.counter ?? 'it'} to ${signed(d.low)}, then leaves ` : 'leaves ';
    return {
      message:
        `${subject} is released more often than this function obtained it: ` +
        `${pathWords(d.path)} ${after}${count}${signed(d.left)}`,
      related: d.gains.map((s) => ({ line: s.line, message: `${s.call}() ${signed(s.delta)}` })),
    };
  },

  move(d, mv) {
    return { ...d, path: movePath(d.path, mv), gains: d.gains.map((s) => moveStep(s, mv)) };
  },
};
