/**
 * The ifnet cloners as the kernel runs them: if_clone_create runs the file's create function
 * in the current VNET, if_clone_destroy its destroy function on one interface, and
 * if_clone_detach the destroy function on every interface of the VNET.
 */
import type { DiscoveredRole } from '../registrations';
import type { Sim } from './sim';
import type { Ctx, Iface, Note, Slot, World } from './world';

export class Cloners {
  constructor(private sim: Sim) {}

  private get w(): World {
    return this.sim.world;
  }

  cloneCreate(name: string, ctx: Ctx, note: Note, line: number): void {
    const fns = this.w.roles.byRole.get('cloner-create') ?? [];
    if (!fns.length) {
      this.w.inconclusiveBecause(
        `"${this.w.eventText}": no ifnet cloner create function was found in this file ` +
          '(if_clone_simple/if_clone_advanced, a .create_f or clone_create_fn binding, ' +
          `or a function with the parameters of one), so if_clone_create(${name}) creates nothing`,
      );
      note('no cloner create function: if_clone_create does nothing here');
      return;
    }
    const base = this.w.base(name);
    const f = fns.find((x) => x.function.includes(base)) ?? fns[0];
    const ifname = ctx.deviceName ?? (this.w.hasUnit(name) ? name : this.w.freeUnit(name));
    const vnet = ctx.vnet ?? this.w.vnets.get('vnet0')!;
    if (this.w.ifaces.some((i) => i.name === ifname && i.vnet === vnet.name)) {
      note(`interface ${ifname} exists already: if_clone_create fails (EEXIST)`);
      return;
    }
    const slot: Slot = {};
    const cctx: Ctx = {
      ...ctx,
      via: ctx.via,
      role: 'cloner-create',
      lookupName: ifname,
      deviceName: ifname,
      cdev: ctx.cdev ?? this.w.liveCdev(ifname),
      ifnet: undefined,
      outIfnet: slot,
      outCdev: undefined,
      wantDevice: false,
      inv: this.w.newInv(ctx.inv),
      vnet,
    };
    const call = this.sim.invoker.invoke(f.function, cctx, note);
    if (!call) return;
    if (call.returns !== undefined && !this.w.env.successReturns.includes(call.returns)) {
      note(`${f.function}() fails (${call.returns}): no interface`);
      return;
    }
    const cdev = this.w.liveCdev(ifname) ?? cctx.cdev;
    this.w.ifaces.push({ name: ifname, vnet: vnet.name, cdev, ifnet: slot.obj, createFn: f.function, group: f.group });
    const from = line ? ` (if_clone_create at line ${line})` : '';
    note(`interface ${ifname} created in ${this.w.vnetWords(vnet)} by ${f.function}()${from}`);
  }

  private destroyFnFor(iface: Iface): DiscoveredRole | undefined {
    const fns = this.w.roles.byRole.get('cloner-destroy') ?? [];
    return (
      fns.find((x) => x.group && x.group === iface.group) ??
      fns.find((x) => x.function.includes(this.w.base(iface.name))) ??
      fns[0]
    );
  }

  cloneDestroy(iface: Iface, ctx: Ctx, note: Note, line: number): void {
    const f = this.destroyFnFor(iface);
    const dctx: Ctx = {
      ...ctx,
      role: 'cloner-destroy',
      lookupName: iface.name,
      deviceName: iface.name,
      cdev: iface.cdev && !iface.cdev.freed ? iface.cdev : this.w.liveCdev(iface.name),
      ifnet: iface.ifnet,
      outCdev: undefined,
      outIfnet: undefined,
      inv: this.w.newInv(ctx.inv),
    };
    if (!f) {
      if (ctx.synthetic && dctx.cdev) {
        const name = dctx.cdev.name;
        note(
          `what-if: no cloner destroy function in this file; the remove method destroys ${name} itself (destroy_dev)`,
        );
        this.sim.counts.apply(
          dctx.cdev,
          -1,
          'destroy',
          'destroy_dev',
          dctx,
          '(what-if remove method)',
          0,
          undefined,
          'what-if: destroy_dev() on the cloned device',
        );
      } else {
        this.w.inconclusiveBecause(
          `"${this.w.eventText}": no ifnet cloner destroy function was found in this file, ` +
            `so interface ${iface.name} cannot be destroyed`,
        );
        note('no cloner destroy function');
        return;
      }
    } else {
      const call = this.sim.invoker.invoke(f.function, dctx, note);
      if (call?.returns !== undefined && !this.w.env.successReturns.includes(call.returns)) {
        note(`${f.function}() fails (${call.returns}): ${iface.name} stays`);
        return;
      }
    }
    this.w.ifaces.splice(this.w.ifaces.indexOf(iface), 1);
    note(`interface ${iface.name} destroyed${line ? ` (from line ${line})` : ''}`);
  }

  cloneDetach(ctx: Ctx, note: Note, line: number): void {
    const vnet = ctx.vnet;
    if (!vnet) {
      note('if_clone_detach: no VNET of its own here, nothing to detach');
      return;
    }
    const list = this.w.ifaces.filter((i) => i.vnet === vnet.name);
    const what = list.length ? `destroys ${list.map((i) => i.name).join(', ')}` : 'no interfaces to destroy';
    note(`if_clone_detach in ${this.w.vnetWords(vnet)}${line ? ` (line ${line})` : ''}: ${what}`);
    for (const i of list) this.cloneDestroy(i, { ...ctx, via: [...ctx.via] }, note, line);
    vnet.attached = false;
  }
}
