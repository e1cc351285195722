/**
 * The simulated kernel's state during one trace: counted objects and who holds them, jails,
 * VNETs, interfaces, open files, and the record the trace is made of (steps, calls, events,
 * problems). The parts of the simulator (sim.ts) read and change it; none of them keeps state
 * of its own.
 */
import { nameTable } from '../../analysis/tables';
import type { CallSite, FunctionResult, PathClass } from '../../analysis/result';
import type { EnvironmentModel, ParamBinding, RoleSpec } from '../environment';
import type { FileRoles, Param } from '../registrations';
import type { Scenario } from '../scenario';
import type { SourceText } from '../source';
import type { TraceCall, TraceEventRecord, TraceProblem, TraceStep } from '../types';
import type { WhatIf } from '../whatif';

export interface Holder {
  label: string;
  type: 'existence' | 'ref' | 'kernel' | 'object';
  fn?: string;
  call?: string;
  line?: number;
  inv: number;
  objectId?: string;
  stored?: boolean;
}

export interface SimObject {
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

export interface Vnet {
  name: string;
  alive: boolean;
  attached: boolean;
}
export interface Iface {
  name: string;
  vnet: string;
  cdev?: SimObject;
  ifnet?: SimObject;
  createFn: string;
  group?: string;
}
export interface Jail {
  name: string;
  vnet: boolean;
  persist: boolean;
  state: 'alive' | 'dying' | 'removed';
  processes: number;
  prison: SimObject;
  cred?: SimObject;
  removeRan: string[];
}
export interface OpenFile {
  device: string;
  cdev: SimObject;
  dtor?: string;
  holder?: Holder;
}

/** Where a function called with an out-parameter (struct cdev **) leaves its object. */
export interface Slot {
  obj?: SimObject;
}

/** What the kernel (or the calling function) hands one invocation of a function of the file. */
export interface Ctx {
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

/** A parameter of a function of the file and what the kernel passes for it. */
export interface BoundParam {
  p: Param;
  b: ParamBinding;
}

/** One running function of the file: its chosen path and the objects its access paths name. */
export interface InvocationState {
  f: FunctionResult;
  path?: PathClass;
  params: BoundParam[];
  ctx: Ctx;
  local: Map<string, SimObject>;
  touched: Map<SimObject, number>;
  call: TraceCall;
  note: Note;
}

/** Adds a line to the running event's notes. */
export type Note = (s: string) => void;

/** Calls nested deeper than this stop (a note says so). */
export const MAX_DEPTH = 12;

/** An environment's role specs by id, the first of each id (every invocation looks its role up). */
const roleSpecs = new WeakMap<EnvironmentModel, { roles: readonly RoleSpec[]; byId: Map<string, RoleSpec> }>();

function roleSpecsOf(env: EnvironmentModel): Map<string, RoleSpec> {
  let known = roleSpecs.get(env);
  if (known?.roles !== env.roles) {
    const byId = new Map<string, RoleSpec>();
    for (const r of env.roles) if (!byId.has(r.id)) byId.set(r.id, r);
    roleSpecs.set(env, (known = { roles: env.roles, byId }));
  }
  return known.byId;
}

/** A function's calls by line, once per result (the scenarios over one result read the same; never changed). */
const callsByLine = new WeakMap<FunctionResult, Map<number, CallSite[]>>();

export class World {
  readonly objects: SimObject[] = [];
  readonly steps: TraceStep[] = [];
  readonly calls: TraceCall[] = [];
  readonly events: TraceEventRecord[] = [];
  readonly problems: TraceProblem[] = [];
  readonly facts = nameTable<string>();
  readonly jails = new Map<string, Jail>();
  readonly vnets = new Map<string, Vnet>();
  readonly ifaces: Iface[] = [];
  readonly openFiles: OpenFile[] = [];
  /** Objects stored in file-scope variables, by the access path they were stored at. */
  readonly globals = new Map<string, SimObject>();
  /** Names declared at file scope (shared by the runs over one text and result: never changed). */
  globalNames: ReadonlySet<string> = new Set<string>();
  readonly inconclusive: string[] = [];
  roles!: FileRoles;
  scenario!: Scenario;
  vars = nameTable<string>();
  eventIndex = 0;
  eventText = '';
  hostCred?: SimObject;
  moduleLoaded = true;
  warnedNoReg = false;
  private invParent = new Map<number, number>();
  private nextInv = 1;

  constructor(
    readonly env: EnvironmentModel,
    readonly src: SourceText,
    readonly whatIf: WhatIf,
  ) {}

  fn(name: string): FunctionResult | undefined {
    return this.roles.functions.get(name);
  }

  roleSpec(id: string): RoleSpec | undefined {
    return roleSpecsOf(this.env).get(id);
  }

  /** The calls of `f` whose callee is on `line`, in the order written. */
  callsOn(f: FunctionResult, line: number): CallSite[] {
    let byLine = callsByLine.get(f);
    if (!byLine) {
      byLine = new Map();
      for (const c of f.calls ?? []) byLine.set(c.line, [...(byLine.get(c.line) ?? []), c]);
      callsByLine.set(f, byLine);
    }
    return byLine.get(line) ?? [];
  }

  /** A step's place in words (TraceStep.where): the file's function and line, and who acted if the kernel did. */
  placeOf(fn: string, line: number, kernel: boolean): string {
    if (line <= 0) return kernel && fn !== 'kernel' ? `${fn} (kernel)` : fn;
    if (!kernel) return `${fn}() line ${line}`;
    return `${this.fn(fn) ? 'kernel' : fn}, at ${this.functionAt(line) ?? fn}() line ${line}`;
  }

  /** "the host VNET", "the VNET of jail test". */
  vnetWords(v: Vnet | undefined): string {
    return !v || v.name === 'vnet0' ? 'the host VNET' : `the VNET of jail ${v.name}`;
  }

  /** The function of the file whose definition holds `line`. */
  private functionAt(line: number): string | undefined {
    for (const f of this.roles.functions.values()) if (f.range.line <= line && line <= f.range.endLine) return f.name;
    return undefined;
  }

  /** A new invocation id under `parent` (0: a kernel operation). */
  newInv(parent: number): number {
    const id = this.nextInv++;
    this.invParent.set(id, parent);
    return id;
  }

  /** `root` and every invocation under it. */
  subtree(root: number): Set<number> {
    const out = new Set<number>([root]);
    for (let changed = true; changed; ) {
      changed = false;
      for (const [k, p] of this.invParent)
        if (out.has(p) && !out.has(k)) {
          out.add(k);
          changed = true;
        }
    }
    return out;
  }

  inconclusiveBecause(msg: string): void {
    if (this.inconclusive.includes(msg)) return;
    this.inconclusive.push(msg);
    this.problems.push({ severity: 'warning', message: msg });
  }

  liveCdev(name: string): SimObject | undefined {
    return this.objects.find((o) => o.kind === 'cdev' && o.name === name && !o.freed && !o.destroyed);
  }

  /** A device or interface name without its unit number ("tun0" -> "tun"). */
  base(name: string): string {
    return name.replace(/\d+$/, '');
  }

  hasUnit(name: string): boolean {
    return /\d$/.test(name);
  }

  /** The first unit of `base` no live device or interface has. */
  freeUnit(base: string): string {
    for (let u = 0; u < 10000; u++) {
      const n = `${base}${u}`;
      if (
        !this.objects.some((o) => o.name === n && !o.freed && !(o.destroyed && o.kind === 'cdev')) &&
        !this.ifaces.some((i) => i.name === n)
      )
        return n;
    }
    return `${base}0`;
  }
}
