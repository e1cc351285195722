/**
 * leak: a reference this function obtained (or a separate counter it raised) that a path
 * neither releases, returns, stores nor hands on; or one it stored in memory the path then freed.
 */
import type { Diagnostic } from '../result';
import { parseKey, rootClass, throughPointer, embeddedInPointee, keyBeforeOverwrite, displayBeforeOverwrite } from '../paths/access';
import type { Check } from './rule';
import { pathWords, sign } from './words';

export const checkLeaks: Check = (inp, { severity }) => {
  const decls = inp.cfg.decls;
  const leaks = new Map<string, { d: Diagnostic; classes: Set<number> }>();
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
      if (!((ownedHere && pending > 0) || lostWithMemory || (counterLeak && !o.returned && o.transferred === 0 && !o.countersHandedOn))) continue;
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
          rule: 'leak', severity: severity(o.inferred), function: inp.cfg.name, line, object: o.display,
          message: `${o.display} (${o.kind}) keeps ${what} taken at line ${line}${acquireStep ? ` by ${acquireStep.call}()` : ''}: ${lostWithMemory && o.lost
            ? `it was stored in ${o.lost.where}, which ${pathWords(cls)} frees at line ${o.lost.line} without releasing it`
            : `${pathWords(cls)} neither releases, returns, stores nor hands it on`}`,
          related: [{ line: cls.exit.line, message: `leaked on ${pathWords(cls)}`, path: cid }],
          paths: [cid], inferred: o.inferred || undefined,
        },
      });
    }
  }
  return [...leaks.values()].map(({ d }) => ({ ...d, paths: [...new Set(d.paths)] }));
};
