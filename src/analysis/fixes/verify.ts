/**
 * The verdict on an edit, from the analysis of the file before and after it: the edit must
 * remove the diagnostics it is for and bring no other (a diagnostic is known across the edit
 * by its rule, function and object, since lines move), no syntax error and no cut analysis.
 */
import type { Diagnostic, FileResult } from '../result';

export type Verdict = { ok: true; removed: Diagnostic[] } | { ok: false; reason: string };

/** How a diagnostic is known across an edit: its rule, function and object (a note by its words). */
export function diagnosticKey(d: Diagnostic): string {
  const about = d.object !== undefined ? (d.overwritten?.name ?? d.object) : d.message;
  return `${d.rule}\u0000${d.function ?? ''}\u0000${about}`;
}

function counts(ds: readonly Diagnostic[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const d of ds) m.set(diagnosticKey(d), (m.get(diagnosticKey(d)) ?? 0) + 1);
  return m;
}

export function judge(before: FileResult, after: FileResult, targets: readonly Diagnostic[]): Verdict {
  if (after.error) return { ok: false, reason: `the edited file is not analysed: ${after.error}` };
  if (after.parseErrors.length > before.parseErrors.length) {
    const old = new Set(before.parseErrors.map((p) => p.message));
    const fresh = after.parseErrors.find((p) => !old.has(p.message)) ?? after.parseErrors[0];
    return { ok: false, reason: `the edited text does not parse (line ${fresh.line}: ${fresh.message})` };
  }
  const cutBefore = new Set(before.functions.filter((f) => f.truncated).map((f) => f.name));
  const cut = after.functions.find((f) => f.truncated && !cutBefore.has(f.name));
  if (cut) return { ok: false, reason: `the analysis of ${cut.name}() is cut after the edit` };
  const was = counts(before.diagnostics);
  const now = counts(after.diagnostics);
  for (const d of after.diagnostics) {
    const k = diagnosticKey(d);
    if ((now.get(k) ?? 0) > (was.get(k) ?? 0))
      return { ok: false, reason: `it brings a ${d.rule} in ${d.function ?? 'the file'}(): ${d.message}` };
  }
  const wanted = counts(targets);
  for (const [k, n] of wanted)
    if ((now.get(k) ?? 0) > (was.get(k) ?? 0) - n) {
      const t = targets.find((d) => diagnosticKey(d) === k)!;
      return { ok: false, reason: `it leaves the ${t.rule} on ${t.object ?? 'it'} in ${t.function ?? 'the file'}()` };
    }
  const removed: Diagnostic[] = [];
  const left = new Map(now);
  for (const d of before.diagnostics) {
    const k = diagnosticKey(d);
    const n = left.get(k) ?? 0;
    if (n > 0) left.set(k, n - 1);
    else removed.push(d);
  }
  return { ok: true, removed };
}
