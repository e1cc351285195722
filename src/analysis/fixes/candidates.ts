/**
 * Candidate edits for one diagnostic, from its paths, their steps and the model's rows (never
 * from a function's name): remove a counted call no path needs, keep it only on the paths that
 * need it (moved into the branch they take), give a reference back on the paths that keep it
 * (the model's release row, placed where only those paths pass), jump to another label of an
 * unwinding ladder, or to the ladder instead of an extra release. Nothing here is offered as it
 * is: fix-file.ts verifies each candidate by analysing the edited text.
 */
import type { Diagnostic, FileResult, FunctionResult, PathClass, Step } from '../result';
import type { Effect, Model } from '../model/compiled';
import { unwrapValue, type Syn } from '../parse/syntax';
import { declaratorInfo } from '../cfg/cfg';
import { argumentTexts } from '../call-sites';
import type { TextEdit } from './edits';
import { codeChildren, isJump, type FunctionSyntax } from './function-syntax';
import { PathLines, within } from './placement';
import { insertAt, removeStatement, statementText, type EditContext, type Point } from './statement-edits';
import { callsInText, objectOf, plainExpression, releaseCall, type CountedCall } from './release-call';
import { NULL_NAME } from '../paths/values';
import type { CodeStyle } from './style';

export type CandidateKind = 'remove' | 'move' | 'release' | 'retarget' | 'jump';

export interface Candidate {
  kind: CandidateKind;
  /** What the edit does, in the words the quick fix and the CLI show. */
  title: string;
  edits: TextEdit[];
}

export interface CandidateSet {
  candidates: Candidate[];
  /** Why an edit the rule calls for could not be written (no release row, no place only the paths reach). */
  notes: string[];
}

/** What the candidates of one function's diagnostics are made from. */
export interface FunctionInput {
  text: string;
  /** The pre-passed text with comments and strings blanked (same offsets): where the commas are. */
  masked: string;
  style: CodeStyle;
  model: Model;
  result: FileResult;
  fn: FunctionResult;
  syntax: FunctionSyntax;
}

/** A counted step of the paths, with the call and the statement that hold it in the text. */
interface Site {
  step: Step;
  call: Syn;
  stmt: Syn;
  /** The classes whose paths make this call. */
  classes: Set<number>;
}

const MAX_RETARGETS = 12;

export function candidatesFor(d: Diagnostic, input: FunctionInput): CandidateSet {
  const out: CandidateSet = { candidates: [], notes: [] };
  if (d.overwritten) {
    out.notes.push(`${d.overwritten.name} was overwritten at line ${d.overwritten.line}: no edit names the lost value`);
    return out;
  }
  const detail = d.detail;
  if (!detail || !d.object) return out;
  const gen = new Generator(input, out);
  switch (detail.rule) {
    case 'leak': {
      const keep = new Set(detail.paths.map((p) => p.path));
      const site = gen.site(keep, d.object, (s) => s.line === detail.acquiredAt && s.delta > 0);
      if (!site) {
        // an iterator's loop variable, a macro: the object's own name is all there is to release
        gen.release(d, keep, undefined, detail.acquiredAt);
        return out;
      }
      if (within(site.classes, keep) && !gen.handsOn(d.object, site))
        gen.remove(site, 'no path gives the reference back or on');
      gen.move(site, keep);
      gen.release(d, keep, site);
      gen.retarget(keep, site.call.end);
      break;
    }
    case 'over-release': {
      const over = new Set(d.paths ?? []);
      for (const site of gen.sites(over, d.object, (s) => s.delta < 0)) {
        if (within(site.classes, over)) {
          gen.remove(site);
          gen.jumpInstead(site);
        }
        gen.move(site, over);
      }
      gen.retarget(over, 0);
      break;
    }
    case 'contract': {
      if (detail.handedOut < detail.expected) {
        out.notes.push(`it hands out ${detail.expected - detail.handedOut} too few: a fix-it never adds a reference`);
        return out;
      }
      // every class that breaks the contract on this object, not only this diagnostic's
      const broken = new Set(
        input.result.diagnostics
          .filter((x) => x.rule === 'contract' && x.function === d.function && x.object === d.object)
          .flatMap((x) => x.paths ?? []),
      );
      for (const site of gen.sites(broken, d.object, (s) => s.op === 'acquire' && s.delta > 0).reverse()) {
        if (within(site.classes, broken)) gen.remove(site);
        gen.move(site, broken);
      }
      break;
    }
    case 'inconsistent': {
      const more = new Set([detail.more.path.path]);
      const extra = detail.extra;
      const gain =
        extra?.onlyOn === 'more' && extra.delta > 0
          ? gen.site(more, d.object, (s) => s.line === extra.line && s.call === extra.call)
          : undefined;
      if (gain) {
        if (within(gain.classes, more)) gen.remove(gain);
        gen.move(gain, more);
      }
      // the release names the object as the acquire's own argument does (`dev->dev`, not a long access path)
      gen.release(d, more, gain ?? gen.site(more, d.object, (s) => s.delta > 0));
      break;
    }
  }
  return out;
}

class Generator {
  private readonly lines: PathLines;
  private readonly ctx: EditContext;
  private readonly seen = new Set<string>();

  constructor(
    private readonly input: FunctionInput,
    private readonly out: CandidateSet,
  ) {
    this.lines = new PathLines(input.fn.paths, input.syntax);
    this.ctx = { text: input.text, style: input.style, syntax: input.syntax };
  }

  private add(kind: CandidateKind, title: string, edits: TextEdit[] | string): void {
    if (typeof edits === 'string') {
      this.out.notes.push(`${title}: ${edits}`);
      return;
    }
    const key = JSON.stringify(edits.map((e) => [e.start, e.end, e.text]));
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.out.candidates.push({ kind, title, edits });
  }

  private classById(id: number): PathClass | undefined {
    return this.input.fn.paths.find((p) => p.id === id);
  }

  /** The counted calls on the object made by the given classes that `pick` selects, in path order, one per call. */
  sites(classes: ReadonlySet<number>, object: string, pick: (s: Step) => boolean): Site[] {
    const found = new Map<string, Site>();
    for (const id of classes) {
      for (const step of this.classById(id)?.steps ?? []) {
        // a call's result is counted under the call as written until it is stored (`ifp = ifunit_ref(name)`)
        const named = step.object === object || step.object.startsWith(`${step.call}(`);
        if (!named || !pick(step) || step.op === 'transfer' || step.op === 'store') continue;
        const place = `${step.line}:${step.column}:${step.call}`;
        if (found.has(place)) continue;
        const call = this.input.syntax.callAt(step.line, step.column, step.call);
        const stmt = call && this.input.syntax.statementOf(call);
        if (!call || !stmt) continue;
        const making = this.input.fn.paths.filter((p) =>
          p.steps.some((s) => s.line === step.line && s.column === step.column && s.call === step.call),
        );
        found.set(place, { step, call, stmt, classes: new Set(making.map((p) => p.id)) });
      }
    }
    return [...found.values()];
  }

  /**
   * Some path releases the object, hands it on, stores or returns it, or the function's text
   * releases what the acquire took (a path merged into another class keeps no steps of its own):
   * the acquire is needed somewhere.
   */
  handsOn(object: string, acquire: Site): boolean {
    const ops = new Set<Step['op']>(['release', 'destroy', 'transfer', 'store', 'return']);
    if (this.input.fn.paths.some((p) => p.steps.some((s) => s.object === object && ops.has(s.op)))) return true;
    // a result thrown away (`rcu_lock_domain(rd);` counted on `ret`): what it counts is unknown, and who gives it back
    const taken = this.objectExpression(acquire, this.counted(acquire));
    if (!taken) return true;
    const { model, syntax, text, masked } = this.input;
    for (const [callee, effects] of model.functions) {
      const releases = effects.filter((e) => e.op === 'release' && e.kind === acquire.step.kind);
      for (const e of releases)
        for (const call of syntax.callsOf(callee)) {
          const list = call.fields.arguments;
          const args = list ? argumentTexts(list, { text, masked }) : [];
          if (exprKey(objectOf(e.target, args) ?? '') === exprKey(taken)) return true;
        }
    }
    return false;
  }

  site(classes: ReadonlySet<number>, object: string, pick: (s: Step) => boolean): Site | undefined {
    return this.sites(classes, object, pick).at(-1);
  }

  /** The call as written, for titles: `dev_ref(*dev)`. */
  private callText(site: Site): string {
    return this.input.text.slice(site.call.start, site.call.end).replace(/\s+/g, ' ');
  }

  /**
   * The statement is the counted call alone (`dev_ref(dev);`, `(void)foo_put(x);`), counted by a
   * model row or an inferred pair.
   */
  private isCallStatement(site: Site): boolean {
    if (site.stmt.type !== 'expression_statement') return false;
    const inner = unwrapValue(site.stmt.children.find((c) => c.type !== 'comment'));
    if (inner !== site.call) return false;
    if (this.input.result.functions.some((f) => f.name === site.step.call)) return false; // an in-file callee does more
    return this.input.model.functions.has(site.step.call) || site.step.inferred === true;
  }

  remove(site: Site, why?: string): void {
    const title = `Remove ${this.callText(site)} (line ${site.stmt.line})`;
    if (!this.isCallStatement(site)) {
      this.out.notes.push(`${title}: the statement does more than the counted call`);
      return;
    }
    this.add('remove', why ? `${title}: ${why}` : title, removeStatement(this.ctx, site.stmt));
  }

  /**
   * The call kept only on the paths that need it: moved to the end of a branch taken before it
   * by every class that needs it and by none of `unwanted` (a new `else` when that branch is the
   * one not written).
   */
  move(site: Site, unwanted: ReadonlySet<number>): void {
    const need = new Set([...site.classes].filter((c) => !unwanted.has(c)));
    if (!need.size || site.stmt.line !== site.stmt.endLine) return;
    const { syntax } = this.input;
    const names = identifiers(site.stmt);
    for (const branch of syntax.ifs) {
      if (branch.end > site.stmt.start) continue;
      const list = syntax.parent(branch);
      if (!list || list.start > site.stmt.start || list.end < site.stmt.end) continue;
      const arms: { point: Point; words: string }[] = [];
      const c = branch.fields.consequence;
      const alt = branch.fields.alternative;
      const armPoint = (arm: Syn): Point =>
        arm.type === 'compound_statement' ? { at: 'end', block: arm } : { at: 'after', stmt: arm };
      if (c) arms.push({ point: armPoint(c), words: `the branch at line ${branch.line}` });
      const altStmt = alt?.children.filter((x) => x.type !== 'comment').at(-1);
      if (altStmt && altStmt.type !== 'if_statement')
        arms.push({ point: armPoint(altStmt), words: `the else at line ${alt!.line}` });
      if (!alt) arms.push({ point: { at: 'else', branch }, words: `a new else of the if at line ${branch.line}` });
      for (const arm of arms) {
        const reach = this.lines.reach(arm.point);
        if (!within(need, reach) || [...reach].some((x) => unwanted.has(x))) continue;
        if (!syntax.sees(names, pointOffset(arm.point))) continue;
        const removal = removeStatement(this.ctx, site.stmt);
        const insertion = insertAt(this.ctx, arm.point, [statementText(this.input.text, site.stmt)]);
        const where = this.conditionOf(need, unwanted);
        const title = `Move ${this.callText(site)} to ${arm.words}${where ? ` (${where})` : ''}`;
        if (typeof removal === 'string' || typeof insertion === 'string')
          this.add('move', title, typeof removal === 'string' ? removal : (insertion as string));
        else this.add('move', title, [...removal, ...insertion]);
      }
    }
  }

  /** A condition every class in `want` took and none in `not` did, in the paths' own words. */
  private conditionOf(want: ReadonlySet<number>, not: ReadonlySet<number>): string | undefined {
    const of = (id: number) => this.classById(id)?.conditions ?? [];
    const [first, ...rest] = [...want];
    const notWords = new Set([...not].flatMap(of));
    return of(first).find((w) => rest.every((id) => of(id).includes(w)) && !notWords.has(w));
  }

  /** The reference given back on each class of `keep`, at the latest point only such classes pass. */
  release(d: Diagnostic, keep: ReadonlySet<number>, acquire?: Site, acquiredAt = acquire?.stmt.line): void {
    const { input } = this;
    const counted = acquire ? this.counted(acquire) : undefined;
    const object = (acquire && this.objectExpression(acquire, counted)) ?? plainExpression(d.object ?? '');
    const title = `Release ${d.object}`;
    if (!object) {
      this.out.notes.push(`${title}: ${d.object} is not an expression a call can take`);
      return;
    }
    const kind = d.kind ?? acquire?.step.kind ?? 'object';
    const counter = acquire?.step.counter ?? (d.detail?.rule === 'leak' ? d.detail.counter : undefined);
    const inferredRelease = acquire
      ? input.result.inferredPairs?.find((p) => p.acquire === acquire.step.call)?.release
      : undefined;
    const call = releaseCall(input.model, {
      kind,
      counter,
      object,
      byValue: /^[A-Za-z_]\w*$/.test(object) && input.syntax.holdsByValue(object),
      acquire: counted,
      inferredRelease,
      callsInFile: (callee) => callsInText(input.text, input.masked, callee),
    });
    if ('reason' in call) {
      this.out.notes.push(`${title}: ${call.reason}`);
      return;
    }
    const from = acquiredAt;
    const points = new Map<string, { point: Point; lines: number[] }>();
    for (const id of keep) {
      const cls = this.classById(id);
      const point = cls ? this.latestPoint(cls, keep, object, from) : `path #${id} is not in the result`;
      if (typeof point === 'string' || !cls) {
        this.out.notes.push(`${title} with ${call.callee}(): ${point}`);
        return;
      }
      if (!input.syntax.sees(identifiers(object), pointOffset(point))) {
        this.out.notes.push(`${title} with ${call.callee}(): ${object} is not in scope where the paths part`);
        return;
      }
      const key = `${point.at}:${pointOffset(point)}`;
      const entry = points.get(key) ?? { point, lines: [] };
      entry.lines.push(cls.exit.line);
      points.set(key, entry);
    }
    const edits: TextEdit[] = [];
    for (const { point } of points.values()) {
      const e = insertAt(this.ctx, point, [call.text]);
      if (typeof e === 'string') {
        this.out.notes.push(`${title} with ${call.callee}(): ${e}`);
        return;
      }
      edits.push(...e);
    }
    const where = [...points.values()].map((p) => describe(p.point));
    this.add('release', `Add ${call.text.slice(0, -1)} ${where.join(' and ')}`, edits);
  }

  /**
   * The latest point on the class's path, after the acquire, that no class outside `keep` passes,
   * where the object is not known to be NULL and that no later statement of the path reads it
   * past (`return ifp->if_mtu;` keeps the release before it out): before its return, before a
   * jump it takes, or after a statement it runs. In a loop the acquire runs more than once: a
   * point after an earlier run counts too (the reference that leaks may be an earlier iteration's).
   */
  private latestPoint(cls: PathClass, keep: ReadonlySet<number>, object: string, acquireLine?: number): Point | string {
    const { syntax } = this.input;
    const seq = cls.lines;
    const acq = acquireLine === undefined ? -1 : seq.indexOf(acquireLine);
    if (acquireLine !== undefined && acq < 0) return `the acquire at line ${acquireLine} is not on path #${cls.id}`;
    // each point, with the index in `seq` of the first line the path runs after it
    const tries: { point: Point; next: number }[] = [];
    const ret = syntax.jumps.find((j) => j.type === 'return_statement' && j.line === cls.exit.line);
    if (ret) tries.push({ point: { at: 'before', stmt: ret }, next: seq.lastIndexOf(ret.line) });
    else if (cls.exit.line === syntax.body.endLine)
      tries.push({ point: { at: 'end', block: syntax.body }, next: seq.length });
    for (let i = seq.length - 1; i > acq; i--) {
      const prev = seq[i - 1];
      for (const j of syntax.jumps) {
        if (j.type === 'return_statement' || j.line < prev || (seq[i] > prev && j.line > seq[i])) continue;
        if (this.lines.takes(cls, j)) tries.push({ point: { at: 'before', stmt: j }, next: i });
      }
      if (i - 1 > acq && prev !== acquireLine)
        for (const s of syntax.statementsAt(prev))
          if (s.type === 'expression_statement' || s.type === 'declaration')
            tries.push({ point: { at: 'after', stmt: s }, next: i });
    }
    const root = rootName(object);
    const transparent = (name: string) => this.input.model.transparent.has(name);
    let read = false;
    const found = tries.find(({ point, next }) => {
      const reach = this.lines.reach(point);
      if (!reach.has(cls.id) || !within(reach, keep)) return false;
      if (isNullHere(syntax, this.input.text, point, object, transparent)) return false;
      if (root && seq.slice(Math.max(0, next)).some((line) => this.reads(line, root))) {
        read = true;
        return false;
      }
      return true;
    });
    if (found) return found.point;
    return read
      ? `the path keeping it reads ${root} up to its exit (line ${cls.exit.line}): a release would come before a use`
      : `no place in the code that only the paths keeping it reach (path #${cls.id})`;
  }

  /**
   * A statement starting on the line reads `name` (for a branch or a loop, in its test); giving
   * it a new value (`p = get(...)`, a new declaration of it) is no read of the old one.
   */
  private reads(line: number, name: string): boolean {
    const { syntax, text } = this.input;
    const named = (n: Syn | undefined) => !!n && identifiers(text.slice(n.start, n.end)).includes(name);
    return syntax.statementsAt(line).some((s) => {
      if (s.type === 'declaration')
        return codeChildren(s).some((d) => d.type === 'init_declarator' && named(d.fields.value));
      if (s.type === 'expression_statement') {
        const e = unwrapValue(codeChildren(s)[0]);
        if (e?.type === 'assignment_expression' && e.op === '=' && unwrapValue(e.fields.left)?.text === name)
          return named(e.fields.right);
        return named(s);
      }
      return named(s.type === 'return_statement' ? s : s.fields.condition);
    });
  }

  /**
   * The release replaced by a jump to a later label whose code gives the object back: the
   * function's unwinding ladder releases it once, on the way out (`if (ret) goto out;`).
   */
  jumpInstead(site: Site): void {
    const { syntax, text } = this.input;
    const released = this.releasedBy(site.call, site.step.call);
    // the jump would skip what follows the release in its block (`error = EINVAL;`)
    if (!released || syntax.nextInList(site.stmt)) return;
    for (const [name, label] of syntax.labels) {
      if (label.start < site.stmt.end || !this.ladderReleases(label, released)) continue;
      // a label of the same block or one around it: the same variable (each case of a switch may have its own `d`)
      const block = syntax.parent(label);
      if (!block || block.start > site.stmt.start || block.end < site.stmt.end) continue;
      const title = `Jump to ${name} instead of calling ${this.callText(site)} (line ${site.stmt.line})`;
      this.add('jump', title, [
        {
          start: site.stmt.start,
          end: site.stmt.end,
          old: text.slice(site.stmt.start, site.stmt.end),
          text: `goto ${name};`,
        },
      ]);
    }
  }

  /** What a release call gives back, as an expression key (`d` of `rcu_unlock_domain(d)`). */
  private releasedBy(call: Syn, callee: string): string | undefined {
    const { model, text, masked } = this.input;
    const list = call.fields.arguments;
    const args = list ? argumentTexts(list, { text, masked }) : [];
    const row = model.functions.get(callee)?.find((e) => e.op === 'release' || e.op === 'destroy');
    const object = row && objectOf(row.target, args);
    return object === undefined ? undefined : exprKey(object);
  }

  /** The code from the label on, to the next return, calls a release of the object. */
  private ladderReleases(label: Syn, released: string): boolean {
    const { syntax } = this.input;
    for (let s: Syn | undefined = label; s; s = syntax.nextInList(s)) {
      const inner = s.type === 'labeled_statement' ? codeChildren(s).at(-1) : s;
      if (!inner) continue;
      if (inner.type === 'expression_statement') {
        const call = unwrapValue(codeChildren(inner)[0]);
        const callee = call?.type === 'call_expression' ? call.fields.function?.text : undefined;
        if (call && callee && this.releasedBy(call, callee) === released) return true;
      }
      if (isJump(inner)) return false;
    }
    return false;
  }

  /** Another label for each jump the classes take after `from`: the ladder step that gives the reference back. */
  retarget(classes: ReadonlySet<number>, from: number): void {
    const { syntax, text } = this.input;
    let made = 0;
    for (const j of syntax.jumps) {
      if (j.type !== 'goto_statement' || j.start < from) continue;
      const paths = [...classes].map((id) => this.classById(id)).filter((p): p is PathClass => !!p);
      if (!paths.some((p) => this.lines.takes(p, j))) continue;
      const label = j.fields.label;
      if (!label) continue;
      for (const [other, target] of syntax.labels) {
        if (other === label.text || made >= MAX_RETARGETS) continue;
        made++;
        const title = `Jump to ${other} instead of ${label.text} (line ${j.line})`;
        const skipped = this.skippedSetting(j, target);
        if (skipped) {
          this.out.notes.push(`${title}: it would skip the setting of ${skipped}, which the code there uses`);
          continue;
        }
        this.add('retarget', title, [
          { start: label.start, end: label.end, old: text.slice(label.start, label.end), text: other },
        ]);
      }
    }
  }

  /**
   * A local the code from the label on uses that only the statements between the jump and the
   * label set (`fvp = fromnd->ni_vp;` before `out1: vnode_put(fvp);`): jumping there reads it unset.
   */
  private skippedSetting(jump: Syn, label: Syn): string | undefined {
    const { syntax } = this.input;
    if (label.start < jump.end) return undefined;
    const before = new Set([...syntax.parameters(), ...syntax.setIn(syntax.body.start, jump.start)]);
    const between = syntax.setIn(jump.end, label.start);
    const used = syntax.namesIn(label.start, syntax.body.end);
    return [...between].find((name) => !before.has(name) && used.has(name));
  }

  /** The call's arguments and the model row that counts it. */
  private counted(site: Site): CountedCall {
    const { input } = this;
    const list = site.call.fields.arguments;
    const args = list ? argumentTexts(list, { text: input.text, masked: input.masked }) : [];
    const effect = input.model.functions
      .get(site.step.call)
      ?.find(
        (e: Effect) =>
          (e.op === 'acquire' || e.op === 'create' || e.op === 'lookup') &&
          (e.kind === undefined || e.kind === site.step.kind) &&
          (e.counter ?? '') === (site.step.counter ?? ''),
      );
    return { callee: site.step.call, args, effect };
  }

  /** The object the acquire counts, as a C expression: from its argument, or what its result was stored in. */
  private objectExpression(site: Site, counted: CountedCall | undefined): string | undefined {
    const target = counted?.effect?.target;
    if (!target) return undefined;
    if (target.base === 'arg') return objectOf(target, counted.args);
    // `p = get(...)`, `struct x *p = get(...)`, `if ((p = get(...)) == NULL)`; a `ret->refcount` target
    // names the field of what the result was stored in
    const stored = this.storedIn(site.call);
    return stored === undefined ? undefined : objectOf({ ...target, base: 'arg', index: 0 }, [stored]);
  }

  /** The variable a call's result is assigned to or initialises. */
  private storedIn(call: Syn): string | undefined {
    let n: Syn = call;
    for (let p = this.input.syntax.parent(n); p; n = p, p = this.input.syntax.parent(p)) {
      if (p.type === 'parenthesized_expression' || p.type === 'cast_expression') continue;
      if (p.type === 'assignment_expression' && p.fields.right === n && p.op === '=') {
        const left = p.fields.left!;
        return plainExpression(this.input.text.slice(left.start, left.end));
      }
      if (p.type === 'init_declarator' && p.fields.value === n) return declaratorInfo(p).name;
      return undefined;
    }
    return undefined;
  }
}

/** The identifiers an expression or statement names. */
function identifiers(n: Syn | string): string[] {
  if (typeof n === 'string') return n.match(/(?<!(?:->|\.)\s*)\b[A-Za-z_]\w*/g) ?? [];
  const out: string[] = [];
  const walk = (x: Syn) => {
    if (x.type === 'identifier' && x.text) out.push(x.text);
    for (const c of x.children) if (c.type !== 'field_identifier') walk(c);
  };
  walk(n);
  return out;
}

function pointOffset(p: Point): number {
  switch (p.at) {
    case 'before':
      return p.stmt.start;
    case 'after':
      return p.stmt.end;
    case 'end':
      return p.block.end - 1;
    case 'else':
      return p.branch.end;
  }
}

function describe(p: Point): string {
  switch (p.at) {
    case 'before': {
      const what = isJump(p.stmt) ? p.stmt.type.replace('_statement', '') : 'statement';
      return `before the ${what} at line ${p.stmt.line}`;
    }
    case 'after':
      return `after line ${p.stmt.endLine}`;
    case 'end':
      return `at the end of the block ending at line ${p.block.endLine}`;
    case 'else':
      return `in a new else of the if at line ${p.branch.line}`;
  }
}

/** The variable an object expression starts from: `ifp` of `ifp->if_softc`, `dev` of `*dev`. */
function rootName(object: string): string | undefined {
  return /[A-Za-z_]\w*/.exec(object)?.[0];
}

/** The text of an expression without blanks or the parentheses around it, for comparing. */
function exprKey(text: string): string {
  let t = text.replace(/\s+/g, '');
  while (t.startsWith('(') && t.endsWith(')')) t = t.slice(1, -1);
  return t;
}

/**
 * The point lies in a branch of an `if` that may run with the object NULL (`if (ifp == NULL)
 * continue;`, `if ((d = get(id)) == NULL || d->is_dying)`): a release there could be given
 * nothing the path holds. Merged path classes can hide such a path from the placement.
 */
function isNullHere(
  syntax: FunctionSyntax,
  source: string,
  point: Point,
  object: string,
  transparent: (name: string) => boolean,
): boolean {
  const key = exprKey(object);
  const src = (n: Syn | undefined) => (n ? exprKey(source.slice(n.start, n.end)) : '');
  // `unlikely(x)` is `x`; `(d = get(...)) == NULL` tests `d`
  const strip = (n: Syn | undefined): Syn | undefined => {
    let c = unwrapValue(n);
    for (;;) {
      const args =
        c?.type === 'call_expression' ? c.fields.arguments?.children.filter((a) => a.type !== 'comment') : [];
      if (c?.type === 'call_expression' && args?.length === 1 && transparent(c.fields.function?.text ?? ''))
        c = unwrapValue(args[0]);
      else if (c?.type === 'assignment_expression') c = unwrapValue(c.fields.left);
      else return c;
    }
  };
  // whether the branch (wantNull) or its else (!wantNull) may run with the object NULL
  const test = (cond: Syn | undefined, wantNull: boolean): boolean => {
    const c = strip(cond);
    if (!c) return false;
    if (c.type === 'binary_expression' && (c.op === '||' || c.op === '&&'))
      return test(c.fields.left, wantNull) || test(c.fields.right, wantNull);
    if (c.type === 'unary_expression' && c.op === '!') return wantNull && src(strip(c.children[0])) === key;
    if (c.type === 'binary_expression' && (c.op === '==' || c.op === '!=')) {
      const [l, r] = [c.fields.left, c.fields.right];
      // NULL, 0, and a project's own null (`PROC_NULL`, `NULLVP`)
      const isNull = (n: Syn | undefined) => n?.type === 'null' || n?.text === '0' || NULL_NAME.test(n?.text ?? '');
      const other = isNull(r) ? strip(l) : isNull(l) ? strip(r) : undefined;
      if (!other || src(other) !== key) return false;
      return (c.op === '==') === wantNull;
    }
    return !wantNull && src(c) === key;
  };
  let n: Syn | undefined;
  switch (point.at) {
    case 'before':
    case 'after':
      n = point.stmt;
      break;
    case 'end':
      n = point.block;
      break;
    case 'else':
      if (test(point.branch.fields.condition, false)) return true;
      n = point.branch;
  }
  for (let p = syntax.parent(n); p && n; n = p, p = syntax.parent(p)) {
    if (p.type === 'if_statement' && p.fields.consequence === n && test(p.fields.condition, true)) return true;
    if (p.type === 'else_clause') {
      const branch = syntax.parent(p);
      if (branch && test(branch.fields.condition, false)) return true;
    }
  }
  return false;
}
