/**
 * The analyzer's output: the JSON contract that the CLI prints (`--format json`),
 * the language server renders and the lifecycle trace executes. Lines are 1-based,
 * columns 0-based. Add fields freely; never rename or remove one (bump `version`).
 */

export const RESULT_VERSION = 1;

export interface Range { line: number; column: number; endLine: number; endColumn: number }

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
  /** Branch conditions every path of this class took, in source words. */
  conditions: string[];
  /** Conditions on the function's parameters (a caller can tell such paths apart). */
  paramConditions: string[];
  deltas: Delta[];
  steps: Step[];
  /** Lines this class of paths passes through, in order (for the editor's path view). */
  lines: number[];
  /** How many concrete paths were merged into this class (capped). */
  merged: number;
  /** Steps left out of this copy of the result (the CLI's output budget, src/cli/detail-budget.ts); `steps` holds the first ones. */
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
export interface Parameter { name: string; type: string }

/** A call of a named function or function-like macro: its line (the callee's), and each argument as written. */
export interface CallSite { line: number; callee: string; args: string[] }

export type Severity = 'error' | 'warning' | 'info';

export interface Related { line: number; column?: number; message: string; path?: number }

export interface Diagnostic {
  rule: 'inconsistent' | 'leak' | 'over-release' | 'contract' | 'parse' | 'model' | 'budget';
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
  functions: Record<string, { acquire?: string; release?: string; when?: string }>;
}

export interface FileResult {
  path: string;
  functions: FunctionResult[];
  diagnostics: Diagnostic[];
  facts: FileFacts;
  timing: { parseMs: number; analyzeMs: number };
  /** Parse problems (error nodes), reported but never fatal. */
  parseErrors: { line: number; column: number; message: string }[];
  error?: string;
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
