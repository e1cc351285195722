/**
 * Branch and switch nodes: a condition read as `subject OP constant` or a flag test, decided
 * from what the path knows when it can be, else split into the two paths with what each
 * learns; and the words each path's condition is shown with.
 */
import type { CfgNode, Edge, VarDecl } from '../cfg/cfg';
import type { Syn } from '../parse/syntax';
import type { Model } from '../model/compiled';
import { type AccessPath, keyOf, rootClass, throughPointer } from './access';
import { type Condition, type State, type Fact, cons, with_, reboundParam } from './state';
import { factOf, setFactKeep } from './state-edits';
import { countMember } from './count-ops';
import { type Test, decide, factFor, negateOp, mirrorOp } from './fact-tests';
import { NULL_NAME, UNKNOWN, isZeroConst, normNumber, type Val } from './values';
import { balanced, calleeName, type FunctionContext, type Successor } from './function-context';
import type { Effects } from './effects';
import type { Expressions } from './expressions';
import { addressEquality, droppedUnequal, identify, isAddress, memberEquals } from './identity';

const COUNT_READ = /^(?:_?atomic(?:64|_long)?|refcount)_read$/;

function bare(x: Syn): Syn {
  while (x.type === 'parenthesized_expression' && x.children.length === 1) x = x.children[0];
  return x;
}

export class Branches {
  private readonly model: Model;
  private readonly decls: ReadonlyMap<string, VarDecl>;

  constructor(
    private readonly ctx: FunctionContext,
    private readonly fx: Effects,
    private readonly ex: Expressions,
  ) {
    this.model = ctx.model;
    this.decls = ctx.decls;
  }

  branchNode(n: CfgNode, st0: State): Successor[] {
    // a count changed in this condition (`c->ready && try_module_get(c->owner)`) is the path's own, not
    // guarded by an earlier split; a branch this split decides (`if (drop_ref)` after `drop_ref = true`
    // under a test of the object) goes on under the earlier guard
    const st = st0.guard || st0.held ? with_(st0, { guard: undefined, held: undefined }) : st0;
    const decided = (s: State): State =>
      s.guard === st0.guard && s.held === st0.held ? s : with_(s, { guard: st0.guard, held: st0.held });
    const [tEdge, fEdge] = [n.edges.find((e) => e.kind === 'true'), n.edges.find((e) => e.kind === 'false')];
    const outs: Successor[] = [];
    let readsParam = false;
    // a split on the state of an object (`d->users++ == 0`, `test_and_set_bit(F, &w->state)`) guards what follows
    let guard: readonly string[] | undefined;
    const split = (s: State): State => (s.guard === guard ? s : with_(s, { guard }));
    const emit = (truth: boolean, s: State, cond?: Condition) => {
      const edge = truth ? tEdge : fEdge;
      if (!edge) return;
      // an assertion's condition holds on every path that goes on: it tells no two paths apart
      if (n.asserted) {
        // nor does it end what an earlier split guarded
        outs.push({ to: edge.to, st: decided(s), kind: edge.kind });
        return;
      }
      let next = cond ? with_(s, { conds: cons(cond, s.conds) }) : s;
      // the branch where a test that changed an object's state held (`if (test_and_clear_bit(F, &o->f))`)
      if (truth && guard && s.guard === guard && guard !== st0.guard) next = with_(next, { held: guard });
      // a caller can tell apart paths that depend on what it passed in
      const ownState = guard !== undefined && s.guard === guard && guard !== st0.guard;
      if (readsParam && !ownState)
        next = this.fx.addOpaqueCond(next, `cond@${n.id}`, truth ? 'T' : 'F', cond?.source ?? '');
      outs.push({ to: edge.to, st: next, kind: edge.kind });
    };
    if (!n.ast) {
      emit(true, st0);
      // an iterator loop that runs to its end leaves its variable NULL
      const spec = n.macro ? this.model.iterators.get(n.macro.name) : undefined;
      const v = spec && n.macro!.args[spec.var] ? this.ex.eval(n.macro!.args[spec.var], st)[0] : undefined;
      emit(false, decided(v?.v.k === 'path' ? setFactKeep(v.st, keyOf(v.v.p), { eq: '0' }) : st));
      return outs;
    }
    // read the condition as `subject OP constant` or a flag test
    let c = n.ast;
    const unwrap = (x: Syn): Syn => {
      for (;;) {
        if (x.type === 'parenthesized_expression' && x.children.length === 1) x = x.children[0];
        else if (x.type === 'cast_expression' && x.fields.value) x = x.fields.value;
        else if (x.type === 'call_expression' && this.model.transparent.has(calleeName(x) ?? '')) {
          const idx = this.model.transparent.get(calleeName(x)!)!;
          const a = x.fields.arguments?.children[idx];
          if (!a) return x;
          x = a;
        } else return x;
      }
    };
    c = unwrap(c);
    let negate = false;
    if (c.type === 'unary_expression' && c.op === '!') {
      negate = true;
      c = unwrap(c.fields.argument);
    }
    c = this.asEquality(c);
    // IS_ERR_OR_NULL(x) asks whether x is an object at all: read it as x == NULL
    let nullTest: Syn | undefined;
    if (
      c.type === 'call_expression' &&
      this.model.nullTests.has(calleeName(c) ?? '') &&
      c.fields.arguments?.children[0]
    )
      nullTest = unwrap(c.fields.arguments.children[0]);
    let subject: Syn = c;
    let test: Test = { op: 'ne', c: '0' };
    let rhsText = '0';
    let opText = '!=';
    let structured = true;
    const constOf = (x: Syn): string | undefined => {
      const u = unwrap(x);
      if (u.type === 'number_literal') return normNumber(u.text ?? '');
      if (u.type === 'null') return '0';
      if (u.type === 'identifier' && !this.ctx.node.scope.has(u.text ?? '')) {
        const n = this.ctx.numberOf(u.text ?? '');
        if (n !== undefined) return n;
        if (this.ctx.isConstName(u.text ?? '')) return NULL_NAME.test(u.text ?? '') ? '0' : u.text!;
      }
      if (u.type === 'unary_expression' && u.op === '-') {
        const inner = constOf(u.fields.argument);
        return inner ? `-${inner}` : undefined;
      }
      return undefined;
    };
    if (nullTest) {
      subject = nullTest;
      test = { op: 'eq', c: '0' };
      rhsText = '0';
      opText = '==';
    } else if (c.type === 'binary_expression' && ['==', '!=', '<', '>', '<=', '>='].includes(c.op ?? '')) {
      let l = c.fields.left;
      let r = c.fields.right;
      let op = c.op!;
      let k = constOf(r);
      if (k === undefined && constOf(l) !== undefined) {
        k = constOf(l);
        [l, r] = [r, l];
        op = mirrorOp(op);
      }
      const lu = unwrap(l);
      if (
        k !== undefined &&
        lu.type === 'binary_expression' &&
        lu.op === '&' &&
        isZeroConst(k) &&
        (op === '==' || op === '!=')
      ) {
        const flag = constOf(lu.fields.right) ?? constOf(lu.fields.left);
        const subj = constOf(lu.fields.right) ? lu.fields.left : lu.fields.right;
        if (flag) {
          subject = subj;
          test = { op: op === '!=' ? 'has' : 'lacks', flag };
          rhsText = flag;
          opText = '&';
        } else structured = false;
      } else if (k !== undefined) {
        subject = l;
        rhsText = this.ctx.shortText(r, 30);
        opText = op;
        if (op === '==' || op === '!=') test = { op: op === '==' ? 'eq' : 'ne', c: k };
        else if (isZeroConst(k)) test = { op: op === '<' ? 'lt0' : op === '>=' ? 'ge0' : op === '>' ? 'gt0' : 'le0' };
        else structured = false;
      } else structured = false;
    } else if (c.type === 'binary_expression' && c.op === '&') {
      const flag = constOf(c.fields.right) ?? constOf(c.fields.left);
      const subj = constOf(c.fields.right) ? c.fields.left : c.fields.right;
      if (flag) {
        subject = subj;
        test = { op: 'has', flag };
        rhsText = flag;
        opText = '&';
      } else structured = false;
    } else if (c.type === 'binary_expression') {
      structured = false;
    }
    // `ASSERT(owner == d)`, d a parameter the function dereferences: the code says owner is that object
    const same = n.asserted && !structured ? this.assertedObject(c) : undefined;
    if (same) {
      subject = same.subject;
      test = { op: same.equal ? 'ne' : 'eq', c: '0' };
      rhsText = '0';
      opText = same.equal ? '!=' : '==';
      structured = true;
    }
    // a conditional expression is tested by the value of the arm each outcome took
    // (`!(ro ? get_page(pg, d) : get_page_and_type(pg, d, t))`: the path where the call failed takes the branch)
    const full = this.ctx.shortText(n.ast);
    const pointer = this.returnsPointerSubject(subject) || /NULL/.test(this.ctx.text(n.ast));
    // the call whose result the subject holds on this path: named in the condition's text
    // (`i [clone_create]`, when `i` takes more than one call's result) and in its words
    let origin = '';
    let producer: { name: string; shown: string } | undefined;
    let pointerValue = pointer;
    const directCall = structured && unwrap(subject).type === 'call_expression' ? unwrap(subject) : undefined;
    const condText = (truth: boolean): string => {
      if (!structured) return truth ? full : negateText(full);
      const shown = this.ctx.shortText(subject, 50) + origin;
      const subj = unwrap(subject).type === 'conditional_expression' ? `(${shown})` : shown;
      const holds = truth !== negate;
      // `(f & X) == 0` holds where the flag is clear
      if (opText === '&') return holds !== (test.op === 'lacks') ? `${subj} & ${rhsText}` : `!(${subj} & ${rhsText})`;
      if (test.op === 'ne' && rhsText === '0' && opText === '!=' && c === subject) return holds ? subj : `!${subj}`;
      return `${subj} ${holds ? opText : negateOp(opText)} ${rhsText === '0' && pointer ? 'NULL' : rhsText}`;
    };
    const condition = (truth: boolean): Condition => {
      const source = condText(truth);
      return this.ctx.condition(
        source,
        structured && producer ? resultWords(producer, test, truth !== negate, pointerValue, this.model) : source,
      );
    };
    readsParam = this.readsParameter(n.ast, st);
    const evalTarget = structured ? (this.liveCountRead(subject, st) ?? subject) : n.ast;
    // `(x = get()) == NULL`: the test is about x
    const assigned =
      structured && unwrap(subject).type === 'assignment_expression' && unwrap(subject).op === '='
        ? unwrap(subject).fields.left
        : undefined;
    // `r != p`, neither a constant: on the arm where they are equal they name one object (identity.ts)
    const equality =
      !structured && !same && c.type === 'binary_expression' && (c.op === '==' || c.op === '!=') ? c : undefined;
    if (equality) {
      for (const o of this.ex.operands(st, [equality.fields.left, equality.fields.right], equality)) {
        guard = this.stateRoots(n.ast, o.st);
        for (const truth of [true, false]) {
          const s = this.compared(split(o.st), equality, o.vals, (truth !== negate) === (c.op === '=='));
          if (s) emit(truth, s, condition(truth));
        }
      }
      return outs;
    }
    for (const o0 of this.ex.eval(evalTarget, st)) {
      let o = o0;
      if (assigned && o.v.k === 'path') {
        const lhs = this.ex.eval(assigned, o.st)[0];
        if (lhs?.v.k === 'path') o = { st: o.st, v: lhs.v };
      }
      origin = '';
      pointerValue = pointer || (o.v.k === 'path' && this.holdsPointer(o.v.p));
      producer =
        directCall && calleeName(directCall)
          ? { name: calleeName(directCall)!, shown: this.ctx.shortText(directCall, 50) }
          : undefined;
      guard = this.stateRoots(n.ast, o.st);
      if (!structured || o.v.k === 'unknown') {
        // `if (td != rd)`, rd a parameter the function dereferences: where they are equal, td is that object
        const same = !structured ? this.assertedObject(c) : undefined;
        for (const truth of [true, false]) {
          const s = same && (truth !== negate) === same.equal ? this.notNull(split(o.st), same.subject) : split(o.st);
          if (s) emit(truth, s, condition(truth));
        }
        continue;
      }
      if (o.v.k === 'const' || o.v.k === 'flags') {
        const f: Fact = o.v.k === 'flags' ? (o.v.some ? { has: o.v.f } : { flags: o.v.f }) : { eq: o.v.c };
        const d = decide(f, test);
        if (d === undefined) {
          emit(true, split(o.st), condition(true));
          emit(false, split(o.st), condition(false));
        } else emit(d !== negate, decided(o.st), condition(d !== negate));
        continue;
      }
      const p = o.v.p;
      const key = keyOf(p);
      const from = o.st.facts.get(key)?.from;
      origin =
        from && subject.type === 'identifier' && this.ctx.reassigned.has(subject.text ?? '')
          ? ` [${from.replace(/\(\)$/, '')}]`
          : '';
      if (!directCall && from && from !== 'call()') producer = { name: from.replace(/\(\)$/, ''), shown: from };
      if (p.segs[p.segs.length - 1] === '&' && test.op !== 'has' && test.op !== 'lacks') {
        // an address is never NULL
        const d = decide({ ne: ['0'] }, test);
        if (d !== undefined) {
          emit(d !== negate, decided(o.st), condition(d !== negate));
          continue;
        }
      }
      const d = decide(factOf(o.st, key) ?? this.liveCount(o.st, p, key), test);
      if (d !== undefined) {
        emit(d !== negate, decided(nullTested(o.st, key, test)), condition(d !== negate));
        continue;
      }
      // the value was known on some of the paths merged here: one of these two may not be a path at all
      const lostAt = o.st.doubt ? undefined : o.st.forgotten?.get(key);
      const base = split(
        lostAt !== undefined
          ? with_(o.st, { doubt: { merged: lostAt, value: this.ctx.shortText(subject, 40), split: ++this.ctx.splits } })
          : o.st,
      );
      for (const truth of [true, false]) {
        let s = nullTested(setFactKeep(base, key, factFor(test, base.facts.get(key), truth)), key, test);
        if (lostAt !== undefined && base.doubt && 'merged' in base.doubt)
          s = with_(s, { doubt: { ...base.doubt, arm: truth } });
        // a test that changes the object's own state as it reads it (`d->xenheap_pages++ == 0`) is no
        // condition a caller chooses: what follows it is the callee's bookkeeping
        if (!guard?.includes(p.root)) s = this.fx.noteParamCond(s, p, key, test, truth, condText(truth !== negate));
        emit(truth !== negate, s, condition(truth !== negate));
      }
    }
    return outs;
  }

  /**
   * The state on one arm of `l == r` (`equal`: the arm where they are equal), undefined where it is no path:
   * where they are equal they name one object (identity.ts), and one that equals a parameter the function
   * dereferences is not NULL (assertedObject), as one that equals a pointer the path knows is not NULL.
   */
  private compared(st: State, c: Syn, [l, r]: Val[], equal: boolean): State | undefined {
    const same = this.assertedObject(c) ?? this.callersObject(c, [l, r], st);
    let s = same && equal ? this.notNull(st, same.subject) : st;
    if (!s || l?.k !== 'path' || r?.k !== 'path') return s;
    const known = addressEquality(s, l.p, r.p, this.decls);
    if (known !== undefined && (known === 'equal') !== equal) return undefined;
    if (equal && !isAddress(l.p) && !isAddress(r.p))
      s = nonNullShared(nonNullShared(s, keyOf(l.p), keyOf(r.p)), keyOf(r.p), keyOf(l.p));
    if (!s) return s;
    const display = (k: string) => this.ctx.displayKey(k);
    if (!equal) return droppedUnequal(s, l.p, r.p, (t) => this.ctx.tempNames.get(t), display);
    return identify(
      memberEquals(memberEquals(s, l.p, r.p, this.decls), r.p, l.p, this.decls),
      l.p,
      r.p,
      this.decls,
      display,
    );
  }

  /**
   * `atomic_read(&x->f)` (`atomic64_`, `atomic_long_`, `refcount_read`) of a count field this path has not
   * changed: the member itself, so that liveCount decides the test (`if (atomic_read(&s->refcnt) <= 0)
   * WARN_ON(1); else if (atomic_dec_and_test(&s->refcnt)) ...` in a put is no path a caller giving one back takes).
   */
  private liveCountRead(subject: Syn, st: State): Syn | undefined {
    const u = bare(subject);
    if (u.type !== 'call_expression' || !COUNT_READ.test(calleeName(u) ?? '')) return undefined;
    const args = (u.fields.arguments?.children ?? []).filter((x: Syn) => !['(', ')', ',', 'comment'].includes(x.type));
    const a = args.length === 1 ? bare(args[0]) : undefined;
    if (a?.type !== 'pointer_expression' || a.op !== '&' || !a.fields.argument) return undefined;
    const outs = this.ex.eval(a.fields.argument, st);
    const v = outs.length === 1 ? outs[0].v : undefined;
    return v?.k === 'path' && this.liveCount(st, v.p, keyOf(v.p)) ? a.fields.argument : undefined;
  }

  /** `mfn_eq(m, INVALID_MFN)`, a call the model lists under `equals`, is read as `m == INVALID_MFN`. */
  private asEquality(c: Syn): Syn {
    if (c.type !== 'call_expression' || !this.model.equals.has(calleeName(c) ?? '')) return c;
    const args = (c.fields.arguments?.children ?? []).filter((a) => a.type !== 'comment');
    if (args.length !== 2) return c;
    return { ...c, type: 'binary_expression', op: '==', children: args, fields: { left: args[0], right: args[1] } };
  }

  /**
   * A count field (tree/count-fields.ts) this path has not changed: whoever can name the object holds a
   * reference on it, so its count is above zero (`if (node->i_crefs) node->i_crefs--;` guards against
   * a bug, not a path a caller may take). Once the path gave a reference back, the count is unknown.
   */
  private liveCount(st: State, p: AccessPath, key: string): Fact | undefined {
    const field = this.ctx.input.countFields ? countMember(p) : undefined;
    if (field === undefined || !this.ctx.input.countFields!.has(field) || st.objects.has(key)) return undefined;
    return { ne: ['0'], signs: '+' };
  }

  /**
   * The roots whose memory a condition changes as it tests it, sorted: `d` in `d->n++ == 0`, `w` in
   * `test_and_set_bit(F, &w->state)`, `d` in `domain_adjust_tot_pages(d, 1) == 1` (a call given the
   * pointer or a field's address may write it). A test that only reads (`dev->mtu < 68`) guards nothing.
   */
  private stateRoots(e: Syn, st: State): readonly string[] | undefined {
    const roots = new Set<string>();
    const base = (x: Syn): Syn => {
      let b = x;
      while (
        b.type === 'field_expression' ||
        b.type === 'subscript_expression' ||
        b.type === 'parenthesized_expression'
      )
        b = b.type === 'parenthesized_expression' ? (b.children[0] ?? b) : b.fields.argument;
      return b;
    };
    const pathOf = (x: Syn) => {
      const b = base(x);
      return b.type === 'identifier' ? this.ctx.resolve(b.text ?? '', this.ctx.node.scope, st) : undefined;
    };
    // `written`: memory the condition changes; `given`: a value handed to a call
    const walk = (x: Syn, mode: 'read' | 'written' | 'given') => {
      if (x.type === 'update_expression') return walk(x.fields.argument, 'written');
      if (x.type === 'assignment_expression') {
        walk(x.fields.left, 'written');
        return walk(x.fields.right, 'read');
      }
      if (x.type === 'call_expression') {
        for (const a of x.fields.arguments?.children ?? []) walk(a, 'given');
        return;
      }
      if (x.type === 'pointer_expression' && x.op === '&' && mode === 'given')
        return walk(x.fields.argument, 'written');
      if (mode !== 'read' && (x.type === 'field_expression' || x.type === 'identifier')) {
        const v = pathOf(x);
        if (v?.k === 'path') {
          const field = x.type === 'field_expression' && (x.op === '->' || throughPointer(v.p));
          const pointer = x.type === 'identifier' && !v.p.segs.length && this.holdsPointerVar(v.p.root);
          if ((mode === 'written' && (field || throughPointer(v.p))) || (mode === 'given' && pointer))
            roots.add(v.p.root);
        }
        return;
      }
      for (const c of x.children) walk(c, mode === 'written' ? 'written' : 'read');
    };
    walk(e, 'read');
    return roots.size ? [...roots].sort() : undefined;
  }

  private readsParameter(e: Syn, st: State): boolean {
    const walk = (x: Syn): boolean => {
      if (x.type === 'identifier') {
        const v = this.ctx.resolve(x.text ?? '', this.ctx.node.scope, st);
        const param = v.k === 'path' && rootClass(v.p.root, this.decls) === 'param';
        // a parameter given a call's result names the callee's object: no question about the caller's argument
        if (param && reboundParam(st, keyOf(v.p))) return false;
        return param || this.ctx.paramDerived.has(x.text ?? '');
      }
      if (x.type === 'call_expression') {
        // "was that the last reference?" (refcount_release, atomic_dec_and_test) is a question about the input
        const callee = calleeName(x) ?? '';
        const lastRef =
          this.model.functions.get(callee)?.some((ef) => ef.op === 'release') || /_dec_and_(test|lock)$/.test(callee);
        return lastRef ? (x.fields.arguments?.children ?? []).some(walk) : false;
      }
      return x.children.some(walk);
    };
    return walk(e);
  }

  /** The state where the variable `x` is known not to be NULL; undefined where the path knows it is. */
  private notNull(st: State, x: Syn): State | undefined {
    const v = this.ctx.resolve(x.text ?? '', this.ctx.node.scope, st);
    if (v.k !== 'path') return st;
    const key = keyOf(v.p);
    const test: Test = { op: 'ne', c: '0' };
    const known = decide(factOf(st, key), test);
    if (known !== undefined) return known ? st : undefined;
    return setFactKeep(st, key, factFor(test, st.facts.get(key), true));
  }

  /**
   * An asserted comparison of two pointers (`owner == d`, `owner != d` in a BUG_ON) one of which is a
   * parameter the function dereferences (`d->...`) and never assigns: the other one is an object,
   * not NULL, wherever the assertion says they are equal. `equal`: the test's true side says so.
   */
  private assertedObject(c: Syn): { subject: Syn; equal: boolean } | undefined {
    if (c.type !== 'binary_expression' || (c.op !== '==' && c.op !== '!=')) return undefined;
    const [l, r] = [c.fields.left, c.fields.right];
    if (l?.type !== 'identifier' || r?.type !== 'identifier') return undefined;
    if (!this.holdsPointerName(l.text ?? '') || !this.holdsPointerName(r.text ?? '')) return undefined;
    const param = (x: Syn) => {
      const d = this.ctx.node.scope.get(x.text ?? '');
      return !!d?.isParam && this.ctx.dereferencedParam(d.name);
    };
    const subject = param(r) ? l : param(l) ? r : undefined;
    return subject ? { subject, equal: c.op === '==' } : undefined;
  }

  /**
   * `owner != d` where `d` is a parameter the body reads through (`d->id`) but gives another value on some
   * paths (`d = owner`): on a path where it still holds the caller's value (not set to NULL, not given another
   * name's value), the function takes it to be an object, so the other side is not NULL where they are equal.
   */
  private callersObject(c: Syn, vals: Val[], st: State): { subject: Syn; equal: boolean } | undefined {
    if (c.type !== 'binary_expression' || (c.op !== '==' && c.op !== '!=')) return undefined;
    const sides = [c.fields.left, c.fields.right];
    if (sides.some((x) => x?.type !== 'identifier' || !this.holdsPointerName(x.text ?? ''))) return undefined;
    for (const i of [0, 1]) {
      const d = this.ctx.node.scope.get(sides[i]!.text ?? '');
      const v = vals[i];
      if (!d?.isParam || !this.ctx.readThroughParam(d.name)) continue;
      if (v?.k !== 'path' || v.p.root !== d.id || v.p.segs.length || reboundParam(st, d.id)) continue;
      if (decide(factOf(st, d.id), { op: 'eq', c: '0' }) === true) continue;
      return { subject: sides[1 - i]!, equal: c.op === '==' };
    }
    return undefined;
  }

  private holdsPointerName(name: string): boolean {
    return (this.ctx.node.scope.get(name)?.pointerDepth ?? 0) > 0;
  }

  /** A variable declared as a pointer. */
  private holdsPointerVar(root: string): boolean {
    return (this.decls.get(root)?.pointerDepth ?? 0) > 0;
  }

  /** A local or parameter, or what it points to, that is itself a pointer (`*rom` for `void **rom`). */
  private holdsPointer(p: AccessPath): boolean {
    const d = this.decls.get(p.root);
    return !!d && p.segs.every((s) => s === '*') && d.pointerDepth > p.segs.length;
  }

  private returnsPointerSubject(subject: Syn): boolean {
    if (subject.type !== 'identifier') return false;
    const d = this.ctx.node.scope.get(subject.text ?? '');
    return !!d && d.pointerDepth > 0;
  }

  /** A case label that is a macro standing for a number (`case XENMAPSPACE_gmfn:`): that number, as a test reads it. */
  private caseNumber(label: Syn): string | undefined {
    return label.type === 'identifier' && !this.ctx.node.scope.has(label.text ?? '')
      ? this.ctx.numberOf(label.text ?? '')
      : undefined;
  }

  switchNode(n: CfgNode, st0: State): Successor[] {
    const outs: Successor[] = [];
    const subjectText = this.ctx.shortText(n.ast, 40);
    const caseValues = new Map<Edge, string>();
    for (const edge of n.edges)
      if (edge.kind === 'case' && edge.caseValue)
        caseValues.set(
          edge,
          edge.caseValue.type === 'number_literal'
            ? normNumber(edge.caseValue.text ?? '')
            : (this.caseNumber(edge.caseValue) ?? this.ctx.text(edge.caseValue)),
        );
    const labelOf = (value: string) => {
      for (const [edge, v] of caseValues) if (v === value) return this.ctx.text(edge.caseValue!);
      return value;
    };
    // a switch on the object's state as it changes it (`switch (cmpxchg(&p->state, ...))`) guards its cases
    // (a count changed in the subject itself is the path's own)
    const guard = n.ast ? this.stateRoots(n.ast, st0) : undefined;
    const st = st0.guard || st0.held ? with_(st0, { guard: undefined, held: undefined }) : st0;
    for (const o0 of n.ast ? this.ex.eval(n.ast, st) : [{ st, v: UNKNOWN as Val }]) {
      const o = o0.st.guard === guard ? o0 : { ...o0, st: with_(o0.st, { guard }) };
      const key = o.v.k === 'path' ? keyOf(o.v.p) : undefined;
      const f = key ? factOf(o.st, key) : o.v.k === 'const' ? { eq: o.v.c } : undefined;
      // a switch on a parameter's value (a command) is a condition its caller chooses: a constant argument rules
      // the other arms out (a switch on a member of what the parameter points to stays the function's own)
      const param = key && o.v.k === 'path' && !o.v.p.segs.length && !guard?.includes(o.v.p.root) ? o.v.p : undefined;
      const armCond = (s: State, c: string, holds: boolean) =>
        param && key
          ? this.fx.noteParamCond(
              s,
              param,
              key,
              { op: 'eq', c },
              holds,
              `${subjectText} ${holds ? '==' : '!='} ${labelOf(c)}`,
            )
          : s;
      for (const edge of n.edges) {
        const cv = caseValues.get(edge);
        if (cv !== undefined) {
          if (decide(f, { op: 'eq', c: cv }) === false) continue;
          // C makes a switch's case labels distinct values: the subject is none of the others
          // (`case A: ... if (x == B)` is decided, not split)
          const others = [...new Set(caseValues.values())].filter((c) => c !== cv);
          let s = key ? setFactKeep(o.st, key, { eq: cv, ...(others.length ? { ne: others } : {}) }) : o.st;
          s = armCond(s, cv, true);
          s = with_(s, {
            conds: cons(this.ctx.condition(`${subjectText} == ${this.ctx.text(edge.caseValue!)}`), s.conds),
          });
          outs.push({ to: edge.to, st: s, kind: edge.kind });
        } else {
          // the default case is none of the labels: a path that knows the subject is one of them never takes it
          if ([...caseValues.values()].some((c) => decide(f, { op: 'eq', c }) === true)) continue;
          const labels = [...new Set(caseValues.values())].filter((c) => decide(f, { op: 'ne', c }) !== true);
          let kept = key && labels.length ? notAnyOf(o.st, key, labels) : o.st;
          for (const c of labels) kept = armCond(kept, c, false);
          outs.push({
            to: edge.to,
            st: with_(kept, { conds: cons(this.ctx.condition(`${subjectText}: default`), kept.conds) }),
            kind: edge.kind,
          });
        }
      }
    }
    return outs;
  }
}

/**
 * A tested call result as a reader says it: the model row's own words for that return
 * class (`"says": {"ret != 0": "found no device"}`), else `returned 0`, `returned non-NULL`,
 * `returned an error` (below zero), `returned EBUSY`.
 */
function resultWords(
  call: { name: string; shown: string },
  test: Test,
  holds: boolean,
  pointer: boolean,
  model: Model,
): string {
  const retClass = returnClassOf(test, holds);
  const says = retClass ? model.says.get(call.name)?.get(retClass) : undefined;
  if (says) return `${call.shown} ${says}`;
  switch (retClass) {
    case '== 0':
      return `${call.shown} returned ${pointer ? 'NULL' : '0'}`;
    case '!= 0':
      return `${call.shown} returned ${pointer ? 'non-NULL' : 'non-zero'}`;
    case '< 0':
      return `${call.shown} returned an error`;
    case '>= 0':
      return `${call.shown} did not return an error`;
    case '> 0':
      return `${call.shown} returned a positive value`;
    case '<= 0':
      return `${call.shown} returned 0 or an error`;
  }
  if (test.op === 'has' || test.op === 'lacks')
    return `${call.shown} returned a value ${(test.op === 'has') === holds ? 'with' : 'without'} ${test.flag}`;
  if (test.op === 'eq' || test.op === 'ne')
    return (test.op === 'eq') === holds ? `${call.shown} returned ${test.c}` : `${call.shown} did not return ${test.c}`;
  return call.shown;
}

/**
 * The return class a test establishes when it holds or fails, as a model's `says` names it (`== 0`,
 * `< 0`, `!= EBUSY`).
 */
function returnClassOf(test: Test, holds: boolean): string | undefined {
  switch (test.op) {
    case 'eq':
    case 'ne': {
      const equal = (test.op === 'eq') === holds;
      return `${equal ? '==' : '!='} ${isZeroConst(test.c) ? '0' : test.c}`;
    }
    case 'lt0':
      return holds ? '< 0' : '>= 0';
    case 'ge0':
      return holds ? '>= 0' : '< 0';
    case 'gt0':
      return holds ? '> 0' : '<= 0';
    case 'le0':
      return holds ? '<= 0' : '> 0';
    default:
      return undefined;
  }
}

/** What a path that took a switch's default knows of its subject: it is none of the case labels. */
function notAnyOf(st: State, key: string, labels: string[]): State {
  const f = factOf(st, key);
  if (f?.eq !== undefined) return st;
  const ne = [...new Set([...(f?.ne ?? []), ...labels])];
  return setFactKeep(st, key, { ...(f ?? {}), ne });
}

function negateText(t: string): string {
  if (t.startsWith('!') && !t.startsWith('!=')) {
    const inner = t.slice(1).trim();
    return inner.startsWith('(') && inner.endsWith(')') && balanced(inner.slice(1, -1)) ? inner.slice(1, -1) : inner;
  }
  return `!(${t})`;
}

/** The code itself tested whether `key` is NULL, not only a model split of a call's outcomes (Fact.nullTested). */
function nullTested(st: State, key: string, test: Test): State {
  if ((test.op !== 'eq' && test.op !== 'ne') || !isZeroConst(test.c)) return st;
  const f = st.facts.get(key);
  return !f || f.nullTested ? st : setFactKeep(st, key, { ...f, nullTested: true });
}

/**
 * Where `a == b`, `b` a global the path knows is not NULL (`if (!dom_cow || owner != dom_cow)`: on the arm
 * where they are equal `dom_cow` was tested), `a` is not NULL either: undefined where `a` is known NULL (no such
 * path). Only a global's test: what a path knows of its locals after a merge is what the doubt of a split reads.
 */
function nonNullShared(st: State | undefined, a: string, b: string): State | undefined {
  if (!st || !b.startsWith('g:')) return st;
  const test: Test = { op: 'eq', c: '0' };
  if (decide(factOf(st, b), test) !== false) return st;
  const known = decide(factOf(st, a), test);
  if (known !== undefined) return known ? undefined : st;
  return setFactKeep(st, a, factFor({ op: 'ne', c: '0' }, st.facts.get(a), true));
}
