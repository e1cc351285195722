/**
 * Edits of whole statements in the file's own style: remove one, or add lines of code at a
 * point (before or after a statement, at the end of a block, as a new `else`). A statement
 * that is a branch without braces gets braces when a line joins it; a line the file indents
 * with tabs gets tabs.
 */
import type { Syn } from '../parse/syntax';
import type { TextEdit } from './edits';
import { codeChildren, isPure, isStatement, isStatementList, type FunctionSyntax } from './function-syntax';
import { indentAt, lineEnd, lineStart, type CodeStyle } from './style';

export interface EditContext {
  text: string;
  style: CodeStyle;
  syntax: FunctionSyntax;
}

/** Where code goes in a function. */
export type Point =
  | { at: 'before'; stmt: Syn }
  | { at: 'after'; stmt: Syn }
  /** Before the closing brace of a block. */
  | { at: 'end'; block: Syn }
  /** A new `else` of an `if` that has none. */
  | { at: 'else'; branch: Syn };

/** An edit list, or why there is none. */
export type Edits = TextEdit[] | string;

function edit(text: string, start: number, end: number, replacement: string): TextEdit {
  return { start, end, old: text.slice(start, end), text: replacement };
}

/** The offset where the code that precedes `offset` ends (spaces and line breaks skipped back). */
function codeEndBefore(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && /\s/.test(text[i - 1])) i--;
  return i;
}

/** Only blanks between the line's start and `offset`. */
function startsItsLine(text: string, offset: number): boolean {
  return /^[ \t]*$/.test(text.slice(lineStart(text, offset), offset));
}

/** After `offset`, the line holds nothing but blanks and a comment. */
function endsItsLine(text: string, offset: number): boolean {
  const rest = text.slice(offset, lineEnd(text, offset));
  return /^[ \t]*(\/\*.*\*\/[ \t]*|\/\/.*)?$/.test(rest);
}

/** The statement as its own lines, each indented by `indent` (its first line's indentation replaced). */
function asLines(ctx: EditContext, s: Syn, indent: string): string {
  const own = startsItsLine(ctx.text, s.start);
  const from = own ? lineStart(ctx.text, s.start) : s.start;
  const body = ctx.text.slice(from, s.end);
  if (!own) return indent + body;
  const first = indentAt(ctx.text, s.start);
  return body
    .split('\n')
    .map((l) => (l.startsWith(first) ? indent + l.slice(first.length) : l))
    .join('\n');
}

/** Adds `code` (lines without indentation) at `point`. */
export function insertAt(ctx: EditContext, point: Point, code: string[]): Edits {
  const { text, style } = ctx;
  const nl = style.eol;
  switch (point.at) {
    case 'before': {
      const s = point.stmt;
      const holder = ctx.syntax.parent(s);
      if (holder?.type === 'labeled_statement' || isStatementList(holder)) {
        if (!startsItsLine(text, s.start)) {
          // `out: return (error);`: the new lines go between the label and its statement
          const indent = indentAt(text, s.start) + (holder?.type === 'labeled_statement' ? style.indent : '');
          return [edit(text, s.start, s.start, code.map((c) => c + nl + indent).join(''))];
        }
        const indent = indentAt(text, s.start);
        const at = lineStart(text, s.start);
        return [edit(text, at, at, code.map((c) => indent + c + nl).join(''))];
      }
      return wrap(ctx, s, code, 'before');
    }
    case 'after': {
      const s = point.stmt;
      const holder = ctx.syntax.parent(s);
      if (isStatementList(holder)) {
        const indent = indentAt(text, s.start);
        const at = endsItsLine(text, s.end) ? lineEnd(text, s.end) : s.end;
        return [edit(text, at, at, code.map((c) => nl + indent + c).join(''))];
      }
      return wrap(ctx, s, code, 'after');
    }
    case 'end': {
      const b = point.block;
      const close = b.end - 1;
      if (text[close] !== '}') return 'the block has no closing brace where the syntax ends it';
      const inner = codeChildren(b);
      const indent =
        inner.length && startsItsLine(text, inner[0].start)
          ? indentAt(text, inner[0].start)
          : indentAt(text, close) + style.indent;
      if (startsItsLine(text, close)) {
        const at = lineStart(text, close);
        return [edit(text, at, at, code.map((c) => indent + c + nl).join(''))];
      }
      return [edit(text, close, close, code.map((c) => nl + indent + c).join('') + nl + indentAt(text, close))];
    }
    case 'else': {
      const branch = point.branch;
      const consequence = branch.fields.consequence;
      if (!consequence || branch.fields.alternative) return 'the branch already has an else';
      if (!isStatementList(ctx.syntax.parent(branch)) && ctx.syntax.parent(branch)?.type !== 'else_clause')
        return 'the branch does not stand in a block';
      const indent = indentAt(text, branch.start);
      const inner = indent + style.indent;
      const lines = code.map((c) => inner + c).join(nl);
      if (consequence.type === 'compound_statement') {
        const brace = style.braceOwnLine ? `${nl}${indent}{` : ' {';
        const head = style.elseAfterBrace ? ` else${brace}` : `${nl}${indent}else${brace}`;
        return [edit(text, consequence.end, consequence.end, `${head}${nl}${lines}${nl}${indent}}`)];
      }
      const body =
        code.length === 1
          ? `${nl}${indent}else${nl}${lines}`
          : `${nl}${indent}else${style.braceOwnLine ? `${nl}${indent}{` : ' {'}${nl}${lines}${nl}${indent}}`;
      return [edit(text, consequence.end, consequence.end, body)];
    }
  }
}

/**
 * A branch, loop body or `else` without braces gets them, with `code` before or after its
 * statement: `if (error)\n\t\treturn (error);` becomes `if (error) {\n\t\trelease;\n\t\treturn (error);\n\t}`.
 */
function wrap(ctx: EditContext, s: Syn, code: string[], where: 'before' | 'after'): Edits {
  const { text, style } = ctx;
  const holder = ctx.syntax.parent(s);
  if (!holder || !ctx.syntax.isArm(s, holder) || holder.type === 'labeled_statement')
    return 'the statement does not stand where a line can join it';
  const nl = style.eol;
  const owner = holder.type === 'else_clause' ? ctx.syntax.parent(holder)! : holder;
  const indent = indentAt(text, holder.type === 'else_clause' ? holder.start : owner.start);
  const inner = indent + style.indent;
  const added = code.map((c) => inner + c);
  const stmt = asLines(ctx, s, inner);
  const lines = where === 'before' ? [...added, stmt] : [stmt, ...added];
  const from = codeEndBefore(text, s.start);
  let to = s.end;
  let close = `${nl}${indent}}`;
  // `if (x) stmt; else ...`: the else joins the new closing brace
  const alternative =
    owner.type === 'if_statement' && owner.fields.consequence === s ? owner.fields.alternative : undefined;
  if (alternative) {
    to = alternative.start;
    close += style.elseAfterBrace ? ' ' : `${nl}${indent}`;
  } else if (endsItsLine(text, s.end) && text.slice(s.end, lineEnd(text, s.end)).trim()) {
    to = lineEnd(text, s.end); // a comment after the statement stays with it, inside the braces
    lines[where === 'before' ? lines.length - 1 : 0] += text.slice(s.end, to);
  }
  const open = style.braceOwnLine ? `${nl}${indent}{` : ' {';
  return [edit(text, from, to, `${open}${nl}${lines.join(nl)}${close}`)];
}

/**
 * Removes a statement: its lines when it has them to itself (a comment after it on the line
 * goes too), and the `if` around it when it was all the branch did and the test has no
 * effect of its own.
 */
export function removeStatement(ctx: EditContext, s: Syn): Edits {
  const { text } = ctx;
  const holder = ctx.syntax.parent(s);
  if (!holder) return 'the statement has nothing around it';
  if (isStatementList(holder)) {
    const rest = codeChildren(holder).filter((c) => c !== s && isStatement(c));
    const branch = ctx.syntax.parent(holder);
    if (
      !rest.length &&
      holder.type === 'compound_statement' &&
      branch?.type === 'if_statement' &&
      branch.fields.consequence === holder
    )
      return removeBranch(ctx, branch, s);
    return [removeText(text, s)];
  }
  if (holder.type === 'if_statement' && holder.fields.consequence === s) return removeBranch(ctx, holder, s);
  if (holder.type === 'else_clause') {
    const branch = ctx.syntax.parent(holder)!;
    const consequence = branch.fields.consequence!;
    return [edit(text, consequence.end, holder.end, '')];
  }
  if (holder.type === 'labeled_statement' && ctx.syntax.nextInList(holder)) return [removeText(text, s)];
  return `${s.type.replace(/_/g, ' ')} is all that its ${holder.type.replace(/_statement$/, '')} holds`;
}

/** An `if` whose branch held only `s`: gone when its test does nothing else and it has no else. */
function removeBranch(ctx: EditContext, branch: Syn, s: Syn): Edits {
  if (branch.fields.alternative) return 'it is all that its branch holds, and the branch has an else';
  if (!isPure(branch.fields.condition)) return 'it is all that its branch holds, and the test has effects';
  const holder = ctx.syntax.parent(branch);
  if (!isStatementList(holder)) return `it is all that its branch holds (line ${s.line})`;
  return [removeText(ctx.text, branch)];
}

/** The statement's text: its whole lines when nothing else is on them. */
function removeText(text: string, s: Syn): TextEdit {
  if (startsItsLine(text, s.start) && endsItsLine(text, s.end)) {
    const from = lineStart(text, s.start);
    let to = lineEnd(text, s.end);
    if (text[to] === '\r') to++;
    if (text[to] === '\n') to++;
    return edit(text, from, to, '');
  }
  let to = s.end;
  while (to < text.length && (text[to] === ' ' || text[to] === '\t')) to++;
  return edit(text, s.start, to, '');
}

/** The statement's own text, for moving it. */
export function statementText(text: string, s: Syn): string {
  return text.slice(s.start, s.end);
}
