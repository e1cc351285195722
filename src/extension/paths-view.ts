/**
 * "Refcount Lens: Show Paths": pick a function and one of its path classes, and see that
 * path's lines highlighted in the editor, its counted steps annotated. Next/previous path
 * and next/previous step move through them (default keys alt+] alt+[ alt+. alt+, while
 * `refcountLens.pathsVisible` is set).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  Commands,
  FunctionPathsRequest,
  FunctionsRequest,
  type WireFunction,
  type WirePath,
  type WireStep,
} from '../shared/protocol';

export const PATHS_VISIBLE = 'refcountLens.pathsVisible';

/** What the view shows; the extension's API exposes it for tests. */
export interface PathsViewState {
  uri: string;
  functionName: string;
  pathId: number;
  stepIndex: number;
  lines: number[];
}

interface Shown {
  uri: vscode.Uri;
  fn: WireFunction;
  pathIndex: number;
  stepIndex: number;
}

export class PathsView implements vscode.Disposable {
  private shown?: Shown;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly pathLine = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.rangeHighlightForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Center,
  });
  private readonly stepLine = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.wordHighlightStrongBackground'),
    after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 2em' },
  });

  constructor(private readonly client: LanguageClient) {
    this.disposables.push(
      this.pathLine,
      this.stepLine,
      vscode.commands.registerCommand(Commands.showPaths, (uri?: string | vscode.Uri, line?: number, pathId?: number) =>
        this.showPaths(uri, line, pathId),
      ),
      vscode.commands.registerCommand(Commands.nextPath, () => this.movePath(1)),
      vscode.commands.registerCommand(Commands.previousPath, () => this.movePath(-1)),
      vscode.commands.registerCommand(Commands.nextStep, () => this.moveStep(1)),
      vscode.commands.registerCommand(Commands.previousStep, () => this.moveStep(-1)),
      vscode.commands.registerCommand(Commands.hidePaths, () => this.hide()),
      // the highlighted lines belong to the analysed text: an edit makes them wrong
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.shown && e.contentChanges.length && e.document.uri.toString() === this.shown.uri.toString())
          this.hide();
      }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.render()),
    );
  }

  state(): PathsViewState | undefined {
    const s = this.shown;
    if (!s) return undefined;
    const path = s.fn.paths[s.pathIndex];
    return {
      uri: s.uri.toString(),
      functionName: s.fn.name,
      pathId: path.id,
      stepIndex: s.stepIndex,
      lines: path.lines,
    };
  }

  /** From a code lens (uri, line, path id), or from the palette (asks for what is missing). */
  async showPaths(uriArg?: string | vscode.Uri, line?: number, pathId?: number): Promise<PathsViewState | undefined> {
    const uri = uriArg
      ? typeof uriArg === 'string'
        ? vscode.Uri.parse(uriArg)
        : uriArg
      : vscode.window.activeTextEditor?.document.uri;
    if (!uri) {
      void vscode.window.showInformationMessage('Refcount Lens: open a C file to see its paths.');
      return undefined;
    }
    const fnLine = line ?? (await this.pickFunction(uri));
    if (fnLine === undefined) return undefined;
    const fn = await this.client.sendRequest(FunctionPathsRequest.type, { uri: uri.toString(), line: fnLine });
    if (!fn?.paths.length) {
      void vscode.window.showInformationMessage(
        `Refcount Lens: ${fn ? `${fn.name}() has no counted paths` : 'no analysed function there'}.`,
      );
      return undefined;
    }
    const index = pathId !== undefined ? fn.paths.findIndex((p) => p.id === pathId) : await this.pickPath(fn);
    if (index === undefined || index < 0) return undefined;
    this.shown = { uri, fn, pathIndex: index, stepIndex: 0 };
    await vscode.window.showTextDocument(uri, { preserveFocus: false, preview: true });
    this.render();
    this.revealStep();
    await vscode.commands.executeCommand('setContext', PATHS_VISIBLE, true);
    return this.state();
  }

  private async pickFunction(uri: vscode.Uri): Promise<number | undefined> {
    const fns = await this.client.sendRequest(FunctionsRequest.type, { uri: uri.toString() });
    if (!fns.length) {
      void vscode.window.showInformationMessage('Refcount Lens: no function in this file touches a counted object.');
      return undefined;
    }
    const cursor =
      vscode.window.activeTextEditor?.document.uri.toString() === uri.toString()
        ? vscode.window.activeTextEditor.selection.active.line + 1
        : -1;
    const here = fns.find((f) => cursor >= f.line && cursor <= f.endLine);
    if (here && fns.length === 1) return here.line;
    const items = fns.map((f) => ({
      label: `${f.name}()`,
      description: [
        `line ${f.line}`,
        `${f.paths} path class${f.paths === 1 ? '' : 'es'}`,
        ...(f.roles?.length ? [f.roles.join(', ')] : []),
      ].join(' · '),
      line: f.line,
      picked: f === here,
    }));
    if (here) items.unshift(items.splice(fns.indexOf(here), 1)[0]);
    return (await vscode.window.showQuickPick(items, { title: 'Refcount Lens: show the paths of…' }))?.line;
  }

  private async pickPath(fn: WireFunction): Promise<number | undefined> {
    if (fn.paths.length === 1) return 0;
    const items = fn.paths.map((p, index) => ({
      label: `#${p.id} ${counts(p)}`,
      description: `exit line ${p.exit.line} · returns ${p.exit.returns}${p.merged > 1 ? ` · ${p.merged} paths` : ''}`,
      detail: p.conditions.join(' ∧ ') || 'always',
      index,
    }));
    return (
      await vscode.window.showQuickPick(items, { title: `Refcount Lens: paths of ${fn.name}()`, matchOnDetail: true })
    )?.index;
  }

  private async movePath(by: number): Promise<void> {
    if (!this.shown) return;
    const n = this.shown.fn.paths.length;
    this.shown.pathIndex = (this.shown.pathIndex + by + n) % n;
    this.shown.stepIndex = 0;
    this.render();
    this.revealStep();
  }

  private moveStep(by: number): void {
    if (!this.shown) return;
    const stops = this.stops(this.currentPath()!);
    this.shown.stepIndex = (this.shown.stepIndex + by + stops.length) % stops.length;
    this.revealStep();
  }

  private currentPath(): WirePath | undefined {
    return this.shown?.fn.paths[this.shown.pathIndex];
  }

  /** Lines to step through: the counted steps, or the whole path when it counts nothing. */
  private stops(path: WirePath): number[] {
    const steps = [...new Set(path.steps.filter((s) => s.delta !== 0).map((s) => s.line))];
    return steps.length ? [...steps, path.exit.line] : path.lines;
  }

  private revealStep(): void {
    const path = this.currentPath();
    const editor = this.editor();
    if (!path || !editor || !this.shown) return;
    const line = Math.max(0, this.stops(path)[this.shown.stepIndex] - 1);
    const pos = new vscode.Position(
      line,
      editor.document.lineAt(Math.min(line, editor.document.lineCount - 1)).firstNonWhitespaceCharacterIndex,
    );
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private editor(): vscode.TextEditor | undefined {
    return vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === this.shown?.uri.toString());
  }

  private render(): void {
    const path = this.currentPath();
    const editor = this.editor();
    if (!path || !editor || !this.shown) return;
    const lineRange = (l: number) =>
      editor.document.lineAt(Math.min(Math.max(0, l - 1), editor.document.lineCount - 1)).range;
    const stepText = new Map<number, string[]>();
    for (const s of path.steps.filter((x) => x.delta !== 0)) {
      const list = stepText.get(s.line) ?? [];
      list.push(stepLabel(s));
      stepText.set(s.line, list);
    }
    const of = this.shown.fn.paths.length;
    const exitNote = `path #${path.id} of ${of} exits: returns ${path.exit.returns}; ${counts(path)}`;
    const steps: vscode.DecorationOptions[] = [...stepText].map(([line, texts]) => ({
      range: lineRange(line),
      renderOptions: {
        after: { contentText: `◀ ${texts.join(' · ')}${line === path.exit.line ? ` · ${exitNote}` : ''}` },
      },
    }));
    if (!stepText.has(path.exit.line))
      steps.push({ range: lineRange(path.exit.line), renderOptions: { after: { contentText: `◀ ${exitNote}` } } });
    editor.setDecorations(
      this.pathLine,
      path.lines.map((l) => lineRange(l)),
    );
    editor.setDecorations(this.stepLine, steps);
  }

  hide(): void {
    this.shown = undefined;
    for (const e of vscode.window.visibleTextEditors) {
      e.setDecorations(this.pathLine, []);
      e.setDecorations(this.stepLine, []);
    }
    void vscode.commands.executeCommand('setContext', PATHS_VISIBLE, false);
  }

  dispose(): void {
    this.hide();
    for (const d of this.disposables) d.dispose();
  }
}

const signed = (n: number): string => (n > 0 ? `+${n}` : `${n}`);

/** What a path does to its objects: `*dev +3, cred 0`. */
const counts = (path: WirePath): string =>
  path.deltas.map((d) => `${d.object} ${signed(d.delta)}`).join(', ') || 'nothing counted';

/** One counted step: `dev_ref: *dev +1 → +3`. */
function stepLabel(s: WireStep): string {
  const note = s.note ? ` ${s.note}` : '';
  const after = s.after !== undefined ? ` → ${signed(s.after)}` : '';
  return `${s.call}${note}: ${s.object} ${signed(s.delta)}${after}`;
}
