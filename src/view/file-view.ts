/**
 * The view of one analysis result, computed once per FileResult and kept while the result
 * lives: per function its call sites (with their hint labels) and its lens titles. Plain data
 * in analysis terms (1-based lines); the server turns it into LSP, the CLI into text.
 */
import type { FileResult, FunctionResult } from '../analysis/result';
import { callSites, type CallSite } from './sites';
import { cutLens, functionLenses, type LensView } from './lenses';

export interface FunctionView {
  fn: FunctionResult;
  sites: CallSite[];
  /** Object summaries, then problems. */
  lenses: LensView[];
  /** Set when a budget cut the analysis. */
  cut?: LensView;
}

export interface FileView {
  result: FileResult;
  functions: FunctionView[];
}

const views = new WeakMap<FileResult, FileView>();

export function fileView(result: FileResult): FileView {
  let v = views.get(result);
  if (!v) {
    v = {
      result,
      functions: result.functions.map((fn) => ({
        fn,
        sites: callSites(fn),
        lenses: functionLenses(fn, result.diagnostics),
        cut: cutLens(fn),
      })),
    };
    views.set(result, v);
  }
  return v;
}
