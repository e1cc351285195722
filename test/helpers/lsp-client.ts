/**
 * A minimal LSP client over stdio for the server tests and the latency bench: spawns
 * dist/server.js, speaks JSON-RPC with vscode-jsonrpc, answers the server's own requests
 * (configuration, registrations, refreshes, work-done progress) and records diagnostics,
 * status, progress and log lines. Unless told otherwise the server keeps its index in a
 * directory of this test process (XDG_CACHE_HOME), never in the user's cache.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const SERVER = path.join(ROOT, 'dist', 'server.js');

export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}
export interface LspDiagnostic {
  range: Range;
  severity?: number;
  code?: string | number;
  source?: string;
  message: string;
  relatedInformation?: { location: { uri: string; range: Range }; message: string }[];
}
export interface InlayHint {
  position: Position;
  label: string | { value: string; location?: { uri: string; range: Range } }[];
  tooltip?: unknown;
}
export interface CodeLens {
  range: Range;
  command?: { title: string; command: string; arguments?: unknown[] };
}

export interface StartOptions {
  rootDir: string;
  /** What workspace/configuration answers for the section `refcountLens`. */
  settings?: Record<string, unknown>;
  initializationOptions?: Record<string, unknown>;
  /** Extra arguments for node (e.g. --max-old-space-size). */
  nodeArgs?: string[];
  /** Extra environment variables for the server (e.g. REFCOUNT_LENS_FAULT). */
  env?: Record<string, string>;
  /** Client capabilities added to the sections this client declares (e.g. code action `disabledSupport`). */
  capabilities?: { workspace?: Record<string, unknown>; textDocument?: Record<string, unknown> };
}

export const fileUri = (p: string): string => pathToFileURL(p).href;

/** One $/progress the server sent (its token, and the begin/report/end value). */
export interface ProgressEvent {
  token: string | number;
  kind: 'begin' | 'report' | 'end';
  title?: string;
  message?: string;
  percentage?: number;
  cancellable?: boolean;
}

let testCache: string | undefined;
/** The cache directory of this test process's servers, removed when it exits. */
function testCacheHome(): string {
  if (!testCache) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-test-cache-'));
    testCache = dir;
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return testCache;
}

export function hintText(h: InlayHint): string {
  return typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('');
}

export class LspClient {
  readonly diagnostics = new Map<string, LspDiagnostic[]>();
  /** The document version of the last diagnostics published for each URI. */
  readonly diagnosticVersions = new Map<string, number | undefined>();
  /** Every publishDiagnostics, in order. */
  readonly published: { uri: string; diagnostics: LspDiagnostic[] }[] = [];
  readonly statuses: Record<string, unknown>[] = [];
  readonly logs: string[] = [];
  readonly messages: string[] = [];
  /** Tokens the server created with window/workDoneProgress/create, and every $/progress. */
  readonly progressTokens: (string | number)[] = [];
  readonly progress: ProgressEvent[] = [];
  settings: Record<string, unknown>;
  private exited: { code: number | null; signal: string | null } | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly versions = new Map<string, number>();

  private constructor(
    readonly proc: ChildProcess,
    readonly conn: MessageConnection,
    opts: StartOptions,
  ) {
    this.settings = opts.settings ?? {};
    proc.on('exit', (code, signal) => {
      this.exited = { code, signal };
      this.notify();
    });
  }

  static async start(opts: StartOptions): Promise<LspClient> {
    const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), SERVER, '--stdio'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, XDG_CACHE_HOME: testCacheHome(), ...opts.env },
    });
    let stderr = '';
    proc.stderr!.on('data', (d) => {
      stderr += d;
      if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
    });
    const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const client = new LspClient(proc, conn, opts);
    client.stderr = () => stderr;
    client.wire();
    conn.listen();
    const rootUri = fileUri(opts.rootDir);
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: path.basename(opts.rootDir) }],
      capabilities: {
        window: { workDoneProgress: true },
        workspace: {
          configuration: true,
          didChangeConfiguration: { dynamicRegistration: true },
          didChangeWatchedFiles: { dynamicRegistration: true },
          inlayHint: { refreshSupport: true },
          codeLens: { refreshSupport: true },
          ...opts.capabilities?.workspace,
        },
        textDocument: {
          synchronization: { dynamicRegistration: false },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          inlayHint: {},
          codeLens: {},
          publishDiagnostics: { relatedInformation: true },
          ...opts.capabilities?.textDocument,
        },
      },
      initializationOptions: opts.initializationOptions ?? {},
    });
    await conn.sendNotification('initialized', {});
    return client;
  }

  stderr: () => string = () => '';

  get alive(): boolean {
    return !this.exited;
  }

  private wire(): void {
    const c = this.conn;
    c.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) =>
      p.items.map((i) => (i.section === 'refcountLens' ? this.settings : null)),
    );
    c.onRequest('client/registerCapability', () => null);
    c.onRequest('client/unregisterCapability', () => null);
    c.onRequest('workspace/inlayHint/refresh', () => null);
    c.onRequest('workspace/codeLens/refresh', () => null);
    c.onRequest('window/showMessageRequest', () => null);
    c.onRequest('window/workDoneProgress/create', (p: { token: string | number }) => {
      this.progressTokens.push(p.token);
      return null;
    });
    c.onNotification('$/progress', (p: { token: string | number; value: Omit<ProgressEvent, 'token'> }) => {
      this.progress.push({ token: p.token, ...p.value });
      this.notify();
    });
    c.onNotification(
      'textDocument/publishDiagnostics',
      (p: { uri: string; version?: number; diagnostics: LspDiagnostic[] }) => {
        this.diagnostics.set(p.uri, p.diagnostics);
        this.published.push({ uri: p.uri, diagnostics: p.diagnostics });
        this.diagnosticVersions.set(p.uri, p.version);
        this.notify();
      },
    );
    c.onNotification('refcountLens/status', (p: Record<string, unknown>) => {
      this.statuses.push(p);
      this.notify();
    });
    c.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
      this.notify();
    });
    c.onNotification('window/showMessage', (p: { message: string }) => {
      this.messages.push(p.message);
      this.notify();
    });
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /**
   * Resolves with the predicate's first truthy value (it may be async: it is checked on
   * every message from the server and every 50 ms); rejects after `timeoutMs` or when the
   * server exits.
   */
  waitFor<T>(
    predicate: () => T | undefined | false | Promise<T | undefined | false>,
    timeoutMs = 20_000,
    what = 'condition',
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let checking = false;
      const check = async () => {
        if (settled || checking) return;
        checking = true;
        try {
          const v = await predicate();
          if (v && !settled) {
            done();
            resolve(v);
            return;
          }
        } catch (e) {
          if (!settled) {
            done();
            reject(e);
          }
          return;
        } finally {
          checking = false;
        }
        if (this.exited && !settled) {
          done();
          reject(
            new Error(
              `server exited (${this.exited.code ?? this.exited.signal}) while waiting for ${what}\n${this.stderr()}`,
            ),
          );
        }
      };
      const onEvent = () => void check();
      const poll = setInterval(onEvent, 50);
      const timer = setTimeout(() => {
        if (!settled) {
          done();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }
      }, timeoutMs);
      const done = () => {
        settled = true;
        clearTimeout(timer);
        clearInterval(poll);
        this.listeners.delete(onEvent);
      };
      this.listeners.add(onEvent);
      void check();
    });
  }

  waitForDiagnostics(
    uri: string,
    predicate: (d: LspDiagnostic[]) => boolean,
    timeoutMs = 20_000,
  ): Promise<LspDiagnostic[]> {
    return this.waitFor(
      () => {
        const d = this.diagnostics.get(uri);
        return d && predicate(d) ? d : undefined;
      },
      timeoutMs,
      `diagnostics on ${uri}`,
    );
  }

  open(uri: string, text: string, languageId = 'c'): void {
    this.versions.set(uri, 1);
    void this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  }

  /** Replaces the whole text (a change without range). Returns the new version. */
  replace(uri: string, text: string): number {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    void this.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
    return version;
  }

  /** An incremental edit: inserts `text` at `at` (what an editor sends for a keystroke). */
  insert(uri: string, at: Position, text: string): number {
    return this.edit(uri, { start: at, end: at }, text);
  }

  /** An incremental edit: replaces `range` with `text`. Returns the new version. */
  edit(uri: string, range: Range, text: string): number {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    void this.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ range, text }],
    });
    return version;
  }

  /** The user saved the document (its text is on disk). */
  save(uri: string): void {
    void this.conn.sendNotification('textDocument/didSave', { textDocument: { uri } });
  }

  /** Files changed on disk, as the client's file watcher reports them (1 created, 2 changed, 3 deleted). */
  filesChanged(changes: { uri: string; type: 1 | 2 | 3 }[]): void {
    void this.conn.sendNotification('workspace/didChangeWatchedFiles', { changes });
  }

  /** The user cancels a work-done progress. */
  cancelProgress(token: string | number): void {
    void this.conn.sendNotification('window/workDoneProgress/cancel', { token });
  }

  close(uri: string): void {
    void this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  changeSettings(settings: Record<string, unknown>): void {
    this.settings = settings;
    void this.conn.sendNotification('workspace/didChangeConfiguration', { settings: { refcountLens: settings } });
  }

  inlayHints(uri: string, range?: Range): Promise<InlayHint[] | null> {
    return this.conn.sendRequest('textDocument/inlayHint', {
      textDocument: { uri },
      range: range ?? { start: { line: 0, character: 0 }, end: { line: 1_000_000, character: 0 } },
    });
  }

  codeLenses(uri: string): Promise<CodeLens[] | null> {
    return this.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  }

  hover(uri: string, position: Position): Promise<{ contents: { kind: string; value: string } } | null> {
    return this.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position });
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.conn.sendRequest(method, params);
  }

  /** Resident set size of the server process, in MB (Linux). */
  rssMb(): number {
    const status = fs.readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  }

  /** shutdown + exit; kills the process if it does not leave within 5 s. */
  async stop(): Promise<void> {
    if (this.exited) {
      this.conn.dispose();
      return;
    }
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), sleep(5000)]);
      void this.conn.sendNotification('exit');
    } catch {
      /* the connection is gone already */
    }
    const gone = new Promise<void>((r) => (this.exited ? r() : this.proc.once('exit', () => r())));
    await Promise.race([gone, sleep(5000)]);
    if (!this.exited) this.proc.kill('SIGKILL');
    this.conn.dispose();
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
