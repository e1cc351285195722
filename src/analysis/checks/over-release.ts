/** over-release: a path releases an object more often than this function obtained it. */
import type { Diagnostic } from '../result';
import type { Check } from './rule';
import { pathWords, sign } from './words';

export const checkOverReleases: Check = (inp, { severity }) => {
  const overs = new Map<string, { d: Diagnostic; classes: Set<number> }>();
  for (const st of inp.exits) {
    const cid = inp.classOf.get(st)!;
    const cls = inp.classes[cid];
    for (const o of st.objects.values()) {
      if (o.overLine === undefined) continue;
      const id = `${o.display}@${o.overLine}`;
      const e = overs.get(id);
      if (e) { if (!e.classes.has(cid)) { e.classes.add(cid); e.d.paths!.push(cid); } continue; }
      const total = o.exist + o.refs;
      const gains = cls.steps.filter((s) => s.object === o.display && s.delta > 0);
      overs.set(id, {
        classes: new Set([cid]),
        d: {
          rule: 'over-release', severity: severity(o.inferred), function: inp.cfg.name, line: o.overLine, object: o.display,
          message: `${o.display} (${o.kind}) is released more often than this function obtained it: ${pathWords(cls)} leaves ${sign(total)}`,
          related: gains.map((s) => ({ line: s.line, message: `${s.call}() ${sign(s.delta)}` })),
          paths: [cid], inferred: o.inferred || undefined,
        },
      });
    }
  }
  return [...overs.values()].map(({ d }) => d);
};
