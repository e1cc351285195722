/**
 * contract: a registered callback breaks the count its registrar's model row promises, e.g. a
 * dev_clone handler hands out exactly +1 beyond the existence reference.
 */
import type { CountStep, PathRef } from '../result';
import { keyOf, extend, type AccessPath } from '../paths/access';
import { diagnostic, type Head, type RuleModule } from './rule';
import { countStep, movePath, moveStep, pathRef, pathWords, signed } from './words';

export interface ContractDetail {
  rule: 'contract';
  /** The callback's role, the registrar that gave it, and the line of the registration. */
  role: string;
  registrar: string;
  registeredAt: number;
  /** References the path hands out beyond the existence reference, and what the contract expects. */
  handedOut: number;
  expected: number;
  /** The existence reference's part of the count (`handedOut + existence` is the total). */
  existence: number;
  /** The counted calls on the object along the path. */
  steps: CountStep[];
  path: PathRef;
  /** Other paths that break it the same way (the same count at the same call): one diagnostic for all. */
  others?: PathRef[];
  /** The model row's reason for the contract. */
  why?: string;
}

export const contract: RuleModule<ContractDetail> = {
  check(inp, { severity }) {
    const out: { head: Head; detail: ContractDetail }[] = [];
    for (const reg of inp.registrations) {
      const spec = (inp.model.registrations.get(reg.registrar) ?? []).find((r) => r.role === reg.role);
      const rule = spec?.contract;
      if (!rule) continue;
      const t = /^\s*(\*?)\s*arg(\d+)/.exec(rule.target);
      if (!t) continue;
      const param = inp.cfg.params.find((p) => p.paramIndex === Number(t[2]));
      if (!param) continue;
      let ap: AccessPath = { root: param.id, segs: [] };
      if (t[1]) ap = extend(ap, '*');
      const key = keyOf(ap);
      const seen = new Set<number>();
      const same = new Map<string, { head: Head; detail: ContractDetail }>();
      for (const st of inp.exits) {
        const cid = inp.classOf.get(st)!;
        if (seen.has(cid)) continue;
        seen.add(cid);
        const cls = inp.classes[cid];
        const o = st.objects.get(key);
        const refs = o?.refs ?? 0;
        const expected = st.written.has(key) ? rule.delta : rule.zeroWhenUnset ? 0 : refs;
        if (refs === expected) continue;
        const display = o?.display ?? (t[1] ? `*${param.name}` : param.name);
        const gains = cls.steps.filter((s) => s.object === display && s.delta !== 0);
        const lastGain =
          [...gains].reverse().find((s) => s.op === 'acquire' || (s.delta > 0 && s.note?.includes('MAKEDEV_REF'))) ??
          [...gains].reverse().find((s) => s.delta > 0);
        const line = refs > expected ? (lastGain?.line ?? cls.exit.line) : cls.exit.line;
        const sameKey = `${line}\u0000${display}\u0000${refs}\u0000${expected}`;
        const first = same.get(sameKey);
        if (first) {
          first.head.paths = [...(first.head.paths ?? []), cid];
          first.detail.others = [...(first.detail.others ?? []), pathRef(cls)];
          continue;
        }
        const made = {
          head: {
            rule: 'contract',
            severity: severity(),
            function: inp.cfg.name,
            line,
            object: display,
            kind: o?.kind,
            paths: [cid],
          } as Head,
          detail: {
            rule: 'contract' as const,
            role: reg.role,
            registrar: reg.registrar,
            registeredAt: reg.line,
            handedOut: refs,
            expected,
            existence: o?.exist ?? 0,
            steps: gains.map(countStep),
            path: pathRef(cls),
            ...(rule.why ? { why: rule.why } : {}),
          } as ContractDetail,
        };
        same.set(sameKey, made);
        out.push(made);
      }
    }
    // worded once every path that breaks it the same way is known
    return out.map(({ head, detail }) => diagnostic(contract, head, detail));
  },

  // the function is named where the message is shown (`tunclone(): ...`), and the counted calls are the related entries
  render(d, { object }) {
    // several paths: the conditions they share
    const others = d.others ?? [];
    const shared = d.path.conditions.filter((c) => others.every((o) => o.conditions.includes(c)));
    const path = others.every((o) => o.exitLine === d.path.exitLine)
      ? pathWords({ ...d.path, conditions: shared }, 1 + others.length)
      : `${pathWords(d.path)} and ${others.length} more path${others.length > 1 ? 's' : ''}`;
    return {
      message:
        `${d.role} hands out ${signed(d.handedOut)} on ${object} beyond the existence reference` +
        ` (expected ${signed(d.expected)}; total ${signed(d.existence + d.handedOut)}) on ${path}` +
        (d.why ? `. ${d.why}` : ''),
      related: [
        { line: d.registeredAt, message: `registered as ${d.role} by ${d.registrar}` },
        ...d.steps.map((s) => ({
          line: s.line,
          message: `${s.call}() ${signed(s.delta)}${s.note ? ` (${s.note})` : ''}`,
          path: d.path.path,
        })),
        { line: d.path.exitLine, message: `exit of ${pathWords(d.path)}`, path: d.path.path },
        ...(d.others ?? []).map((p) => ({ line: p.exitLine, message: `also on ${pathWords(p)}`, path: p.path })),
      ],
    };
  },

  move(d, mv) {
    return {
      ...d,
      registeredAt: mv(d.registeredAt),
      steps: d.steps.map((s) => moveStep(s, mv)),
      path: movePath(d.path, mv),
      ...(d.others ? { others: d.others.map((p) => movePath(p, mv)) } : {}),
    };
  },
};
