/**
 * Code lenses above functions, from the view layer's titles (src/view/lenses.ts): one per
 * counted object, one per problem, the last lifecycle trace's counts while its text still
 * matches, and one when a budget cut the analysis. Each runs refcountLens.showPaths.
 */
import type { CodeLens } from 'vscode-languageserver';
import type { FileResult } from '../analysis/result';
import { Commands } from '../shared/protocol';
import { fileView } from '../view/file-view';
import type { LensView } from '../view/lenses';
import { traceLens } from './trace-state';
import { comparisonLensTitles, comparisonOf } from '../view/review-editor';
import type { Compared } from './comparison';

/**
 * `text`: the analysed text, to show the last lifecycle trace's counts while it still matches;
 * `compared`: the document's comparison with a revision, whose changes get a lens each (`vs HEAD: ...`).
 */
export function codeLenses(result: FileResult, uri: string, text?: string, compared?: Compared): CodeLens[] {
  const lenses: CodeLens[] = [];
  for (const { fn, lenses: titles, cut } of fileView(result).functions) {
    const line = fn.nameRange.line - 1;
    const range = { start: { line, character: fn.nameRange.column }, end: { line, character: fn.nameRange.endColumn } };
    const show = (lens: LensView): CodeLens => ({
      range,
      command: {
        title: lens.title,
        command: Commands.showPaths,
        arguments: lens.path === undefined ? [uri, fn.line] : [uri, fn.line, lens.path],
      },
    });
    lenses.push(...titles.map(show));
    const trace = text !== undefined ? traceLens(uri, fn.name, text) : undefined;
    if (trace) lenses.push({ range, command: trace });
    if (cut) lenses.push(show(cut));
    if (compared)
      for (const title of comparisonLensTitles(comparisonOf(compared.review, fn.name), compared.baseline.base))
        lenses.push(show({ title }));
  }
  return lenses;
}
