/**
 * The scenario's events as the kernel carries them out (the environment model says what each
 * operation does): jails with their prison, process and VNET; devfs lookups, opens and closes
 * that run the file's dev_clone handler and cdevsw methods; ifconfig create and destroy;
 * kldload and kldunload; jls. A freed prison removes its jail and tears its VNET down.
 */
import type { Sim } from './sim';
import type { Ctx, Holder, Jail, Note, OpenFile, SimObject, Slot, Vnet, World } from './world';

export class KernelEvents {
  constructor(private sim: Sim) {}

  private get w(): World {
    return this.sim.world;
  }

  optJail(name: string | undefined, note: Note): Jail | undefined | null {
    if (!name) return undefined;
    return this.jail(name, note) ?? null;
  }

  jail(name: string, note: Note): Jail | undefined {
    const j = this.w.jails.get(name);
    if (!j) {
      this.w.problems.push({
        severity: 'warning',
        message: `"${this.w.eventText}": there is no jail ${name} (create it first: jail create ${name})`,
      });
      note(`no jail ${name}`);
      return undefined;
    }
    return j;
  }

  jailCreate(name: string, vnet: boolean, persist: boolean, note: Note): void {
    if (this.w.jails.get(name)?.state === 'alive' || this.w.jails.get(name)?.state === 'dying') {
      this.w.problems.push({ severity: 'warning', message: `"${this.w.eventText}": jail ${name} exists already` });
      return;
    }
    const inv = this.w.newInv(0);
    const prison = this.sim.counts.newObject('prison', name, `prison ${name}`);
    prison.owner = `jail ${name}`;
    this.sim.counts.change(
      prison,
      1,
      'create',
      'kern_jail_set',
      { type: 'existence', label: `jail ${name} (until it is removed)`, inv },
      { fn: 'jail', line: 0, kernel: true, via: ['jail create'], note: this.w.env.operations['prison-create']?.doc },
    );
    const j: Jail = { name, vnet, persist, state: 'alive', processes: 0, prison, removeRan: [] };
    this.w.jails.set(name, j);
    note(`jail ${name} created${vnet ? ' with its own VNET' : ''}${persist ? ' (persistent)' : ''}`);
    if (vnet) {
      const v: Vnet = { name, alive: true, attached: false };
      this.w.vnets.set(name, v);
      note(this.w.env.operations['vnet-create'].doc);
      this.sim.invoker.invokeRole(
        'vnet-init',
        { via: ['jail create', 'vnet_alloc'], depth: 0, inv, role: 'vnet-init', jail: j, vnet: v, teardown: false },
        note,
      );
    }
    // the jail's command: a process with the jail's credential
    const cred = this.sim.counts.newObject('ucred', name, `ucred ${name}`);
    cred.owner = `jail ${name}`;
    this.sim.counts.change(
      cred,
      1,
      'create',
      'crget',
      { type: 'kernel', label: `process in jail ${name}`, inv },
      {
        fn: 'jail',
        line: 0,
        kernel: true,
        via: ['jail create', 'process'],
        note: this.w.env.operations['process-start'].doc,
      },
    );
    this.sim.counts.holdObject(
      cred,
      prison,
      this.w.env.kinds.ucred.holdsFromCreator!.call,
      this.w.env.kinds.ucred.holdsFromCreator!.note,
      'jail',
      0,
      ['jail create', 'process'],
      inv,
    );
    j.cred = cred;
    j.processes = 1;
  }

  processExit(j: Jail, note: Note): void {
    if (j.processes <= 0) {
      note(`no process left in jail ${j.name}`);
      return;
    }
    j.processes--;
    if (j.cred)
      this.sim.counts.releaseHolder(
        j.cred,
        (h) => h.type === 'kernel' && h.label.startsWith('process in jail'),
        'crfree',
        'the exiting process drops its credential',
        'exit',
        0,
        ['process exit'],
        true,
      );
    note(`the last process of jail ${j.name} exited`);
    if (j.processes === 0 && !j.persist && j.state === 'alive')
      this.jailRemove(j, 'the last process exited (the jail is not persistent)', note);
  }

  jailRemove(j: Jail, why: string, note: Note): void {
    if (j.state !== 'alive') {
      note(`jail ${j.name} is already ${j.state.toUpperCase()}`);
      return;
    }
    while (j.processes > 0) this.processExit(j, note);
    if (j.state !== 'alive') return;
    j.state = 'dying';
    note(`jail ${j.name} is being removed (${why}): ${this.w.env.operations['jail-remove'].doc}`);
    const inv = this.w.newInv(0);
    const methods = this.w.roles.byRole.get('jail-remove') ?? [];
    if (!methods.length)
      note('no PR_METHOD_REMOVE method is registered in this file (osd_jail_register with methods[PR_METHOD_REMOVE])');
    const vnet = j.vnet ? this.w.vnets.get(j.name) : undefined;
    for (const m of methods) {
      j.removeRan.push(m.function);
      const ctx: Ctx = {
        via: ['jail remove', 'osd_jail_call(PR_METHOD_REMOVE)'],
        depth: 0,
        inv,
        role: 'jail-remove',
        jail: j,
        vnet,
        prison: j.prison,
        teardown: true,
        synthetic: m.synthetic,
      };
      if (m.synthetic) this.syntheticRemove(ctx, note);
      else this.sim.invoker.invoke(m.function, ctx, note);
    }
    if (j.prison.count > 0)
      this.sim.counts.releaseHolder(
        j.prison,
        (h) => h.type === 'existence',
        'prison_deref',
        j.prison.count > 1
          ? `jail ${j.name} drops its own reference; it stays DYING while pr_ref > 0`
          : `jail ${j.name} drops its last reference: the prison is freed`,
        'jail',
        0,
        ['jail remove'],
        true,
      );
  }

  private syntheticRemove(ctx: Ctx, note: Note): void {
    note("what-if: a PR_METHOD_REMOVE method detaches the cloners of the jail's VNET (if_clone_detach)");
    if (!ctx.vnet) {
      note('the jail has no VNET of its own: nothing to detach');
      return;
    }
    this.sim.cloners.cloneDetach({ ...ctx, via: [...ctx.via, '(what-if remove method)', 'if_clone_detach'] }, note, 0);
  }

  prisonFreed(p: SimObject): void {
    const j = [...this.w.jails.values()].find((x) => x.prison === p);
    if (!j) return;
    j.state = 'removed';
    const rec = this.w.events[this.w.eventIndex];
    const note = (s: string) => {
      rec?.notes.push(s);
      rec?.noteAfter.push(this.w.steps.length);
    };
    note(
      `prison ${j.name} has no references left: jail ${j.name} is removed. ${this.w.env.operations['prison-free'].doc}`,
    );
    const inv = this.w.newInv(0);
    const v = j.vnet ? this.w.vnets.get(j.name) : undefined;
    if (v?.alive) {
      this.sim.invoker.invokeRole(
        'vnet-uninit',
        { via: ['prison freed', 'vnet_destroy'], depth: 0, inv, role: 'vnet-uninit', jail: j, vnet: v, teardown: true },
        note,
      );
      v.alive = false;
      const left = this.w.ifaces.filter((i) => i.vnet === v.name);
      if (left.length)
        note(`interfaces ${left.map((i) => i.name).join(', ')} were not destroyed when VNET ${v.name} was torn down`);
    }
    this.sim.invoker.invokeRole(
      'jail-osd-destroy',
      {
        via: ['prison freed', 'osd_jail_exit'],
        depth: 0,
        inv,
        role: 'jail-osd-destroy',
        jail: j,
        prison: p,
        teardown: true,
      },
      note,
    );
  }

  private credFor(j: Jail | undefined | null): SimObject | undefined {
    if (j) return j.cred && !j.cred.freed ? j.cred : undefined;
    if (!this.w.hostCred) {
      this.w.hostCred = this.sim.counts.newObject('ucred', 'host', 'ucred host');
      this.sim.counts.change(
        this.w.hostCred,
        1,
        'create',
        'crget',
        { type: 'kernel', label: 'a process on the host', inv: 0 },
        { fn: 'kernel', line: 0, kernel: true, via: ['host process'] },
      );
    }
    return this.w.hostCred;
  }

  private vnetFor(j: Jail | undefined | null): Vnet | undefined {
    if (j) return j.vnet ? this.w.vnets.get(j.name) : this.w.vnets.get('vnet0');
    return this.w.vnets.get('vnet0');
  }

  private knownDevice(name: string, note: Note): boolean {
    const names = this.w.roles.deviceNames;
    if (!names.length) return true;
    const base = this.w.base(name);
    if (names.includes(base) || names.includes(name)) return true;
    const declared = names.map((n) => n + 'N').join(', ');
    const msg =
      `the file never creates /dev/${name}: the devices it declares are ${declared} ` +
      '(from its cdevsw d_name, make_dev formats or dev_stdclone bases)';
    this.w.inconclusiveBecause(`"${this.w.eventText}": ${msg}`);
    note(msg);
    return false;
  }

  private preexisting(name: string, note: Note): SimObject {
    const o = this.sim.counts.newObject('cdev', name, name);
    o.preexisting = true;
    this.sim.counts.change(
      o,
      1,
      'create',
      'make_dev_s',
      { type: 'existence', label: `existence (made before the scenario)`, inv: 0 },
      {
        fn: 'kernel',
        line: 0,
        kernel: true,
        via: ['fact device exists: yes'],
        note: `fact device exists: yes: ${name} exists before this event`,
      },
    );
    note(`fact device exists: yes: ${name} exists already (count 1, its existence)`);
    return o;
  }

  devfsLookup(name: string, j: Jail | undefined | null, note: Note): SimObject | undefined {
    if (j === null) return undefined;
    const found = this.w.liveCdev(name);
    if (found) {
      note(`devfs finds /dev/${name}; no dev_clone handler runs`);
      return found;
    }
    if (!this.knownDevice(name, note)) return undefined;
    const handlers = this.w.roles.byRole.get('devfs-lookup') ?? [];
    if (!handlers.length) {
      if (!this.w.warnedNoReg)
        this.w.inconclusiveBecause(
          `"${this.w.eventText}": no dev_clone handler is registered in this file ` +
            `(EVENTHANDLER_REGISTER(dev_clone, ...)), so devfs cannot clone /dev/${name}`,
        );
      note('no dev_clone handler: the lookup fails (ENOENT)');
      return undefined;
    }
    const deviceName = this.w.hasUnit(name) ? name : this.w.freeUnit(name);
    let existing: SimObject | undefined;
    if (this.w.facts['device exists'] === 'yes')
      existing = this.w.liveCdev(deviceName) ?? this.preexisting(deviceName, note);
    note(this.w.env.operations['devfs-lookup'].doc);
    for (const h of handlers) {
      const inv = this.w.newInv(0);
      const slot: Slot = {};
      const ctx: Ctx = {
        via: [`devfs lookup /dev/${name}`],
        depth: 0,
        inv,
        role: 'devfs-lookup',
        jail: j ?? undefined,
        vnet: this.vnetFor(j),
        cred: this.credFor(j),
        lookupName: name,
        deviceName,
        cdev: existing,
        outCdev: slot,
        teardown: false,
        wantDevice: true,
      };
      const call = this.sim.invoker.invoke(h.function, ctx, note);
      if (slot.obj) {
        const after = this.w.env.operations['devfs-lookup'].after!;
        const sub = this.w.subtree(inv);
        this.sim.counts.releaseHolder(
          slot.obj,
          (hd) => hd.type === 'ref' && sub.has(hd.inv),
          after.call,
          after.note,
          'devfs',
          call?.exitLine ?? this.w.fn(h.function)?.endLine ?? 0,
          [`devfs lookup /dev/${name}`],
          true,
          true,
        );
        note(`${h.function}() returned ${slot.obj.name}; devfs enters /dev/${slot.obj.name}`);
        return slot.obj;
      }
      note(`${h.function}() returned no device`);
    }
    note('no dev_clone handler returned a device: the lookup fails (ENOENT)');
    return undefined;
  }

  open(name: string, j: Jail | undefined | null, note: Note): void {
    if (j === null) return;
    const dev = this.devfsLookup(name, j, note);
    if (!dev) {
      note(`open /dev/${name} fails: no such device`);
      return;
    }
    const inv = this.w.newInv(0);
    const holder: Holder = { type: 'kernel', label: `open file on /dev/${dev.name} (devfs vnode)`, inv };
    this.sim.counts.change(dev, 1, 'acquire', 'dev_ref', holder, {
      fn: 'devfs',
      line: 0,
      kernel: true,
      via: [`open /dev/${name}`],
      note: this.w.env.operations['devfs-open'].doc,
    });
    const file: OpenFile = { device: dev.name, cdev: dev, holder };
    for (const r of this.w.roles.byRole.get('d_open') ?? []) {
      const call = this.sim.invoker.invoke(
        r.function,
        {
          via: [`open /dev/${name}`],
          depth: 0,
          inv,
          role: 'd_open',
          jail: j ?? undefined,
          vnet: this.vnetFor(j),
          cred: this.credFor(j),
          lookupName: dev.name,
          deviceName: dev.name,
          cdev: dev,
          teardown: false,
          openFile: file,
        },
        note,
      );
      if (call?.returns && !this.w.env.successReturns.includes(call.returns)) {
        note(`${r.function}() fails (${call.returns}): the open fails`);
        this.sim.counts.releaseHolder(
          dev,
          (h) => h === holder,
          'dev_rel',
          'the failed open lets the vnode go',
          'devfs',
          call.exitLine ?? 0,
          [`open /dev/${name}`],
          true,
        );
        return;
      }
    }
    this.w.openFiles.push(file);
    note(`/dev/${dev.name} is open`);
  }

  close(name: string, note: Note): void {
    const k =
      this.w.openFiles.findIndex((f) => f.device === name) >= 0
        ? this.w.openFiles.findIndex((f) => f.device === name)
        : this.w.openFiles.findIndex((f) => this.w.base(f.device) === name);
    if (k < 0) {
      this.w.problems.push({ severity: 'warning', message: `"${this.w.eventText}": /dev/${name} is not open` });
      note(`/dev/${name} is not open`);
      return;
    }
    const file = this.w.openFiles.splice(k, 1)[0];
    const inv = this.w.newInv(0);
    for (const r of this.w.roles.byRole.get('d_close') ?? [])
      this.sim.invoker.invoke(
        r.function,
        {
          via: [`close /dev/${file.device}`],
          depth: 0,
          inv,
          role: 'd_close',
          cdev: file.cdev,
          lookupName: file.device,
          deviceName: file.device,
          teardown: false,
        },
        note,
      );
    if (file.dtor)
      this.sim.invoker.invoke(
        file.dtor,
        {
          via: [`close /dev/${file.device}`, 'devfs_destroy_cdevpriv'],
          depth: 0,
          inv,
          role: 'cdevpriv destructor',
          cdev: file.cdev,
          lookupName: file.device,
          deviceName: file.device,
          teardown: false,
        },
        note,
      );
    this.sim.counts.releaseHolder(
      file.cdev,
      (h) => h === file.holder,
      'dev_rel',
      this.w.env.operations['devfs-close'].doc,
      'devfs',
      0,
      [`close /dev/${file.device}`],
      true,
    );
  }

  ifconfigCreate(name: string, j: Jail | undefined | null, note: Note): void {
    if (j === null) return;
    if (!this.knownDevice(name, note)) return;
    const deviceName = this.w.hasUnit(name) ? name : this.w.freeUnit(name);
    let existing = this.w.liveCdev(deviceName);
    if (!existing && this.w.facts['device exists'] === 'yes') existing = this.preexisting(deviceName, note);
    const inv = this.w.newInv(0);
    this.sim.cloners.cloneCreate(
      name,
      {
        via: [`ifconfig ${name} create`, 'if_clone_create'],
        depth: 0,
        inv,
        role: 'cloner-create',
        jail: j ?? undefined,
        vnet: this.vnetFor(j),
        lookupName: name,
        deviceName,
        cdev: existing,
        teardown: false,
      },
      note,
      0,
    );
  }

  ifconfigDestroy(name: string, j: Jail | undefined | null, note: Note): void {
    if (j === null) return;
    const v = this.vnetFor(j);
    const iface =
      this.w.ifaces.find((i) => i.name === name && i.vnet === v?.name) ?? this.w.ifaces.find((i) => i.name === name);
    if (!iface) {
      this.w.problems.push({
        severity: 'warning',
        message:
          `"${this.w.eventText}": there is no interface ${name} ` +
          `(ifconfig ${name} create, or a devfs lookup, makes one)`,
      });
      note(`no interface ${name}: ifconfig fails (ENXIO)`);
      return;
    }
    const inv = this.w.newInv(0);
    this.sim.cloners.cloneDestroy(
      iface,
      {
        via: [`ifconfig ${name} destroy`, 'if_clone_destroy'],
        depth: 0,
        inv,
        role: 'cloner-destroy',
        jail: j ?? undefined,
        vnet: v,
        teardown: false,
      },
      note,
      0,
    );
  }

  moduleLoad(module: string, implicit: boolean, note: Note): void {
    if (!implicit) this.checkModule(module, note);
    this.w.moduleLoaded = true;
    const inv = this.w.newInv(0);
    note(this.w.env.operations['module-load'].doc);
    this.sim.invoker.invokeRole(
      'module-init',
      {
        via: [`kldload ${module}`, 'SYSINIT'],
        depth: 0,
        inv,
        role: 'module-init',
        vnet: this.w.vnets.get('vnet0'),
        teardown: false,
      },
      note,
    );
    this.sim.invoker.invokeRole(
      'modevent',
      {
        via: [`kldload ${module}`, 'module_register_init'],
        depth: 0,
        inv,
        role: 'modevent',
        vnet: this.w.vnets.get('vnet0'),
        value: this.w.env.moduleEvents.load,
        teardown: false,
      },
      note,
    );
    for (const v of this.w.vnets.values())
      if (v.alive)
        this.sim.invoker.invokeRole(
          'vnet-init',
          {
            via: [`kldload ${module}`, `VNET_SYSINIT (${v.name})`],
            depth: 0,
            inv,
            role: 'vnet-init',
            vnet: v,
            teardown: false,
          },
          note,
        );
  }

  private checkModule(module: string, note: Note): void {
    const mods = this.w.roles.modules;
    if (mods.length && !mods.some((m) => m.name === module)) {
      this.w.problems.push({
        severity: 'warning',
        message:
          `"${this.w.eventText}": this file declares ${mods.length > 1 ? 'modules' : 'module'} ` +
          `${mods.map((m) => m.name).join(', ')}, not ${module}; running its handlers anyway`,
      });
      note(`the file declares ${mods.map((m) => m.name).join(', ')}, not ${module}`);
    }
  }

  moduleUnload(module: string, note: Note): void {
    this.checkModule(module, note);
    if (!this.w.moduleLoaded) {
      note('the module is not loaded');
      return;
    }
    const inv = this.w.newInv(0);
    note(this.w.env.operations['module-unload'].doc);
    this.sim.invoker.invokeRole(
      'modevent',
      {
        via: [`kldunload ${module}`, 'module_unload'],
        depth: 0,
        inv,
        role: 'modevent',
        vnet: this.w.vnets.get('vnet0'),
        value: this.w.env.moduleEvents.unload,
        teardown: true,
      },
      note,
    );
    for (const v of this.w.vnets.values())
      if (v.alive)
        this.sim.invoker.invokeRole(
          'vnet-uninit',
          {
            via: [`kldunload ${module}`, `VNET_SYSUNINIT (${v.name})`],
            depth: 0,
            inv,
            role: 'vnet-uninit',
            vnet: v,
            teardown: true,
          },
          note,
        );
    this.sim.invoker.invokeRole(
      'module-uninit',
      {
        via: [`kldunload ${module}`, 'SYSUNINIT'],
        depth: 0,
        inv,
        role: 'module-uninit',
        vnet: this.w.vnets.get('vnet0'),
        teardown: true,
      },
      note,
    );
    this.w.moduleLoaded = false;
    const left = this.w.objects.filter(
      (o) => !o.freed && o.createdBy && !o.destroyed && (o.kind === 'cdev' || o.kind === 'ifnet'),
    );
    for (const o of left) o.outlived = module;
    if (left.length)
      note(`after the unload these objects of the module still exist: ${left.map((o) => o.id).join(', ')}`);
  }

  jls(dying: boolean, note: Note): void {
    const rows = [...this.w.jails.values()].filter((j) => j.state === 'alive' || (dying && j.state === 'dying'));
    const jls = `jls${dying ? ' -d' : ''}`;
    const state = (j: Jail) => `${j.state === 'dying' ? 'DYING' : 'ACTIVE'}${j.vnet ? ' vnet' : ''}`;
    const row = (j: Jail) => `${jls}: ${j.name} ${state(j)} (pr_ref ${j.prison.count})`;
    note(rows.length ? rows.map(row).join('; ') : `${jls}: no jails listed`);
  }
}
