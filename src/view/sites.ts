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
  /** The path classes through the call, in order: the sum of their changes here, and the path's count just after. */
  paths: { id: number; here: number; after?: number }[];
  notes: string[];
  /** Model entries behind it (`freebsd:dev_ref`, `/abs/.refcount-lens.json:spa_open`). */
  sources: string[];
  inferred: boolean;
  /** The inlay hint's text: `+2/+1 cdev (MAKEDEV_REF)`. */
  label: string;
  /** Its parts: the distinct changes here, largest first (`+2/+1`), and the notes (`MAKEDEV_REF`, `inferred`). */
  values: string;
  extras: string[];
}

/** Groups the counted steps (delta != 0) of a function by call site and object. */
export function callSites(fn: FunctionResult): CallSite[] {
  const sites = new Map<
    string,
    {
      site: CallSite;
      perPath: Map<number, number>;
      after: Map<number, number | undefined>;
      notes: Set<string>;
      sources: Set<string>;
    }
  >();
  for (const path of fn.paths) {
    for (const step of path.steps) {
      if (!step.delta) continue;
      const key = `${step.line}:${step.column ?? ''}:${step.call}:${step.object}:${step.kind}:${step.counter ?? ''}`;
      let s = sites.get(key);
      if (!s) {
        s = {
          site: {
            fn,
            line: step.line,
            column: step.column,
            call: step.call,
            object: step.object,
            kind: step.kind,
            counter: step.counter,
            paths: [],
            notes: [],
            sources: [],
            inferred: false,
            label: '',
            values: '',
            extras: [],
          },
          perPath: new Map(),
          after: new Map(),
          notes: new Set(),
          sources: new Set(),
        };
        sites.set(key, s);
      }
      s.perPath.set(path.id, (s.perPath.get(path.id) ?? 0) + step.delta);
      s.after.set(path.id, step.after);
      if (step.note) s.notes.add(step.note);
      if (step.source) s.sources.add(step.source);
      if (step.inferred) s.site.inferred = true;
    }
  }
  return [...sites.values()].map(({ site, perPath, after, notes, sources }) => {
    const done: CallSite = {
      ...site,
      notes: [...notes],
      sources: [...sources],
      paths: [...perPath].map(([id, here]) => {
        const a = after.get(id);
        return a === undefined ? { id, here } : { id, here, after: a };
      }),
    };
    done.values = [...new Set(done.paths.map((p) => p.here))]
      .sort((a, b) => b - a)
      .map(signed)
      .join('/');
    done.extras = [
      ...new Set([...done.notes.filter((n) => !n.startsWith('via ')), ...(done.inferred ? ['inferred'] : [])]),
    ];
    done.label = `${done.values} ${what(done)}${done.extras.length ? ` (${done.extras.join(', ')})` : ''}`;
    return done;
  });
}

/** What the site counts: the object's kind, and its separate counter if that is what changes. */
export function what(site: Pick<CallSite, 'kind' | 'counter'>): string {
  return site.counter ? `${site.kind} ${site.counter}` : site.kind;
}
