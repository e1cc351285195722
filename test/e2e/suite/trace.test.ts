// The lifecycle trace in the real extension host (code-server), started by `npm run test:e2e`:
// the command opens the webview, the webview shows the verdict, next/previous step move the
// editor's selection to the step's line, exports and what-ifs work. The fixture is the fixed
// vtx driver (no diagnostics, so other suites' problem counts stay as they are); a what-if that
// leaves out its remove method's if_clone_detach shows the DYING verdict.
import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until } from './until';

const EXTENSION_ID = 'refcount-lens.refcount-lens';

interface Step {
  seq: number;
  line: number;
  function: string;
  object: string;
  before: number;
  after: number;
  kernel?: boolean;
}
interface Trace {
  scenario: string;
  ok: boolean;
  summary: string;
  steps: Step[];
  whatIf: string[];
  problems: { message: string }[];
}
interface Rendered {
  verdict: string;
  steps: number;
  current?: number;
  verdicts: string[];
  where: string[];
  buttons: string[];
  eventLabels: string[];
}
interface TestState {
  open: boolean;
  title?: string;
  summary?: string;
  current?: number;
  steps: number;
  rendered?: Rendered;
}

const webviewTabs = () =>
  vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter(
      (t) =>
        t.input instanceof vscode.TabInputWebview &&
        (t.input as vscode.TabInputWebview).viewType.endsWith('refcountLens.trace'),
    );
const testState = () => vscode.commands.executeCommand<TestState>('refcountLens.trace.testState');

suite('Refcount Lens: lifecycle trace view', () => {
  let doc: vscode.TextDocument;

  suiteSetup(async () => {
    const [file] = await vscode.workspace.findFiles('**/trace/vtx_trace.c');
    assert.ok(file, 'trace/vtx_trace.c is in the fixture workspace');
    doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} not found`);
    await ext.activate();
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the commands and the scenario language are contributed', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const c of [
      'refcountLens.runTrace',
      'refcountLens.trace.nextStep',
      'refcountLens.trace.previousStep',
      'refcountLens.trace.export',
      'refcountLens.trace.whatIf',
    ]) {
      assert.ok(commands.includes(c), `${c} is registered`);
    }
    const [scen] = await vscode.workspace.findFiles('**/trace/seed.rlscenario');
    const sdoc = await vscode.workspace.openTextDocument(scen);
    assert.strictEqual(sdoc.languageId, 'refcount-scenario');
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
  });

  test('Run Lifecycle Trace opens the webview, which shows the verdict', async () => {
    // the server analyses the file first: until then the trace says it has no analysis
    const trace = await until(
      'a trace with steps',
      async () => {
        const t = await vscode.commands.executeCommand<Trace>(
          'refcountLens.runTrace',
          doc.uri,
          'vnet-jail-devfs-clone',
        );
        return t && t.steps.length > 0 ? t : undefined;
      },
      60_000,
    );
    assert.strictEqual(trace.ok, true, trace.summary);
    assert.strictEqual(trace.summary, 'jail test removed; all objects freed');
    await until('the webview tab', () => webviewTabs().length === 1);
    const tab = webviewTabs()[0];
    assert.match(tab.label, /Trace: vnet-jail-devfs-clone/);
    // the webview reports what it rendered (a postMessage round trip)
    const st = await until('the rendered verdict', async () => {
      const s = await testState();
      return s.rendered && /jail test removed/.test(s.rendered.verdict) ? s : undefined;
    });
    const r = st.rendered!;
    assert.match(r.verdict, /jail test removed; all objects freed/);
    assert.strictEqual(r.steps, trace.steps.length);
    // the summary says it all: no verdict below repeats it ("jail test: removed — jail test removed")
    assert.deepStrictEqual(r.verdicts, []);
    // one form for where a step is; a line is always a line of this file, named by its function
    assert.strictEqual(r.where.length, trace.steps.length);
    for (const w of r.where) assert.match(w, /^(\w+\(\) line \d+|\w+, at \w+\(\) line \d+|\w+ \(kernel\))$/, w);
    assert.ok(
      r.where.some((w) => /^devfs, at vtx_clone\(\) line \d+$/.test(w)),
      "devfs's release names the handler's line",
    );
    // whole event labels on the timeline, words on the what-if button
    assert.deepStrictEqual(r.eventLabels, ['jail create test vnet', 'lookup /dev/vtx in test', 'process exit in test']);
    assert.ok(r.buttons.includes('What if it had a remove method?'), r.buttons.join(' | '));
    assert.ok(!r.buttons.some((b) => b.includes('add-remove-method')), 'no raw what-if id on a button');
  });

  test("next and previous step move the editor selection to the step's line", async () => {
    const st0 = await testState();
    assert.ok(st0.steps > 0);
    const first = await vscode.commands.executeCommand<Step>('refcountLens.trace.nextStep');
    assert.ok(first && first.line > 0, 'a step with a line');
    const editorAt = async (line: number) =>
      until(`the selection on line ${line}`, () => {
        const ed = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === doc.uri.toString());
        return ed && ed.selection.active.line === line - 1 ? ed : undefined;
      });
    await editorAt(first.line);
    const second = await vscode.commands.executeCommand<Step>('refcountLens.trace.nextStep');
    assert.ok(second.seq > first.seq);
    const ed = await editorAt(second.line);
    assert.strictEqual(ed.selection.start.line, second.line - 1);
    // the webview follows
    await until('the webview on the current step', async () => (await testState()).rendered?.current === second.seq);
    const back = await vscode.commands.executeCommand<Step>('refcountLens.trace.previousStep');
    assert.strictEqual(back.seq, first.seq);
    await editorAt(first.line);
    // the dev_clone handler makes vtx0 with MAKEDEV_REF: 0 → 2
    const line =
      doc
        .getText()
        .split('\n')
        .findIndex((l) => l.includes('error = vtx_make_device(unit, cred, dev);')) + 1;
    let s: Step = back;
    for (let k = 0; k < 40 && !(s.line === line && s.object === 'vtx0'); k++)
      s = await vscode.commands.executeCommand<Step>('refcountLens.trace.nextStep');
    assert.deepStrictEqual([s.line, s.before, s.after], [line, 0, 2]);
    await editorAt(line);
  });

  test('exports and what-ifs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-trace-e2e-'));
    const sarifFile = path.join(dir, 'trace.sarif');
    await vscode.commands.executeCommand('refcountLens.trace.export', 'sarif', sarifFile);
    const sarif = JSON.parse(fs.readFileSync(sarifFile, 'utf8'));
    assert.strictEqual(sarif.runs[0].results[0].ruleId, 'lifecycle/ok');
    const htmlFile = path.join(dir, 'trace.html');
    await vscode.commands.executeCommand('refcountLens.trace.export', 'html', htmlFile);
    assert.match(fs.readFileSync(htmlFile, 'utf8'), /jail test removed; all objects freed/);

    // what if the remove method did not detach the cloners?
    const lines = doc.getText().split('\n');
    const method = lines.findIndex((l) => l.startsWith('vtx_prison_remove('));
    const detach = lines.findIndex((l, i) => i > method && l.includes('if_clone_detach(V_vtx_cloner);')) + 1;
    const w = await vscode.commands.executeCommand<Trace>('refcountLens.trace.whatIf', `drop-line:${detach}`);
    assert.deepStrictEqual(w.whatIf, [`drop-line:${detach}`]);
    assert.strictEqual(w.ok, false);
    assert.match(
      w.summary,
      new RegExp(
        '^jail test stays DYING: prison ← ucred ← cdev vtx0, count 1 \\(existence\\), ' +
          'and the PR_METHOD_REMOVE method vtx_prison_remove\\(\\) does not destroy it',
      ),
    );
    await until('the what-if rendered', async () => /stays DYING/.test((await testState()).rendered?.verdict ?? ''));
    await vscode.commands.executeCommand('refcountLens.trace.export', 'sarif', sarifFile);
    assert.strictEqual(
      JSON.parse(fs.readFileSync(sarifFile, 'utf8')).runs[0].results[0].ruleId,
      'lifecycle/jail-dying',
    );

    const fromFile = await vscode.commands.executeCommand<Trace>(
      'refcountLens.runTrace',
      doc.uri,
      'trace/seed.rlscenario',
    );
    assert.strictEqual(fromFile.scenario, 'workspace-seed');
    assert.strictEqual(fromFile.summary, 'jail test removed; all objects freed');
    assert.strictEqual(webviewTabs().length, 1, 'one trace view, reused');
  });
});
