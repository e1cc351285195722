// The workspace index in the real VS Code (code-server) started by `npm run test:e2e`: the leak in
// index/ifx_user.c is only visible through ifx_ready(), a helper in index/ifx_util.c. Once the
// server has indexed the workspace folder the leak shows as a diagnostic and the hint at the call
// says what the helper does; the helper fixed in its own file and saved, both go away.
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import { until } from './until';

const labelText = (h: vscode.InlayHint): string =>
  (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')).replace(/\u00a0/g, ' ');

const codeOf = (d: vscode.Diagnostic): string => String(typeof d.code === 'object' ? d.code.value : d.code);

suite('Refcount Lens: the workspace index', () => {
  let helper: { doc: vscode.TextDocument; text: string } | undefined;

  async function open(name: string): Promise<vscode.TextDocument> {
    const [file] = await vscode.workspace.findFiles(`**/index/${name}`);
    assert.ok(file, `index/${name} is in the fixture workspace`);
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    return doc;
  }

  const lineOf = (doc: vscode.TextDocument, text: string) => {
    for (let i = 0; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(text)) return i;
    throw new Error(`no line with ${text}`);
  };

  const hintsAt = async (doc: vscode.TextDocument, line: number) => {
    const whole = new vscode.Range(0, 0, doc.lineCount, 0);
    const hints =
      (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, whole)) ??
      [];
    return hints.filter((h) => h.position.line === line).map(labelText);
  };

  suiteTeardown(async () => {
    // the helper stays as it is in the repository
    if (helper && helper.doc.getText() !== helper.text) {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(helper.doc.uri, new vscode.Range(0, 0, helper.doc.lineCount, 0), helper.text);
      await vscode.workspace.applyEdit(edit);
    }
    if (helper?.doc.isDirty) await helper.doc.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a leak through a helper in another file: diagnostic and hint, gone when the helper is fixed', async () => {
    const user = await open('ifx_user.c');
    const call = lineOf(user, 'ifx_ready(ifp)');
    const leak = await until('the leak found through the index', () =>
      vscode.languages.getDiagnostics(user.uri).find((d) => codeOf(d) === 'leak'),
    );
    assert.strictEqual(leak.range.start.line, call);
    assert.match(leak.message, /keeps \+1 reference taken at line \d+ by ifx_ready\(\)/);
    await until('the hint at the helper', async () => {
      const at = await hintsAt(user, call);
      return at.length === 1 && at[0] === '+1 ifnet';
    });

    // the fix, in the helper's own file: edited and saved as a user does
    const util = await open('ifx_util.c');
    helper = { doc: util, text: util.getText() };
    const extra = lineOf(util, 'if_ref(ifp);');
    const edit = new vscode.WorkspaceEdit();
    edit.delete(util.uri, new vscode.Range(extra, 0, extra + 1, 0));
    assert.ok(await vscode.workspace.applyEdit(edit), 'the edit applies');
    assert.ok(await util.save(), 'the helper is saved');
    await until('the leak to go', () => !vscode.languages.getDiagnostics(user.uri).some((d) => codeOf(d) === 'leak'));
    await until('the hint at the helper to go', async () => (await hintsAt(user, call)).length === 0);
  });
});
