/**
 * The values a function's locals are given, as the text shows them: each local's initialiser and every
 * plain `=` to it, and the locals changed any other way (`x += 1`, `x++`) or whose address is given away
 * (a callee may write anything there). The questions "does this local only ever hold X" (named-by-caller.ts,
 * read-from-structure.ts) are a fixed point over these values.
 */
import type { Cfg, VarDecl } from '../cfg/cfg';
import { type Syn, unwrapValue } from '../parse/syntax';

export type Scope = ReadonlyMap<string, VarDecl>;

export interface LocalValues {
  /** By local's id, every value it is given, with the scope its names are read in. */
  assigned: Map<string, { rhs: Syn; scope: Scope }[]>;
  /** Locals changed otherwise, or whose address is taken. */
  excluded: Set<string>;
}

export interface LocalValueHooks {
  /**
   * A loop macro's argument that names a local: true when the caller takes it as that macro's cursor
   * (read-from-structure.ts), otherwise the macro may change it and it is excluded.
   */
  macroLocal?: (macro: string, id: string) => boolean;
  /** Each call expression met, with its scope. */
  call?: (call: Syn, scope: Scope) => void;
}

export function declOf(id: Syn | undefined, scope: Scope): VarDecl | undefined {
  return id?.type === 'identifier' ? scope.get(id.text ?? '') : undefined;
}

/** A function's own local (not a parameter, not a static kept across calls). */
export function ownLocal(d: VarDecl | undefined): VarDecl | undefined {
  return d && !d.isParam && !d.isStatic ? d : undefined;
}

export function localValues(cfg: Cfg, hooks: LocalValueHooks = {}): LocalValues {
  const assigned = new Map<string, { rhs: Syn; scope: Scope }[]>();
  const excluded = new Set<string>();
  const push = (id: string, rhs: Syn, scope: Scope) => {
    const list = assigned.get(id) ?? [];
    list.push({ rhs, scope });
    assigned.set(id, list);
  };
  const walk = (n: Syn, scope: Scope) => {
    if (n.type === 'assignment_expression') {
      const d = ownLocal(declOf(unwrapValue(n.fields.left), scope));
      // `x += 1`, `x |= f`: no longer only the value it was given
      if (d && n.op === '=' && n.fields.right) push(d.id, n.fields.right, scope);
      else if (d) excluded.add(d.id);
    } else if (n.type === 'update_expression') {
      const d = ownLocal(declOf(unwrapValue(n.fields.argument), scope));
      if (d) excluded.add(d.id);
    } else if (n.type === 'pointer_expression' && n.op === '&') {
      // its address given away: a callee may store anything there (an out-parameter of a lookup)
      const d = ownLocal(declOf(unwrapValue(n.fields.argument), scope));
      if (d) excluded.add(d.id);
    } else if (n.type === 'call_expression') hooks.call?.(n, scope);
    for (const c of n.children) walk(c, scope);
  };
  for (const node of cfg.nodes) {
    if (node.kind === 'init' && node.decl && node.ast) push(node.decl.id, node.ast, node.scope);
    if (node.ast) walk(node.ast, node.scope);
    if (!node.macro) continue;
    for (const a of node.macro.args) {
      const d = ownLocal(declOf(unwrapValue(a), node.scope));
      if (d && !hooks.macroLocal?.(node.macro.name, d.id)) excluded.add(d.id);
      walk(a, node.scope);
    }
  }
  return { assigned, excluded };
}
