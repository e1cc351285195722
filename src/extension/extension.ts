// Minimal extension that proves the end-to-end harness; the real extension replaces it.
import * as vscode from 'vscode';

let output: vscode.OutputChannel | undefined;

export function activate(context: vscode.ExtensionContext): void {
  output = vscode.window.createOutputChannel('Refcount Lens');
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('refcountLens.showOutput', () => output?.show(true)),
  );
  output.appendLine('Refcount Lens activated');
}

export function deactivate(): void {
  output = undefined;
}
