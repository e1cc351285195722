/**
 * A cycle of files whose rounds ran out before its summaries stopped changing: the results of its
 * files rest in part on callee summaries that were still moving, so which warnings they hold
 * depends on the schedule of the rounds, not on the code. A warning whose paths count the object
 * through a callee whose summary had not settled is information that names the callee; the
 * function's other warnings, and the warnings of functions whose callees all settled, stay.
 */
import type { Diagnostic, FileResult } from '../analysis/result';
import type { Summary } from '../analysis/paths/summary';
import type { TreeGraph } from '../analysis/tree/graph';
import { doubtWords } from '../analysis/checks/words';

/** Rules whose diagnostics compare counts along paths, so rest on what callees' summaries say. */
const COUNTING_RULES: ReadonlySet<string> = new Set(['leak', 'over-release', 'inconsistent']);

/** A file's functions that read unsettled callees: the callees by function name, and the rounds the cycle ran. */
export interface UnsettledReads {
  rounds: number;
  reads: Record<string, string[]>;
  /** The file's functions whose own summary was still changing in the cycle's last round. */
  moving?: string[];
}

export interface UnsettledGroup {
  graph: TreeGraph;
  /** The group's summaries after its last round, by function id (its members that can touch a count). */
  last: ReadonlyMap<number, Summary>;
  /** The members whose summary changed in the last round. */
  changed: ReadonlySet<number>;
  /** The rounds the group ran. */
  rounds: number;
  /** `file`'s model describes `name`: its calls read the model's row, never the summary. */
  modelled(file: number, name: string): boolean;
}

/**
 * Per file of the group, per function (by name): its callees whose summary had not settled when the
 * function was analysed, in the order it calls them. A callee of another file of the group has not
 * settled for a reader when the reader's last visit was told another summary of it than the last
 * round's, or it changed in the last round; and a function that calls one resting on such a summary
 * (in its own file or another of the group) made its own summary of what it read, so it has not
 * settled either. `told`: what a file's last visit was told of the group.
 */
export function unsettledReads(
  g: UnsettledGroup,
  files: readonly number[],
  told: (file: number) => ReadonlyMap<number, Summary> | undefined,
  same: (a: Summary | undefined, b: Summary | undefined) => boolean,
): Map<number, UnsettledReads> {
  const { graph, last, changed } = g;
  const callees = graph.callees();
  const ids = files.flatMap((file) => graph.ofFile[file]);
  const read = (id: number) => {
    const file = graph.fns[id].file;
    return callees[id].filter((c) => last.has(c) && !g.modelled(file, graph.fns[c].name));
  };
  const moving = (id: number, c: number) => {
    const file = graph.fns[id].file;
    return graph.fns[c].file !== file && (changed.has(c) || !same(told(file)?.get(c), last.get(c)));
  };
  const resting = new Set<number>(ids.filter((id) => read(id).some((c) => moving(id, c))));
  spreadResting(ids, resting, read);
  const out = new Map<number, UnsettledReads>();
  for (const id of ids) {
    if (!resting.has(id)) continue;
    const names = read(id)
      .filter((c) => resting.has(c) || moving(id, c))
      .map((c) => graph.fns[c].name);
    addReads(out, graph, id, names, g.rounds);
  }
  return out;
}

/** Every function of `ids` that calls one in `resting` rests on it too, to a fixed point (`resting` grows). */
function spreadResting(ids: readonly number[], resting: Set<number>, callees: (id: number) => readonly number[]) {
  for (let grew = resting.size > 0; grew; ) {
    grew = false;
    for (const id of ids)
      if (!resting.has(id) && callees(id).some((c) => resting.has(c))) {
        resting.add(id);
        grew = true;
      }
  }
}

/** Function `id` read the unsettled callees `names`: its file's entry in `out` says so. */
function addReads(
  out: Map<number, UnsettledReads>,
  graph: TreeGraph,
  id: number,
  names: readonly string[],
  rounds: number,
): void {
  const file = graph.fns[id].file;
  let reads = out.get(file);
  if (!reads) out.set(file, (reads = { rounds, reads: {} }));
  const name = graph.fns[id].name;
  reads.reads[name] = [...new Set([...(reads.reads[name] ?? []), ...names])];
}

/**
 * `result` with each counting warning whose paths count its object through one of its function's
 * `reads` (a step of that call on the object) turned to information that names the callee.
 */
export function demoteUnsettled(result: FileResult, { reads, rounds }: UnsettledReads): FileResult {
  let touched = false;
  const diagnostics = result.diagnostics.map((d): Diagnostic => {
    const callee = d.severity === 'info' || !COUNTING_RULES.has(d.rule) ? undefined : unsettledStep(result, d, reads);
    if (callee === undefined) return d;
    touched = true;
    const doubt = { unsettled: callee, rounds };
    return { ...d, severity: 'info', doubt, message: `${d.message}${doubtWords(doubt)}` };
  });
  return touched ? { ...result, diagnostics } : result;
}

/** The first call of an unsettled callee that counts the diagnostic's object on its paths. */
function unsettledStep(result: FileResult, d: Diagnostic, reads: Record<string, string[]>): string | undefined {
  const names = d.function !== undefined && Object.hasOwn(reads, d.function) ? reads[d.function] : undefined;
  if (!names?.length || !d.paths?.length) return undefined;
  const fn = result.functions.find((f) => f.name === d.function && f.line <= d.line && d.line <= f.endLine);
  const object = d.overwritten?.name ?? d.object;
  for (const id of d.paths)
    for (const step of fn?.paths.find((p) => p.id === id)?.steps ?? [])
      if (names.includes(step.call) && (object === undefined || step.object === object)) return step.call;
  return undefined;
}

/**
 * The functions of `files` (a group that runs after the cycles that ran out) that read a summary resting on
 * one: a callee in `resting`, or one of the group that does (added to `resting`, so that the groups after
 * this one see it), as `unsettledReads` gives them, merged with what the group's own rounds found (`own`).
 */
export function restingReads(
  graph: TreeGraph,
  files: readonly number[],
  resting: Set<number>,
  rounds: number,
  modelled: (file: number, name: string) => boolean,
  own: Map<number, UnsettledReads> | undefined,
): Map<number, UnsettledReads> | undefined {
  const callees = graph.callees();
  const ids = files.flatMap((file) => graph.ofFile[file]);
  const read = (id: number) => callees[id].filter((c) => !modelled(graph.fns[id].file, graph.fns[c].name));
  spreadResting(ids, resting, read);
  let out = own;
  for (const id of ids) {
    const names = resting.has(id)
      ? read(id)
          .filter((c) => resting.has(c))
          .map((c) => graph.fns[c].name)
      : [];
    if (names.length) addReads((out ??= new Map()), graph, id, names, rounds);
  }
  return out;
}

/** The functions an unsettled cycle's reads name as resting on it, by id (what `restingReads` starts from). */
export function restingIds(graph: TreeGraph, file: number, u: UnsettledReads): number[] {
  const names = new Set([...Object.keys(u.reads), ...(u.moving ?? [])]);
  return graph.ofFile[file].filter((id) => names.has(graph.fns[id].name));
}
