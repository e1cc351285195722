/**
 * The kernel environment model, as data: which of a file's functions the kernel calls and
 * with what, what the kernel does around those calls, what a freed object releases, and how
 * branch conditions read against a scenario's facts. The simulator (simulator.ts) interprets
 * these tables; nothing here names a driver. Sources: make_dev(9), dev_clone(9), osd(9),
 * jail(8), kern_conf.c, devfs_vnops.c, if_clone.c, kern_jail.c (see
 * docs in shared/kernel-refcount-notes.md for the facts each entry encodes).
 */

/** What the kernel hands a role for one of its parameters (chosen by the parameter's declared type). */
export type ParamBinding = 'cred' | 'cdev' | 'cdev-out' | 'ifnet' | 'ifnet-out' | 'name' | 'prison' | 'value' | 'none';

import { nameTable } from '../analysis/tables';

export interface RoleSpec {
  /** Our id for the role: what an environment operation invokes. */
  id: string;
  title: string;
  /** `event` values of the analyser's registrations (from the model presets) that give this role. */
  registrationEvents?: string[];
  /** Function-pointer fields (regex sources) that give this role: `.create_f = fn`, `[PR_METHOD_REMOVE] = fn`. */
  bindingFields?: string[];
  /** Regexes over the masked source whose group 1 names a function with this role. */
  textPatterns?: string[];
  /** Fallback when nothing registers one: a parameter list shape (type regexes, in order; `...` for any). */
  signature?: string[];
  /** Parameters by position that the type rules cannot tell (void *obj of an OSD method is the prison). */
  params?: Record<number, ParamBinding>;
  /** What the kernel passes, as facts about parameters on entry (for path choice). */
  entry?: string;
}

export interface KernelCallSpec {
  /** What the simulator does when a path of the file passes a call of it. */
  action: 'clone-create' | 'clone-detach' | 'clone-destroy' | 'cloner-attach' | 'cdevpriv';
  /** Argument holding the interface name / the callback. */
  arg?: number;
  doc: string;
}

export interface ConditionRule {
  /** The callee (regex source) whose return value the condition tests. */
  call: string;
  /** What its return value is: zero when the fact has the value, or a check on the simulation. */
  zeroWhen?: { fact: string; value: string };
  /** Succeeds (0 for an int, non-NULL for a pointer) when the fact has the value. */
  succeedsWhen?: { fact: string; value: string };
  /** Returns 1 when the looked-up name is `arg` (a string or a string constant) or `arg` plus a unit number. */
  oneWhenNameMatches?: number;
  /** Returns 0 when the looked-up name equals argument `arg`. */
  zeroWhenNameEquals?: number;
  /** The simulation knows better than a fact: does the device being looked up exist now? */
  dynamic?: 'device-exists';
  doc: string;
}

export interface KindSpec {
  title: string;
  counter: string;
  /** The object's first reference is its existence (dropped by a destroy, not a release). */
  existence: boolean;
  /** A new object of this kind holds a reference on this kind from its creator's context. */
  holdsFromCreator?: { kind: string; call: string; when: 'creator-has-credential' | 'always'; note: string };
  /** When the count reaches 0, what the kernel releases. */
  onFree?: { call: string; note: string };
}

export interface EnvironmentModel {
  name: string;
  roles: RoleSpec[];
  /** Declared parameter types (regex sources over the normalised type) to what the kernel passes. */
  paramTypes: { type: string; binds: ParamBinding }[];
  kernelCalls: Record<string, KernelCallSpec>;
  conditionRules: ConditionRule[];
  kinds: Record<string, KindSpec>;
  /** Documentation of the kernel operations the scenario events run (shown with the trace's notes). */
  operations: Record<string, { doc: string; invokes?: string[]; after?: { call: string; kind: string; note: string } }>;
  /** Scenario events to operations, in order. */
  events: Record<string, string[]>;
  /** Where a file declares its device names: field names whose value is the name. */
  deviceNameFields: string[];
  /** Kernel calls whose string argument (index) names a device the file makes or answers to. */
  deviceNameCalls: Record<string, number>;
  /** Module name declarations: regex sources, group 1 the module name, group 2 the event handler (optional). */
  moduleDeclarations: string[];
  /** Values passed to the module event handler. */
  moduleEvents: { load: string; unload: string };
  /** Return classes that mean success. */
  successReturns: string[];
}

export const FREEBSD_ENVIRONMENT: EnvironmentModel = {
  name: 'freebsd',
  roles: [
    {
      id: 'devfs-lookup',
      title: 'dev_clone handler',
      registrationEvents: ['devfs-lookup'],
      entry:
        "devfs passes the looking thread's credential and *dev == NULL " +
        '(EVENTHANDLER_INVOKE(dev_clone, cred, name, len, &cdev))',
    },
    {
      id: 'cloner-create',
      title: 'ifnet cloner create function',
      registrationEvents: ['ifnet-clone-create'],
      bindingFields: ['^create_f$', '^ifc_create$', 'clone_create', '^create$'],
      signature: ['struct if_clone \\*', '...', 'struct ifnet \\*\\*'],
    },
    {
      id: 'cloner-destroy',
      title: 'ifnet cloner destroy function',
      registrationEvents: ['ifnet-clone-destroy'],
      bindingFields: ['^destroy_f$', '^ifc_destroy$', 'clone_destroy', '^destroy$'],
      signature: ['struct if_clone \\*', 'struct ifnet \\*', '...'],
    },
    {
      id: 'jail-remove',
      title: 'jail PR_METHOD_REMOVE method',
      bindingFields: ['^PR_METHOD_REMOVE$'],
      params: { 0: 'prison', 1: 'none' },
    },
    { id: 'jail-osd-destroy', title: 'jail OSD destructor', registrationEvents: ['jail-osd-destroy'] },
    { id: 'vnet-init', title: 'VNET_SYSINIT function', registrationEvents: ['vnet-init'] },
    { id: 'vnet-uninit', title: 'VNET_SYSUNINIT function', registrationEvents: ['vnet-uninit'] },
    { id: 'module-init', title: 'SYSINIT function', registrationEvents: ['module-init'] },
    { id: 'module-uninit', title: 'SYSUNINIT function', registrationEvents: ['module-uninit'] },
    {
      id: 'modevent',
      title: 'module event handler',
      textPatterns: [
        '\\bmoduledata_t\\s+\\w+\\s*=\\s*\\{\\s*"[^"]*"\\s*,\\s*([A-Za-z_]\\w*)',
        '\\.evhand\\s*=\\s*([A-Za-z_]\\w*)',
      ],
      params: { 1: 'value' },
    },
    { id: 'd_open', title: 'cdevsw d_open', bindingFields: ['^d_open$'] },
    { id: 'd_close', title: 'cdevsw d_close', bindingFields: ['^d_close$'] },
  ],
  paramTypes: [
    { type: '^(const )?struct ucred \\*$', binds: 'cred' },
    { type: '^struct cdev \\*\\*$', binds: 'cdev-out' },
    { type: '^struct cdev \\*$', binds: 'cdev' },
    { type: '^(if_t \\*|struct ifnet \\*\\*)$', binds: 'ifnet-out' },
    { type: '^(if_t|struct ifnet \\*)$', binds: 'ifnet' },
    { type: '^(const )?char \\*$', binds: 'name' },
    { type: '^struct prison \\*$', binds: 'prison' },
  ],
  kernelCalls: nameTable({
    if_clone_create: {
      action: 'clone-create',
      arg: 0,
      doc: 'if_clone_create(name, len, params) runs the create function of the cloner that matches the name',
    },
    if_clone_detach: {
      action: 'clone-detach',
      doc:
        "if_clone_detach(ifc) runs the cloner's destroy function on each of its interfaces in the " +
        'current VNET, then detaches it',
    },
    if_clone_destroy: {
      action: 'clone-destroy',
      arg: 0,
      doc: "if_clone_destroy(name) runs the destroy function of the interface's cloner",
    },
    ifc_attach_cloner: {
      action: 'cloner-attach',
      doc: 'attaches a cloner (its create/destroy functions) to the current VNET',
    },
    if_clone_simple: { action: 'cloner-attach', doc: 'attaches a simple cloner to the current VNET' },
    if_clone_advanced: { action: 'cloner-attach', doc: 'attaches an advanced cloner to the current VNET' },
    devfs_set_cdevpriv: {
      action: 'cdevpriv',
      arg: 1,
      doc: 'devfs_set_cdevpriv(priv, dtor): devfs calls dtor(priv) when the file is closed',
    },
  }),
  conditionRules: [
    {
      call: '^clone_create$',
      zeroWhen: { fact: 'device exists', value: 'yes' },
      dynamic: 'device-exists',
      doc:
        'clone_create() returns 0 with an existing device in *dev (no reference), non-zero after ' +
        'reserving a new unit',
    },
    {
      call: '^priv_check(_cred)?$',
      zeroWhen: { fact: 'privileged', value: 'yes' },
      doc: 'priv_check()/priv_check_cred() return 0 when the credential holds the privilege',
    },
    {
      call: '^dev_stdclone$',
      oneWhenNameMatches: 2,
      doc: 'dev_stdclone(name, NULL, base, &unit) returns 1 when name is base or base followed by a unit number',
    },
    { call: '^(strcmp|strncmp)$', zeroWhenNameEquals: 1, doc: 'strcmp(name, x) is 0 when the looked-up name equals x' },
    {
      call: '^(make_dev_s|make_dev_p|make_dev_alias_p|malloc|if_alloc|uma_zalloc|alloc_unr|alloc_unr_specific)$',
      succeedsWhen: { fact: 'allocation fails', value: 'no' },
      doc: 'allocations succeed unless the scenario says they fail',
    },
  ],
  kinds: nameTable({
    cdev: {
      title: 'cdev',
      counter: 'si_refcount',
      existence: true,
      holdsFromCreator: {
        kind: 'ucred',
        call: 'crhold',
        when: 'creator-has-credential',
        note: 'make_dev_s() keeps args.mda_cr as si_cred (crhold)',
      },
      onFree: { call: 'crfree', note: 'a freed cdev releases its credential (si_cred)' },
    },
    ucred: {
      title: 'ucred',
      counter: 'cr_ref',
      existence: false,
      holdsFromCreator: {
        kind: 'prison',
        call: 'prison_hold',
        when: 'always',
        note: 'a credential holds its prison (cr_prison)',
      },
      onFree: { call: 'prison_free', note: 'a freed credential releases its prison' },
    },
    prison: { title: 'prison', counter: 'pr_ref', existence: true },
    ifnet: { title: 'ifnet', counter: 'if_refcount', existence: true },
  }),
  operations: nameTable({
    'prison-create': { doc: 'kern_jail_set(): a new prison; the jail itself holds a reference until it is removed' },
    'vnet-create': {
      doc: 'vnet_alloc(): a VNET jail gets its own network stack; every VNET_SYSINIT runs in it',
      invokes: ['vnet-init'],
    },
    'process-start': {
      doc:
        "the jail's command runs with a credential of the jail (cr_ref 1, held by the process), " +
        'which holds the prison',
    },
    'process-exit': {
      doc:
        "exit(): the process drops its credential (crfree); the jail's last process leaving " +
        'removes a jail that is not persistent',
    },
    'jail-remove': {
      doc:
        'prison_deref(): the PR_METHOD_REMOVE methods run (osd_jail_call), the jail drops its own ' +
        'reference and stays DYING (jls -d) until pr_ref reaches 0',
      invokes: ['jail-remove'],
    },
    'prison-free': {
      doc:
        "pr_ref reached 0: the prison is freed; a VNET jail's network stack is destroyed " +
        '(vnet_destroy), running every VNET_SYSUNINIT in it',
      invokes: ['vnet-uninit', 'jail-osd-destroy'],
    },
    'devfs-lookup': {
      doc:
        'devfs_lookupx(): the name is not in /dev, so devfs runs the dev_clone handlers with the ' +
        "thread's credential and *dev == NULL; the first device returned is entered, and devfs drops " +
        'the reference the handler handed it',
      invokes: ['devfs-lookup'],
      after: {
        call: 'dev_rel',
        kind: 'cdev',
        note: 'devfs_lookupx() releases the device the dev_clone handler returned',
      },
    },
    'devfs-open': {
      doc: 'devfs_open(): the vnode holds the cdev (dev_ref in devfs_allocv) and d_open runs',
      invokes: ['d_open'],
    },
    'devfs-close': {
      doc: 'devfs_close(): d_close and the cdevpriv destructor run; the vnode lets the cdev go (dev_rel at reclaim)',
      invokes: ['d_close'],
    },
    'clone-create': {
      doc: "if_clone_create(): the cloner's create function makes the interface in the current VNET",
      invokes: ['cloner-create'],
    },
    'clone-destroy': {
      doc: "if_clone_destroy(): the interface's cloner destroy function runs",
      invokes: ['cloner-destroy'],
    },
    'clone-detach': {
      doc: 'if_clone_detach(): the destroy function runs on each interface of the cloner in the current VNET',
      invokes: ['cloner-destroy'],
    },
    'module-load': {
      doc: 'kldload: SYSINITs, the module event handler with MOD_LOAD, VNET_SYSINITs in every VNET',
      invokes: ['module-init', 'modevent', 'vnet-init'],
    },
    'module-unload': {
      doc:
        'kldunload: the module event handler with MOD_UNLOAD, then every VNET_SYSUNINIT in every ' +
        'VNET, then the SYSUNINITs',
      invokes: ['modevent', 'vnet-uninit', 'module-uninit'],
    },
    jls: { doc: 'jls -d lists jails that are still DYING' },
  }),
  events: nameTable({
    'jail-create': ['prison-create', 'vnet-create', 'process-start'],
    'jail-remove': ['jail-remove'],
    'process-exit': ['process-exit'],
    lookup: ['devfs-lookup'],
    open: ['devfs-lookup', 'devfs-open'],
    close: ['devfs-close'],
    'ifconfig-create': ['clone-create'],
    'ifconfig-destroy': ['clone-destroy'],
    kldload: ['module-load'],
    kldunload: ['module-unload'],
    jls: ['jls'],
  }),
  deviceNameFields: ['d_name'],
  deviceNameCalls: nameTable({
    make_dev_s: 2,
    make_dev: 5,
    make_dev_cred: 6,
    make_dev_credf: 7,
    make_dev_p: 7,
    dev_stdclone: 2,
    ifc_attach_cloner: 0,
    if_clone_simple: 0,
    if_clone_advanced: 0,
  }),
  moduleDeclarations: [
    '\\bmoduledata_t\\s+\\w+\\s*=\\s*\\{\\s*"([^"]+)"\\s*,\\s*([A-Za-z_]\\w*)?',
    '\\bDECLARE_MODULE\\s*\\(\\s*([A-Za-z_]\\w*)',
    '\\bDEV_MODULE\\s*\\(\\s*([A-Za-z_]\\w*)\\s*,\\s*([A-Za-z_]\\w*)',
  ],
  moduleEvents: { load: 'MOD_LOAD', unload: 'MOD_UNLOAD' },
  successReturns: ['0', 'void', 'non-NULL'],
};
