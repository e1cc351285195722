/**
 * Builds a Model from presets and user model files. Every problem is reported with its
 * file and line; a broken entry is skipped and the rest still loads. The files come as
 * text: the caller reads them (src/files/model-files.ts), the analysis reads no files.
 */
import { compileUnknownCalls } from './unknown-calls';
import type { EffectSpec, ModelFile, RegistrationSpec } from './types';
import { emptyModel, parseCondition, parseTarget, type Effect, type Model } from './compiled';
import { badMemberRow, memberRowKey } from './member-rows';
import { parseJsonWithPositions, type JsonError } from './jsonpos';
import freebsd from './presets/freebsd.json';
import linux from './presets/linux.json';

export const PRESETS: Record<string, ModelFile> = { freebsd: freebsd as ModelFile, linux: linux as ModelFile };
export type PresetName = 'freebsd' | 'linux';

export interface ModelProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

const OPS = ['acquire', 'release', 'create', 'destroy', 'lookup', 'keep'] as const;

/** A model file as the caller read it. */
export interface ModelSource {
  /** Its path, as problems name it. */
  file: string;
  text?: string;
  /** Why it could not be read (then there is no text). */
  unreadable?: string;
  /**
   * The files its `extends` entries name (those that are not presets), as the caller resolved them:
   * `file` is a key of `ModelSources.included`.
   */
  includes?: { name: string; file: string }[];
}

export interface ModelSources {
  /** The model files to load after the presets, in order (later entries override earlier ones). */
  files: ModelSource[];
  /** Every file an `extends` names, by its resolved path (`file`). */
  included: ModelSource[];
}

type Where = (ptr: string) => { line: number; column: number };

interface Loading {
  model: Model;
  problems: ModelProblem[];
  seen: Set<string>;
  included: readonly ModelSource[];
}

function addFile(ld: Loading, file: ModelFile, source: string, where: Where, from: ModelSource | undefined) {
  const { model, problems, seen } = ld;
  const problem = (ptr: string, message: string) => {
    const p = where(ptr);
    problems.push({ file: source, line: p.line, column: p.column, message });
  };
  if (typeof file !== 'object' || file === null || Array.isArray(file)) {
    problem('', 'a model file is a JSON object');
    return;
  }
  for (const ext of file.extends ?? []) {
    if (typeof ext !== 'string') {
      problem('/extends', 'extends lists preset names or file paths');
      continue;
    }
    if (seen.has(ext)) continue;
    seen.add(ext);
    const include = from?.includes?.find((i) => i.name === ext);
    const included = include && ld.included.find((s) => s.file === include.file);
    if (PRESETS[ext]) addFile(ld, PRESETS[ext], ext, () => ({ line: 1, column: 1 }), undefined);
    else if (included) addSource(ld, included);
    else problem('/extends', `unknown preset "${ext}" (known: ${Object.keys(PRESETS).join(', ')})`);
  }
  model.sources.push(source);
  const known = new Set([
    '$schema',
    'extends',
    'functions',
    'noreturn',
    'transparent',
    'returnsArgument',
    'handles',
    'foundBy',
    'nullTests',
    'equals',
    'borrows',
    'unknownCalls',
    'zeroes',
    'assigns',
    'links',
    'frees',
    'asserts',
    'iterators',
    'registrations',
    'kinds',
    'pairedCallbacks',
    'countMembers',
    'defines',
    'undefines',
    'description',
    'note',
  ]);
  for (const k of Object.keys(file)) if (!known.has(k)) problem(`/${k}#key`, `unknown key "${k}"`);
  for (const [written, spec] of Object.entries(file.functions ?? {})) {
    if (badMemberRow(written)) {
      problem(`/functions/${written}#key`, `${written}: a member row is written ->member, ops->member or ops.member`);
      continue;
    }
    const name = memberRowKey(written) ?? written;
    const list = Array.isArray(spec) ? spec : [spec];
    model.says.delete(name); // a row replaces an earlier file's row, its words too
    const effects: Effect[] = [];
    list.forEach((e: EffectSpec, idx) => {
      const ptr = Array.isArray(spec) ? `/functions/${written}/${idx}` : `/functions/${written}`;
      if (typeof e !== 'object' || e === null) {
        problem(ptr, `${name}: an effect is an object like {"acquire": "arg0"}`);
        return;
      }
      const ops = OPS.filter((o) => e[o] !== undefined);
      if (ops.length !== 1) {
        problem(ptr, `${name}: give exactly one of ${OPS.join(', ')} (found ${ops.length ? ops.join(', ') : 'none'})`);
        return;
      }
      const op = ops[0];
      for (const k of Object.keys(e))
        if (![...OPS, 'when', 'kind', 'count', 'counter', 'label', 'note', 'says', 'nullSafe', 'onlyIf'].includes(k))
          problem(`${ptr}/${k}#key`, `${name}: unknown key "${k}"`);
      if (e.says !== undefined) addSays(model, name, e.says, `${ptr}/says`, problem);
      try {
        const target = parseTarget(String(e[op]));
        const when = parseCondition(e.when);
        const onlyIf = e.onlyIf === undefined ? undefined : parseCondition(e.onlyIf);
        if (onlyIf && !when.some((a) => a.kind === 'ret'))
          throw new Error('onlyIf says when a result is possible: give the test of ret in when');
        if (onlyIf?.some((a) => a.kind === 'ret'))
          throw new Error("onlyIf tests the arguments or a field of ret, not ret itself (that is when's test)");
        const count = e.count ?? 1;
        if (!Number.isInteger(count) || count < 1) throw new Error(`count must be a whole number >= 1`);
        if (e.nullSafe !== undefined && typeof e.nullSafe !== 'boolean') throw new Error('nullSafe is true or false');
        if (e.nullSafe === false && op !== 'release' && op !== 'destroy')
          throw new Error('nullSafe is said of a release or a destroy');
        effects.push({
          op,
          target,
          when,
          ...(onlyIf?.length ? { onlyIf } : {}),
          kind: e.kind,
          count,
          counter: e.counter,
          label: e.label,
          ...(e.nullSafe === false ? { nullUnsafe: true } : {}),
          source: `${source}:${name}`,
        });
      } catch (err) {
        problem(`${ptr}/${op}`, `${name}: ${(err as Error).message}`);
      }
    });
    if (effects.length) model.functions.set(name, effects);
    else if (list.length) model.functions.delete(name);
  }
  for (const n of file.noreturn ?? []) model.noreturn.add(n);
  for (const n of file.nullTests ?? []) model.nullTests.add(n);
  for (const n of file.equals ?? []) model.equals.add(n);
  for (const [n, idx] of Object.entries(file.transparent ?? {})) model.transparent.set(n, idx);
  for (const [n, idx] of Object.entries(file.returnsArgument ?? {})) model.returnsArgument.set(n, idx);
  for (const [n, idx] of Object.entries(file.handles ?? {})) {
    if (Number.isInteger(idx) && idx >= 0) model.handles.set(n, idx);
    else problem(`/handles/${n}`, `${n}: a handle names the argument it is made from by its index (0, 1, ...)`);
  }
  for (const [n, idx] of Object.entries(file.foundBy ?? {})) {
    if (Number.isInteger(idx) && idx >= 0) model.foundBy.set(n, idx);
    else
      problem(`/foundBy/${n}`, `${n}: a lookup names the argument it finds its result by with its index (0, 1, ...)`);
  }
  for (const n of file.borrows ?? []) model.borrows.add(n);
  if (file.unknownCalls !== undefined) {
    const u = file.unknownCalls;
    if (typeof u !== 'object' || u === null || Array.isArray(u)) problem('/unknownCalls', 'unknownCalls is an object');
    else {
      compileUnknownCalls([u], (m) => problem('/unknownCalls', m));
      model.unknownCalls.push(u);
    }
  }
  for (const [n, t] of Object.entries(file.zeroes ?? {})) {
    try {
      model.zeroes.set(n, parseTarget(t));
    } catch (err) {
      problem(`/zeroes/${n}`, `${n}: ${(err as Error).message}`);
    }
  }
  for (const [n, a] of Object.entries(file.assigns ?? {})) {
    if (typeof a?.value !== 'number' || typeof a?.to !== 'string') {
      problem(`/assigns/${n}`, `${n}: an assignment needs "to" (a target) and "value" (an argument index)`);
      continue;
    }
    if (a.returns !== undefined && a.returns !== 'old') {
      problem(`/assigns/${n}/returns`, `${n}: "returns" can only be "old"`);
      continue;
    }
    try {
      model.assigns.set(n, { to: parseTarget(a.to), value: a.value, returnsOld: a.returns === 'old' });
    } catch (err) {
      problem(`/assigns/${n}/to`, `${n}: ${(err as Error).message}`);
    }
  }
  for (const [n, l] of Object.entries(file.links ?? {})) {
    const index = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0;
    if (!(index(l?.into) || l?.into === 'ret') || !index(l?.value)) {
      problem(
        `/links/${n}`,
        `${n}: a link needs "into" (the list head's argument index, or "ret": the object the call returns) and` +
          ` "value" (the object's)`,
      );
      continue;
    }
    model.links.set(n, { into: l.into, value: l.value });
  }
  for (const [n, idx] of Object.entries(file.frees ?? {})) {
    if (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 0) {
      problem(`/frees/${n}`, `${n}: the argument index of the freed pointer (0 for free(p))`);
      continue;
    }
    model.frees.set(n, idx);
  }
  for (const [n, spec] of Object.entries(file.asserts ?? {})) {
    const a = typeof spec === 'number' ? { arg: spec } : spec;
    const arg = a?.arg;
    if (
      typeof arg !== 'number' ||
      !Number.isInteger(arg) ||
      arg < 0 ||
      (a.holds !== undefined && typeof a.holds !== 'boolean')
    ) {
      problem(
        `/asserts/${n}`,
        `${n}: the argument index that holds after the call (0 for ASSERT(c)), or {"arg": 0, "holds": false}`,
      );
      continue;
    }
    model.asserts.set(n, { arg, holds: a.holds ?? true });
  }
  for (const [n, it] of Object.entries(file.iterators ?? {})) {
    if (typeof it?.var !== 'number') {
      problem(`/iterators/${n}`, `${n}: "var" is the argument index of the loop variable`);
      continue;
    }
    model.iterators.set(n, { ...it, source: `${source}:${n}` });
  }
  for (const [n, spec] of Object.entries(file.registrations ?? {})) {
    const list = Array.isArray(spec) ? spec : [spec];
    const out: (RegistrationSpec & { source: string; parsedFacts: ReturnType<typeof parseCondition> })[] = [];
    list.forEach((r, idx) => {
      const ptr = Array.isArray(spec) ? `/registrations/${n}/${idx}` : `/registrations/${n}`;
      if (typeof r?.callback !== 'number' || typeof r?.role !== 'string') {
        problem(ptr, `${n}: a registration needs "callback" (argument index) and "role"`);
        return;
      }
      try {
        if (r.contract) parseTarget(r.contract.target);
        out.push({ ...r, source: `${source}:${n}`, parsedFacts: (r.facts ?? []).flatMap((f) => parseCondition(f)) });
      } catch (err) {
        problem(ptr, `${n}: ${(err as Error).message}`);
      }
    });
    if (out.length)
      model.registrations.set(n, [
        ...(model.registrations.get(n) ?? []).filter(
          (x) => !out.some((o) => JSON.stringify(o.match) === JSON.stringify(x.match)),
        ),
        ...out,
      ]);
  }
  for (const [s, k] of Object.entries(file.kinds ?? {})) model.kinds.set(s, k);
  for (const [take, drop] of Object.entries(file.pairedCallbacks ?? {})) {
    if (typeof drop !== 'string' || !/^[A-Za-z_]\w*$/.test(drop)) {
      problem(`/pairedCallbacks/${take}`, `${take}: the field of the callback that drops what it took ("irq_disable")`);
      continue;
    }
    model.pairedCallbacks.set(take, drop);
  }
  for (const [m, spec] of Object.entries(file.countMembers ?? {})) {
    const ok =
      /^[A-Za-z_]\w*$/.test(m) &&
      typeof spec === 'object' &&
      spec !== null &&
      typeof spec.kind === 'string' &&
      (spec.counter === undefined || typeof spec.counter === 'string') &&
      Object.keys(spec).every((k) => k === 'kind' || k === 'counter');
    if (!ok) {
      problem(`/countMembers/${m}`, `${m}: the kind whose count the member holds ({"kind": "vnode"}), and its counter`);
      continue;
    }
    model.countMembers.set(m, { kind: spec.kind, ...(spec.counter ? { counter: spec.counter } : {}) });
  }
  for (const [d, v] of Object.entries((file as { defines?: Record<string, string> }).defines ?? {}))
    model.defines.set(d, String(v));
  for (const u of file.undefines ?? []) {
    if (typeof u === 'string') model.defines.delete(u);
    else problem('/undefines', 'undefines lists macro names');
  }
}

const RET_CLASS = /^\s*ret\s*(==|!=|<=|>=|<|>)\s*(NULL|-?[A-Za-z0-9_]+)\s*$/;

/**
 * A row's words for its return classes (`"ret != 0": "found no device"`), keyed as the analysis
 * looks them up (`!= 0`).
 */
function addSays(
  model: Model,
  name: string,
  says: unknown,
  ptr: string,
  problem: (ptr: string, message: string) => void,
) {
  if (typeof says !== 'object' || says === null || Array.isArray(says)) {
    problem(ptr, `${name}: "says" maps return classes to words, like {"ret == 0": "found an existing device"}`);
    return;
  }
  const words = model.says.get(name) ?? new Map<string, string>();
  for (const [cls, text] of Object.entries(says)) {
    const m = RET_CLASS.exec(cls);
    const zero = m && (m[2] === '0' || m[2] === 'NULL');
    if (!m || (!zero && !['==', '!='].includes(m[1]))) {
      problem(
        `${ptr}/${cls}#key`,
        `${name}: "${cls}" is not a return class: write ret == 0, ret != NULL, ret < 0, ret == EBUSY ...`,
      );
      continue;
    }
    if (typeof text !== 'string' || !text.trim()) {
      problem(`${ptr}/${cls}`, `${name}: the words for "${cls}" are a non-empty string`);
      continue;
    }
    words.set(`${m[1]} ${zero ? '0' : m[2]}`, text.trim());
  }
  if (words.size) model.says.set(name, words);
}

function addSource(ld: Loading, source: ModelSource) {
  const { file, text } = source;
  if (text === undefined) {
    ld.problems.push({
      file,
      line: 1,
      column: 1,
      message: `cannot read the model file: ${source.unreadable ?? 'no text'}`,
    });
    return;
  }
  let parsed: ReturnType<typeof parseJsonWithPositions>;
  try {
    parsed = parseJsonWithPositions(text);
  } catch (err) {
    const e = err as JsonError;
    ld.problems.push({ file, line: e.line ?? 1, column: e.column ?? 1, message: `not valid JSON: ${e.message}` });
    return;
  }
  const where: Where = (ptr) =>
    parsed.positions.get(ptr) ??
    parsed.positions.get(ptr.replace(/#key$/, '')) ??
    parentPosition(parsed.positions, ptr);
  addFile(ld, parsed.value as ModelFile, file, where, source);
}

/** The `extends` entries of a model file's text that name files, not presets (for the caller who reads them). */
export function fileExtends(text: string): string[] {
  let value: unknown;
  try {
    value = parseJsonWithPositions(text).value;
  } catch {
    return [];
  }
  const ext =
    value && typeof value === 'object' && !Array.isArray(value) ? (value as { extends?: unknown }).extends : undefined;
  return Array.isArray(ext) ? ext.filter((e): e is string => typeof e === 'string' && !PRESETS[e]) : [];
}

function parentPosition(positions: Map<string, { line: number; column: number }>, ptr: string) {
  let p = ptr.replace(/#key$/, '');
  while (p) {
    p = p.slice(0, p.lastIndexOf('/'));
    const hit = positions.get(p);
    if (hit) return hit;
  }
  return positions.get('') ?? { line: 1, column: 1 };
}

export interface ModelOptions {
  presets: PresetName[];
  /** User model files, read by the caller. */
  sources?: ModelSources;
  /** Macros defined for conditional compilation, on top of the presets' defaults. */
  defines?: Record<string, string>;
  undefines?: string[];
}

export function buildModel(opts: ModelOptions): { model: Model; problems: ModelProblem[] } {
  const model = emptyModel();
  const problems: ModelProblem[] = [];
  const ld: Loading = { model, problems, seen: new Set<string>(), included: opts.sources?.included ?? [] };
  for (const p of opts.presets) {
    if (!PRESETS[p]) {
      problems.push({ file: '<options>', line: 1, column: 1, message: `unknown preset "${p}"` });
      continue;
    }
    ld.seen.add(p);
    addFile(ld, PRESETS[p], p, () => ({ line: 1, column: 1 }), undefined);
  }
  for (const f of opts.sources?.files ?? []) addSource(ld, f);
  for (const [k, v] of Object.entries(opts.defines ?? {})) model.defines.set(k, v);
  for (const u of opts.undefines ?? []) model.defines.delete(u);
  return { model, problems };
}
