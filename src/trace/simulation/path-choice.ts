/**
 * Which path class a function of the file takes when the kernel (or another function) calls
 * it: its parameters bound to what the kernel passes (by declared type), its branch conditions
 * read against that, the scenario's facts and the simulation (conditions.ts), and what the
 * event needs (a device from a dev_clone handler). The best-scoring path class wins; a
 * condition on a parameter the kernel passes rules a path out.
 */
import { readCondition, type EvalEnv, type Value } from '../conditions';
import type { FunctionResult, PathClass } from '../../analysis/result';
import type { Sim } from './sim';
import type { BoundParam, Ctx, World } from './world';
import type { EnvironmentModel, ParamBinding } from '../environment';
import { pattern } from '../patterns';
import type { SourceText } from '../source';

export interface Choice {
  path?: PathClass;
  reason: string;
  conditions: string[];
}

/**
 * What an EvalEnv reads that no run changes, worked out once per text and function: the traces of
 * a diff run four scenarios over each side.
 */
const labels = new WeakMap<FunctionResult, { src: SourceText; labels: Set<string> }>();
const functionNames = new WeakMap<Map<string, FunctionResult>, Set<string>>();

/** The case labels in the lines of `f`. */
function caseLabelsOf(src: SourceText, f: FunctionResult): Set<string> {
  let known = labels.get(f);
  if (known?.src !== src) {
    const out = new Set<string>();
    for (const l of src.findLines(f.line, f.endLine, /\bcase\s+[A-Za-z_]\w*\s*:/)) {
      const m = /\bcase\s+([A-Za-z_]\w*)\s*:/.exec(src.maskedLines[l - 1]);
      if (m) out.add(m[1]);
    }
    labels.set(f, (known = { src, labels: out }));
  }
  return known.labels;
}

/** What the environment's type rules bind a parameter of each declared type to (the first rule that matches). */
const bindsByType = new WeakMap<
  EnvironmentModel,
  { rules: EnvironmentModel['paramTypes']; byType: Map<string, ParamBinding> }
>();

function bindsOf(env: EnvironmentModel, type: string): ParamBinding {
  let known = bindsByType.get(env);
  if (known?.rules !== env.paramTypes) bindsByType.set(env, (known = { rules: env.paramTypes, byType: new Map() }));
  let b = known.byType.get(type);
  if (b === undefined) {
    b = env.paramTypes.find((x) => pattern(x.type).test(type))?.binds ?? 'none';
    if (known.byType.size > 4096) known.byType.clear();
    known.byType.set(type, b);
  }
  return b;
}

function namesOf(functions: Map<string, FunctionResult>): Set<string> {
  let out = functionNames.get(functions);
  if (!out) functionNames.set(functions, (out = new Set(functions.keys())));
  return out;
}

export class PathChoice {
  constructor(private sim: Sim) {}

  private get w(): World {
    return this.sim.world;
  }

  /** The parameters of `fname` and what the kernel passes for each when it calls it in `role`. */
  bindingsOf(fname: string, role: string): BoundParam[] {
    const spec = this.w.roleSpec(role);
    return (this.w.roles.params.get(fname) ?? []).map((p) => {
      const fixed = spec?.params?.[p.index];
      if (fixed) return { p, b: fixed };
      return { p, b: bindsOf(this.w.env, p.type) };
    });
  }

  /** What the conditions of `f`'s paths are read against in this call. */
  evalEnv(f: FunctionResult, ctx: Ctx, params: BoundParam[]): EvalEnv {
    const known = new Map<string, Value>();
    const names = new Set<string>();
    for (const { p, b } of params) {
      if (!p.name) continue;
      names.add(p.name);
      switch (b) {
        case 'cdev-out':
          known.set(`*${p.name}`, { zero: !ctx.outCdev?.obj });
          known.set(p.name, { zero: !ctx.outCdev });
          break;
        case 'ifnet-out':
          known.set(p.name, { zero: !ctx.outIfnet });
          break;
        case 'cred':
          known.set(p.name, { zero: !ctx.cred });
          break;
        case 'cdev':
          known.set(p.name, { zero: !ctx.cdev });
          break;
        case 'ifnet':
          if (ctx.ifnet) known.set(p.name, { zero: false });
          break;
        case 'prison':
          known.set(p.name, { zero: !ctx.prison });
          break;
        case 'name':
          known.set(p.name, { zero: ctx.lookupName === undefined });
          break;
        case 'value':
          if (ctx.value) known.set(p.name, { equals: ctx.value });
          break;
      }
    }
    let deviceExists: boolean | undefined;
    if (ctx.cdev && !ctx.cdev.freed && !ctx.cdev.destroyed) deviceExists = true;
    else if (ctx.deviceName) deviceExists = !!this.w.liveCdev(ctx.deviceName);
    return {
      facts: this.w.facts,
      params: known,
      paramNames: names,
      lookupName: ctx.lookupName,
      deviceExists,
      fileFunctions: namesOf(this.w.roles.functions),
      rules: this.w.env.conditionRules,
      src: this.w.src,
      caseLabels: caseLabelsOf(this.w.src, f),
    };
  }

  choosePath(f: FunctionResult, ctx: Ctx, params: BoundParam[], env: EvalEnv): Choice {
    if (!f.paths.length)
      return {
        reason: f.quiet ? 'touches no counted object; the kernel calls on its lines run' : 'no path classes',
        conditions: [],
      };
    const outParam = params.find((x) => x.b === 'cdev-out')?.p.name;
    let best: { path: PathClass; score: number; why: string[]; hard: boolean } | undefined;
    for (const path of f.paths) {
      let score = 0,
        hard = false;
      const why: string[] = [];
      // the conditions as C (what the reader understands), shown in their words
      for (const [k, c] of path.conditions.entries()) {
        const r = readCondition(path.sourceConditions?.[k] ?? c, env);
        if (!r) continue;
        if (r.value) {
          score += r.weight;
          if (r.weight >= 3) why.push(`${c} (${r.why})`);
        } else {
          score -= 2 * r.weight;
          if (r.weight >= 100) hard = true;
        }
      }
      const success = this.w.env.successReturns.includes(path.exit.returnClass);
      if (ctx.wantDevice && outParam) {
        const d = path.deltas.find((x) => x.object === `*${outParam}`);
        const gives =
          (!!d && d.delta > 0) ||
          path.steps.some((s) => s.object === `*${outParam}` && (s.op === 'create' || s.op === 'acquire'));
        if (gives) {
          score += 8;
          why.push('it returns a device, which the lookup wants');
        }
      } else {
        score += success ? 2 : -2;
      }
      score += 0.5 * path.steps.filter((s) => s.op === 'create').length;
      // a path whose objects do not exist here is unlikely (a teardown loop with nothing left to tear down)
      const unbound = path.steps.filter(
        (s) => (s.op === 'destroy' || s.op === 'release') && !this.sim.bindings.bindDry(s, ctx, params),
      ).length;
      score -= 3 * unbound;
      if (!best || (best.hard && !hard) || (best.hard === hard && score > best.score))
        best = { path, score, why, hard };
    }
    const p = best!.path;
    return {
      path: p,
      reason: best!.why.length
        ? best!.why.join('; ')
        : p.conditions.length
          ? 'the most likely path (no fact decides)'
          : 'its only kind of path',
      conditions: p.conditions,
    };
  }
}
