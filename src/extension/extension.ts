/**
 * The VS Code client of Refcount Lens: starts the language server (dist/server.js over
 * node IPC) for C files and wires the client-side pieces: status bar, path view, trust,
 * and the lifecycle trace view. Everything about the analysis itself
 * happens in the server.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  Commands,
  StatusNotification,
  TrustNotification,
  type InitializationOptions,
  type StatusParams,
} from '../shared/protocol';
import { PathsView, type PathsViewState } from './paths-view';
import { StatusItem } from './status';
import { registerTraceView } from './trace-view';
import { ComparisonView } from './comparison-view';

/** What activate() returns: used by the end-to-end tests, and by anyone scripting the extension. */
export interface RefcountLensApi {
  client: LanguageClient;
  paths(): PathsViewState | undefined;
  status(): { text: string; state: StatusParams };
}

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<RefcountLensApi> {
  const output = vscode.window.createOutputChannel('Refcount Lens', { log: true });
  const status = new StatusItem();
  context.subscriptions.push(output, status);
  client = createClient(context, output);
  const c = client;
  const paths = new PathsView(c);
  context.subscriptions.push(
    paths,
    new ComparisonView(c),
    vscode.commands.registerCommand(Commands.showOutput, () => output.show(true)),
    vscode.commands.registerCommand(Commands.restartServer, async () => {
      status.starting();
      await c.restart();
    }),
    c.onNotification(StatusNotification.type, (p) => status.update(p)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void c.sendNotification(TrustNotification.type, { trusted: true })),
  );
  output.info(`Refcount Lens ${context.extension.packageJSON.version}: starting the language server`);
  const starting = Date.now();
  try {
    await c.start();
    output.info(`the language server answered in ${Date.now() - starting} ms`);
  } catch (e) {
    status.failed('the language server did not start');
    output.error(`the language server did not start: ${(e as Error).stack ?? e}`);
  }
  registerTraceViewSafely(context, c, output);
  return { client: c, paths: () => paths.state(), status: () => ({ text: status.text, state: status.state }) };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

function createClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const initializationOptions: InitializationOptions = {
    trusted: vscode.workspace.isTrusted,
    clientShowsPaths: true,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'c' },
      { scheme: 'untitled', language: 'c' },
    ],
    initializationOptions,
    outputChannel: output,
    synchronize: { configurationSection: 'refcountLens' },
  };
  return new LanguageClient('refcountLens', 'Refcount Lens', serverOptions, clientOptions);
}

/** The lifecycle trace view (src/extension/trace-view.ts): a failure there must not take the rest down. */
function registerTraceViewSafely(
  context: vscode.ExtensionContext,
  c: LanguageClient,
  output: vscode.LogOutputChannel,
): void {
  try {
    registerTraceView(context, c);
  } catch (e) {
    output.error(`the lifecycle trace view failed to start: ${(e as Error).message}`);
  }
}
