/**
 * Which simulated objects an access path of a running function names (`*dev`, `tp->tun_dev`,
 * `sc`): what the function stored or made earlier on this path, a parameter the kernel filled,
 * an object kept in a file-scope variable, or the one live object of the kind.
 */
import type { FileResult, Step } from '../../analysis/result';
import type { SourceText } from '../source';
import type { Sim } from './sim';
import type { BoundParam, Ctx, InvocationState, SimObject, World } from './world';

/** The file-scope names of a text (given its functions' lines), worked out once per text and result. */
const globalsOf = new WeakMap<SourceText, WeakMap<FileResult, ReadonlySet<string>>>();

export class Bindings {
  constructor(private sim: Sim) {}

  private get w(): World {
    return this.sim.world;
  }

  /** Names declared at file scope (outside every function), for `globalRoot`. */
  findGlobals(result: FileResult): void {
    const src = this.w.src;
    let byResult = globalsOf.get(src);
    if (!byResult) globalsOf.set(src, (byResult = new WeakMap()));
    let names = byResult.get(result);
    if (!names) byResult.set(result, (names = new Set(fileScopeNames(result, src))));
    this.w.globalNames = names;
  }

  /** The file-scope variable an access path starts from, if it does. */
  globalRoot(access: string): string | undefined {
    const m = /^[*&(\s]*([A-Za-z_]\w*)/.exec(access);
    return m && this.w.globalNames.has(m[1]) ? m[1] : undefined;
  }

  /** Which simulated objects an access path of the running function stands for. */
  bind(s: Step, icx: InvocationState, forCreate = false): SimObject[] {
    const { ctx, local, params } = icx;
    const access = s.object;
    const hit = local.get(access);
    if (hit) return [hit];
    const root = /^[*&(\s]*([A-Za-z_]\w*)/.exec(access)?.[1];
    const derefs = /^\**/.exec(access)![0].length;
    const param = params.find((x) => x.p.name && x.p.name === root);
    if (param) {
      if (param.b === 'cdev-out' && derefs === 1 && access === `*${root}` && ctx.outCdev) {
        if (ctx.outCdev.obj) return [ctx.outCdev.obj];
        if (forCreate) return [];
        const e = ctx.cdev && !ctx.cdev.freed ? ctx.cdev : undefined;
        if (e) {
          ctx.outCdev.obj = e;
          return [e];
        }
      }
      if (param.b === 'ifnet-out' && access === `*${root}` && ctx.outIfnet?.obj) return [ctx.outIfnet.obj];
      if (param.b === 'cred' && access === root && ctx.cred && s.kind === 'ucred') return [ctx.cred];
      if (param.b === 'cdev' && access === root && ctx.cdev && s.kind === 'cdev') return [ctx.cdev];
      if (param.b === 'ifnet' && access === root && ctx.ifnet && s.kind === 'ifnet') return [ctx.ifnet];
      if (param.b === 'prison' && ctx.prison && s.kind === 'prison') return [ctx.prison];
    }
    if (forCreate) return [];
    const g = this.globalRoot(access);
    if (g) {
      const o = this.w.globals.get(access);
      if (o && !o.freed) return [o];
    }
    const cur =
      s.kind === 'cdev'
        ? (ctx.outCdev?.obj ?? ctx.cdev)
        : s.kind === 'ifnet'
          ? (ctx.outIfnet?.obj ?? ctx.ifnet)
          : s.kind === 'ucred'
            ? ctx.cred
            : s.kind === 'prison'
              ? ctx.prison
              : undefined;
    if (cur && !cur.freed) return [cur];
    const field = /(?:->|\.)(\w+)$/.exec(access)?.[1];
    const live = this.w.objects.filter((o) => o.kind === s.kind && !o.freed && !o.preexisting);
    if (field) {
      const byAlias = live.filter((o) =>
        o.aliases.some((a) => a.endsWith(`->${field}`) || a.endsWith(`.${field}`) || a === field),
      );
      if (byAlias.length === 1) return byAlias;
      if (byAlias.length > 1 && ctx.teardown && s.op === 'destroy') return byAlias.filter((o) => !o.destroyed);
    }
    if (ctx.teardown && s.op === 'destroy') return live.filter((o) => !o.destroyed && o.createdBy);
    if (live.length === 1 && !ctx.teardown) return live;
    return [];
  }

  /** Would `bind` find an object (without changing the context's out-parameter)? */
  bindDry(s: Step, ctx: Ctx, params: BoundParam[]): boolean {
    const icx = {
      ctx: { ...ctx, outCdev: ctx.outCdev ? { ...ctx.outCdev } : undefined },
      local: new Map(),
      params,
    } as unknown as InvocationState;
    return this.bind(s, icx).length > 0;
  }
}

function fileScopeNames(result: FileResult, src: SourceText): string[] {
  const names: string[] = [];
  // the lines outside every function, read in order: each function's lines are marked, not visited
  const lines = src.maskedLines;
  const inside = new Uint8Array(lines.length + 2);
  for (const f of result.functions)
    inside.fill(1, Math.max(1, f.range.line), Math.min(lines.length, f.range.endLine) + 1);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (inside[i + 1] || /^\s*#/.test(l)) continue;
    declaredNames(l, names);
    const vd = /VNET_DEFINE(?:_STATIC)?\s*\([^,]+,\s*([A-Za-z_]\w*)\s*\)/.exec(l);
    if (vd) names.push(vd[1], `V_${vd[1]}`);
  }
  return names;
}

const NAME = /[A-Za-z_]\w*/g;
const DECLARED_AFTER = /\s*(?:\[[^\]]*\])?\s*(?=[=;,)])/y;

/**
 * The matches of `/([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*(?=[=;,)])/g` in a line (a name followed by
 * `=`, `;`, `,` or `)`, an array bound between), found without that pattern's backtracking: a
 * name that is not followed so is skipped whole (no shorter part of it can match either, as a
 * word character follows each), and a match goes on after what it consumed, as the pattern's does.
 */
function declaredNames(line: string, out: string[]): void {
  NAME.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = NAME.exec(line))) {
    DECLARED_AFTER.lastIndex = NAME.lastIndex;
    const after = DECLARED_AFTER.exec(line);
    if (!after) continue;
    out.push(m[0]);
    NAME.lastIndex += after[0].length;
  }
}
