/**
 * Verified fix-its as the language server offers them (dist/server.js over stdio): quick fixes
 * on the diagnostics, preferred when there is one, tied to the document version they were
 * computed for, with the verification in their change annotation; a disabled action with the
 * reason when there is none. Applying the edit as a client does clears the diagnostic.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileUri, LspClient, ROOT, type LspDiagnostic, type Range } from '../helpers/lsp-client';

interface Edit {
  range: Range;
  newText: string;
  annotationId?: string;
}
interface Action {
  title: string;
  kind: string;
  isPreferred?: boolean;
  diagnostics?: LspDiagnostic[];
  disabled?: { reason: string };
  edit?: {
    documentChanges: { textDocument: { uri: string; version: number }; edits: Edit[] }[];
    changeAnnotations?: Record<string, { label: string; description?: string; needsConfirmation?: boolean }>;
  };
}

const CAPABILITIES = {
  workspace: { workspaceEdit: { documentChanges: true, changeAnnotationSupport: { groupsOnLabel: true } } },
  textDocument: { codeAction: { disabledSupport: true, isPreferredSupport: true } },
};

/** The text with LSP edits made (the client's side of applying a quick fix). */
function applyLsp(text: string, edits: Edit[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const at = (p: { line: number; character: number }) => starts[p.line] + p.character;
  let out = text;
  for (const e of [...edits].sort((a, b) => at(b.range.start) - at(a.range.start)))
    out = out.slice(0, at(e.range.start)) + e.newText + out.slice(at(e.range.end));
  return out;
}

function workspaceWith(files: Record<string, string>): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-fixws-'));
  for (const [name, from] of Object.entries(files)) fs.copyFileSync(path.join(ROOT, from), path.join(dir, name));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test('the contract quick fix: preferred, for this version, annotated; applied, the error and the +3 go', async () => {
  const ws = workspaceWith({ 'tclone.c': 'test/fixtures/workspace/fixes/tclone.c' });
  const client = await LspClient.start({ rootDir: ws.dir, capabilities: CAPABILITIES });
  try {
    const uri = fileUri(path.join(ws.dir, 'tclone.c'));
    const text = fs.readFileSync(path.join(ws.dir, 'tclone.c'), 'utf8');
    client.open(uri, text);
    const [contract] = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'contract'));
    const actions = await client.request<Action[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: contract.range,
      context: { diagnostics: [contract] },
    });
    assert.equal(actions.length, 1, JSON.stringify(actions.map((a) => a.title)));
    const [fix] = actions;
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.isPreferred, true);
    assert.deepEqual(fix.diagnostics, [contract]);
    assert.match(fix.title, /^Move dev_ref\(\*dev\) to a new else of the if at line 45/);
    const change = fix.edit!.documentChanges[0];
    assert.deepEqual(change.textDocument, { uri, version: 1 });
    const note = fix.edit!.changeAnnotations![change.edits[0].annotationId!];
    assert.equal(note.label, fix.title);
    assert.match(
      note.description!,
      /^verified by analysing the edited text: removes contract in tc_clone\(\) at line 48/,
    );
    const fixed = applyLsp(text, change.edits);
    client.replace(uri, fixed);
    await client.waitForDiagnostics(uri, (d) => !d.some((x) => x.code === 'contract' || x.code === 'leak'));
    const titles = await client.waitFor(async () => {
      const t = ((await client.codeLenses(uri)) ?? []).map((l) => l.command?.title ?? '');
      return t.some((x) => x.startsWith('*dev cdev: +2 new · +1 existing')) ? t : undefined;
    });
    assert.ok(!titles.some((t) => t.startsWith('contract:')), titles.join('\n'));
  } finally {
    await client.stop();
    ws.remove();
  }
});

test('after an edit elsewhere, the quick fix names the new version and the moved lines', async () => {
  const ws = workspaceWith({ 'leaky.c': 'test/fixtures/workspace/fixes/leaky.c' });
  const client = await LspClient.start({ rootDir: ws.dir });
  try {
    const uri = fileUri(path.join(ws.dir, 'leaky.c'));
    const text = fs.readFileSync(path.join(ws.dir, 'leaky.c'), 'utf8');
    client.open(uri, text);
    await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'leak'));
    const version = client.replace(uri, `/* one more line */\n${text}`);
    const leak = await client.waitFor(() => {
      const d = client.diagnostics.get(uri)?.find((x) => x.code === 'leak');
      return d && client.diagnosticVersions.get(uri) === version ? d : undefined;
    });
    const [fix] = await client.request<Action[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: leak.range,
      context: { diagnostics: [leak] },
    });
    assert.equal(fix.title, 'Add if_rele(ifp) before the return at line 25');
    const change = fix.edit!.documentChanges[0];
    assert.equal(change.textDocument.version, version);
    assert.equal(change.edits[0].annotationId, undefined, 'no annotations for a client that does not take them');
    const fixed = applyLsp(`/* one more line */\n${text}`, change.edits);
    assert.match(fixed, /\tif \(ifp->if_mtu < 576\) \{\n\t\tif_rele\(ifp\);\n\t\treturn \(EMSGSIZE\);\n\t\}\n/);
  } finally {
    await client.stop();
    ws.remove();
  }
});

test('no verified fix: a disabled quick fix says why (for a client that shows those)', async () => {
  const ws = workspaceWith({
    'no_release.c': 'test/fixtures/fixes/no_release.c',
    '.refcount-lens.json': 'test/fixtures/fixes/no_release.json',
  });
  const client = await LspClient.start({ rootDir: ws.dir, capabilities: CAPABILITIES });
  try {
    const uri = fileUri(path.join(ws.dir, 'no_release.c'));
    client.open(uri, fs.readFileSync(path.join(ws.dir, 'no_release.c'), 'utf8'));
    const [leak] = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'leak'));
    const actions = await client.request<Action[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: leak.range,
      context: { diagnostics: [leak] },
    });
    assert.deepEqual(
      actions.map((a) => ({ title: a.title, disabled: a.disabled, edit: a.edit })),
      [
        {
          title: 'No verified fix for this leak',
          disabled: { reason: 'Release w: the model has no release row for widget' },
          edit: undefined,
        },
      ],
    );
  } finally {
    await client.stop();
    ws.remove();
  }
});
