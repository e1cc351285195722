// Runs inside the real VS Code extension host (code-server), started by `npm run test:e2e`.
import * as assert from 'node:assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'refcount-lens.refcount-lens';

suite('Refcount Lens: smoke', () => {
  test('the extension is present and activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} not found`);
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });

  test('it registers refcountLens.showOutput', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('refcountLens.showOutput'), 'refcountLens.showOutput is not registered');
    await vscode.commands.executeCommand('refcountLens.showOutput');
  });

  test('the workspace is the C fixture', async () => {
    const files = await vscode.workspace.findFiles('**/clone.c');
    assert.strictEqual(files.length, 1);
    const doc = await vscode.workspace.openTextDocument(files[0]);
    assert.strictEqual(doc.languageId, 'c');
    assert.match(doc.getText(), /dev_ref\(dev\)/);
  });
});
