/**
 * The lifecycle simulator: runs a scenario's kernel events over the analysed file. The kernel
 * side comes from the environment model (environment.ts); the file's side is the analyser's
 * per-function path classes: for each function the kernel (or another function) calls, the
 * simulator chooses one path class by the scenario's facts, the values the kernel passes and
 * what the event needs, then applies that path's counted steps to simulated objects and
 * carries out the kernel calls on its lines (if_clone_create, if_clone_detach, ...).
 * This module sets a run up and dispatches the scenario's events; the parts are in
 * simulation/ (sim.ts lists them).
 */
import { nameTable } from '../analysis/tables';
import { remembered } from '../analysis/memo';
import type { FileResult } from '../analysis/result';
import { FREEBSD_ENVIRONMENT, type EnvironmentModel } from './environment';
import { rolesOf, type DiscoveredRole } from './registrations';
import {
  KNOWN_FACTS,
  expandVariables,
  parseEventLine,
  parseScenario,
  type LocatedEvent,
  type Scenario,
  type ScenarioError,
} from './scenario';
import { BUILTIN_SCENARIOS, builtinScenario } from './builtin-scenarios';
import { SourceText } from './source';
import type { TraceEventRecord, TraceResult } from './types';
import { parseWhatIf } from './whatif';
import type { Sim } from './simulation/sim';
import { World } from './simulation/world';
import { Counts } from './simulation/counts';
import { Bindings } from './simulation/bindings';
import { PathChoice } from './simulation/path-choice';
import { PathSteps } from './simulation/path-steps';
import { Invoker } from './simulation/invocation';
import { Cloners } from './simulation/cloners';
import { KernelEvents } from './simulation/kernel-events';
import { finishTrace } from './simulation/verdicts';

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

export function runTrace(input: TraceInput): TraceResult {
  return new Simulator(input).run();
}

const BUILTIN_NAMES = BUILTIN_SCENARIOS.map((b) => b.name).join(', ');

/** The built-ins parsed once (a diff runs each over both sides; the editor on every trace). */
const builtinsParsed = new Map<string, { scenario: Scenario; errors: ScenarioError[] }>();

/** Resolve a scenario argument: a built-in name, or scenario text. */
export function resolveScenario(
  s: string | Scenario,
  fallbackName = 'scenario',
): { scenario: Scenario; errors: ScenarioError[] } {
  if (typeof s !== 'string') return { scenario: s, errors: [] };
  const b = builtinScenario(s.trim());
  if (b) {
    let parsed = builtinsParsed.get(b.name);
    if (!parsed) builtinsParsed.set(b.name, (parsed = parseScenario(b.text, b.name)));
    // a run adds the what-if's facts to its scenario's: each run gets its own table
    return { scenario: { ...parsed.scenario, facts: nameTable(parsed.scenario.facts) }, errors: parsed.errors };
  }
  if (!/\s/.test(s.trim()) && !s.trim().startsWith('{') && 'error' in parseEventLine(s.trim())) {
    return {
      scenario: { name: s.trim(), events: [], facts: nameTable<string>() },
      errors: [
        {
          line: 1,
          column: 0,
          severity: 'error',
          message: `no built-in scenario "${s.trim()}" (built-ins: ${BUILTIN_NAMES}), and it is not scenario text`,
        },
      ],
    };
  }
  return parseScenario(s, fallbackName);
}

/**
 * Each event with a run's variables put in, by event and variables: a scenario's events are
 * parsed once and run over every file (and both sides of a diff). Read only: nothing keeps or
 * changes an event. `key`: `vars` as JSON, made once per run by the caller.
 */
const expandedEvents = new WeakMap<LocatedEvent, Map<string, LocatedEvent>>();

function withVariables(ev: LocatedEvent, vars: Record<string, string>, key: string): LocatedEvent {
  let byVars = expandedEvents.get(ev);
  if (!byVars) expandedEvents.set(ev, (byVars = new Map()));
  return remembered(byVars, key, 64, () => JSON.parse(expandVariables(JSON.stringify(ev), vars)) as LocatedEvent);
}

/**
 * The implicit kldload before a scenario, one event per module name, so that `withVariables`
 * finds its expansion by event as it does for the scenario's own (a new event per run missed it).
 */
const implicitLoads = new Map<string, LocatedEvent>();

function implicitLoad(module: string): LocatedEvent {
  return remembered(
    implicitLoads,
    module,
    64,
    () =>
      ({
        do: 'kldload',
        module,
        line: 0,
        text: `kldload ${module} (implicit: the module is loaded before the scenario)`,
      }) as LocatedEvent,
  );
}

class Simulator implements Sim {
  readonly world: World;
  readonly counts: Counts = new Counts(this);
  readonly bindings: Bindings = new Bindings(this);
  readonly choice: PathChoice = new PathChoice(this);
  readonly pathSteps: PathSteps = new PathSteps(this);
  readonly invoker: Invoker = new Invoker(this);
  readonly cloners: Cloners = new Cloners(this);
  readonly kernel: KernelEvents = new KernelEvents(this);

  constructor(private input: TraceInput) {
    this.world = new World(
      input.env ?? FREEBSD_ENVIRONMENT,
      SourceText.of(input.text),
      parseWhatIf(input.whatIf ?? []),
    );
  }

  run(): TraceResult {
    const w = this.world;
    const { scenario, errors } = resolveScenario(this.input.scenario, this.input.scenarioName);
    w.scenario = scenario;
    for (const e of errors)
      w.problems.push({ severity: e.severity, message: `scenario line ${e.line}: ${e.message}`, scenarioLine: e.line });
    for (const p of w.whatIf.problems) w.problems.push({ severity: 'error', message: p });
    for (const [k, v] of Object.entries(KNOWN_FACTS)) w.facts[k] = v.default;
    const result = this.input.result;
    if (result.error) w.problems.push({ severity: 'error', message: `the file was not analysed: ${result.error}` });
    else if (result.functions.some((f) => !f.params || !f.calls))
      w.problems.push({
        severity: 'error',
        message: "the analysis does not give the functions' parameters and calls (the analyzer's callSites option)",
      });
    const fatal = w.problems.some((p) => p.severity === 'error');
    w.roles = rolesOf(result, w.src, w.env);
    if (w.whatIf.addRemoveMethod) {
      const r: DiscoveredRole = {
        role: 'jail-remove',
        title: 'jail PR_METHOD_REMOVE method (what-if)',
        function: '(what-if remove method)',
        line: 0,
        how: "what-if add-remove-method: a PR_METHOD_REMOVE method that detaches the cloners of the jail's VNET",
        synthetic: true,
      };
      w.roles.all.push(r);
      w.roles.byRole.set('jail-remove', [...(w.roles.byRole.get('jail-remove') ?? []), r]);
    }
    w.vars = nameTable({
      device: w.roles.deviceNames[0] ?? this.deviceFromRoles() ?? 'dev',
      module: w.roles.modules[0]?.name ?? (result.path.split(/[\\/]/).pop() ?? 'module').replace(/\.c$/, ''),
    });
    this.bindings.findGlobals(result);
    if (!fatal) {
      if (w.src.includesLinux)
        w.inconclusiveBecause(
          'lifecycle scenarios model the FreeBSD kernel; this file looks like Linux code (it includes <linux/...>)',
        );
      const kernelCalled = w.roles.all.filter((r) => !r.synthetic);
      if (!kernelCalled.length) {
        w.inconclusiveBecause(
          'this file registers nothing the kernel calls: no EVENTHANDLER_REGISTER(dev_clone, ...), ' +
            'osd_jail_register method, SYSINIT/VNET_SYSINIT, cloner create/destroy function or ' +
            'cdevsw entry was found, so no scenario event reaches its functions',
        );
        w.warnedNoReg = true;
      }
      for (const [k, v] of Object.entries(w.whatIf.facts)) scenario.facts[k] = v;
      for (const [k, v] of Object.entries(scenario.facts)) w.facts[k] = v;
      w.vnets.set('vnet0', { name: 'vnet0', alive: true, attached: false });
      const first = scenario.events.find((e) => e.do !== 'fact');
      // withVariables' key, once per run: a run's variables do not change
      const key = JSON.stringify(w.vars);
      if (first && first.do !== 'kldload') this.runEvent(implicitLoad(w.vars.module), true, key);
      for (const ev of scenario.events) this.runEvent(ev, false, key);
    }
    return finishTrace(w, result.path);
  }

  private runEvent(ev0: LocatedEvent, implicit: boolean, varsKey: string): void {
    const w = this.world;
    const k = this.kernel;
    const ev = withVariables(ev0, w.vars, varsKey);
    if (ev.do === 'fact') {
      if (!(ev.key in w.whatIf.facts)) w.facts[ev.key] = ev.value;
      return;
    }
    w.eventIndex = w.events.length;
    w.eventText = ev.text;
    const rec: TraceEventRecord = {
      index: w.eventIndex,
      text: ev.text,
      scenarioLine: ev.line,
      firstSeq: w.steps.length + 1,
      lastSeq: w.steps.length,
      notes: [],
      noteAfter: [],
    };
    w.events.push(rec);
    const note = (s: string) => {
      rec.notes.push(s);
      rec.noteAfter.push(w.steps.length);
    };
    try {
      if (!w.moduleLoaded && !['kldload', 'jls', 'jail-create', 'jail-remove', 'process-exit'].includes(ev.do))
        note(`the module is unloaded: none of this file's functions run`);
      else
        switch (ev.do) {
          case 'jail-create':
            k.jailCreate(ev.jail, ev.vnet, ev.persist, note);
            break;
          case 'jail-remove': {
            const j = k.jail(ev.jail, note);
            if (j) k.jailRemove(j, 'jail remove', note);
            break;
          }
          case 'process-exit': {
            const j = k.jail(ev.jail, note);
            if (j) k.processExit(j, note);
            break;
          }
          case 'lookup':
            k.devfsLookup(ev.device, k.optJail(ev.jail, note), note);
            break;
          case 'open':
            k.open(ev.device, k.optJail(ev.jail, note), note);
            break;
          case 'close':
            k.close(ev.device, note);
            break;
          case 'ifconfig-create':
            k.ifconfigCreate(ev.iface, k.optJail(ev.jail, note), note);
            break;
          case 'ifconfig-destroy':
            k.ifconfigDestroy(ev.iface, k.optJail(ev.jail, note), note);
            break;
          case 'kldload':
            k.moduleLoad(ev.module, implicit, note);
            break;
          case 'kldunload':
            k.moduleUnload(ev.module, note);
            break;
          case 'jls':
            k.jls(ev.dying, note);
            break;
        }
    } catch (e) {
      w.problems.push({
        severity: 'error',
        message: `internal error while simulating "${ev.text}": ${(e as Error).message}`,
        scenarioLine: ev.line,
      });
    }
    rec.lastSeq = w.steps.length;
  }

  /** Without a declared device name: the prefix of the dev_clone handler or cloner ("tunclone" -> tun). */
  private deviceFromRoles(): string | undefined {
    for (const role of ['devfs-lookup', 'cloner-create']) {
      for (const r of this.world.roles.byRole.get(role) ?? []) {
        const m = /^([a-z]+?)_?(?:dev)?clone/i.exec(r.function) ?? /^([a-z]+)_/i.exec(r.function);
        if (m && m[1].length >= 2) return m[1];
      }
    }
    return undefined;
  }
}
