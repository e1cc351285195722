/**
 * The analysis of one file, end to end: text -> pre-pass -> tree -> CFG per
 * function -> path states -> summaries -> path classes and diagnostics.
 * Functions are analysed bottom-up over the file's call graph; each function's
 * result is cached by its own text and its callees' summaries, so an edit inside
 * one body never recomputes another (unless it changes a summary that one uses).
 */
import { modelPolicy, unknownKeeps } from './model/unknown-calls';
import { calleeEvidence, shardOf } from './tree/shard';
import { countFieldsIn } from './tree/count-fields';
import { retriesCountCas } from './paths/count-ops';
import type { Parser } from 'web-tree-sitter';
import { createParser, type ParserWasm, type Tree } from './parse/parser';
import { prepass, type MacroDefinition, type PrepassResult } from './parse/prepass';
import { numberMacros } from './parse/number-macros';
import { type OutlineFunction, outlineFunctions, rangesWithout } from './parse/outline';
import { applyEdits, cleanAround, lineEdits } from './parse/line-edits';
import {
  extractTopLevel,
  SynReuse,
  unwrapValue,
  type Syn,
  type ParsedFunctions,
  TreeReleased,
  type FunctionHead,
  type SourceSpan,
} from './parse/syntax';
import { buildCfg, declaratorInfo, type Cfg } from './cfg/cfg';
import { FunctionEngine, type EngineOptions } from './paths/fixpoint';
import { pathClasses, summarize, simpleHash, byCodeUnits } from './paths/classes';
import { escapesKey, type Summary, supposedOf } from './paths/summary';
import { explored, runChecks } from './checks/checks';
import { namedByCaller } from './paths/named-by-caller';
import { readFromStructure } from './paths/read-from-structure';
import { companions } from './paths/companions';
import { flagGuarded } from './paths/state-words';
import { counterGuarded } from './paths/counter-guards';
import { namesExisting } from './paths/same-calls';
import { budgetDiagnostic } from './checks/budget';
import { moveDiagnostic } from './checks/registry';
import { moveOverwriteLines } from './paths/access';
import { discoverFacts, pairedCallbackOf, type FunctionSpan } from './facts';
import { functionTokens, holdsReferences, relevantFunctions, skippableBodies, type FunctionTokens } from './relevance';
import { buildModel, type ModelOptions, type ModelProblem, type ModelSources, type PresetName } from './model/load';
import type { Atom, Model } from './model/compiled';
import { memberCalled, membersWithRows } from './model/member-rows';
import { inferPairs, pairReports, type InferredPair } from './infer';
import { droppedMacroArgs, dropsArg, jumpMacros, macroEffects } from './macros';
import { withCallSites, type CallSiteTexts } from './call-sites';
import type { CutCost, Diagnostic, FileResult, FunctionResult, Range, Step } from './result';
import type { TreeFileContext, TreeVisit } from './tree/context';
import { macroAliases, type MacroAliases } from './tree/macro-aliases';
import { macroRenames, type MacroRenames } from './macro-renames';
import { renamedAnalysis, withoutOwnName } from './renamed-function';
import { macroParams, type MacroParams, type ParamUse } from './tree/macro-params';

export interface AnalyzerOptions {
  /** 'auto' picks linux when the file includes <linux/...>, else freebsd. */
  preset?: PresetName | 'auto';
  /** User model files, read by the caller (src/files/model-files.ts). */
  modelSources?: ModelSources;
  defines?: Record<string, string>;
  undefines?: string[];
  /** Path states one function's analysis may visit before it is cut (and says so). */
  maxStatesPerFunction?: number;
  /** Different path states at one program point before they are widened. */
  maxStatesPerNode?: number;
  /**
   * Path states a function's analysis may still visit once a cut has dropped states or outcomes
   * (its result is partial from then on; default: an eighth of maxStatesPerFunction).
   */
  maxStatesAfterCut?: number;
  /** Outcomes one expression may have before the rest are cut. */
  maxOutcomesPerExpression?: number;
  /**
   * Path states the functions of one file may visit in all: once they are spent, the file's
   * remaining functions are not analysed (each says so). Cached functions count what their
   * analysis visited, so an edit never changes which functions the budget reaches.
   */
  maxStatesPerFile?: number;
  /**
   * A last-resort watchdog, not a budget: tree-sitter's error recovery can be quadratic on
   * badly broken text (an unclosed parenthesis before thousands of statements), and the
   * parser's progress callbacks, which come at a steady rate per token, do not see that
   * work. A parse that runs longer than this many ms, plus 4 ms per KB of text (a valid
   * 2 MB file parses in about 1.3 s, cold), is given up and the whole file gets an error
   * that says so: never a partial result.
   */
  parseWatchdogMs?: number;
  /** Zero-config pair inference (`*_get`/`*_put`...). */
  inference?: boolean;
  /** Files larger than this (characters) are not analysed. */
  maxFileSize?: number;
  /**
   * How calls of functions nobody describes are read (overrides the model's `unknownCalls`):
   * `evidence` decides per callee from its name, prototype and use; `hand-on` takes every such
   * callee to keep what it is given.
   */
  unknownCalls?: 'evidence' | 'hand-on';
  /**
   * Also give each function's parameters and calls (`FunctionResult.params`/`calls`, see
   * call-sites.ts): the lifecycle trace runs on them. Every body is then parsed and copied.
   */
  callSites?: boolean;
}

export const DEFAULTS = {
  maxStatesPerFunction: 20000,
  maxStatesPerNode: 64,
  maxOutcomesPerExpression: 64,
  maxStatesPerFile: 100000,
  parseWatchdogMs: 2000,
  maxFileSize: 8 * 1024 * 1024,
};

/** A parsed document the server keeps between edits. */
export interface ParsedDocument {
  text: string;
  pre: PrepassResult;
  tree: Tree;
  /** The top-level function definitions (bodies are copied out of `tree` on demand). */
  top: ParsedFunctions;
  preset: PresetName;
  parseMs: number;
  /** Offsets of the `{` of bodies the parser skipped (`parse`'s `skipBodies`). */
  skipped?: number[];
  /** With `skipped`: the `{` of every body the outline found, which the tree must agree with. */
  outlined?: number[];
}

/** A parse without its tree: what a tree run keeps of a file it visits again (`Analyzer.analyzeKeeping`). */
export type KeptParse = Omit<ParsedDocument, 'tree'>;

/**
 * A text's pre-pass made elsewhere with the model of `preset` (a tree run's shard of the file, on a worker):
 * the file's first visit parses from it instead of pre-passing the text again. The pre-pass is a function of
 * the text and the model's defines, so it is the one the visit would make.
 */
export interface Prepassed {
  preset: PresetName;
  pre: PrepassResult;
}

/**
 * Per-function results by everything a function's result is a function of (its text, its
 * callees' summaries, the model, the options): a hit is the result a fresh analysis gives.
 */
export type FunctionCache = Map<string, CachedFunction>;

export interface CachedFunction {
  result: FunctionResult;
  diagnostics: Diagnostic[];
  summary: Summary;
  /** Whether the path analysis ran (or would have): only then does the file's state budget apply. */
  analysed: boolean;
  /** Path states its analysis visited (charged to the file's budget again when it is reused). */
  visits: number;
  /** Milliseconds its path analysis took when it ran (a reused result keeps them). */
  ms: number;
  /** The last copy moved to a line (an unchanged function keeps its line over most edits). */
  at?: { line: number; value: CachedFunction };
}

export function detectPreset(text: string): PresetName {
  if (/#\s*include\s*<linux\//.test(text) || /\bMODULE_LICENSE\s*\(/.test(text)) return 'linux';
  return 'freebsd';
}

export function looksBinary(text: string): boolean {
  const head = text.slice(0, 8192);
  if (head.includes('\u0000')) return true;
  let odd = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) || c === 0xfffd) odd++;
  }
  return head.length > 0 && odd / head.length > 0.1;
}

export class Analyzer {
  private readonly models = new Map<PresetName, { model: Model; problems: ModelProblem[]; version: string }>();
  private cache: FunctionCache = new Map();
  /** See `withFunctionCache`. */
  private earlier?: FunctionCache;
  private readonly tokenCache = new Map<string, FunctionTokens>();
  private readonly jumpCache = new WeakMap<PrepassResult, Map<string, number>>();
  /** A definition's parameters and calls by its text, lines relative to its first: both sides of a diff share them. */
  private readonly callSiteCache = new Map<string, Pick<FunctionResult, 'params' | 'calls'>>();
  private readonly opts: Required<
    Omit<
      AnalyzerOptions,
      'modelSources' | 'defines' | 'undefines' | 'preset' | 'callSites' | 'unknownCalls' | 'maxStatesAfterCut'
    >
  > &
    AnalyzerOptions;

  private constructor(
    private readonly parser: Parser,
    opts: AnalyzerOptions,
  ) {
    // an option given as undefined (`maxStatesPerFunction: args.maxStates` with no --max-states)
    // means "the default", not "no limit"
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as AnalyzerOptions;
    this.opts = { ...DEFAULTS, inference: true, ...given };
  }

  /** `wasm`: where the parser's wasm files are (src/files/parser-wasm.ts finds them). */
  static async create(opts: AnalyzerOptions, wasm: ParserWasm): Promise<Analyzer> {
    return new Analyzer(await createParser(wasm), opts);
  }

  /** Problems found while loading the model files, with file and line. */
  modelProblems(preset: PresetName = 'freebsd'): ModelProblem[] {
    return this.modelFor(preset).problems;
  }

  modelFor(preset: PresetName): { model: Model; problems: ModelProblem[]; version: string } {
    let m = this.models.get(preset);
    if (!m) {
      const mo: ModelOptions = {
        presets: [preset],
        sources: this.opts.modelSources,
        defines: this.opts.defines,
        undefines: this.opts.undefines,
      };
      const built = buildModel(mo);
      m = { ...built, version: simpleHash(JSON.stringify(mo) + JSON.stringify([...built.model.functions.keys()])) };
      this.models.set(preset, m);
    }
    return m;
  }

  presetFor(text: string): PresetName {
    return this.opts.preset && this.opts.preset !== 'auto' ? this.opts.preset : detectPreset(text);
  }

  private parseDeadline(text: string): { progressCallback: () => boolean } {
    const end = performance.now() + this.parseWatchdog(text);
    return { progressCallback: () => performance.now() > end };
  }

  private afterCut(): number {
    return this.opts.maxStatesAfterCut ?? Math.ceil(this.opts.maxStatesPerFunction / 8);
  }

  private parseWatchdog(text: string): number {
    return Math.round(this.opts.parseWatchdogMs + text.length / 256);
  }

  /**
   * Parses (incrementally when `previous` is given; `previous.tree` is consumed).
   * `skipBodies`: leave out the bodies no analysis of this text can need (a one-shot
   * analysis; the editor keeps whole trees for its next edit). Syntax errors inside them
   * go unreported. `likeFresh` (another revision as `previous`, the diff's head from its base):
   * one edit per changed run of lines, and the tree a fresh parse gives (`parse/line-edits.ts`:
   * where an edit is near a syntax error, the text is parsed afresh).
   */
  parse(
    text: string,
    previous?: ParsedDocument,
    how: {
      skipBodies?: boolean;
      tree?: TreeFileContext;
      pre?: PrepassResult;
      plan?: OutlineFunction[];
      likeFresh?: boolean;
    } = {},
  ): ParsedDocument {
    const t0 = performance.now();
    const preset = this.presetFor(text);
    const { model } = this.modelFor(preset);
    const pre = how.pre ?? prepass(text, { defines: model.defines });
    let tree: Tree | null;
    let reuse: SynReuse | undefined;
    let skipped: number[] | undefined;
    let outlined: number[] | undefined;
    if (previous && previous.preset === preset && how.likeFresh) {
      const edits = lineEdits(previous.pre.text, previous.pre.lineStarts, pre.text, pre.lineStarts);
      // the old tree's items around the edits tell early when the new tree's will not be clean
      let fresh = !cleanAround(previous.tree, edits, 'old');
      tree = null;
      if (!fresh) {
        applyEdits(previous.tree, edits);
        tree = this.parser.parse(pre.text, previous.tree, this.parseDeadline(pre.text));
        fresh = !!tree && !cleanAround(tree, edits);
        if (fresh) tree?.delete();
      }
      previous.tree.delete();
      if (fresh) tree = this.parser.parse(pre.text, null, this.parseDeadline(pre.text));
      reuse = SynReuse.of(previous.top.functions, previous.pre.text, previous.text);
    } else if (previous && previous.preset === preset) {
      const a = previous.pre.text,
        b = pre.text;
      let start = 0;
      const minLen = Math.min(a.length, b.length);
      while (start < minLen && a.charCodeAt(start) === b.charCodeAt(start)) start++;
      let endA = a.length,
        endB = b.length;
      while (endA > start && endB > start && a.charCodeAt(endA - 1) === b.charCodeAt(endB - 1)) {
        endA--;
        endB--;
      }
      previous.tree.edit({
        startIndex: start,
        oldEndIndex: endA,
        newEndIndex: endB,
        startPosition: pointAt(a, start),
        oldEndPosition: pointAt(a, endA),
        newEndPosition: pointAt(b, endB),
      });
      tree = this.parser.parse(b, previous.tree, this.parseDeadline(b));
      previous.tree.delete();
      reuse = SynReuse.of(previous.top.functions, a, previous.text);
    } else {
      previous?.tree.delete();
      const skip = how.skipBodies && !previous ? (how.plan ?? this.skipPlan(text, pre, model, how.tree)) : [];
      const options = skip.length
        ? { ...this.parseDeadline(pre.text), includedRanges: rangesWithout(pre.text, pre.lineStarts, skip) }
        : this.parseDeadline(pre.text);
      tree = this.parser.parse(pre.text, null, options);
      if (skip.length) {
        skipped = skip.map((b) => b.bodyStart);
        outlined = (outlineFunctions(pre.masked) ?? []).map((f) => f.bodyStart);
      }
    }
    if (!tree) {
      // a cancelled parse would otherwise resume on the next call, with whatever text that brings
      this.parser.reset();
      throw new ParseGaveUp(
        `${PARSE_WATCHDOG_ERROR} after ${this.parseWatchdog(pre.text)} ms` +
          ' (a last-resort guard against badly damaged syntax)',
      );
    }
    const top = extractTopLevel(tree, text, { preText: pre.text, reuse, lineStarts: pre.lineStarts });
    return { text, pre, tree, top, preset, parseMs: performance.now() - t0, skipped, outlined };
  }

  /** The bodies a one-shot parse of `text` leaves out (see `skippableBodies`). */
  private skipPlan(text: string, pre: PrepassResult, model: Model, tree: TreeFileContext | undefined) {
    return skippableBodies(text, pre, model, (t) => this.tokensOf(t), treeRelevantNames(tree, model), tree);
  }

  /**
   * Whether a parse of `text` (the text `kept` was parsed from) would now leave out the bodies `kept`
   * left out: the tree's context decides which. The pre-pass is a function of the text: `kept`'s is it.
   * `plan`: the bodies a parse now leaves out, for the parse when it does not fit.
   */
  private keptParseFits(
    text: string,
    kept: KeptParse,
    tree: TreeFileContext | undefined,
  ): { fits: boolean; plan: OutlineFunction[] } {
    const plan = this.skipPlan(text, kept.pre, this.modelFor(kept.preset).model, tree);
    const skipped = kept.skipped ?? [];
    return { fits: plan.length === skipped.length && plan.every((b, i) => b.bodyStart === skipped[i]), plan };
  }

  /** Empties the per-function result cache (a batch run's files seldom share functions). */
  forgetFunctions(): void {
    this.cache = new Map();
  }

  /**
   * Runs `run` (an analysis of one file) with `earlier` (the results of the file's functions at
   * its previous visit) to reuse, and gives back the results of this visit's functions alone:
   * a tree visits a cycle of files in rounds, and the next round reuses every function whose
   * key (its text, its callees' summaries) the new summaries did not change.
   */
  withFunctionCache<T>(earlier: FunctionCache, run: () => T): { value: T; functions: FunctionCache } {
    const own = this.cache;
    this.cache = new Map();
    this.earlier = earlier;
    try {
      return { value: run(), functions: this.cache };
    } finally {
      this.cache = own;
      this.earlier = undefined;
    }
  }

  private cachedFunction(key: string): CachedFunction | undefined {
    let c = this.cache.get(key);
    if (!c && this.earlier) {
      c = this.earlier.get(key);
      if (c) this.cache.set(key, c);
    }
    return c;
  }

  /**
   * Analyses a file's text. Never throws: problems come back in `error`/`diagnostics`.
   * `tree`: what the rest of its tree knows (tree mode); `visit` then receives the summaries
   * this analysis finished and the functions that wait for a callee elsewhere.
   */
  analyzeText(path: string, text: string, tree?: TreeFileContext, visit?: TreeVisit, given?: Prepassed): FileResult {
    return this.analyzeKeeping(path, text, tree, visit, undefined, false, given).result;
  }

  /**
   * `analyzeText` for a file a tree run may visit again (a cycle's rounds): `kept`, what its last
   * visit left of its parse (the pre-pass, the definitions and the copies of the bodies analysed;
   * not the tree, whose wasm memory would never be given back), stands for this visit's parse when a
   * parse now would give the same tree: the same text, the same bodies left out (the context decides
   * which) and no body to copy that was not copied. With `keep`, this visit's parse is handed back.
   * `given`: the text's pre-pass made elsewhere (used when its preset is the text's).
   */
  analyzeKeeping(
    path: string,
    text: string,
    tree?: TreeFileContext,
    visit?: TreeVisit,
    kept?: KeptParse,
    keep = false,
    given?: Prepassed,
  ): { result: FileResult; kept?: KeptParse } {
    const empty = (error?: string): FileResult => ({
      path,
      functions: [],
      diagnostics: [],
      facts: { registrations: [], bindings: [], initCalls: [] },
      timing: { parseMs: 0, analyzeMs: 0 },
      parseErrors: [],
      error,
    });
    if (looksBinary(text)) return { result: empty('not a C source file: it looks binary') };
    if (text.length > this.opts.maxFileSize)
      return {
        result: empty(
          `file too large (${(text.length / 1048576).toFixed(1)} MB;` +
            ` the limit is ${(this.opts.maxFileSize / 1048576).toFixed(0)} MB)`,
        ),
      };
    const t0 = performance.now();
    const skipBodies = !this.opts.callSites;
    const same = kept?.text === text && kept.preset === this.presetFor(text) ? kept : undefined;
    const fit = same && skipBodies ? this.keptParseFits(text, same, tree) : undefined;
    if (same && fit?.fits) {
      try {
        const result = this.analyzeParsed(path, { ...same, parseMs: performance.now() - t0 }, tree, visit);
        return { result, kept: keep ? same : undefined };
      } catch (err) {
        if (!(err instanceof TreeReleased || err instanceof SkippedBodyNeeded)) {
          const message = `internal error while analysing: ${(err as Error).message}`;
          return { result: empty(message) };
        }
        // a body this visit needs was not copied, or not parsed: parsed as a fresh visit parses it,
        // what the summaries found so far is found again
        if (visit) visit.exports = {};
      }
    }
    let doc: ParsedDocument | undefined;
    try {
      // with a kept parse, the plan is made already (from its pre-pass, which is this parse's)
      const pre = same?.pre ?? (given?.preset === this.presetFor(text) ? given.pre : undefined);
      doc = this.parse(text, undefined, { skipBodies, tree, pre, plan: fit?.plan });
      let result: FileResult;
      try {
        result = this.analyzeParsed(path, doc, tree, visit);
      } catch (err) {
        if (!(err instanceof SkippedBodyNeeded)) throw err;
        const pre = doc.pre;
        doc.tree.delete();
        doc = undefined; // the finally below must not delete that tree again if the parse throws
        doc = this.parse(text, undefined, { pre });
        result = this.analyzeParsed(path, doc, tree, visit);
      }
      if (!keep) return { result };
      // a later visit may need a body this one did not copy (a callee elsewhere gained effects)
      const skipped = new Set(doc.skipped);
      for (const f of doc.top.functions) if (!skipped.has(f.bodyStart ?? -1)) f.syn();
      doc.top.release();
      const { tree: _, ...parse } = doc;
      return { result, kept: parse };
    } catch (err) {
      return {
        result: empty(
          err instanceof ParseGaveUp ? err.message : `internal error while analysing: ${(err as Error).message}`,
        ),
      };
    } finally {
      doc?.tree.delete();
    }
  }

  analyzeParsed(path: string, doc: KeptParse, tree?: TreeFileContext, visit?: TreeVisit): FileResult {
    const t0 = performance.now();
    const { model, version } = this.modelFor(doc.preset);
    const src = doc.text;
    const top = doc.top;
    const result: FileResult = {
      path,
      functions: [],
      diagnostics: [],
      facts: { registrations: [], bindings: [], initCalls: [] },
      timing: { parseMs: round(doc.parseMs), analyzeMs: 0 },
      parseErrors: [...top.errors, ...doc.pre.warnings.map((w) => ({ line: w.line, column: 0, message: w.message }))],
    };
    const fns: FileFunction[] = top.functions.map((head) => ({
      head,
      name: declaratorInfo(head.declarator).name ?? '<anonymous>',
    }));
    const spans: FunctionSpan[] = fns.map((f) => ({ name: f.name, start: f.head.start, end: f.head.end }));
    result.facts = discoverFacts(doc.pre.masked, src, model, spans, doc.pre.lineStarts);
    // names in comments and strings too: a tree with errors may hold identifiers where the masked
    // text has a comment or a string, and a name that is not code only makes a quiet function relevant
    const tokens = fns.map((f) => this.tokensOf(doc.pre.text.slice(f.head.start, f.head.end)));
    const regsOf = fns.map((f) => result.facts.registrations.filter((r) => r.callback === f.name));
    const inferred = this.opts.inference
      ? inferPairs(
          fns.filter((_, i) => tokens[i].candidate).map((f) => f.head.syn()),
          src,
          model,
          tree ? Object.keys(tree.externals) : undefined,
        )
      : new Map<string, InferredPair>();
    // the file's own macros win over the tree's headers' of the same name
    const ownMacros = new Set(doc.pre.defines.map((d) => d.name));
    const treeMacros = (tree?.macros ?? []).filter((d) => !ownMacros.has(d.name));
    // members used as reference counts: the tree's, or without a tree the file's own evidence
    const counts = countFieldsIn(doc.pre.masked, spans, tree ? (tree.countFields ?? []) : undefined);
    const countFields = counts.fields;
    const countKey = countFields ? [...countFields].join(',') : '';
    const inferredEffects = new Map([
      ...macroEffects(treeMacros, model, countFields),
      ...macroEffects(doc.pre.defines, model, countFields),
      ...[...inferred].map(([n, p]) => [n, p.effects] as const),
    ]);
    // a jump macro's definition is part of the control flow of every function that uses it
    const jumpKey = [...this.jumpsOf(doc)].join(';');
    const inferHash = simpleHash(
      JSON.stringify([...inferredEffects.keys()]) +
        JSON.stringify(doc.pre.defines.filter((d) => inferredEffects.has(d.name))),
    );
    const numbers = fileNumbers(doc.pre.masked, doc.pre.defines, tree?.numbers);
    const numbersKey = JSON.stringify(numbers);
    const aliases = tree ? macroAliases([...doc.pre.defines, ...treeMacros], model) : undefined;
    const renames = macroRenames(doc.pre.defines);
    const macroArgs = tree ? macroParams([...doc.pre.defines, ...treeMacros], model.noreturn) : undefined;
    const external = treeRelevantNames(tree, model);
    const { relevant, escapesNeeded } = relevantFunctions(
      spans,
      tokens,
      regsOf.map((r) => r.length > 0),
      doc.pre.statementMacros,
      model,
      external ? new Map<string, unknown>([...inferredEffects, ...external]) : inferredEffects,
      tree
        ? spans.map((f, i) => tree.relevant.includes(f.name) || counts.updates[i])
        : countFields
          ? counts.updates
          : undefined,
    );
    if (doc.skipped?.length) {
      const skipped = new Set(doc.skipped);
      const needed = fns.some(
        (f, i) => (relevant[i] || escapesNeeded[i] || tokens[i].candidate) && skipped.has(f.head.bodyStart ?? -1),
      );
      const found = fns.filter((f) => skipped.has(f.head.bodyStart ?? -1)).length;
      if (needed || found !== skipped.size) throw new SkippedBodyNeeded('the parse skipped a body this analysis needs');
      // damaged text the parser recovered from differently around a skipped body: the
      // definitions it found must be the outline's, or skipping may have changed them
      const outlined = new Set(doc.outlined ?? []);
      const bodies = fns.map((f) => f.head.bodyStart).filter((b): b is number => b !== undefined);
      if (bodies.length !== outlined.size || bodies.some((b) => !outlined.has(b)))
        throw new SkippedBodyNeeded('the tree does not match the outline the parse skipped bodies by');
    }

    // bottom-up over the call graph (Tarjan's SCCs come out callees first); a function that
    // cannot touch a count calls only such functions, so leaving its edges out changes
    // neither the order of the others nor what they see
    const byName = new Map<string, number>();
    fns.forEach((f, i) => {
      if (!byName.has(f.name)) byName.set(f.name, i);
    });
    const scans = fns.map((f, i) => (relevant[i] || escapesNeeded[i] ? scanBody(f.head.syn()) : undefined));
    // a parameter given to a header macro that stores that argument in memory (`LIST_INSERT_HEAD(&allproc,
    // child, p_list)`: `LIST_FIRST((head)) = (elm)`) is stored by the body as an assignment of it would be
    const storedByBody = (i: number): number[] | undefined => {
      const scan = scans[i];
      if (!scan || !macroArgs?.size) return scan?.escapes;
      return macroStores(scan, (n) =>
        byName.has(n) || model.functions.has(n) || aliases?.has(n) || renames.has(n) ? undefined : macroArgs.get(n),
      );
    };
    /** What a function calls, and the functions its calls are under a macro's other name (aliases, renames). */
    const calledThrough = (i: number): string[] => {
      const calls = scans[i]!.calls;
      if (!aliases && !renames.size) return calls;
      const out = [...calls];
      for (const c of calls)
        for (const n of [aliases?.get(c)?.callee, renames.get(c)]) if (n && !out.includes(n)) out.push(n);
      return out;
    };
    const callees = fns.map((f, i) =>
      relevant[i] ? calledThrough(i).filter((n) => byName.has(n) && n !== f.name) : [],
    );
    const order = sccOrder(fns.length, (i) => callees[i].map((n) => byName.get(n)!));
    const summaries = new Map<string, Summary>();
    // callees elsewhere in the tree: their summaries (the file's own definitions win)
    if (tree) for (const [n, sum] of Object.entries(tree.externals)) if (!byName.has(n)) summaries.set(n, sum);
    // arguments a macro never names: the preprocessor drops them, so they are neither evaluated nor kept
    // what the model says of a call stands, whatever a macro of that name does in some configuration
    const drops = droppedMacroArgs(
      [...treeMacros, ...doc.pre.defines].filter((d) => !model.functions.has(d.name) && !model.transparent.has(d.name)),
    );
    const dropped = drops.size ? (callee: string, arg: number) => dropsArg(drops, callee, arg) : undefined;
    const keeps = this.keepsFor(model, doc, tree, dropped);
    const resultsByIndex: FunctionResult[] = new Array(fns.length);
    let statesSpent = 0;
    const cuts: CutCost[] = [];
    for (const i of order) {
      const f = fns[i];
      const regs = regsOf[i];
      const roles = [
        ...regs.map((r) => r.role),
        ...result.facts.bindings
          .filter((b) => b.callback === f.name)
          .map((b) => `${b.container ? b.container + '.' : ''}${b.field}`),
      ];
      if (!relevant[i]) {
        const own = storedByBody(i) ?? [];
        const kept = keptParams(own, tree?.kept[f.name]);
        summaries.set(f.name, quietSummary(f.name, kept, supposedOf(kept, keptParams(own, tree?.keptByBody[f.name]))));
        resultsByIndex[i] = withRoles(quietResult(f), roles);
        continue;
      }
      const scan = scans[i]!;
      const escapes = keptThroughCallees(scan, storedByBody(i) ?? scan.escapes, (n) => {
        const j = byName.get(n);
        return j === undefined ? undefined : storedByBody(j);
      });
      const calls = calledThrough(i);
      // a callee the model describes is the model's row at every call: its summary is never read
      const externalHashes = tree
        ? calls
            .filter((n) => !byName.has(n) && n in tree.externals && !model.functions.has(n))
            .map((n) => `${n}=${summaryKey(summaries.get(n))}`)
            .join(',')
        : '';
      // what the policy decides for the callees nobody describes
      const keepsKey = keeps
        ? calls
            .filter((n) => !summaries.has(n) && !model.functions.has(n))
            .map((n) => `${n}:${[0, 1, 2, 3, 4, 5].map((a) => (keeps(n, a) ? 1 : 0)).join('')}`)
            .join(',')
        : '';
      const specs = regs.map((r) => (model.registrations.get(r.registrar) ?? []).find((s) => s.role === r.role));
      const paramFacts: Atom[] = specs.flatMap((s) => s?.parsedFacts ?? []);
      // without its own name: a definition renamed and nothing else is a hit (`renamedAnalysis` below)
      const body = withoutOwnName(src.slice(f.head.start, f.head.end), f.name);
      const calleeHashes = callees[i]
        .map((n) => (model.functions.has(n) ? 'model' : summaryKey(summaries.get(n))))
        .join(',');
      // where the registration is, relative to the function, only says in a contract's words
      // (checks/contract.ts): a function registered without one is the same wherever it moved
      const regKey = regs
        .map((r, k) => `${r.registrar}:${r.role}${specs[k]?.contract ? `:${r.line - f.head.line}` : ''}`)
        .join(';');
      const paired = pairedCallbackOf(f.name, result.facts.bindings, model);
      const key = simpleHash(
        `${version}|${inferHash}|${f.head.col}|${body}|${calleeHashes}|${externalHashes}|${regKey}|${paired ?? ''}|` +
          `${this.opts.maxStatesPerFunction}/${this.afterCut()}|${aliases ? aliases.key : ''}|${keepsKey}|` +
          `${macroArgs?.key ?? ''}|${jumpKey}|${countKey}|${numbersKey}|${renames.key}|${escapes.join('.')}`,
      );
      let cached = this.cachedFunction(key);
      let shifted: CachedFunction | undefined;
      if (cached && cached.result.name !== f.name) {
        shifted = renamedAnalysis(at(cached, f.head.line), f.name);
        if (!shifted) cached = undefined;
      }
      const hasRole = regs.length > 0 || counts.updates[i];
      if (!cached && !touchesCounts(f.head, calls, scan.members, model, summaries, inferredEffects, doc, hasRole)) {
        // nothing counted can happen here: skip the path analysis, keep what callers need
        shifted = {
          result: quietResult(f),
          diagnostics: [],
          summary: quietSummary(f.name, escapes),
          analysed: false,
          visits: 0,
          ms: 0,
        };
        cached = rebase(shifted, -f.head.line);
        this.cache.set(key, cached);
      }
      if ((cached?.analysed ?? true) && statesSpent >= this.opts.maxStatesPerFile) {
        cuts.push({ function: f.name, line: f.head.line, states: 0, ms: 0, fileBudget: true });
        resultsByIndex[i] = skeleton(
          f.head,
          f.head.declarator,
          f.name,
          `not analysed: the file's functions used up its budget of ${this.opts.maxStatesPerFile} path states` +
            ' (--max-states-per-file, refcountLens.maxStatesPerFile)',
        );
        continue;
      }
      if (!cached) {
        shifted = this.analyzeFunction(
          f.head.syn(),
          doc,
          model,
          summaries,
          paramFacts,
          regs,
          inferredEffects,
          escapes,
          aliases,
          keeps,
          dropped,
          paired,
          macroArgs,
          countFields,
          numbers,
          renames,
        );
        cached = rebase(shifted, -f.head.line);
        this.cache.set(key, cached);
        if (this.cache.size > 20000) this.cache.delete(this.cache.keys().next().value!);
      }
      shifted ??= at(cached, f.head.line);
      statesSpent += cached.visits;
      if (cached.result.truncated)
        cuts.push({ function: f.name, line: f.head.line, states: cached.visits, ms: cached.ms });
      summaries.set(f.name, shifted.summary);
      if (visit) visit.exports[f.name] = shifted.summary;
      resultsByIndex[i] = withRoles(shifted.result, roles);
      result.diagnostics.push(...shifted.diagnostics);
    }
    if (this.opts.callSites) {
      const texts = { text: src, masked: doc.pre.masked };
      resultsByIndex.forEach((r, i) => {
        resultsByIndex[i] = this.withCallSitesOf(r, fns[i].head, texts);
      });
    }
    result.functions = resultsByIndex.filter(Boolean);
    if (inferred.size) result.inferredPairs = pairReports(inferred);
    result.diagnostics.sort((a, b) => a.line - b.line || byCodeUnits(a.rule, b.rule));
    result.timing.analyzeMs = round(performance.now() - t0);
    result.timing.states = statesSpent;
    if (cuts.length) result.timing.cuts = cuts;
    if (result.functions.some((f) => f.truncated)) {
      result.truncated = true;
      result.truncatedReason = result.functions.find((f) => f.truncated)?.truncatedReason;
    }
    return result;
  }

  /** `r` with its definition's parameters and calls, copied from the syntax once per definition text. */
  private withCallSitesOf(r: FunctionResult, head: FunctionHead, texts: CallSiteTexts): FunctionResult {
    const key = `${texts.text.slice(head.start, head.end)}\u0000${texts.masked.slice(head.start, head.end)}`;
    let known = this.callSiteCache.get(key);
    if (!known) {
      const made = withCallSites(r, head, texts);
      known = { params: made.params, calls: made.calls?.map((c) => ({ ...c, line: c.line - head.line })) };
      if (this.callSiteCache.size > 20000) this.callSiteCache.clear();
      this.callSiteCache.set(key, known);
    }
    return { ...r, params: known.params, calls: known.calls?.map((c) => ({ ...c, line: c.line + head.line })) };
  }

  /**
   * Whether an unknown callee keeps argument `arg`, by the model's `unknownCalls` policy and the
   * evidence of this file (its prototypes, how it uses each callee) and of its tree. Undefined
   * when every unknown callee keeps what it is given.
   */
  private keepsFor(
    model: Model,
    doc: KeptParse,
    tree: TreeFileContext | undefined,
    dropped: ((callee: string, arg: number) => boolean) | undefined,
  ): ((callee: string, arg: number) => boolean) | undefined {
    const policy = modelPolicy(model.unknownCalls);
    const mode = this.opts.unknownCalls ?? policy.policy;
    // a macro that never names an argument cannot keep it, whatever the policy
    if (mode === 'hand-on') return dropped && ((callee, arg) => !dropped(callee, arg));
    const effective = { ...policy, policy: mode };
    const local = calleeEvidence([shardOf(doc.pre, doc.text, model)]);
    return (callee, arg) =>
      !dropped?.(callee, arg) && unknownKeeps(effective, callee, arg, tree?.evidence?.[callee] ?? local.get(callee));
  }

  /** The file's macros that jump to a label they are given (per document: its defines do not change). */
  private jumpsOf(doc: KeptParse): Map<string, number> {
    let j = this.jumpCache.get(doc.pre);
    if (!j) {
      j = jumpMacros(doc.pre.defines);
      this.jumpCache.set(doc.pre, j);
    }
    return j;
  }

  /** Identifiers in a function's text (cached by that text: most survive an edit elsewhere). */
  private tokensOf(text: string): FunctionTokens {
    let t = this.tokenCache.get(text);
    if (!t) {
      t = functionTokens(text);
      if (this.tokenCache.size > 20000) this.tokenCache.clear();
      this.tokenCache.set(text, t);
    }
    return t;
  }

  private analyzeFunction(
    syn: Syn,
    doc: KeptParse,
    model: Model,
    summaries: Map<string, Summary>,
    paramFacts: Atom[],
    regs: FileResult['facts']['registrations'],
    inferred: Map<string, import('./model/compiled').Effect[]>,
    escapes: number[],
    aliases?: MacroAliases,
    keeps?: (callee: string, arg: number) => boolean,
    dropped?: (callee: string, arg: number) => boolean,
    paired?: string,
    macroArgs?: MacroParams,
    countFields?: ReadonlySet<string>,
    numbers?: Readonly<Record<string, string>>,
    renames?: MacroRenames,
  ): CachedFunction {
    const t0 = performance.now();
    const name = declaratorInfo(syn.fields.declarator).name ?? '<anonymous>';
    const jumps = this.jumpsOf(doc);
    let cfg: Cfg;
    try {
      cfg = buildCfg(syn, {
        statementMacros: doc.pre.statementMacros,
        isIterator: (n) => model.iterators.has(n),
        transparentArg: (n) => model.transparent.get(n),
        assertion: (n) => model.asserts.get(n),
        jumpMacro: (n) => jumps.get(n),
        retriesUntilSwapped: countFields
          ? (loop) => retriesCountCas(doc.text.slice(loop.start, loop.end), countFields)
          : undefined,
      });
    } catch (err) {
      const s = skeleton(
        syn,
        syn.fields.declarator,
        name,
        `not analysed: ${err instanceof RangeError ? 'nested too deeply' : (err as Error).message}`,
      );
      return {
        result: s,
        diagnostics: [],
        summary: { name, paths: [], truncated: true, hash: 'x' },
        analysed: true,
        visits: 0,
        ms: 0,
      };
    }
    const opts: EngineOptions = {
      maxStates: this.opts.maxStatesPerFunction,
      maxStatesAfterCut: this.afterCut(),
      maxStatesPerNode: this.opts.maxStatesPerNode,
      maxOutcomes: this.opts.maxOutcomesPerExpression,
    };
    const returnsPointer = declaratorInfo(syn.fields.declarator).pointerDepth > 0;
    const fromStructure = readFromStructure(
      cfg,
      (n) => namesExisting(n, model, summaries, inferred),
      (n) => model.iterators.get(n)?.holds !== false && model.iterators.has(n),
    );
    let run: ReturnType<FunctionEngine['run']>;
    try {
      run = new FunctionEngine(
        {
          cfg,
          model,
          summaries,
          source: doc.text,
          paramFacts,
          options: opts,
          inferred,
          aliases,
          keeps,
          macroArgs,
          dropped,
          countFields,
          numbers,
          renames: renames?.size ? renames : undefined,
          fromStructure,
          companions: companions(cfg, (n) => namesExisting(n, model, summaries, inferred)),
          flagGuarded: flagGuarded(cfg, syn.fields.body),
          counterGuarded: counterGuarded(cfg, syn.fields.body),
        },
        returnsPointer,
      ).run();
    } catch (err) {
      const s = skeleton(
        syn,
        syn.fields.declarator,
        name,
        `not analysed: ${err instanceof RangeError ? 'too deeply nested' : (err as Error).message}`,
      );
      return {
        result: s,
        diagnostics: [],
        summary: { name, paths: [], truncated: true, hash: 'x' },
        analysed: true,
        visits: 0,
        ms: 0,
      };
    }
    if (cfg.incomplete) {
      run.truncated = true;
      run.truncatedReason = cfg.incomplete;
    }
    const { classes, classOf } = pathClasses(run.exits);
    const summary = summarize(cfg, run.exits, run.truncated);
    summary.escapes = escapes;
    const named = namedByCaller(cfg, (n) => namesExisting(n, model, summaries, inferred));
    const found = runChecks({
      cfg,
      exits: run.exits,
      classes,
      classOf,
      model,
      registrations: regs,
      paired,
      namedByCaller: named,
      readFromStructure: fromStructure,
    });
    // no silent cuts: what the explored paths show is still said, as information
    const diagnostics = run.truncated ? explored(found, classes.length) : found;
    if (run.truncated) {
      diagnostics.push(budgetDiagnostic(name, syn.line, run.truncatedReason ?? '', classes.length));
    }
    for (const p of cfg.problems)
      diagnostics.push({
        rule: 'parse',
        severity: 'info',
        function: name,
        line: p.line,
        message: p.message,
        related: [],
      });
    const quiet = classes.every((c) => c.deltas.length === 0) && !run.truncated;
    const result: FunctionResult = {
      name,
      ...placeOf(syn, syn.fields.declarator),
      paths: quiet ? [] : classes,
      truncated: run.truncated,
      truncatedReason: run.truncatedReason,
    };
    if (quiet) result.quiet = true;
    return { result, diagnostics, summary, analysed: true, visits: run.visits, ms: round(performance.now() - t0) };
  }
}

/** The parser's watchdog fired (see AnalyzerOptions.parseWatchdogMs). */
export class ParseGaveUp extends Error {}

/** How a watchdog's error begins: such a result depends on the machine's speed, so it is never cached. */
export const PARSE_WATCHDOG_ERROR = 'the syntax is too damaged to read: the parser gave up';

/** The tree does not match the outline a parse skipped bodies by: parse it all. */
class SkippedBodyNeeded extends Error {}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function rangeOf(s: SourceSpan): Range {
  return { line: s.line, column: s.col, endLine: s.endLine, endColumn: s.endCol };
}

function pointAt(text: string, offset: number): { row: number; column: number } {
  let row = 0,
    last = -1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    row++;
    last = i;
  }
  return { row, column: offset - last - 1 };
}

/** A top-level function definition and its name. */
interface FileFunction {
  head: FunctionHead;
  name: string;
}

/** Could a counted operation happen in this function? (If not, the path analysis is skipped.) */
function touchesCounts(
  fn: { start: number; end: number },
  called: string[],
  members: string[],
  model: Model,
  summaries: Map<string, Summary>,
  inferred: Map<string, unknown>,
  doc: KeptParse,
  hasRole: boolean,
): boolean {
  if (hasRole) return true;
  const rows = membersWithRows(model);
  if (rows.size && members.some((m) => rows.has(m))) return true;
  for (const n of called) {
    if (model.functions.has(n) || inferred.has(n)) return true;
    const s = summaries.get(n);
    if (s && (s.truncated || s.paths.some((p) => p.effects.length || p.writes.length))) return true;
  }
  for (const [off, m] of doc.pre.statementMacros)
    if (off >= fn.start && off < fn.end && holdsReferences(model, m.name)) return true;
  return false;
}

interface BodyScan {
  /** Functions called by name, in the order of their first call. */
  calls: string[];
  /** Members called through (`ops->send(...)`: `send`), for the model's member rows. */
  members: string[];
  /** Parameters stored into memory (`sc->sc_dev = dev`), found syntactically. */
  escapes: number[];
  /** Parameters given whole to a call by name (`make_node(mp, lower)`): callee, argument and parameter index. */
  passes: { callee: string; arg: number; param: number }[];
}

/** Copies of unchanged functions are handed from one parse to the next: so are their scans. */
const scans = new WeakMap<Syn, BodyScan>();

function scanBody(fn: Syn): BodyScan {
  let s = scans.get(fn);
  if (!s) {
    s = walkBody(fn);
    scans.set(fn, s);
  }
  return s;
}

/** One walk of a function's body for what the call graph and the summaries need. */
function walkBody(fn: Syn): BodyScan {
  const params = new Map<string, number>();
  let idx = 0;
  for (const p of declaratorInfo(fn.fields.declarator).params?.children ?? []) {
    if (p.type !== 'parameter_declaration') continue;
    const name = declaratorInfo(p.fields.declarator).name;
    if (name) params.set(name, idx);
    idx++;
  }
  const calls = new Set<string>();
  const members = new Set<string>();
  const escapes = new Set<number>();
  const passes: BodyScan['passes'] = [];
  // a plain name assigned to is a local unless the body never declares it (a global keeps the value)
  const locals = new Set<string>();
  const declared = (n: Syn) => {
    if (n.type === 'declaration') {
      for (const c of n.children) {
        const name = declaratorInfo(c.type === 'init_declarator' ? c.fields.declarator : c).name;
        if (name) locals.add(name);
      }
    }
    for (let i = 0; i < n.children.length; i++) declared(n.children[i]);
  };
  if (fn.fields.body && params.size) declared(fn.fields.body);
  const walk = (n: Syn) => {
    if (n.type === 'call_expression') {
      const f = n.fields.function;
      const member = memberCalled(n)?.fields.field?.text;
      if (member) members.add(member);
      if (f?.type === 'identifier' && f.text) {
        calls.add(f.text);
        const args = (n.fields.arguments?.children ?? []).filter((a) => a.type !== 'comment');
        args.forEach((a, arg) => {
          const v = unwrapValue(a);
          const param = v?.type === 'identifier' && !locals.has(v.text ?? '') ? params.get(v.text ?? '') : undefined;
          if (param !== undefined) passes.push({ callee: f.text!, arg, param });
        });
      }
    } else if (n.type === 'assignment_expression' && n.op === '=' && params.size) {
      const l = unwrapValue(n.fields.left);
      const r = unwrapValue(n.fields.right);
      const global = l?.type === 'identifier' && !locals.has(l.text ?? '') && !params.has(l.text ?? '');
      if (l && (l.type !== 'identifier' || global) && r?.type === 'identifier' && params.has(r.text ?? ''))
        escapes.add(params.get(r.text!)!);
    }
    for (let i = 0; i < n.children.length; i++) walk(n.children[i]);
  };
  if (fn.fields.body) walk(fn.fields.body);
  return { calls: [...calls], members: [...members], escapes: [...escapes].sort((a, b) => a - b), passes };
}

/**
 * The parameters a function keeps: those it stores into memory itself, and those it gives whole to a function
 * of its file that stores that argument (`make_node(lower)` storing `xp->lower = lower` in the node it makes
 * and returns): a reference the caller took on it goes where the callee put it. One call down, by the
 * callee's own body (`storedBy`): a summary's `escapes` also hold what the tree's unknown-call policy says a
 * callee may keep, and followed from summary to summary through the tree they reach any function that hands
 * a vnode to a chain that somewhere stores it (xnu's exclave_fs_open_internal() lost its leak that way).
 */
function keptThroughCallees(
  scan: BodyScan,
  own: number[],
  storedBy: (callee: string) => readonly number[] | undefined,
): number[] {
  return withPassed(own, scan, (callee, arg) => !!storedBy(callee)?.includes(arg));
}

/** A body's stored parameters (`BodyScan.escapes`) and those it gives to a macro that stores the argument. */
function macroStores(scan: BodyScan, usesOf: (macro: string) => readonly ParamUse[] | undefined): number[] {
  return withPassed(scan.escapes, scan, (macro, arg) => !!usesOf(macro)?.[arg]?.stored);
}

/** `base` and the parameters the body passes whole to a call that `keeps` that argument, in order. */
function withPassed(base: number[], scan: BodyScan, keeps: (callee: string, arg: number) => boolean): number[] {
  const out = new Set(base);
  for (const { callee, arg, param } of scan.passes) if (keeps(callee, arg)) out.add(param);
  return out.size === base.length ? base : [...out].sort((a, b) => a - b);
}

/** Where a function's result points: its name's line and range, and the whole definition's. */
function placeOf(
  pos: SourceSpan,
  declarator: Syn | undefined,
): Pick<FunctionResult, 'line' | 'endLine' | 'range' | 'nameRange'> {
  const nameNode = declaratorInfo(declarator).nameNode ?? pos;
  return { line: nameNode.line, endLine: pos.endLine, range: rangeOf(pos), nameRange: rangeOf(nameNode) };
}

function skeleton(pos: SourceSpan, declarator: Syn | undefined, name: string, reason: string): FunctionResult {
  return { name, ...placeOf(pos, declarator), paths: [], truncated: true, truncatedReason: reason, quiet: true };
}

/** The result of a function in which nothing counted happens. */
function quietResult(f: FileFunction): FunctionResult {
  return { name: f.name, ...placeOf(f.head, f.head.declarator), paths: [], truncated: false, quiet: true };
}

function quietSummary(name: string, escapes: number[], supposed?: number[]): Summary {
  return {
    name,
    paths: [{ conds: [], ret: 'unknown', effects: [], writes: [] }],
    truncated: false,
    hash: 'quiet',
    escapes,
    ...(supposed ? { supposed } : {}),
  };
}

function withRoles(r: FunctionResult, roles: string[]): FunctionResult {
  return roles.length ? { ...r, roles: [...new Set(roles)] } : r;
}

/**
 * A callee's part of its callers' cache keys: what its summary says, which parameters it stores,
 * and whether it was cut (a caller applies a cut summary as unsure: `hash` covers the paths alone).
 */
function summaryKey(s: Summary | undefined): string {
  if (!s) return '-';
  const key = s.escapes?.length ? `${s.hash}^${escapesKey(s)}` : s.hash;
  return s.truncated ? `${key}^cut` : key;
}

/** Tarjan's algorithm, iterative; components come out callees first. */
function sccOrder(n: number, succ: (i: number) => number[]): number[] {
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const order: number[] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: { v: number; i: number; succs: number[] }[] = [{ v: root, i: 0, succs: succ(root) }];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length) {
      const top = work[work.length - 1];
      if (top.i < top.succs.length) {
        const w = top.succs[top.i++];
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          work.push({ v: w, i: 0, succs: succ(w) });
        } else if (onStack[w]) low[top.v] = Math.min(low[top.v], index[w]);
      } else {
        work.pop();
        if (work.length) low[work[work.length - 1].v] = Math.min(low[work[work.length - 1].v], low[top.v]);
        if (low[top.v] === index[top.v]) {
          let w: number;
          do {
            w = stack.pop()!;
            onStack[w] = false;
            order.push(w);
          } while (w !== top.v);
        }
      }
    }
  }
  return order;
}

/** A cached function result (stored relative to the function's first line) at `line`. */
function at(c: CachedFunction, line: number): CachedFunction {
  if (c.at?.line !== line) c.at = { line, value: rebase(c, line) };
  return c.at.value;
}

/** Moves every line number in a cached function result by `delta`. */
function rebase(c: CachedFunction, delta: number): CachedFunction {
  if (delta === 0) return c;
  const mv = (l: number) => l + delta;
  // path classes share the steps of their common prefix: keep them shared (one copy each, not one per class)
  const moved = new Map<Step, Step>();
  const mvStep = (s: Step): Step => {
    let m = moved.get(s);
    if (!m) {
      m = { ...s, line: mv(s.line), object: moveOverwriteLines(s.object, mv) };
      moved.set(s, m);
    }
    return m;
  };
  const r = c.result;
  const range = (x: Range): Range => ({ ...x, line: mv(x.line), endLine: mv(x.endLine) });
  return {
    summary: c.summary,
    analysed: c.analysed,
    visits: c.visits,
    ms: c.ms,
    result: {
      ...r,
      line: mv(r.line),
      endLine: mv(r.endLine),
      range: range(r.range),
      nameRange: range(r.nameRange),
      paths: r.paths.map((p) => ({
        ...p,
        exit: { ...p.exit, line: mv(p.exit.line) },
        lines: p.lines.map(mv),
        deltas: p.deltas.map((d) => ({ ...d, object: moveOverwriteLines(d.object, mv) })),
        steps: p.steps.map(mvStep),
      })),
    },
    // worded again from their moved detail, never edited as text
    diagnostics: c.diagnostics.map((d) => moveDiagnostic(d, mv)),
  };
}

/**
 * Parameters a function with no counted effect keeps: what its own body stores, and what the
 * tree says it passes on.
 */
function keptParams(own: number[], tree: number[] | undefined): number[] {
  if (!tree?.length) return own;
  return [...new Set([...own, ...tree])].sort((a, b) => a - b);
}

/**
 * Names defined elsewhere in the tree that make a caller worth analysing: their summary
 * changes a count or writes through an argument. Undefined outside tree mode.
 */
function treeRelevantNames(tree: TreeFileContext | undefined, model: Model): Map<string, unknown> | undefined {
  if (!tree) return undefined;
  // asked by the parse (which bodies to skip) and again by the analysis of the same context
  const known = relevantNames.get(tree);
  if (known?.model === model) return known.names;
  const names = relevantNamesOf(tree, model);
  relevantNames.set(tree, { model, names });
  return names;
}

const relevantNames = new WeakMap<TreeFileContext, { model: Model; names: Map<string, unknown> | undefined }>();

function relevantNamesOf(tree: TreeFileContext, model: Model): Map<string, unknown> | undefined {
  const out = new Map<string, unknown>();
  for (const [n, sum] of Object.entries(tree.externals)) {
    if (sum.truncated || sum.paths.some((p) => p.effects.length || p.writes.length)) out.set(n, true);
  }
  // a header macro that wraps such a callee (`#define HM_REL(sc) hm_rel_impl((sc), __func__)`)
  for (const [n, a] of macroAliases(tree.macros, model)) if (out.has(a.callee)) out.set(n, true);
  return out.size ? out : undefined;
}

/**
 * The numbers this file's macros spelled like variables stand for: its own definitions, and the
 * tree's headers' for the names the file uses (parse/number-macros.ts).
 */
function fileNumbers(
  masked: string,
  defines: readonly MacroDefinition[],
  tree: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (tree) for (const m of masked.matchAll(/\b[A-Za-z_]\w*\b/g)) if (Object.hasOwn(tree, m[0])) out[m[0]] = tree[m[0]];
  return Object.assign(out, numberMacros(defines));
}
