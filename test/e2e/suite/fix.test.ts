// Verified quick fixes in the real VS Code (code-server) started by `npm run test:e2e`: the fix-it
// on a tunclone-like dev_clone handler (fixes/tclone.c) and on a leak (fixes/leaky.c), applied
// as a user applies a quick fix, and what the editor shows afterwards.
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import { until } from './until';

const labelText = (h: vscode.InlayHint): string =>
  (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')).replace(/\u00a0/g, ' ');

const codeOf = (d: vscode.Diagnostic): string => String(typeof d.code === 'object' ? d.code.value : d.code);

suite('Refcount Lens: verified quick fixes', () => {
  const originals = new Map<string, { doc: vscode.TextDocument; text: string }>();

  async function open(name: string): Promise<vscode.TextDocument> {
    const [file] = await vscode.workspace.findFiles(`**/fixes/${name}`);
    assert.ok(file, `fixes/${name} is in the fixture workspace`);
    const doc = await vscode.workspace.openTextDocument(file);
    originals.set(doc.uri.toString(), { doc, text: doc.getText() });
    await vscode.window.showTextDocument(doc);
    return doc;
  }

  const lineOf = (doc: vscode.TextDocument, text: string, from = 0) => {
    for (let i = from; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(text)) return i;
    throw new Error(`no line with ${text}`);
  };

  /** The quick fixes VS Code gets for the diagnostic's range (with the diagnostic, as the light bulb asks). */
  async function quickFixes(doc: vscode.TextDocument, d: vscode.Diagnostic): Promise<vscode.CodeAction[]> {
    return until('quick fixes', async () => {
      const all =
        (await vscode.commands.executeCommand<vscode.CodeAction[]>(
          'vscode.executeCodeActionProvider',
          doc.uri,
          d.range,
          vscode.CodeActionKind.QuickFix.value,
        )) ?? [];
      // the command's actions carry their title, kind and edit (not their diagnostics)
      const fixes = all.filter((a) => a.kind?.value === 'quickfix' && a.edit && !/refcount-lens\.json/.test(a.title));
      return fixes.length ? fixes : undefined;
    });
  }

  suiteTeardown(async () => {
    // the fixtures stay as they are in the repository
    for (const { doc, text } of originals.values()) {
      if (doc.getText() !== text) {
        const edit = new vscode.WorkspaceEdit();
        edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
        await vscode.workspace.applyEdit(edit);
      }
      if (doc.isDirty) await doc.save();
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('tclone.c: the contract fix moves dev_ref(*dev) to the existing-device branch; the lens reads +2', async () => {
    const doc = await open('tclone.c');
    const contract = await until('the contract diagnostic', () =>
      vscode.languages.getDiagnostics(doc.uri).find((d) => codeOf(d) === 'contract'),
    );
    const lenses = async () =>
      ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? []).map(
        (l) => l.command?.title ?? '',
      );
    await until('the +3 lens', async () => (await lenses()).some((t) => t.startsWith('*dev cdev: +3 new')));
    const fixes = await quickFixes(doc, contract);
    assert.strictEqual(fixes.length, 1, fixes.map((f) => f.title).join('\n'));
    const [fix] = fixes;
    assert.match(
      fix.title,
      /^Move dev_ref\(\*dev\) to a new else of the if at line 45 \(clone_create\(\) found an existing device\)$/,
    );
    assert.strictEqual(fix.kind?.value, 'quickfix');
    assert.strictEqual(fix.isPreferred, true, 'the only verified edit is the preferred one');
    assert.ok(await vscode.workspace.applyEdit(fix.edit!), 'the edit applies');
    assert.match(doc.getText(), /\tif \(i\)\n\t\ti = tc_make\(unit, cred, dev\);\n\telse\n\t\tdev_ref\(\*dev\);\n\}/);
    await until(
      'the contract diagnostic to go',
      () => !vscode.languages.getDiagnostics(doc.uri).some((d) => codeOf(d) === 'contract'),
    );
    const titles = await until('the lens of the fixed handler', async () => {
      const t = await lenses();
      return t.some((x) => x.startsWith('*dev cdev: +2 new · +1 existing')) ? t : undefined;
    });
    assert.ok(!titles.some((t) => t.startsWith('contract:')), titles.join('\n'));
  });

  test('leaky.c: the leak fix adds if_rele(ifp) on the error path; the hint shows the release', async () => {
    const doc = await open('leaky.c');
    const leak = await until('the leak diagnostic', () =>
      vscode.languages.getDiagnostics(doc.uri).find((d) => codeOf(d) === 'leak'),
    );
    const [fix] = await quickFixes(doc, leak);
    assert.strictEqual(fix.title, 'Add if_rele(ifp) before the return at line 24');
    assert.ok(await vscode.workspace.applyEdit(fix.edit!), 'the edit applies');
    const added = lineOf(doc, 'if_rele(ifp);');
    assert.strictEqual(doc.lineAt(added - 1).text, '\tif (ifp->if_mtu < 576) {');
    assert.strictEqual(doc.lineAt(added + 1).text, '\t\treturn (EMSGSIZE);', 'the return keeps its parentheses');
    await until(
      'the leak diagnostic to go',
      () => !vscode.languages.getDiagnostics(doc.uri).some((d) => codeOf(d) === 'leak'),
    );
    const whole = new vscode.Range(0, 0, doc.lineCount, 0);
    const labels = await until('a hint at the new release', async () => {
      const hints =
        (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, whole)) ??
        [];
      const at = hints.filter((h) => h.position.line === added).map(labelText);
      return at.length ? at : undefined;
    });
    assert.deepStrictEqual(labels, ['-1 ifnet']);
  });
});
