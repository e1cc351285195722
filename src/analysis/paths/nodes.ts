/**
 * One CFG node's effect on one path state, and the edges the results leave by: statements,
 * declarations with an initialiser, returns (the exit value and the returned object), and
 * iterator macros (the loop variable holds a reference, or only walks a list); branches and switches in
 * branches.ts.
 */
import type { CfgNode } from '../cfg/cfg';
import type { Model } from '../model/compiled';
import { embeddingObject, keyOf, rootClass, under } from './access';
import { type ObjState, type State, with_ } from './state';
import { factOf, setFactKeep, putObj, addStep, killPath } from './state-edits';
import { isZeroConst } from './values';
import { NOT } from './fact-tests';
import type { FunctionContext, Successor } from './function-context';
import type { Effects } from './effects';
import type { Expressions } from './expressions';
import type { Branches } from './branches';

export class NodeTransfer {
  private readonly model: Model;

  constructor(
    private readonly ctx: FunctionContext,
    private readonly fx: Effects,
    private readonly ex: Expressions,
    private readonly br: Branches,
  ) {
    this.model = ctx.model;
  }

  transfer(n: CfgNode, st: State): Successor[] {
    this.ctx.node = n;
    const next = (s: State) => n.edges.map((edge) => ({ to: edge.to, st: s, kind: edge.kind }));
    switch (n.kind) {
      case 'entry':
      case 'nop':
      case 'exit':
        return next(st);
      case 'eval':
        return n.ast ? this.ex.eval(n.ast, st).flatMap((o) => next(o.st)) : next(st);
      case 'init': {
        const d = n.decl!;
        return this.ex
          .eval(n.ast!, st)
          .flatMap((o) => next(this.ex.assign(o.st, { root: d.id, segs: [] }, '=', o.v, n.line)));
      }
      case 'return':
        return this.returnNode(n, st);
      case 'branch':
        return this.br.branchNode(n, st);
      case 'switch':
        return this.br.switchNode(n, st);
      case 'iter-enter':
      case 'iter-next': {
        const spec = this.model.iterators.get(n.macro!.name);
        const arg = spec ? n.macro!.args[spec.var] : undefined;
        if (!spec || !arg) return next(st);
        return this.ex.eval(arg, st).flatMap((o) => {
          if (o.v.k !== 'path') return next(o.st);
          const p = o.v.p;
          const key = keyOf(p);
          // a list walk (`TAILQ_FOREACH`): each element in turn, never NULL in the body, and no reference
          if (spec.holds === false) {
            // the next element: what the path stored in the last one's members stays there
            const next_ = p.segs.length ? o.st : this.fx.placesOfOldValue(o.st, key, n.line);
            const moved = killPath(next_, key);
            return next(n.kind === 'iter-enter' ? setFactKeep(moved, key, { ne: ['0'] }) : moved);
          }
          if (n.kind === 'iter-enter') {
            let s = this.fx.loseOverwritten(o.st, key, n.line);
            s = setFactKeep(s, key, { ne: ['0'] });
            s = this.fx.change(s, key, p, {
              op: 'acquire',
              count: 1,
              kind: spec.kind,
              line: n.line,
              call: n.macro!.name,
              label: 'loop variable',
              source: spec.source,
            });
            return next(s);
          }
          const s = this.fx.change(o.st, key, p, {
            op: 'release',
            count: 1,
            kind: spec.kind,
            line: n.line,
            call: n.macro!.name,
            label: 'next element',
            source: spec.source,
          });
          return next(s);
        });
      }
    }
  }

  private returnNode(n: CfgNode, st: State): Successor[] {
    const done = (s: State, returns: string, cls: string, returnedKey?: string, returnedAddress?: boolean) =>
      n.edges.map((edge) => ({
        to: edge.to,
        st: with_(s, {
          exit: {
            line: n.line,
            returns,
            returnClass: cls,
            returnedKey,
            ...(returnedAddress ? { returnedAddress } : {}),
          },
        }),
        kind: edge.kind,
      }));
    if (!n.ast) return done(st, 'void', 'void');
    const text = this.ctx.shortText(n.ast, 40);
    return this.ex.eval(n.ast, st).flatMap((o) => {
      let s = o.st;
      let cls = 'unknown';
      let returnedKey: string | undefined;
      let returnedAddress = false;
      if (o.v.k === 'const') cls = this.classOfConst(o.v.c);
      else if (o.v.k === 'flags' && !o.v.some) cls = o.v.f.join('|') || '0';
      else if (o.v.k === 'path') {
        let p = o.v.p;
        if (p.segs[p.segs.length - 1] === '&') {
          p = { root: p.root, segs: p.segs.slice(0, -1) };
          cls = 'non-NULL';
          returnedAddress = true;
        }
        const key = keyOf(p);
        const f = factOf(s, keyOf(o.v.p));
        if (cls === 'unknown' && f) {
          if (f.eq !== undefined) cls = this.classOfConst(f.eq);
          else if (f.ne?.some(isZeroConst))
            cls = this.ctx.returnsPointer ? 'non-NULL' : f.signs === '-' ? 'negative' : 'nonzero';
          else if (f.signs === '-') cls = 'negative';
          // `if (ret >= 0) ...; return ret;`: the caller's test of the result tells this path from an error's
          else if (f.signs === '0+') cls = 'non-negative';
          // `if (mfn == INVALID_MFN) { put_gfn(...); } return mfn;`: the caller's test of the sentinel tells them apart
          else if (f.ne?.length === 1 && /^[A-Za-z_]\w*$/.test(f.ne[0])) cls = `${NOT}${f.ne[0]}`;
        }
        // a handle of an object (`return map_domain_page_global(pg)`) hands the object out with it
        if (f?.handleOf !== undefined)
          s = this.fx.handOnThroughHandle(s, f, {
            line: n.line,
            call: 'return',
            op: 'return',
            note: 'returned to the caller as its handle',
          });
        // a structure of the function's own, returned: what was kept for places in it goes with it
        // (or the address of a member of one, `return &ars->ars_cmn`: what was kept for places under that member)
        if ((!p.segs.length || returnedAddress) && rootClass(p.root, this.ctx.decls) === 'local')
          s = this.fx.linked(s, key, { line: n.line, call: 'return', op: 'return' });
        // the returned object, and what is embedded in it (`return info` after kref_get(&info->refcount));
        // the address of a member (`return &anchor->ruleset`) hands out the object that embeds it
        const holder = returnedAddress ? embeddingObject(p) : undefined;
        const handsOut = (ok: string) => under(ok, key) || (holder !== undefined && under(ok, holder));
        for (const [ok, obj] of s.objects) {
          if (!handsOut(ok)) continue;
          returnedKey = key;
          if (ok !== key && storedElsewhere(obj, key)) continue;
          s = putObj(s, ok, { ...obj, returned: true, transferred: obj.refs });
          if (obj.refs - obj.transferred > 0)
            s = addStep(s, {
              line: n.line,
              call: 'return',
              object: obj.display,
              kind: obj.kind,
              delta: 0,
              op: 'return',
              note: 'returned to the caller',
              after: obj.exist + obj.refs,
            });
        }
      }
      return done(s, text, cls, returnedKey, returnedAddress && returnedKey !== undefined);
    });
  }

  private classOfConst(c: string): string {
    if (isZeroConst(c)) return this.ctx.returnsPointer ? 'NULL' : '0';
    return c;
  }
}

/**
 * A reference on a field of the returned object that the path already stored or handed on
 * somewhere else than in the returned object (`registry[id] = get(u->np); return u;`, a callee that
 * gave `v->domain` to a page it owns): the holder keeps it, so it does not go out with the return.
 */
function storedElsewhere(obj: ObjState, returned: string): boolean {
  return obj.refs > 0 && obj.transferred >= obj.refs && !(obj.storedIn !== undefined && under(obj.storedIn, returned));
}
