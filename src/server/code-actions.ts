/**
 * Quick fixes: an inferred get/put pair becomes the user's own model entry. The action writes
 * the pair's rows into `.refcount-lens.json` at the workspace root that holds the document
 * (creating the file when there is none); the file watcher then re-runs the analysis, and the
 * effects stop being marked inferred.
 */
import { nameTable } from '../analysis/tables';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeActionKind, type CodeAction, type Range, type WorkspaceEdit } from 'vscode-languageserver/node';
import type { FileResult, InferredPairReport } from '../analysis/result';
import { MODEL_FILE_NAME, pathToUri, uriToPath } from './settings';

export interface ModelFileTarget {
  file: string;
  /** Current text, or undefined when the file does not exist yet. */
  text?: string;
}

/** The `.refcount-lens.json` a document's pairs belong in: its workspace root's, else its directory's. */
export function modelFileFor(docUri: string, roots: string[]): ModelFileTarget | undefined {
  const doc = uriToPath(docUri);
  if (!doc) return undefined;
  const root =
    roots
      .filter((r) => doc.startsWith(r.endsWith(path.sep) ? r : r + path.sep))
      .sort((a, b) => b.length - a.length)[0] ?? path.dirname(doc);
  const file = path.join(root, MODEL_FILE_NAME);
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    text = undefined;
  }
  return { file, text };
}

/** Pairs with a call of either half on a line of `range`. */
export function pairsInRange(result: FileResult, text: string, range: Range): InferredPairReport[] {
  const lines = text
    .split('\n')
    .slice(range.start.line, range.end.line + 1)
    .join('\n');
  return (result.inferredPairs ?? []).filter((p) =>
    [p.acquire, p.release].some((n) => new RegExp(`\\b${n}\\s*\\(`).test(lines)),
  );
}

/**
 * One quick fix per pair; none when the model file exists but is not a JSON object (the user's
 * work is never overwritten).
 */
export function inferredPairActions(pairs: InferredPairReport[], target: ModelFileTarget | undefined): CodeAction[] {
  if (!target || !pairs.length) return [];
  let model: { functions?: Record<string, unknown> } & Record<string, unknown> = {};
  if (target.text !== undefined) {
    try {
      model = JSON.parse(target.text);
    } catch {
      return [];
    }
    if (!model || typeof model !== 'object' || Array.isArray(model)) return [];
  }
  const uri = pathToUri(target.file);
  return pairs.map((pair) => {
    const functions = nameTable<unknown>(model.functions && typeof model.functions === 'object' ? model.functions : {});
    for (const [name, row] of Object.entries(pair.functions)) if (!(name in functions)) functions[name] = row;
    const newText = JSON.stringify({ ...model, functions }, null, 2) + '\n';
    return {
      title: `Add ${pair.acquire}/${pair.release} to ${MODEL_FILE_NAME} (now inferred from their names)`,
      kind: CodeActionKind.QuickFix,
      edit: fileEdit(uri, target.text, newText),
    };
  });
}

function fileEdit(uri: string, oldText: string | undefined, newText: string): WorkspaceEdit {
  if (oldText === undefined) {
    return {
      documentChanges: [
        { kind: 'create', uri, options: { ignoreIfExists: true } },
        {
          textDocument: { uri, version: null },
          edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText }],
        },
      ],
    };
  }
  const lines = oldText.split('\n');
  const end = { line: lines.length - 1, character: lines[lines.length - 1].length };
  return {
    documentChanges: [
      { textDocument: { uri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end }, newText }] },
    ],
  };
}
