/** over-release: a path releases an object more often than this function obtained it. */
import type { CountStep, PathRef } from '../result';
import { diagnostic, overwrittenOf, type Head, type RuleModule } from './rule';
import { countStep, movePath, moveStep, pathRef, pathWords, signed } from './words';

export interface OverReleaseDetail {
  rule: 'over-release';
  /** What the first path leaves on the object (existence and references). */
  left: number;
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
            left: o.exist + o.refs,
            path: pathRef(cls),
            gains: cls.steps.filter((s) => s.object === o.display && s.delta > 0).map(countStep),
          },
        });
      }
    }
    return [...overs.values()].map(({ head, detail }) => diagnostic(overRelease, head, detail));
  },

  render(d, { object, kind }) {
    return {
      message:
        `${object} (${kind}) is released more often than this function obtained it:` +
        ` ${pathWords(d.path)} leaves ${signed(d.left)}`,
      related: d.gains.map((s) => ({ line: s.line, message: `${s.call}() ${signed(s.delta)}` })),
    };
  },

  move(d, mv) {
    return { ...d, path: movePath(d.path, mv), gains: d.gains.map((s) => moveStep(s, mv)) };
  },
};
