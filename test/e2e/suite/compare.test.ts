// "Compare Reference Counts with..." in the real extension host (code-server), started by `npm
// run test:e2e`, on a git repository the suite makes from the review fixture's two revisions:
// the base revision committed (twice: the second commit only adds a comment line), the head
// revision in the work tree. The picker's default (HEAD), the view with the changed functions and
// the fixed problems linked to their lines, the `was +3, now +2` lenses and hover, the trace
// view's two verdicts, a commit given by its hash, and stopping.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until } from './until';

const EXTENSION_ID = 'refcount-lens.refcount-lens';

interface TreeNode {
  label: string;
  description?: string;
  line?: number;
  command?: vscode.Command;
  children: TreeNode[];
}
interface ViewState {
  comparison?: { baseLabel: string; fixed: unknown[]; introduced: unknown[] };
  message?: string;
  visible: boolean;
  nodes: TreeNode[];
}
interface Comparison {
  error?: string;
  baseLabel: string;
  fixed: { rule: string }[];
  introduced: unknown[];
}
interface TraceState {
  rendered?: { verdict: string; compared: string[] };
}

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.invalid',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.invalid',
    },
  });
  assert.strictEqual(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const viewState = () => vscode.commands.executeCommand<ViewState>('refcountLens.comparison.testState');
const node = (nodes: TreeNode[], label: RegExp) => nodes.find((n) => label.test(n.label));

suite('Refcount Lens: comparing with a git revision', () => {
  let dir: string;
  let doc: vscode.TextDocument;
  let first: string;

  suiteSetup(async () => {
    // the fixture's two revisions, read from the extension's own folder
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} not found`);
    const fixtures = path.join(ext.extensionPath, 'test', 'fixtures', 'review');
    const before = fs.readFileSync(path.join(fixtures, 'rvw_before.c'), 'utf8');
    const after = fs.readFileSync(path.join(fixtures, 'rvw_after.c'), 'utf8');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-compare-e2e-'));
    git(dir, 'init', '-q', '-b', 'main');
    const file = path.join(dir, 'rvw.c');
    fs.writeFileSync(file, before);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'the driver');
    first = git(dir, 'rev-parse', 'HEAD').trim();
    fs.writeFileSync(file, `/* the driver, commented */\n${before}`);
    git(dir, 'commit', '-q', '-am', 'a comment');
    fs.writeFileSync(file, after);
    doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    await ext.activate();
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('refcountLens.stopComparison');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the commands are contributed', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['refcountLens.compareWith', 'refcountLens.stopComparison'])
      assert.ok(commands.includes(c), `${c} is registered`);
  });

  test('the picker offers HEAD first; the view lists the changed functions and the fixed problems', async () => {
    // the server analyses the file first; then the picker opens and Enter takes its first item, HEAD
    await until('the analysis', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      return l?.some((x) => x.command?.title.startsWith('*dev cdev'));
    });
    let settled = false;
    const picked = vscode.commands.executeCommand<Comparison>('refcountLens.compareWith', doc.uri);
    void picked.then(() => {
      settled = true;
    });
    while (!settled) {
      await new Promise((r) => setTimeout(r, 250));
      if (!settled) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    const c = await picked;
    assert.ok(c && !c.error, JSON.stringify(c));
    assert.match(c.baseLabel, /^HEAD \([0-9a-f]{7}\)$/);

    const st = await until('the comparison view', async () => {
      const s = await viewState();
      return s.nodes.length ? s : undefined;
    });
    assert.match(st.message ?? '', /^rvw\.c compared with HEAD \([0-9a-f]{7}\)$/);
    const functions = node(st.nodes, /^Functions changed/)!;
    assert.strictEqual(functions.label, 'Functions changed (2)');
    const clone = node(functions.children, /^rvw_clone\(\)/)!;
    assert.match(clone.description ?? '', /\*dev \(cdev\): \{0, \+1, \+3\} → \{0, \+1, \+2\}/);
    const fixed = node(st.nodes, /^Problems fixed/)!;
    assert.strictEqual(fixed.label, 'Problems fixed (2)');
    assert.deepStrictEqual(
      fixed.children.map((n) => n.label),
      ['leak in rvw_clone_create()', 'contract in rvw_clone()'],
    );
    assert.strictEqual(node(st.nodes, /^Problems introduced/)!.label, 'Problems introduced (0)');
    const verdicts = node(st.nodes, /^Lifecycle verdicts/)!;
    assert.match(
      node(verdicts.children, /^vnet-jail-devfs-clone$/)!.description ?? '',
      /✗ jail test stays DYING → ✓ jail test removed/,
    );

    // each entry opens its line: the contract that was fixed, where rvw_clone's dev_ref was
    const contract = fixed.children[1];
    assert.ok(contract.command && contract.line, 'linked');
    await vscode.commands.executeCommand(contract.command.command, ...(contract.command.arguments ?? []));
    await until(`the selection on line ${contract.line}`, () => {
      const ed = vscode.window.activeTextEditor;
      return ed?.document.uri.toString() === doc.uri.toString() && ed.selection.active.line === contract.line! - 1;
    });
    const cloneLine =
      doc
        .getText()
        .split('\n')
        .findIndex((l) => l.startsWith('rvw_clone(')) + 1;
    assert.ok(contract.line! > cloneLine && contract.line! < cloneLine + 20, `${contract.line} in rvw_clone()`);
  });

  test('lenses and the hover say what changed: was +3, now +2', async () => {
    const titles = await until('the vs HEAD lenses', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      const t = (l ?? []).map((x) => x.command?.title ?? '');
      return t.some((x) => x.startsWith('vs HEAD')) ? t : undefined;
    });
    assert.ok(titles.includes('vs HEAD: *dev: new cdev was +3, now +2'), titles.join('\n'));
    assert.ok(titles.includes('vs HEAD: contract fixed'), titles.join('\n'));
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.startsWith('rvw_clone('));
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      new vscode.Position(line, 2),
    );
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /Compared with HEAD/);
    assert.match(text, /new cdev was \+3, now \+2/);
  });

  test('the trace view shows both verdicts', async () => {
    await vscode.commands.executeCommand('refcountLens.runTrace', doc.uri, 'vnet-jail-devfs-clone');
    const st = await until('both verdicts rendered', async () => {
      const s = await vscode.commands.executeCommand<TraceState>('refcountLens.trace.testState');
      return s.rendered?.compared.length ? s : undefined;
    });
    const r = st.rendered!;
    assert.match(r.verdict, /jail test removed/);
    assert.match(r.compared[0], /^✗ before: jail test stays DYING/);
    assert.match(r.compared[r.compared.length - 1], /^✓ now: jail test removed/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('a commit given by its hash; stopping removes the lenses', async () => {
    const c = await vscode.commands.executeCommand<Comparison>('refcountLens.compareWith', doc.uri, first);
    assert.ok(c && !c.error, JSON.stringify(c));
    assert.strictEqual(c.fixed.length, 2);
    assert.strictEqual((await viewState()).comparison?.baseLabel, first);
    await vscode.commands.executeCommand('refcountLens.stopComparison');
    assert.deepStrictEqual((await viewState()).nodes, []);
    await until('no vs lens', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      return !(l ?? []).some((x) => x.command?.title.startsWith('vs '));
    });
  });
});
