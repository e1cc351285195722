/**
 * Which path classes pass a point of the function, read from the lines each class runs
 * through (`PathClass.lines`, in order) and the function's syntax: a return is passed by the
 * classes that exit there, a `goto` by those that go from the statements before it to its
 * label, a statement by those that run its line and go on past it. A merged class carries the
 * lines of one of its paths, so this is an estimate: a fix-it placed by it is verified by
 * analysing the edited text, never trusted.
 */
import type { PathClass } from '../result';
import type { Syn } from '../parse/syntax';
import { codeChildren, isJump, isStatement, isStatementList, type FunctionSyntax } from './function-syntax';
import type { Point } from './statement-edits';

export class PathLines {
  constructor(
    readonly paths: readonly PathClass[],
    readonly syntax: FunctionSyntax,
  ) {}

  /** Classes that run the line. */
  through(line: number): Set<number> {
    return new Set(this.paths.filter((p) => p.lines.includes(line)).map((p) => p.id));
  }

  /** Classes that leave the function at the line. */
  exitingAt(line: number): Set<number> {
    return new Set(this.paths.filter((p) => p.exit.line === line).map((p) => p.id));
  }

  /** Classes that run a line of the node and then go on past it (or leave the function after it). */
  passing(n: Syn): Set<number> {
    const out = new Set<number>();
    if (isJump(n)) return out;
    const inside = (l: number) => l >= n.line && l <= n.endLine;
    for (const p of this.paths) if (p.lines.some(inside) && !inside(p.exit.line)) out.add(p.id);
    return out;
  }

  /** The line a jump is reached from: the statement before it in its list, else the test of its branch or loop. */
  private comesFrom(jump: Syn): number {
    const holder = this.syntax.parent(jump);
    if (holder && isStatementList(holder)) {
      const list = codeChildren(holder).filter(isStatement);
      const before = list[list.indexOf(jump) - 1];
      if (before) return before.line;
    }
    const owner = this.syntax.ownerOf(jump);
    return owner?.fields.condition?.line ?? owner?.line ?? this.syntax.fn.line;
  }

  /** Whether the class takes the jump (a `return` by its exit, a `goto` by its step to the label). */
  takes(p: PathClass, jump: Syn): boolean {
    if (jump.type === 'return_statement') return p.exit.line === jump.line;
    const from = this.comesFrom(jump);
    const seq = p.lines;
    if (jump.type === 'goto_statement') {
      const label = this.syntax.labels.get(jump.fields.label?.text ?? '');
      if (!label) return false;
      for (let i = 0; i + 1 < seq.length; i++)
        if (seq[i] >= from && seq[i] <= jump.line && seq[i + 1] === label.line) return true;
      return false;
    }
    // break and continue: from the lines before the jump to a line outside its branch
    const owner = this.syntax.ownerOf(jump);
    const branchEnd = owner?.type === 'if_statement' ? owner.endLine : jump.line;
    const after = owner ? this.syntax.nextInList(owner)?.line : undefined;
    for (let i = 0; i + 1 < seq.length; i++) {
      const next = seq[i + 1];
      if (seq[i] >= from && seq[i] <= jump.line && (next < from || next > branchEnd) && next !== after) return true;
    }
    return false;
  }

  /** The classes that pass the point. */
  reach(point: Point): Set<number> {
    switch (point.at) {
      case 'before': {
        const s = point.stmt;
        if (isJump(s)) return new Set(this.paths.filter((p) => this.takes(p, s)).map((p) => p.id));
        return this.through(s.type === 'if_statement' ? (s.fields.condition?.line ?? s.line) : s.line);
      }
      case 'after':
        return this.passing(point.stmt);
      case 'end': {
        const b = point.block;
        if (b === this.syntax.body) return this.exitingAt(b.endLine);
        const last = codeChildren(b).filter(isStatement).at(-1);
        return last ? this.passing(last) : new Set();
      }
      case 'else': {
        const branch = point.branch;
        const test = branch.fields.condition?.line ?? branch.line;
        const c = branch.fields.consequence;
        const out = new Set<number>();
        for (const p of this.paths) {
          if (!p.lines.includes(test)) continue;
          if (c && p.lines.some((l) => l > test && l >= c.line && l <= c.endLine)) continue;
          if (p.exit.line >= branch.line && p.exit.line <= branch.endLine) continue;
          out.add(p.id);
        }
        return out;
      }
    }
  }
}

/** `a ⊆ b`. */
export function within(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
