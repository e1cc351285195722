/**
 * A callee nobody describes is supposed to keep what it is given (the unknown-call policy), so a reference
 * passed to it is never leaked. The function's own paths can say otherwise: where a path through the call,
 * on which the call did not fail, goes on to release the object itself (`err = foo_check(x); if (err < 0)
 * return err; foo_put(x);`), the callee only borrowed it; had it kept the reference, that release would be
 * one too many. Then the same call on the paths where it failed kept nothing either, and a path that drops
 * the object there leaks it. A release only where the call failed (`if (register(x)) foo_put(x);`) is the
 * opposite evidence, the callee keeps it on success, and a name the policy says keeps (`*_add`,
 * `*_register`, `list_*`...) is never read as borrowing.
 */
import type { Step } from '../result';
import type { Cfg } from '../cfg/cfg';
import type { Syn } from '../parse/syntax';
import type { Model } from '../model/compiled';
import { modelPolicy } from '../model/unknown-calls';
import { toArray, type State } from '../paths/state';

/** `call\0line\0object` of each supposed transfer the function's own later release disproves. */
export function borrowedSites(exits: readonly State[], model: Model, cfg: Cfg): Set<string> {
  const out = new Set<string>();
  for (const st of exits) {
    const steps = toArray(st.steps);
    for (const [i, s] of steps.entries()) {
      // handed on with more than one reference (`task_reference(t); convert_task_to_port(t)` beside the one
      // the function keeps), the later release may be of the other: no evidence
      if (s.op !== 'transfer' || !s.supposed || s.after !== 1) continue;
      const site = siteOf(s);
      if (out.has(site) || !releasedAfter(steps, i, s.object) || failedOn(st, s.call, resultVars(cfg, s))) continue;
      if (modelPolicy(model.unknownCalls).keep.some((r) => r.test(s.call))) continue;
      out.add(site);
    }
  }
  return out;
}

export function siteOf(s: Step): string {
  return `${s.call}\0${s.line}\0${s.object}`;
}

/**
 * References on `object` a path supposed handed on that the function's own paths show were only
 * borrowed: every transfer of it on the path is such a call (none stored, returned or kept by a known callee).
 */
export function borrowedOnPath(st: State, object: string, sites: ReadonlySet<string>): boolean {
  let any = false;
  for (const s of toArray(st.steps)) {
    if (s.object !== object || (s.op !== 'transfer' && s.op !== 'store' && s.op !== 'return')) continue;
    if (s.op !== 'transfer' || !s.supposed || !sites.has(siteOf(s))) return false;
    any = true;
  }
  return any;
}

/**
 * The path failed another call nobody describes that the function gives the object to (`err =
 * kauth_authorize_process(cred, ..., t, ...)` returned non-zero): such a callee may have dropped the
 * reference on its failure, so the path's keeping nothing is no leak the function can be told of. Predicates
 * and accessors (the policy's `borrow` names) only read.
 */
export function failedAnotherTaker(st: State, object: string, lender: string, cfg: Cfg, model: Model): boolean {
  const root = /^[A-Za-z_]\w*/.exec(object)?.[0];
  if (!root) return false;
  const policy = modelPolicy(model.unknownCalls);
  const takers = new Set<string>();
  const walk = (e: Syn | undefined): void => {
    if (!e) return;
    if (e.type === 'call_expression') {
      const name = e.fields.function?.text;
      const args = e.fields.arguments?.children ?? [];
      if (name && name !== lender && args.some((a) => mentions(a, root))) takers.add(name);
    }
    for (const c of e.children) walk(c);
  };
  for (const n of cfg.nodes) walk(n.ast);
  for (const t of takers) if (model.functions.has(t) || policy.borrow.some((r) => r.test(t))) takers.delete(t);
  if (!takers.size) return false;
  return toArray(st.conds).some(({ words }) => {
    const m = /^(\w+)\(.*\) (returned non-zero|returned an error|returned NULL|returned 0 or an error)$/.exec(words);
    return !!m && takers.has(m[1]);
  });
}

function mentions(e: Syn, name: string): boolean {
  if (e.type === 'identifier' && e.text === name) return true;
  return e.children.some((c) => mentions(c, name));
}

/** The path releases `object` after step `i`, with no new reference taken on it in between. */
function releasedAfter(steps: readonly Step[], i: number, object: string): boolean {
  for (const s of steps.slice(i + 1)) {
    if (s.object !== object) continue;
    if (s.delta > 0 || s.op === 'acquire' || s.op === 'create') return false;
    if (s.op === 'release' && s.delta < 0 && !s.counter) return true;
  }
  return false;
}

/**
 * The path tested the call's result and found it failed, or tested it in words this cannot read: the result
 * itself (`foo_check() returned an error`), or a variable that held it (`ret [callout] == PROC_CLAIMED`, a
 * callee that says by its result whether it kept the object); or it kept the result in a variable and shows no
 * test of it.
 */
function failedOn(st: State, call: string, held: ReadonlySet<string>): boolean {
  const tested = toArray(st.conds).filter(
    ({ words, source }) =>
      words.startsWith(`${call}(`) ||
      source.includes(`[${call}]`) ||
      [...held].some((v) => new RegExp(`(^|[^\\w.>])${v}\\b`).test(source)),
  );
  const success = / (returned 0|did not return an error|returned non-NULL|returned a positive value)$/;
  if (tested.some(({ words }) => !success.test(words))) return true;
  // a result kept in a variable whose test the path does not show (a `switch` on codes of the callee's own)
  return held.size > 0 && !tested.length;
}

/** The variables the call's result is assigned to at its line (`ret = callout(p, arg)`, `int ret = f(x)`). */
function resultVars(cfg: Cfg, s: Step): Set<string> {
  const out = new Set<string>();
  const callOf = (e: Syn | undefined): boolean => {
    let x = e;
    while (x && (x.type === 'parenthesized_expression' || x.type === 'cast_expression'))
      x = x.type === 'cast_expression' ? x.fields.value : x.children[0];
    return x?.type === 'call_expression' && x.fields.function?.text === s.call;
  };
  const walk = (e: Syn | undefined): void => {
    if (!e) return;
    if (e.type === 'assignment_expression' && e.fields.left?.type === 'identifier' && callOf(e.fields.right))
      out.add(e.fields.left.text ?? '');
    for (const c of e.children) walk(c);
  };
  for (const n of cfg.nodes) {
    if (n.line !== s.line || !n.ast) continue;
    if (n.kind === 'init' && n.decl && callOf(n.ast)) out.add(n.decl.name);
    walk(n.ast);
  }
  out.delete('');
  return out;
}
