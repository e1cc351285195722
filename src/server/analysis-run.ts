/**
 * One analysis run of one document text, shared by the request loop (small documents)
 * and the worker (large ones): refuse what is not C, parse incrementally, analyse, and
 * turn any failure into a FileResult that says why instead of an exception.
 */
import { looksBinary, type Analyzer, type ParsedDocument } from '../analysis/analyzer';
import { errorResult, type FileResult } from '../analysis/result';
import type { TreeFileContext, TreeVisit } from '../analysis/tree/context';

/** The analyzer refuses larger files (its own limit is the same). */
export const MAX_FILE_CHARS = 8 * 1024 * 1024;

export interface Run {
  result: FileResult;
  /** The parsed document to keep for the next incremental parse (undefined: start over). */
  parsed?: ParsedDocument;
}

export { errorResult };

/** Why this text is not analysed at all, or undefined when it is C we can take. */
export function refusal(text: string): string | undefined {
  if (looksBinary(text)) return 'not analysed: the file looks binary, not C source';
  if (text.length > MAX_FILE_CHARS) {
    const mb = (text.length / 1048576).toFixed(1);
    return `not analysed: the file is ${mb} MB, over the ${MAX_FILE_CHARS / 1048576} MB limit`;
  }
  return undefined;
}

/**
 * `previous` is consumed (its tree is edited and deleted by the parse, or deleted here).
 * `tree`: what the workspace's index knows of the rest of the tree; `visit` then receives the
 * summaries of the document's counting functions.
 */
export function analyseWithChecks(
  analyzer: Analyzer,
  path: string,
  text: string,
  previous?: ParsedDocument,
  tree?: TreeFileContext,
  visit?: TreeVisit,
): Run {
  const refused = refusal(text);
  if (refused) {
    previous?.tree.delete();
    return { result: errorResult(path, refused) };
  }
  let parsed: ParsedDocument;
  try {
    parsed = analyzer.parse(text, previous);
  } catch (e) {
    // don't touch `previous` again: the parse may already have deleted its tree (a
    // double delete corrupts the wasm heap; a leaked tree only costs memory)
    return { result: errorResult(path, `not analysed: the parser failed: ${(e as Error).message}`) };
  }
  try {
    return { result: analyzer.analyzeParsed(path, parsed, tree, visit), parsed };
  } catch (e) {
    return { result: errorResult(path, `internal error while analysing: ${(e as Error).message}`), parsed };
  }
}
