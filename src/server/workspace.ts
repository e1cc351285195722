/**
 * The server's state across documents: settings, trust and model files, the analysis engine
 * built from them, the open documents, the workspace index they take their contexts from, and
 * what gets published when an analysis lands (diagnostics, status, refreshes). server.ts
 * routes LSP messages here.
 */
import {
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  type CancellationToken,
  type ClientCapabilities,
  type Connection,
  type InitializeParams,
} from 'vscode-languageserver';
import type { InitializationOptions } from '../shared/protocol';
import { fileDiagnostics, modelDiagnostics, problemCount } from './diagnostics';
import { DocumentStore, type Analysed, type Snapshot } from './documents';
import { AnalysisEngine, DEFAULT_LIMITS, type Limits } from './engine';
import { MODEL_FILE_NAME, normaliseSettings, rootsFromUris, Settings, uriToPath } from './settings';
import { StatusReporter } from './status';
import { Comparisons } from './comparison';
import { FixCache, fixActions, requestedDiagnostics } from './quick-fixes';
import type { CodeAction, Diagnostic as LspDiagnostic, Range } from 'vscode-languageserver';
import * as path from 'node:path';
import { WorkspaceIndex } from './workspace-index';

export type Feature = 'inlayHints' | 'codeLens' | 'hover' | 'any';

export class Workspace {
  readonly settings = new Settings();
  readonly status: StatusReporter;
  readonly clientShowsPaths: boolean;
  private documents!: DocumentStore;
  private engine!: AnalysisEngine;
  private index!: WorkspaceIndex;
  private readonly caps: ClientCapabilities;
  private readonly limits: Limits;
  private analysisKey = '';
  private modelUris = new Set<string>();
  private reconfiguring: Promise<void> = Promise.resolve();
  private readonly analysedListeners: ((a: Analysed) => void)[] = [];
  /** Open documents compared with a git revision (the revision is analysed by this engine's analyser). */
  readonly comparisons = new Comparisons(
    (file, text) => this.engine.analyseDetached(file, text),
    () => this.analysisKey,
  );
  private readonly fixCache = new FixCache();

  constructor(
    private readonly connection: Connection,
    params: InitializeParams,
  ) {
    this.status = new StatusReporter(connection);
    this.caps = params.capabilities;
    const init = (params.initializationOptions ?? {}) as InitializationOptions;
    this.clientShowsPaths = init.clientShowsPaths === true;
    // clients without a notion of trust (Neovim) trust what they open, as they do for all servers
    this.settings.trusted = init.trusted !== false;
    this.settings.roots = rootsFromUris([...(params.workspaceFolders ?? []).map((f) => f.uri), params.rootUri]);
    this.applySettings(init.settings);
    this.limits = { ...DEFAULT_LIMITS, ...sanitizeLimits(init.limits) };
  }

  get docs(): DocumentStore {
    return this.documents;
  }

  /** Calls `listener` after each analysis of an open document is published. */
  onDidAnalyse(listener: (a: Analysed) => void): void {
    this.analysedListeners.push(listener);
  }

  /** Asks the client to request inlay hints and code lenses again. */
  refreshViews(): void {
    this.refresh();
  }

  /** Before `initialize` answers: the analyser (wasm) loads once, with the settings known so far. */
  async prepare(): Promise<void> {
    this.engine = await AnalysisEngine.create(this.settings.analyzerOptions(), this.limits, (m) => this.status.log(m));
    this.analysisKey = this.settings.analysisKey();
    this.documents = new DocumentStore(
      this.engine,
      {
        analysing: (uri) => this.status.analysing(uri),
        analysed: (a) => this.onAnalysed(a),
        closed: (uri, file, text) => this.onClosed(uri, file, text),
        log: (m) => this.status.log(m),
      },
      this.limits.debounceMs,
    );
    this.index = new WorkspaceIndex({
      connection: this.connection,
      settings: this.settings,
      engine: () => this.engine,
      openTexts: () => this.documents.texts(),
      changed: () => this.documents.refreshContexts(),
      log: (m) => this.status.log(m),
      notice: (m) => this.status.notice(m),
    });
    this.documents.useContexts((file, text) => this.index.contextFor(file, text));
  }

  /** After `initialized`: pull the real settings, watch model files, start analysing. */
  start(): Promise<void> {
    if (this.caps.workspace?.didChangeConfiguration?.dynamicRegistration) {
      void this.connection.client.register(DidChangeConfigurationNotification.type, { section: 'refcountLens' });
    }
    return this.serially(async () => {
      await this.pullSettings();
      // the engine from prepare() is reused when the pulled settings did not change it
      if (!(await this.rebuild(false))) this.publishModelProblems();
      void this.watchModelFiles();
      this.index.update();
    });
  }

  /** Settings changed (pushed by the client, or a hint that they may have). */
  configurationChanged(pushed: unknown): Promise<void> {
    return this.serially(async () => {
      const section = (pushed as { refcountLens?: unknown } | null)?.refcountLens;
      if (!(await this.pullSettings()) && section !== undefined) this.applySettings(section);
      await this.rebuild(false);
      void this.watchModelFiles();
      this.index.update();
    });
  }

  trustChanged(trusted: boolean): Promise<void> {
    return this.serially(async () => {
      if (this.settings.trusted === trusted) return;
      this.settings.trusted = trusted;
      this.status.log(
        `workspace ${trusted ? 'trusted: model files load' : 'untrusted: only the built-in presets load'}`,
      );
      await this.rebuild(false);
      void this.watchModelFiles();
      this.index.update();
    });
  }

  /**
   * Watched files changed: C files are indexed again; when a model file in use changed (or one
   * appeared), everything is analysed again.
   */
  filesChanged(uris: string[]): Promise<void> {
    const sources = uris.filter((u) => /\.[ch]$/.test(u));
    if (sources.length) this.index.schedule(`${sources.length} C file(s) changed on disk`);
    const watched = new Set(this.settings.watchedModelFiles());
    if (!uris.some((u) => u.endsWith(MODEL_FILE_NAME) || watched.has(uriToPath(u) ?? ''))) return Promise.resolve();
    return this.serially(async () => {
      await this.rebuild(false);
      this.index.update();
    });
  }

  /** A document was saved: the index reads it again (unchanged groups of files cost nothing). */
  saved(uri: string): void {
    if (/\.[ch]$/.test(uri)) this.index.schedule(`${decodeURIComponent(path.posix.basename(uri))} saved`);
  }

  reanalyze(): Promise<void> {
    return this.serially(async () => {
      await this.rebuild(true);
      this.index.update(true);
    });
  }

  /** The current analysis of an open document, or undefined when the feature is off. */
  async snapshot(uri: string, feature: Feature, token?: CancellationToken): Promise<Snapshot | undefined> {
    await this.reconfiguring;
    const s = this.settings.current;
    if (!s.enable) return undefined;
    if (feature === 'inlayHints' && !s.inlayHints.enabled) return undefined;
    if (feature === 'codeLens' && !s.codeLens.enabled) return undefined;
    return this.documents.snapshot(uri, token);
  }

  /** Quick fixes for the diagnostics of a code action request: verified edits, computed once per version. */
  async quickFixes(
    uri: string,
    range: Range,
    sent: readonly LspDiagnostic[],
    token?: CancellationToken,
  ): Promise<CodeAction[]> {
    const snap = await this.snapshot(uri, 'any', token);
    if (!snap) return [];
    const asked = requestedDiagnostics(snap.result, range, sent);
    const missing = asked.filter((a) => !this.fixCache.get(uri, snap.version, a.diagnostic));
    if (missing.length) {
      const wanted = new Set(missing.map((m) => m.diagnostic));
      const started = performance.now();
      const items = this.engine.fixes(uriToPath(uri) ?? uri, snap.text, snap.result, (d) => wanted.has(d));
      this.fixCache.put(uri, snap.version, items);
      const ms = Math.round(performance.now() - started);
      this.status.log(`fix-its for ${items.length} diagnostic(s) of ${uri} v${snap.version} verified in ${ms} ms`);
    }
    const items = asked.flatMap((a) => {
      const fixes = this.fixCache.get(uri, snap.version, a.diagnostic);
      return fixes ? [{ fixes, lsp: a.lsp }] : [];
    });
    return fixActions(items, { uri, version: snap.version, text: snap.text }, this.caps);
  }

  async dispose(): Promise<void> {
    this.documents?.dispose();
    await this.index?.dispose();
    await this.engine?.close();
  }

  private applySettings(raw: unknown): void {
    const { settings, fixes } = normaliseSettings(raw);
    for (const f of fixes) this.status.log(`setting ignored: ${f}`);
    this.settings.current = settings;
  }

  /** True when the client answered workspace/configuration. */
  private async pullSettings(): Promise<boolean> {
    if (!this.caps.workspace?.configuration) return false;
    try {
      const raw = await this.connection.workspace.getConfiguration('refcountLens');
      this.applySettings(raw);
      return true;
    } catch (e) {
      this.status.log(`could not read the settings: ${(e as Error).message}`);
      return false;
    }
  }

  /**
   * Runs configuration work one piece at a time; requests wait for it (snapshot awaits
   * `reconfiguring`), so a request sent after a settings change sees the new settings.
   */
  private serially(work: () => Promise<void>): Promise<void> {
    this.reconfiguring = this.reconfiguring
      .then(work)
      .catch((e) => this.status.log(`reconfiguration failed: ${(e as Error).stack ?? e}`));
    return this.reconfiguring;
  }

  /**
   * Brings everything in line with the settings: a new engine when the analysis options or
   * model files changed (or `force`), pause/resume for the master switch, and refreshes so
   * the editor asks again for hints and lenses. True when it built a new engine.
   */
  private async rebuild(force: boolean): Promise<boolean> {
    let rebuilt = false;
    const s = this.settings.current;
    if (!s.enable) {
      this.documents.pause();
      for (const uri of this.documents.uris()) void this.connection.sendDiagnostics({ uri, diagnostics: [] });
      this.status.disabled();
      this.status.log('refcountLens.enable is off: nothing is analysed');
    } else {
      const key = this.settings.analysisKey();
      if (force || key !== this.analysisKey) {
        await this.engine.reconfigure(this.settings.analyzerOptions());
        this.analysisKey = key;
        this.status.log(`analysis options: ${JSON.stringify(this.settings.analyzerOptions())}`);
        this.publishModelProblems();
        this.documents.reanalyseAll(this.engine);
        // the workers were started again: the index's visits in flight were dropped
        this.index.update(true);
        rebuilt = true;
      } else if (this.documents.isPaused) {
        this.documents.reanalyseAll(this.engine);
      }
    }
    this.refresh();
    return rebuilt;
  }

  private publishModelProblems(): void {
    const problems = this.engine.modelProblems();
    for (const p of problems.filter((x) => !path.isAbsolute(x.file)))
      this.status.log(`model problem (${p.file}): ${p.message}`);
    const byUri = modelDiagnostics(problems);
    for (const uri of this.modelUris)
      if (!byUri.has(uri)) void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    for (const [uri, diagnostics] of byUri) {
      void this.connection.sendDiagnostics({ uri, diagnostics });
      this.status.notice(
        `${uri}: ${diagnostics.length} problem(s) in the model file; broken entries are skipped, the rest loads` +
          ` (first: line ${diagnostics[0].range.start.line + 1}: ${diagnostics[0].message})`,
      );
    }
    this.modelUris = new Set(byUri.keys());
  }

  private onAnalysed(a: Analysed): void {
    if (!this.settings.current.enable) return;
    const file = uriToPath(a.uri);
    if (file) this.index.documentAnalysed(file, a.text, a.exports);
    const diagnostics = fileDiagnostics(a.result, a.text, a.uri);
    void this.connection.sendDiagnostics({ uri: a.uri, version: a.version, diagnostics });
    this.status.analysed(a.uri, a.version, a.result, problemCount(diagnostics), a.ms, a.inWorker);
    for (const l of this.analysedListeners) l(a);
    // a worker's result may arrive after the editor asked and got nothing useful
    if (a.inWorker) this.refresh();
  }

  private onClosed(uri: string, file: string, text: string): void {
    if (file !== uri) this.index.documentClosed(file, text);
    this.fixCache.forget(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    this.status.closed(uri);
  }

  /** Asks the client to request inlay hints and code lenses again (when it can). */
  private refresh(): void {
    if (this.caps.workspace?.inlayHint?.refreshSupport)
      void this.connection.languages.inlayHint.refresh().catch(() => undefined);
    if (this.caps.workspace?.codeLens?.refreshSupport)
      void this.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }

  private async watchModelFiles(): Promise<void> {
    if (!this.caps.workspace?.didChangeWatchedFiles?.dynamicRegistration) return;
    const patterns = [
      `**/${MODEL_FILE_NAME}`,
      // C files changed outside the editor (a checkout, a build, another editor) are indexed again
      '**/*.{c,h}',
      ...this.settings.watchedModelFiles().filter((f) => !f.endsWith(MODEL_FILE_NAME)),
    ];
    try {
      this.watchRegistration?.dispose();
      this.watchRegistration = await this.connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: patterns.map((globPattern) => ({ globPattern })),
      });
    } catch (e) {
      this.status.log(`cannot watch model files: ${(e as Error).message}`);
    }
  }

  private watchRegistration?: { dispose(): void };
}

function sanitizeLimits(raw: unknown): Partial<Limits> {
  const out: Partial<Limits> = {};
  if (!raw || typeof raw !== 'object') return out;
  for (const [k, v] of Object.entries(raw)) {
    if (k in DEFAULT_LIMITS && typeof v === 'number' && Number.isFinite(v) && v >= 0)
      (out as Record<string, number>)[k] = v;
  }
  return out;
}
