/**
 * The analyzer's output: the JSON contract that the CLI prints (`--format json`),
 * the language server renders and the lifecycle trace executes. Lines are 1-based,
 * columns 0-based. Add fields freely; never rename or remove one (bump `version`).
 */

import type { DiagnosticDetail, RuleId } from './checks/registry';

export const RESULT_VERSION = 1;

export interface Range {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface Step {
  line: number;
  column?: number;
  /** The call that acts on the object (dev_ref, or an in-file callee like tun_create_device). */
  call: string;
  /** Access path of the object in this function's terms: `*dev`, `tp->tun_dev`. */
  object: string;
  kind: string;
  /** Raw change of the count at this step (+1, -1, +2 for a summary that creates with MAKEDEV_REF). */
  delta: number;
  /** What the step does: acquire/release/create/destroy, or transfer (handed on, not leaked). */
  op: 'acquire' | 'release' | 'create' | 'destroy' | 'transfer' | 'lookup' | 'store' | 'return';
  /** Label from the model ("MAKEDEV_REF") or the callee chain ("via make_dev_s"). */
  note?: string;
  /** The running count on this path after the step (Clang-style "now +2"). */
  after?: number;
  /** True when the op comes from zero-config pair inference rather than a model entry. */
  inferred?: boolean;
  /** Model entry that produced it: `freebsd:dev_ref`, `file:/x/.refcount-lens.json:dev_ref`. */
  source?: string;
  /** Separate counter (si_threadcount) when not the main count. */
  counter?: string;
  /**
   * A transfer the unknown-call policy supposed: a callee nobody describes was given the object and
   * may keep it (checks/borrowed-by-callee.ts weighs it against what the function does after the call).
   */
  supposed?: boolean;
}

export interface Delta {
  object: string;
  kind: string;
  /** Raw count change: existence + references, the number reviewers use. */
  delta: number;
  /** The part that is the object's existence reference (create/destroy). */
  existence: number;
  /** The part that is ordinary references (acquire/release). */
  refs: number;
  counter?: string;
  transferred?: boolean;
}

export interface PathExit {
  line: number;
  /** Return expression as written, or "void". */
  returns: string;
  /** Classified return value: "0", "nonzero", "NULL", "non-NULL", "void", "unknown", or a literal. */
  returnClass: string;
}

export interface PathClass {
  id: number;
  exit: PathExit;
  /**
   * Branch conditions every path of this class took, as a reader says them: a tested call
   * result by its call (`clone_create() found an existing device`, `tun_create_device()
   * returned 0`), anything else in C (`*dev == NULL`, `flags & MAKEDEV_REF`).
   */
  conditions: string[];
  /**
   * The same conditions in C, in the same order, present when any of them reads differently
   * (`i [clone_create] == 0`: `i` held clone_create()'s result). What the lifecycle trace reads.
   */
  sourceConditions?: string[];
  /** Conditions on the function's parameters (a caller can tell such paths apart). */
  paramConditions: string[];
  deltas: Delta[];
  steps: Step[];
  /** Lines this class of paths passes through, in order (for the editor's path view). */
  lines: number[];
  /** How many concrete paths were merged into this class (capped). */
  merged: number;
  /**
   * Steps left out of this copy of the result (the CLI's output budget, src/cli/detail-budget.ts);
   * `steps` holds the first ones.
   */
  stepsOmitted?: number;
  /** Entries left out of `lines`, likewise. */
  linesOmitted?: number;
}

export interface FunctionResult {
  name: string;
  line: number;
  endLine: number;
  range: Range;
  nameRange: Range;
  paths: PathClass[];
  truncated: boolean;
  truncatedReason?: string;
  /** Registrations that give this function a role (dev_clone handler). */
  roles?: string[];
  /** True when the function touches no counted object (omitted from text output). */
  quiet?: boolean;
  /** Its parameters, in order (only with the analyzer's `callSites` option; the lifecycle trace reads them). */
  params?: Parameter[];
  /** The calls in its body, in the order written (only with the `callSites` option). */
  calls?: CallSite[];
}

/** A parameter as declared: `struct cdev **dev` is {name: "dev", type: "struct cdev **"}; unnamed, its name is "". */
export interface Parameter {
  name: string;
  type: string;
}

/** A call of a named function or function-like macro: its line (the callee's), and each argument as written. */
export interface CallSite {
  line: number;
  callee: string;
  args: string[];
}

export type Severity = 'error' | 'warning' | 'info';

export interface Related {
  line: number;
  column?: number;
  message: string;
  /** The path class it is about; `paths` when it stands for several that read alike (`path` is the first). */
  path?: number;
  paths?: number[];
}

/** A function a budget cut, and what it cost (`fileBudget`: not analysed, the file's budget was spent). */
export interface CutCost {
  function: string;
  line: number;
  states: number;
  ms: number;
  fileBudget?: true;
}

export interface Diagnostic {
  /**
   * A row of the rule registry (src/analysis/checks/registry.ts): `leak`, `over-release`,
   * `inconsistent`, `contract`, `parse`, `model`, `budget`.
   */
  rule: RuleId;
  severity: Severity;
  function?: string;
  line: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  message: string;
  object?: string;
  related: Related[];
  /** Path class ids involved, in function.paths. */
  paths?: number[];
  inferred?: boolean;
  /** The counted object's kind (`cdev`, `ucred`, `object` when only inferred). */
  kind?: string;
  /**
   * Set when `object` is a value a later assignment overwrote (a loop's next iteration): its name
   * without that note, and the assignment's line.
   */
  overwritten?: { name: string; line: number };
  /**
   * Set when the paths the diagnostic names depend on something the analysis could not show: a
   * branch on a value it had merged away where paths met (`merged`: that line, and the value), or a
   * callee of this file it could not follow (`callee`, cut by its budget), or a call's result the code
   * never names, compared with a value and dropped where they differ (`dropped`: the call, `compared`: the
   * value, `line`: the call's; the code reads such a result as holding nothing there), or a function whose own
   * analysis its budget stopped after `explored` path classes reached its end (the diagnostic is
   * about those; the paths not explored were not compared), or an object of a function the model itself
   * describes (`implements`: its body implements the count the model states, which callers read from the
   * model), or a count field the function only raises with a plain increment and lowers on no path
   * (`records`: a registration of a user it may keep on purpose), or an over-release whose count a callee
   * not named as a release took below zero first (`gaveBack`: that callee's summary gives back what, as the
   * analysis reads it, it never took), or an over-release whose release too many is a callee's that is no release
   * and takes a reference on the object on another path of the function (`moves`: the call; it moves a reference
   * it keeps, a link's, and the function's own calls balance), or an over-release on an object the function
   * reached through a structure and took a use off by hand (`linked`: the object; the release too many is the
   * reference the queue or link it came from held), or an over-release or `inconsistent` pair whose path gives
   * the object back
   * under a test of a flag in its own state word (`flagOwned`: the object; the reference that flag held), or
   * an array's elements counted as one object in a loop (`elements`:
   * how many times one loop took and another gave back are not tied), or an `inconsistent` pair whose extra
   * release a loop makes once per trip (`repeated`: the trips follow places the analysis does not tie to the
   * object), or an over-release on what the caller passed in that every path leaves at exactly -1
   * (`consumes`: the function gives back the caller's reference, a release as its callers read it), or an
   * over-release whose releases too many each gave back a separate count the path never raised (`withCounter`:
   * the object and the counter; the reference went back with that count's holder's), or a leak
   * kept exactly where the caller's flag parameter asks for the count (`askedFor`: the object and the flag), or
   * an `inconsistent` pair whose extra use taken off by hand follows a call that ends the structure the other
   * path found NULL (`unlinked`: the call; the use was that structure's), or a leak of a separate counter's hold
   * taken after the path gave the object, with a structure the function did not make, to a call that may keep it
   * (`keptWith`: the call, its line and the structure; the hold is that structure's if the call stored it), or an
   * `inconsistent` pair on a
   * reference a structure's member or a global holds (`kept`: bookkeeping the function may keep on purpose),
   * or a function of a cycle of files whose rounds ran out (`unsettled`: the callee of the cycle whose
   * summary it read was still changing after `rounds` rounds). Such a diagnostic is `info`, and its
   * message says why.
   */
  doubt?:
    | { merged: number; value: string }
    | { callee: string; why: 'cut' | 'recursive' }
    | { dropped: string; compared: string; line: number }
    | { explored: number }
    | { implements: string }
    | { records: string }
    | { gaveBack: string }
    | { moves: { call: string; line: number } }
    | { linked: string }
    | { flagOwned: string }
    | { elements: string }
    | { repeated: { call: string; line: number } }
    | { consumes: string }
    | { withCounter: { object: string; counter: string } }
    | { askedFor: { object: string; flag: string } }
    | { unlinked: { call: string; line: number } }
    | { keptWith: { call: string; line: number; in: string } }
    | { kept: string; in: 'member' | 'global' }
    | { unsettled: string; rounds: number };
  /**
   * What `message` and `related` are worded from: the counts the rule compared and the lines
   * involved, one shape per rule (`detail.rule`; each rule's module in src/analysis/checks/
   * defines its shape). Renderers read these instead of the message.
   */
  detail?: DiagnosticDetail;
}

/** A path class as a diagnostic names it: `the path returning 0 at line 211 (drv != NULL, error == 0)`. */
export interface PathRef {
  /** The class id, in function.paths. */
  path: number;
  exitLine: number;
  /** The return expression as written, or `void`. */
  returns: string;
  /** Its last two branch conditions, in source words. */
  conditions: string[];
  /**
   * What tells it apart from another path worded alike: the way a callee went (`where`), a line
   * only it runs (`through`), a line only the other runs (`notThrough`), or nothing but its number.
   */
  differs?: { where: string } | { through: number } | { notThrough: number } | { byNumber: true };
}

/** One counted call on a path: `tun_create_device() +2 (MAKEDEV_REF)` at its line. */
export interface CountStep {
  line: number;
  call: string;
  delta: number;
  note?: string;
}

/** A registration found in the file: EVENTHANDLER_REGISTER(dev_clone, tunclone, ...). */
export interface Registration {
  registrar: string;
  role: string;
  callback: string;
  line: number;
  event?: string;
  /** Literal arguments as written. */
  args: string[];
  /** The function the registration call stands in (or null at file scope). */
  inFunction?: string;
}

/** Function pointers stored in initialisers: `.create_f = tun_clone_create` inside `req`. */
export interface FunctionPointerBinding {
  field: string;
  callback: string;
  line: number;
  /** Struct variable or type the initialiser belongs to, when known. */
  container?: string;
  inFunction?: string;
}

export interface FileFacts {
  registrations: Registration[];
  bindings: FunctionPointerBinding[];
  /** Top-level macro invocations naming functions: VNET_SYSINIT(x, ..., fn, ...), SYSUNINIT(...). */
  initCalls: { macro: string; callback: string; line: number; args: string[] }[];
}

/** A get/put pair guessed from names and use, with the model-file rows that would state it. */
export interface InferredPairReport {
  acquire: string;
  release: string;
  /** `functions` rows for `.refcount-lens.json`, by function name. */
  functions: Record<
    string,
    { acquire?: string; release?: string; when?: string; counter?: string; nullSafe?: boolean }
  >;
}

export interface FileResult {
  path: string;
  functions: FunctionResult[];
  diagnostics: Diagnostic[];
  facts: FileFacts;
  /**
   * What the analysis cost: milliseconds (they vary from run to run) and the work it counted,
   * which does not: `states`, the path states its functions visited (the unit of every budget),
   * and `cuts`, each function a budget cut with the states and milliseconds spent on it.
   */
  timing: { parseMs: number; analyzeMs: number; states?: number; cuts?: CutCost[] };
  /** Parse problems (error nodes), reported but never fatal. */
  parseErrors: { line: number; column: number; message: string }[];
  error?: string;
  /**
   * Set when the file was not analysed and needs no analysis: over the size limit but without a
   * single function body (a register header of `#define`s). Not a failure; the reason.
   */
  skipped?: string;
  truncated?: boolean;
  truncatedReason?: string;
  /** Pairs inferred in this file (absent when inference is off or found none). */
  inferredPairs?: InferredPairReport[];
  /** Set when path steps or lines were left out of this output to bound its size (what was cut and why). */
  detailOmitted?: string;
}

export interface AnalysisOutput {
  version: number;
  files: FileResult[];
}

/**
 * A file over the size limit that holds no `{` has no function body to analyse: hardware register
 * headers of many megabytes of `#define`s. Such a file is skipped with a reason, not failed.
 */
export function bodylessResult(path: string, text: string): FileResult | undefined {
  if (text.includes('{')) return undefined;
  const mb = (text.length / 1048576).toFixed(1);
  return {
    ...errorResult(path, ''),
    error: undefined,
    skipped: `${mb} MB without a function body: nothing to analyse`,
  };
}

/** The result of a file that was not analysed, with the one-line reason. */
export function errorResult(path: string, error: string): FileResult {
  return {
    path,
    functions: [],
    diagnostics: [],
    facts: { registrations: [], bindings: [], initCalls: [] },
    timing: { parseMs: 0, analyzeMs: 0 },
    parseErrors: [],
    error,
  };
}
