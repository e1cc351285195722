/**
 * Expressions in one path state: what they evaluate to (an access path, a constant, flags)
 * and what evaluating them does (calls, assignments). An expression can have several
 * outcomes (a call whose model row splits on its result, `a ? b : c`).
 */
import type { VarDecl } from '../cfg/cfg';
import type { Syn } from '../parse/syntax';
import type { Effect, Model } from '../model/compiled';
import {
  type AccessPath,
  embeddingObject,
  extend,
  keyOf,
  parseKey,
  under,
  rootClass,
  throughPointer,
  overwrittenKey,
  splitOverwrite,
} from './access';
import { type State, type ObjState, type Fact, with_ } from './state';
import {
  factOf,
  setFact,
  setFactKeep,
  killPath,
  addStep,
  heldCounter,
  handlesKeepOldValue,
  publishPlaces,
} from './state-edits';
import { union, decide, factFor, signsOf } from './fact-tests';
import { NULL_NAME, UNKNOWN, isZeroConst, normNumber, type Out, type Val } from './values';
import { calleeName, resultOf, type FunctionContext } from './function-context';
import { memberCallRow, memberCalled } from '../model/member-rows';
import type { Effects } from './effects';
import { SameCalls, moveCallResult } from './same-calls';
import { identifyFoundBefore } from './identity';
import type { ParamUse } from '../tree/macro-params';
import { freshSlot, markSlot, slotIndexKey } from './array-slots';
import { casStep, countCallEffects, countEffect, countMember, lastField, updateOp } from './count-ops';

/** Characters before a compare-and-swap where the step of its new value is looked for (the loop's body). */
const CAS_LOOKBACK = 240;

export class Expressions {
  private readonly model: Model;
  private readonly decls: ReadonlyMap<string, VarDecl>;

  private readonly sameCalls: SameCalls;

  constructor(
    private readonly ctx: FunctionContext,
    private readonly fx: Effects,
  ) {
    this.model = ctx.model;
    this.decls = ctx.decls;
    this.sameCalls = new SameCalls(ctx.model, ctx.summaries, ctx.inferred);
  }

  /** Evaluates `exprs` left to right (the operands of `whole`), then `then` on each combination of their outcomes. */
  private seq(st: State, exprs: (Syn | undefined)[], whole: Syn, then: (st: State, vals: Val[]) => Out[]): Out[] {
    // the common case: every argument has one outcome
    const vals: Val[] = [];
    let s = st;
    let i = 0;
    let outs: Out[] | undefined;
    for (; i < exprs.length; i++) {
      const e = exprs[i];
      if (!e) {
        vals.push(UNKNOWN);
        continue;
      }
      outs = this.eval(e, s);
      if (outs.length !== 1) break;
      s = outs[0].st;
      vals.push(outs[0].v);
    }
    if (i === exprs.length) return this.limit(then(s, vals), whole);
    // one argument had several outcomes: every combination, in order, argument by argument, each
    // step cut to the outcome budget (the combinations of many arguments multiply)
    let partial = outs!.map((o) => ({ st: o.st, vals: [...vals, o.v] }));
    for (i++; i < exprs.length; i++) {
      const e = exprs[i];
      const next: { st: State; vals: Val[] }[] = [];
      for (const p of partial) {
        if (!e) {
          next.push({ st: p.st, vals: [...p.vals, UNKNOWN] });
          continue;
        }
        for (const o of this.eval(e, p.st)) next.push({ st: o.st, vals: [...p.vals, o.v] });
      }
      partial = this.limit(next, whole);
    }
    return this.limit(
      partial.flatMap((p) => then(p.st, p.vals)),
      whole,
    );
  }

  /** The outcomes of evaluating `exprs` left to right (the operands of `whole`), each with their values. */
  operands(st: State, exprs: Syn[], whole: Syn): { st: State; vals: Val[] }[] {
    const out: { st: State; vals: Val[] }[] = [];
    this.seq(st, exprs, whole, (s, vals) => {
      out.push({ st: s, vals });
      return [{ st: s, v: UNKNOWN }];
    });
    return out;
  }

  /** Keeps the first outcomes within the budget, and says the rest were cut. */
  private limit<T>(outs: T[], at: Syn): T[] {
    const cap = this.ctx.input.options.maxOutcomes;
    if (outs.length <= cap) return outs;
    this.ctx.noteCut(`more than ${cap} outcomes of one expression at line ${at.line}; the rest were not followed`);
    return outs.slice(0, cap);
  }

  eval(e: Syn, st: State): Out[] {
    switch (e.type) {
      case 'identifier':
        return [{ st, v: this.ctx.resolve(e.text ?? '', this.ctx.node.scope, st) }];
      case 'number_literal':
        return [{ st, v: { k: 'const', c: normNumber(e.text ?? '') } }];
      case 'null':
      case 'false':
        return [{ st, v: { k: 'const', c: '0' } }];
      case 'true':
        return [{ st, v: { k: 'const', c: '1' } }];
      case 'parenthesized_expression':
        return e.children.length ? this.eval(e.children[e.children.length - 1], st) : [{ st, v: UNKNOWN }];
      case 'cast_expression':
        return e.fields.value ? this.eval(e.fields.value, st) : [{ st, v: UNKNOWN }];
      case 'field_expression': {
        const field = e.fields.field?.text ?? '?';
        return this.eval(e.fields.argument, st).map((o) => {
          if (o.v.k !== 'path') return { st: o.st, v: UNKNOWN };
          let p = o.v.p;
          if (e.op === '->') p = extend(p, '*');
          return { st: o.st, v: { k: 'path', p: extend(p, `.${field}`) } };
        });
      }
      case 'pointer_expression':
        return this.eval(e.fields.argument, st).map((o) =>
          o.v.k === 'path'
            ? { st: o.st, v: { k: 'path', p: extend(o.v.p, e.op === '&' ? '&' : '*') } }
            : { st: o.st, v: UNKNOWN },
        );
      case 'subscript_expression':
        return this.seq(st, [e.fields.argument, e.fields.index], e, (s, [a]) => [
          { st: s, v: a.k === 'path' ? { k: 'path', p: extend(a.p, '[]') } : UNKNOWN },
        ]);
      case 'call_expression':
        return this.evalCall(e, st);
      case 'assignment_expression':
        return this.evalAssign(e, st);
      case 'unary_expression':
        return this.eval(e.fields.argument, st).map((o) => {
          if (e.op === '-' && o.v.k === 'const')
            return { st: o.st, v: { k: 'const', c: o.v.c.startsWith('-') ? o.v.c.slice(1) : `-${o.v.c}` } };
          return { st: o.st, v: UNKNOWN };
        });
      case 'binary_expression':
        return this.seq(st, [e.fields.left, e.fields.right], e, (s, [l, r]) => {
          if (e.op === '|') {
            const fl = (v: Val): string[] | undefined =>
              v.k === 'flags' ? v.f : v.k === 'const' ? (isZeroConst(v.c) ? [] : [v.c]) : undefined;
            const a = fl(l);
            const b = fl(r);
            const some = (l.k === 'flags' && l.some) || (r.k === 'flags' && r.some);
            if (a && b)
              return [{ st: s, v: some ? { k: 'flags', f: [...a, ...b], some } : { k: 'flags', f: [...a, ...b] } }];
            // `flags | LK_VNHELD`: that flag at least
            if (a || b) return [{ st: s, v: { k: 'flags', f: a ?? b!, some: true } }];
          }
          // `hyp = (domid == IDLE_DOMAIN_ID)`: a comparison the path's facts decide is that truth value
          if (e.op === '==' || e.op === '!=') {
            const eq = equalityKnown(l, r, s);
            if (eq !== undefined) return [{ st: s, v: { k: 'const', c: eq === (e.op === '==') ? '1' : '0' } }];
          }
          return [{ st: s, v: UNKNOWN }];
        });
      case 'update_expression':
        return this.eval(e.fields.argument, st).flatMap((o) => {
          if (o.v.k !== 'path') return [{ st: o.st, v: UNKNOWN }];
          const counted = this.countUpdate(e, o.v.p, e.op, o.st);
          return counted
            ? counted.map((s) => ({ st: s, v: UNKNOWN }))
            : [{ st: this.stepped(o.st, o.v.p, e.op), v: UNKNOWN }];
        });
      case 'conditional_expression':
        return this.limit(
          this.condition(e.fields.condition, st).flatMap(({ st: s, truth }) => [
            ...(truth === false
              ? []
              : e.fields.consequence
                ? this.eval(e.fields.consequence, s)
                : [{ st: s, v: UNKNOWN }]),
            ...(truth === true ? [] : this.eval(e.fields.alternative, s)),
          ]),
          e,
        );
      case 'comma_expression':
        return this.limit(
          this.eval(e.fields.left, st).flatMap((o) => this.eval(e.fields.right, o.st)),
          e,
        );
      case 'sizeof_expression':
      case 'alignof_expression':
      case 'offsetof_expression':
      case 'string_literal':
      case 'concatenated_string':
      case 'char_literal':
      case 'gnu_asm_expression':
        return [{ st, v: UNKNOWN }];
      default: {
        // initialiser lists, compound literals, ERROR nodes: evaluate the calls inside
        let outs: Out[] = [{ st, v: UNKNOWN }];
        for (const c of e.children) {
          if (!/expression|initializer|identifier|ERROR|argument_list/.test(c.type)) continue;
          outs = outs.flatMap((o) => this.eval(c, o.st).map((x) => ({ st: x.st, v: UNKNOWN })));
          outs = this.limit(outs, e);
        }
        return outs;
      }
    }
  }

  /**
   * The outcomes of a `?:` condition with which arm each takes: decided from what the path knows of the
   * value (`get_page(pg, d) ? pg : NULL` after the call's row split its result), or both arms, each
   * knowing which way the test went (`truth` absent: unknown).
   */
  private condition(c: Syn, st: State): { st: State; truth?: boolean }[] {
    let negate = false;
    let x = c;
    for (;;) {
      if (x.type === 'parenthesized_expression' && x.children.length === 1) x = x.children[0];
      else if (x.type === 'unary_expression' && x.op === '!') {
        negate = !negate;
        x = x.fields.argument;
      } else if (x.type === 'binary_expression' && (x.op === '==' || x.op === '!=')) {
        // `(ifp == NULL) ? ENXIO : 0`: a comparison with a null constant is a test of the other side
        const other = isNullLiteral(x.fields.right)
          ? x.fields.left
          : isNullLiteral(x.fields.left)
            ? x.fields.right
            : null;
        if (!other) break;
        if (x.op === '==') negate = !negate;
        x = other;
      } else break;
    }
    if (x.type === 'binary_expression' && (x.op === '&&' || x.op === '||')) return this.shortCircuit(x, st, negate);
    const test = { op: 'ne', c: '0' } as const;
    const out: { st: State; truth?: boolean }[] = [];
    for (const o of this.eval(x, st)) {
      let known: boolean | undefined;
      if (o.v.k === 'const') known = !isZeroConst(o.v.c);
      else if (o.v.k === 'path') {
        const key = keyOf(o.v.p);
        known = o.v.p.segs[o.v.p.segs.length - 1] === '&' ? true : decide(factOf(o.st, key), test);
        if (known === undefined) {
          for (const holds of [true, false])
            out.push({
              st: setFactKeep(o.st, key, factFor(test, o.st.facts.get(key), holds)),
              truth: holds !== negate,
            });
          continue;
        }
      }
      out.push({ st: o.st, truth: known === undefined ? undefined : known !== negate });
    }
    return out;
  }

  /**
   * `mfn_valid(m) && get_page(pg, d) ? pg : NULL`: the right side is tested only where the left does
   * not decide, and the arm follows both (the page is returned exactly where get_page() took it).
   */
  private shortCircuit(x: Syn, st: State, negate: boolean): { st: State; truth?: boolean }[] {
    // the value of the whole where one side has it: true for `||`, false for `&&`
    const decides = x.op === '||';
    const out: { st: State; truth?: boolean }[] = [];
    const push = (s: State, truth: boolean | undefined) =>
      out.push({ st: s, truth: truth === undefined ? undefined : truth !== negate });
    for (const l of this.condition(x.fields.left, st)) {
      if (l.truth === decides) {
        push(l.st, decides);
        continue;
      }
      for (const r of this.condition(x.fields.right, l.st))
        push(r.st, r.truth === decides ? decides : l.truth === undefined ? undefined : r.truth);
    }
    return out;
  }

  private evalCall(e: Syn, st: State): Out[] {
    const spelt = calleeName(e);
    const name = (spelt && this.ctx.input.renames?.get(spelt)) ?? spelt ?? memberCallRow(e, this.model);
    const text = this.ctx.callText(e);
    if (text) this.ctx.callTexts.set(resultOf(e), text);
    const written = (e.fields.arguments?.children ?? []).filter((a) => a.type !== 'comment');
    const dropped = name ? this.ctx.input.dropped : undefined;
    const args = dropped ? written.map((a, i) => (dropped(name!, i) ? undefined : a)) : written;
    if (name && this.model.transparent.has(name)) {
      const idx = this.model.transparent.get(name)!;
      return this.seq(st, args, e, (s, vals) => [{ st: s, v: vals[idx] ?? UNKNOWN }]);
    }
    const fnExpr = e.fields.function && e.fields.function.type !== 'identifier' ? [e.fields.function] : [];
    return this.seq(st, [...fnExpr, ...args], e, (s, all) => {
      const vals = all.slice(fnExpr.length);
      const outs = this.applyCall(name, e, vals, s);
      const by = name ? this.model.foundBy.get(name) : undefined;
      const found = by === undefined ? outs : outs.map((o) => this.foundBy(o, vals[by], resultOf(e)));
      return this.sameCalls.name(name, resultOf(e), vals, found);
    });
  }

  /** A `foundBy` lookup's outcome: the value it was given names its result, and so does a local named by it. */
  private foundBy(o: Out, key: Val | undefined, temp: string): Out {
    const out = foundByHandle(o, key, temp);
    if (out === o || key?.k !== 'path') return out;
    const display = (k: string) => this.ctx.displayKey(k);
    return { st: identifyFoundBefore(out.st, keyOf(key.p), temp, this.decls, display), v: out.v };
  }

  private applyCall(name: string | undefined, e: Syn, vals: Val[], st: State): Out[] {
    const temp = `$c${e.start}`;
    // a member row's call is shown as written (`netif->ops->send`), not by its row (`->ops->send`)
    const through = name?.startsWith('->') ? memberCalled(e) : undefined;
    const shown = through ? this.ctx.shortText(through, 40) : name;
    this.ctx.tempNames.set(temp, `${shown ?? 'call'}()`);
    const tempVal: Val = { k: 'path', p: { root: temp, segs: [] } };
    if (name && this.model.noreturn.has(name)) return [];
    const assigns = name ? this.model.assigns.get(name) : undefined;
    if (assigns) {
      // `rcu_assign_pointer(p, v)` is `p = v`; `old = rcu_replace_pointer(p, v, c)` also hands back p's old object
      const to = this.ctx.targetPath(assigns.to, vals, temp);
      if (to) {
        const key = keyOf(to);
        let s = st;
        let result = tempVal;
        if (assigns.returnsOld) {
          s = this.fx.keepCopiedOldValue(s, key, e.line, true);
          result = { k: 'path', p: parseKey(overwrittenKey(key, e.line)) };
        }
        return [{ st: this.assign(s, to, '=', vals[assigns.value] ?? UNKNOWN, e.line), v: result }];
      }
    }
    // `RB_INSERT(name, &head, elm)`: a list insert the model names, read as the macros' (Effects.linkInto)
    const link = name ? this.model.links.get(name) : undefined;
    const into: Val | undefined =
      link?.into === 'ret' ? { k: 'path', p: { root: temp, segs: ['&'] } } : link && vals[link.into];
    if (link && vals[link.value] && into)
      st = this.fx.linkInto(st, vals[link.value], into, e.line, name!, link.into === 'ret');
    // `set_bit(F, &pg->count_info)`: a flag set in the struct, as `pg->count_info |= F` is
    const bit = name && SET_BIT.test(name) ? vals[1] : undefined;
    if (bit?.k === 'path' && bit.p.segs[bit.p.segs.length - 1] === '&')
      st = this.recordedByFlag(
        st,
        { root: bit.p.root, segs: bit.p.segs.slice(0, -1) },
        e.line,
        e.fields.arguments?.children[1],
      );
    const freed = name ? this.model.frees.get(name) : undefined;
    if (freed !== undefined) {
      const v = vals[freed];
      return [{ st: v?.k === 'path' ? this.fx.containerFreed(st, keyOf(extend(v.p, '*')), e.line) : st, v: tempVal }];
    }
    if (name && this.model.zeroes.has(name)) {
      const p = this.ctx.targetPath(this.model.zeroes.get(name)!, vals, temp);
      if (p) {
        const facts = new Map(st.facts);
        const k = keyOf(p);
        for (const x of [...facts.keys()]) if (under(x, k)) facts.delete(x);
        facts.set(k, { eq: '0', zeroed: true } as Fact);
        st = with_(st, { facts });
      }
      return [{ st, v: tempVal }];
    }
    // a handle of an argument's object (a mapping, a frame number): the call only reads the argument, and
    // its result names the object for where the handle goes; a handle of a handle names the same object
    const handled =
      name && !this.model.functions.has(name)
        ? (this.model.handles.get(name) ?? this.ctx.input.aliases?.handles.get(name))
        : undefined;
    if (handled !== undefined) {
      const of = vals[handled] && pointee(vals[handled]);
      if (of?.k !== 'path') return [{ st, v: tempVal }];
      const handleOf = factOf(st, keyOf(of.p))?.handleOf ?? keyOf(of.p);
      return [{ st: setFactKeep(st, temp, { handleOf }), v: tempVal }];
    }
    const fields = this.ctx.input.countFields;
    const effects = name
      ? (this.model.functions.get(name) ??
        this.fx.inferredUnlessSummarised(name) ??
        (fields ? countCallEffects(name, vals, fields, () => this.casStepAt(e)) : undefined))
      : undefined;
    if (effects) {
      const returned = name ? this.model.returnsArgument.get(name) : undefined;
      // a lookup given nothing but a handle of an object (`proc_find_ident(&ident)` after `ident =
      // proc_ident(p)`) finds that object again: what it does to its result it does to the object
      const found = returned === undefined ? objectOfHandle(vals.map(pointee), st, true) : undefined;
      const same = found ? vals.length : returned;
      const args = found ? [...vals, found] : vals;
      const result = same !== undefined && args[same]?.k === 'path' ? args[same] : tempVal;
      const onArg =
        result === tempVal
          ? effects
          : effects.map((ef) =>
              ef.target.base === 'ret' ? { ...ef, target: { ...ef.target, base: 'arg' as const, index: same! } } : ef,
            );
      const known = result !== tempVal && result.k === 'path' ? factOf(st, keyOf(result.p)) : undefined;
      // a status thrown away is one the caller takes as success; a result that is the argument given is no status
      const discarded = result === tempVal && this.discarded(e);
      return this.fx.applyModel(shown!, onArg, args, e, st, temp, known, discarded).map((s) => {
        // what the partition learnt about the result holds for the argument it returns
        const f = s.facts.get(temp);
        return {
          st: this.cleared(
            onArg,
            args,
            temp,
            e.line,
            result !== tempVal && f && result.k === 'path' ? setFactKeep(s, keyOf(result.p), f) : s,
          ),
          v: result,
        };
      });
    }
    st = usedAsObjects(st, vals);
    const summary = name ? this.ctx.summaries.get(name) : undefined;
    if (summary)
      return this.fx.applySummary(name!, summary, vals, e, st, temp, objectOfHandle(vals.map(pointee), st, true));
    // a wrapper macro (`HM_REL(sc)` for `hm_rel_impl((sc), __func__)`) is a call of what it wraps
    const alias = name ? this.ctx.input.aliases?.get(name) : undefined;
    if (alias)
      return this.applyCall(
        alias.callee,
        e,
        alias.args.map((a) => (a === null ? UNKNOWN : (vals[a] ?? UNKNOWN))),
        st,
      );
    if (name && this.ctx.cfg.name === name) {
      this.ctx.unknownCalls.add(name);
      // the function calling itself: what the call does to what it is given is not known on this path
      if (!st.doubt) st = with_(st, { doubt: { callee: name, why: 'recursive' } });
    }
    if (name && this.model.borrows.has(name)) return [{ st, v: tempVal }];
    // a macro that only reads its arguments (`FP_NAME(fp)` for `fp->filp->f_path.dentry`) keeps none
    if (name && this.ctx.input.aliases?.readers.has(name)) return [{ st, v: tempVal }];
    // any other call nothing describes, given nothing but a handle of an object (`mfn_to_page(mfn)` after
    // `mfn = page_to_mfn(pg)`), finds that object again: its result names it, and it keeps nothing
    const found = objectOfHandle(vals, st);
    if (found) return [{ st, v: found }];
    const macro = name ? this.ctx.input.macroArgs?.get(name) : undefined;
    if (macro && macro.length === vals.length) return [{ st: this.macroCall(name!, macro, e, vals, st), v: tempVal }];
    // what the policy says such a callee only reads is not handed on (nor written through)
    const keeps = name ? this.ctx.input.keeps : undefined;
    const given = keeps ? vals.map((v, i) => (keeps(name!, i) ? v : UNKNOWN)) : vals;
    if (!name) st = this.dispatchedTo(st, vals);
    if (name) st = this.fx.keptWithStructure(name, vals, given, e.line, st);
    const callee = name ?? this.ctx.text(e.fields.function);
    return [{ st: this.fx.handOn(callee, given, e.line, st, undefined, !!name), v: tempVal }];
  }

  /** The targets a call leaves NULL (a header macro's `(_ro)->ro_rt = NULL` after its release) hold NULL after it. */
  private cleared(effects: readonly Effect[], vals: Val[], temp: string, line: number, st: State): State {
    for (const ef of effects) {
      const p = ef.clears ? this.ctx.targetPath(ef.target, vals, temp) : undefined;
      if (p) st = this.assign(st, p, '=', { k: 'const', c: 'NULL' }, line);
    }
    return st;
  }

  /** `e` is the whole of a statement (`vnode_get(vp);`, `(void)vnode_get(vp);`): its value is thrown away. */
  private discarded(e: Syn): boolean {
    const n = this.ctx.node;
    if (n.kind !== 'eval') return false;
    let x = n.ast;
    for (;;) {
      if (x === e) return true;
      if (x?.type === 'parenthesized_expression' && x.children.length === 1) x = x.children[0];
      else if (x?.type === 'cast_expression' && this.ctx.text(x.fields.type) === 'void') x = x.fields.value;
      else return false;
    }
  }

  /** A call through a function pointer was given these parameters (themselves, not a member or an address). */
  private dispatchedTo(st: State, vals: Val[]): State {
    const params = vals.flatMap((v) =>
      v.k === 'path' && !v.p.segs.length && this.ctx.cfg.decls.get(v.p.root)?.isParam ? [v.p.root] : [],
    );
    if (!params.length) return st;
    return with_(st, { dispatched: [...new Set([...(st.dispatched ?? []), ...params])].sort() });
  }

  /**
   * A macro's call: it hands on the arguments it uses whole, only the members it touches of the
   * others (`(d)->buffer`), and it may assign the caller's variable itself (`LL_SEARCH_SCALAR(h, out, f, v)`).
   */
  private macroCall(name: string, uses: readonly ParamUse[], e: Syn, vals: Val[], st: State): State {
    const args = (e.fields.arguments?.children ?? []).filter((a) => a.type !== 'comment');
    const localOf = (arg: Syn | undefined) => {
      const d = arg?.type === 'identifier' ? this.ctx.node.scope.get(arg.text ?? '') : undefined;
      return d && rootClass(d.id, this.decls) !== 'global' ? d : undefined;
    };
    // copied into another argument (`(el) = (head)`): kept only when that one is not a local of ours
    const stored = (u: ParamUse) => !!u.copiedTo?.some((j) => !localOf(args[j]));
    // what the unknown-call policy says the macro only reads is not handed on, as for a function
    const keeps = this.ctx.input.keeps;
    // a list insert: what the macro stores through another argument, and whose members (its link) it reaches
    // into, is linked into what that one reaches (a setter, `set_owner(pg, d)`, stores and links nothing)
    let s = st;
    uses.forEach((u, i) => {
      if (!u.members.length) return;
      for (const j of u.storedVia ?? [])
        if (vals[i] && vals[j]) s = this.fx.linkInto(s, vals[i], vals[j], e.line, name);
      // a list unlink: the reference the list held is the path's to give back
      if (u.unlinkedFrom !== undefined && vals[i] && vals[u.unlinkedFrom])
        s = this.fx.unlinkFrom(s, vals[i], vals[u.unlinkedFrom]);
    });
    s = this.fx.handOn(
      name,
      vals.filter((_, i) => (uses[i].whole || stored(uses[i])) && (!keeps || keeps(name, i))),
      e.line,
      s,
    );
    uses.forEach((u, i) => {
      const v = vals[i];
      if (u.whole || v?.k !== 'path') return;
      for (const m of u.members) {
        const p = extend(m.arrow ? extend(v.p, '*') : v.p, `.${m.name}`);
        s = m.written ? this.assign(s, p, '=', UNKNOWN, e.line) : this.fx.handOn(name, [{ k: 'path', p }], e.line, s);
      }
    });
    uses.forEach((u, i) => {
      const arg = u.written ? args[i] : undefined;
      const d = arg?.type === 'identifier' ? this.ctx.node.scope.get(arg.text ?? '') : undefined;
      if (d) s = this.assign(s, { root: d.id, segs: [] }, '=', UNKNOWN, e.line, arg);
    });
    // a structure of the function's own the macro stores in memory (`SLIST_INSERT_HEAD(&head, ent, le)`:
    // `(head)->slh_first = (elm)`) is linked there, on a list of the caller's or of the function's own that it
    // walks later: the references kept for its places go with it (ObjState.keptBy), as a store of it hands them on
    uses.forEach((u, i) => {
      const v = vals[i];
      if (u.stored && v?.k === 'path' && !v.p.segs.length && rootClass(v.p.root, this.decls) === 'local')
        s = this.fx.linked(s, v.p.root, { line: e.line, call: name, op: 'store' });
    });
    return s;
  }

  /**
   * `x->f++`, `--x->f`, `x->f += n`, `x->f -= n` of a count field: an acquire or a release of it (the
   * states after it), or undefined when `p` is not a count field or `op` not such an update.
   */
  private countUpdate(e: Syn, p: AccessPath, op: string | undefined, st: State): State[] | undefined {
    const fields = this.ctx.input.countFields;
    const field = countMember(p);
    const kind = field !== undefined && fields?.has(field) ? updateOp(op) : undefined;
    if (!kind) return field === undefined ? undefined : this.memberUpdate(e, p, field, op, st);
    const temp = `$c${e.start}`;
    const what = this.ctx.shortText(e, 40);
    // the member holds another value now: what the path knew of it is gone (not the counted object)
    if (kind === 'release') st = setFact(st, keyOf(p), undefined);
    return this.fx.applyModel(
      what,
      [countEffect(kind, 0, false, field!)],
      [{ k: 'path', p: extend(p, '&') }],
      e,
      st,
      temp,
    );
  }

  /**
   * `vp->v_iocount++` of a member the model says holds a kind's count (`countMembers`): an acquire or a release
   * of the struct that holds it, as the kind's rows count it (`vnode_get(vp)`), or undefined.
   */
  private memberUpdate(e: Syn, p: AccessPath, field: string, op: string | undefined, st: State): State[] | undefined {
    const spec = this.ctx.model.countMembers.get(field);
    const kind = spec ? updateOp(op) : undefined;
    if (!kind || p.segs[p.segs.length - 2] !== '*') return undefined;
    const holder: AccessPath = { root: p.root, segs: p.segs.slice(0, -2) };
    const effect: Effect = {
      op: kind,
      target: { base: 'arg', index: 0, segs: [], text: 'arg0' },
      when: [],
      count: 1,
      kind: spec!.kind,
      ...(spec!.counter ? { counter: spec!.counter } : {}),
      source: `count member ${field}`,
    };
    return this.fx.applyModel(this.ctx.shortText(e, 40), [effect], [{ k: 'path', p: holder }], e, st, `$c${e.start}`);
  }

  /** Which way the compare-and-swap `e` moves its count (count-ops.ts casStep). */
  private casStepAt(e: Syn): 'acquire' | 'release' | undefined {
    const args = this.ctx.text(e.fields.arguments);
    return casStep(args, this.ctx.src.slice(Math.max(0, e.start - CAS_LOOKBACK), e.start));
  }

  // ---------- assignment ----------
  private evalAssign(e: Syn, st: State): Out[] {
    const lhs = e.fields.left;
    const rhs = e.fields.right;
    // `iface = NULL` rebinds the variable, even when it was a copy of `priv->primary`: the field is not written
    const d = lhs?.type === 'identifier' ? this.ctx.node.scope.get(lhs.text ?? '') : undefined;
    const lhsEval = (s: State): Out[] =>
      d ? [{ st: s, v: { k: 'path', p: { root: d.id, segs: [] } } }] : this.eval(lhs, s);
    return this.limit(
      this.eval(rhs, st).flatMap((r) =>
        lhsEval(r.st).flatMap((l) => {
          if (l.v.k !== 'path') return [{ st: l.st, v: r.v }];
          // `tvp = vp` where vp holds tvp's own value (`vp = tvp` before): the variable keeps what it holds
          if ((e.op ?? '=') === '=' && r.v.k === 'path' && plainRead(rhs) && keyOf(r.v.p) === keyOf(l.v.p))
            return [{ st: l.st, v: r.v }];
          const counted = this.countUpdate(e, l.v.p, e.op, l.st);
          if (counted) return counted.map((s) => ({ st: s, v: UNKNOWN }));
          const s = this.assign(l.st, l.v.p, e.op ?? '=', r.v, e.line, lhs);
          // `pg = first = grab(frame)`: a value the lookup was found by names `first` now, which `pg` copies
          const named = d && isCallResult(r.v) && [...s.facts.values()].some((f) => f.handleOf === d.id);
          return [{ st: s, v: named ? l.v : r.v }];
        }),
      ),
      e,
    );
  }

  /**
   * `i++` on a scalar variable known to be zero or above (`idx = 0`, a count tested positive) leaves it above
   * zero: a loop's index raised after it took a page at `idx == 0` is not zero when the loop ends there, so
   * `if (idx) put(page)` after the loop decides. Wrapping round an unsigned type's top is not read. Any other
   * step forgets what was known.
   */
  private stepped(st: State, p: AccessPath, op: string | undefined): State {
    const key = keyOf(p);
    const before = op === '++' && !p.segs.length ? st.facts.get(key) : undefined;
    const s = killPath(st, key);
    const d = this.decls.get(p.root);
    if (!before || !d || d.pointerDepth > 0 || [...signsOf(before)].some((c) => c === '-')) return s;
    return setFact(s, key, { ne: ['0'], signs: '+' });
  }

  assign(st: State, lhsPath: AccessPath, op: string, v: Val, line: number, lhsNode?: Syn): State {
    const s = this.assignValue(st, lhsPath, op, v, line, lhsNode);
    const setsFlag =
      (op === '|=' && (v.k === 'const' || v.k === 'flags')) ||
      (op === '=' &&
        v.k === 'const' &&
        (v.c === 'true' || (v.c === '1' && OWNERSHIP_FLAG.test(lastField(lhsPath) ?? ''))));
    return setsFlag ? this.recordedByFlag(s, lhsPath, line, lhsNode) : s;
  }

  private assignValue(st: State, lhsPath: AccessPath, op: string, v: Val, line: number, lhsNode?: Syn): State {
    const key = keyOf(lhsPath);
    if (op !== '=') {
      const f = factOf(st, key);
      let nf: Fact | undefined;
      if (op === '|=' && (v.k === 'const' || v.k === 'flags')) {
        const add = v.k === 'flags' ? v.f : [v.c];
        if (v.k === 'flags' && v.some) nf = { has: union(f?.has ?? f?.flags, add) };
        else if (f?.flags) nf = { flags: union(f.flags, add) };
        else if (f?.eq !== undefined && isZeroConst(f.eq)) nf = { flags: union([], add) };
        else nf = { has: union(f?.has, add), lacks: f?.lacks?.filter((x) => !add.includes(x)) };
      }
      return setFact(st, key, nf);
    }
    // `fp = fp_get(fp)`: the callee gave the variable's own object back, which it still names
    if (v.k === 'path' && v.argument && keyOf(v.p) === key) return st;
    const root = lhsPath.root;
    const cls = rootClass(root, this.decls);
    const plainLocal = (cls === 'local' || cls === 'param') && lhsPath.segs.length === 0;
    let s = st;
    // what the variable held before
    if (plainLocal) {
      if (cls === 'local') s = this.fx.placesOfOldValue(s, key, line);
      // a copy made before (`held = ifp; ifp = other`) names the old object, which moves with it
      if (!s.aliases.has(root)) {
        const kept = this.fx.keepCopiedOldValue(s, key, line);
        // `p = p->next` after another local copied p: the value read is the old p's member, which moved with it
        const from = v.k === 'path' ? keyOf(v.p) : key;
        if (kept !== s && from !== key && under(from, key))
          v = { k: 'path', p: parseKey(overwrittenKey(key, line) + from.slice(key.length)) };
        const old = overwrittenKey(key, line);
        s = handlesKeepOldValue(this.fx.loseOverwritten(kept, key, line), key, old);
        // a parameter already given a value of the function's own (State.written) loses that value here, not
        // the caller's: what the path did to it stays the function's (`put(dvp); dvp = NULL` after `dvp = get()`)
        if (s.written.has(key) && [...s.objects.keys()].some((k) => under(k, old)))
          s = with_(s, { written: new Set([...s.written, old]) });
      }
      if (s.aliases.has(root)) {
        const aliases = new Map(s.aliases);
        aliases.delete(root);
        s = with_(s, { aliases });
      }
    } else {
      const idx = slotIndexKey(lhsPath, lhsNode, this.ctx.node.scope);
      // a store at another slot of an array leaves what the earlier slots hold where it is (array-slots.ts)
      if (!freshSlot(s, key, idx)) {
        s = this.fx.keepCopiedOldValue(s, key, line);
        s = this.fx.loseOverwritten(s, key, line);
        s = this.fx.takeBackStored(s, key);
      }
      s = markSlot(s, key, idx);
      if (cls === 'param' && throughPointer(lhsPath) && !s.written.has(key)) {
        const written = new Set(s.written);
        written.add(key);
        s = with_(s, { written });
      }
    }
    s = killPath(s, key);
    if (!plainLocal) s = storedThrough(s, lhsPath);
    // `r.ro_rt = rte`, rte having kept the place's value from before a callee overwrote it: the place holds
    // that object again, under its own name (not a store that hands it on)
    if (!plainLocal && v.k === 'path') {
      const old = splitOverwrite(keyOf(v.p));
      if (old?.key === key && keyOf(v.p) === overwrittenKey(key, old.line) && !s.objects.has(key))
        return this.fx.restoreOldValue(s, keyOf(v.p), key);
    }
    // `pg = alloc_page(d)` again in a loop: the same call, but a new value of the variable
    if (v.k === 'path' && keyOf(v.p) === key) return setFact(s, key, undefined);
    if (v.k === 'const') return setFact(s, key, { eq: v.c });
    if (v.k === 'flags') return setFact(s, key, v.some ? { has: v.f } : { flags: v.f });
    if (v.k !== 'path') return setFact(s, key, undefined);
    let src = v.p;
    if (src.segs[src.segs.length - 1] === '&' && !plainLocal) {
      // storing an address: what it points to may be kept there
      src = { root: src.root, segs: src.segs.slice(0, -1) };
    }
    // a member found equal to a variable (`ASSERT(port->p_pending == ifp)`) stores that variable's object
    const same = plainLocal || !src.segs.length ? undefined : s.facts.get(keyOf(src))?.sameAs;
    if (same !== undefined) src = parseKey(same);
    const srcKey = keyOf(src);
    const isTemp = src.root.startsWith('$');
    if (isTemp) {
      // a parameter given a call's result names the callee's object from here on, not the caller's
      if (cls === 'param' && plainLocal && this.ctx.pointerParams.has(root) && !s.written.has(key))
        s = with_(s, {
          written: new Set([...s.written, key]),
          paramConds: condsOfOldValue(s.paramConds, key, overwrittenKey(key, line)),
        });
      // a call's result: its object and facts move to the variable
      const obj = s.objects.get(srcKey);
      const objects = new Map(s.objects);
      const facts = new Map(s.facts);
      const tf = facts.get(srcKey);
      facts.delete(srcKey);
      const fieldFacts: [string, Fact][] = [];
      for (const [k, f] of facts)
        if (under(k, srcKey)) {
          fieldFacts.push([key + k.slice(srcKey.length), f]);
          facts.delete(k);
        }
      for (const k of [...facts.keys()]) if (under(k, key)) facts.delete(k);
      for (const [k, f] of fieldFacts) facts.set(k, f);
      const callee = this.ctx.tempNames.get(src.root);
      if (tf || callee) facts.set(key, { ...(tf ?? {}), from: callee });
      for (const [ok, o] of s.objects) {
        if (!under(ok, srcKey)) continue;
        const nk = key + ok.slice(srcKey.length);
        objects.delete(ok);
        const moved: ObjState = { ...o, display: this.ctx.displayKey(nk) };
        // a reference kept by a member of the result (effects.ts keptByMember) is kept by that member here
        if (o.keptBy !== undefined && under(o.keptBy, srcKey)) moved.keptBy = key + o.keptBy.slice(srcKey.length);
        if (!plainLocal) {
          moved.transferred = moved.refs;
          moved.storedIn = key;
        }
        objects.set(nk, moved);
      }
      // a value the object was found by (`foundBy`) names it where it now lives
      for (const [k, f] of facts)
        if (f.handleOf !== undefined && under(f.handleOf, srcKey))
          facts.set(k, { ...f, handleOf: key + f.handleOf.slice(srcKey.length) });
      s = moveCallResult(with_(s, { objects, facts }), srcKey, key);
      if (!plainLocal) s = this.storeHandle(s, tf, key, line, lhsNode);
      if (obj && !plainLocal)
        s = addStep(s, {
          line,
          call: '=',
          object: this.ctx.displayKey(key),
          kind: obj.kind,
          delta: 0,
          op: 'store',
          note: `stored in ${this.ctx.displayKey(key)}`,
          after: obj.exist + obj.refs,
        });
      return s;
    }
    if (plainLocal) {
      const aliases = new Map(s.aliases);
      aliases.set(root, keyOf(v.p));
      return with_(s, { aliases });
    }
    // a store into memory: references held on the stored object are handed on
    let held = false;
    for (const [ok, o] of s.objects) {
      if (!under(ok, srcKey)) continue;
      if (o.refs - o.transferred > 0 || (o.obtained && !o.transferred) || heldCounter(o)) {
        // a separate counter's hold alone (`ifnet_is_attached(ifp, 1)`, if_refio) is no reference of the place's
        held ||= o.refs - o.transferred > 0 || (o.obtained && !o.transferred && !!o.gained?.includes(''));
        s = this.fx.handOnObject(
          s,
          ok,
          o,
          {
            line,
            call: '=',
            op: 'store',
            note: `stored in ${lhsNode ? this.ctx.shortText(lhsNode, 40) : this.ctx.displayKey(key)}`,
          },
          key,
        );
      }
    }
    // a structure of the function's own, linked where a parameter or a global reaches (`ent->first = act`), or
    // on a list of the function's own (`SLIST_INSERT_HEAD(&head, ent, le)`: `head.slh_first = ent`), which the
    // path walks later: the references kept for its places go with it
    const linkedTo = cls === 'param' || cls === 'global' || (cls === 'local' && root !== src.root);
    if (!src.segs.length && linkedTo && rootClass(src.root, this.decls) === 'local') {
      s = this.fx.linked(s, src.root, { line, call: '=', op: 'store' });
      if (cls === 'param') s = publishPlaces(s, src.root);
    }
    const f = s.facts.get(srcKey);
    s = this.storeHandle(s, f, key, line, lhsNode);
    if (f) s = setFactKeep(s, key, { ...f, storedAt: undefined, storedOf: undefined, published: undefined });
    // stored before the path takes its reference (`*ifpp = ifp; ifnet_reference(ifp);`): see Fact.storedAt;
    // only in what a parameter reaches, or in a structure of this function's own that the path has handed
    // out there first (Effects' `published`): not in one it has not (`c->port = port; get(port)`, then
    // `free(c)` on an error path: whether that teardown gives the reference back is for the leak to show),
    // nor in a global list's element a local walks to. A structure a lookup found (ObjState.found: a new
    // descriptor's file, reserved in its table) is no structure of the function's own: its place is published
    if (!held && !isTemp && (cls === 'param' || cls === 'local') && !src.segs.includes('&') && f?.eq === undefined) {
      const found = cls === 'local' && !!s.objects.get(root)?.found;
      s = setFactKeep(s, srcKey, { ...(s.facts.get(srcKey) ?? {}), storedAt: key });
      s = setFactKeep(s, key, { ...(s.facts.get(key) ?? {}), storedOf: srcKey, ...(found ? { published: true } : {}) });
    }
    return s;
  }

  /**
   * A flag set in a struct after this path took a reference on the struct itself or on an object a
   * sibling member holds (`if (get_page(pg, d)) set_bit(_PGC_allocated, &pg->count_info)`, `buf->have_type
   * = 1` after `get_page_type(buf->page, ...)`): the flag records the reference, which whoever clears the
   * flag gives back, so it is stored there (clearing the flag on this path takes it back).
   */
  recordedByFlag(st: State, flag: AccessPath, line: number, lhsNode?: Syn): State {
    const self = embeddingObject(flag);
    if (self === undefined) return st;
    const flagKey = keyOf(flag);
    const holder = keyOf({ root: flag.root, segs: flag.segs.slice(0, -1) });
    let s = st;
    for (const [ok, o] of st.objects) {
      if (ok !== self && (ok === flagKey || !under(ok, holder))) continue;
      if (!(o.refs - o.transferred > 0 || heldCounter(o)) || o.lastAcquire === undefined || o.lastAcquire > line)
        continue;
      const where = lhsNode ? this.ctx.shortText(lhsNode, 40) : this.ctx.displayKey(flagKey);
      s = this.fx.handOnObject(
        s,
        ok,
        o,
        { line, call: '=', op: 'store', note: `recorded by the flag ${where}` },
        flagKey,
      );
    }
    return s;
  }

  /** A handle stored in memory (`vp->ptr = mapping`, `*virt = mapping`) keeps the object it was made from. */
  private storeHandle(st: State, f: Fact | undefined, key: string, line: number, lhsNode?: Syn): State {
    const where = lhsNode ? this.ctx.shortText(lhsNode, 40) : this.ctx.displayKey(key);
    return this.fx.handOnThroughHandle(
      st,
      f,
      { line, call: '=', op: 'store', note: `stored in ${where} as its handle` },
      key,
    );
  }
}

/**
 * Values a call the model does not describe is given as objects: a NULL the code tested and then hands on
 * (`if (td == NULL) PIN_FAIL(out, ...); ... acquire(td, ...)`, a macro whose `goto` the analysis does not see)
 * is no longer evidence of the path the test took (Fact.nullTested).
 */
function usedAsObjects(st: State, vals: Val[]): State {
  let s = st;
  for (const v of vals) {
    if (v.k !== 'path') continue;
    const k = keyOf(v.p);
    const f = s.facts.get(k);
    if (f?.nullTested) s = setFactKeep(s, k, { ...f, nullTested: undefined });
  }
  return s;
}

/** `NULL`, a project's own null (`PROC_NULL`) or `0`, in parentheses or a cast. */
function isNullLiteral(e: Syn | undefined): boolean {
  let x = e;
  while (x && (x.type === 'parenthesized_expression' || x.type === 'cast_expression'))
    x = x.type === 'cast_expression' ? x.fields.value : x.children[0];
  if (!x) return false;
  if (x.type === 'null') return true;
  if (x.type === 'identifier') return NULL_NAME.test(x.text ?? '');
  return x.type === 'number_literal' && isZeroConst(x.text ?? '');
}

/** What `&x` points to (`x`); any other value as it is. */
function pointee(v: Val): Val {
  if (v.k !== 'path' || v.p.segs[v.p.segs.length - 1] !== '&') return v;
  return { k: 'path', p: { root: v.p.root, segs: v.p.segs.slice(0, -1) } };
}

/**
 * A lookup that found its result by a handle of it (`pg = get_page_from_gfn(d, gfn, ...)`, the model's
 * `foundBy`): from here on the value it was given names the object found, as a `handles` call's result
 * does, so a table entry made from it (`l1e_from_pfn(gfn, ...)`) keeps the object. A value that already
 * names an object, one element of an array (one name for all of them) or an address is left as it is.
 */
function foundByHandle(o: Out, key: Val | undefined, temp: string): Out {
  const { st, v } = o;
  if (key?.k !== 'path' || key.p.segs.some((x) => x === '[]' || x === '&')) return o;
  // the lookup's own result, found on this outcome (not NULL)
  if (v.k !== 'path' || v.p.root !== temp || v.p.segs.length) return o;
  const r = st.facts.get(temp);
  if (r?.eq !== undefined && isZeroConst(r.eq)) return o;
  const k = keyOf(key.p);
  const f = factOf(st, k);
  if (f?.handleOf !== undefined) return o;
  return { st: setFactKeep(st, k, { ...(f ?? {}), handleOf: temp }), v };
}

function isCallResult(v: Val): boolean {
  return v.k === 'path' && v.p.root.startsWith('$') && !v.p.segs.length;
}

/**
 * The object whose handle is the only argument of a call, as a value: the handle itself, or for a lookup
 * that takes a reference (`members`) a member read from a handle held by value (`ident.p_pid` after `ident =
 * proc_ident(p)`): a key of the same object, which such a lookup finds again.
 */
export function objectOfHandle(vals: readonly Val[], st: State, members = false): Val | undefined {
  if (vals.length !== 1 || vals[0].k !== 'path') return undefined;
  const { root, segs } = vals[0].p;
  for (let n = segs.length; n >= (members ? 0 : segs.length); n--) {
    const of = factOf(st, keyOf({ root, segs: segs.slice(0, n) }))?.handleOf;
    if (of !== undefined) return { k: 'path', p: parseKey(of) };
    if (n && !segs[n - 1].startsWith('.')) return undefined;
  }
  return undefined;
}

/** Whether two values are equal, when a constant and what the path knows of the other decide it. */
function equalityKnown(l: Val, r: Val, st: State): boolean | undefined {
  const [c, other] = l.k === 'const' ? [l.c, r] : r.k === 'const' ? [r.c, l] : [undefined, l];
  if (c === undefined) return undefined;
  if (other.k === 'const') return decide({ eq: other.c }, { op: 'eq', c });
  if (other.k !== 'path' || other.p.segs[other.p.segs.length - 1] === '&') return undefined;
  return decide(factOf(st, keyOf(other.p)), { op: 'eq', c });
}

/**
 * A member named for holding something (`have_type`, `has_ref`, `holds_lock`): set to 1 it records a
 * reference; any other member set to 1 (`u->id = 1`) is a value, not a flag.
 */
const OWNERSHIP_FLAG = /^(have|has|holds?|owns?|got|took)_/;

/** The kernels' call that sets bit arg0 in the word arg1 points to (`set_bit`, `__set_bit`). */
const SET_BIT = /^_*set_bit$/;

/** A read of a variable or a member, with no call in it whose result could be a new value. */
function plainRead(e: Syn | undefined): boolean {
  if (e === undefined) return false;
  if (e.type === 'identifier' || e.type === 'field_identifier') return true;
  if (e.type === 'parenthesized_expression')
    return e.children.filter((c) => c.type !== '(' && c.type !== ')').every(plainRead);
  return e.type === 'field_expression' && plainRead(e.fields.argument) && plainRead(e.fields.field);
}

/**
 * A store through a pointer (`bif->bif_ifp = ifs`) says the pointer is not NULL on the paths that go on: a
 * later `if (bif != NULL)` is decided (the path where the allocation failed crashed at the store).
 */
function storedThrough(st: State, lhs: AccessPath): State {
  let s = st;
  lhs.segs.forEach((seg, i) => {
    if (seg !== '*' || lhs.root.startsWith('$') || lhs.segs.slice(0, i).some((x) => x === '&' || x === '[]')) return;
    const pk = keyOf({ root: lhs.root, segs: lhs.segs.slice(0, i) });
    const f = s.facts.get(pk);
    if (f?.eq === undefined && !f?.ne?.includes('0'))
      s = setFactKeep(s, pk, { ...(f ?? {}), ne: ['0', ...(f?.ne ?? [])] });
  });
  return s;
}

/**
 * A parameter given a call's result names the callee's object from here on (State.written), and what the
 * path tested of it so far was of the caller's value: those conditions go to the old value's name, which a
 * summary still reads as the parameter on entry (`ungrab(p); p = grab(id)`: `p != NULL` before the call).
 */
function condsOfOldValue(conds: State['paramConds'], key: string, old: string): State['paramConds'] {
  if (!conds.some((c) => under(c.key, key))) return conds;
  return conds.map((c) => (under(c.key, key) ? { ...c, key: old + c.key.slice(key.length) } : c));
}
