/**
 * The language server through a real LSP connection: dist/server.js spawned over stdio,
 * spoken to with vscode-jsonrpc. Covers the features on the vpipe fixture and the bad
 * input of issue 3: a 5 MB file, a binary file, broken model files, a document closed
 * mid-analysis, a burst of 100 edits. In each case the server must stay up and say why.
 * Needs `node scripts/build.mjs` (dist/server.js, dist/worker.js).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateFile } from '../../bench/generate';
import { fileUri, hintText, LspClient, ROOT, type LspDiagnostic } from '../helpers/lsp-client';

const FIXTURE = path.join(ROOT, 'test/fixtures/workspace/vpipe.c');
const fixtureText = fs.readFileSync(FIXTURE, 'utf8');
const codeOf = (d: LspDiagnostic) => String(d.code);
const lineOf = (text: string, needle: string, from = 0) => {
  const lines = text.split('\n');
  for (let i = from; i < lines.length; i++) if (lines[i].includes(needle)) return i;
  throw new Error(`no line with ${needle}`);
};

/** A temporary workspace folder with the given files (removed by the returned function). */
function tempWorkspace(files: Record<string, string | Buffer>): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-ws-'));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** About `bytes` of generated kernel-like C in one file. */
function bigCFile(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const text = generateFile({ lines: 2000, fileNo: i }).replace(/^#include.*$/gm, '');
    parts.push(text);
    size += text.length;
  }
  return parts.join('\n');
}

assert.ok(
  fs.existsSync(path.join(ROOT, 'dist/server.js')),
  'dist/server.js missing: run `node scripts/build.mjs` first',
);

describe('language server: features on the vpipe fixture', () => {
  let client: LspClient;
  const uri = fileUri(FIXTURE);
  before(async () => {
    client = await LspClient.start({ rootDir: path.dirname(FIXTURE) });
    client.open(uri, fixtureText);
  });
  after(async () => {
    await client.stop();
  });

  test('diagnostics: the contract error, related information at the lines of the path', async () => {
    const diags = await client.waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'contract'));
    const contract = diags.find((x) => codeOf(x) === 'contract')!;
    assert.equal(contract.severity, 1);
    assert.equal(contract.source, 'refcount-lens');
    const extra = lineOf(fixtureText, 'dev_ref(*dev);', lineOf(fixtureText, 'vpipe_new_node(vp, cred, dev)'));
    assert.equal(contract.range.start.line, extra);
    const related = contract.relatedInformation ?? [];
    assert.ok(
      related.some(
        (r) =>
          r.location.range.start.line === lineOf(fixtureText, 'vpipe_new_node(vp, cred, dev)') &&
          /MAKEDEV_REF/.test(r.message),
      ),
    );
    assert.ok(
      related.some((r) => r.location.range.start.line === lineOf(fixtureText, 'EVENTHANDLER_REGISTER(dev_clone')),
    );
    assert.ok(related.every((r) => r.location.uri === uri));
  });

  test('inlay hints after each counted call, aggregated over paths', async () => {
    const hints = (await client.inlayHints(uri))!;
    const at = (needle: string, from = 0) =>
      hints.filter((h) => h.position.line === lineOf(fixtureText, needle, from)).map(hintText);
    assert.deepEqual(at('error = make_dev_s('), ['+2/+1 cdev (MAKEDEV_REF)']);
    assert.deepEqual(at('error = vpipe_new_node('), ['+2 cdev (MAKEDEV_REF)']);
    assert.deepEqual(at('dev_ref(*dev);'), ['+1 cdev']);
    assert.deepEqual(at('crfree(vp->vp_cred)'), ['-1 ucred']);
    assert.deepEqual(at('destroy_dev(vp->vp_dev)'), ['-1 cdev']);
    const tooltip = (hints.find((h) => hintText(h) === '+2 cdev (MAKEDEV_REF)')!.tooltip as { value: string }).value;
    assert.match(tooltip, /#4: \+2 here, \+3 at exit line 77/);
  });

  test('an inlay hint request for a range returns only the hints in it', async () => {
    const line = lineOf(fixtureText, 'dev_ref(*dev);');
    const hints = (await client.inlayHints(uri, { start: { line, character: 0 }, end: { line, character: 100 } }))!;
    assert.deepEqual(hints.map(hintText), ['+1 cdev']);
  });

  test('code lenses: summary per object and one per problem, running refcountLens.showPaths', async () => {
    const lenses = (await client.codeLenses(uri))!;
    const titles = lenses.map((l) => l.command!.title);
    assert.ok(titles.includes('*dev cdev: +3 new · +1 existing · 0 on 3 paths'), titles.join('\n'));
    assert.ok(titles.includes('*nodep cdev: +2 new · +1 new · 0 on 2 error paths'), titles.join('\n'));
    assert.ok(titles.includes('contract: dev_clone handler hands out +2 (expected +1)'), titles.join('\n'));
    const problem = lenses.find((l) => l.command!.title.startsWith('contract:'))!;
    assert.deepEqual(problem.command!.arguments, [uri, lineOf(fixtureText, 'vpipe_lookup(void') + 1, 4]);
  });

  test('hover on a function name: the Markdown path table', async () => {
    const h = await client.hover(uri, { line: lineOf(fixtureText, 'vpipe_lookup(void'), character: 4 });
    assert.equal(h!.contents.kind, 'markdown');
    const text = h!.contents.value;
    assert.match(text, /\| path \| conditions \| exit line \| returns \| `\*dev \(cdev\)` \|/);
    assert.match(
      text,
      /\| #4 \| .*vpipe\\_new\\_node\(\) returned 0 \| 77 \| void \| \+3 \(\+1 existence, \+2 refs\) \|/,
    );
    assert.match(text, /\*\*contract\*\*/);
  });

  test('hover on a counted call: the steps on each path through it', async () => {
    const line = lineOf(fixtureText, 'error = vpipe_new_node(');
    const h = await client.hover(uri, { line, character: fixtureText.split('\n')[line].indexOf('vpipe_new_node') + 3 });
    assert.match(
      h!.contents.value,
      /^\*\*vpipe_new_node\(\)\*\* \+2 on `\*dev` \(cdev, MAKEDEV_REF\): the count after it: \+2 on path #4\n/,
    );
    assert.match(
      h!.contents.value,
      /line 71 vpipe_new_node\(\) \+2 \(MAKEDEV_REF\), now \+2 · line 76 dev_ref\(\) \+1, now \+3/,
    );
    const none = await client.hover(uri, { line: 0, character: 0 });
    assert.equal(none, null);
  });

  test('refcountLens/functionPaths and executeCommand refcountLens.showPaths', async () => {
    const line = lineOf(fixtureText, 'vpipe_lookup(void') + 1;
    const fn = await client.request<{ name: string; paths: unknown[] }>('refcountLens/functionPaths', {
      uri,
      line: line + 10,
    });
    assert.equal(fn.name, 'vpipe_lookup');
    assert.equal(fn.paths.length, 5);
    const viaCommand = await client.request<{ name: string }>('workspace/executeCommand', {
      command: 'refcountLens.showPaths',
      arguments: [uri, line, 4],
    });
    assert.equal(viaCommand.name, 'vpipe_lookup');
    await client.waitFor(
      () => client.messages.find((m) => m.startsWith('vpipe_lookup():\n#4 exit line 77')),
      5000,
      'the path message',
    );
    const list = await client.request<{ name: string }[]>('refcountLens/functions', { uri });
    assert.deepEqual(
      list.map((f) => f.name),
      ['vpipe_new_node', 'vpipe_set_owner', 'vpipe_lookup', 'vpipe_destroy'],
    );
  });

  test('an edit inside one function: new hints and diagnostics for the new text', async () => {
    const extra = lineOf(fixtureText, 'dev_ref(*dev);', lineOf(fixtureText, 'vpipe_new_node(vp, cred, dev)'));
    const version = client.replace(
      uri,
      fixtureText
        .split('\n')
        .filter((_, i) => i !== extra)
        .join('\n'),
    );
    const hints = (await client.inlayHints(uri))!;
    assert.ok(!hints.some((h) => h.position.line === extra && hintText(h) === '+1 cdev'));
    await client.waitForDiagnostics(
      uri,
      (d) => !d.some((x) => codeOf(x) === 'contract') && client.diagnosticVersions.get(uri) === version,
    );
    assert.ok(
      client.logs.some((l) => /vpipe\.c v2: [\d.]+ ms/.test(l)),
      'the log has the timing of the new version',
    );
    client.replace(uri, fixtureText);
    await client.waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'contract'));
  });

  test('settings: inlay hints off, code lenses off, everything off', async () => {
    client.changeSettings({ inlayHints: { enabled: false } });
    assert.deepEqual(await client.inlayHints(uri), []);
    assert.ok((await client.codeLenses(uri))!.length > 0);
    client.changeSettings({ codeLens: { enabled: false } });
    assert.deepEqual(await client.codeLenses(uri), []);
    assert.ok((await client.inlayHints(uri))!.length > 0);
    client.changeSettings({ enable: false });
    await client.waitForDiagnostics(uri, (d) => d.length === 0);
    await client.waitFor(() => client.statuses.at(-1)?.state === 'disabled', 5000, 'status disabled');
    assert.equal(await client.hover(uri, { line: lineOf(fixtureText, 'vpipe_lookup(void'), character: 4 }), null);
    client.changeSettings({});
    await client.waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'contract'));
  });

  test('a request for a document that is not open answers empty and says so in the log', async () => {
    const other = fileUri(path.join(path.dirname(FIXTURE), 'not-open.c'));
    assert.deepEqual(await client.inlayHints(other), []);
    assert.deepEqual(await client.codeLenses(other), []);
    assert.equal(await client.hover(other, { line: 0, character: 0 }), null);
    assert.equal(await client.request('refcountLens/functionPaths', { uri: other, line: 1 }), null);
    assert.ok(client.logs.some((l) => l.includes(`request for ${other}, which is not open`)));
    assert.ok(client.alive);
  });
});

describe('language server: bad input', () => {
  let client: LspClient;
  let ws: { dir: string; remove(): void };
  before(async () => {
    ws = tempWorkspace({ 'vpipe.c': fixtureText });
    client = await LspClient.start({
      rootDir: ws.dir,
      // a small file budget keeps the 5 MB case short; the limits are the point, not the size
      settings: { maxStatesPerFile: 5000 },
    });
  });
  after(async () => {
    await client.stop();
    ws.remove();
  });

  test('a 5 MB C file: analysed in a worker, cut at its state budget, the request loop keeps answering', {
    timeout: 120_000,
  }, async () => {
    const big = bigCFile(5 * 1024 * 1024);
    const bigUri = fileUri(path.join(ws.dir, 'big.c'));
    const smallUri = fileUri(path.join(ws.dir, 'vpipe.c'));
    client.open(bigUri, big);
    await client.waitFor(
      () => client.statuses.some((s) => s.state === 'analysing' && s.uri === bigUri),
      10_000,
      'analysing big.c',
    );
    // while the worker parses 5 MB, a small document is analysed and answered
    client.open(smallUri, fixtureText);
    const hover = await client.hover(smallUri, { line: lineOf(fixtureText, 'vpipe_lookup(void'), character: 4 });
    assert.match(hover!.contents.value, /\| path \|/);
    const bigDone = /big\.c v1: [\d.]+ ms in a worker/;
    assert.ok(
      !client.logs.some((l) => bigDone.test(l)),
      'the hover on the small file was answered before the big one was done',
    );
    const diags = await client.waitForDiagnostics(
      bigUri,
      (d) => d.some((x) => /functions were not analysed/.test(x.message)),
      100_000,
    );
    const notice = diags.find((x) => /functions were not analysed/.test(x.message))!;
    assert.match(notice.message, /the file's functions used up its budget of 5000 path states/);
    const lenses = (await client.codeLenses(bigUri))!;
    assert.ok(
      lenses.some((l) => l.command!.title.startsWith("⚠ not analysed: the file's functions used up its budget")),
      'a lens says where the budget cut',
    );
    assert.ok(
      client.logs.some((l) => bigDone.test(l)),
      client.logs.join('\n'),
    );
    client.close(bigUri);
    await client.waitForDiagnostics(bigUri, (d) => d.length === 0);
    assert.ok(client.alive);
  });

  test('a binary file named .c: not analysed, and a diagnostic says why', async () => {
    const binUri = fileUri(path.join(ws.dir, 'blob.c'));
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    client.open(binUri, bytes.toString('latin1'));
    const diags = await client.waitForDiagnostics(binUri, (d) => d.length > 0);
    assert.equal(diags.length, 1);
    assert.match(diags[0].message, /Refcount Lens: not analysed: the file looks binary/);
    assert.deepEqual(await client.inlayHints(binUri), []);
    assert.deepEqual(await client.codeLenses(binUri), []);
    assert.ok(client.alive);
    client.close(binUri);
  });

  test('a document closed while its analysis runs: the result is dropped, nothing is published after the close', {
    timeout: 60_000,
  }, async () => {
    const bigUri = fileUri(path.join(ws.dir, 'closing.c'));
    client.open(bigUri, bigCFile(1024 * 1024));
    await client.waitFor(
      () => client.statuses.some((s) => s.state === 'analysing' && s.uri === bigUri),
      10_000,
      'analysing closing.c',
    );
    const hoverWhileOpen = client.hover(bigUri, { line: 10, character: 2 });
    client.close(bigUri);
    assert.equal(await hoverWhileOpen, null, 'the pending request answers empty');
    await client.waitForDiagnostics(bigUri, (d) => d.length === 0);
    await client.waitFor(
      () => client.logs.find((l) => l.includes(`analysis of ${bigUri} cancelled`)),
      10_000,
      'the cancellation in the log',
    );
    const published = client.diagnostics.get(bigUri);
    await new Promise((r) => setTimeout(r, 500)); // a late result would be published about now
    assert.equal(client.diagnostics.get(bigUri), published);
    assert.deepEqual(published, []);
    // a small document closed right after opening: requests answer empty, no error
    const smallUri = fileUri(path.join(ws.dir, 'brief.c'));
    client.open(smallUri, fixtureText);
    client.close(smallUri);
    assert.deepEqual(await client.inlayHints(smallUri), []);
    assert.ok(client.alive);
  });

  test('a burst of 100 edits: one answer for the last text, stale results never shown', async () => {
    const uri = fileUri(path.join(ws.dir, 'burst.c'));
    client.open(uri, fixtureText);
    await client.waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'contract'));
    const line = lineOf(fixtureText, 'vp->vp_unit = unit;');
    let version = 1;
    for (let i = 0; i < 100; i++) {
      // each keystroke adds a statement inside the handler, as typing would
      version = client.insert(uri, { line, character: 0 }, `\tvp_n${i} = ${i};\n`);
    }
    const hints = (await client.inlayHints(uri))!;
    const shifted = lineOf(fixtureText, 'error = vpipe_new_node(') + 100;
    assert.deepEqual(hints.filter((h) => h.position.line === shifted).map(hintText), ['+2 cdev (MAKEDEV_REF)']);
    await client.waitFor(
      () => client.diagnosticVersions.get(uri) === version,
      10_000,
      'diagnostics of the last version',
    );
    assert.ok(
      client.diagnostics
        .get(uri)!
        .some(
          (d) =>
            codeOf(d) === 'contract' &&
            d.range.start.line ===
              lineOf(fixtureText, 'dev_ref(*dev);', lineOf(fixtureText, 'vpipe_new_node(vp')) + 100,
        ),
    );
    const runs = client.logs.filter((l) => /burst\.c v\d+: [\d.]+ ms/.test(l)).length;
    assert.ok(runs <= 5, `debounced: ${runs} analyses for 100 edits`);
    assert.ok(client.alive);
    client.close(uri);
  });
});

describe('language server: a worker that fails', () => {
  let client: LspClient;
  let ws: { dir: string; remove(): void };
  before(async () => {
    ws = tempWorkspace({});
    client = await LspClient.start({
      rootDir: ws.dir,
      // every document goes to a worker; the one named crashy.c makes it throw (the shared worker's test hook)
      initializationOptions: { limits: { largeFileChars: 1000 } },
      env: { REFCOUNT_LENS_FAULT: 'crash:crashy.c' },
    });
  });
  after(async () => {
    await client.stop();
    ws.remove();
  });

  test('its document gets a diagnostic saying why, a new worker takes the next one, the server stays up', async () => {
    const crashyUri = fileUri(path.join(ws.dir, 'crashy.c'));
    client.open(crashyUri, fixtureText);
    const diags = await client.waitForDiagnostics(crashyUri, (d) => d.length > 0);
    assert.equal(diags.length, 1);
    assert.match(
      diags[0].message,
      /^Refcount Lens: not analysed: the analysis crashed \(injected crash on .*crashy\.c\)$/,
    );
    assert.ok(
      client.logs.some((l) => /the analysis crashed .* while analysing .*crashy\.c; starting a new worker/.test(l)),
      client.logs.join('\n'),
    );
    const fineUri = fileUri(path.join(ws.dir, 'fine.c'));
    client.open(fineUri, fixtureText);
    await client.waitForDiagnostics(fineUri, (d) => d.some((x) => codeOf(x) === 'contract'));
    await client.waitFor(
      () => client.logs.some((l) => /fine\.c v1: [\d.]+ ms in a worker/.test(l)),
      10_000,
      'fine.c analysed in a worker',
    );
    assert.ok(client.alive);
  });
});

describe('language server: inferred pairs', () => {
  test('a get/put pair without a model entry gives hints marked (inferred)', async () => {
    const text = [
      'struct gizmo;',
      'void gizmo_get(struct gizmo *g);',
      'void gizmo_put(struct gizmo *g);',
      'void',
      'gizmo_twice(struct gizmo *g)',
      '{',
      '\tgizmo_get(g);',
      '\tgizmo_put(g);',
      '}',
      '',
    ].join('\n');
    const ws = tempWorkspace({ 'g.c': text });
    const client = await LspClient.start({ rootDir: ws.dir });
    try {
      const uri = fileUri(path.join(ws.dir, 'g.c'));
      client.open(uri, text);
      const hints = (await client.inlayHints(uri))!.map(hintText);
      assert.deepEqual(hints, ['+1 gizmo (inferred)', '-1 gizmo (inferred)']);
    } finally {
      await client.stop();
      ws.remove();
    }
  });
});

describe("language server: inferred pairs become the user's own", () => {
  const text = fs.readFileSync(path.join(ROOT, 'test/fixtures/inference/gizmo_lookup.c'), 'utf8');

  test('the quick fix writes the pair into .refcount-lens.json, and the hints stop being inferred', async () => {
    const ws = tempWorkspace({
      'g.c': text,
      '.refcount-lens.json': JSON.stringify({ note: 'kept', functions: { other_get: { acquire: 'arg0' } } }),
    });
    const client = await LspClient.start({ rootDir: ws.dir });
    try {
      const uri = fileUri(path.join(ws.dir, 'g.c'));
      client.open(uri, text);
      assert.deepEqual((await client.inlayHints(uri))!.map(hintText), ['+1 object (inferred)', '-1 object (inferred)']);
      const line = lineOf(text, 'gizmo_lookup_by_id(id)');
      type Action = {
        title: string;
        kind: string;
        edit: { documentChanges: { textDocument: { uri: string }; edits: { newText: string }[] }[] };
      };
      const actions = await client.request<Action[]>('textDocument/codeAction', {
        textDocument: { uri },
        range: { start: { line, character: 0 }, end: { line, character: 0 } },
        context: { diagnostics: [] },
      });
      assert.equal(actions.length, 1);
      assert.match(actions[0].title, /gizmo_lookup_by_id\/gizmo_put/);
      assert.equal(actions[0].kind, 'quickfix');
      const change = actions[0].edit.documentChanges[0];
      assert.equal(change.textDocument.uri, fileUri(path.join(ws.dir, '.refcount-lens.json')));
      const written = JSON.parse(change.edits[0].newText);
      assert.equal(written.note, 'kept');
      assert.deepEqual(written.functions, {
        other_get: { acquire: 'arg0' },
        gizmo_lookup_by_id: { acquire: 'ret', when: 'ret != NULL' },
        gizmo_put: { release: 'arg0' },
      });
      // what the editor does with the edit, then the file watcher's notice
      fs.writeFileSync(path.join(ws.dir, '.refcount-lens.json'), change.edits[0].newText);
      void client.conn.sendNotification('workspace/didChangeWatchedFiles', {
        changes: [{ uri: change.textDocument.uri, type: 2 }],
      });
      const hints = await client.waitFor(
        async () => {
          const h = (await client.inlayHints(uri))!.map(hintText);
          return h.length === 2 && !h.some((x) => x.includes('inferred')) ? h : undefined;
        },
        20_000,
        'hints from the model file',
      );
      assert.deepEqual(hints, ['+1 object', '-1 object']);
      const none = await client.request<Action[]>('textDocument/codeAction', {
        textDocument: { uri },
        range: { start: { line, character: 0 }, end: { line, character: 0 } },
        context: { diagnostics: [] },
      });
      assert.deepEqual(none, []);
    } finally {
      await client.stop();
      ws.remove();
    }
  });

  test('refcountLens.inference off: no inferred effects, no quick fix', async () => {
    const ws = tempWorkspace({ 'g.c': text });
    const client = await LspClient.start({ rootDir: ws.dir, settings: { inference: false } });
    try {
      const uri = fileUri(path.join(ws.dir, 'g.c'));
      client.open(uri, text);
      await client.waitForDiagnostics(uri, () => true);
      assert.deepEqual((await client.inlayHints(uri))!.map(hintText), []);
      client.changeSettings({ inference: true });
      await client.waitFor(
        async () => ((await client.inlayHints(uri))!.length === 2 ? true : undefined),
        20_000,
        'inferred hints after the setting changes',
      );
    } finally {
      await client.stop();
      ws.remove();
    }
  });
});

describe('language server: model files', () => {
  const source = [
    'struct widget;',
    'int widget_grab(struct widget *w);',
    'void widget_drop(struct widget *w);',
    '',
    'int',
    'widget_poke(struct widget *w, int flags)',
    '{',
    '\twidget_grab(w);',
    '\tif (flags & 1)',
    '\t\treturn (1);',
    '\twidget_drop(w);',
    '\treturn (0);',
    '}',
    '',
  ].join('\n');
  const model = JSON.stringify(
    {
      functions: {
        widget_grab: { acquire: 'arg0', kind: 'widget' },
        widget_drop: { release: 'arg0', kind: 'widget' },
        widget_bad: { acquire: 'arg0', release: 'arg0' },
      },
    },
    null,
    2,
  );

  const rootModel =
    'a .refcount-lens.json at the root loads; its broken entry is reported at its line; hints link to the entries';
  test(rootModel, async () => {
    const ws = tempWorkspace({ '.refcount-lens.json': model, 'w.c': source });
    const client = await LspClient.start({ rootDir: ws.dir, initializationOptions: { trusted: true } });
    try {
      const modelUri = fileUri(path.join(ws.dir, '.refcount-lens.json'));
      const modelDiags = await client.waitForDiagnostics(modelUri, (d) => d.length > 0);
      assert.match(modelDiags[0].message, /widget_bad: give exactly one of acquire/);
      assert.equal(modelDiags[0].range.start.line, lineOf(model, '"widget_bad"'));
      const uri = fileUri(path.join(ws.dir, 'w.c'));
      client.open(uri, source);
      await client.waitFor(() => client.diagnosticVersions.has(uri), 20_000, 'the analysis of w.c');
      const hints = (await client.inlayHints(uri))!;
      const grab = hints.find((h) => hintText(h) === '+1 widget')!;
      assert.ok(grab, JSON.stringify(hints));
      const part = (grab.label as { location?: { uri: string; range: { start: { line: number } } } }[])[0];
      assert.equal(part.location?.uri, modelUri);
      assert.equal(part.location?.range.start.line, lineOf(model, '"widget_grab"'));
      assert.ok(
        client.statuses.some((s) => typeof s.message === 'string' && /problem\(s\) in the model file/.test(s.message)),
      );
    } finally {
      await client.stop();
      ws.remove();
    }
  });

  test('a model file that is not JSON: reported at its line, the presets still work', async () => {
    const broken = '{\n  "functions": {\n    "widget_grab": { "acquire": "arg0" },\n    oops\n  }\n}\n';
    const ws = tempWorkspace({ '.refcount-lens.json': broken, 'vpipe.c': fixtureText });
    const client = await LspClient.start({ rootDir: ws.dir });
    try {
      const modelUri = fileUri(path.join(ws.dir, '.refcount-lens.json'));
      const modelDiags = await client.waitForDiagnostics(modelUri, (d) => d.length > 0);
      assert.match(modelDiags[0].message, /not valid JSON/);
      assert.equal(modelDiags[0].range.start.line, 3);
      const uri = fileUri(path.join(ws.dir, 'vpipe.c'));
      client.open(uri, fixtureText);
      await client.waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'contract'));
      // fixing the file on disk (the watcher's event) clears the model diagnostics
      fs.writeFileSync(path.join(ws.dir, '.refcount-lens.json'), model.replace(/,\s*"widget_bad"[^}]*}/, ''));
      void client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: modelUri, type: 2 }] });
      await client.waitForDiagnostics(modelUri, (d) => d.length === 0);
      assert.ok(client.alive);
    } finally {
      await client.stop();
      ws.remove();
    }
  });

  test('an untrusted workspace loads only the presets until trust is granted', async () => {
    const ws = tempWorkspace({ '.refcount-lens.json': model, 'w.c': source });
    const client = await LspClient.start({ rootDir: ws.dir, initializationOptions: { trusted: false } });
    try {
      const uri = fileUri(path.join(ws.dir, 'w.c'));
      client.open(uri, source);
      assert.deepEqual(
        (await client.inlayHints(uri))!.map(hintText).filter((t) => t.includes('widget') && !t.includes('inferred')),
        [],
      );
      assert.ok(
        !client.diagnostics.has(fileUri(path.join(ws.dir, '.refcount-lens.json'))),
        'the model file is not even read',
      );
      void client.conn.sendNotification('refcountLens/trust', { trusted: true });
      const hints = await client.waitFor(
        async () => {
          const h = (await client.inlayHints(uri))!.map(hintText);
          return h.includes('+1 widget') ? h : undefined;
        },
        10_000,
        'model hints after trust',
      );
      assert.ok(hints.includes('-1 widget'));
    } finally {
      await client.stop();
      ws.remove();
    }
  });
});
