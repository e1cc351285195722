/** Wording and structure shared by the rules' diagnostics. */
import type { CountStep, Diagnostic, PathClass, PathRef, Step } from '../result';

export { signed } from '../signed';

/** A path class as a diagnostic names it: its exit, return and last two conditions. */
export function pathRef(c: PathClass): PathRef {
  return { path: c.id, exitLine: c.exit.line, returns: c.exit.returns, conditions: c.conditions.slice(-2) };
}

/**
 * `the path returning 0 at line 211 (drv != NULL, error == 0)`, and what tells it apart when
 * set; `2 paths returning ...` for `count` paths that read alike.
 */
export function pathWords(p: PathRef, count = 1): string {
  const ret = p.returns === 'void' ? 'returning' : `returning ${p.returns}`;
  const conds = p.conditions.length ? ` (${p.conditions.join(', ')})` : '';
  const words = `${count > 1 ? `${count} paths` : 'the path'} ${ret} at line ${p.exitLine}${conds}`;
  const d = p.differs;
  if (!d) return words;
  if ('where' in d) return `${words}, where ${d.where}`;
  if ('through' in d) return `${words}, through line ${d.through}`;
  if ('notThrough' in d) return `${words}, not through line ${d.notThrough}`;
  return `${words} (path #${p.path})`;
}

export function movePath(p: PathRef, mv: (line: number) => number): PathRef {
  const d = p.differs;
  const differs =
    d && 'through' in d ? { through: mv(d.through) } : d && 'notThrough' in d ? { notThrough: mv(d.notThrough) } : d;
  return { ...p, exitLine: mv(p.exitLine), ...(differs ? { differs } : {}) };
}

export function countStep(s: Step): CountStep {
  return { line: s.line, call: s.call, delta: s.delta, ...(s.note ? { note: s.note } : {}) };
}

export function moveStep<S extends CountStep>(s: S, mv: (line: number) => number): S {
  return { ...s, line: mv(s.line) };
}

/** Paths grouped by how they read, in order of first appearance. */
export function alike(paths: readonly PathRef[]): PathRef[][] {
  const groups = new Map<string, PathRef[]>();
  for (const p of paths) {
    const w = pathWords(p);
    const g = groups.get(w);
    if (g) g.push(p);
    else groups.set(w, [p]);
  }
  return [...groups.values()];
}

/** A related entry about one path, or about several that read alike. */
export function onPaths(group: readonly PathRef[]): { path: number; paths?: number[] } {
  return group.length > 1 ? { path: group[0].path, paths: group.map((p) => p.path) } : { path: group[0].path };
}

/**
 * A name the function does not declare: a global, or a local whose declaration the analysis could not read
 * (a type or an annotation between the type and the name that no model defines), which it takes for one.
 */
const GLOBAL = 'a name the function does not declare (a global, as the analysis reads it)';

/** Why a diagnostic is information, not a warning (appended to its message). */
export function doubtWords(d: NonNullable<Diagnostic['doubt']>): string {
  if ('explored' in d)
    return (
      ` (information: the analysis explored ${d.explored} of the function's paths before its budget stopped it;` +
      ' the paths it did not explore were not compared)'
    );
  if ('implements' in d)
    return (
      ` (information: the model describes ${d.implements}() itself; its body implements that count,` +
      " and callers read the model's row, not the body)"
    );
  if ('records' in d)
    return (
      ` (information: the function raises ${d.records} with a plain increment and lowers it on no path:` +
      ' a count of users it may record on purpose)'
    );
  if ('gaveBack' in d)
    return (
      ` (information: ${d.gaveBack ? `${d.gaveBack}()` : 'a callee'} took it below zero first, and is no` +
      ' release: as the analysis reads it, that callee gives back what it never took)'
    );
  if ('keptWith' in d)
    return (
      ` (information: the hold follows ${d.keptWith.call}() at line ${d.keptWith.line}, which was given the object` +
      ` with ${d.keptWith.in}, a structure the function did not make, and may keep it there: a use count held for` +
      " that place is the structure's, but the text does not show the store)"
    );
  if ('moves' in d)
    return (
      ` (information: ${d.moves.call}() at line ${d.moves.line} gives back a reference on this path and takes one` +
      " on another, as a callee that moves a reference it keeps does (a link undone and made), and the function's" +
      " own calls give back no more than they take: the release too many is not shown to be the caller's)"
    );
  if ('linked' in d)
    return (
      ` (information: the function reached ${d.linked} through a structure (a queue, a link), was not handed it,` +
      ' and takes a use off its count by hand: the release too many may be the one that structure held)'
    );
  if ('flagOwned' in d)
    return (
      ` (information: a path gives ${d.flagOwned} back under a test of a flag in its own state word: the` +
      ' reference that flag held, kept with the state by whoever set it, not one the caller or this path is shown' +
      ' to own)'
    );
  if ('elements' in d)
    return (
      ` (information: ${d.elements} stands for every element of the array, counted in a loop: the analysis` +
      ' does not tie how many elements one loop took to how many another gave back)'
    );
  if ('consumes' in d)
    return (
      ` (information: every path leaves ${d.consumes} at -1: the function gives back the reference its caller` +
      ' passed in, a release as its callers read it from its summary)'
    );
  if ('withCounter' in d)
    return (
      ` (information: the path gives ${d.withCounter.object} back together with its ${d.withCounter.counter}` +
      " count, which it never raised: the reference too many is the one that count's holder kept with it, as" +
      ' far as the text shows)'
    );
  if ('askedFor' in d)
    return (
      ` (information: ${d.askedFor.object} keeps the count only where the caller's ${d.askedFor.flag} asks for` +
      ' it: the function takes it for its caller (a lock that takes a use on request), on an object its' +
      ' summary cannot name for that caller)'
    );
  if ('unlinked' in d)
    return (
      ` (information: the use taken off by hand follows ${d.unlinked.call}() at line ${d.unlinked.line}, which` +
      ' ends the structure the other path found missing: the use that structure held, given back with it)'
    );
  if ('repeated' in d)
    return (
      ` (information: ${d.repeated.call}() at line ${d.repeated.line} runs once per trip of its loop, and the` +
      ' analysis does not tie the number of trips to the places that held a reference each: a slot, an entry)'
    );
  if ('kept' in d)
    return (
      ` (information: ${d.kept} is kept in ${d.in === 'global' ? GLOBAL : "a structure's member"}, which` +
      ' outlives the call: paths that give it back and paths that keep it may be bookkeeping done on purpose)'
    );
  if ('unsettled' in d)
    return (
      ` (information: the summary of ${d.unsettled}() rests on a cycle of files whose summaries were still` +
      ` changing after ${d.rounds} rounds, so what this function read of it may not be what it does)`
    );
  if ('dropped' in d)
    return (
      ` (information: the code never names what ${d.dropped}() returned at line ${d.line}; it compares it with` +
      ` ${d.compared} and drops it where they differ, so it reads such a result as holding nothing)`
    );
  if ('merged' in d)
    return (
      ` (information: the analysis merged paths at line ${d.merged} and no longer knew ${d.value}` +
      ' when it tested it, so this path may not exist)'
    );
  return d.why === 'cut'
    ? ` (information: ${d.callee}() was cut by its budget, so what it does on this path is not all known)`
    : ` (information: ${d.callee}() calls itself, so what it does on this path is not known)`;
}
