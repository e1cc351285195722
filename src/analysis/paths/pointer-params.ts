/**
 * The parameters that hold a pointer. Declared so (`struct vnode *dvp`), or declared with a type name that
 * hides the pointer (`vnode_t dvp`, a typedef the file may not even see) and used as one by the body: a
 * member read through it (`dvp->v_mount`), its pointee or an element (`*dvp`, `dvp[0]`), a comparison with a
 * null pointer's name (`dvp == NULL`), or given where a counted call (a model row, a callee's summary) counts
 * the argument itself (`vnode_put(dvp)`). A number the function recomputes (`len = clamp(len)`) is none of
 * these. Such a parameter given a call's result names that result's object from there on, not the caller's
 * (`expressions.ts` assignValue, `State.written`).
 */
import type { Cfg, VarDecl } from '../cfg/cfg';
import { type Syn, unwrapValue } from '../parse/syntax';
import { declOf, type Scope } from './local-values';
import { NULL_NAME } from './values';

/** `counts(callee, i)`: a call of `callee` counts its argument `i` itself (not a member of it). */
export function pointerParams(cfg: Cfg, counts: (callee: string, arg: number) => boolean): ReadonlySet<string> {
  const out = new Set<string>();
  for (const p of cfg.params) if (p.pointerDepth > 0) out.add(p.id);
  const hidden = (x: Syn | undefined, scope: Scope): VarDecl | undefined => {
    const d = declOf(unwrapValue(x), scope);
    return d?.isParam && d.pointerDepth === 0 ? d : undefined;
  };
  const walk = (x: Syn, scope: Scope) => {
    const used: (Syn | undefined)[] = [];
    if (x.type === 'field_expression' && x.op === '->') used.push(x.fields.argument);
    else if ((x.type === 'pointer_expression' && x.op === '*') || x.type === 'subscript_expression')
      used.push(x.fields.argument);
    else if (x.type === 'binary_expression' && (x.op === '==' || x.op === '!=')) {
      const [l, r] = [unwrapValue(x.fields.left), unwrapValue(x.fields.right)];
      if (r?.type === 'identifier' && NULL_NAME.test(r.text ?? '')) used.push(l);
      if (l?.type === 'identifier' && NULL_NAME.test(l.text ?? '')) used.push(r);
    } else if (x.type === 'call_expression' && x.fields.function?.type === 'identifier') {
      const name = x.fields.function.text ?? '';
      const args = (x.fields.arguments?.children ?? []).filter((a) => a.type !== 'comment');
      args.forEach((a, i) => {
        if (counts(name, i)) used.push(a);
      });
    }
    for (const u of used) {
      const d = hidden(u, scope);
      if (d) out.add(d.id);
    }
    for (const c of x.children) walk(c, scope);
  };
  for (const n of cfg.nodes) if (n.ast) walk(n.ast, n.scope);
  return out;
}
