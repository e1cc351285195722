/**
 * contract: a registered callback breaks the count its registrar's model row promises, e.g. a
 * dev_clone handler hands out exactly +1 beyond the existence reference.
 */
import type { Diagnostic, Related } from '../result';
import { keyOf, extend, type AccessPath } from '../paths/access';
import type { Check } from './rule';
import { pathWords, sign } from './words';

export const checkContracts: Check = (inp, { severity }) => {
  const out: Diagnostic[] = [];
  const fn = inp.cfg.name;
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
      const gains = cls.steps.filter((s) => s.object === display && s.delta !== 0);
      const lastGain = [...gains].reverse().find((s) => s.op === 'acquire' || (s.delta > 0 && s.note?.includes('MAKEDEV_REF'))) ?? [...gains].reverse().find((s) => s.delta > 0);
      const line = refs > expected ? lastGain?.line ?? cls.exit.line : cls.exit.line;
      const exist = o?.exist ?? 0;
      const story = gains.map((s) => `${s.call}${s.note ? ` ${s.note}` : ''} ${sign(s.delta)} at line ${s.line}`).join(', ');
      out.push({
        rule: 'contract', severity: severity(), function: fn, line, object: display,
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
  return out;
};
