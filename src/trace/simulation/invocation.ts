/**
 * Running one function of the file: choose its path class (path-choice.ts), then apply the
 * path's counted steps and carry out the calls on the lines it passes, in line order: kernel
 * calls (if_clone_create, if_clone_detach, devfs_set_cdevpriv) and in-file functions whose
 * effect the analyser did not fold into the path.
 */
import { nameTable } from '../../analysis/tables';
import type { CallSite, FunctionResult, PathClass, Step } from '../../analysis/result';
import type { TraceCall } from '../types';
import { matchParen, type SourceText } from '../source';
import type { Sim } from './sim';
import { MAX_DEPTH, type Ctx, type InvocationState, type Note, type SimObject, type World } from './world';

/** A call on a line an invocation passes; `inExtra`: in a loop body the path class does not list. */
interface LineCall {
  line: number;
  call: CallSite;
  inExtra: boolean;
}

/** `Invoker.callsAlong` by path class (a path class belongs to one function of one result). */
const callsAlongPaths = new WeakMap<PathClass, { src: SourceText; f: FunctionResult; calls: LineCall[] }>();
/** `Invoker.callsInBody` by function. */
const callsInBodies = new WeakMap<FunctionResult, { src: SourceText; byValue: Map<string, LineCall[]> }>();

export class Invoker {
  constructor(private sim: Sim) {}

  private get w(): World {
    return this.sim.world;
  }

  /** Run every function of the file registered for `role`. */
  invokeRole(role: string, ctx: Ctx, note: Note): void {
    for (const r of this.w.roles.byRole.get(role) ?? []) {
      if (r.synthetic) continue;
      this.invoke(r.function, { ...ctx, inv: this.w.newInv(ctx.inv) }, note);
    }
  }

  /** Run one function of the file: choose a path class, apply its steps and the kernel calls on its lines. */
  invoke(name: string, ctx: Ctx, note: Note): TraceCall | undefined {
    const f = this.w.fn(name);
    if (!f) {
      note(`${name}() is not defined in this file`);
      return undefined;
    }
    if (ctx.depth > MAX_DEPTH) {
      note(`${name}(): calls nested too deep, stopped`);
      return undefined;
    }
    if (ctx.via.filter((v) => v === name).length >= 2) {
      note(`${name}(): recursion, stopped`);
      return undefined;
    }
    const via = [...ctx.via, name];
    const params = this.sim.choice.bindingsOf(name, ctx.role);
    const evalEnv = this.sim.choice.evalEnv(f, ctx, params);
    const { path, reason, conditions } = this.sim.choice.choosePath(f, ctx, params, evalEnv);
    const call: TraceCall = {
      afterSeq: this.w.steps.length,
      eventIndex: this.w.eventIndex,
      function: name,
      line: f.line,
      path: path?.id,
      exitLine: path?.exit.line ?? f.endLine,
      returns: path?.exit.returnClass,
      conditions,
      reason,
      role: this.w.roleSpec(ctx.role)?.title ?? ctx.role,
      depth: ctx.depth,
      via: ctx.via,
      counts: nameTable(),
    };
    this.w.calls.push(call);
    const touched = new Map<SimObject, number>();
    const local = new Map<string, SimObject>();
    const icx: InvocationState = { f, path, params, ctx: { ...ctx, via }, local, touched, call, note };
    // the ordered actions: counted steps, then kernel and in-file calls, by line
    const summarized = new Set((path?.steps ?? []).map((s) => s.call));
    type Action = { line: number; order: number; step?: Step; call?: { callee: string; args: string[] } };
    const actions: Action[] = [];
    let order = 0;
    for (const s of path?.steps ?? []) {
      if (this.w.whatIf.dropLines.has(s.line)) {
        note(`what-if: the ${s.call}() at line ${s.line} is left out`);
        continue;
      }
      actions.push({ line: s.line, order: order++, step: s });
    }
    for (const { line, call: c, inExtra } of path ? this.callsAlong(f, path) : this.callsInBody(f, ctx.value)) {
      const calleeFn = this.w.fn(c.callee);
      if (this.w.env.kernelCalls[c.callee] || (calleeFn && !summarized.has(c.callee) && (!inExtra || calleeFn.quiet))) {
        if (this.w.whatIf.dropLines.has(line)) continue;
        actions.push({ line, order: 1000 + order++, call: c });
      }
    }
    actions.sort((a, b) => a.line - b.line || a.order - b.order);
    for (const a of actions) {
      if (a.step) this.sim.pathSteps.applyStep(a.step, icx);
      else if (a.call) this.doCall(a.call.callee, a.call.args, a.line, icx);
    }
    for (const [o, before] of touched) call.counts[o.id] = [before, o.count];
    return call;
  }

  /** `callsOnLines` of a path class and the loop bodies it passes (the same on every run over one text). */
  private callsAlong(f: FunctionResult, path: PathClass): LineCall[] {
    let known = callsAlongPaths.get(path);
    if (known?.src !== this.w.src || known.f !== f) {
      // a path class stands for paths that differ only in uncounted work: loop bodies whose header
      // the path passes may hold kernel calls (if_clone_detach in a loop) the representative skipped
      known = { src: this.w.src, f, calls: this.callsOnLines(f, path.lines, this.loopBodies(path.lines, f)) };
      callsAlongPaths.set(path, known);
    }
    return known.calls;
  }

  /** `callsOnLines` of a function without path classes (`bodyLines`), per text, function and switch value. */
  private callsInBody(f: FunctionResult, value: string | undefined): LineCall[] {
    let known = callsInBodies.get(f);
    if (known?.src !== this.w.src) {
      known = { src: this.w.src, byValue: new Map() };
      callsInBodies.set(f, known);
    }
    let calls = known.byValue.get(value ?? '');
    if (!calls) {
      calls = this.callsOnLines(f, this.bodyLines(f, value), []);
      known.byValue.set(value ?? '', calls);
    }
    return calls;
  }

  /** The calls of `f` (but of itself) on `lines` and then on `extra`, each line once, in the body. */
  private callsOnLines(f: FunctionResult, lines: number[], extra: number[]): LineCall[] {
    const out: LineCall[] = [];
    const seen = new Set<number>();
    const firstBodyLine = this.bodyStart(f);
    const onPath = new Set(lines);
    for (const line of [...lines, ...extra]) {
      if (seen.has(line) || line <= firstBodyLine - 1) continue;
      seen.add(line);
      for (const call of this.w.callsOn(f, line))
        if (call.callee !== f.name) out.push({ line, call, inExtra: !onPath.has(line) });
    }
    return out;
  }

  /** Lines of the bodies of loops whose header line is in `lines` (and that the lines skip). */
  private loopBodies(lines: number[], f: FunctionResult): number[] {
    const { src } = this.w;
    const out: number[] = [];
    const on = new Set(lines);
    for (const l of on) {
      const text = src.maskedLines[l - 1] ?? '';
      const m = /\b(for|while|[A-Z_]*FOREACH[A-Z_]*)\s*\(/.exec(text);
      if (!m) continue;
      const open = src.offsetOf(l) + m.index + m[0].length - 1;
      const close = matchParen(src.masked, open);
      if (close < 0) continue;
      let k = close + 1;
      while (k < src.masked.length && /\s/.test(src.masked[k])) k++;
      let end: number;
      if (src.masked[k] === '{') {
        let depth = 0;
        end = -1;
        for (let i = k; i < src.masked.length; i++) {
          const c = src.masked[i];
          if (c === '{') depth++;
          else if (c === '}') {
            depth--;
            if (depth === 0) {
              end = i;
              break;
            }
          }
        }
        if (end < 0) continue;
      } else end = src.masked.indexOf(';', k);
      const from = src.lineOf(close),
        to = Math.min(src.lineOf(end), f.endLine);
      for (let x = from; x <= to; x++) if (!on.has(x)) out.push(x);
    }
    return out;
  }

  private bodyStart(f: FunctionResult): number {
    const { src } = this.w;
    const start = src.offsetOf(f.nameRange.line) + f.nameRange.column;
    const brace = src.masked.indexOf('{', start);
    return brace < 0 ? f.line : src.lineOf(brace);
  }

  /** Lines of a function without path classes; with a known switch value, only its case. */
  private bodyLines(f: FunctionResult, value: string | undefined): number[] {
    const { src } = this.w;
    const from = this.bodyStart(f) + 0,
      to = f.endLine;
    const lines: number[] = [];
    const excluded = new Set<number>();
    if (value) {
      const labelRe = /^\s*(?:case\s+([^:]+?)|default)\s*:/;
      let depth = 0;
      const depthAt: number[] = [];
      for (let l = from; l <= to; l++) {
        depthAt[l] = depth;
        for (const ch of src.maskedLines[l - 1] ?? '') {
          if (ch === '{') depth++;
          else if (ch === '}') depth--;
        }
      }
      const hasCase = src.findLines(from, to, new RegExp(`\\bcase\\s+${value}\\s*:`)).length > 0;
      if (hasCase) {
        let inOther = -1;
        for (let l = from; l <= to; l++) {
          const m = labelRe.exec(src.maskedLines[l - 1] ?? '');
          if (m) inOther = (m[1] ?? 'default').trim() === value ? -1 : depthAt[l];
          else if (inOther >= 0 && depthAt[l] < inOther) inOther = -1;
          if (inOther >= 0) excluded.add(l);
        }
      }
    }
    for (let l = from; l <= to; l++) if (!excluded.has(l)) lines.push(l);
    return lines;
  }

  private doCall(callee: string, args: string[], line: number, icx: InvocationState): void {
    const { ctx, note, f } = icx;
    const spec = this.w.env.kernelCalls[callee];
    const via = [...ctx.via, callee];
    if (spec) {
      switch (spec.action) {
        case 'clone-create': {
          // the name passed is the device just made, when there is one
          const made = ctx.outCdev?.obj ?? ctx.cdev;
          const name = made?.name ?? ctx.deviceName ?? ctx.lookupName ?? this.w.vars.device;
          this.sim.cloners.cloneCreate(
            name,
            { ...ctx, via, depth: ctx.depth + 1, deviceName: name, cdev: made },
            note,
            line,
          );
          return;
        }
        case 'clone-detach':
          this.sim.cloners.cloneDetach({ ...ctx, via, depth: ctx.depth + 1 }, note, line);
          return;
        case 'clone-destroy': {
          const name = ctx.deviceName ?? ctx.lookupName;
          const iface = this.w.ifaces.find((i) => i.name === name);
          if (iface) this.sim.cloners.cloneDestroy(iface, { ...ctx, via, depth: ctx.depth + 1 }, note, line);
          else note(`${f.name}() line ${line}: if_clone_destroy: no interface ${name ?? '?'}`);
          return;
        }
        case 'cloner-attach': {
          const v = ctx.vnet ?? this.w.vnets.get('vnet0');
          if (v) v.attached = true;
          note(`${f.name}() line ${line}: ${callee} attaches the cloner in ${this.w.vnetWords(v)}`);
          return;
        }
        case 'cdevpriv': {
          const dtor = args[spec.arg ?? 1]?.replace(/^&/, '').trim();
          if (ctx.openFile && dtor && this.w.fn(dtor)) {
            ctx.openFile.dtor = dtor;
            note(`${f.name}() line ${line}: ${dtor}() will run when the file is closed`);
          }
          return;
        }
      }
    }
    // an in-file function whose effect the analyser did not fold into this path: run it too
    this.invoke(
      callee,
      {
        ...ctx,
        via: ctx.via.concat(),
        depth: ctx.depth + 1,
        role: 'helper',
        inv: this.w.newInv(ctx.inv),
        outCdev: undefined,
        outIfnet: undefined,
        wantDevice: false,
      },
      note,
    );
  }
}
