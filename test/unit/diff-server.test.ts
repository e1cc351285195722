/**
 * The editor's comparison through the real language server (dist/server.js over stdio): a
 * document of a throwaway git repository compared with HEAD (the base revision of the review
 * fixture committed, its head revision in the work tree), then with a commit picked from the
 * list; what the comparison answers, the `vs HEAD` lenses, the hover, the trace view's run over
 * both revisions, the notification after an edit, and the reasons when nothing can be compared.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileUri, LspClient, ROOT, type CodeLens } from '../helpers/lsp-client';
import { git } from '../helpers/git';
import type { RevisionChoice, TraceRun, WireComparison } from '../../src/shared/protocol';

const BEFORE = fs.readFileSync(path.join(ROOT, 'test/fixtures/review/rvw_before.c'), 'utf8');
const AFTER = fs.readFileSync(path.join(ROOT, 'test/fixtures/review/rvw_after.c'), 'utf8');

describe('language server: comparing a document with a git revision', () => {
  let client: LspClient;
  let dir: string;
  let uri: string;
  let first: string;
  const comparisons: WireComparison[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-compare-'));
    git(dir, 'init', '-q', '-b', 'main');
    const file = path.join(dir, 'rvw.c');
    fs.writeFileSync(file, BEFORE);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'the driver');
    first = git(dir, 'rev-parse', 'HEAD').trim();
    fs.writeFileSync(file, `/* a comment line that moves everything */\n${BEFORE}`);
    git(dir, 'commit', '-q', '-am', 'a comment');
    fs.writeFileSync(file, AFTER);
    uri = fileUri(file);
    client = await LspClient.start({ rootDir: dir });
    client.conn.onNotification('refcountLens/comparison', (c: WireComparison) => {
      comparisons.push(c);
    });
    client.open(uri, AFTER);
  });
  after(async () => {
    await client.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const lenses = () => client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
  const nameAt = (name: string) => {
    const line = AFTER.split('\n').findIndex((l) => l.startsWith(`${name}(`));
    return { line, character: 1 };
  };

  test('compare with HEAD: the fix, in the words of the review', async () => {
    const c = await client.request<WireComparison>('refcountLens/compare', { uri, base: 'HEAD' });
    assert.equal(c.error, undefined);
    assert.match(c.baseLabel, /^HEAD \([0-9a-f]{7}\)$/);
    const clone = c.functions.find((f) => f.name === 'rvw_clone')!;
    assert.equal(clone.line, nameAt('rvw_clone').line + 1);
    assert.deepEqual(clone.objects[0].summary, '*dev (cdev): {0, +1, +3} → {0, +1, +2}');
    assert.match(clone.objects[0].outcomes, /^new cdev: \+3 → \+2; existing cdev: \+1 → \+1/);
    assert.deepEqual(
      c.fixed.map((p) => [p.rule, p.function]),
      [
        ['leak', 'rvw_clone_create'],
        ['contract', 'rvw_clone'],
      ],
    );
    // a fixed problem links to where its function is now
    const contract = c.fixed.find((p) => p.rule === 'contract')!;
    assert.ok(contract.line > clone.line! && contract.line < clone.line! + 20, `${contract.line}`);
    assert.notEqual(contract.baseLine, contract.line);
    assert.deepEqual(c.introduced, []);
    assert.equal(c.introducesProblems, false);
    const jail = c.trace.find((t) => t.scenario === 'vnet-jail-devfs-clone')!;
    assert.equal(jail.summary, '✗ jail test stays DYING → ✓ jail test removed; all objects freed');
  });

  test('lenses and the hover say what changed: was +3, now +2', async () => {
    const titles = (await lenses()).map((l) => l.command?.title ?? '');
    assert.ok(titles.includes('vs HEAD: *dev: new cdev was +3, now +2'), titles.join('\n'));
    assert.ok(titles.includes('vs HEAD: contract fixed'), titles.join('\n'));
    assert.ok(titles.includes('vs HEAD: leak fixed'), titles.join('\n'));
    assert.ok(!titles.some((t) => t.startsWith('vs HEAD') && t.includes('rvw_read_stats')));
    const h = await client.request<{ contents: { value: string } }>('textDocument/hover', {
      textDocument: { uri },
      position: nameAt('rvw_clone'),
    });
    assert.match(h.contents.value, /\*\*Compared with HEAD \([0-9a-f]{7}\)\*\*/);
    assert.match(h.contents.value, /`\*dev \(cdev\)`: \{0, \+1, \+3\} → \{0, \+1, \+2\}; new cdev was \+3, now \+2/);
    assert.match(h.contents.value, /- fixed: \*\*contract\*\*/);
  });

  test("the trace view's run shows the revision's verdicts too", async () => {
    const run = await client.request<TraceRun>('refcountLens/traceView', {
      kind: 'run',
      uri,
      scenario: 'vnet-jail-devfs-clone',
    });
    assert.equal(run.trace.ok, true);
    assert.ok(run.compared, 'a compared run');
    assert.equal(run.compared.ok, false);
    assert.match(run.compared.summary, /^jail test stays DYING/);
    assert.match(run.compared.base, /^HEAD/);
  });

  test('an edit: the server sends the comparison again; undoing the fix introduces the problems', async () => {
    const seen = comparisons.length;
    client.replace(uri, BEFORE);
    const c = await client.waitFor(
      () => comparisons.slice(seen).find((x) => x.introduced.length === 0 && x.fixed.length === 0),
      20_000,
      'the comparison of the edited document',
    );
    // the document is now HEAD's text less the comment: nothing changed but the lines
    assert.deepEqual(c.functions, []);
    assert.equal(c.unchanged.length, 3);
    client.replace(uri, AFTER);
    await client.waitFor(() => comparisons.slice(seen).find((x) => x.fixed.length === 2), 20_000, 'the fix again');
  });

  test('a commit picked from the list; a revision that does not exist; stop', async () => {
    const choices = await client.request<RevisionChoice[]>('refcountLens/compareRevisions', { uri });
    assert.ok(
      choices.some((x) => x.rev === 'main'),
      JSON.stringify(choices),
    );
    assert.ok(
      choices.some((x) => first.startsWith(x.rev)),
      JSON.stringify(choices),
    );
    const c = await client.request<WireComparison>('refcountLens/compare', { uri, base: first.slice(0, 10) });
    assert.equal(c.error, undefined);
    assert.equal(c.fixed.length, 2);
    assert.ok((await lenses()).some((l) => l.command?.title.startsWith(`vs ${first.slice(0, 10)}:`)));

    const bad = await client.request<WireComparison>('refcountLens/compare', { uri, base: 'no-such-branch' });
    assert.match(bad.error ?? '', /no revision "no-such-branch"/);
    await client.request('refcountLens/stopComparison', { uri });
    assert.ok(!(await lenses()).some((l) => l.command?.title.startsWith('vs ')));
  });

  test('a file outside any repository says so', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-nogit-'));
    const f = path.join(outside, 'x.c');
    fs.writeFileSync(f, AFTER);
    const other = fileUri(f);
    client.open(other, AFTER);
    const c = await client.request<WireComparison>('refcountLens/compare', { uri: other });
    assert.match(c.error ?? '', /x\.c is not in a git repository/);
    fs.rmSync(outside, { recursive: true, force: true });
  });
});
