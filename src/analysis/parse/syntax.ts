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

export function convert(node: Node, source: string, onTooDeep?: (line: number) => void): Syn {
  const cursor = node.walk();
  let depth = 0;
  const build = (): Syn => {
    const type = cursor.nodeType;
    const start = cursor.startIndex;
    const end = cursor.endIndex;
    const sp = cursor.startPosition;
    const ep = cursor.endPosition;
    const syn: Syn = { type, start, end, line: sp.row + 1, col: sp.column, endLine: ep.row + 1, endCol: ep.column, children: [], fields: {} };
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
        const field = cursor.currentFieldName;
        if (cursor.nodeIsNamed) {
          if (cursor.nodeType === 'comment') continue;
          const missing = cursor.nodeIsMissing;
          const child = build();
          if (missing) child.missing = true;
          syn.children.push(child);
          if (field && !syn.fields[field]) syn.fields[field] = child;
        } else if (field === 'operator') {
          syn.op = cursor.nodeType;
        } else if (cursor.nodeIsMissing) {
          syn.missing = true;
        }
      } while (cursor.gotoNextSibling());
      cursor.gotoParent();
    }
    depth--;
    return syn;
  };
  const out = build();
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
  const visitTop = (n: Node) => {
    for (let i = 0; i < n.namedChildCount; i++) {
      const c = n.namedChild(i)!;
      const tooDeep = (line: number) => res.errors.push({ line, column: 0, message: `nesting deeper than ${MAX_SYNTAX_DEPTH} levels; the inner part is not analysed` });
      if (c.type === 'function_definition') res.functions.push(convert(c, source, tooDeep));
      else if (c.type === 'declaration') res.declarations.push(convert(c, source));
      else if (c.type === 'ERROR' || c.type.startsWith('preproc_') || c.type === 'linkage_specification' || c.type === 'declaration_list') visitTop(c);
      else if (c.type === 'expression_statement') res.declarations.push(convert(c, source));
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
