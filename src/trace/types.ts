/**
 * The lifecycle trace's output: what the CLI prints with `trace --format json`, what the
 * server returns for `refcountLens/trace` and what the webview draws. Lines are 1-based.
 * Add fields freely; never rename or remove one (bump TRACE_VERSION).
 */

export const TRACE_VERSION = 1;

/** One change of a simulated object's count. */
export interface TraceStep {
  seq: number;
  /** The scenario event, as written: "lookup /dev/tun in test". */
  event: string;
  /** Index of the event in `events`. */
  eventIndex: number;
  /** The analysed function whose path made the change, or the kernel part that did ("devfs"). */
  function: string;
  /** The line in the analysed file the step belongs to (for kernel steps: the line that led to it). */
  line: number;
  /**
   * Where it happens, in words (`line` is always a line of the analysed file):
   * "vtx_clone() line 113", "devfs, at vtx_clone() line 116" (the kernel, after a line of the
   * file), "jail (kernel)" (no line of the file led to it).
   */
  where: string;
  /** The simulated object: "tun0", "ucred test", "prison test", "ifnet tun0". */
  object: string;
  kind: string;
  before: number;
  after: number;
  op: 'create' | 'acquire' | 'release' | 'destroy' | 'free';
  /** The call that changed the count: dev_ref, make_dev_s, dev_rel, crfree. */
  call: string;
  /** Label: "MAKEDEV_REF", "devfs releases the device it looked up". */
  note?: string;
  /** True when the kernel environment did it, not a line of the file. */
  kernel?: boolean;
  /** Call chain: ["devfs lookup", "tunclone", "if_clone_create", "tun_clone_create"]. */
  via: string[];
  /** Path class id of `function` the step comes from. */
  path?: number;
}

/** A function of the file the simulator ran, and which of its path classes it took. */
export interface TraceCall {
  /** Steps recorded before this call started (the call sits between step `afterSeq` and the next). */
  afterSeq: number;
  eventIndex: number;
  function: string;
  line: number;
  /** Path class id taken; undefined for a function the analyser found nothing counted in. */
  path?: number;
  /** The line the path leaves the function (or the last line of the function). */
  exitLine?: number;
  returns?: string;
  conditions: string[];
  /** Why this path: "returns a device (fact device exists: no)". */
  reason: string;
  role: string;
  depth: number;
  via: string[];
  /** Counts of the objects it touched on entry and on exit: {"tun0": [0, 3]}. */
  counts: Record<string, [number, number]>;
}

export interface TraceEventRecord {
  index: number;
  text: string;
  /** Line of the event in the scenario text. */
  scenarioLine: number;
  /** Steps of this event: seq range (firstSeq > lastSeq when it changed no count). */
  firstSeq: number;
  lastSeq: number;
  notes: string[];
  /** For each note, the seq of the last step before it (notes interleave with the steps). */
  noteAfter: number[];
}

export interface FinalObject {
  id: string;
  kind: string;
  count: number;
  state: 'live' | 'freed' | 'leaked';
  /** What still holds it: "existence", "dev_ref at line 104 in tunclone", "cdev tun0". */
  heldBy: string[];
  /** Objects this one holds (a cdev its credential, a credential its prison). */
  holds: string[];
  createdBy?: { function: string; line: number };
  /** destroy_dev() (or the like) ran on it. */
  destroyed: boolean;
  /** Jail or VNET it belongs to. */
  owner?: string;
  note?: string;
}

export interface TraceVerdict {
  /** "jail test", "cdev tun0", "scenario". */
  subject: string;
  state: 'dying' | 'removed' | 'alive' | 'leaked' | 'freed' | 'live' | 'inconclusive';
  reason: string;
  good: boolean;
}

export interface TraceProblem {
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** Line in the scenario text. */
  scenarioLine?: number;
  /** Line in the analysed file. */
  line?: number;
}

export interface TraceResult {
  version: number;
  file: string;
  scenario: string;
  description?: string;
  whatIf: string[];
  facts: Record<string, string>;
  events: TraceEventRecord[];
  steps: TraceStep[];
  calls: TraceCall[];
  final: {
    objects: FinalObject[];
    jails: { name: string; state: 'alive' | 'dying' | 'removed'; vnet: boolean; count: number }[];
  };
  verdicts: TraceVerdict[];
  problems: TraceProblem[];
  /** True when every verdict is good. */
  ok: boolean;
  /** One line for the top of the view: the first bad verdict's reason, or the good summary. */
  summary: string;
  /** Roles discovered in the file (for the view's "what the kernel calls" list). */
  roles: { role: string; function: string; line: number; how: string }[];
}
