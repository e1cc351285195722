/**
 * Which names (locals, globals, fields) a node or any node after it may read: facts about
 * the others are dropped where paths meet, so more states merge. Reads that can decide
 * nothing do not count: a field given to a function nothing is known of, a local integer
 * read only by arithmetic, the condition of a branch whose arms do nothing visible.
 */
import type { Cfg, CfgNode } from '../cfg/cfg';
import { unwrapValue, type Syn } from '../parse/syntax';
import type { Effect, Model } from '../model/compiled';
import type { Summary } from './summary';
import { isZeroConst, NULL_NAME, normNumber } from './values';
import { calleeName, type FunctionContext } from './function-context';

export class Liveness {
  /** Per node: is the name live on entry (read there or later)? */
  liveBefore: { has(name: string): boolean }[] = [];
  /** Nodes where paths meet (more than one predecessor). */
  readonly joins = new Set<number>();
  private readonly cfg: Cfg;
  private readonly model: Model;
  private readonly summaries: ReadonlyMap<string, Summary>;
  private readonly inferred: ReadonlyMap<string, Effect[]> | undefined;

  constructor(ctx: FunctionContext) {
    this.cfg = ctx.cfg;
    this.model = ctx.model;
    this.summaries = ctx.summaries;
    this.inferred = ctx.inferred;
    const nodes = this.cfg.nodes;
    const uses: Set<string>[] = nodes.map((n) => {
      const s = new Set<string>();
      // a function the analysis knows nothing of cannot read what is known of a field it is given
      // (`KASSERT(sc->n >= 0, ...)`, `printf(..., sc->n)`): such fields are not uses
      // and a plain local integer read only by arithmetic or a comparison with non-zero (`i < 4`) is not a use:
      // its facts could never decide anything there
      const blindLocal = (name: string) => {
        const d = n.scope.get(name);
        return d !== undefined && !d.isParam && d.pointerDepth === 0;
      };
      const walk = (x: Syn | undefined, fieldsMatter = true, inBlind = false) => {
        if (!x) return;
        if (x.type === 'identifier' && x.text && !(inBlind && blindLocal(x.text))) s.add(x.text);
        if (x.type === 'field_identifier' && x.text && fieldsMatter) s.add('.' + x.text);
        if (x.type === 'call_expression' && fieldsMatter && this.opaqueCallee(x)) {
          walk(x.fields.function);
          for (const a of x.fields.arguments?.children ?? []) walk(a, false);
          return;
        }
        // arithmetic, and comparisons with anything but zero, are never decided from facts
        if (x.type === 'binary_expression' && factBlindOperator(x)) {
          for (let i = 0; i < x.children.length; i++) walk(x.children[i], false, true);
          return;
        }
        for (let i = 0; i < x.children.length; i++)
          walk(x.children[i], fieldsMatter, inBlind && x.type === 'parenthesized_expression');
      };
      // `if (bootverbose) printf(...)`: a branch whose arms do nothing the analysis can see does not read its condition
      if (!(n.kind === 'branch' && this.idleBranch(n))) walk(n.ast);
      // `x = x + 1`, `sc->f |= F`, `i++`: writing a name is not reading it; its value matters only if read later
      const written = n.kind === 'eval' ? assignedName(n.ast) : undefined;
      if (written) s.delete(written);
      if (n.decl) s.add(n.decl.name);
      for (const a of n.macro?.args ?? []) walk(a);
      return s;
    });
    // names as bits: after[n] = union over successors of (uses(succ) ∪ after(succ))
    const index = new Map<string, number>();
    for (const u of uses) for (const name of u) if (!index.has(name)) index.set(name, index.size);
    const words = Math.max(1, Math.ceil(index.size / 32));
    const useBits = new Int32Array(nodes.length * words);
    uses.forEach((u, id) => {
      for (const name of u) {
        const i = index.get(name)!;
        useBits[id * words + (i >> 5)] |= 1 << (i & 31);
      }
    });
    const bits = new Int32Array(nodes.length * words);
    const preds: number[][] = nodes.map(() => []);
    for (const n of nodes) for (const e of n.edges) preds[e.to].push(n.id);
    const work = nodes.map((n) => n.id);
    const inWork = new Uint8Array(nodes.length).fill(1);
    while (work.length) {
      const id = work.pop()!;
      inWork[id] = 0;
      let changed = false;
      for (const e of nodes[id].edges) {
        for (let w = 0; w < words; w++) {
          const old = bits[id * words + w];
          const nv = old | useBits[e.to * words + w] | bits[e.to * words + w];
          if (nv !== old) {
            bits[id * words + w] = nv;
            changed = true;
          }
        }
      }
      if (changed)
        for (const p of preds[id])
          if (!inWork[p]) {
            inWork[p] = 1;
            work.push(p);
          }
    }
    // fields a model condition reads (`arg0->mda_flags & MAKEDEV_REF`) stay live: a call may read them
    const modelFields = fieldsModelConditionsRead(this.model);
    // live on entry to a node: what it reads, and what is live after it (the state on an edge is
    // pruned by its target's, not by its source's: a loop test's body reads what its exit may not)
    this.liveBefore = nodes.map((_, id) => ({
      has: (name: string) => {
        const i = index.get(name);
        if (i === undefined) return modelFields.has(name);
        const w = id * words + (i >> 5),
          bit = 1 << (i & 31);
        return ((bits[w] | useBits[w]) & bit) !== 0 || modelFields.has(name);
      },
    }));
    preds.forEach((p, id) => {
      if (p.length > 1) this.joins.add(id);
    });
  }

  /** A call to a function neither the model, inference nor this file's summaries say anything about. */
  private opaqueCallee(call: Syn): boolean {
    const name = calleeName(call);
    if (!name) return false;
    const m = this.model;
    return !(
      m.functions.has(name) ||
      m.transparent.has(name) ||
      m.zeroes.has(name) ||
      m.assigns.has(name) ||
      m.links.has(name) ||
      m.frees.has(name) ||
      m.returnsArgument.has(name) ||
      m.nullTests.has(name) ||
      m.equals.has(name) ||
      m.iterators.has(name) ||
      this.inferred?.has(name) ||
      this.summaries.has(name)
    );
  }

  /**
   * Both arms of this branch run only calls the analysis knows nothing of, with no
   * pointer (no object) given to them, and meet again: whichever way it goes, nothing
   * counted and no fact changes.
   */
  private idleBranch(n: CfgNode): boolean {
    if (n.edges.length !== 2) return false;
    const end = (id: number): number => {
      for (let steps = 0; steps < 32; steps++) {
        const x = this.cfg.nodes[id];
        if (
          x.edges.length !== 1 ||
          x.loops.length !== n.loops.length ||
          !(x.kind === 'nop' || (x.kind === 'eval' && this.idleCall(x)))
        )
          return id;
        id = x.edges[0].to;
      }
      return -1;
    };
    const a = end(n.edges[0].to);
    return a >= 0 && a === end(n.edges[1].to);
  }

  /** A statement that is only a call of an unknown function given no pointer: `printf("%s: %d", __func__, sc->n)`. */
  private idleCall(x: CfgNode): boolean {
    const e = unwrapValue(x.ast?.type === 'expression_statement' ? x.ast.children[0] : x.ast);
    if (e?.type !== 'call_expression' || !this.opaqueCallee(e) || this.model.noreturn.has(calleeName(e) ?? ''))
      return false;
    const acts = (a: Syn) =>
      a.type === 'assignment_expression' || a.type === 'update_expression' || a.type === 'call_expression';
    const pure = (a: Syn): boolean => !acts(a) && a.children.every(pure);
    const harmless = (a: Syn): boolean => {
      if (acts(a)) return false;
      // a field's value (even a pointer field's) given to an unknown function hands nothing on
      if (a.type === 'field_expression') return pure(a);
      if (a.type === 'identifier') {
        const d = x.scope.get(a.text ?? '');
        return d === undefined ? /^[A-Z_][A-Z0-9_]*$|^__func__$/.test(a.text ?? '') : d.pointerDepth === 0;
      }
      if (a.type === 'pointer_expression' && a.children[0]?.type === '&') return false;
      return a.children.every(harmless);
    };
    return (e.fields.arguments?.children ?? []).every(harmless);
  }
}

function factBlindOperator(e: Syn): boolean {
  const op = e.op ?? '';
  if (['+', '-', '*', '/', '%', '<<', '>>', '^'].includes(op)) return true;
  if (!['<', '>', '<=', '>='].includes(op)) return false;
  const zero = (x: Syn | undefined) =>
    x !== undefined &&
    (x.type === 'null' ||
      (x.type === 'number_literal' && isZeroConst(normNumber(x.text ?? ''))) ||
      (x.type === 'identifier' && NULL_NAME.test(x.text ?? '')));
  return !zero(e.fields.left) && !zero(e.fields.right);
}

const modelFieldsCache = new WeakMap<Model, Set<string>>();

function fieldsModelConditionsRead(model: Model): Set<string> {
  let fields = modelFieldsCache.get(model);
  if (!fields) {
    fields = new Set<string>();
    for (const effects of model.functions.values())
      for (const ef of effects)
        for (const a of ef.when) {
          if (a.kind !== 'ret') for (const seg of a.target.segs) if (seg.startsWith('.')) fields.add(seg);
        }
    modelFieldsCache.set(model, fields);
  }
  return fields;
}

/** The variable (`x`) or field (`.f`) an expression statement assigns, if it is one plain assignment. */
function assignedName(ast: Syn | undefined): string | undefined {
  let e = ast;
  while (e && (e.type === 'expression_statement' || e.type === 'parenthesized_expression') && e.children.length === 1)
    e = e.children[0];
  if (!e) return undefined;
  const target =
    e.type === 'assignment_expression' ? e.fields.left : e.type === 'update_expression' ? e.fields.argument : undefined;
  if (target?.type === 'identifier') return target.text;
  if (target?.type === 'field_expression' && target.fields.field?.text) return '.' + target.fields.field.text;
  return undefined;
}
