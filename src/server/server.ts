/**
 * The Refcount Lens language server's entry point (dist/server.js): a connection over stdio
 * or node-ipc (`--stdio`, `--node-ipc`, chosen by the client), and the routing of each LSP
 * message to the module that handles it. No logic lives here.
 */
import {
  CodeActionKind,
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { TrustNotification } from '../shared/protocol';
import { registerCommands, serverCommands } from './commands';
import { codeLenses } from './lenses';
import { inferredPairActions, modelFileFor, pairsInRange } from './code-actions';
import { hover } from './hover';
import { inlayHints } from './hints';
import { Workspace } from './workspace';
import { registerTraceHandler } from './trace-handler';
import { warmUp } from './warm-up';
import { comparedTrace, comparisonChanged, registerCompareHandler, type CompareContext } from './compare-handler';

const connection = createConnection(ProposedFeatures.all);
const textDocuments = new TextDocuments(TextDocument);
let workspace: Workspace | undefined;

connection.onInitialize(async (params): Promise<InitializeResult> => {
  const ws = new Workspace(connection, params);
  const preparing = performance.now();
  await ws.prepare();
  const ready = performance.now();
  ws.status.log(
    `analyser ready ${Math.round(ready)} ms after the server process started ` +
      `(loading the server ${Math.round(preparing)} ms, the parser and models ${Math.round(ready - preparing)} ms)`,
  );
  workspace = ws;
  registerCommands({ connection, documents: ws.docs, reanalyze: () => ws.reanalyze(), log: (m) => ws.status.log(m) });
  const compare: CompareContext = {
    connection,
    comparisons: ws.comparisons,
    analysis: (uri) => ws.snapshot(uri, 'any'),
    refresh: () => ws.refreshViews(),
    log: (m) => ws.status.log(m),
  };
  registerCompareHandler(compare);
  ws.onDidAnalyse((a) => comparisonChanged(compare, a.uri, a));
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      inlayHintProvider: { resolveProvider: false },
      codeLensProvider: { resolveProvider: false },
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      executeCommandProvider: { commands: serverCommands(ws.clientShowsPaths) },
      workspace: { workspaceFolders: { supported: true } },
    },
    serverInfo: { name: 'refcount-lens', version: '0.1.0' },
  };
});

connection.onInitialized(() => void workspace?.start().then(() => warmUpWhileIdle()));

/** Started with the workspace and no C file open yet: compile the analysis meanwhile (warm-up.ts). */
async function warmUpWhileIdle(): Promise<void> {
  const ws = workspace;
  if (!ws?.settings.current.enable || ws.docs.uris().length) return; // a document's analysis warms up as well
  const started = performance.now();
  try {
    await warmUp();
    ws.status.log(
      `warmed up in ${Math.round(performance.now() - started)} ms (a small built-in driver, before any file)`,
    );
  } catch (e) {
    ws.status.log(`warm-up failed (the first file's analysis will be slower): ${(e as Error).message}`);
  }
}
connection.onDidChangeConfiguration((p) => void workspace?.configurationChanged(p.settings));
connection.onDidChangeWatchedFiles((p) => void workspace?.filesChanged(p.changes.map((c) => c.uri)));
connection.onNotification(TrustNotification.type, (p) => void workspace?.trustChanged(p?.trusted === true));

textDocuments.onDidOpen((e) => workspace?.docs.open(e.document.uri, e.document.version, e.document.getText()));
textDocuments.onDidChangeContent((e) =>
  workspace?.docs.change(e.document.uri, e.document.version, e.document.getText()),
);
textDocuments.onDidClose((e) => workspace?.docs.close(e.document.uri));
textDocuments.onDidSave((e) => workspace?.saved(e.document.uri));

connection.languages.inlayHint.on(async (p, token) => {
  const snap = await workspace?.snapshot(p.textDocument.uri, 'inlayHints', token);
  return snap ? inlayHints(snap.result, snap.text, p.range, p.textDocument.uri) : [];
});
connection.onCodeLens(async (p, token) => {
  const snap = await workspace?.snapshot(p.textDocument.uri, 'codeLens', token);
  const uri = p.textDocument.uri;
  return snap ? codeLenses(snap.result, uri, snap.text, workspace?.comparisons.compared(uri, snap)) : [];
});
connection.onHover(async (p, token) => {
  const snap = await workspace?.snapshot(p.textDocument.uri, 'hover', token);
  const uri = p.textDocument.uri;
  return snap ? hover(snap.result, snap.text, p.position, workspace?.comparisons.compared(uri, snap)) : null;
});

connection.onCodeAction(async (p, token) => {
  const snap = await workspace?.snapshot(p.textDocument.uri, 'any', token);
  if (!snap || !workspace) return [];
  const fixes = await workspace.quickFixes(p.textDocument.uri, p.range, p.context.diagnostics, token);
  const pairs = pairsInRange(snap.result, snap.text, p.range);
  const modelFile = modelFileFor(p.textDocument.uri, workspace.settings.roots);
  return [...fixes, ...(pairs.length ? inferredPairActions(pairs, modelFile) : [])];
});

registerTraceHandler(
  connection,
  async (uri) => workspace?.snapshot(uri, 'any'),
  undefined,
  (uri, run) => (workspace ? comparedTrace(workspace.comparisons, uri, run) : undefined),
);

connection.onShutdown(async () => {
  await workspace?.dispose();
});

textDocuments.listen(connection);
connection.listen();
