/** Runs the registry's checks over one function, in registry order. */
import type { Diagnostic } from '../result';
import type { Doubt } from '../paths/state';
import type { CheckInput } from './rule';
import { RULES, type RuleSpec } from './registry';
import { doubtWords } from './words';

export type { CheckInput } from './rule';

export function runChecks(inp: CheckInput): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const spec of Object.values(RULES) as RuleSpec[]) {
    const check = spec.module?.check;
    if (!check) continue;
    const severity = (inferred?: boolean) => (inferred ? (spec.inferredSeverity ?? spec.severity) : spec.severity);
    found.push(...check(inp, { earlier: [...found], severity }));
  }
  const doubts = classDoubts(inp);
  return found.map((d) => withEvidence(d, (cid) => doubts.get(cid) ?? objectDoubt(inp, cid, d.object)));
}

/**
 * A function whose analysis its budget stopped still reports what it proved on the paths that
 * reached its end: each diagnostic is information and says how many paths were explored (a leak
 * on an explored path is real; one the unexplored paths would show, or a pair with one of them,
 * is not known).
 */
export function explored(found: Diagnostic[], paths: number): Diagnostic[] {
  return found.map((d) => {
    if (d.doubt) return { ...d, severity: 'info' };
    const doubt = { explored: paths };
    return { ...d, severity: 'info', doubt, message: `${d.message}${doubtWords(doubt)}` };
  });
}

/** The object's own doubt on every exit state of the class (what a cut callee it was given may have done). */
function objectDoubt(inp: CheckInput, cid: number, object: string | undefined): Doubt | undefined {
  if (object === undefined) return undefined;
  let doubt: Doubt | undefined;
  for (const st of inp.exits) {
    if (inp.classOf.get(st) !== cid) continue;
    const o = [...st.objects.values()].find((x) => x.display === object);
    if (!o?.doubt) return undefined;
    doubt ??= o.doubt;
  }
  return doubt;
}

/** A path class the analysis cannot show: every exit state of it carries a doubt (the first one's). */
function classDoubts(inp: CheckInput): Map<number, Doubt> {
  const all = new Map<number, Doubt | null>();
  for (const st of inp.exits) {
    const cid = inp.classOf.get(st);
    if (cid === undefined) continue;
    const seen = all.get(cid);
    if (seen === null) continue;
    all.set(cid, st.doubt && seen === undefined ? st.doubt : st.doubt ? seen! : null);
  }
  const out = new Map<number, Doubt>();
  for (const [cid, d] of all) if (d) out.set(cid, d);
  return out;
}

/**
 * Severity follows evidence: a diagnostic whose paths the analysis cannot show (all of them; for
 * `inconsistent`, either of the two it compares) is information, and says why.
 */
function withEvidence(d: Diagnostic, doubtOf: (cid: number) => Doubt | undefined): Diagnostic {
  if (!d.paths?.length || d.rule === 'budget' || d.rule === 'parse' || d.rule === 'model') return d;
  const doubtful = d.paths.filter((p) => doubtOf(p) !== undefined);
  const enough = d.rule === 'inconsistent' ? doubtful.length > 0 : doubtful.length === d.paths.length;
  if (!enough || !doubtful.length) return d;
  const doubt = doubtOf(doubtful[0])!;
  return { ...d, severity: 'info', doubt, message: `${d.message}${doubtWords(doubt)}` };
}
