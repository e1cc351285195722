/**
 * Call sites: every counted step of a function grouped by where it happens and what it counts.
 * A site that changes the count differently on different paths keeps every value
 * (`+2/+1 cdev`), and which path classes pass through it.
 */
import type { FunctionResult } from '../analysis/result';
import { signed } from './format';

export interface CallSite {
  fn: FunctionResult;
  line: number;
  column?: number;
  call: string;
  object: string;
  kind: string;
  counter?: string;
  /** The path classes through the call, in order, with the sum of their changes here. */
  paths: { id: number; here: number }[];
  notes: string[];
  /** Model entries behind it (`freebsd:dev_ref`, `/abs/.refcount-lens.json:spa_open`). */
  sources: string[];
  inferred: boolean;
  /** The inlay hint's text: `+2/+1 cdev (MAKEDEV_REF)`. */
  label: string;
}

/** Groups the counted steps (delta != 0) of a function by call site and object. */
export function callSites(fn: FunctionResult): CallSite[] {
  const sites = new Map<string, { site: CallSite; perPath: Map<number, number>; notes: Set<string>; sources: Set<string> }>();
  for (const path of fn.paths) {
    for (const step of path.steps) {
      if (!step.delta) continue;
      const key = `${step.line}:${step.column ?? ''}:${step.call}:${step.object}:${step.kind}:${step.counter ?? ''}`;
      let s = sites.get(key);
      if (!s) {
        s = {
          site: { fn, line: step.line, column: step.column, call: step.call, object: step.object, kind: step.kind, counter: step.counter, paths: [], notes: [], sources: [], inferred: false, label: '' },
          perPath: new Map(), notes: new Set(), sources: new Set(),
        };
        sites.set(key, s);
      }
      s.perPath.set(path.id, (s.perPath.get(path.id) ?? 0) + step.delta);
      if (step.note) s.notes.add(step.note);
      if (step.source) s.sources.add(step.source);
      if (step.inferred) s.site.inferred = true;
    }
  }
  return [...sites.values()].map(({ site, perPath, notes, sources }) => {
    const done: CallSite = { ...site, paths: [...perPath].map(([id, here]) => ({ id, here })), notes: [...notes], sources: [...sources] };
    done.label = siteLabel(done);
    return done;
  });
}

/** `+2/+1 cdev (MAKEDEV_REF)`: the distinct per-path changes, largest first. */
function siteLabel(site: CallSite): string {
  const values = [...new Set(site.paths.map((p) => p.here))].sort((a, b) => b - a).map(signed).join('/');
  const what = site.counter ? `${site.kind} ${site.counter}` : site.kind;
  const notes = site.notes.filter((n) => !n.startsWith('via '));
  const extra = [...new Set([...notes, ...(site.inferred ? ['inferred'] : [])])];
  return `${values} ${what}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}
