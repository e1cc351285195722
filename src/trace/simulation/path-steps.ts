/**
 * A chosen path class's counted steps applied to the simulated objects: creates make objects
 * (a new cdev holds its creator's credential), acquires, releases and destroys change counts,
 * stores remember where an object went (a softc field, an out-parameter, a global).
 */
import type { Step } from '../../analysis/result';
import type { Sim } from './sim';
import { pattern } from '../patterns';
import { MAX_DEPTH, type Ctx, type InvocationState, type World } from './world';

export class PathSteps {
  constructor(private sim: Sim) {}

  private get w(): World {
    return this.sim.world;
  }

  applyStep(s: Step, icx: InvocationState): void {
    const { ctx, f, path, local, touched, note } = icx;
    if (s.op === 'store') {
      const objs = this.sim.bindings.bind(s, icx);
      const target = /stored in (.+)$/.exec(s.note ?? '')?.[1]?.trim();
      const o = objs[0] ?? [...local.values()].reverse().find((x) => x.kind === s.kind);
      if (!o) return;
      local.set(s.object, o);
      if (target) {
        o.aliases.push(target);
        local.set(target, o);
        const root = /^[*&(\s]*([A-Za-z_]\w*)/.exec(target)?.[1];
        const pb = icx.params.find((x) => x.p.name === root);
        if (pb?.b === 'ifnet-out' && ctx.outIfnet && !ctx.outIfnet.obj) ctx.outIfnet.obj = o;
        if (pb?.b === 'cdev-out' && ctx.outCdev && !ctx.outCdev.obj) ctx.outCdev.obj = o;
        if (this.sim.bindings.globalRoot(target)) this.w.globals.set(target, o);
      }
      return;
    }
    if (s.op === 'transfer' || s.op === 'return' || s.op === 'lookup') {
      const objs = this.sim.bindings.bind(s, icx);
      if (objs[0]) local.set(s.object, objs[0]);
      return;
    }
    if (s.op === 'create') {
      const pre = this.sim.bindings.bind(s, icx, true);
      let o = pre[0];
      if (!o) {
        const name = ctx.deviceName ?? ctx.lookupName ?? `${s.kind}`;
        o = this.sim.counts.newObject(s.kind, name);
        o.createdBy = { function: f.name, line: s.line };
        o.owner =
          ctx.vnet && ctx.vnet.name !== 'vnet0'
            ? `jail ${ctx.vnet.name}`
            : ctx.jail
              ? `jail ${ctx.jail.name}`
              : undefined;
      }
      local.set(s.object, o);
      const root = /^[*&(\s]*([A-Za-z_]\w*)/.exec(s.object)?.[1];
      const pb = icx.params.find((x) => x.p.name === root);
      if (pb?.b === 'cdev-out' && ctx.outCdev && s.object === `*${root}`) ctx.outCdev.obj = o;
      if (pb?.b === 'ifnet-out' && ctx.outIfnet && s.object === `*${root}`) ctx.outIfnet.obj = o;
      if (s.kind === 'cdev' && !ctx.cdev) ctx.cdev = o;
      if (s.kind === 'ifnet' && !ctx.ifnet) ctx.ifnet = o;
      if (this.sim.bindings.globalRoot(s.object)) this.w.globals.set(s.object, o);
      if (!touched.has(o)) touched.set(o, o.count);
      const before = o.count;
      const n = Math.max(1, s.delta);
      o.count += n;
      o.holders.push({
        type: 'existence',
        label: `existence (${s.call} at line ${s.line})`,
        fn: f.name,
        line: s.line,
        call: s.call,
        inv: ctx.inv,
      });
      for (let i = 1; i < n; i++)
        o.holders.push({
          type: 'ref',
          label: `${s.note ? `${s.note} (${s.call})` : s.call} at line ${s.line} in ${f.name}`,
          fn: f.name,
          call: s.call,
          line: s.line,
          inv: ctx.inv,
        });
      this.sim.counts.record(o, before, 'create', s.call, {
        fn: f.name,
        line: s.line,
        via: ctx.via,
        note: s.note,
        path: path?.id,
      });
      // a new cdev keeps its creator's credential
      const spec = this.w.env.kinds[s.kind];
      const hf = spec?.holdsFromCreator;
      if (hf && hf.when === 'creator-has-credential' && hf.kind === 'ucred') {
        const credParam = icx.params.find((x) => x.b === 'cred');
        const nullCred = path?.paramConditions.some(
          (c) => credParam && pattern(`^${credParam.p.name}\\s*==\\s*NULL$`).test(c),
        );
        if (credParam && ctx.cred && !ctx.cred.freed && !nullCred) {
          if (!touched.has(ctx.cred)) touched.set(ctx.cred, ctx.cred.count);
          this.sim.counts.holdObject(o, ctx.cred, hf.call, hf.note, f.name, s.line, ctx.via, ctx.inv);
        }
      }
      return;
    }
    const objs = this.sim.bindings.bind(s, icx);
    if (!objs.length) {
      note(`${f.name}() line ${s.line}: ${s.call}(${s.object}) acts on no ${s.kind} the scenario has made; skipped`);
      return;
    }
    for (const o of objs) {
      local.set(s.object, o);
      this.sim.counts.apply(
        o,
        s.delta,
        s.op as 'acquire' | 'release' | 'destroy',
        s.call,
        ctx,
        f.name,
        s.line,
        path?.id,
        s.note,
        touched,
        icx.path?.deltas.find((d) => d.object === s.object)?.transferred,
      );
    }
    this.lostInSummary(s, icx);
  }

  /**
   * A summarised in-file callee may change objects its caller cannot name (tun_destroy's
   * if_free(TUN2IFP(tp)) seen from tun_clone_destroy): apply the callee's steps on kinds the
   * caller's path has no delta for, in the caller's context.
   */
  private lostInSummary(s: Step, icx: InvocationState): void {
    const callee = this.w.fn(s.call);
    if (!callee || callee.name === icx.f.name || !callee.paths.length || icx.ctx.depth > MAX_DEPTH) return;
    const kinds = new Set((icx.path?.deltas ?? []).map((d) => d.kind));
    const params = this.sim.choice.bindingsOf(callee.name, 'helper');
    const cctx: Ctx = { ...icx.ctx, role: 'helper', outCdev: undefined, outIfnet: undefined, wantDevice: false };
    const { path } = this.sim.choice.choosePath(callee, cctx, params, this.sim.choice.evalEnv(callee, cctx, params));
    const lost = (path?.steps ?? []).filter(
      (x) => !kinds.has(x.kind) && (x.op === 'acquire' || x.op === 'release' || x.op === 'destroy'),
    );
    for (const x of lost) {
      const sub: InvocationState = {
        ...icx,
        f: callee,
        path,
        params,
        ctx: { ...cctx, via: [...icx.ctx.via, callee.name] },
        local: new Map(),
      };
      const objs = this.sim.bindings.bind(x, sub);
      if (!objs.length) continue;
      for (const o of objs)
        this.sim.counts.apply(
          o,
          x.delta,
          x.op as 'acquire' | 'release' | 'destroy',
          x.call,
          sub.ctx,
          callee.name,
          x.line,
          path?.id,
          x.note ?? `in ${callee.name}(), called at line ${s.line}`,
          icx.touched,
        );
    }
  }
}
