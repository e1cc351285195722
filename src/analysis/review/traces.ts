/**
 * Lifecycle verdicts before and after: per scenario, the verdicts of each side's trace, whether
 * they differ (by subject, state and goodness: the reasons name lines, which move) and whether
 * the head has a bad verdict the base did not.
 */
import type { TraceChange, TraceOutcome, TraceVerdicts } from './types';

/**
 * `keep`: `reached`, the scenarios whose trace ran a function of the file on either side (the
 * ones the file registers for); `all`, every scenario given (the user named them).
 */
export function compareTraces(
  file: string,
  base: readonly TraceOutcome[],
  head: readonly TraceOutcome[],
  keep: 'reached' | 'all',
): TraceChange[] {
  const names = [...new Set([...base, ...head].map((t) => t.scenario))];
  const out: TraceChange[] = [];
  for (const scenario of names) {
    const b = base.find((t) => t.scenario === scenario);
    const h = head.find((t) => t.scenario === scenario);
    if (keep === 'reached' && !b?.calls.length && !h?.calls.length) continue;
    const before = b && verdictsOf(b);
    const after = h && verdictsOf(h);
    const key = (v: TraceVerdicts | undefined) =>
      JSON.stringify((v?.states ?? []).map((s) => `${s.subject}|${s.state}|${s.good}`).sort());
    const badBefore = new Set((before?.states ?? []).filter((s) => !s.good).map((s) => `${s.subject}|${s.state}`));
    const regressed = (after?.states ?? []).some(
      (s) => !s.good && s.state !== 'inconclusive' && !badBefore.has(`${s.subject}|${s.state}`),
    );
    out.push({
      file,
      scenario,
      ...(before ? { before } : {}),
      ...(after ? { after } : {}),
      changed: key(before) !== key(after),
      regressed,
    });
  }
  return out;
}

function verdictsOf(t: TraceOutcome): TraceVerdicts {
  return {
    ok: t.ok,
    summary: t.summary,
    verdicts: t.verdicts.map((v) => v.reason),
    states: t.verdicts.map((v) => ({ subject: v.subject, state: v.state, good: v.good })),
  };
}
