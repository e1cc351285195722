// The language features on the vpipe fixture, through VS Code's own provider commands, in
// the real extension host (code-server) started by `npm run test:e2e`.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until } from './until';

const EXTENSION_ID = 'refcount-lens.refcount-lens';

interface Api {
  paths(): { functionName: string; pathId: number; stepIndex: number; lines: number[] } | undefined;
  status(): { text: string; state: { state: string; problems: number } };
}

const labelText = (h: vscode.InlayHint): string =>
  (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')).replace(/\u00a0/g, ' ');

const codeOf = (d: vscode.Diagnostic): string => String(typeof d.code === 'object' ? d.code.value : d.code);

function hoverText(hovers: vscode.Hover[]): string {
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

suite('Refcount Lens: language features on vpipe.c', () => {
  let doc: vscode.TextDocument;
  let api: Api;
  const whole = () => new vscode.Range(0, 0, doc.lineCount, 0);
  const hints = async () =>
    (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, whole())) ??
    [];
  const lenses = async () =>
    (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
  const lineOf = (text: string, from = 0) => {
    for (let i = from; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(text)) return i;
    throw new Error(`no line with ${text}`);
  };

  suiteSetup(async () => {
    const [file] = await vscode.workspace.findFiles('**/vpipe.c');
    assert.ok(file, 'vpipe.c is in the fixture workspace');
    doc = await vscode.workspace.openTextDocument(file);
    original.set(doc.uri.toString(), doc.getText());
    await vscode.window.showTextDocument(doc);
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} not found`);
    api = (await ext.activate()) as Api;
  });

  const original = new Map<string, string>();

  suiteTeardown(async () => {
    await vscode.workspace
      .getConfiguration('refcountLens')
      .update('inlayHints.enabled', undefined, vscode.ConfigurationTarget.Global);
    // Put the fixture's text back and save it: the workbench may save a dirty file as the
    // window closes, and the fixture must stay as it is in the repository.
    const text = original.get(doc.uri.toString());
    if (text !== undefined && doc.getText() !== text) {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
      await vscode.workspace.applyEdit(edit);
    }
    if (doc.isDirty) await doc.save();
  });

  test('diagnostics: the contract error with related information at the differing paths', async () => {
    const contract = await until('the contract diagnostic', () =>
      vscode.languages.getDiagnostics(doc.uri).find((d) => codeOf(d) === 'contract'),
    );
    assert.strictEqual(contract.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(contract.source, 'refcount-lens');
    const handsOut = /^vpipe_lookup\(\): dev_clone handler hands out \+2 on \*dev beyond the existence reference/;
    assert.match(contract.message, new RegExp(handsOut.source + / \(expected \+1; total \+3\)/.source));
    assert.strictEqual(contract.range.start.line, lineOf('dev_ref(*dev);', lineOf('vpipe_new_node(vp, cred, dev)')));
    const related = contract.relatedInformation ?? [];
    const relatedLines = related.map((r) => r.location.range.start.line);
    assert.ok(
      related.some((r) => /MAKEDEV_REF/.test(r.message)),
      'a related entry names the MAKEDEV_REF creation',
    );
    assert.ok(
      relatedLines.includes(lineOf('vpipe_new_node(vp, cred, dev)')),
      'related information at the creating call',
    );
    assert.ok(
      relatedLines.includes(lineOf('EVENTHANDLER_REGISTER(dev_clone')),
      'related information at the registration',
    );
  });

  test('the status bar counts the problems of the open files', async () => {
    // other suites may leave C files open: at least vpipe.c's one problem is counted
    const s = await until('status "N problems"', () => {
      const st = api.status();
      return /^Refcount Lens: \d+ problems?$/.test(st.text) && st.state.problems >= 1 ? st : undefined;
    });
    assert.strictEqual(s.text, `Refcount Lens: ${s.state.problems} problem${s.state.problems === 1 ? '' : 's'}`);
  });

  test('inlay hints: +2 cdev (MAKEDEV_REF) at the helper call, +1 cdev at each dev_ref', async () => {
    const all = await until('inlay hints', async () => ((await hints()).length ? hints() : undefined));
    const at = (line: number) => all.filter((h) => h.position.line === line).map(labelText);
    const create = lineOf('error = vpipe_new_node(vp, cred, dev);');
    assert.deepStrictEqual(at(create), ['+2 cdev (MAKEDEV_REF)']);
    assert.deepStrictEqual(at(lineOf('dev_ref(*dev);')), ['+1 cdev']);
    assert.deepStrictEqual(at(lineOf('dev_ref(*dev);', create)), ['+1 cdev']);
    assert.deepStrictEqual(at(lineOf('crfree(vp->vp_cred)')), ['-1 ucred']);
    // after the call's closing parenthesis, not inside it
    const h = all.find((x) => x.position.line === create)!;
    assert.strictEqual(doc.getText(new vscode.Range(h.position.translate(0, -1), h.position)), ')');
    const tip = h.tooltip instanceof vscode.MarkdownString ? h.tooltip.value : String(h.tooltip);
    assert.match(tip, /#4/);
  });

  test('code lenses: the object summary and the contract problem', async () => {
    const titles = await until('code lenses', async () => {
      const t = (await lenses()).map((l) => l.command?.title ?? '');
      return t.some((x) => x.startsWith('contract:')) ? t : undefined;
    });
    assert.ok(titles.includes('*dev cdev: +3 new · +1 existing · 0 on 3 paths'), titles.join('\n'));
    assert.ok(titles.includes('contract: dev_clone handler hands out +2 (expected +1)'), titles.join('\n'));
    const lens = (await lenses()).find((l) => l.command?.title.startsWith('contract:'))!;
    assert.strictEqual(lens.command!.command, 'refcountLens.showPaths');
    assert.strictEqual(lens.range.start.line, lineOf('vpipe_lookup(void *arg'));
  });

  test('hover on the function name: the path table', async () => {
    const pos = new vscode.Position(lineOf('vpipe_lookup(void *arg'), 3);
    const text = await until('a hover', async () =>
      hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos)),
    );
    assert.match(text, /\*\*vpipe_lookup\(\)\*\* — dev_clone handler/);
    assert.match(text, /\| path \| conditions \| exit line \| returns \| `\*dev \(cdev\)` \|/);
    assert.match(text, /\| #4 \| .* \| 77 \| void \| \+3 \(\+1 existence, \+2 refs\) \|/);
    assert.match(text, /\| #2 \| .* \| 67 \| void \| \+1 \|/);
  });

  test('hover on a counted call: its steps', async () => {
    const line = lineOf('error = vpipe_new_node(vp, cred, dev);');
    const pos = new vscode.Position(line, doc.lineAt(line).text.indexOf('vpipe_new_node') + 2);
    const text = hoverText(
      await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos),
    );
    assert.match(
      text,
      /\*\*vpipe_new_node\(\)\*\* \+2 on `\*dev` \(cdev, MAKEDEV_REF\): the count after it: \+2 on path #4/,
    );
    assert.match(text, /line 71 vpipe_new_node\(\) \+2 \(MAKEDEV_REF\), now \+2 · line 76 dev_ref\(\) \+1, now \+3/);
  });

  test('Show Paths from the lens highlights the path; next/previous path and step move', async () => {
    const lens = (await lenses()).find((l) => l.command?.title.startsWith('contract:'))!;
    await vscode.commands.executeCommand(lens.command!.command, ...(lens.command!.arguments ?? []));
    const shown = api.paths();
    assert.ok(shown, 'a path is shown');
    assert.strictEqual(shown.functionName, 'vpipe_lookup');
    assert.strictEqual(shown.pathId, 4);
    assert.ok(shown.lines.includes(76) && shown.lines.includes(71));
    await vscode.commands.executeCommand('refcountLens.nextStep');
    assert.strictEqual(api.paths()!.stepIndex, 1);
    assert.strictEqual(
      vscode.window.activeTextEditor!.selection.active.line,
      75,
      'the cursor is on the second step (dev_ref)',
    );
    await vscode.commands.executeCommand('refcountLens.nextPath');
    assert.strictEqual(api.paths()!.pathId, 0);
    await vscode.commands.executeCommand('refcountLens.previousPath');
    assert.strictEqual(api.paths()!.pathId, 4);
    await vscode.commands.executeCommand('refcountLens.hidePaths');
    assert.strictEqual(api.paths(), undefined);
  });

  test('an edit removing the extra dev_ref updates the hints and clears the diagnostic', async () => {
    const extra = lineOf('dev_ref(*dev);', lineOf('vpipe_new_node(vp, cred, dev)'));
    const edit = new vscode.WorkspaceEdit();
    edit.delete(doc.uri, doc.lineAt(extra).rangeIncludingLineBreak);
    assert.ok(await vscode.workspace.applyEdit(edit));
    await until(
      'the contract diagnostic to go',
      () => !vscode.languages.getDiagnostics(doc.uri).some((d) => codeOf(d) === 'contract'),
    );
    const after = await until('hints of the edited text', async () => {
      const all = await hints();
      return all.length && !all.some((h) => h.position.line === extra && labelText(h) === '+1 cdev') ? all : undefined;
    });
    assert.ok(after.some((h) => labelText(h) === '+2 cdev (MAKEDEV_REF)'));
    const titles = await until('the updated lens', async () => {
      const t = (await lenses()).map((l) => l.command?.title ?? '');
      return t.includes('*dev cdev: +2 new · +1 existing · 0 on 3 paths') ? t : undefined;
    });
    assert.ok(!titles.some((t) => t.startsWith('contract:')), titles.join('\n'));
  });

  test('turning refcountLens.inlayHints.enabled off removes the hints', async () => {
    assert.ok((await hints()).length > 0);
    await vscode.workspace
      .getConfiguration('refcountLens')
      .update('inlayHints.enabled', false, vscode.ConfigurationTarget.Global);
    await until('no inlay hints', async () => (await hints()).length === 0);
    assert.ok((await lenses()).length > 0, 'code lenses stay');
    await vscode.workspace
      .getConfiguration('refcountLens')
      .update('inlayHints.enabled', undefined, vscode.ConfigurationTarget.Global);
    await until('inlay hints again', async () => (await hints()).length > 0);
  });
});

suite('Refcount Lens: model files in the editor', () => {
  test('an inferred pair: hints say so, and the quick fix writes the pair into .refcount-lens.json', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-infer-'));
    const cFile = path.join(dir, 'gizmo.c');
    fs.copyFileSync(path.resolve(__dirname, '../../../../test/fixtures/inference/gizmo_lookup.c'), cFile);
    try {
      const doc = await vscode.workspace.openTextDocument(cFile);
      await vscode.window.showTextDocument(doc);
      const whole = new vscode.Range(0, 0, doc.lineCount, 0);
      const labels = await until('inferred hints', async () => {
        const h = (
          (await vscode.commands.executeCommand<vscode.InlayHint[]>(
            'vscode.executeInlayHintProvider',
            doc.uri,
            whole,
          )) ?? []
        ).map(labelText);
        return h.length ? h : undefined;
      });
      assert.deepStrictEqual(labels, ['+1 object (inferred)', '-1 object (inferred)']);
      const callLine = doc
        .getText()
        .split('\n')
        .findIndex((l) => l.includes('gizmo_lookup_by_id(id)'));
      const at = new vscode.Range(callLine, 0, callLine, 0);
      const actions = await until('the quick fix', async () => {
        const a =
          (await vscode.commands.executeCommand<vscode.CodeAction[]>(
            'vscode.executeCodeActionProvider',
            doc.uri,
            at,
          )) ?? [];
        return a.filter((x) => /gizmo_lookup_by_id\/gizmo_put/.test(x.title)).length ? a : undefined;
      });
      const fix = actions.find((x) => /gizmo_lookup_by_id\/gizmo_put/.test(x.title))!;
      assert.strictEqual(fix.kind?.value, 'quickfix');
      assert.ok(await vscode.workspace.applyEdit(fix.edit!), 'the edit applies');
      const model = await vscode.workspace.openTextDocument(path.join(dir, '.refcount-lens.json'));
      assert.deepStrictEqual(JSON.parse(model.getText()).functions, {
        gizmo_lookup_by_id: { acquire: 'ret', when: 'ret != NULL' },
        gizmo_put: { release: 'arg0' },
      });
      await model.save();
      assert.deepStrictEqual(
        Object.keys(JSON.parse(fs.readFileSync(path.join(dir, '.refcount-lens.json'), 'utf8')).functions),
        ['gizmo_lookup_by_id', 'gizmo_put'],
      );
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('.refcount-lens.json is validated against the contributed schema (jsonValidation)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-schema-'));
    const file = path.join(dir, '.refcount-lens.json');
    fs.writeFileSync(file, '{\n  "functions": { "spa_open": { "acquire": "*arg1" } },\n  "bogus": 1\n}\n');
    try {
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      const problems = await until('a schema diagnostic', () => {
        const d = vscode.languages.getDiagnostics(doc.uri);
        return d.length ? d : undefined;
      });
      assert.ok(
        problems.some((d) => d.range.start.line === 2 && /bogus|not allowed/i.test(d.message)),
        problems.map((d) => d.message).join('\n'),
      );
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
