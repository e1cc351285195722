/**
 * The forward path analysis over one function's CFG: a worklist in reverse post-order.
 * States carry the delta on each object and facts about locals; equal states merge at
 * joins, so paths are never enumerated one by one. Loops run at most LOOP_BOUND times
 * around. Too many states at one node are widened, too many in all stop the run; both
 * say so in the result.
 */
import type { Cfg, VarDecl } from '../cfg/cfg';
import {
  type AccessPath,
  extend,
  keyOf,
  parseKey,
  keyShape,
  rootClass,
  throughPointer,
  keyBeforeOverwrite,
  under,
} from './access';
import { type State, type Fact, cons, with_, mergeInto, initialState, unionForgotten } from './state';
import { sentinelOf } from './fact-tests';
import { setFactKeep, dropTemps, withoutCounter, localCopies, namesObjectAsHandle, storedPlaceOf } from './state-edits';
import { FunctionContext, type EngineInput } from './function-context';
import { Effects } from './effects';
import { Expressions } from './expressions';
import { Branches } from './branches';
import { NodeTransfer } from './nodes';
import { Liveness } from './liveness';
import { callKeyParts, isCallKey } from './same-calls';
import { namedByHandleCall } from './identity';

export type { EngineInput, EngineOptions } from './function-context';

export const LOOP_BOUND = 2;

export interface EngineResult {
  exits: State[];
  truncated: boolean;
  truncatedReason?: string;
  visits: number;
  /** Calls to functions of this file that had no summary (recursion). */
  unknownCalls: string[];
}

export class FunctionEngine {
  private readonly cfg: Cfg;
  private readonly decls: ReadonlyMap<string, VarDecl>;
  private readonly ctx: FunctionContext;
  /** The model's `foundBy` lookups. */
  private readonly lookups: readonly string[];
  private readonly nodes: NodeTransfer;
  /** Why the run stopped before it was done (the state budget): what a reader most needs to know. */
  private stopReason?: string;
  private liveBefore: { has(name: string): boolean }[] = [];

  constructor(
    private readonly input: EngineInput,
    returnsPointer: boolean,
  ) {
    this.ctx = new FunctionContext(input, returnsPointer);
    this.lookups = [...this.ctx.model.foundBy.keys()];
    this.cfg = input.cfg;
    this.decls = input.cfg.decls;
    const fx = new Effects(this.ctx);
    const ex = new Expressions(this.ctx, fx);
    this.nodes = new NodeTransfer(this.ctx, fx, ex, new Branches(this.ctx, fx, ex));
  }

  /**
   * Going round a loop forgets what was known of memory others can change: globals and what
   * a pointer reaches. `while (sc->sc_busy)` polls a field another thread clears; without
   * this the test after one trip is known true and the path never leaves the loop. A local that copied such
   * memory (`d2 = chn->remote_dom`) still holds the value it read: what is known of it stays. An out-parameter
   * this path set (`*vpp = vp`, not a field of a shared struct) is the caller's slot, written for the
   * caller: nobody else changes it.
   */
  private forgetShared(st: State): State {
    let facts: Map<string, Fact> | undefined;
    const copied = localCopies(st);
    for (const k of st.facts.keys()) {
      if (copied.has(k)) continue;
      // a local's old value (`tcp~17`, kept since the local was given another) is still a local's
      const p = parseKey(keyBeforeOverwrite(k));
      const rc = rootClass(p.root, this.decls);
      if (rc === 'param' && p.segs.length === 1 && p.segs[0] === '*' && st.written.has(k)) continue;
      if (rc === 'global' || ((rc === 'param' || rc === 'local') && throughPointer(p))) {
        facts ??= new Map(st.facts);
        facts.delete(k);
      }
    }
    return facts ? with_(st, { facts }) : st;
  }

  /** Forgets what no later node can ask about, so more states merge. */
  private prune(st: State, nodeId: number): State {
    const live = this.liveBefore[nodeId];
    const isLive = (root: string) => {
      if (root.startsWith('$')) return st.objects.has(root) || namesObjectAsHandle(st, root);
      if (root.startsWith('g:')) return live.has(root.slice(2));
      const d = this.decls.get(root);
      return !d || live.has(d.name);
    };
    // a path no later node names is still read through a live local that is a copy of it (`iface = priv->primary`)
    let aliased: string[] | undefined;
    for (const [v, target] of st.aliases) {
      const d = this.decls.get(v);
      if (!d || live.has(d.name)) (aliased ??= []).push(target);
    }
    // a structure a live local points into (`ctx = &w->save.req`, `w` itself never named again) is live
    const structures = aliased?.map((t) => (t.endsWith('/&') ? t.slice(0, -2) : t));
    const reached = (k: string) => !!structures?.some((t) => under(k, t));
    let facts: Map<string, Fact> | undefined;
    for (const k of st.facts.keys()) {
      const { root, lastField } = keyShape(k);
      // what an out-parameter was left holding (`*gfn = INVALID_GFN`) goes into the summary for the caller's tests
      const dead =
        (!isLive(root) || (lastField !== undefined && !live.has(lastField) && !st.objects.has(k))) &&
        !aliased?.includes(k) &&
        !(st.written.has(k) && sentinelOf(st.facts.get(k))) &&
        // a member of a live structure the path stored a value in pairs with that value's next reference; so
        // does one of a structure handed out to the caller (Fact.published) while the value's name is live
        !(pairedStore(st, k) && (isLive(root) || reached(k) || publishedFor(st.facts.get(k), isLive)));
      if (dead) {
        facts ??= new Map(st.facts);
        facts.delete(k);
      }
    }
    let aliases: Map<string, string> | undefined;
    for (const v of st.aliases.keys()) {
      const d = this.decls.get(v);
      if (d && !live.has(d.name)) {
        aliases ??= new Map(st.aliases);
        aliases.delete(v);
      }
    }
    if (!facts && !aliases) return st;
    return with_(st, { facts: facts ?? st.facts, aliases: aliases ?? st.aliases });
  }

  /**
   * A call no later node makes names nothing any more (same-calls.ts): its alias would only keep states apart.
   * Unless a lookup by a handle comes later (the model's `foundBy`): a local holding a call of the handle alone
   * names what that lookup finds (identity.ts `identifyFoundBefore`).
   */
  private dropDeadCalls(st: State, nodeId: number): State {
    const live = this.liveBefore[nodeId];
    const lookupLater = this.lookups.some((n) => live.has(n));
    let aliases: Map<string, string> | undefined;
    for (const [v, t] of st.aliases)
      if (isCallKey(v) && !live.has(callKeyParts(v).callee) && !(lookupLater && namedByHandleCall(v, t))) {
        aliases ??= new Map(st.aliases);
        aliases.delete(v);
      }
    return aliases ? with_(st, { aliases }) : st;
  }

  run(): EngineResult {
    const { cfg } = this;
    const opts = this.input.options;
    const { liveBefore, joins } = new Liveness(this.ctx);
    this.liveBefore = liveBefore;
    const order = reversePostorder(cfg);
    const rank = new Map<number, number>();
    for (let i = 0; i < order.length; i++) rank.set(order[i], i);
    const pending = new Map<number, Map<string, State>>();
    const done = new Map<number, Set<string>>();
    const queue = new MinQueue();
    const exits: State[] = [];
    let visits = 0;
    // once a cut has dropped states the result is partial: the rest of the budget is bounded, so a
    // function that cannot complete does not take the time of the tree (nor make its callers'
    // states multiply through a summary of every path it could still explore)
    let budget = opts.maxStates;
    let cutSeen = false;
    // the budget spent and no state has held an object: only facts on locals told the states apart, and nothing
    // counted came of them; from there on such states merge where they meet (`coarse`), for an eighth more
    let objectSeen = false;

    let init = initialState();
    init = this.seedParamFacts(init);
    let unique = 0;
    const push = (to: number, st: State) => {
      let m = pending.get(to);
      if (!m) {
        m = new Map();
        pending.set(to, m);
        queue.push(rank.get(to) ?? order.length + to, to);
      }
      const coarse = this.coarse && !st.objects.size && to !== cfg.exit;
      if (coarse && this.mergeObjectless(m, st, to)) return;
      // only where paths meet can two states be equal: elsewhere skip computing the key
      const k = coarse || joins.has(to) || to === cfg.exit ? this.ctx.keys.key(st) : `#${++unique}`;
      const prev = m.get(k);
      // a batch already widened and cut takes no new state it cannot merge with (widening it
      // again on every arrival cost more than the rest of the analysis)
      if (!prev && m.size >= opts.maxStatesPerNode && this.cutBatches.has(m)) return;
      m.set(k, prev ? mergeInto(prev, st) : st);
      // the exit is not cut: a state there is a path explored to its end, and nothing follows it
      // (the states before the exit are already bounded by this budget)
      if (to === cfg.exit) return;
      if (m.size > opts.maxStatesPerNode && this.widen(m, to, opts.maxStatesPerNode)) this.cutBatches.add(m);
    };
    push(cfg.entry, init);
    while (queue.size) {
      const id = queue.pop();
      const m = pending.get(id);
      if (!m) continue;
      pending.delete(id);
      let seen = done.get(id);
      if (!seen) {
        seen = new Set();
        done.set(id, seen);
      }
      const n = cfg.nodes[id];
      for (const [k, st] of m) {
        if (seen.has(k)) continue;
        seen.add(k);
        if (id === cfg.exit) {
          exits.push(st);
          continue;
        }
        if (st.objects.size) objectSeen = true;
        if (!cutSeen && this.ctx.cut !== undefined) {
          cutSeen = true;
          budget = Math.min(budget, visits + opts.maxStatesAfterCut);
        }
        if (++visits > budget && !objectSeen && !this.coarse && budget === opts.maxStates) {
          this.coarse = true;
          budget += opts.maxStatesAfterCut;
        }
        if (visits > budget) {
          this.stopReason ??=
            budget < opts.maxStates
              ? `stopped ${opts.maxStatesAfterCut} path states after the first cut`
              : `stopped after ${opts.maxStates} path states` + ' (--max-states, refcountLens.maxStatesPerFunction)';
          break;
        }
        const line = n.line;
        const withLine =
          n.kind === 'entry' || st.lines?.head === line ? st : with_(st, { lines: cons(line, st.lines) });
        for (const out of this.nodes.transfer(n, withLine)) {
          let s = out.st;
          const target = cfg.nodes[out.to];
          if (out.kind === 'back') {
            const c = s.iters.get(out.to) ?? 0;
            if (c >= LOOP_BOUND) continue;
            const iters = new Map(s.iters);
            iters.set(out.to, c + 1);
            s = this.forgetShared(with_(s, { iters }));
          }
          // leaving loops: forget their counters
          if (s.iters.size && n.loops.length > target.loops.length) {
            let iters: Map<number, number> | undefined;
            for (const l of n.loops) {
              if (target.loops.includes(l)) continue;
              const h = cfg.loopHeads.get(l);
              if (h !== undefined && s.iters.has(h)) {
                iters ??= new Map(s.iters);
                iters.delete(h);
              }
            }
            if (iters) s = with_(s, { iters });
          }
          s = this.dropDeadCalls(dropTemps(s), out.to);
          // forgetting dead facts only pays where states can meet
          if (joins.has(out.to)) s = this.prune(s, out.to);
          // a trip round the loop that changed nothing: the head has already gone on from this very state
          if (out.kind === 'back' && done.get(out.to)?.has(this.ctx.keys.key(withoutCounter(s, out.to)))) continue;
          push(out.to, s);
        }
      }
      if (visits > budget) break;
    }
    // stopped by the budget: the paths already at a return take their last step, so what the paths
    // explored to their end show is still reported (one visit each, past the budget)
    if (visits > budget) {
      for (const [id, m] of [...pending]) {
        const n = cfg.nodes[id];
        if (id === cfg.exit || !n.edges.length || n.edges.some((e) => e.to !== cfg.exit)) continue;
        const seen = done.get(id);
        for (const [k, st] of m) {
          if (seen?.has(k)) continue;
          const withLine = st.lines?.head === n.line ? st : with_(st, { lines: cons(n.line, st.lines) });
          for (const out of this.nodes.transfer(n, withLine)) {
            const s = this.dropDeadCalls(dropTemps(out.st), out.to);
            push(out.to, joins.has(out.to) ? this.prune(s, out.to) : s);
          }
        }
      }
      const seen = done.get(cfg.exit);
      for (const [k, st] of pending.get(cfg.exit) ?? []) if (!seen?.has(k)) exits.push(st);
    }
    const { cut } = this.ctx;
    const reason = this.stopReason && cut ? `${this.stopReason}; before that, ${cut}` : (this.stopReason ?? cut);
    return {
      exits,
      truncated: reason !== undefined,
      truncatedReason: reason,
      visits,
      unknownCalls: [...this.ctx.unknownCalls],
    };
  }

  /** Too many states at one node: merge those that differ only in facts; past that, cut. */
  /** Batches of states waiting at a node that a widening had to cut. */
  private readonly cutBatches = new WeakSet<Map<string, State>>();

  /** Merges what it can; true when it still had to cut. */
  private widen(m: Map<string, State>, nodeId: number, cap: number): boolean {
    const groups = new Map<string, State[]>();
    for (const st of m.values()) {
      const g = this.factFreeKey(st);
      const list = groups.get(g) ?? [];
      list.push(st);
      groups.set(g, list);
    }
    m.clear();
    const line = this.cfg.nodes[nodeId].line;
    for (const list of groups.values()) {
      let acc = list[0];
      for (const other of list.slice(1)) acc = this.mergeForgetting(acc, other, line);
      m.set(this.ctx.keys.key(acc), acc);
    }
    // still too many: states that differ only in which out-parameters they wrote merge too, as
    // paths that may have written their union (a getter with four optional out-parameters has
    // sixteen such states and nothing to count on them)
    if (m.size > cap) this.mergeWritten(m);
    if (m.size > cap) {
      const keep = [...m.entries()].slice(0, cap);
      m.clear();
      for (const [k, v] of keep) m.set(k, v);
      this.ctx.noteCut(
        `more than ${cap} different path states at line ${this.cfg.nodes[nodeId].line}; the rest were not followed`,
      );
      return true;
    }
    return false;
  }

  /** Set once the budget went to states none of which held an object (`run`). */
  private coarse = false;

  /**
   * Per node, per key without facts: what the objectless states that came here so far have in common (`coarse`).
   */
  private readonly coarseAt = new Map<number, Map<string, State>>();

  /**
   * A state with no object that comes to a node where one alike but for its facts came before goes on as what the
   * two have in common, and not at all when that is the earlier state: each arrival knows less, so a node takes as
   * many such states as there are facts to forget. True when the state was taken in or dropped.
   */
  private mergeObjectless(m: Map<string, State>, st: State, nodeId: number): boolean {
    const g = this.factFreeKey(st);
    let at = this.coarseAt.get(nodeId);
    if (!at) {
      at = new Map();
      this.coarseAt.set(nodeId, at);
    }
    const before = at.get(g);
    if (!before) {
      at.set(g, st);
      return false;
    }
    const merged = this.mergeForgetting(before, st, this.cfg.nodes[nodeId].line);
    const key = this.ctx.keys.key(merged);
    const old = this.ctx.keys.key(before);
    const waiting = m.get(old);
    if (key === old) {
      // nothing new: the earlier state stands for this one (still waiting here, it takes its notes)
      if (waiting) m.set(old, mergeInto(waiting, st));
      return true;
    }
    at.set(g, merged);
    if (waiting) m.delete(old);
    const prev = m.get(key);
    m.set(key, prev ? mergeInto(prev, merged) : merged);
    return true;
  }

  /** Two states alike but for their facts as one: what only one knows, or they know differently, is forgotten. */
  private mergeForgetting(acc: State, other: State, line: number): State {
    const facts = new Map<string, Fact>();
    // what was known on one side only is forgotten: a later branch on it may split paths the code cannot take
    let forgotten: Map<string, number> | undefined;
    const forget = (k: string) => {
      forgotten ??= new Map(unionForgotten(acc.forgotten, other.forgotten) ?? []);
      if (!forgotten.has(k)) forgotten.set(k, line);
    };
    for (const [k, f] of acc.facts) {
      const g = other.facts.get(k);
      // states share their facts until one changes: the same object needs no text
      if (g && (g === f || JSON.stringify(g) === JSON.stringify(f))) facts.set(k, f);
      else forget(k);
    }
    for (const k of other.facts.keys()) if (!acc.facts.has(k)) forget(k);
    const aliases = new Map<string, string>();
    for (const [k, a] of acc.aliases) if (other.aliases.get(k) === a) aliases.set(k, a);
    // a parameter pointed elsewhere on one side (`ro = &sro`) may hold either value from here on
    for (const k of new Set([...acc.aliases.keys(), ...other.aliases.keys()]))
      if (!aliases.has(k) && this.decls.get(k)?.isParam) forget(k);
    const paramConds = acc.paramConds.filter((p) =>
      other.paramConds.some((q) => q.key === p.key && q.test === p.test && q.value === p.value),
    );
    return mergeInto(with_(acc, { facts, aliases, paramConds, forgotten: forgotten ?? acc.forgotten }), other);
  }

  /**
   * The key of a state without its facts, aliases, parameter conditions and step history: states
   * alike but for those merge when a node has too many (one representative story per outcome beats
   * cutting the analysis). Kept per state: a full node widens again at every state that arrives.
   */
  private factFreeKey(st: State): string {
    let k = this.factFreeKeys.get(st);
    if (k === undefined) {
      k = this.ctx.keys.key(with_(st, { facts: new Map(), aliases: new Map(), paramConds: [], steps: undefined }));
      this.factFreeKeys.set(st, k);
    }
    return k;
  }

  private readonly factFreeKeys = new WeakMap<State, string>();

  private mergeWritten(m: Map<string, State>): void {
    const groups = new Map<string, State[]>();
    for (const st of m.values()) {
      const g = this.ctx.keys.key(with_(st, { written: new Set() }));
      const list = groups.get(g) ?? [];
      list.push(st);
      groups.set(g, list);
    }
    if (groups.size === m.size) return;
    m.clear();
    for (const list of groups.values()) {
      let acc = list[0];
      for (const other of list.slice(1)) {
        const written = new Set([...acc.written, ...other.written]);
        acc = mergeInto(with_(acc, { written }), other);
      }
      m.set(this.ctx.keys.key(acc), acc);
    }
  }

  private seedParamFacts(st: State): State {
    let s = st;
    for (const a of this.input.paramFacts) {
      if (a.kind === 'ret') continue;
      const param = this.cfg.params.find((p) => p.paramIndex === a.target.index);
      if (!param) continue;
      let p: AccessPath = { root: param.id, segs: [] };
      for (const seg of a.target.segs) p = extend(p, seg);
      const key = keyOf(p);
      if (a.kind === 'null') s = setFactKeep(s, key, a.isNull ? { eq: '0' } : { ne: ['0'] });
      else if (a.kind === 'const') s = setFactKeep(s, key, a.equal ? { eq: a.name } : { ne: [a.name] });
      else s = setFactKeep(s, key, a.negated ? { lacks: [a.flag] } : { has: [a.flag] });
    }
    return s;
  }
}

function reversePostorder(cfg: Cfg): number[] {
  const seen = new Set<number>();
  const post: number[] = [];
  const stack: { id: number; i: number }[] = [{ id: cfg.entry, i: 0 }];
  seen.add(cfg.entry);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const n = cfg.nodes[top.id];
    if (top.i < n.edges.length) {
      const to = n.edges[top.i++].to;
      if (!seen.has(to)) {
        seen.add(to);
        stack.push({ id: to, i: 0 });
      }
    } else {
      post.push(top.id);
      stack.pop();
    }
  }
  return post.reverse();
}

class MinQueue {
  private heap: [number, number][] = [];
  private inQueue = new Set<number>();
  get size() {
    return this.heap.length;
  }
  push(rank: number, id: number) {
    if (this.inQueue.has(id)) return;
    this.inQueue.add(id);
    const h = this.heap;
    h.push([rank, id]);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p][0] <= h[i][0]) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }
  pop(): number {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l][0] < h[m][0]) m = l;
        if (r < h.length && h[r][0] < h[m][0]) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    this.inQueue.delete(top[1]);
    return top[1];
  }
}

/** A place of a structure handed out to the caller (Fact.published) holding a value whose name is still live. */
function publishedFor(f: Fact | undefined, isLive: (root: string) => boolean): boolean {
  return !!f?.published && f.storedOf !== undefined && isLive(keyShape(f.storedOf).root);
}

/** The place at `k` holds a value stored there whose next reference is still the place's (Fact.storedAt/storedOf). */
function pairedStore(st: State, k: string): boolean {
  const of = st.facts.get(k)?.storedOf;
  return of !== undefined && storedPlaceOf(st, of) === k;
}
