/**
 * A plain-object copy of the parts of the tree the analysis reads. Crossing into
 * wasm for every property is slow, and plain nodes outlive `tree.delete()`.
 */
import type { Tree, Node } from './parser';

export interface Syn {
  type: string;
  start: number;
  end: number;
  /** 1-based line, 0-based column. */
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  /** Source text for leaves (identifiers, literals). */
  text?: string;
  /** Operator token of binary/unary/assignment/field/pointer expressions. */
  op?: string;
  missing?: boolean;
  children: Syn[];
  fields: Record<string, Syn>;
}

const LEAF_TYPES = new Set([
  'identifier', 'field_identifier', 'type_identifier', 'statement_identifier', 'number_literal', 'string_literal',
  'char_literal', 'null', 'true', 'false', 'primitive_type', 'sized_type_specifier', 'string_content', 'system_lib_string',
  'concatenated_string',
]);

/** Deeper nesting than this is cut (the node is kept, its children dropped) and reported. */
export const MAX_SYNTAX_DEPTH = 400;

/** Start offset of each line (only '\n' breaks a line, as in tree-sitter's rows). */
export function lineStarts(source: string): Uint32Array {
  let n = 1;
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) n++;
  const starts = new Uint32Array(n);
  let k = 1;
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) starts[k++] = i + 1;
  return starts;
}

/** Index of the line holding `offset` (binary search, starting from a hint). */
function lineOf(starts: Uint32Array, offset: number): number {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid; else hi = mid - 1;
  }
  return lo;
}

interface ConvertContext { starts: Uint32Array; named: Map<number, boolean>; hasError: boolean }

/**
 * Every property read on a TreeCursor is a call into wasm (and a marshalling of the
 * cursor), so this reads as few as it can per node: the type id (names and named-ness
 * come from per-language tables), the two offsets (lines and columns come from a table
 * of line starts) and the field id; `isMissing` only in a tree with errors.
 */
export function convert(node: Node, source: string, onTooDeep?: (line: number) => void, ctx?: ConvertContext): Syn {
  const cursor = node.walk();
  const lang = node.tree.language;
  const types = lang.types;
  const fields = lang.fields;
  const c: ConvertContext = ctx ?? { starts: lineStarts(source), named: new Map(), hasError: node.tree.rootNode.hasError };
  const isNamed = (id: number) => {
    let v = c.named.get(id);
    if (v === undefined) { v = lang.nodeTypeIsNamed(id); c.named.set(id, v); }
    return v;
  };
  const starts = c.starts;
  let depth = 0;
  const build = (typeId: number): Syn => {
    const type = types[typeId] || 'ERROR';
    const start = cursor.startIndex;
    const end = cursor.endIndex;
    const sl = lineOf(starts, start);
    const el = end >= starts[sl] && (sl + 1 >= starts.length || end < starts[sl + 1]) ? sl : lineOf(starts, end);
    const syn: Syn = { type, start, end, line: sl + 1, col: start - starts[sl], endLine: el + 1, endCol: end - starts[el], children: [], fields: {} };
    if (LEAF_TYPES.has(type)) {
      syn.text = source.slice(start, end);
      if (type !== 'concatenated_string') return syn;
    }
    if (depth >= MAX_SYNTAX_DEPTH) {
      syn.type = 'TOO_DEEP';
      onTooDeep?.(syn.line);
      return syn;
    }
    depth++;
    if (cursor.gotoFirstChild()) {
      do {
        const fieldId = cursor.currentFieldId;
        const field = fieldId ? fields[fieldId] : null;
        const childType = cursor.nodeTypeId;
        if (isNamed(childType)) {
          if (types[childType] === 'comment') continue;
          const missing = c.hasError && cursor.nodeIsMissing;
          const child = build(childType);
          if (missing) child.missing = true;
          syn.children.push(child);
          if (field && !syn.fields[field]) syn.fields[field] = child;
        } else if (field === 'operator') {
          syn.op = types[childType] || 'ERROR';
        } else if (c.hasError && cursor.nodeIsMissing) {
          syn.missing = true;
        }
      } while (cursor.gotoNextSibling());
      cursor.gotoParent();
    }
    depth--;
    return syn;
  };
  const out = build(cursor.nodeTypeId);
  cursor.delete();
  return out;
}

export interface ParsedFunctions {
  functions: Syn[];
  /** Top-level declarations (globals, prototypes, initialisers). */
  declarations: Syn[];
  errors: { line: number; column: number; message: string }[];
}

/** Copies the function definitions and top-level declarations out of a tree. */
export function extractTopLevel(tree: Tree, source: string, maxErrors = 50): ParsedFunctions {
  const res: ParsedFunctions = { functions: [], declarations: [], errors: [] };
  const root = tree.rootNode;
  const ctx: ConvertContext = { starts: lineStarts(source), named: new Map(), hasError: root.hasError };
  const visitTop = (n: Node) => {
    for (let i = 0; i < n.namedChildCount; i++) {
      const c = n.namedChild(i)!;
      const tooDeep = (line: number) => res.errors.push({ line, column: 0, message: `nesting deeper than ${MAX_SYNTAX_DEPTH} levels; the inner part is not analysed` });
      if (c.type === 'function_definition') res.functions.push(convert(c, source, tooDeep, ctx));
      else if (c.type === 'declaration') res.declarations.push(convert(c, source, undefined, ctx));
      else if (c.type === 'ERROR' || c.type.startsWith('preproc_') || c.type === 'linkage_specification' || c.type === 'declaration_list') visitTop(c);
      else if (c.type === 'expression_statement') res.declarations.push(convert(c, source, undefined, ctx));
    }
  };
  visitTop(root);
  if (root.hasError) collectErrors(root, res.errors, maxErrors);
  return res;
}

function collectErrors(root: Node, out: { line: number; column: number; message: string }[], max: number) {
  const cursor = root.walk();
  let done = false;
  const visit = () => {
    if (out.length >= max) return;
    if (cursor.nodeIsMissing) {
      out.push({ line: cursor.startPosition.row + 1, column: cursor.startPosition.column, message: `missing ${cursor.nodeType}` });
      return;
    }
    if (cursor.nodeType === 'ERROR') {
      out.push({ line: cursor.startPosition.row + 1, column: cursor.startPosition.column, message: 'syntax the C grammar cannot read (a macro it does not know?)' });
      return;
    }
    const n = cursor.currentNode;
    if (!n.hasError) return;
    if (cursor.gotoFirstChild()) {
      do visit(); while (!done && cursor.gotoNextSibling());
      cursor.gotoParent();
    }
  };
  visit();
  done = true;
  cursor.delete();
}
