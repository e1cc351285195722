/**
 * The language server's workspace index (issue 12 item 3), through the real server over
 * stdio (dist/server.js, its workers) on small workspaces of our own: a leak only visible
 * through a helper in another file (test/fixtures/workspace/index/) appears once the index is
 * built and goes away when the helper is fixed, edited then saved, or changed on disk; the
 * progress; cancelling; the settings; a CLI run and the editor sharing the index; bad files
 * reported one by one while the rest is indexed. Needs `node scripts/build.mjs`.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { generateFile } from '../../bench/generate';
import { ended, runCli } from '../helpers/cli';
import { indexRecords } from '../../src/index/store';
import { fileUri, hintText, type LspDiagnostic, LspClient, ROOT, type StartOptions } from '../helpers/lsp-client';

const FIXTURE = path.join(ROOT, 'test/fixtures/workspace/index');
const USER = fs.readFileSync(path.join(FIXTURE, 'ifx_user.c'), 'utf8');
const UTIL = fs.readFileSync(path.join(FIXTURE, 'ifx_util.c'), 'utf8');
const FIXED_UTIL = UTIL.replace('\tif_ref(ifp);\n', '');
/** 0-based line of the helper's call in ifx_user.c. */
const CALL_LINE = USER.split('\n').findIndex((l) => l.includes('ifx_ready(ifp)'));

const isLeak = (d: LspDiagnostic) => String(d.code) === 'leak';

/** A temporary workspace with the two files of the fixture (and more), removed by `remove`. */
function workspace(extra: Record<string, string | Buffer> = {}): { dir: string; file(name: string): string } & {
  remove(): void;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-index-'));
  const files: Record<string, string | Buffer> = { 'ifx_user.c': USER, 'ifx_util.c': UTIL, ...extra };
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return {
    dir,
    file: (name) => path.join(dir, name),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The index's log lines ("index: ..."). */
const indexLog = (c: LspClient) => c.logs.filter((l) => / index: /.test(l));
const runsDone = (c: LspClient) => indexLog(c).filter((l) => / index: done: /.test(l));

async function start(opts: StartOptions): Promise<LspClient> {
  return LspClient.start(opts);
}

test('a leak through a helper in another file: shown once indexed, gone when the helper is fixed', async () => {
  const ws = workspace();
  const client = await start({ rootDir: ws.dir });
  try {
    const user = fileUri(ws.file('ifx_user.c'));
    client.open(user, USER);
    const diags = await client.waitForDiagnostics(user, (d) => d.some(isLeak), 30_000);
    const leak = diags.find(isLeak)!;
    assert.equal(leak.range.start.line, CALL_LINE);
    assert.match(leak.message, /^ifx_mtu\(\): ifp \(ifnet\) keeps \+1 reference taken at line \d+ by ifx_ready\(\)/);
    const hints = (await client.inlayHints(user)) ?? [];
    assert.deepEqual(
      hints.filter((h) => h.position.line === CALL_LINE).map(hintText),
      ['+1 ifnet'],
      'the hint at the call of the helper says what it does',
    );

    // the progress of the first run: begin (cancellable), reports with files done, end
    const token = client.progressTokens[0];
    assert.ok(token !== undefined, 'a work-done progress was created');
    const events = client.progress.filter((p) => p.token === token);
    assert.equal(events[0].kind, 'begin');
    assert.equal(events[0].title, 'Refcount Lens: indexing');
    assert.equal(events[0].cancellable, true);
    assert.ok(
      events.some((e) => e.kind === 'report' && e.message === '2/2 files' && e.percentage === 100),
      JSON.stringify(events),
    );
    await client.waitFor(() => client.progress.some((p) => p.token === token && p.kind === 'end'), 10_000, 'end');

    // the helper fixed in its own file, not saved yet: the open caller is analysed again
    const util = fileUri(ws.file('ifx_util.c'));
    client.open(util, UTIL);
    await client.waitForDiagnostics(util, () => true);
    client.replace(util, FIXED_UTIL);
    await client.waitForDiagnostics(user, (d) => !d.some(isLeak), 30_000);
    const fixedAt = client.published.length;
    const after = (await client.inlayHints(user)) ?? [];
    assert.deepEqual(
      after.filter((h) => h.position.line === CALL_LINE).map(hintText),
      [],
      'no hint at the helper any more',
    );

    // saved and closed: the index reads the saved file; the caller stays clean
    fs.writeFileSync(ws.file('ifx_util.c'), FIXED_UTIL);
    const before = runsDone(client).length;
    client.save(util);
    client.close(util);
    await client.waitFor(() => runsDone(client).length > before, 30_000, 'the run after the save');
    await client.waitFor(() => endsMatchBegins(client), 30_000, 'every progress to end');
    // the index's older summary of the helper never comes back in between
    const since = client.published.slice(fixedAt).filter((p) => p.uri === user);
    assert.ok(!since.some((p) => p.diagnostics.some(isLeak)), JSON.stringify(since));

    // the bug comes back on disk (a checkout): the watcher's event indexes it again
    fs.writeFileSync(ws.file('ifx_util.c'), UTIL);
    client.filesChanged([{ uri: util, type: 2 }]);
    await client.waitForDiagnostics(user, (d) => d.some(isLeak), 30_000);
  } finally {
    await client.stop();
    ws.remove();
  }
});

/** Every progress that began has ended. */
function endsMatchBegins(c: LspClient): boolean {
  const begun = new Set(c.progress.filter((p) => p.kind === 'begin').map((p) => p.token));
  const ended = new Set(c.progress.filter((p) => p.kind === 'end').map((p) => p.token));
  return [...begun].every((t) => ended.has(t));
}

test('a helper fixed, saved and closed while the index still runs: the old leak never comes back', async () => {
  // z_slow.c counts, and calls the helper too; its visit hangs until the watchdog stops it, so
  // each run that must visit it (the first, and the one the fix starts) is still going when the
  // test saves and closes
  const slow = [
    'int ifx_ready(struct ifnet *ifp);',
    'int',
    'z_slow(struct ifnet *ifp)',
    '{',
    '\tint up;',
    '',
    '\tif_ref(ifp);',
    '\tup = ifx_ready(ifp);',
    '\tif_rele(ifp);',
    '\treturn (up);',
    '}',
    '',
  ].join('\n');
  const ws = workspace({ 'z_slow.c': slow });
  const client = await start({
    rootDir: ws.dir,
    env: { REFCOUNT_LENS_FAULT: 'hang:z_slow' },
    initializationOptions: { limits: { hardLimitMs: 4000, workers: 2 } },
  });
  try {
    const user = fileUri(ws.file('ifx_user.c'));
    client.open(user, USER);
    await client.waitForDiagnostics(user, (d) => d.some(isLeak), 30_000);
    const util = fileUri(ws.file('ifx_util.c'));
    client.open(util, UTIL);
    await client.waitForDiagnostics(util, () => true);
    const before = runsDone(client).length;
    client.replace(util, FIXED_UTIL);
    await client.waitForDiagnostics(user, (d) => !d.some(isLeak), 30_000);
    const fixedAt = client.published.length;
    fs.writeFileSync(ws.file('ifx_util.c'), FIXED_UTIL);
    client.save(util);
    client.close(util);
    await client.waitFor(() => runsDone(client).length >= before + 2, 60_000, 'the run of the fix and the one after');
    await client.waitFor(() => endsMatchBegins(client), 30_000, 'every progress to end');
    const since = client.published.slice(fixedAt).filter((p) => p.uri === user);
    assert.ok(!since.some((p) => p.diagnostics.some(isLeak)), JSON.stringify(since));
    assert.ok(!(client.diagnostics.get(user) ?? []).some(isLeak));
  } finally {
    await client.stop();
    ws.remove();
  }
});

test('a large document analysed in a worker reads the index too', async () => {
  const ws = workspace();
  const client = await start({ rootDir: ws.dir, initializationOptions: { limits: { largeFileChars: 10 } } });
  try {
    const user = fileUri(ws.file('ifx_user.c'));
    client.open(user, USER);
    await client.waitForDiagnostics(user, (d) => d.some(isLeak), 30_000);
    assert.ok(
      client.logs.some((l) => /ifx_user\.c v1: .* in a worker/.test(l)),
      'the document went to a worker',
    );
    const util = fileUri(ws.file('ifx_util.c'));
    client.open(util, UTIL);
    await client.waitForDiagnostics(util, () => true);
    client.replace(util, FIXED_UTIL);
    await client.waitForDiagnostics(user, (d) => !d.some(isLeak), 30_000);
  } finally {
    await client.stop();
    ws.remove();
  }
});

test('refcountLens.index.enabled off: no index, no progress, the file alone; on again: the leak', async () => {
  const ws = workspace();
  const client = await start({ rootDir: ws.dir, settings: { index: { enabled: false } } });
  try {
    const user = fileUri(ws.file('ifx_user.c'));
    client.open(user, USER);
    const alone = await client.waitForDiagnostics(user, () => true);
    assert.ok(!alone.some(isLeak), 'alone, the helper is an unknown function');
    await client.waitFor(() => indexLog(client).some((l) => /index: off/.test(l)), 10_000, 'the index off');
    assert.deepEqual(client.progressTokens, [], 'no progress');
    client.changeSettings({ index: { enabled: true } });
    await client.waitForDiagnostics(user, (d) => d.some(isLeak), 30_000);
    client.changeSettings({ index: { enabled: false } });
    await client.waitForDiagnostics(user, (d) => !d.some(isLeak), 30_000);
  } finally {
    await client.stop();
    ws.remove();
  }
});

test('refcountLens.index.exclude leaves the helper out: its call is unknown again', async () => {
  const ws = workspace({ 'lib/ifx_util.c': UTIL });
  fs.rmSync(ws.file('ifx_util.c'));
  const client = await start({ rootDir: ws.dir, settings: { index: { exclude: ['lib/'] } } });
  try {
    const user = fileUri(ws.file('ifx_user.c'));
    client.open(user, USER);
    await client.waitFor(() => runsDone(client).length, 30_000, 'the index');
    assert.match(runsDone(client)[0], /index: done: 1 files/);
    const diags = await client.waitForDiagnostics(user, () => true);
    assert.ok(!diags.some(isLeak), JSON.stringify(diags));
    client.changeSettings({ index: { exclude: [] } });
    await client.waitForDiagnostics(user, (d) => d.some(isLeak), 30_000);
  } finally {
    await client.stop();
    ws.remove();
  }
});

test('bad files are reported one by one and the rest of the workspace is indexed', async () => {
  const binary = Buffer.alloc(4096, 0);
  binary.write('int f(void) { return 0; }');
  const ws = workspace({
    'bad/binary.c': binary,
    'bad/crashes_here.c': 'void crashes_here(struct ifnet *ifp)\n{\n\tif_ref(ifp);\n}\n',
    'bad/vanishes.c': 'int vanishes(void) { return 0; }\n',
  });
  fs.symlinkSync('loop.c', ws.file('bad/loop.c'));
  fs.symlinkSync('no-such-file.c', ws.file('bad/gone.c'));
  // a 50 MB header without a function body (read, then skipped) and one over the 64 MB a file
  // may have to be read at all (sparse: nothing is written)
  for (const [name, mb] of [
    ['bad/huge.h', 50],
    ['bad/huger.h', 65],
  ] as const) {
    const big = fs.openSync(ws.file(name), 'w');
    fs.ftruncateSync(big, mb * 1048576);
    fs.closeSync(big);
  }
  const unreadable = process.getuid?.() !== 0;
  if (unreadable) {
    fs.writeFileSync(ws.file('bad/locked.c'), 'int locked(void) { return 0; }\n');
    fs.chmodSync(ws.file('bad/locked.c'), 0);
  }
  const client = await start({
    rootDir: ws.dir,
    env: { REFCOUNT_LENS_FAULT: 'crash:crashes_here,vanish:bad/vanishes.c' },
  });
  try {
    const user = fileUri(ws.file('ifx_user.c'));
    client.open(user, USER);
    await client.waitForDiagnostics(user, (d) => d.some(isLeak), 30_000);
    await client.waitFor(() => runsDone(client).length, 30_000, 'the end of the run');
    const log = indexLog(client).join('\n');
    const said = (file: string, why: RegExp) =>
      assert.match(log, new RegExp(`index: ${ws.file(file).replace(/[.]/g, '\\.')}: ${why.source}`), log);
    said('bad/binary.c', /left out: not a C source file: it looks binary/);
    said('bad/loop.c', /left out: cannot read \(ELOOP\)/);
    said('bad/gone.c', /left out: cannot read \(ENOENT\)/);
    said('bad/huge.h', /left out: 50\.0 MB without a function body: nothing to analyse \(its macros are not read\)/);
    said('bad/huger.h', /left out: file too large \(65\.0 MB; the limit is 2 MB\)/);
    said('bad/vanishes.c', /left out: cannot read \(ENOENT\)/); // deleted while the index read the tree
    said('bad/crashes_here.c', /not indexed: the analysis crashed \(injected crash on /);
    if (unreadable) said('bad/locked.c', /left out: cannot read \(EACCES\)/);
    const bad = unreadable ? 8 : 7;
    assert.match(runsDone(client)[0], new RegExp(`; ${bad} file\\(s\\) could not be indexed$`));
    assert.ok(
      client.statuses.some((s) => String(s.message).includes(`${bad} file(s) could not be indexed`)),
      'the status says it',
    );
  } finally {
    await client.stop();
    ws.remove();
  }
});

test('cancelling the progress stops the run at once; what was indexed stays in the index', async () => {
  // twelve files the index visits, the last of which never finishes (a hung visit)
  const files: Record<string, string> = {};
  for (let i = 0; i < 11; i++) files[`gen/g${String(i).padStart(2, '0')}.c`] = generateFile({ lines: 300, fileNo: i });
  files['gen/z_hangs.c'] = 'void z_hangs(struct ifnet *ifp)\n{\n\tif_ref(ifp);\n}\n';
  const ws = workspace(files);
  const cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-index-cache-'));
  const client = await start({
    rootDir: ws.dir,
    env: { REFCOUNT_LENS_FAULT: 'hang:z_hangs', XDG_CACHE_HOME: cacheHome },
    // two workers: the hung visit holds one, the other indexes the rest
    initializationOptions: { limits: { hardLimitMs: 120_000, workers: 2 } },
  });
  try {
    const total = Object.keys(files).length + 2;
    const report = await client.waitFor(
      () => client.progress.find((p) => p.message === `${total - 1}/${total} files`),
      60_000,
      'every file but the hung one',
    );
    client.cancelProgress(report.token);
    await client.waitFor(
      () => client.progress.some((p) => p.token === report.token && p.kind === 'end'),
      10_000,
      'the progress to end although a visit still runs',
    );
    await client.waitFor(() => indexLog(client).some((l) => /index: cancelled/.test(l)), 5000, 'the log');
    assert.ok(!runsDone(client).length, 'the run did not finish');
    const index = path.join(cacheHome, 'refcount-lens', 'index');
    const groups = indexRecords(index).filter((r) => r.kind === 'group').length;
    assert.ok(groups >= total - 1, `${groups} groups kept in the index`);
  } finally {
    await client.stop();
    ws.remove();
    fs.rmSync(cacheHome, { recursive: true, force: true });
  }
});

test('the CLI and the editor share the index: after `analyze --root`, the server visits nothing', async () => {
  const ws = workspace();
  const cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-index-cache-'));
  try {
    const cli = runCli(['analyze', ws.dir, '--root', ws.dir, '--format', 'json'], {
      env: { XDG_CACHE_HOME: cacheHome },
    });
    assert.equal(cli.status, 1, ended(cli));
    const client = await start({ rootDir: ws.dir, env: { XDG_CACHE_HOME: cacheHome } });
    try {
      await client.waitFor(() => runsDone(client).length, 30_000, 'the index');
      assert.match(runsDone(client)[0], /index: done: 2 files \(\d+ lines\), 2 groups: 2 from the index, 0 visits;/);
      const user = fileUri(ws.file('ifx_user.c'));
      client.open(user, USER);
      await client.waitForDiagnostics(user, (d) => d.some(isLeak), 30_000);
    } finally {
      await client.stop();
    }
  } finally {
    ws.remove();
    fs.rmSync(cacheHome, { recursive: true, force: true });
  }
});

test('a cycle of files that never settles: the open document shows the run’s information, fresh or read', async () => {
  // test/fixtures/trees/unsettled_cycle: ca_open and one leak of ca_two count through ca_hold, whose summary was
  // still changing when the cycle's rounds ran out (information); ca_plain and ca_two's other leak do not (warnings)
  const fixture = path.join(ROOT, 'test/fixtures/trees/unsettled_cycle');
  const names = ['chain_a.c', 'chain_b.c'];
  const texts = Object.fromEntries(names.map((n) => [n, fs.readFileSync(path.join(fixture, n), 'utf8')]));
  const ws = workspace();
  for (const n of ['ifx_user.c', 'ifx_util.c']) fs.rmSync(ws.file(n));
  for (const n of names) fs.writeFileSync(ws.file(n), texts[n]);
  /** `line severity` of each leak, lines 1-based, severities in the protocol's numbers (3: information). */
  const severities = (ds: { line: number; severity?: number }[]) => ds.map((d) => `${d.line} ${d.severity}`).sort();
  const cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-index-cache-'));
  try {
    const cli = runCli(['analyze', ws.file('chain_a.c'), '--root', ws.dir, '--format', 'json'], {
      env: { XDG_CACHE_HOME: cacheHome },
    });
    assert.equal(cli.status, 1, ended(cli));
    type Leak = { rule: string; function: string; line: number; severity: string };
    const leaks = (JSON.parse(cli.stdout).files[0].diagnostics as Leak[]).filter((d) => d.rule === 'leak');
    assert.deepEqual(
      leaks.map((d) => `${d.function} ${d.severity}`).sort(),
      ['ca_open info', 'ca_plain warning', 'ca_two info', 'ca_two warning'],
      'the CLI run demotes two of four',
    );
    const lspSeverity: Record<string, number> = { error: 1, warning: 2, info: 3 };
    const expected = severities(leaks.map((d) => ({ line: d.line, severity: lspSeverity[d.severity] })));
    for (const env of [
      { XDG_CACHE_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-fresh-')) },
      { XDG_CACHE_HOME: cacheHome },
    ]) {
      const client = await start({ rootDir: ws.dir, env });
      try {
        const a = fileUri(ws.file('chain_a.c'));
        await client.waitFor(() => runsDone(client).length, 30_000, 'the index');
        client.open(a, texts['chain_a.c']);
        const diags = await client.waitForDiagnostics(a, (d) => d.filter(isLeak).some((l) => l.severity === 3), 30_000);
        const shown = diags.filter(isLeak).map((d) => ({ line: d.range.start.line + 1, severity: d.severity }));
        assert.deepEqual(severities(shown), expected, runsDone(client)[0]);
      } finally {
        await client.stop();
        if (env.XDG_CACHE_HOME !== cacheHome) fs.rmSync(env.XDG_CACHE_HOME, { recursive: true, force: true });
      }
    }
  } finally {
    ws.remove();
    fs.rmSync(cacheHome, { recursive: true, force: true });
  }
});
