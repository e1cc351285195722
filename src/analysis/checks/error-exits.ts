/**
 * References an error exit keeps on an object its caller can see (a parameter, a global, what it
 * returns) that no success exit keeps: the path took them and its caller, told of the failure,
 * gives nothing back. The leak rule reports them.
 */
import type { VarDecl } from '../cfg/cfg';
import { keyBeforeOverwrite, parseKey } from '../paths/access';
import type { State } from '../paths/state';
import { callerObjects, pendingRefs } from './caller-objects';
import type { Diagnostic } from '../result';
import type { CheckInput } from './rule';
import { isError, isSuccess, returnsOf, toldByReturn } from './outcomes';

export interface ErrorExitKeep {
  key: string;
  /** The error exits that keep more than every success exit, with what each keeps. */
  kept: { cid: number; st: State; refs: number }[];
  /**
   * The success exit that keeps the most; `otherwise` when no exit is known to succeed and this one is only
   * not known to fail.
   */
  success: { cid: number; st: State; refs: number; otherwise: boolean };
}

export function errorExitKeeps(inp: CheckInput, earlier: readonly Diagnostic[]): ErrorExitKeep[] {
  const decls = inp.cfg.decls;
  const returns = returnsOf(inp.exits, inp.cfg.returnsBool);
  const { exits: all, objects } = callerObjects(inp, earlier, true);
  let successes = all.filter((x) => isSuccess(x.st.exit!.returnClass, returns));
  const otherwise = !successes.length;
  // with no path known to succeed, the paths not known to fail stand in (`return ret` after an unknown call)
  if (otherwise) successes = all.filter((x) => x.st.exit!.returnClass === 'unknown');
  if (!successes.length) return [];
  const swapped = swappedPlaces(inp.exits, decls);
  const out: ErrorExitKeep[] = [];
  for (const { key } of objects) {
    const refsOf = (st: State) => pendingRefs(st, key);
    // a reference left in an out-parameter on failure is not handed out: callers read `*outp` on success only;
    // unless the function gives back what that place held on entry (a swap): the place is the caller's on
    // every outcome, and what it holds on leaving is the caller's too
    const keptOnError = (st: State) => {
      const o = st.objects.get(key);
      return o &&
        !o.withContainer &&
        o.storedIn !== undefined &&
        isOutParameter(o.storedIn, decls) &&
        !swapped.has(o.storedIn)
        ? o.refs
        : refsOf(st);
    };
    const maxOk = Math.max(...successes.map((x) => refsOf(x.st)));
    const kept: ErrorExitKeep['kept'] = [];
    for (const x of all) {
      if (!isError(x.st.exit!.returnClass, returns)) continue;
      // what it keeps is a callee's bookkeeping (a first-user pin taken on the way); a test of the object
      // here before the path's own get (`if (!netif_running(dev)) return -E; dev_hold(dev)`) excuses nothing
      if (x.st.objects.get(key)?.parked === 'callee') continue;
      if (returnsItsAcquire(inp, x, key)) continue;
      const refs = keptOnError(x.st);
      if (refs > 0 && refs > maxOk) kept.push({ ...x, refs });
    }
    if (!kept.length) continue;
    // what it keeps on the exits its return value names (an acquire that reports success by `1`) is handed out
    if (toldByReturn(inp.cfg.name, inp.exits, inp.cfg.returnsBool, (st) => keptOnError(st) > 0)) continue;
    const s = successes.find((x) => refsOf(x.st) === maxOk)!;
    out.push({ key, kept, success: { ...s, refs: maxOk, otherwise } });
  }
  return out;
}

/**
 * The exit returns the very call that took the reference (`return device_register(&f->dev);`): the function
 * wraps that call, and its caller, told of the failure, gives it back or not (the caller's own analysis
 * reads this function's summary and says which).
 */
function returnsItsAcquire(inp: CheckInput, x: { cid: number; st: State }, key: string): boolean {
  const display = x.st.objects.get(key)?.display;
  const step = [...inp.classes[x.cid].steps].reverse().find((s) => s.object === display && s.delta > 0);
  return !!step?.call && isCallOf(x.st.exit!.returns, step.call);
}

/** `text` is one call of `name`, whole: `name(...)` whose first parenthesis closes at the end. */
function isCallOf(text: string, name: string): boolean {
  if (!text.startsWith(`${name}(`) || !text.endsWith(')')) return false;
  let depth = 0;
  for (let i = name.length; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i === text.length - 1;
  }
  return false;
}

/** `*outp` of a parameter `T **outp`: where a function hands a reference out to its caller. */
export function isOutParameter(key: string, decls: ReadonlyMap<string, VarDecl>): boolean {
  const p = parseKey(key);
  const d = decls.get(p.root);
  return !!d?.isParam && p.segs.length === 1 && p.segs[0] === '*' && d.pointerDepth >= 2;
}

/**
 * The out-parameters (`*outif`) whose value on entry some path gives back (`ifnet_release(*outif); *outif =
 * rt->rt_ifp`): the caller's reference lives there whatever the function returns, so the caller reads the place
 * on failure too (in6_selectsrc's "caller always needs to release it if non-NULL").
 */
function swappedPlaces(exits: readonly State[], decls: ReadonlyMap<string, VarDecl>): ReadonlySet<string> {
  const out = new Set<string>();
  for (const st of exits)
    for (const [k, o] of st.objects) {
      if (o.exist + o.refs >= 0) continue;
      const place = keyBeforeOverwrite(k);
      if (isOutParameter(place, decls)) out.add(place);
    }
  return out;
}
