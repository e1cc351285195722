/**
 * Zero-config pair inference: functions this file calls whose names pair up
 * (`foo_get`/`foo_put`, `x_hold`/`x_rele`...) and that are called on the same
 * argument are taken as acquire/release, marked inferred wherever they show.
 */
import type { Syn } from './parse/syntax';
import type { Effect, Model } from './model/compiled';

export const PAIR_SUFFIXES: [string, string][] = [
  ['get', 'put'], ['tryget', 'put'], ['hold', 'rele'], ['hold', 'release'], ['hold', 'drop'], ['hold', 'put'],
  ['ref', 'unref'], ['ref', 'rel'], ['ref', 'rele'], ['ref', 'deref'], ['acquire', 'release'], ['grab', 'drop'], ['retain', 'release'],
];

export interface InferredPair { acquire: string; release: string; effects: Effect[] }

function callsIn(fns: Syn[], src: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (n: Syn) => {
    if (n.type === 'call_expression' && n.fields.function?.type === 'identifier') {
      const name = n.fields.function.text!;
      const a0 = n.fields.arguments?.children[0];
      const list = out.get(name) ?? [];
      list.push(a0 ? src.slice(a0.start, a0.end).replace(/\s+/g, '') : '');
      out.set(name, list);
    }
    for (const c of n.children) walk(c);
  };
  for (const f of fns) walk(f);
  return out;
}

/** Returns name -> inferred effects, for both halves of every pair found. */
export function inferPairs(fns: Syn[], src: string, model: Model): Map<string, InferredPair> {
  const calls = callsIn(fns, src);
  const known = (n: string) => model.functions.has(n) || model.borrows.has(n) || model.noreturn.has(n) || model.transparent.has(n) || model.zeroes.has(n);
  const out = new Map<string, InferredPair>();
  for (const [name, args] of calls) {
    for (const [acq, rel] of PAIR_SUFFIXES) {
      const m = new RegExp(`^(.*?)(_?)${acq}$`).exec(name);
      if (!m || !m[1]) continue;
      const partner = `${m[1]}${m[2]}${rel}`;
      const partnerArgs = calls.get(partner);
      if (!partnerArgs || known(name) || known(partner) || out.has(name)) continue;
      const normalise = (a: string) => a.replace(/^&/, '');
      const shared = args.some((a) => a && partnerArgs.some((b) => normalise(b) === normalise(a)));
      if (!shared) continue;
      const source = `inferred:${name}/${partner}`;
      const pair: InferredPair = {
        acquire: name, release: partner,
        effects: [{ op: 'acquire', target: { base: 'arg', index: 0, segs: [], text: 'arg0' }, when: [], count: 1, source, inferred: true, label: 'inferred' }],
      };
      out.set(name, pair);
      out.set(partner, { acquire: name, release: partner, effects: [{ op: 'release', target: { base: 'arg', index: 0, segs: [], text: 'arg0' }, when: [], count: 1, source, inferred: true, label: 'inferred' }] });
    }
  }
  return out;
}
