/**
 * The status bar item: a spinner while the server analyses, the number of problems when
 * it is idle. Clicking it opens the output channel, where the server logs each analysis
 * with its timings.
 */
import * as vscode from 'vscode';
import { Commands, type StatusParams } from '../shared/protocol';

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private last: StatusParams = { state: 'idle', problems: 0 };

  constructor() {
    this.item = vscode.window.createStatusBarItem('refcountLens.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Refcount Lens';
    this.item.command = Commands.showOutput;
    this.starting();
    this.item.show();
  }

  get text(): string {
    return this.item.text;
  }

  get state(): StatusParams {
    return this.last;
  }

  starting(): void {
    this.item.text = '$(sync~spin) Refcount Lens';
    this.item.tooltip = 'Refcount Lens: starting the language server';
  }

  failed(reason: string): void {
    this.item.text = '$(error) Refcount Lens';
    this.item.tooltip = `Refcount Lens: ${reason} (click for the log)`;
  }

  update(p: StatusParams): void {
    this.last = p;
    if (p.state === 'disabled') {
      this.item.text = '$(circle-slash) Refcount Lens';
      this.item.tooltip = 'Refcount Lens is off (refcountLens.enable)';
      return;
    }
    this.item.text =
      p.state === 'analysing'
        ? '$(sync~spin) Refcount Lens'
        : `Refcount Lens: ${p.problems} problem${p.problems === 1 ? '' : 's'}`;
    const lines = [
      p.state === 'analysing' ? 'Refcount Lens: analysing…' : `Refcount Lens: ${p.problems} problem(s) in open files`,
    ];
    if (p.uri && p.ms !== undefined)
      lines.push(`last analysis: ${vscode.workspace.asRelativePath(vscode.Uri.parse(p.uri))} in ${p.ms} ms`);
    if (p.message) lines.push(p.message);
    lines.push('Click to show the log.');
    this.item.tooltip = lines.join('\n');
  }

  dispose(): void {
    this.item.dispose();
  }
}
