/**
 * The fuzz inputs of fuzz.test.ts through the language server (dist/server.js over
 * --stdio): each damaged text is opened, edited and asked for inlay hints; the server
 * must answer every request and stay up. FUZZ_SEED=N reproduces a run.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { ROOT } from '../helpers/analyzer';
import { fuzzCases, fuzzSeed, KINDS } from '../helpers/fuzz';

const SERVER = path.join(ROOT, 'dist', 'server.js');
const SEED = fuzzSeed();
const PER_KIND = Number(process.env.FUZZ_SERVER_PER_KIND ?? 3);
const REQUEST_MS = 20000;

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to ${what} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

test(`the language server answers for every damaged input and stays up (seed ${SEED})`, {
  skip: !fs.existsSync(SERVER) && 'dist/server.js is not built',
}, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-fuzz-server-'));
  const cases = fuzzCases(SEED, PER_KIND);
  t.diagnostic(`seed ${SEED} (reproduce with FUZZ_SEED=${SEED}), ${cases.length} documents, ${KINDS.length} kinds`);
  const proc = spawn(process.execPath, [SERVER, '--stdio'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => {
    stderr = (stderr + d).slice(-20000);
  });
  let exited: string | undefined;
  proc.on('exit', (code, signal) => {
    exited = `exit ${code} ${signal ?? ''}`.trim();
  });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('client/unregisterCapability', () => null);
  conn.onRequest('workspace/inlayHint/refresh', () => null);
  conn.onRequest('workspace/codeLens/refresh', () => null);
  conn.onRequest('workspace/diagnostic/refresh', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onRequest('window/showMessageRequest', () => null);
  conn.onNotification(() => {
    /* diagnostics, logs, status: not checked here */
  });
  conn.onError(() => {
    /* the exit check below says what happened */
  });
  conn.listen();
  const current = { name: '(initialize)' };
  try {
    const rootUri = pathToFileURL(dir).href;
    await within(
      conn.sendRequest('initialize', {
        processId: process.pid,
        rootUri,
        workspaceFolders: [{ uri: rootUri, name: 'fuzz' }],
        capabilities: {
          workspace: { configuration: true, inlayHint: { refreshSupport: true } },
          textDocument: { inlayHint: {}, publishDiagnostics: {} },
        },
      }),
      REQUEST_MS,
      'initialize',
    );
    await conn.sendNotification('initialized', {});

    let answered = 0;
    for (const c of cases) {
      current.name = c.name;
      const file = path.join(dir, c.name);
      fs.writeFileSync(file, c.data);
      const uri = pathToFileURL(file).href;
      const text = c.data.toString('utf8');
      await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text } });
      const lines = text.split('\n').length;
      const hints = await within(
        conn.sendRequest('textDocument/inlayHint', {
          textDocument: { uri },
          range: { start: { line: 0, character: 0 }, end: { line: lines, character: 0 } },
        }),
        REQUEST_MS,
        `inlayHint on ${c.name}`,
      );
      assert.ok(hints === null || Array.isArray(hints), `${c.name}: inlay hints are an array`);
      // typing into the damaged text: an insertion and a deletion near the middle
      const mid = Math.floor(text.length / 2);
      const edited = text.slice(0, mid) + 'dev_ref(d);\n' + text.slice(mid + Math.min(20, text.length - mid));
      await conn.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: 2 },
        contentChanges: [{ text: edited }],
      });
      const again = await within(
        conn.sendRequest('textDocument/inlayHint', {
          textDocument: { uri },
          range: { start: { line: 0, character: 0 }, end: { line: lines + 1, character: 0 } },
        }),
        REQUEST_MS,
        `inlayHint after an edit of ${c.name}`,
      );
      assert.ok(again === null || Array.isArray(again), `${c.name}: inlay hints after an edit`);
      await conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
      assert.equal(exited, undefined, `the server died on ${c.name}`);
      answered++;
    }
    // still alive and answering on a healthy document
    current.name = '(healthy document)';
    const ok = path.join(dir, 'healthy.c');
    const okText = '#include <sys/conf.h>\nint\nf(struct cdev *d)\n{\n\tdev_ref(d);\n\tdev_rel(d);\n\treturn (0);\n}\n';
    fs.writeFileSync(ok, okText);
    await conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri: pathToFileURL(ok).href, languageId: 'c', version: 1, text: okText },
    });
    const final = await within(
      conn.sendRequest('textDocument/inlayHint', {
        textDocument: { uri: pathToFileURL(ok).href },
        range: { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } },
      }),
      REQUEST_MS,
      'inlayHint on a healthy document',
    );
    assert.ok(final === null || Array.isArray(final));
    assert.equal(exited, undefined, 'the server is still running');
    assert.doesNotMatch(stderr, /FATAL|Maximum call stack|out of memory/i, 'the server reported a fatal error');
    t.diagnostic(`${answered} damaged documents answered`);
    await within(conn.sendRequest('shutdown'), REQUEST_MS, 'shutdown');
    await conn.sendNotification('exit');
    await within(new Promise<void>((res) => (exited ? res() : proc.on('exit', () => res()))), 5000, 'exit');
  } catch (e) {
    (e as Error).message +=
      ` [at ${current.name}; seed ${SEED}; inputs kept in ${dir}; server stderr: ${stderr.slice(-2000)}]`;
    throw e;
  } finally {
    conn.dispose();
    if (!exited) proc.kill();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
