/**
 * web-tree-sitter with tree-sitter-c's wasm. The caller says where the two .wasm files
 * are (src/files/parser-wasm.ts): the analysis reads no files itself.
 */
import { Parser, Language, type Tree, type Node, type Edit, type TreeCursor } from 'web-tree-sitter';

export type { Tree, Node, Edit, TreeCursor };

let ready: Promise<Language> | undefined;
let binding: RawCursorBinding | undefined;

/**
 * The wasm exports behind web-tree-sitter's TreeCursor. Every TreeCursor getter writes the
 * cursor's four words into a shared transfer buffer (four `setValue` calls) before its one
 * wasm call, and every move reads them back (four `getValue`s): that marshalling, not the
 * tree walk, was most of the cost of copying a tree. The C side keeps the cursor in that
 * buffer between calls (getters read it, moves rewrite it), so a copy that syncs the
 * cursor once, calls these directly and syncs it back at the end does the same walk.
 * Undefined when the runtime does not have them (another web-tree-sitter version): the
 * copy then goes through TreeCursor.
 */
export interface RawCursorBinding {
  /** Address of the transfer buffer (bytes). */
  transferBuffer: number;
  heap(): Int32Array;
  typeId(tree: number): number;
  fieldId(tree: number): number;
  startIndex(tree: number): number;
  endIndex(tree: number): number;
  isMissing(tree: number): number;
  descendantIndex(tree: number): number;
  gotoFirstChild(tree: number): number;
  gotoNextSibling(tree: number): number;
  gotoParent(tree: number): number;
  gotoDescendant(tree: number, index: number): void;
}

/** The parser's wasm files, as the caller found them. */
export interface ParserWasm {
  /** web-tree-sitter's runtime (tree-sitter.wasm): its location, which the runtime loads. */
  runtime: string;
  /** The C grammar (tree-sitter-c.wasm): its bytes, or its location. */
  language: Uint8Array | string;
}

type Exports = Record<string, unknown>;

function rawBindingOf(m: Exports): RawCursorBinding | undefined {
  const names = [
    'current_node_type_id',
    'current_field_id',
    'start_index',
    'end_index',
    'current_node_is_missing',
    'current_descendant_index',
    'goto_first_child',
    'goto_next_sibling',
    'goto_parent',
    'goto_descendant',
  ];
  const fns = names.map((n) => m[`_ts_tree_cursor_${n}_wasm`]);
  if (fns.some((f) => typeof f !== 'function') || typeof m._ts_init !== 'function' || !(m.HEAP32 instanceof Int32Array))
    return undefined;
  const [
    typeId,
    fieldId,
    startIndex,
    endIndex,
    isMissing,
    descendantIndex,
    gotoFirstChild,
    gotoNextSibling,
    gotoParent,
    gotoDescendant,
  ] = fns as ((t: number, i?: number) => number)[];
  return {
    // ts_init() only returns the (static) buffer's address and stores the ABI versions in it
    transferBuffer: (m._ts_init as () => number)(),
    heap: () => m.HEAP32 as Int32Array, // replaced when the wasm memory grows
    typeId,
    fieldId,
    startIndex,
    endIndex,
    isMissing,
    descendantIndex,
    gotoFirstChild,
    gotoNextSibling,
    gotoParent,
    gotoDescendant: gotoDescendant as (t: number, i: number) => void,
  };
}

/** Loads the runtime and the C grammar once per thread (a second call's `wasm` is not read). */
export function loadC(wasm: ParserWasm): Promise<Language> {
  if (!ready) {
    ready = (async () => {
      // emscripten fills the options object in with the module's exports
      const moduleOptions: Exports = { locateFile: () => wasm.runtime };
      await Parser.init(moduleOptions as unknown as Parameters<typeof Parser.init>[0]);
      binding = rawBindingOf(moduleOptions);
      return Language.load(wasm.language);
    })();
  }
  return ready;
}

/** The raw cursor calls, once `loadC()` has run (undefined before, or when unavailable). */
export function rawCursorBinding(): RawCursorBinding | undefined {
  return binding;
}

export async function createParser(wasm: ParserWasm): Promise<Parser> {
  const lang = await loadC(wasm);
  const p = new Parser();
  p.setLanguage(lang);
  return p;
}
