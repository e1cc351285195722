/**
 * A plain-object copy of the parts of the tree the analysis reads. Crossing into
 * wasm for every property is slow, and plain nodes outlive `tree.delete()`.
 *
 * The parse only scans the top level: each function definition's position and
 * declarator (its name and parameters). The body is copied when the analysis asks for
 * it (`FunctionHead.syn()`), so functions that cannot touch a count are never copied.
 */
import { lineIndexAt, lineStartsOf } from './lines';
import type { Language } from 'web-tree-sitter';
import { rawCursorBinding, type Tree, type TreeCursor } from './parser';

/** Where a piece of source lies: offsets, and 1-based lines with 0-based columns. */
export interface SourceSpan {
  start: number;
  end: number;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

export interface Syn extends SourceSpan {
  type: string;
  /** Source text for leaves (identifiers, literals). */
  text?: string;
  /** Operator token of binary/unary/assignment/field/pointer expressions. */
  op?: string;
  missing?: boolean;
  children: Syn[];
  fields: Record<string, Syn>;
}

const LEAF_TYPES = new Set([
  'identifier',
  'field_identifier',
  'type_identifier',
  'statement_identifier',
  'number_literal',
  'string_literal',
  'char_literal',
  'null',
  'true',
  'false',
  'primitive_type',
  'sized_type_specifier',
  'string_content',
  'system_lib_string',
  'concatenated_string',
]);

/** The value inside parentheses and casts: `(struct cdev *)(dev)` → `dev`. */
export function unwrapValue(n: Syn | undefined): Syn | undefined {
  while (n && (n.type === 'parenthesized_expression' || n.type === 'cast_expression'))
    n = n.type === 'cast_expression' ? n.fields.value : n.children.find((c) => c.type !== 'comment');
  return n;
}

/** Leaves share these (frozen: a copy is never edited in place), so a leaf is one allocation instead of three. */
const NO_CHILDREN: Syn[] = Object.freeze([]) as unknown as Syn[];
const NO_FIELDS: Record<string, Syn> = Object.freeze({}) as Record<string, Syn>;

/** Deeper nesting than this is cut (the node is kept, its children dropped) and reported. */
export const MAX_SYNTAX_DEPTH = 400;

export interface ParseProblem {
  line: number;
  column: number;
  message: string;
}

/** A top-level function definition, found by the parse; its body is copied on demand. */
export interface FunctionHead extends SourceSpan {
  /** The definition's `declarator` field (name, parameters), copied by the scan. */
  declarator?: Syn;
  /** Where its `body` field starts (the `{`), if it has one. */
  bodyStart?: number;
  /** The whole definition, copied on the first call (the tree must still be alive then). */
  syn(): Syn;
  /** Whether `syn()` has been called. */
  readonly copied: boolean;
  /**
   * The calls of named functions in the body, in the order written: what `callsIn(syn().fields.body)`
   * gives, read from the tree without copying the body when it is not copied yet.
   */
  calls(): CallSpan[];
}

/** A call of a named function: the callee's name and line, and where its argument list lies. */
export interface CallSpan {
  callee: string;
  line: number;
  /** The argument list, `(` to `)`. */
  args: { start: number; end: number };
}

/** The calls of named functions (and function-like macros) under `n`, in preorder. */
export function callsIn(n: Syn | undefined): CallSpan[] {
  const out: CallSpan[] = [];
  const walk = (n: Syn) => {
    if (n.type === 'call_expression') {
      const f = n.fields.function;
      const args = n.fields.arguments;
      if (f?.type === 'identifier' && f.text && args) out.push({ callee: f.text, line: f.line, args });
    }
    for (let i = 0; i < n.children.length; i++) walk(n.children[i]);
  };
  if (n) walk(n);
  return out;
}

export interface ParsedFunctions {
  functions: FunctionHead[];
  errors: ParseProblem[];
  /**
   * The tree is about to be deleted while the heads are kept (with the copies made so far): a
   * body not copied yet can no longer be, and asking for it throws `TreeReleased`.
   */
  release(): void;
}

/** A body asked for after its tree was released (`ParsedFunctions.release`): parse the text again. */
export class TreeReleased extends Error {}

/**
 * Per-language tables: names, field names and named-ness by id, so a copy never asks
 * wasm for a string or a flag.
 */
interface LanguageTables {
  types: string[];
  fields: (string | null)[];
  named(id: number): boolean;
  /** Could this anonymous token be an `operator` field? (All of tree-sitter-c's are punctuation.) */
  maybeOperator(id: number): boolean;
}

const OPERATOR_TOKEN = /^[%&*+\-/<=>^|!~.]+$/;

const tablesByLanguage = new WeakMap<Language, LanguageTables>();

function tablesOf(lang: Language): LanguageTables {
  let t = tablesByLanguage.get(lang);
  if (!t) {
    const named = new Int8Array(65536).fill(-1);
    const operator = new Int8Array(65536).fill(-1);
    t = {
      types: lang.types,
      fields: lang.fields,
      named: (id) => {
        if (named[id] < 0) named[id] = lang.nodeTypeIsNamed(id) ? 1 : 0;
        return named[id] === 1;
      },
      maybeOperator: (id) => {
        if (operator[id] < 0) operator[id] = OPERATOR_TOKEN.test(lang.types[id] ?? '') ? 1 : 0;
        return operator[id] === 1;
      },
    };
    tablesByLanguage.set(lang, t);
  }
  return t;
}

/** The cursor operations a copy needs: raw wasm calls when available, else TreeCursor's. */
interface Walker {
  typeId(): number;
  fieldId(): number;
  start(): number;
  end(): number;
  missing(): boolean;
  /** Preorder index among the tree's visible nodes (the root is 0). */
  index(): number;
  firstChild(): boolean;
  nextSibling(): boolean;
  parent(): boolean;
  goto(index: number): void;
  close(): void;
}

type CursorWords = Record<0 | 1 | 2 | 3, number>;

/**
 * A walker over the raw wasm calls (see RawCursorBinding). While it is open no other
 * web-tree-sitter call may run: they share the transfer buffer it keeps the cursor in.
 */
function rawWalker(tree: Tree): Walker | undefined {
  const b = rawCursorBinding();
  if (!b) return undefined;
  const cursor = tree.walk();
  const words = cursor as unknown as CursorWords;
  const slot = b.transferBuffer >> 2;
  const heap = b.heap();
  heap[slot] = words[0];
  heap[slot + 1] = words[1];
  heap[slot + 2] = words[2];
  heap[slot + 3] = words[3];
  const t = (tree as unknown as CursorWords)[0];
  return {
    typeId: () => b.typeId(t),
    fieldId: () => b.fieldId(t),
    start: () => b.startIndex(t),
    end: () => b.endIndex(t),
    missing: () => b.isMissing(t) === 1,
    index: () => b.descendantIndex(t),
    firstChild: () => b.gotoFirstChild(t) === 1,
    nextSibling: () => b.gotoNextSibling(t) === 1,
    parent: () => b.gotoParent(t) === 1,
    goto: (i) => b.gotoDescendant(t, i),
    close: () => {
      // the moves may have reallocated the cursor's stack: take its words back before freeing it
      const h = b.heap();
      words[0] = h[slot];
      words[1] = h[slot + 1];
      words[2] = h[slot + 2];
      words[3] = h[slot + 3];
      cursor.delete();
    },
  };
}

function cursorWalker(tree: Tree): Walker {
  const c: TreeCursor = tree.walk();
  return {
    typeId: () => c.nodeTypeId,
    fieldId: () => c.currentFieldId,
    start: () => c.startIndex,
    end: () => c.endIndex,
    missing: () => c.nodeIsMissing,
    index: () => c.currentDescendantIndex,
    firstChild: () => c.gotoFirstChild(),
    nextSibling: () => c.gotoNextSibling(),
    parent: () => c.gotoParent(),
    goto: (i) => c.gotoDescendant(i),
    close: () => c.delete(),
  };
}

function openWalker(tree: Tree): Walker {
  return rawWalker(tree) ?? cursorWalker(tree);
}

interface CopyContext {
  source: string;
  starts: number[];
  lang: LanguageTables;
  hasError: boolean;
  /** The tree is gone (`ParsedFunctions.release`). */
  released?: boolean;
}

/**
 * Copies the node under the walker (and its named descendants) into a Syn. Reads as
 * little as it can per node: the type id, the two offsets (lines and columns come from
 * the table of line starts) and the field id; `isMissing` only in a tree with errors.
 * `depth` is the node's nesting level inside its function (the definition is 0).
 */
function copyNode(w: Walker, c: CopyContext, typeId: number, depth: number): Syn {
  const { types, fields } = c.lang;
  const starts = c.starts;
  const build = (tid: number): Syn => {
    const type = types[tid] || 'ERROR';
    const start = w.start();
    const end = w.end();
    const sl = lineIndexAt(starts, start);
    const el = end >= starts[sl] && (sl + 1 >= starts.length || end < starts[sl + 1]) ? sl : lineIndexAt(starts, end);
    const syn: Syn = {
      type,
      start,
      end,
      line: sl + 1,
      col: start - starts[sl],
      endLine: el + 1,
      endCol: end - starts[el],
      children: NO_CHILDREN,
      fields: NO_FIELDS,
    };
    if (LEAF_TYPES.has(type)) {
      syn.text = c.source.slice(start, end);
      if (type !== 'concatenated_string') return syn;
    }
    if (depth >= MAX_SYNTAX_DEPTH) {
      syn.type = 'TOO_DEEP';
      return syn;
    }
    depth++;
    if (w.firstChild()) {
      do {
        const childType = w.typeId();
        // the field id costs a call: anonymous tokens only need it when they can be an operator
        const named = c.lang.named(childType);
        const fieldId = named || c.lang.maybeOperator(childType) ? w.fieldId() : 0;
        const field = fieldId ? fields[fieldId] : null;
        if (named) {
          if (types[childType] === 'comment') continue;
          const missing = c.hasError && w.missing();
          const child = build(childType);
          if (missing) child.missing = true;
          if (syn.children === NO_CHILDREN) syn.children = [];
          syn.children.push(child);
          if (field && !syn.fields[field]) {
            if (syn.fields === NO_FIELDS) syn.fields = {};
            syn.fields[field] = child;
          }
        } else if (field === 'operator') {
          syn.op = types[childType] || 'ERROR';
        } else if (c.hasError && w.missing()) {
          syn.missing = true;
        }
      } while (w.nextSibling());
      w.parent();
    }
    depth--;
    return syn;
  };
  return build(typeId);
}

/**
 * Lines of the nodes a copy of this function would cut for nesting deeper than
 * MAX_SYNTAX_DEPTH, in the order the copy meets them, without copying: a subtree with
 * fewer nodes than the levels left cannot reach the limit, so only the few big subtrees
 * are entered (the tree's preorder indices give every subtree's size).
 */
function tooDeepLines(w: Walker, c: CopyContext, index: number, size: number, out: number[]): void {
  const visit = (idx: number, sz: number, tid: number, depth: number) => {
    const type = c.lang.types[tid] || 'ERROR';
    if (LEAF_TYPES.has(type) && type !== 'concatenated_string') return;
    if (depth >= MAX_SYNTAX_DEPTH) {
      out.push(lineIndexAt(c.starts, w.start()) + 1);
      return;
    }
    if (sz + depth <= MAX_SYNTAX_DEPTH) return;
    if (!w.firstChild()) return;
    const kids: number[] = [];
    do kids.push(w.index(), w.typeId());
    while (w.nextSibling());
    for (let k = 0; k < kids.length; k += 2) {
      const kidSize = (k + 2 < kids.length ? kids[k + 2] : idx + sz) - kids[k];
      const kt = kids[k + 1];
      if (!c.lang.named(kt) || c.lang.types[kt] === 'comment' || kidSize + depth + 1 <= MAX_SYNTAX_DEPTH) continue;
      w.goto(kids[k]);
      visit(kids[k], kidSize, kt, depth + 1);
    }
  };
  w.goto(index);
  visit(index, size, w.typeId(), 0);
}

/**
 * Copies of one document's function definitions, offered to the next parse of the same
 * document: a definition whose text is unchanged gets its old copy, moved in place to its
 * new offsets and lines (the previous document is consumed by that parse, so nothing
 * else holds the copy).
 */
export class SynReuse {
  private readonly byText = new Map<string, { syn: Syn; text: string }[]>();

  /** `preText` is what the tree was parsed from; `text` the document (leaf texts come from it). */
  static of(functions: FunctionHead[], preText: string, text: string): SynReuse {
    const r = new SynReuse();
    for (const f of functions) {
      if (!f.copied) continue;
      const key = preText.slice(f.start, f.end);
      const list = r.byText.get(key) ?? [];
      list.push({ syn: f.syn(), text: text.slice(f.start, f.end) });
      r.byText.set(key, list);
    }
    return r;
  }

  take(
    preText: string,
    text: string,
    head: { start: number; end: number; line: number; col: number },
  ): Syn | undefined {
    const list = this.byText.get(preText.slice(head.start, head.end));
    if (!list) return undefined;
    const own = text.slice(head.start, head.end);
    const i = list.findIndex((e) => e.syn.col === head.col && e.text === own);
    if (i < 0) return undefined;
    const { syn } = list.splice(i, 1)[0];
    const dOff = head.start - syn.start,
      dLine = head.line - syn.line;
    if (dOff || dLine) move(syn, dOff, dLine);
    return syn;
  }
}

function move(s: Syn, dOff: number, dLine: number): void {
  s.start += dOff;
  s.end += dOff;
  s.line += dLine;
  s.endLine += dLine;
  for (let i = 0; i < s.children.length; i++) move(s.children[i], dOff, dLine);
}

export interface ExtractOptions {
  maxErrors?: number;
  /** The text the tree was parsed from (the pre-passed document), for `reuse`. */
  preText?: string;
  reuse?: SynReuse;
  /** Where the lines of `source` start, if the caller has them (the pre-pass keeps them). */
  lineStarts?: number[];
}

const RECURSE_TOP = (type: string) =>
  type === 'ERROR' || type.startsWith('preproc_') || type === 'linkage_specification' || type === 'declaration_list';

/**
 * Finds the function definitions at the top level (also inside preprocessor blocks,
 * `extern "C"` and error nodes), copies their declarators, and reports what a full copy
 * would report (nesting cuts, syntax errors) without copying the bodies.
 */
export function extractTopLevel(tree: Tree, source: string, opts: ExtractOptions = {}): ParsedFunctions {
  const root = tree.rootNode;
  const ctx: CopyContext = {
    source,
    starts: opts.lineStarts ?? lineStartsOf(source),
    lang: tablesOf(tree.language),
    hasError: root.hasError,
  };
  const res: ParsedFunctions = {
    functions: [],
    errors: [],
    release: () => {
      ctx.released = true;
    },
  };
  const rootSize = root.descendantCount;
  const found: { index: number; size: number }[] = [];
  const w = openWalker(tree);
  try {
    // the same nodes, in the same order, as a walk of named children would find
    const visitTop = (index: number, size: number) => {
      if (!w.firstChild()) return;
      const kids: number[] = [];
      do kids.push(w.index(), w.typeId());
      while (w.nextSibling());
      for (let k = 0; k < kids.length; k += 2) {
        const tid = kids[k + 1];
        if (!ctx.lang.named(tid)) continue;
        const type = ctx.lang.types[tid] || 'ERROR';
        const kidSize = (k + 2 < kids.length ? kids[k + 2] : index + size) - kids[k];
        if (type === 'function_definition') found.push({ index: kids[k], size: kidSize });
        else if (RECURSE_TOP(type)) {
          w.goto(kids[k]);
          visitTop(kids[k], kidSize);
        }
      }
    };
    visitTop(0, rootSize);
    const tooDeep: number[] = [];
    for (const f of found) {
      tooDeepLines(w, ctx, f.index, f.size, tooDeep);
      for (const line of tooDeep)
        res.errors.push({
          line,
          column: 0,
          message: `nesting deeper than ${MAX_SYNTAX_DEPTH} levels; the inner part is not analysed`,
        });
      tooDeep.length = 0;
      w.goto(f.index);
      res.functions.push(head(tree, ctx, w, f.index, opts));
    }
  } finally {
    w.close();
  }
  if (root.hasError) collectErrors(tree, res.errors, opts.maxErrors ?? 50);
  return res;
}

/** The definition under the walker: its position and declarator now, its body on demand. */
function head(tree: Tree, ctx: CopyContext, w: Walker, index: number, opts: ExtractOptions): FunctionHead {
  const start = w.start(),
    end = w.end();
  const sl = lineIndexAt(ctx.starts, start),
    el = lineIndexAt(ctx.starts, end);
  const pos = { start, end, line: sl + 1, col: start - ctx.starts[sl], endLine: el + 1, endCol: end - ctx.starts[el] };
  let copy: Syn | undefined =
    opts.reuse && opts.preText !== undefined ? opts.reuse.take(opts.preText, ctx.source, pos) : undefined;
  // an unchanged definition's old copy holds the same declarator
  let declarator: Syn | undefined = copy?.fields.declarator;
  let bodyStart = copy?.fields.body?.start;
  if (!copy && w.firstChild()) {
    do {
      const tid = w.typeId();
      if (!ctx.lang.named(tid) || ctx.lang.types[tid] === 'comment') continue;
      const field = ctx.lang.fields[w.fieldId()];
      if (field === 'body') {
        bodyStart = w.start();
        break;
      }
      if (field !== 'declarator' || declarator) continue;
      const missing = ctx.hasError && w.missing();
      declarator = copyNode(w, ctx, tid, 1);
      if (missing) declarator.missing = true;
    } while (w.nextSibling());
    w.parent();
  }
  return {
    ...pos,
    declarator,
    bodyStart,
    get copied() {
      return copy !== undefined;
    },
    calls: () => {
      if (copy) return callsIn(copy.fields.body);
      if (ctx.released) throw new TreeReleased('the body was not copied before its tree was released');
      const cw = openWalker(tree);
      try {
        cw.goto(index);
        if (cw.start() !== start) throw new Error('the syntax tree changed under a function copy');
        return callsInTree(cw, ctx);
      } finally {
        cw.close();
      }
    },
    syn: () => {
      if (!copy) {
        if (ctx.released) throw new TreeReleased('the body was not copied before its tree was released');
        const cw = openWalker(tree);
        try {
          cw.goto(index);
          if (cw.start() !== start) throw new Error('the syntax tree changed under a function copy');
          copy = copyNode(cw, ctx, cw.typeId(), 0);
        } finally {
          cw.close();
        }
      }
      return copy;
    },
  };
}

/**
 * `callsIn` of the copy of the definition under the walker, without copying: the walk visits
 * the nodes `copyNode` would copy (named ones but comments, no leaf's children, nothing below
 * MAX_SYNTAX_DEPTH, where a copy holds TOO_DEEP) and reads offsets only where a call is.
 */
function callsInTree(w: Walker, c: CopyContext): CallSpan[] {
  const { types, fields } = c.lang;
  const out: CallSpan[] = [];
  /** The first named child (not a comment) of each field of the node under the walker. */
  const fieldsOf = (): { fn?: [number, number, number]; args?: [number, number] } => {
    const found: { fn?: [number, number, number]; args?: [number, number] } = {};
    if (!w.firstChild()) return found;
    do {
      const tid = w.typeId();
      if (!c.lang.named(tid) || types[tid] === 'comment') continue;
      const field = fields[w.fieldId()];
      if (field === 'function' && !found.fn) found.fn = [tid, w.start(), w.end()];
      else if (field === 'arguments' && !found.args) found.args = [w.start(), w.end()];
    } while (w.nextSibling());
    w.parent();
    return found;
  };
  const visit = (tid: number, depth: number) => {
    const type = types[tid] || 'ERROR';
    if (LEAF_TYPES.has(type) && type !== 'concatenated_string') return;
    if (depth >= MAX_SYNTAX_DEPTH) return;
    if (type === 'call_expression') {
      const { fn, args } = fieldsOf();
      if (fn && args && types[fn[0]] === 'identifier' && fn[2] > fn[1])
        out.push({
          callee: c.source.slice(fn[1], fn[2]),
          line: lineIndexAt(c.starts, fn[1]) + 1,
          args: { start: args[0], end: args[1] },
        });
    }
    if (!w.firstChild()) return;
    do {
      const kid = w.typeId();
      if (c.lang.named(kid) && types[kid] !== 'comment') visit(kid, depth + 1);
    } while (w.nextSibling());
    w.parent();
  };
  // the body: the definition's first `body` field
  if (w.firstChild()) {
    do {
      const tid = w.typeId();
      if (!c.lang.named(tid) || types[tid] === 'comment' || fields[w.fieldId()] !== 'body') continue;
      visit(tid, 1);
      break;
    } while (w.nextSibling());
  }
  return out;
}

function collectErrors(tree: Tree, out: ParseProblem[], max: number) {
  const cursor = tree.walk();
  let done = false;
  const visit = () => {
    if (out.length >= max) return;
    if (cursor.nodeIsMissing) {
      out.push({
        line: cursor.startPosition.row + 1,
        column: cursor.startPosition.column,
        message: `missing ${cursor.nodeType}`,
      });
      return;
    }
    if (cursor.nodeType === 'ERROR') {
      out.push({
        line: cursor.startPosition.row + 1,
        column: cursor.startPosition.column,
        message: 'syntax the C grammar cannot read (a macro it does not know?)',
      });
      return;
    }
    const n = cursor.currentNode;
    if (!n.hasError) return;
    if (cursor.gotoFirstChild()) {
      do visit();
      while (!done && cursor.gotoNextSibling());
      cursor.gotoParent();
    }
  };
  visit();
  done = true;
  cursor.delete();
}
