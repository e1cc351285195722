/**
 * "Refcount Lens: Compare Reference Counts with...": compares the active C file with a git
 * revision (HEAD by default; a branch, tag or commit picked from the repository). While the
 * comparison is on, the server adds `vs HEAD: ...` lenses and a hover section to what changed,
 * the trace view shows the revision's verdicts beside the file's, and this view lists the
 * changed functions, the fixed and introduced problems and the lifecycle verdicts, each linked
 * to its line. The server computes everything (src/server/comparison.ts) and words it; this
 * file only lays it out, and follows the notifications the server sends after each edit.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  Commands,
  CompareRequest,
  CompareRevisionsRequest,
  ComparisonNotification,
  StopComparisonRequest,
  type WireComparison,
  type WireProblemChange,
} from '../shared/protocol';

export const COMPARISON_VIEW = 'refcountLens.comparison';
export const COMPARING = 'refcountLens.comparing';
/** For tests: what the view shows now. */
export const COMPARISON_TEST_STATE = 'refcountLens.comparison.testState';

interface Node {
  label: string;
  description?: string;
  tooltip?: string;
  /** 1-based line of the compared document the node opens. */
  line?: number;
  icon?: string;
  children?: Node[];
}

export class ComparisonView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private current?: WireComparison;
  private roots: Node[] = [];
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<Node>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly client: LanguageClient) {
    this.view = vscode.window.createTreeView(COMPARISON_VIEW, { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(
      this.view,
      this.changed,
      vscode.commands.registerCommand(Commands.compareWith, (uri?: unknown, rev?: unknown) => this.compare(uri, rev)),
      vscode.commands.registerCommand(Commands.stopComparison, (uri?: unknown) => this.stop(uri)),
      vscode.commands.registerCommand(COMPARISON_TEST_STATE, () => this.testState()),
      client.onNotification(ComparisonNotification.type, (c) => {
        if (this.current && c.uri === this.current.uri) this.show(c);
      }),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /** Compare `uriArg` (the active C file) with `revArg`, or with what the picker gives (HEAD first). */
  async compare(uriArg?: unknown, revArg?: unknown): Promise<WireComparison | undefined> {
    const uri = targetUri(uriArg);
    if (!uri) {
      void vscode.window.showInformationMessage('Refcount Lens: open a C file to compare.');
      return undefined;
    }
    const base = typeof revArg === 'string' && revArg ? revArg : await this.pickRevision(uri);
    if (!base) return undefined;
    let c: WireComparison;
    try {
      c = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Refcount Lens: comparing with ${base}` },
        () => this.client.sendRequest(CompareRequest.type, { uri: uri.toString(), base }),
      );
    } catch (e) {
      void vscode.window.showErrorMessage(`Refcount Lens: the comparison failed: ${(e as Error).message}`);
      return undefined;
    }
    if (c.error) {
      void vscode.window.showWarningMessage(`Refcount Lens: cannot compare with ${base}: ${c.error}`);
      return c;
    }
    this.show(c);
    await vscode.commands.executeCommand('setContext', COMPARING, true);
    return c;
  }

  async stop(uriArg?: unknown): Promise<void> {
    const uri = this.current?.uri ?? targetUri(uriArg)?.toString();
    if (uri) await this.client.sendRequest(StopComparisonRequest.type, { uri });
    this.current = undefined;
    this.roots = [];
    this.view.message = undefined;
    this.changed.fire(undefined);
    await vscode.commands.executeCommand('setContext', COMPARING, false);
  }

  private async pickRevision(uri: vscode.Uri): Promise<string | undefined> {
    type Item = vscode.QuickPickItem & { rev?: string };
    const items: Item[] = [{ label: 'HEAD', description: 'the last commit', rev: 'HEAD' }];
    const choices = await this.client
      .sendRequest(CompareRevisionsRequest.type, { uri: uri.toString() })
      .catch(() => []);
    if (choices.length) items.push({ label: 'Branches, tags and commits', kind: vscode.QuickPickItemKind.Separator });
    for (const c of choices) items.push({ label: c.label, description: c.description, rev: c.rev });
    const pick = await vscode.window.showQuickPick(items, {
      title: 'Refcount Lens: Compare Reference Counts with...',
      placeHolder: 'A revision to compare the file with (HEAD: the last commit)',
      matchOnDescription: true,
    });
    return pick?.rev;
  }

  private show(c: WireComparison): void {
    this.current = c;
    this.roots = nodesOf(c);
    const file = vscode.Uri.parse(c.uri).path.split('/').pop();
    const verdict = c.introducesProblems ? ': it introduces a problem' : '';
    this.view.message = `${file} compared with ${c.baseLabel}${verdict}`;
    this.view.description = c.baseLabel;
    this.changed.fire(undefined);
  }

  // ------------------------------------------------------------------ TreeDataProvider

  getTreeItem(n: Node): vscode.TreeItem {
    const item = new vscode.TreeItem(
      n.label,
      n.children?.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    item.description = n.description;
    item.tooltip = n.tooltip ?? (n.description ? `${n.label}: ${n.description}` : n.label);
    if (n.icon) item.iconPath = new vscode.ThemeIcon(n.icon);
    if (n.line !== undefined && this.current) {
      const line = Math.max(0, n.line - 1);
      item.command = {
        title: 'Show the line',
        command: 'vscode.open',
        arguments: [vscode.Uri.parse(this.current.uri), { selection: new vscode.Range(line, 0, line, 0) }],
      };
    }
    return item;
  }

  getChildren(n?: Node): Node[] {
    return n ? (n.children ?? []) : this.roots;
  }

  testState() {
    const flat = (ns: Node[]): unknown[] =>
      ns.map((n) => ({
        label: n.label,
        description: n.description,
        line: n.line,
        command: this.getTreeItem(n).command,
        children: flat(n.children ?? []),
      }));
    return {
      comparison: this.current,
      message: this.view.message,
      visible: this.view.visible,
      nodes: flat(this.roots),
    };
  }
}

/** The view's tree: changed functions, fixed and introduced problems, verdicts, notes. */
function nodesOf(c: WireComparison): Node[] {
  const problem = (p: WireProblemChange, icon: string): Node => ({
    label: `${p.rule}${p.function ? ` in ${p.function}()` : ''}`,
    description: p.message,
    tooltip:
      `${p.severity} [${p.rule}] ${p.message}` +
      (p.baseLine !== undefined ? ` (line ${p.baseLine} in ${c.baseLabel})` : ''),
    line: p.line,
    icon,
  });
  const group = (label: string, children: Node[], icon: string): Node => ({
    label: `${label} (${children.length})`,
    icon,
    children: children.length ? children : [{ label: 'none' }],
  });
  const roots: Node[] = [
    group(
      'Functions changed',
      c.functions.map((f) => ({
        label: f.heading,
        description: f.objects.map((o) => o.summary).join('; ') || f.notes.join(', '),
        tooltip: [...f.objects.map((o) => `${o.summary}\n  ${o.outcomes}`), ...f.notes].join('\n'),
        line: f.line ?? f.baseLine,
        icon: 'symbol-function',
        children: f.objects.map((o) => ({ label: o.summary, description: o.outcomes, line: f.line })),
      })),
      'symbol-function',
    ),
    group(
      'Problems fixed',
      c.fixed.map((p) => problem(p, 'pass')),
      'pass',
    ),
    group(
      'Problems introduced',
      c.introduced.map((p) => problem(p, 'error')),
      'error',
    ),
  ];
  if (c.updated.length)
    roots.push(
      group(
        'Problems reworded',
        c.updated.map((p) => problem(p, 'edit')),
        'edit',
      ),
    );
  if (c.unchanged.length)
    roots.push(
      group(
        'Problems left as they were',
        c.unchanged.map((p) => problem(p, 'circle-outline')),
        'circle-outline',
      ),
    );
  if (c.trace.length)
    roots.push(
      group(
        'Lifecycle verdicts',
        c.trace.map((t) => ({
          label: t.scenario,
          description: t.summary,
          tooltip: `before: ${t.before.join('; ')}\nnow: ${t.after.join('; ')}`,
          icon: t.regressed ? 'error' : t.changed ? 'pass' : 'circle-outline',
          children: [
            { label: `before (${c.baseLabel})`, description: t.before.join('; ') },
            { label: 'now', description: t.after.join('; ') },
          ],
        })),
        'pulse',
      ),
    );
  for (const n of c.notes) roots.push({ label: n, icon: 'info' });
  return roots;
}

function targetUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return vscode.Uri.parse(arg);
  const ed = vscode.window.activeTextEditor;
  return ed && ed.document.languageId === 'c' ? ed.document.uri : undefined;
}
