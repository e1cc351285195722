/**
 * The lifecycle trace view: `Refcount Lens: Run Lifecycle Trace` picks a scenario (built-ins and
 * the workspace's *.rlscenario files), asks the server to run it over the active C file and
 * shows the result in a webview: the verdict, an SVG timeline (one lane per object), the steps
 * (each a link to its line), the final objects. Next/previous step reveal and highlight the line
 * in the editor. The view survives a reload (webview state and a WebviewPanelSerializer) and
 * exports the trace as SARIF or as a self-contained HTML page. The server lists the scenarios
 * and renders the timeline and the exports (`refcountLens/traceView`, src/shared/protocol.ts).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  TraceViewRequest,
  type TraceCatalogue,
  type TraceViewParams,
  type TraceViewResult,
  type WireComparedTrace,
  type WireTrace as TraceResult,
  type WireTraceStep as TraceStep,
} from '../shared/protocol';

export const TRACE_VIEW_TYPE = 'refcountLens.trace';

export const TraceCommands = {
  run: 'refcountLens.runTrace',
  nextStep: 'refcountLens.trace.nextStep',
  previousStep: 'refcountLens.trace.previousStep',
  revealStep: 'refcountLens.trace.revealStep',
  whatIf: 'refcountLens.trace.whatIf',
  exportTrace: 'refcountLens.trace.export',
  /** For tests: the panel's state and what the webview last reported it rendered. */
  testState: 'refcountLens.trace.testState',
} as const;

/** What the webview keeps with setState (and the serializer gets back after a reload). */
interface ViewState {
  uri: string;
  scenario: string;
  scenarioLabel: string;
  whatIf: string[];
  trace: TraceResult;
  svg: string;
  /** The trace's what-ifs in words (the badge). */
  whatIfLabels?: string[];
  /** While the file is compared with a revision: the same run over that revision. */
  compared?: WireComparedTrace;
  current?: number;
}

interface Rendered {
  verdict: string;
  steps: number;
  current?: number;
  verdicts: string[];
  /** The lines of the comparison with a revision: `✗ before: ...`, `✓ now: ...`. */
  compared: string[];
  where: string[];
  buttons: string[];
  eventLabels: string[];
}

class TraceView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private state: ViewState | undefined;
  private rendered: Rendered | undefined;
  private catalogue: Promise<TraceCatalogue> | undefined;
  private disposables: vscode.Disposable[] = [];
  private highlight = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
    borderColor: new vscode.ThemeColor('focusBorder'),
    borderStyle: 'solid',
    borderWidth: '0 0 0 2px',
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.infoForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Center,
  });

  constructor(
    private context: vscode.ExtensionContext,
    private client: LanguageClient,
  ) {}

  dispose(): void {
    this.highlight.dispose();
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }

  private request<P extends TraceViewParams>(params: P): Promise<TraceViewResult<P>> {
    return this.client.sendRequest(TraceViewRequest.type, params) as Promise<TraceViewResult<P>>;
  }

  /** The built-in scenarios and what-ifs (asked once; a failed answer is asked again next time). */
  whatTheServerOffers(): Promise<TraceCatalogue> {
    this.catalogue ??= this.request({ kind: 'catalogue' }).catch((e) => {
      this.catalogue = undefined;
      throw e;
    });
    return this.catalogue;
  }

  testState() {
    return {
      open: !!this.panel,
      title: this.panel?.title,
      summary: this.state?.trace.summary,
      ok: this.state?.trace.ok,
      current: this.state?.current,
      steps: this.state?.trace.steps.length ?? 0,
      scenario: this.state?.scenario,
      rendered: this.rendered,
      trace: this.state?.trace,
    };
  }

  // ------------------------------------------------------------------ running

  async run(arg?: unknown, scenarioArg?: string, whatIfArg?: string[]): Promise<TraceResult | undefined> {
    const uri = this.targetUri(arg);
    if (!uri) {
      void vscode.window.showWarningMessage('Refcount Lens: open a C file to trace.');
      return undefined;
    }
    let scenario = scenarioArg;
    let label = scenarioArg ?? '';
    if (!scenario) {
      const picked = await this.pickScenario();
      if (!picked) return undefined;
      scenario = picked.scenario;
      label = picked.label;
    } else if (/\.(rlscenario|json)$/.test(scenario) && !/\n/.test(scenario)) {
      const file = vscode.Uri.file(
        path.isAbsolute(scenario)
          ? scenario
          : path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', scenario),
      );
      label = path.basename(file.fsPath);
      scenario = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
    }
    return this.runWith(uri, scenario, label, whatIfArg ?? []);
  }

  private targetUri(arg: unknown): vscode.Uri | undefined {
    if (arg instanceof vscode.Uri) return arg;
    if (typeof arg === 'string' && arg) return vscode.Uri.parse(arg);
    const ed = vscode.window.activeTextEditor;
    if (ed && ed.document.languageId === 'c') return ed.document.uri;
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.languageId === 'c');
    if (visible) return visible.document.uri;
    return this.state ? vscode.Uri.parse(this.state.uri) : undefined;
  }

  private async pickScenario(): Promise<{ scenario: string; label: string } | undefined> {
    type Item = vscode.QuickPickItem & { scenario?: string; file?: vscode.Uri };
    const items: Item[] = [{ label: 'Built-in scenarios', kind: vscode.QuickPickItemKind.Separator }];
    for (const s of (await this.whatTheServerOffers()).scenarios)
      items.push({ label: s.name, detail: s.title, scenario: s.name });
    const files = await vscode.workspace.findFiles('**/*.rlscenario', '**/node_modules/**', 200);
    if (files.length) {
      items.push({ label: 'Workspace scenarios', kind: vscode.QuickPickItemKind.Separator });
      for (const f of files.sort((a, b) => a.fsPath.localeCompare(b.fsPath)))
        items.push({ label: path.basename(f.fsPath), description: vscode.workspace.asRelativePath(f), file: f });
    }
    const pick = await vscode.window.showQuickPick(items, {
      title: 'Refcount Lens: Run Lifecycle Trace',
      placeHolder: 'Pick a scenario to run over the active file',
      matchOnDetail: true,
    });
    if (!pick) return undefined;
    if (pick.file)
      return { scenario: new TextDecoder().decode(await vscode.workspace.fs.readFile(pick.file)), label: pick.label };
    return pick.scenario ? { scenario: pick.scenario, label: pick.label } : undefined;
  }

  async runWith(uri: vscode.Uri, scenario: string, label: string, whatIf: string[]): Promise<TraceResult | undefined> {
    let trace: TraceResult, svg: string, whatIfLabels: string[], compared: WireComparedTrace | undefined;
    try {
      ({ trace, svg, whatIfLabels, compared } = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'Refcount Lens: tracing' },
        () =>
          this.request({
            kind: 'run',
            uri: uri.toString(),
            scenario,
            whatIf,
            scenarioName: label.replace(/\.(rlscenario|json)$/, ''),
          }),
      ));
    } catch (e) {
      void vscode.window.showErrorMessage(`Refcount Lens: the trace failed: ${(e as Error).message}`);
      return undefined;
    }
    this.state = {
      uri: uri.toString(),
      scenario,
      scenarioLabel: label || trace.scenario,
      whatIf,
      trace,
      svg,
      whatIfLabels,
      compared,
      current: undefined,
    };
    this.show();
    void vscode.commands.executeCommand('setContext', 'refcountLens.traceActive', true);
    return trace;
  }

  // ------------------------------------------------------------------ the panel

  private show(): void {
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(
        TRACE_VIEW_TYPE,
        'Lifecycle trace',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        this.webviewOptions(),
      );
      this.adopt(panel);
    } else this.panel.reveal(undefined, true);
    void this.post();
  }

  webviewOptions(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'media')],
      retainContextWhenHidden: false,
    };
  }

  /** Take a panel (new, or restored by the serializer after a reload). */
  adopt(panel: vscode.WebviewPanel, restored?: ViewState): void {
    this.panel = panel;
    if (restored?.trace) {
      this.state = restored;
      void vscode.commands.executeCommand('setContext', 'refcountLens.traceActive', true);
    }
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'trace-icon.svg');
    panel.webview.options = this.webviewOptions();
    panel.webview.html = this.html(panel.webview);
    const subs: vscode.Disposable[] = [];
    subs.push(panel.webview.onDidReceiveMessage((m) => void this.onMessage(m)));
    subs.push(
      panel.onDidDispose(() => {
        if (this.panel === panel) {
          this.panel = undefined;
          this.clearHighlight();
          void vscode.commands.executeCommand('setContext', 'refcountLens.traceActive', false);
        }
        for (const d of subs) d.dispose();
      }),
    );
    this.updateTitle();
  }

  private updateTitle(): void {
    if (!this.panel || !this.state) return;
    const file = path.basename(vscode.Uri.parse(this.state.uri).fsPath);
    this.panel.title = `Trace: ${this.state.trace.scenario} — ${file}`;
  }

  private async post(): Promise<void> {
    if (!this.panel || !this.state) return;
    this.updateTitle();
    const whatIfs = await this.whatTheServerOffers().then(
      (c) => c.whatIfs,
      () => [],
    );
    void this.panel?.webview.postMessage({ type: 'trace', state: this.state, whatIfs });
  }

  private html(webview: vscode.Webview): string {
    const nonce = makeNonce();
    const media = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'media', f));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${media('trace.css')}" rel="stylesheet">
<title>Lifecycle trace</title>
</head>
<body>
<main id="app"><p class="rl-empty">Run <b>Refcount Lens: Run Lifecycle Trace</b> on a C file.</p></main>
<script nonce="${nonce}" src="${media('trace.js')}"></script>
</body>
</html>`;
  }

  private async onMessage(m: { type?: string; [k: string]: unknown }): Promise<void> {
    switch (m?.type) {
      case 'ready':
        if (this.state) void this.post();
        break;
      case 'state': {
        const s = m.state as ViewState | undefined;
        if (s?.trace && !this.state) {
          this.state = s;
        }
        break;
      }
      case 'reveal':
        await this.select(Number(m.seq), { focusEditor: m.focusEditor === true });
        break;
      case 'export':
        await this.exportTrace(String(m.format) as 'sarif' | 'html');
        break;
      case 'whatIf': {
        if (!this.state) break;
        const id = String(m.id ?? '');
        await this.rerun(id === 'none' ? [] : [...new Set([...this.state.whatIf, id])]);
        break;
      }
      case 'rerun':
        if (this.state) await this.rerun(this.state.whatIf);
        break;
      case 'rendered': {
        const strings = (x: unknown) => (Array.isArray(x) ? x.map(String) : []);
        this.rendered = {
          verdict: String(m.verdict ?? ''),
          steps: Number(m.steps ?? 0),
          current: typeof m.current === 'number' ? m.current : undefined,
          verdicts: strings(m.verdicts),
          compared: strings(m.compared),
          where: strings(m.where),
          buttons: strings(m.buttons),
          eventLabels: strings(m.eventLabels),
        };
        break;
      }
      case 'current':
        if (this.state && typeof m.current === 'number') this.state.current = m.current;
        break;
    }
  }

  /** The current trace again, with other what-ifs (none: the plain run). */
  async rerun(whatIf: string[]): Promise<TraceResult | undefined> {
    if (!this.state) {
      void vscode.window.showInformationMessage('Refcount Lens: run a lifecycle trace first.');
      return undefined;
    }
    return this.runWith(vscode.Uri.parse(this.state.uri), this.state.scenario, this.state.scenarioLabel, whatIf);
  }

  // ------------------------------------------------------------------ steps

  /** Steps the keys walk through: the ones with a line in the file. */
  private navigable(): TraceStep[] {
    return this.state?.trace.steps.filter((s) => s.line > 0) ?? [];
  }

  async step(dir: 1 | -1): Promise<TraceStep | undefined> {
    if (!this.state) {
      void vscode.window.showInformationMessage('Refcount Lens: run a lifecycle trace first.');
      return undefined;
    }
    const steps = this.navigable();
    if (!steps.length) return undefined;
    const cur = this.state.current ?? 0;
    const next =
      dir > 0
        ? (steps.find((s) => s.seq > cur) ?? steps[steps.length - 1])
        : ([...steps].reverse().find((s) => s.seq < cur) ?? steps[0]);
    await this.select(next.seq, { focusEditor: false });
    return next;
  }

  async select(seq: number, opts: { focusEditor: boolean }): Promise<void> {
    if (!this.state) return;
    const s = this.state.trace.steps.find((x) => x.seq === seq);
    this.state.current = seq;
    void this.panel?.webview.postMessage({ type: 'select', seq });
    if (!s || s.line <= 0) return;
    const uri = vscode.Uri.parse(this.state.uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    const existing = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    const editor = await vscode.window.showTextDocument(doc, {
      viewColumn: existing?.viewColumn ?? vscode.ViewColumn.One,
      preserveFocus: !opts.focusEditor,
      preview: false,
    });
    const line = Math.min(Math.max(0, s.line - 1), doc.lineCount - 1);
    const text = doc.lineAt(line);
    // anchored at the end, active at the start: the cursor sits where the statement begins
    const sel = new vscode.Selection(line, text.range.end.character, line, text.firstNonWhitespaceCharacterIndex);
    editor.selection = sel;
    editor.revealRange(new vscode.Range(sel.active, sel.active), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    editor.setDecorations(this.highlight, [
      {
        range: text.range,
        hoverMessage: `trace #${s.seq} — ${s.event}: ${s.where}: ${s.call} ${s.object} ${s.before} → ${s.after}`,
      },
    ]);
  }

  async revealStep(uri: unknown, seq: unknown): Promise<void> {
    if (!this.state || (typeof uri === 'string' && uri !== this.state.uri)) return;
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(
        TRACE_VIEW_TYPE,
        'Lifecycle trace',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        this.webviewOptions(),
      );
      this.adopt(panel);
      void this.post();
    } else this.panel.reveal(undefined, true);
    await this.select(Number(seq), { focusEditor: false });
  }

  private clearHighlight(): void {
    for (const e of vscode.window.visibleTextEditors) e.setDecorations(this.highlight, []);
  }

  // ------------------------------------------------------------------ export

  async exportTrace(format: 'sarif' | 'html', target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    if (!this.state) {
      void vscode.window.showInformationMessage('Refcount Lens: run a lifecycle trace first.');
      return undefined;
    }
    const t = this.state.trace;
    const src = vscode.Uri.parse(this.state.uri);
    const file = path.basename(src.fsPath).replace(/\.[ch]$/, '');
    const stem = `${file}.${t.scenario}${t.whatIf.length ? '.what-if' : ''}`;
    const base = `${stem}.trace.${format === 'sarif' ? 'sarif' : 'html'}`;
    const dest =
      target ??
      (await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(
          vscode.workspace.getWorkspaceFolder(src)?.uri ?? vscode.Uri.file(path.dirname(src.fsPath)),
          base,
        ),
        filters: format === 'sarif' ? { SARIF: ['sarif', 'json'] } : { HTML: ['html'] },
        title: `Export the trace as ${format.toUpperCase()}`,
      }));
    if (!dest) return undefined;
    let text: string;
    try {
      ({ text } = await this.request({
        kind: 'export',
        uri: this.state.uri,
        format,
        trace: t,
        toolVersion: String(this.context.extension.packageJSON.version ?? ''),
      }));
    } catch (e) {
      void vscode.window.showErrorMessage(`Refcount Lens: the export failed: ${(e as Error).message}`);
      return undefined;
    }
    await vscode.workspace.fs.writeFile(dest, new TextEncoder().encode(text));
    if (!target)
      void vscode.window.showInformationMessage(
        `Refcount Lens: trace exported to ${vscode.workspace.asRelativePath(dest)}`,
      );
    return dest;
  }
}

function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

export function registerTraceView(context: vscode.ExtensionContext, client: LanguageClient): void {
  const view = new TraceView(context, client);
  context.subscriptions.push(
    view,
    vscode.commands.registerCommand(TraceCommands.run, (uri?: unknown, scenario?: string, whatIf?: string[]) =>
      view.run(uri, scenario, whatIf),
    ),
    vscode.commands.registerCommand(TraceCommands.nextStep, () => view.step(1)),
    vscode.commands.registerCommand(TraceCommands.previousStep, () => view.step(-1)),
    vscode.commands.registerCommand(TraceCommands.revealStep, (uri?: unknown, seq?: unknown) =>
      view.revealStep(uri, seq),
    ),
    vscode.commands.registerCommand(TraceCommands.whatIf, async (id?: string) => {
      const offered = id ? [] : (await view.whatTheServerOffers()).whatIfs;
      const pick =
        id ??
        (
          await vscode.window.showQuickPick(
            offered.map((w) => ({ label: w.label, description: w.id, detail: w.title, id: w.id })),
            { title: 'Run the trace again with a change' },
          )
        )?.id;
      if (!pick) return undefined;
      return view.rerun(pick === 'none' ? [] : [pick]);
    }),
    vscode.commands.registerCommand(TraceCommands.exportTrace, (format?: string, target?: unknown) =>
      view.exportTrace(
        format === 'html' ? 'html' : 'sarif',
        target instanceof vscode.Uri ? target : typeof target === 'string' ? vscode.Uri.file(target) : undefined,
      ),
    ),
    vscode.commands.registerCommand(TraceCommands.testState, () => view.testState()),
    vscode.window.registerWebviewPanelSerializer(TRACE_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        view.adopt(panel, state as ViewState | undefined);
      },
    }),
  );
}
