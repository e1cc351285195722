/**
 * The end of a trace: each object's final state (freed, live, leaked: held only by leaked
 * objects counts as leaked), a verdict per jail (a DYING jail follows what holds its prison
 * down to the object nothing releases) and per leaked object, and the one-line summary.
 */
import { expandVariables } from '../scenario';
import { TRACE_VERSION, type FinalObject, type TraceResult, type TraceVerdict } from '../types';
import type { Jail, SimObject, World } from './world';

/** The trace of a finished simulation of `file`. */
export function finishTrace(w: World, file: string): TraceResult {
  return new Verdicts(w).finish(file);
}

class Verdicts {
  constructor(private w: World) {}

  finish(file: string): TraceResult {
    const objects: FinalObject[] = this.w.objects.map((o) => this.finalObject(o));
    // objects held only by leaked objects can never be freed either
    for (let changed = true; changed; ) {
      changed = false;
      for (const fo of objects) {
        if (fo.state !== 'live') continue;
        const o = this.w.objects.find((x) => x.id === fo.id)!;
        const holders = o.holders;
        if (
          holders.length &&
          holders.every((h) => h.type === 'object' && objects.find((x) => x.id === h.objectId)?.state === 'leaked')
        ) {
          fo.state = 'leaked';
          const which = holders.length > 1 ? 'are' : 'is';
          fo.note = `held only by ${holders.map((h) => h.objectId).join(', ')}, which ${which} leaked`;
          changed = true;
        }
      }
    }
    const verdicts: TraceVerdict[] = [];
    for (const msg of this.w.inconclusive)
      verdicts.push({ subject: 'scenario', state: 'inconclusive', reason: msg, good: false });
    for (const p of this.w.problems)
      if (p.severity === 'error')
        verdicts.push({ subject: 'scenario', state: 'inconclusive', reason: p.message, good: false });
    for (const j of this.w.jails.values()) verdicts.push(this.jailVerdict(j, objects));
    for (const fo of objects) {
      if (fo.state !== 'leaked' || fo.kind === 'prison') continue;
      if (fo.note?.startsWith('held only by')) continue;
      const o = this.w.objects.find((x) => x.id === fo.id)!;
      const refs = o.holders.filter((h) => h.type === 'ref').map((h) => h.label);
      const outlived =
        o.outlived && !o.destroyed && !refs.length ? ` outlives kldunload ${o.outlived}` : ' is never freed';
      const subject = `${fo.kind} ${this.nameOf(fo.id)}`;
      const after = o.destroyed ? ` after ${this.destroyedWhere(o)}` : '';
      const held = refs.length ? `${refs.join(', ')}, which nothing releases` : fo.heldBy.join(', ');
      verdicts.push({
        subject,
        state: 'leaked',
        good: false,
        reason: `${subject}${outlived}: count ${fo.count}${after}, held by ${held}`,
      });
    }
    const bad = verdicts.filter((v) => !v.good);
    // a credential a running process holds is not the scenario's to free
    const pinned = (fo: FinalObject) =>
      fo.state === 'live' &&
      fo.heldBy.length > 0 &&
      this.w.objects.find((x) => x.id === fo.id)!.holders.every((h) => h.type === 'kernel' && /process/.test(h.label));
    const counted = objects.filter((o) => !pinned(o));
    const freedAll = counted.length > 0 && counted.every((o) => o.state === 'freed');
    if (!bad.length) {
      const removed = [...this.w.jails.values()]
        .filter((j) => j.state === 'removed')
        .map((j) => `jail ${j.name} removed`);
      const live = counted.filter((o) => o.state === 'live');
      const tail = freedAll
        ? 'all objects freed'
        : live.length
          ? `no leaks; still live at the end: ${live.map((o) => `${o.id} (count ${o.count})`).join(', ')}`
          : 'no leaks';
      verdicts.unshift({
        subject: 'scenario',
        state: freedAll ? 'freed' : 'live',
        reason: [...removed, tail].join('; '),
        good: true,
      });
    }
    const ok = verdicts.every((v) => v.good);
    const summary = ok
      ? verdicts[0].reason
      : (verdicts.find((v) => !v.good && v.subject.startsWith('jail')) ?? verdicts.find((v) => !v.good))!.reason;
    return {
      version: TRACE_VERSION,
      file: file,
      scenario: this.w.scenario.name,
      description: this.w.scenario.description ? expandVariables(this.w.scenario.description, this.w.vars) : undefined,
      whatIf: this.w.whatIf.list,
      facts: { ...this.w.facts },
      events: this.w.events,
      steps: this.w.steps,
      calls: this.w.calls,
      final: {
        objects,
        jails: [...this.w.jails.values()].map((j) => ({
          name: j.name,
          state: j.state,
          vnet: j.vnet,
          count: j.prison.count,
        })),
      },
      verdicts,
      problems: this.w.problems,
      ok,
      summary,
      roles: this.w.roles.all.map((r) => ({ role: r.title, function: r.function, line: r.line, how: r.how })),
    };
  }

  private destroyedWhere(o: SimObject): string {
    if (!o.destroyedBy) return 'its destruction';
    const fn = o.destroyedBy.fn.startsWith('(what-if') ? 'the what-if remove method' : `${o.destroyedBy.fn}()`;
    return `destroy_dev() in ${fn}${o.destroyedBy.line ? ` (line ${o.destroyedBy.line})` : ''}`;
  }

  private nameOf(id: string): string {
    const o = this.w.objects.find((x) => x.id === id);
    return o ? o.name : id;
  }

  private finalObject(o: SimObject): FinalObject {
    let state: FinalObject['state'] = 'live';
    const refs = o.holders.filter((h) => h.type === 'ref' && !h.stored);
    if (o.count <= 0) state = 'freed';
    else if (o.destroyed || refs.length || o.outlived) state = 'leaked';
    return {
      id: o.id,
      kind: o.kind,
      count: o.count,
      state,
      heldBy: o.holders.map((h) => h.label),
      holds: o.holds.filter((id) => this.w.objects.find((x) => x.id === id && !x.freed)),
      ...(o.createdBy ? { createdBy: o.createdBy } : {}),
      destroyed: o.destroyed,
      ...(o.owner ? { owner: o.owner } : {}),
      ...(o.preexisting ? { note: 'existed before the scenario' } : {}),
    };
  }

  private jailVerdict(j: Jail, objects: FinalObject[]): TraceVerdict {
    if (j.state === 'removed')
      return { subject: `jail ${j.name}`, state: 'removed', reason: `jail ${j.name} removed`, good: true };
    if (j.state === 'alive')
      return {
        subject: `jail ${j.name}`,
        state: 'alive',
        reason: `jail ${j.name} is still running (the scenario does not remove it)`,
        good: true,
      };
    // DYING: follow what holds the prison down to an object that is not held by another object
    const chain: SimObject[] = [j.prison];
    let cur: SimObject = j.prison;
    for (let k = 0; k < 8; k++) {
      const h = cur.holders.find((x) => x.type === 'object' && x.objectId);
      if (!h) break;
      const next = this.w.objects.find((x) => x.id === h.objectId);
      if (!next || chain.includes(next)) break;
      chain.push(next);
      cur = next;
    }
    const leaf = chain[chain.length - 1];
    const words = chain
      .map((o) => (o.kind === 'prison' ? 'prison' : o.kind === 'ucred' ? 'ucred' : `${o.kind} ${o.name}`))
      .join(' ← ');
    let why: string;
    if (leaf === j.prison) {
      const holders = j.prison.holders.map((h) => h.label).join(', ') || 'no holder recorded';
      why = `jail ${j.name} stays DYING: prison ${j.name}, count ${j.prison.count} (${holders})`;
    } else {
      const parts: string[] = [];
      const ex = leaf.holders.filter((h) => h.type === 'existence');
      const refs = leaf.holders.filter((h) => h.type === 'ref');
      const other = leaf.holders.filter((h) => h.type === 'kernel' || h.type === 'object');
      if (ex.length) parts.push('existence');
      if (refs.length) {
        const calls = [...new Set(refs.map((r) => r.call ?? 'ref'))];
        const fns = [...new Set(refs.map((r) => r.fn ?? '?'))];
        const what =
          calls.length === 1
            ? `the ${calls[0]}${refs.length > 1 ? 's' : ''} in ${andList(fns)}`
            : refs.map((r) => `${r.call} in ${r.fn} (line ${r.line})`).join(', ');
        parts.push(`${parts.length ? 'plus ' : ''}${what} that nothing releases`);
      }
      for (const o of other) parts.push(o.label);
      why = `jail ${j.name} stays DYING: ${words}, count ${leaf.count} (${parts.join(', ')})`;
      const methods = this.w.roles.byRole.get('jail-remove') ?? [];
      const removers = andList(methods.map(nameOfMethod));
      const theyDo = methods.length > 1 ? `methods ${removers} do` : `method ${removers} does`;
      if (!methods.length) why += `, and no PR_METHOD_REMOVE method destroys it`;
      else if (leaf.destroyed)
        why += `; ${this.destroyedWhere(leaf)} dropped only the existence reference: the leaked references outlive it`;
      else why += `, and the PR_METHOD_REMOVE ${theyDo} not destroy it`;
    }
    void objects;
    return { subject: `jail ${j.name}`, state: 'dying', reason: why, good: false };
  }
}

const nameOfMethod = (m: { synthetic?: boolean; function: string }) => (m.synthetic ? '(what-if)' : m.function + '()');

function andList(xs: string[]): string {
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}
