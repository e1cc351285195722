/**
 * The lifecycle simulator: runs a scenario's kernel events over the analysed file. The kernel
 * side comes from the environment model (environment.ts); the file's side is the analyser's
 * per-function path classes: for each function the kernel (or another function) calls, the
 * simulator chooses one path class by the scenario's facts, the values the kernel passes and
 * what the event needs, then applies that path's counted steps to simulated objects and
 * carries out the kernel calls on its lines (if_clone_create, if_clone_detach, ...).
 */
import { nameTable } from '../analysis/tables';
import type { FileResult, FunctionResult, PathClass, Step } from '../analysis/result';
import { FREEBSD_ENVIRONMENT, type EnvironmentModel, type ParamBinding, type RoleSpec } from './environment';
import { discoverRoles, type DiscoveredRole, type FileRoles } from './registrations';
import { KNOWN_FACTS, expandVariables, parseEventLine, parseScenario, type LocatedEvent, type Scenario, type ScenarioError } from './scenario';
import { builtinScenario } from './builtin-scenarios';
import { SourceText, matchParen, type Param } from './source';
import { readCondition, type EvalEnv, type Value } from './conditions';
import { TRACE_VERSION, type FinalObject, type TraceCall, type TraceEventRecord, type TraceProblem, type TraceResult, type TraceStep, type TraceVerdict } from './types';
import { parseWhatIf, type WhatIf } from './whatif';

export interface TraceInput {
  result: FileResult;
  /** The analysed text (the same the result came from). */
  text: string;
  /** A built-in scenario's name, scenario text, or a parsed scenario. */
  scenario: string | Scenario;
  /** Name to give a scenario given as text without a `scenario` line. */
  scenarioName?: string;
  whatIf?: string[];
  env?: EnvironmentModel;
}

interface Holder {
  label: string;
  type: 'existence' | 'ref' | 'kernel' | 'object';
  fn?: string;
  call?: string;
  line?: number;
  inv: number;
  objectId?: string;
  stored?: boolean;
}

interface SimObject {
  id: string;
  kind: string;
  name: string;
  count: number;
  holders: Holder[];
  holds: string[];
  destroyed: boolean;
  destroyedBy?: { fn: string; line: number };
  freed: boolean;
  createdBy?: { function: string; line: number };
  owner?: string;
  aliases: string[];
  /** Created by the kernel before the scenario (fact device exists: yes). */
  preexisting?: boolean;
  /** Still there after kldunload of this module. */
  outlived?: string;
}

interface Vnet { name: string; alive: boolean; attached: boolean }
interface Iface { name: string; vnet: string; cdev?: SimObject; ifnet?: SimObject; createFn: string; group?: string }
interface Jail { name: string; vnet: boolean; persist: boolean; state: 'alive' | 'dying' | 'removed'; processes: number; prison: SimObject; cred?: SimObject; removeRan: string[] }
interface OpenFile { device: string; cdev: SimObject; dtor?: string; holder?: Holder }

interface Slot { obj?: SimObject }

interface Ctx {
  via: string[];
  depth: number;
  inv: number;
  role: string;
  jail?: Jail;
  vnet?: Vnet;
  cred?: SimObject;
  /** The name passed to the function ("tun"), and the name a new device or interface gets ("tun0"). */
  lookupName?: string;
  deviceName?: string;
  cdev?: SimObject;
  ifnet?: SimObject;
  prison?: SimObject;
  outCdev?: Slot;
  outIfnet?: Slot;
  value?: string;
  teardown: boolean;
  wantDevice?: boolean;
  openFile?: OpenFile;
  synthetic?: boolean;
}

const MAX_DEPTH = 12;

export function runTrace(input: TraceInput): TraceResult {
  return new Simulator(input).run();
}

/** Resolve a scenario argument: a built-in name, or scenario text. */
export function resolveScenario(s: string | Scenario, fallbackName = 'scenario'): { scenario: Scenario; errors: ScenarioError[] } {
  if (typeof s !== 'string') return { scenario: s, errors: [] };
  const b = builtinScenario(s.trim());
  if (b) return parseScenario(b.text, b.name);
  if (!/\s/.test(s.trim()) && !s.trim().startsWith('{') && 'error' in parseEventLine(s.trim())) {
    return { scenario: { name: s.trim(), events: [], facts: nameTable<string>() }, errors: [{ line: 1, column: 0, severity: 'error', message: `no built-in scenario "${s.trim()}" (built-ins: vnet-jail-devfs-clone, ifconfig-create-destroy, open-close, module-unload), and it is not scenario text` }] };
  }
  return parseScenario(s, fallbackName);
}

class Simulator {
  private env: EnvironmentModel;
  private src: SourceText;
  private roles!: FileRoles;
  private objects: SimObject[] = [];
  private steps: TraceStep[] = [];
  private calls: TraceCall[] = [];
  private events: TraceEventRecord[] = [];
  private problems: TraceProblem[] = [];
  private facts = nameTable<string>();
  private jails = new Map<string, Jail>();
  private vnets = new Map<string, Vnet>();
  private ifaces: Iface[] = [];
  private openFiles: OpenFile[] = [];
  private globals = new Map<string, SimObject>();
  private globalNames = new Set<string>();
  private invParent = new Map<number, number>();
  private nextInv = 1;
  private eventIndex = 0;
  private eventText = '';
  private hostCred?: SimObject;
  private moduleLoaded = true;
  private whatIf: WhatIf;
  private scenario!: Scenario;
  private vars = nameTable<string>();
  private warnedNoReg = false;
  private inconclusive: string[] = [];

  constructor(private input: TraceInput) {
    this.env = input.env ?? FREEBSD_ENVIRONMENT;
    this.src = new SourceText(input.text);
    this.whatIf = parseWhatIf(input.whatIf ?? []);
  }

  run(): TraceResult {
    const { scenario, errors } = resolveScenario(this.input.scenario, this.input.scenarioName);
    this.scenario = scenario;
    for (const e of errors) this.problems.push({ severity: e.severity, message: `scenario line ${e.line}: ${e.message}`, scenarioLine: e.line });
    for (const p of this.whatIf.problems) this.problems.push({ severity: 'error', message: p });
    for (const [k, v] of Object.entries(KNOWN_FACTS)) this.facts[k] = v.default;
    const result = this.input.result;
    if (result.error) this.problems.push({ severity: 'error', message: `the file was not analysed: ${result.error}` });
    const fatal = this.problems.some((p) => p.severity === 'error');
    this.roles = discoverRoles(result, this.src, this.env);
    if (this.whatIf.addRemoveMethod) {
      const r: DiscoveredRole = { role: 'jail-remove', title: 'jail PR_METHOD_REMOVE method (what-if)', function: '(what-if remove method)', line: 0, how: 'what-if add-remove-method: a PR_METHOD_REMOVE method that detaches the cloners of the jail\'s VNET', synthetic: true };
      this.roles.all.push(r);
      this.roles.byRole.set('jail-remove', [...(this.roles.byRole.get('jail-remove') ?? []), r]);
    }
    this.vars = { device: this.roles.deviceNames[0] ?? this.deviceFromRoles() ?? 'dev', module: this.roles.modules[0]?.name ?? (result.path.split(/[\\/]/).pop() ?? 'module').replace(/\.c$/, '') };
    this.findGlobals();
    if (!fatal) {
      if (/#\s*include\s*<linux\//.test(this.input.text)) this.inconclusiveBecause('lifecycle scenarios model the FreeBSD kernel; this file looks like Linux code (it includes <linux/...>)');
      const kernelCalled = this.roles.all.filter((r) => !r.synthetic);
      if (!kernelCalled.length) {
        this.inconclusiveBecause('this file registers nothing the kernel calls: no EVENTHANDLER_REGISTER(dev_clone, ...), osd_jail_register method, SYSINIT/VNET_SYSINIT, cloner create/destroy function or cdevsw entry was found, so no scenario event reaches its functions');
        this.warnedNoReg = true;
      }
      for (const [k, v] of Object.entries(this.whatIf.facts)) scenario.facts[k] = v;
      for (const [k, v] of Object.entries(scenario.facts)) this.facts[k] = v;
      this.vnets.set('vnet0', { name: 'vnet0', alive: true, attached: false });
      const first = scenario.events.find((e) => e.do !== 'fact');
      if (first && first.do !== 'kldload') this.runEvent({ do: 'kldload', module: this.vars.module, line: 0, text: `kldload ${this.vars.module} (implicit: the module is loaded before the scenario)` } as LocatedEvent, true);
      for (const ev of scenario.events) this.runEvent(ev, false);
    }
    return this.finish();
  }

  // ---------------------------------------------------------------- events

  private runEvent(ev0: LocatedEvent, implicit: boolean): void {
    const ev = JSON.parse(expandVariables(JSON.stringify(ev0), this.vars)) as LocatedEvent;
    if (ev.do === 'fact') {
      if (!(ev.key in this.whatIf.facts)) this.facts[ev.key] = ev.value;
      return;
    }
    this.eventIndex = this.events.length;
    this.eventText = ev.text;
    const rec: TraceEventRecord = { index: this.eventIndex, text: ev.text, scenarioLine: ev.line, firstSeq: this.steps.length + 1, lastSeq: this.steps.length, notes: [], noteAfter: [] };
    this.events.push(rec);
    const note = (s: string) => { rec.notes.push(s); rec.noteAfter.push(this.steps.length); };
    try {
      if (!this.moduleLoaded && !['kldload', 'jls', 'jail-create', 'jail-remove', 'process-exit'].includes(ev.do)) note(`the module is unloaded: none of this file's functions run`);
      else switch (ev.do) {
        case 'jail-create': this.jailCreate(ev.jail, ev.vnet, ev.persist, note); break;
        case 'jail-remove': { const j = this.jail(ev.jail, note); if (j) this.jailRemove(j, 'jail remove', note); break; }
        case 'process-exit': { const j = this.jail(ev.jail, note); if (j) this.processExit(j, note); break; }
        case 'lookup': this.devfsLookup(ev.device, this.optJail(ev.jail, note), note); break;
        case 'open': this.open(ev.device, this.optJail(ev.jail, note), note); break;
        case 'close': this.close(ev.device, note); break;
        case 'ifconfig-create': this.ifconfigCreate(ev.iface, this.optJail(ev.jail, note), note); break;
        case 'ifconfig-destroy': this.ifconfigDestroy(ev.iface, this.optJail(ev.jail, note), note); break;
        case 'kldload': this.moduleLoad(ev.module, implicit, note); break;
        case 'kldunload': this.moduleUnload(ev.module, note); break;
        case 'jls': this.jls(ev.dying, note); break;
      }
    } catch (e) {
      this.problems.push({ severity: 'error', message: `internal error while simulating "${ev.text}": ${(e as Error).message}`, scenarioLine: ev.line });
    }
    rec.lastSeq = this.steps.length;
  }

  private optJail(name: string | undefined, note: (s: string) => void): Jail | undefined | null {
    if (!name) return undefined;
    return this.jail(name, note) ?? null;
  }

  private jail(name: string, note: (s: string) => void): Jail | undefined {
    const j = this.jails.get(name);
    if (!j) {
      this.problems.push({ severity: 'warning', message: `"${this.eventText}": there is no jail ${name} (create it first: jail create ${name})` });
      note(`no jail ${name}`);
      return undefined;
    }
    return j;
  }

  private jailCreate(name: string, vnet: boolean, persist: boolean, note: (s: string) => void): void {
    if (this.jails.get(name)?.state === 'alive' || this.jails.get(name)?.state === 'dying') {
      this.problems.push({ severity: 'warning', message: `"${this.eventText}": jail ${name} exists already` });
      return;
    }
    const inv = this.newInv(0);
    const prison = this.newObject('prison', name, `prison ${name}`);
    prison.owner = `jail ${name}`;
    this.change(prison, 1, 'create', 'kern_jail_set', { type: 'existence', label: `jail ${name} (until it is removed)`, inv }, { fn: 'jail', line: 0, kernel: true, via: ['jail create'], note: this.env.operations['prison-create']?.doc });
    const j: Jail = { name, vnet, persist, state: 'alive', processes: 0, prison, removeRan: [] };
    this.jails.set(name, j);
    note(`jail ${name} created${vnet ? ' with its own VNET' : ''}${persist ? ' (persistent)' : ''}`);
    if (vnet) {
      const v: Vnet = { name, alive: true, attached: false };
      this.vnets.set(name, v);
      note(this.env.operations['vnet-create'].doc);
      this.invokeRole('vnet-init', { via: ['jail create', 'vnet_alloc'], depth: 0, inv, role: 'vnet-init', jail: j, vnet: v, teardown: false }, note);
    }
    // the jail's command: a process with the jail's credential
    const cred = this.newObject('ucred', name, `ucred ${name}`);
    cred.owner = `jail ${name}`;
    this.change(cred, 1, 'create', 'crget', { type: 'kernel', label: `process in jail ${name}`, inv }, { fn: 'jail', line: 0, kernel: true, via: ['jail create', 'process'], note: this.env.operations['process-start'].doc });
    this.holdObject(cred, prison, this.env.kinds.ucred.holdsFromCreator!.call, this.env.kinds.ucred.holdsFromCreator!.note, 'jail', 0, ['jail create', 'process'], inv);
    j.cred = cred;
    j.processes = 1;
  }

  private processExit(j: Jail, note: (s: string) => void): void {
    if (j.processes <= 0) { note(`no process left in jail ${j.name}`); return; }
    j.processes--;
    if (j.cred) this.releaseHolder(j.cred, (h) => h.type === 'kernel' && h.label.startsWith('process in jail'), 'crfree', 'the exiting process drops its credential', 'exit', 0, ['process exit'], true);
    note(`the last process of jail ${j.name} exited`);
    if (j.processes === 0 && !j.persist && j.state === 'alive') this.jailRemove(j, 'the last process exited (the jail is not persistent)', note);
  }

  private jailRemove(j: Jail, why: string, note: (s: string) => void): void {
    if (j.state !== 'alive') { note(`jail ${j.name} is already ${j.state.toUpperCase()}`); return; }
    while (j.processes > 0) this.processExit(j, note);
    if (j.state !== 'alive') return;
    j.state = 'dying';
    note(`jail ${j.name} is being removed (${why}): ${this.env.operations['jail-remove'].doc}`);
    const inv = this.newInv(0);
    const methods = this.roles.byRole.get('jail-remove') ?? [];
    if (!methods.length) note('no PR_METHOD_REMOVE method is registered in this file (osd_jail_register with methods[PR_METHOD_REMOVE])');
    const vnet = j.vnet ? this.vnets.get(j.name) : undefined;
    for (const m of methods) {
      j.removeRan.push(m.function);
      const ctx: Ctx = { via: ['jail remove', 'osd_jail_call(PR_METHOD_REMOVE)'], depth: 0, inv, role: 'jail-remove', jail: j, vnet, prison: j.prison, teardown: true, synthetic: m.synthetic };
      if (m.synthetic) this.syntheticRemove(ctx, note);
      else this.invoke(m.function, ctx, note);
    }
    if (j.prison.count > 0) this.releaseHolder(j.prison, (h) => h.type === 'existence', 'prison_deref', j.prison.count > 1 ? `jail ${j.name} drops its own reference; it stays DYING while pr_ref > 0` : `jail ${j.name} drops its last reference: the prison is freed`, 'jail', 0, ['jail remove'], true);
  }

  private syntheticRemove(ctx: Ctx, note: (s: string) => void): void {
    note('what-if: a PR_METHOD_REMOVE method detaches the cloners of the jail\'s VNET (if_clone_detach)');
    if (!ctx.vnet) { note('the jail has no VNET of its own: nothing to detach'); return; }
    this.cloneDetach({ ...ctx, via: [...ctx.via, '(what-if remove method)', 'if_clone_detach'] }, note, 0);
  }

  private prisonFreed(p: SimObject): void {
    const j = [...this.jails.values()].find((x) => x.prison === p);
    if (!j) return;
    j.state = 'removed';
    const rec = this.events[this.eventIndex];
    const note = (s: string) => { rec?.notes.push(s); rec?.noteAfter.push(this.steps.length); };
    note(`prison ${j.name} has no references left: jail ${j.name} is removed. ${this.env.operations['prison-free'].doc}`);
    const inv = this.newInv(0);
    const v = j.vnet ? this.vnets.get(j.name) : undefined;
    if (v && v.alive) {
      this.invokeRole('vnet-uninit', { via: ['prison freed', 'vnet_destroy'], depth: 0, inv, role: 'vnet-uninit', jail: j, vnet: v, teardown: true }, note);
      v.alive = false;
      const left = this.ifaces.filter((i) => i.vnet === v.name);
      if (left.length) note(`interfaces ${left.map((i) => i.name).join(', ')} were not destroyed when VNET ${v.name} was torn down`);
    }
    this.invokeRole('jail-osd-destroy', { via: ['prison freed', 'osd_jail_exit'], depth: 0, inv, role: 'jail-osd-destroy', jail: j, prison: p, teardown: true }, note);
  }

  private credFor(j: Jail | undefined | null): SimObject | undefined {
    if (j) return j.cred && !j.cred.freed ? j.cred : undefined;
    if (!this.hostCred) {
      this.hostCred = this.newObject('ucred', 'host', 'ucred host');
      this.change(this.hostCred, 1, 'create', 'crget', { type: 'kernel', label: 'a process on the host', inv: 0 }, { fn: 'kernel', line: 0, kernel: true, via: ['host process'] });
    }
    return this.hostCred;
  }

  private vnetFor(j: Jail | undefined | null): Vnet | undefined {
    if (j) return j.vnet ? this.vnets.get(j.name) : this.vnets.get('vnet0');
    return this.vnets.get('vnet0');
  }

  private base(name: string): string { return name.replace(/\d+$/, ''); }
  private hasUnit(name: string): boolean { return /\d$/.test(name); }
  private freeUnit(base: string): string {
    for (let u = 0; u < 10000; u++) {
      const n = `${base}${u}`;
      if (!this.objects.some((o) => o.name === n && !o.freed && !(o.destroyed && o.kind === 'cdev')) && !this.ifaces.some((i) => i.name === n)) return n;
    }
    return `${base}0`;
  }

  private knownDevice(name: string, note: (s: string) => void): boolean {
    const names = this.roles.deviceNames;
    if (!names.length) return true;
    const base = this.base(name);
    if (names.includes(base) || names.includes(name)) return true;
    const msg = `the file never creates /dev/${name}: the devices it declares are ${names.map((n) => n + 'N').join(', ')} (from its cdevsw d_name, make_dev formats or dev_stdclone bases)`;
    this.inconclusiveBecause(`"${this.eventText}": ${msg}`);
    note(msg);
    return false;
  }

  private liveCdev(name: string): SimObject | undefined {
    return this.objects.find((o) => o.kind === 'cdev' && o.name === name && !o.freed && !o.destroyed);
  }

  private preexisting(name: string, note: (s: string) => void): SimObject {
    const o = this.newObject('cdev', name, name);
    o.preexisting = true;
    this.change(o, 1, 'create', 'make_dev_s', { type: 'existence', label: `existence (made before the scenario)`, inv: 0 }, { fn: 'kernel', line: 0, kernel: true, via: ['fact device exists: yes'], note: `fact device exists: yes: ${name} exists before this event` });
    note(`fact device exists: yes: ${name} exists already (count 1, its existence)`);
    return o;
  }

  private devfsLookup(name: string, j: Jail | undefined | null, note: (s: string) => void): SimObject | undefined {
    if (j === null) return undefined;
    const found = this.liveCdev(name);
    if (found) { note(`devfs finds /dev/${name}; no dev_clone handler runs`); return found; }
    if (!this.knownDevice(name, note)) return undefined;
    const handlers = this.roles.byRole.get('devfs-lookup') ?? [];
    if (!handlers.length) {
      if (!this.warnedNoReg) this.inconclusiveBecause(`"${this.eventText}": no dev_clone handler is registered in this file (EVENTHANDLER_REGISTER(dev_clone, ...)), so devfs cannot clone /dev/${name}`);
      note('no dev_clone handler: the lookup fails (ENOENT)');
      return undefined;
    }
    const deviceName = this.hasUnit(name) ? name : this.freeUnit(name);
    let existing: SimObject | undefined;
    if (this.facts['device exists'] === 'yes') existing = this.liveCdev(deviceName) ?? this.preexisting(deviceName, note);
    note(this.env.operations['devfs-lookup'].doc);
    for (const h of handlers) {
      const inv = this.newInv(0);
      const slot: Slot = {};
      const ctx: Ctx = { via: [`devfs lookup /dev/${name}`], depth: 0, inv, role: 'devfs-lookup', jail: j ?? undefined, vnet: this.vnetFor(j), cred: this.credFor(j), lookupName: name, deviceName, cdev: existing, outCdev: slot, teardown: false, wantDevice: true };
      const call = this.invoke(h.function, ctx, note);
      if (slot.obj) {
        const after = this.env.operations['devfs-lookup'].after!;
        const sub = this.subtree(inv);
        this.releaseHolder(slot.obj, (hd) => hd.type === 'ref' && sub.has(hd.inv), after.call, after.note, 'devfs', call?.exitLine ?? this.fn(h.function)?.endLine ?? 0, [`devfs lookup /dev/${name}`], true, true);
        note(`${h.function}() returned ${slot.obj.name}; devfs enters /dev/${slot.obj.name}`);
        return slot.obj;
      }
      note(`${h.function}() returned no device`);
    }
    note('no dev_clone handler returned a device: the lookup fails (ENOENT)');
    return undefined;
  }

  private open(name: string, j: Jail | undefined | null, note: (s: string) => void): void {
    if (j === null) return;
    const dev = this.devfsLookup(name, j, note);
    if (!dev) { note(`open /dev/${name} fails: no such device`); return; }
    const inv = this.newInv(0);
    const holder: Holder = { type: 'kernel', label: `open file on /dev/${dev.name} (devfs vnode)`, inv };
    this.change(dev, 1, 'acquire', 'dev_ref', holder, { fn: 'devfs', line: 0, kernel: true, via: [`open /dev/${name}`], note: this.env.operations['devfs-open'].doc });
    const file: OpenFile = { device: dev.name, cdev: dev, holder };
    for (const r of this.roles.byRole.get('d_open') ?? []) {
      const call = this.invoke(r.function, { via: [`open /dev/${name}`], depth: 0, inv, role: 'd_open', jail: j ?? undefined, vnet: this.vnetFor(j), cred: this.credFor(j), lookupName: dev.name, deviceName: dev.name, cdev: dev, teardown: false, openFile: file }, note);
      if (call?.returns && !this.env.successReturns.includes(call.returns)) {
        note(`${r.function}() fails (${call.returns}): the open fails`);
        this.releaseHolder(dev, (h) => h === holder, 'dev_rel', 'the failed open lets the vnode go', 'devfs', call.exitLine ?? 0, [`open /dev/${name}`], true);
        return;
      }
    }
    this.openFiles.push(file);
    note(`/dev/${dev.name} is open`);
  }

  private close(name: string, note: (s: string) => void): void {
    const k = this.openFiles.findIndex((f) => f.device === name) >= 0 ? this.openFiles.findIndex((f) => f.device === name) : this.openFiles.findIndex((f) => this.base(f.device) === name);
    if (k < 0) { this.problems.push({ severity: 'warning', message: `"${this.eventText}": /dev/${name} is not open` }); note(`/dev/${name} is not open`); return; }
    const file = this.openFiles.splice(k, 1)[0];
    const inv = this.newInv(0);
    for (const r of this.roles.byRole.get('d_close') ?? []) this.invoke(r.function, { via: [`close /dev/${file.device}`], depth: 0, inv, role: 'd_close', cdev: file.cdev, lookupName: file.device, deviceName: file.device, teardown: false }, note);
    if (file.dtor) this.invoke(file.dtor, { via: [`close /dev/${file.device}`, 'devfs_destroy_cdevpriv'], depth: 0, inv, role: 'cdevpriv destructor', cdev: file.cdev, lookupName: file.device, deviceName: file.device, teardown: false }, note);
    this.releaseHolder(file.cdev, (h) => h === file.holder, 'dev_rel', this.env.operations['devfs-close'].doc, 'devfs', 0, [`close /dev/${file.device}`], true);
  }

  private ifconfigCreate(name: string, j: Jail | undefined | null, note: (s: string) => void): void {
    if (j === null) return;
    if (!this.knownDevice(name, note)) return;
    const deviceName = this.hasUnit(name) ? name : this.freeUnit(name);
    let existing = this.liveCdev(deviceName);
    if (!existing && this.facts['device exists'] === 'yes') existing = this.preexisting(deviceName, note);
    const inv = this.newInv(0);
    this.cloneCreate(name, { via: [`ifconfig ${name} create`, 'if_clone_create'], depth: 0, inv, role: 'cloner-create', jail: j ?? undefined, vnet: this.vnetFor(j), lookupName: name, deviceName, cdev: existing, teardown: false }, note, 0);
  }

  private ifconfigDestroy(name: string, j: Jail | undefined | null, note: (s: string) => void): void {
    if (j === null) return;
    const v = this.vnetFor(j);
    const iface = this.ifaces.find((i) => i.name === name && i.vnet === v?.name) ?? this.ifaces.find((i) => i.name === name);
    if (!iface) {
      this.problems.push({ severity: 'warning', message: `"${this.eventText}": there is no interface ${name} (ifconfig ${name} create, or a devfs lookup, makes one)` });
      note(`no interface ${name}: ifconfig fails (ENXIO)`);
      return;
    }
    const inv = this.newInv(0);
    this.cloneDestroy(iface, { via: [`ifconfig ${name} destroy`, 'if_clone_destroy'], depth: 0, inv, role: 'cloner-destroy', jail: j ?? undefined, vnet: v, teardown: false }, note, 0);
  }

  private moduleLoad(module: string, implicit: boolean, note: (s: string) => void): void {
    if (!implicit) this.checkModule(module, note);
    this.moduleLoaded = true;
    const inv = this.newInv(0);
    note(this.env.operations['module-load'].doc);
    this.invokeRole('module-init', { via: [`kldload ${module}`, 'SYSINIT'], depth: 0, inv, role: 'module-init', vnet: this.vnets.get('vnet0'), teardown: false }, note);
    this.invokeRole('modevent', { via: [`kldload ${module}`, 'module_register_init'], depth: 0, inv, role: 'modevent', vnet: this.vnets.get('vnet0'), value: this.env.moduleEvents.load, teardown: false }, note);
    for (const v of this.vnets.values()) if (v.alive) this.invokeRole('vnet-init', { via: [`kldload ${module}`, `VNET_SYSINIT (${v.name})`], depth: 0, inv, role: 'vnet-init', vnet: v, teardown: false }, note);
  }

  private checkModule(module: string, note: (s: string) => void): void {
    const mods = this.roles.modules;
    if (mods.length && !mods.some((m) => m.name === module)) {
      this.problems.push({ severity: 'warning', message: `"${this.eventText}": this file declares module${mods.length > 1 ? 's' : ''} ${mods.map((m) => m.name).join(', ')}, not ${module}; running its handlers anyway` });
      note(`the file declares ${mods.map((m) => m.name).join(', ')}, not ${module}`);
    }
  }

  private moduleUnload(module: string, note: (s: string) => void): void {
    this.checkModule(module, note);
    if (!this.moduleLoaded) { note('the module is not loaded'); return; }
    const inv = this.newInv(0);
    note(this.env.operations['module-unload'].doc);
    this.invokeRole('modevent', { via: [`kldunload ${module}`, 'module_unload'], depth: 0, inv, role: 'modevent', vnet: this.vnets.get('vnet0'), value: this.env.moduleEvents.unload, teardown: true }, note);
    for (const v of this.vnets.values()) if (v.alive) this.invokeRole('vnet-uninit', { via: [`kldunload ${module}`, `VNET_SYSUNINIT (${v.name})`], depth: 0, inv, role: 'vnet-uninit', vnet: v, teardown: true }, note);
    this.invokeRole('module-uninit', { via: [`kldunload ${module}`, 'SYSUNINIT'], depth: 0, inv, role: 'module-uninit', vnet: this.vnets.get('vnet0'), teardown: true }, note);
    this.moduleLoaded = false;
    const left = this.objects.filter((o) => !o.freed && o.createdBy && !o.destroyed && (o.kind === 'cdev' || o.kind === 'ifnet'));
    for (const o of left) o.outlived = module;
    if (left.length) note(`after the unload these objects of the module still exist: ${left.map((o) => o.id).join(', ')}`);
  }

  private jls(dying: boolean, note: (s: string) => void): void {
    const rows = [...this.jails.values()].filter((j) => j.state === 'alive' || (dying && j.state === 'dying'));
    note(rows.length ? rows.map((j) => `jls${dying ? ' -d' : ''}: ${j.name} ${j.state === 'dying' ? 'DYING' : 'ACTIVE'}${j.vnet ? ' vnet' : ''} (pr_ref ${j.prison.count})`).join('; ') : `jls${dying ? ' -d' : ''}: no jails listed`);
  }

  // ---------------------------------------------------------------- cloners

  private cloneCreate(name: string, ctx: Ctx, note: (s: string) => void, line: number): void {
    const fns = this.roles.byRole.get('cloner-create') ?? [];
    if (!fns.length) {
      this.inconclusiveBecause(`"${this.eventText}": no ifnet cloner create function was found in this file (if_clone_simple/if_clone_advanced, a .create_f or clone_create_fn binding, or a function with the parameters of one), so if_clone_create(${name}) creates nothing`);
      note('no cloner create function: if_clone_create does nothing here');
      return;
    }
    const base = this.base(name);
    const f = fns.find((x) => x.function.includes(base)) ?? fns[0];
    const ifname = ctx.deviceName ?? (this.hasUnit(name) ? name : this.freeUnit(name));
    const vnet = ctx.vnet ?? this.vnets.get('vnet0')!;
    if (this.ifaces.some((i) => i.name === ifname && i.vnet === vnet.name)) { note(`interface ${ifname} exists already: if_clone_create fails (EEXIST)`); return; }
    const slot: Slot = {};
    const cctx: Ctx = { ...ctx, via: ctx.via, role: 'cloner-create', lookupName: ifname, deviceName: ifname, cdev: ctx.cdev ?? this.liveCdev(ifname), ifnet: undefined, outIfnet: slot, outCdev: undefined, wantDevice: false, inv: this.newInv(ctx.inv), vnet };
    const call = this.invoke(f.function, cctx, note);
    if (!call) return;
    if (call.returns !== undefined && !this.env.successReturns.includes(call.returns)) { note(`${f.function}() fails (${call.returns}): no interface`); return; }
    const cdev = this.liveCdev(ifname) ?? cctx.cdev;
    this.ifaces.push({ name: ifname, vnet: vnet.name, cdev, ifnet: slot.obj, createFn: f.function, group: f.group });
    note(`interface ${ifname} created in ${vnet.name === 'vnet0' ? 'the host VNET' : `the VNET of jail ${vnet.name}`} by ${f.function}()${line ? ` (if_clone_create at line ${line})` : ''}`);
  }

  private destroyFnFor(iface: Iface): DiscoveredRole | undefined {
    const fns = this.roles.byRole.get('cloner-destroy') ?? [];
    return fns.find((x) => x.group && x.group === iface.group) ?? fns.find((x) => x.function.includes(this.base(iface.name))) ?? fns[0];
  }

  private cloneDestroy(iface: Iface, ctx: Ctx, note: (s: string) => void, line: number): void {
    const f = this.destroyFnFor(iface);
    const dctx: Ctx = { ...ctx, role: 'cloner-destroy', lookupName: iface.name, deviceName: iface.name, cdev: iface.cdev && !iface.cdev.freed ? iface.cdev : this.liveCdev(iface.name), ifnet: iface.ifnet, outCdev: undefined, outIfnet: undefined, inv: this.newInv(ctx.inv) };
    if (!f) {
      if (ctx.synthetic && dctx.cdev) {
        note(`what-if: no cloner destroy function in this file; the remove method destroys ${dctx.cdev.name} itself (destroy_dev)`);
        this.apply(dctx.cdev, -1, 'destroy', 'destroy_dev', dctx, '(what-if remove method)', 0, undefined, 'what-if: destroy_dev() on the cloned device');
      } else {
        this.inconclusiveBecause(`"${this.eventText}": no ifnet cloner destroy function was found in this file, so interface ${iface.name} cannot be destroyed`);
        note('no cloner destroy function');
        return;
      }
    } else {
      const call = this.invoke(f.function, dctx, note);
      if (call?.returns !== undefined && !this.env.successReturns.includes(call.returns)) { note(`${f.function}() fails (${call.returns}): ${iface.name} stays`); return; }
    }
    this.ifaces.splice(this.ifaces.indexOf(iface), 1);
    note(`interface ${iface.name} destroyed${line ? ` (from line ${line})` : ''}`);
  }

  private cloneDetach(ctx: Ctx, note: (s: string) => void, line: number): void {
    const vnet = ctx.vnet;
    if (!vnet) { note('if_clone_detach: no VNET of its own here, nothing to detach'); return; }
    const list = this.ifaces.filter((i) => i.vnet === vnet.name);
    note(`if_clone_detach in ${vnet.name === 'vnet0' ? 'the host VNET' : `the VNET of jail ${vnet.name}`}${line ? ` (line ${line})` : ''}: ${list.length ? `destroys ${list.map((i) => i.name).join(', ')}` : 'no interfaces to destroy'}`);
    for (const i of list) this.cloneDestroy(i, { ...ctx, via: [...ctx.via] }, note, line);
    vnet.attached = false;
  }

  // ---------------------------------------------------------------- functions

  private fn(name: string): FunctionResult | undefined { return this.roles.functions.get(name); }

  private roleSpec(id: string): RoleSpec | undefined { return this.env.roles.find((r) => r.id === id); }

  private invokeRole(role: string, ctx: Ctx, note: (s: string) => void): void {
    for (const r of this.roles.byRole.get(role) ?? []) {
      if (r.synthetic) continue;
      this.invoke(r.function, { ...ctx, inv: this.newInv(ctx.inv) }, note);
    }
  }

  private newInv(parent: number): number {
    const id = this.nextInv++;
    this.invParent.set(id, parent);
    return id;
  }

  private subtree(root: number): Set<number> {
    const out = new Set<number>([root]);
    for (let changed = true; changed;) {
      changed = false;
      for (const [k, p] of this.invParent) if (out.has(p) && !out.has(k)) { out.add(k); changed = true; }
    }
    return out;
  }

  private bindingsOf(fname: string, role: string): { p: Param; b: ParamBinding }[] {
    const spec = this.roleSpec(role);
    return (this.roles.params.get(fname) ?? []).map((p) => {
      const fixed = spec?.params?.[p.index];
      if (fixed) return { p, b: fixed };
      const t = this.env.paramTypes.find((x) => new RegExp(x.type).test(p.type));
      return { p, b: t?.binds ?? 'none' };
    });
  }

  /** Run one function of the file: choose a path class, apply its steps and the kernel calls on its lines. */
  private invoke(name: string, ctx: Ctx, note: (s: string) => void): TraceCall | undefined {
    const f = this.fn(name);
    if (!f) { note(`${name}() is not defined in this file`); return undefined; }
    if (ctx.depth > MAX_DEPTH) { note(`${name}(): calls nested too deep, stopped`); return undefined; }
    if (ctx.via.filter((v) => v === name).length >= 2) { note(`${name}(): recursion, stopped`); return undefined; }
    const via = [...ctx.via, name];
    const params = this.bindingsOf(name, ctx.role);
    const evalEnv = this.evalEnv(f, ctx, params);
    const { path, reason, conditions } = this.choosePath(f, ctx, params, evalEnv);
    const call: TraceCall = {
      afterSeq: this.steps.length, eventIndex: this.eventIndex, function: name, line: f.line,
      path: path?.id, exitLine: path?.exit.line ?? f.endLine, returns: path?.exit.returnClass, conditions,
      reason, role: this.roleSpec(ctx.role)?.title ?? ctx.role, depth: ctx.depth, via: ctx.via, counts: nameTable(),
    };
    this.calls.push(call);
    const touched = new Map<SimObject, number>();
    const local = new Map<string, SimObject>();
    const icx: InvocationState = { f, path, params, ctx: { ...ctx, via }, local, touched, call, note };
    // the ordered actions: counted steps, then kernel and in-file calls, by line
    const summarized = new Set((path?.steps ?? []).map((s) => s.call));
    const lines = path ? path.lines : this.bodyLines(f, ctx);
    type Action = { line: number; order: number; step?: Step; call?: { callee: string; args: string[] } };
    const actions: Action[] = [];
    let order = 0;
    for (const s of path?.steps ?? []) {
      if (this.whatIf.dropLines.has(s.line)) { note(`what-if: the ${s.call}() at line ${s.line} is left out`); continue; }
      actions.push({ line: s.line, order: order++, step: s });
    }
    const seen = new Set<number>();
    // a path class stands for paths that differ only in uncounted work: loop bodies whose header
    // the path passes may hold kernel calls (if_clone_detach in a loop) the representative skipped
    const extra = path ? this.loopBodies(path.lines, f) : [];
    for (const line of [...lines, ...extra]) {
      if (seen.has(line) || line <= this.bodyStart(f) - 1) continue;
      seen.add(line);
      for (const c of this.src.callsOnLine(line)) {
        if (c.callee === name) continue;
        const inExtra = !lines.includes(line);
        const calleeFn = this.fn(c.callee);
        if (this.env.kernelCalls[c.callee] || (calleeFn && !summarized.has(c.callee) && (!inExtra || calleeFn.quiet))) {
          if (this.whatIf.dropLines.has(line)) continue;
          actions.push({ line, order: 1000 + order++, call: c });
        }
      }
    }
    actions.sort((a, b) => a.line - b.line || a.order - b.order);
    for (const a of actions) {
      if (a.step) this.applyStep(a.step, icx);
      else if (a.call) this.doCall(a.call.callee, a.call.args, a.line, icx);
    }
    for (const [o, before] of touched) call.counts[o.id] = [before, o.count];
    return call;
  }

  /** Lines of the bodies of loops whose header line is in `lines` (and that the lines skip). */
  private loopBodies(lines: number[], f: FunctionResult): number[] {
    const out: number[] = [];
    const on = new Set(lines);
    for (const l of on) {
      const text = this.src.maskedLines[l - 1] ?? '';
      const m = /\b(for|while|[A-Z_]*FOREACH[A-Z_]*)\s*\(/.exec(text);
      if (!m) continue;
      const open = this.src.offsetOf(l) + m.index + m[0].length - 1;
      const close = matchParen(this.src.masked, open);
      if (close < 0) continue;
      let k = close + 1;
      while (k < this.src.masked.length && /\s/.test(this.src.masked[k])) k++;
      let end: number;
      if (this.src.masked[k] === '{') {
        let depth = 0; end = -1;
        for (let i = k; i < this.src.masked.length; i++) { const c = this.src.masked[i]; if (c === '{') depth++; else if (c === '}') { depth--; if (depth === 0) { end = i; break; } } }
        if (end < 0) continue;
      } else end = this.src.masked.indexOf(';', k);
      const from = this.src.lineOf(close), to = Math.min(this.src.lineOf(end), f.endLine);
      for (let x = from; x <= to; x++) if (!on.has(x)) out.push(x);
    }
    return out;
  }

  private bodyStart(f: FunctionResult): number {
    const start = this.src.offsetOf(f.nameRange.line) + f.nameRange.column;
    const brace = this.src.masked.indexOf('{', start);
    return brace < 0 ? f.line : this.src.lineOf(brace);
  }

  /** Lines of a function without path classes; with a known switch value, only its case. */
  private bodyLines(f: FunctionResult, ctx: Ctx): number[] {
    const from = this.bodyStart(f) + 0, to = f.endLine;
    const lines: number[] = [];
    const excluded = new Set<number>();
    if (ctx.value) {
      const labelRe = /^\s*(?:case\s+([^:]+?)|default)\s*:/;
      let depth = 0;
      const depthAt: number[] = [];
      for (let l = from; l <= to; l++) {
        depthAt[l] = depth;
        for (const ch of this.src.maskedLines[l - 1] ?? '') { if (ch === '{') depth++; else if (ch === '}') depth--; }
      }
      const hasCase = this.src.findLines(from, to, new RegExp(`\\bcase\\s+${ctx.value}\\s*:`)).length > 0;
      if (hasCase) {
        let inOther = -1;
        for (let l = from; l <= to; l++) {
          const m = labelRe.exec(this.src.maskedLines[l - 1] ?? '');
          if (m) inOther = (m[1] ?? 'default').trim() === ctx.value ? -1 : depthAt[l];
          else if (inOther >= 0 && depthAt[l] < inOther) inOther = -1;
          if (inOther >= 0) excluded.add(l);
        }
      }
    }
    for (let l = from; l <= to; l++) if (!excluded.has(l)) lines.push(l);
    return lines;
  }

  private evalEnv(f: FunctionResult, ctx: Ctx, params: { p: Param; b: ParamBinding }[]): EvalEnv {
    const known = new Map<string, Value>();
    const names = new Set<string>();
    for (const { p, b } of params) {
      if (!p.name) continue;
      names.add(p.name);
      switch (b) {
        case 'cdev-out': known.set(`*${p.name}`, { zero: !ctx.outCdev?.obj }); known.set(p.name, { zero: !ctx.outCdev }); break;
        case 'ifnet-out': known.set(p.name, { zero: !ctx.outIfnet }); break;
        case 'cred': known.set(p.name, { zero: !ctx.cred }); break;
        case 'cdev': known.set(p.name, { zero: !ctx.cdev }); break;
        case 'ifnet': if (ctx.ifnet) known.set(p.name, { zero: false }); break;
        case 'prison': known.set(p.name, { zero: !ctx.prison }); break;
        case 'name': known.set(p.name, { zero: ctx.lookupName === undefined }); break;
        case 'value': if (ctx.value) known.set(p.name, { equals: ctx.value }); break;
      }
    }
    const caseLabels = new Set<string>();
    for (const l of this.src.findLines(f.line, f.endLine, /\bcase\s+[A-Za-z_]\w*\s*:/)) {
      const m = /\bcase\s+([A-Za-z_]\w*)\s*:/.exec(this.src.maskedLines[l - 1]);
      if (m) caseLabels.add(m[1]);
    }
    let deviceExists: boolean | undefined;
    if (ctx.cdev && !ctx.cdev.freed && !ctx.cdev.destroyed) deviceExists = true;
    else if (ctx.deviceName) deviceExists = !!this.liveCdev(ctx.deviceName);
    return { facts: this.facts, params: known, paramNames: names, lookupName: ctx.lookupName, deviceExists, fileFunctions: new Set(this.roles.functions.keys()), rules: this.env.conditionRules, src: this.src, caseLabels };
  }

  private choosePath(f: FunctionResult, ctx: Ctx, params: { p: Param; b: ParamBinding }[], env: EvalEnv): { path?: PathClass; reason: string; conditions: string[] } {
    if (!f.paths.length) return { reason: f.quiet ? 'touches no counted object; the kernel calls on its lines run' : 'no path classes', conditions: [] };
    const outParam = params.find((x) => x.b === 'cdev-out')?.p.name;
    let best: { path: PathClass; score: number; why: string[]; hard: boolean } | undefined;
    for (const path of f.paths) {
      let score = 0, hard = false;
      const why: string[] = [];
      // the conditions as C (what the reader understands), shown in their words
      for (const [k, c] of path.conditions.entries()) {
        const r = readCondition(path.sourceConditions?.[k] ?? c, env);
        if (!r) continue;
        if (r.value) { score += r.weight; if (r.weight >= 3) why.push(`${c} (${r.why})`); } else {
          score -= 2 * r.weight;
          if (r.weight >= 100) hard = true;
        }
      }
      const success = this.env.successReturns.includes(path.exit.returnClass);
      if (ctx.wantDevice && outParam) {
        const d = path.deltas.find((x) => x.object === `*${outParam}`);
        const gives = !!d && d.delta > 0 || path.steps.some((s) => s.object === `*${outParam}` && (s.op === 'create' || s.op === 'acquire'));
        if (gives) { score += 8; why.push('it returns a device, which the lookup wants'); }
      } else {
        score += success ? 2 : -2;
      }
      score += 0.5 * path.steps.filter((s) => s.op === 'create').length;
      // a path whose objects do not exist here is unlikely (a teardown loop with nothing left to tear down)
      const unbound = path.steps.filter((s) => (s.op === 'destroy' || s.op === 'release') && !this.bindDry(s, ctx, params)).length;
      score -= 3 * unbound;
      if (!best || (best.hard && !hard) || (best.hard === hard && score > best.score)) best = { path, score, why, hard };
    }
    const p = best!.path;
    return { path: p, reason: best!.why.length ? best!.why.join('; ') : (p.conditions.length ? 'the most likely path (no fact decides)' : 'its only kind of path'), conditions: p.conditions };
  }

  // ---------------------------------------------------------------- objects and steps

  private newObject(kind: string, name: string, id?: string): SimObject {
    let oid = id ?? (kind === 'cdev' ? name : `${kind} ${name}`);
    if (this.objects.some((o) => o.id === oid)) { let k = 2; while (this.objects.some((o) => o.id === `${oid}#${k}`)) k++; oid = `${oid}#${k}`; }
    const o: SimObject = { id: oid, kind, name, count: 0, holders: [], holds: [], destroyed: false, freed: false, aliases: [] };
    this.objects.push(o);
    return o;
  }

  private record(o: SimObject, before: number, op: TraceStep['op'], call: string, at: { fn: string; line: number; kernel?: boolean; via: string[]; note?: string; path?: number }): void {
    this.steps.push({
      seq: this.steps.length + 1, event: this.eventText, eventIndex: this.eventIndex, function: at.fn, line: at.line, object: o.id, kind: o.kind,
      before, after: o.count, op, call, ...(at.note ? { note: at.note } : {}), ...(at.kernel ? { kernel: true } : {}), via: at.via, ...(at.path !== undefined ? { path: at.path } : {}),
    });
  }

  /** A kernel-side change (not a line of the file). */
  private change(o: SimObject, delta: number, op: TraceStep['op'], call: string, holder: Holder | undefined, at: { fn: string; line: number; kernel?: boolean; via: string[]; note?: string }): void {
    const before = o.count;
    o.count += delta;
    if (holder && delta > 0) for (let i = 0; i < delta; i++) o.holders.push(i === 0 ? holder : { ...holder });
    this.record(o, before, op, call, at);
    if (o.count <= 0 && before > 0) this.free(o, at.fn, at.line, at.via);
  }

  private holdObject(holderObj: SimObject, held: SimObject, call: string, note: string, fn: string, line: number, via: string[], inv: number): void {
    const before = held.count;
    held.count++;
    held.holders.push({ type: 'object', label: `${holderObj.kind} ${holderObj.name}`, objectId: holderObj.id, inv, fn, line });
    holderObj.holds.push(held.id);
    this.record(held, before, 'acquire', call, { fn, line, kernel: true, via, note });
  }

  private releaseHolder(o: SimObject, pick: (h: Holder) => boolean, call: string, note: string, fn: string, line: number, via: string[], kernel: boolean, fifo = false): void {
    if (o.freed) return;
    let k = fifo ? o.holders.findIndex(pick) : findLastIndex(o.holders, pick);
    if (k < 0) k = o.holders.findIndex((h) => h.type === 'ref');
    if (k < 0) k = o.holders.findIndex((h) => h.type !== 'existence');
    if (k >= 0) o.holders.splice(k, 1);
    const before = o.count;
    o.count--;
    this.record(o, before, 'release', call, { fn, line, kernel, via, note });
    if (o.count < 0) this.problems.push({ severity: 'warning', message: `${o.id} was released below zero by ${call}${line ? ` at line ${line}` : ''} (over-release)`, line: line || undefined });
    if (o.count <= 0 && before > 0) this.free(o, fn, line, via);
  }

  private free(o: SimObject, fn: string, line: number, via: string[]): void {
    if (o.freed) return;
    o.freed = true;
    const spec = this.env.kinds[o.kind];
    for (const id of o.holds) {
      const held = this.objects.find((x) => x.id === id);
      if (!held || held.freed) continue;
      this.releaseHolder(held, (h) => h.objectId === o.id, spec?.onFree?.call ?? 'release', spec?.onFree?.note ?? `${o.id} is freed`, fn, line, [...via, `${o.id} freed`], true);
    }
    if (o.kind === 'prison') this.prisonFreed(o);
  }

  private globalRoot(access: string): string | undefined {
    const m = /^[*&(\s]*([A-Za-z_]\w*)/.exec(access);
    return m && this.globalNames.has(m[1]) ? m[1] : undefined;
  }

  /** Without a declared device name: the prefix of the dev_clone handler or cloner ("tunclone" -> tun). */
  private deviceFromRoles(): string | undefined {
    for (const role of ['devfs-lookup', 'cloner-create']) {
      for (const r of this.roles.byRole.get(role) ?? []) {
        const m = /^([a-z]+?)_?(?:dev)?clone/i.exec(r.function) ?? /^([a-z]+)_/i.exec(r.function);
        if (m && m[1].length >= 2) return m[1];
      }
    }
    return undefined;
  }

  private findGlobals(): void {
    const inside = new Set<number>();
    for (const f of this.input.result.functions) for (let l = f.range.line; l <= f.range.endLine; l++) inside.add(l);
    this.src.maskedLines.forEach((l, i) => {
      if (inside.has(i + 1) || /^\s*#/.test(l)) return;
      const re = /([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*(?=[=;,)])/g;
      let m: RegExpExecArray | null;
      while ((m = re.exec(l))) this.globalNames.add(m[1]);
      const vd = /VNET_DEFINE(?:_STATIC)?\s*\([^,]+,\s*([A-Za-z_]\w*)\s*\)/.exec(l);
      if (vd) { this.globalNames.add(vd[1]); this.globalNames.add(`V_${vd[1]}`); }
    });
  }

  /** Which simulated objects an access path of the running function stands for. */
  private bind(s: Step, icx: InvocationState, forCreate = false): SimObject[] {
    const { ctx, local, params } = icx;
    const access = s.object;
    const hit = local.get(access);
    if (hit) return [hit];
    const root = /^[*&(\s]*([A-Za-z_]\w*)/.exec(access)?.[1];
    const derefs = /^\**/.exec(access)![0].length;
    const param = params.find((x) => x.p.name && x.p.name === root);
    if (param) {
      if (param.b === 'cdev-out' && derefs === 1 && access === `*${root}` && ctx.outCdev) {
        if (ctx.outCdev.obj) return [ctx.outCdev.obj];
        if (forCreate) return [];
        const e = ctx.cdev && !ctx.cdev.freed ? ctx.cdev : undefined;
        if (e) { ctx.outCdev.obj = e; return [e]; }
      }
      if (param.b === 'ifnet-out' && access === `*${root}` && ctx.outIfnet?.obj) return [ctx.outIfnet.obj];
      if (param.b === 'cred' && access === root && ctx.cred && s.kind === 'ucred') return [ctx.cred];
      if (param.b === 'cdev' && access === root && ctx.cdev && s.kind === 'cdev') return [ctx.cdev];
      if (param.b === 'ifnet' && access === root && ctx.ifnet && s.kind === 'ifnet') return [ctx.ifnet];
      if (param.b === 'prison' && ctx.prison && s.kind === 'prison') return [ctx.prison];
    }
    if (forCreate) return [];
    const g = this.globalRoot(access);
    if (g) { const o = this.globals.get(access); if (o && !o.freed) return [o]; }
    const cur = s.kind === 'cdev' ? (ctx.outCdev?.obj ?? ctx.cdev) : s.kind === 'ifnet' ? (ctx.outIfnet?.obj ?? ctx.ifnet) : s.kind === 'ucred' ? ctx.cred : s.kind === 'prison' ? ctx.prison : undefined;
    if (cur && !cur.freed) return [cur];
    const field = /(?:->|\.)(\w+)$/.exec(access)?.[1];
    const live = this.objects.filter((o) => o.kind === s.kind && !o.freed && !o.preexisting);
    if (field) {
      const byAlias = live.filter((o) => o.aliases.some((a) => a.endsWith(`->${field}`) || a.endsWith(`.${field}`) || a === field));
      if (byAlias.length === 1) return byAlias;
      if (byAlias.length > 1 && ctx.teardown && s.op === 'destroy') return byAlias.filter((o) => !o.destroyed);
    }
    if (ctx.teardown && s.op === 'destroy') return live.filter((o) => !o.destroyed && o.createdBy);
    if (live.length === 1 && !ctx.teardown) return live;
    return [];
  }

  private bindDry(s: Step, ctx: Ctx, params: { p: Param; b: ParamBinding }[]): boolean {
    const icx = { ctx: { ...ctx, outCdev: ctx.outCdev ? { ...ctx.outCdev } : undefined }, local: new Map(), params } as unknown as InvocationState;
    return this.bind(s, icx).length > 0;
  }

  private applyStep(s: Step, icx: InvocationState): void {
    const { ctx, f, path, local, touched, note } = icx;
    if (s.op === 'store') {
      const objs = this.bind(s, icx);
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
        if (this.globalRoot(target)) this.globals.set(target, o);
      }
      return;
    }
    if (s.op === 'transfer' || s.op === 'return' || s.op === 'lookup') {
      const objs = this.bind(s, icx);
      if (objs[0]) local.set(s.object, objs[0]);
      return;
    }
    if (s.op === 'create') {
      const pre = this.bind(s, icx, true);
      let o = pre[0];
      if (!o) {
        const name = ctx.deviceName ?? ctx.lookupName ?? `${s.kind}`;
        o = this.newObject(s.kind, name);
        o.createdBy = { function: f.name, line: s.line };
        o.owner = ctx.vnet && ctx.vnet.name !== 'vnet0' ? `jail ${ctx.vnet.name}` : ctx.jail ? `jail ${ctx.jail.name}` : undefined;
      }
      local.set(s.object, o);
      const root = /^[*&(\s]*([A-Za-z_]\w*)/.exec(s.object)?.[1];
      const pb = icx.params.find((x) => x.p.name === root);
      if (pb?.b === 'cdev-out' && ctx.outCdev && s.object === `*${root}`) ctx.outCdev.obj = o;
      if (pb?.b === 'ifnet-out' && ctx.outIfnet && s.object === `*${root}`) ctx.outIfnet.obj = o;
      if (s.kind === 'cdev' && !ctx.cdev) ctx.cdev = o;
      if (s.kind === 'ifnet' && !ctx.ifnet) ctx.ifnet = o;
      if (this.globalRoot(s.object)) this.globals.set(s.object, o);
      if (!touched.has(o)) touched.set(o, o.count);
      const before = o.count;
      const n = Math.max(1, s.delta);
      o.count += n;
      o.holders.push({ type: 'existence', label: `existence (${s.call} at line ${s.line})`, fn: f.name, line: s.line, call: s.call, inv: ctx.inv });
      for (let i = 1; i < n; i++) o.holders.push({ type: 'ref', label: `${s.note ? `${s.note} (${s.call})` : s.call} at line ${s.line} in ${f.name}`, fn: f.name, call: s.call, line: s.line, inv: ctx.inv });
      this.record(o, before, 'create', s.call, { fn: f.name, line: s.line, via: ctx.via, note: s.note, path: path?.id });
      // a new cdev keeps its creator's credential
      const spec = this.env.kinds[s.kind];
      const hf = spec?.holdsFromCreator;
      if (hf && hf.when === 'creator-has-credential' && hf.kind === 'ucred') {
        const credParam = icx.params.find((x) => x.b === 'cred');
        const nullCred = path?.paramConditions.some((c) => credParam && new RegExp(`^${credParam.p.name}\\s*==\\s*NULL$`).test(c));
        if (credParam && ctx.cred && !ctx.cred.freed && !nullCred) {
          if (!touched.has(ctx.cred)) touched.set(ctx.cred, ctx.cred.count);
          this.holdObject(o, ctx.cred, hf.call, hf.note, f.name, s.line, ctx.via, ctx.inv);
        }
      }
      return;
    }
    const objs = this.bind(s, icx);
    if (!objs.length) {
      note(`${f.name}() line ${s.line}: ${s.call}(${s.object}) acts on no ${s.kind} the scenario has made; skipped`);
      return;
    }
    for (const o of objs) {
      local.set(s.object, o);
      this.apply(o, s.delta, s.op as 'acquire' | 'release' | 'destroy', s.call, ctx, f.name, s.line, path?.id, s.note, touched, icx.path?.deltas.find((d) => d.object === s.object)?.transferred);
    }
    this.lostInSummary(s, icx);
  }

  /**
   * A summarised in-file callee may change objects its caller cannot name (tun_destroy's
   * if_free(TUN2IFP(tp)) seen from tun_clone_destroy): apply the callee's steps on kinds the
   * caller's path has no delta for, in the caller's context.
   */
  private lostInSummary(s: Step, icx: InvocationState): void {
    const callee = this.fn(s.call);
    if (!callee || callee.name === icx.f.name || !callee.paths.length || icx.ctx.depth > MAX_DEPTH) return;
    const kinds = new Set((icx.path?.deltas ?? []).map((d) => d.kind));
    const params = this.bindingsOf(callee.name, 'helper');
    const cctx: Ctx = { ...icx.ctx, role: 'helper', outCdev: undefined, outIfnet: undefined, wantDevice: false };
    const { path } = this.choosePath(callee, cctx, params, this.evalEnv(callee, cctx, params));
    const lost = (path?.steps ?? []).filter((x) => !kinds.has(x.kind) && (x.op === 'acquire' || x.op === 'release' || x.op === 'destroy'));
    for (const x of lost) {
      const sub: InvocationState = { ...icx, f: callee, path, params, ctx: { ...cctx, via: [...icx.ctx.via, callee.name] }, local: new Map() };
      const objs = this.bind(x, sub);
      if (!objs.length) continue;
      for (const o of objs) this.apply(o, x.delta, x.op as 'acquire' | 'release' | 'destroy', x.call, sub.ctx, callee.name, x.line, path?.id, x.note ?? `in ${callee.name}(), called at line ${s.line}`, icx.touched);
    }
  }

  private apply(o: SimObject, delta: number, op: 'acquire' | 'release' | 'destroy', call: string, ctx: Ctx, fn: string, line: number, pathId?: number, note?: string, touched?: Map<SimObject, number>, stored?: boolean): void {
    if (touched && !touched.has(o)) touched.set(o, o.count);
    if (o.freed) {
      this.problems.push({ severity: 'warning', message: `${fn}() line ${line}: ${call}() on ${o.id} after it was freed (use after free)`, line });
      return;
    }
    const before = o.count;
    if (op === 'acquire') {
      const n = Math.max(1, delta);
      o.count += n;
      for (let i = 0; i < n; i++) o.holders.push({ type: 'ref', label: `${note ? `${note} (${call})` : call} at line ${line} in ${fn}`, fn, call, line, inv: ctx.inv, stored });
      this.record(o, before, 'acquire', call, { fn, line, via: ctx.via, note, path: pathId });
      return;
    }
    const n = Math.max(1, Math.abs(delta));
    for (let i = 0; i < n; i++) {
      let k = -1;
      if (op === 'destroy') k = o.holders.findIndex((h) => h.type === 'existence');
      if (k < 0) k = findLastIndex(o.holders, (h) => h.type === 'ref' && h.inv === ctx.inv);
      if (k < 0) k = findLastIndex(o.holders, (h) => h.type === 'ref' && h.fn === fn);
      if (k < 0) k = o.holders.findIndex((h) => h.type === 'ref');
      if (k < 0 && op === 'destroy') k = o.holders.findIndex((h) => h.type !== 'object');
      if (k >= 0) o.holders.splice(k, 1);
    }
    o.count -= n;
    if (op === 'destroy') { o.destroyed = true; o.destroyedBy = { fn, line }; }
    this.record(o, before, op, call, { fn, line, via: ctx.via, note, path: pathId });
    if (o.count < 0) this.problems.push({ severity: 'warning', message: `${fn}() line ${line}: ${call}() takes ${o.id} below zero (over-release)`, line });
    if (o.count <= 0 && before > 0) this.free(o, fn, line, ctx.via);
  }

  private doCall(callee: string, args: string[], line: number, icx: InvocationState): void {
    const { ctx, note, f } = icx;
    const spec = this.env.kernelCalls[callee];
    const via = [...ctx.via, callee];
    if (spec) {
      switch (spec.action) {
        case 'clone-create': {
          // the name passed is the device just made, when there is one
          const made = ctx.outCdev?.obj ?? ctx.cdev;
          const name = made?.name ?? ctx.deviceName ?? ctx.lookupName ?? this.vars.device;
          this.cloneCreate(name, { ...ctx, via, depth: ctx.depth + 1, deviceName: name, cdev: made }, note, line);
          return;
        }
        case 'clone-detach': this.cloneDetach({ ...ctx, via, depth: ctx.depth + 1 }, note, line); return;
        case 'clone-destroy': {
          const name = ctx.deviceName ?? ctx.lookupName;
          const iface = this.ifaces.find((i) => i.name === name);
          if (iface) this.cloneDestroy(iface, { ...ctx, via, depth: ctx.depth + 1 }, note, line);
          else note(`${f.name}() line ${line}: if_clone_destroy: no interface ${name ?? '?'}`);
          return;
        }
        case 'cloner-attach': {
          const v = ctx.vnet ?? this.vnets.get('vnet0');
          if (v) v.attached = true;
          note(`${f.name}() line ${line}: ${callee} attaches the cloner in ${v?.name === 'vnet0' || !v ? 'the host VNET' : `the VNET of jail ${v.name}`}`);
          return;
        }
        case 'cdevpriv': {
          const dtor = args[spec.arg ?? 1]?.replace(/^&/, '').trim();
          if (ctx.openFile && dtor && this.fn(dtor)) { ctx.openFile.dtor = dtor; note(`${f.name}() line ${line}: ${dtor}() will run when the file is closed`); }
          return;
        }
      }
    }
    // an in-file function whose effect the analyser did not fold into this path: run it too
    this.invoke(callee, { ...ctx, via: ctx.via.concat(), depth: ctx.depth + 1, role: 'helper', inv: this.newInv(ctx.inv), outCdev: undefined, outIfnet: undefined, wantDevice: false }, note);
  }

  private inconclusiveBecause(msg: string): void {
    if (this.inconclusive.includes(msg)) return;
    this.inconclusive.push(msg);
    this.problems.push({ severity: 'warning', message: msg });
  }

  // ---------------------------------------------------------------- verdicts

  private finish(): TraceResult {
    const objects: FinalObject[] = this.objects.map((o) => this.finalObject(o));
    // objects held only by leaked objects can never be freed either
    for (let changed = true; changed;) {
      changed = false;
      for (const fo of objects) {
        if (fo.state !== 'live') continue;
        const o = this.objects.find((x) => x.id === fo.id)!;
        const holders = o.holders;
        if (holders.length && holders.every((h) => h.type === 'object' && objects.find((x) => x.id === h.objectId)?.state === 'leaked')) {
          fo.state = 'leaked';
          fo.note = `held only by ${holders.map((h) => h.objectId).join(', ')}, which ${holders.length > 1 ? 'are' : 'is'} leaked`;
          changed = true;
        }
      }
    }
    const verdicts: TraceVerdict[] = [];
    for (const msg of this.inconclusive) verdicts.push({ subject: 'scenario', state: 'inconclusive', reason: msg, good: false });
    for (const p of this.problems) if (p.severity === 'error') verdicts.push({ subject: 'scenario', state: 'inconclusive', reason: p.message, good: false });
    for (const j of this.jails.values()) verdicts.push(this.jailVerdict(j, objects));
    for (const fo of objects) {
      if (fo.state !== 'leaked' || fo.kind === 'prison') continue;
      if (fo.note?.startsWith('held only by')) continue;
      const o = this.objects.find((x) => x.id === fo.id)!;
      const refs = o.holders.filter((h) => h.type === 'ref').map((h) => h.label);
      const outlived = o.outlived && !o.destroyed && !refs.length ? ` outlives kldunload ${o.outlived}` : ' is never freed';
      verdicts.push({
        subject: `${fo.kind} ${this.nameOf(fo.id)}`, state: 'leaked', good: false,
        reason: `${fo.kind} ${this.nameOf(fo.id)}${outlived}: count ${fo.count}${o.destroyed ? ` after ${this.destroyedWhere(o)}` : ''}, held by ${refs.length ? refs.join(', ') : fo.heldBy.join(', ')}${refs.length ? `, which nothing releases` : ''}`,
      });
    }
    const bad = verdicts.filter((v) => !v.good);
    // a credential a running process holds is not the scenario's to free
    const pinned = (fo: FinalObject) => fo.state === 'live' && fo.heldBy.length > 0 && this.objects.find((x) => x.id === fo.id)!.holders.every((h) => h.type === 'kernel' && /process/.test(h.label));
    const counted = objects.filter((o) => !pinned(o));
    const freedAll = counted.length > 0 && counted.every((o) => o.state === 'freed');
    if (!bad.length) {
      const removed = [...this.jails.values()].filter((j) => j.state === 'removed').map((j) => `jail ${j.name} removed`);
      const live = counted.filter((o) => o.state === 'live');
      const tail = freedAll ? 'all objects freed' : live.length ? `no leaks; still live at the end: ${live.map((o) => `${o.id} (count ${o.count})`).join(', ')}` : 'no leaks';
      verdicts.unshift({ subject: 'scenario', state: freedAll ? 'freed' : 'live', reason: [...removed, tail].join('; '), good: true });
    }
    const ok = verdicts.every((v) => v.good);
    const summary = ok ? verdicts[0].reason : (verdicts.find((v) => !v.good && v.subject.startsWith('jail')) ?? verdicts.find((v) => !v.good))!.reason;
    return {
      version: TRACE_VERSION, file: this.input.result.path, scenario: this.scenario.name, description: this.scenario.description ? expandVariables(this.scenario.description, this.vars) : undefined,
      whatIf: this.whatIf.list, facts: { ...this.facts }, events: this.events, steps: this.steps, calls: this.calls,
      final: { objects, jails: [...this.jails.values()].map((j) => ({ name: j.name, state: j.state, vnet: j.vnet, count: j.prison.count })) },
      verdicts, problems: this.problems, ok, summary,
      roles: this.roles.all.map((r) => ({ role: r.title, function: r.function, line: r.line, how: r.how })),
    };
  }

  private destroyedWhere(o: SimObject): string {
    if (!o.destroyedBy) return 'its destruction';
    const fn = o.destroyedBy.fn.startsWith('(what-if') ? 'the what-if remove method' : `${o.destroyedBy.fn}()`;
    return `destroy_dev() in ${fn}${o.destroyedBy.line ? ` (line ${o.destroyedBy.line})` : ''}`;
  }

  private nameOf(id: string): string { const o = this.objects.find((x) => x.id === id); return o ? o.name : id; }

  private finalObject(o: SimObject): FinalObject {
    let state: FinalObject['state'] = 'live';
    const refs = o.holders.filter((h) => h.type === 'ref' && !h.stored);
    if (o.count <= 0) state = 'freed';
    else if (o.destroyed || refs.length || o.outlived) state = 'leaked';
    return {
      id: o.id, kind: o.kind, count: o.count, state, heldBy: o.holders.map((h) => h.label), holds: o.holds.filter((id) => this.objects.find((x) => x.id === id && !x.freed)),
      ...(o.createdBy ? { createdBy: o.createdBy } : {}), destroyed: o.destroyed, ...(o.owner ? { owner: o.owner } : {}),
      ...(o.preexisting ? { note: 'existed before the scenario' } : {}),
    };
  }

  private jailVerdict(j: Jail, objects: FinalObject[]): TraceVerdict {
    if (j.state === 'removed') return { subject: `jail ${j.name}`, state: 'removed', reason: `jail ${j.name} removed`, good: true };
    if (j.state === 'alive') return { subject: `jail ${j.name}`, state: 'alive', reason: `jail ${j.name} is still running (the scenario does not remove it)`, good: true };
    // DYING: follow what holds the prison down to an object that is not held by another object
    const chain: SimObject[] = [j.prison];
    let cur: SimObject = j.prison;
    for (let k = 0; k < 8; k++) {
      const h = cur.holders.find((x) => x.type === 'object' && x.objectId);
      if (!h) break;
      const next = this.objects.find((x) => x.id === h.objectId);
      if (!next || chain.includes(next)) break;
      chain.push(next);
      cur = next;
    }
    const leaf = chain[chain.length - 1];
    const words = chain.map((o) => (o.kind === 'prison' ? 'prison' : o.kind === 'ucred' ? 'ucred' : `${o.kind} ${o.name}`)).join(' <- ');
    let why: string;
    if (leaf === j.prison) {
      why = `jail ${j.name} stays DYING: prison ${j.name}, count ${j.prison.count} (${j.prison.holders.map((h) => h.label).join(', ') || 'no holder recorded'})`;
    } else {
      const parts: string[] = [];
      const ex = leaf.holders.filter((h) => h.type === 'existence');
      const refs = leaf.holders.filter((h) => h.type === 'ref');
      const other = leaf.holders.filter((h) => h.type === 'kernel' || h.type === 'object');
      if (ex.length) parts.push('existence');
      if (refs.length) {
        const calls = [...new Set(refs.map((r) => r.call ?? 'ref'))];
        const fns = [...new Set(refs.map((r) => r.fn ?? '?'))];
        const what = calls.length === 1 ? `the ${calls[0]}${refs.length > 1 ? 's' : ''} in ${andList(fns)}` : refs.map((r) => `${r.call} in ${r.fn} (line ${r.line})`).join(', ');
        parts.push(`${parts.length ? 'plus ' : ''}${what} that nothing releases`);
      }
      for (const o of other) parts.push(o.label);
      why = `jail ${j.name} stays DYING: ${words}, count ${leaf.count} (${parts.join(', ')})`;
      const methods = (this.roles.byRole.get('jail-remove') ?? []);
      if (!methods.length) why += `, and no PR_METHOD_REMOVE method destroys it`;
      else if (leaf.destroyed) why += `; ${this.destroyedWhere(leaf)} dropped only the existence reference: the leaked references outlive it`;
      else why += `, and the PR_METHOD_REMOVE method${methods.length > 1 ? 's' : ''} ${andList(methods.map((m) => m.synthetic ? '(what-if)' : m.function + '()'))} do${methods.length > 1 ? '' : 'es'} not destroy it`;
    }
    void objects;
    return { subject: `jail ${j.name}`, state: 'dying', reason: why, good: false };
  }
}

interface InvocationState {
  f: FunctionResult;
  path?: PathClass;
  params: { p: Param; b: ParamBinding }[];
  ctx: Ctx;
  local: Map<string, SimObject>;
  touched: Map<SimObject, number>;
  call: TraceCall;
  note: (s: string) => void;
}

function findLastIndex<T>(a: T[], p: (x: T) => boolean): number {
  for (let i = a.length - 1; i >= 0; i--) if (p(a[i])) return i;
  return -1;
}

function andList(xs: string[]): string {
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}
