/**
 * One object, however often it is reached by the same call: `get_page(mfn_to_page(mfn))` ...
 * `put_page(mfn_to_page(mfn))`, `pm_runtime_get_sync(to_dev(x)->dev)` ... `pm_runtime_put(to_dev(x)->dev)`,
 * and a local copy of the first result (`s = to_sensor(k); get_device(s->dev); ... put_device(to_sensor(k)->dev)`).
 *
 * A call counts when nothing counted happens to its result (no model row, no summary effect on
 * `ret`): an accessor such as `container_of`, `to_*()`, `pfn_to_page()`. Its result is
 * remembered per path as an alias from the call's canonical form (`e:mfn_to_page(mfn)`, with
 * the arguments' access paths) to where the result lives (the call's temporary, or the
 * variable it was copied into). The same call with the same argument values names that place
 * again. Writing an argument or the holder forgets the alias (state-edits.ts `killPath`).
 */
import type { Model } from '../model/compiled';
import type { Summary } from './summary';
import type { Effect } from '../model/compiled';
import { keyOf, parseKey, under } from './access';
import { type State, with_ } from './state';
import type { Out, Val } from './values';

const EXPR = 'e:';

export function isCallKey(k: string): boolean {
  return k.startsWith(EXPR);
}

const parsedCalls = new Map<string, { callee: string; deps: string[] }>();

/** The callee of a call key and the access paths its value depends on (its path arguments, nested calls' too). */
export function callKeyParts(k: string): { callee: string; deps: string[] } {
  let parts = parsedCalls.get(k);
  if (parts) return parts;
  const open = k.indexOf('(');
  const callee = k.slice(EXPR.length, open);
  const deps: string[] = [];
  let depth = 0;
  let start = open + 1;
  const take = (arg: string) => {
    if (arg.startsWith('#')) return;
    if (isCallKey(arg)) deps.push(...callKeyParts(arg).deps);
    else if (arg) deps.push(arg);
  };
  for (let i = open + 1; i < k.length - 1; i++) {
    const c = k[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      take(k.slice(start, i));
      start = i + 1;
    }
  }
  take(k.slice(start, k.length - 1));
  parts = { callee, deps };
  if (parsedCalls.size > 50000) parsedCalls.clear();
  parsedCalls.set(k, parts);
  return parts;
}

/** Whether writing `key` changes what the call at `callKey` evaluates to, or where its result lives (`target`). */
export function callKeyWrittenBy(callKey: string, target: string, key: string): boolean {
  return under(target, key) || callKeyParts(callKey).deps.some((d) => under(d, key));
}

export class SameCalls {
  constructor(
    private readonly model: Model,
    private readonly summaries: ReadonlyMap<string, Summary>,
    private readonly inferred: ReadonlyMap<string, Effect[]> | undefined,
  ) {}

  private names(name: string): boolean {
    return namesExisting(name, this.model, this.summaries, this.inferred);
  }

  /** The canonical form of `name(vals)` on this path, when every argument is a value it can name. */
  private key(name: string, vals: Val[], st: State): string | undefined {
    const args: string[] = [];
    for (const v of vals) {
      if (v.k === 'const') args.push(`#${v.c}`);
      else if (v.k === 'flags') {
        // `flags | F`: the rest is not known, so not a value the same call can be told by
        if (v.some) return undefined;
        args.push(`#${v.f.join('|')}`);
      } else if (v.k === 'path') {
        // `frames[i]`: one name for every element, so not a value the same call can be told by
        if (v.p.segs.includes('[]')) return undefined;
        if (!v.p.root.startsWith('$')) args.push(keyOf(v.p));
        else {
          // a nested call's result: named by that call, if it is one of these
          const inner = v.p.segs.length ? undefined : this.callHeldAt(st, v.p.root);
          if (!inner) return undefined;
          args.push(inner);
        }
      } else return undefined;
    }
    return `${EXPR}${name}(${args.join(',')})`;
  }

  private callHeldAt(st: State, target: string): string | undefined {
    for (const [k, t] of st.aliases) if (t === target && isCallKey(k)) return k;
    return undefined;
  }

  /**
   * The outcomes of a call with the result named: where the same call's result lives on the
   * path, if it was evaluated before; else the result is remembered there.
   */
  name(name: string | undefined, temp: string, vals: Val[], outs: Out[]): Out[] {
    if (!name || !this.names(name)) return outs;
    return outs.map((o) => {
      if (o.v.k !== 'path' || o.v.p.root !== temp || o.v.p.segs.length) return o;
      if ([...o.st.objects.keys()].some((k) => under(k, temp))) return o;
      const key = this.key(name, vals, o.st);
      if (!key) return o;
      const held = o.st.aliases.get(key);
      if (held !== undefined) return { st: o.st, v: { k: 'path', p: parseKey(held) } };
      const aliases = new Map(o.st.aliases);
      aliases.set(key, temp);
      return { st: with_(o.st, { aliases }), v: o.v };
    });
  }
}

/** Nothing counted happens to this function's result: its value is a name for something that exists. */
export function namesExisting(
  name: string,
  m: Model,
  summaries: ReadonlyMap<string, Summary>,
  inferred: ReadonlyMap<string, Effect[]> | undefined,
): boolean {
  if (m.functions.has(name) || inferred?.has(name) || m.returnsArgument.has(name)) return false;
  if (m.noreturn.has(name) || m.assigns.has(name) || m.frees.has(name) || m.zeroes.has(name)) return false;
  const summary = summaries.get(name);
  return !summary?.paths.some((p) => p.retArg !== undefined || p.effects.some((ef) => ef.target.base === 'ret'));
}

/** A call's result moved from `from` (its temporary) to `to` (the variable it was assigned to): its alias follows. */
export function moveCallResult(st: State, from: string, to: string): State {
  let aliases: Map<string, string> | undefined;
  for (const [k, t] of st.aliases)
    if (isCallKey(k) && under(t, from)) {
      aliases ??= new Map(st.aliases);
      aliases.set(k, to + t.slice(from.length));
    }
  return aliases ? with_(st, { aliases }) : st;
}
