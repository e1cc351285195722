/**
 * The tree index on disk, through the real CLI: a second run takes what did not change from
 * the index; an edit recomputes its file and the callers whose inputs changed, nothing else;
 * a torn entry is detected and rebuilt, never trusted; two runs at once leave a sound index;
 * files that cannot be read are named and the rest of the tree goes on.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { ROOT } from '../helpers/analyzer';
import { CLI, ended, runCli } from '../helpers/cli';
import type { AnalysisOutput } from '../../src/analysis/result';
import type { RunSummary } from '../../src/cli/summary';
import { indexRecords } from '../../src/index/store';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'trees', 'callee_in_other_file');

function tree(): { dir: string; cache: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-index-'));
  const dir = path.join(base, 'tree');
  fs.cpSync(FIXTURE, dir, { recursive: true });
  // a third file that calls nothing counted: it belongs to no one's inputs
  fs.writeFileSync(path.join(dir, 'other.c'), 'int\nother(int x)\n{\n\treturn (x + 1);\n}\n');
  return { dir, cache: path.join(base, 'cache') };
}

function analyse(dir: string, cache: string, env?: Record<string, string>) {
  const r = runCli(['analyze', dir, '--root', dir, '--cache-dir', cache, '--format', 'json', '--jobs', '1'], { env });
  assert.ok(r.status === 0 || r.status === 1, ended(r));
  const out = JSON.parse(r.stdout) as AnalysisOutput & { summary: RunSummary };
  const leaks = out.files.flatMap((f) =>
    f.diagnostics.filter((d) => d.rule === 'leak').map((d) => `${path.basename(f.path)}:${d.line}`),
  );
  return { out, tree: out.summary.tree!, leaks, stderr: r.stderr };
}

type IndexRecord = ReturnType<typeof indexRecords>[number];

/** Rewrites the index's packs with only the records `keep` keeps. */
function keepRecords(cache: string, keep: (r: IndexRecord) => boolean): void {
  const records = indexRecords(path.join(cache, 'index'));
  for (const file of new Set(records.map((r) => r.file))) {
    const bytes = fs.readFileSync(file);
    const kept = records.filter((r) => r.file === file && keep(r)).map((r) => bytes.subarray(r.start, r.end));
    fs.writeFileSync(file, Buffer.concat(kept));
  }
}

test('a second run comes from the index; an edit recomputes its file and the callers whose inputs changed', () => {
  const { dir, cache } = tree();
  const first = analyse(dir, cache);
  assert.deepEqual(first.leaks, ['ifq.c:20']);
  assert.equal(first.tree.fromIndex, 0);
  const second = analyse(dir, cache);
  assert.deepEqual(second.leaks, first.leaks);
  assert.equal(second.tree.fromIndex, second.tree.groups, 'every group from the index');
  assert.equal(second.tree.visits, 0);
  assert.equal(second.tree.shardsFromIndex, 3);
  // a comment in the helper's file: its group again, its callers' inputs unchanged
  fs.appendFileSync(path.join(dir, 'ifq_util.c'), '/* reviewed */\n');
  const comment = analyse(dir, cache);
  assert.equal(comment.tree.visits, 1, 'only ifq_util.c');
  assert.deepEqual(comment.leaks, first.leaks);
  // the accessor starts keeping its argument: the caller's inputs changed, the leak goes
  const util = path.join(dir, 'ifq_util.c');
  fs.writeFileSync(
    util,
    fs
      .readFileSync(util, 'utf8')
      .replace(
        'int\nifq_enabled(struct ifnet *ifp)\n{\n',
        'struct ifnet *ifq_last;\n\nint\nifq_enabled(struct ifnet *ifp)\n{\n\tifq_last = ifp;\n',
      ),
  );
  const kept = analyse(dir, cache);
  assert.equal(kept.tree.visits, 2, 'ifq_util.c and its caller ifq.c, not other.c');
  assert.deepEqual(kept.leaks, []);
});

test('count fields are an input of every file that updates them: evidence gone elsewhere, its results change', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-index-counts-'));
  const dir = path.join(base, 'tree');
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'trees', 'count_field_across_files'), dir, { recursive: true });
  const cache = path.join(base, 'cache');
  const inPin = (r: ReturnType<typeof analyse>) =>
    r.out.files
      .filter((f) => path.basename(f.path) === 'pin.c')
      .flatMap((f) => f.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.rule}@${d.line}`));
  const first = analyse(dir, cache);
  assert.equal(inPin(first).length, 1, JSON.stringify(inPin(first)));
  // sess_done() and the header's sess_unref() no longer free what they test: nothing in the tree shows
  // `refcnt` to be a count, and pin.c, which calls nothing of sess.c, must not be taken from the index as it was
  const sess = path.join(dir, 'sess.c');
  fs.writeFileSync(sess, fs.readFileSync(sess, 'utf8').replace('sess_free(s);', 'sess_check(s->id);'));
  const header = path.join(dir, 'sess.h');
  fs.writeFileSync(header, fs.readFileSync(header, 'utf8').replace('sess_free(s)', 'sess_check((s)->id)'));
  const again = analyse(dir, cache);
  assert.deepEqual(inPin(again), []);
  assert.deepEqual(again.leaks, []);
});

test('an edit inside a cycle of files recomputes the edited file, not every file of the cycle in every round', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-index-cycle-'));
  const dir = path.join(base, 'tree');
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'trees', 'recursion_across_files'), dir, { recursive: true });
  const cache = path.join(base, 'cache');
  const first = analyse(dir, cache);
  assert.ok(first.tree.rounds >= 2, `a cycle takes rounds: ${JSON.stringify(first.tree)}`);
  assert.ok(first.tree.visits >= 3, `each file at least once, one of them again: ${JSON.stringify(first.tree)}`);
  // a comment in one file of the cycle: its group is recomputed, the other file's visits come from the index
  fs.appendFileSync(path.join(dir, 'walk_b.c'), '/* reviewed */\n');
  const again = analyse(dir, cache);
  assert.equal(again.tree.fromIndex, again.tree.groups - 1, 'the cycle is recomputed');
  // the same rounds as the first run, where walk_a.c's visits are taken from the index
  assert.equal(again.tree.visits + (again.tree.visitsFromIndex ?? 0), first.tree.visits, JSON.stringify(again.tree));
  assert.ok(again.tree.visits < first.tree.visits, `only walk_b.c is analysed again: ${JSON.stringify(again.tree)}`);
  assert.deepEqual(again.leaks, first.leaks);
  assert.deepEqual(
    again.out.files.map((f) => f.functions.map((fn) => fn.paths.map((p) => p.deltas))),
    first.out.files.map((f) => f.functions.map((fn) => fn.paths.map((p) => p.deltas))),
  );
});

test('a torn index entry is detected, taken as missing and rebuilt; results stay the same', () => {
  const { dir, cache } = tree();
  const fresh = analyse(dir, cache);
  const records = indexRecords(path.join(cache, 'index'));
  assert.ok(records.length >= 4, `records: ${records.length}`);
  // every payload rewritten in place (its length kept: the records after it are still found), and the last record
  // cut short, as a writer killed mid-write leaves it
  for (const file of new Set(records.map((r) => r.file))) {
    const bytes = fs.readFileSync(file);
    for (const r of records.filter((x) => x.file === file)) bytes[r.offset + 2] = 'x'.charCodeAt(0);
    const last = records.filter((x) => x.file === file).at(-1)!;
    fs.writeFileSync(file, bytes.subarray(0, last.offset + (last.bytes >> 1)));
  }
  const cut = records.at(-1)!;
  const again = analyse(dir, cache);
  // a visit's result is read only when wanted: here every visit is made again and writes its own; the record
  // cut short is none yet, so it is missing, not damaged
  const read = records.filter((r) => r.kind !== 'result' && r !== cut);
  assert.ok(read.length < records.length - 1, 'results are entries of their own');
  assert.equal(again.tree.torn, read.length, 'every damaged entry read is noticed');
  assert.deepEqual(again.leaks, fresh.leaks);
  assert.deepEqual(
    again.out.files.map((f) => f.functions.map((x) => x.paths.length)),
    fresh.out.files.map((f) => f.functions.map((x) => x.paths.length)),
  );
  const third = analyse(dir, cache);
  assert.equal(third.tree.torn, 0, 'rebuilt');
  assert.equal(third.tree.visits, 0);
});

test('results the index lost are made again: a group or a visit without its result gives the same output', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-index-lost-'));
  const dir = path.join(base, 'tree');
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'trees', 'recursion_across_files'), dir, { recursive: true });
  const cache = path.join(base, 'cache');
  const first = analyse(dir, cache);
  const results = indexRecords(path.join(cache, 'index')).filter((r) => r.kind === 'result');
  assert.ok(results.length >= 2, `result entries: ${results.length}`);
  keepRecords(cache, (r) => r.kind !== 'result');
  // the groups and visits are in the index, their results not: each reported file's last visit is made again
  const again = analyse(dir, cache);
  assert.ok(again.tree.fromIndex < again.tree.groups, JSON.stringify(again.tree));
  assert.ok(again.tree.visits >= 1 && again.tree.visits < first.tree.visits, JSON.stringify(again.tree));
  const strip = (o: AnalysisOutput) => JSON.stringify(o.files.map((f) => ({ ...f, timing: undefined })));
  assert.equal(strip(again.out), strip(first.out));
  const third = analyse(dir, cache);
  assert.equal(third.tree.visits, 0);
  assert.equal(strip(third.out), strip(first.out));
});

test('two runs at once on one index both finish with the same results, and the index is sound after', async () => {
  const { dir, cache } = tree();
  const args = [CLI, 'analyze', dir, '--root', dir, '--cache-dir', cache, '--format', 'json', '--jobs', '1'];
  const runOne = () =>
    new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.on('exit', (code) => (code === 0 || code === 1 ? resolve(out) : reject(new Error(`exit ${code}`))));
    });
  const [a, b] = await Promise.all([runOne(), runOne()]);
  const strip = (s: string) =>
    JSON.stringify((JSON.parse(s) as AnalysisOutput).files.map((f) => [f.functions, f.diagnostics]));
  assert.equal(strip(a), strip(b));
  const after = analyse(dir, cache);
  assert.equal(after.tree.torn, 0);
  assert.equal(after.tree.visits, 0);
});

test('files the tree cannot use are named one by one; the rest of the tree goes on', () => {
  const { dir, cache } = tree();
  fs.writeFileSync(path.join(dir, 'blob.c'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0, 0, 0, 0]));
  fs.writeFileSync(path.join(dir, 'huge.h'), `#define REG_${'X'.repeat(40)} 0x0\n`.repeat(60_000));
  fs.writeFileSync(path.join(dir, 'huge_inline.h'), `static inline int f(void) { return 0; }\n`.repeat(60_000));
  fs.symlinkSync('loop_b.c', path.join(dir, 'loop_a.c'));
  fs.symlinkSync('loop_a.c', path.join(dir, 'loop_b.c'));
  fs.writeFileSync(path.join(dir, 'gone.c'), 'int gone(void) { return 0; }\n');
  const r = runCli(['analyze', path.join(dir, 'ifq.c'), '--root', dir, '--cache-dir', cache, '--format', 'json'], {
    env: { REFCOUNT_LENS_FAULT: 'vanish:gone.c' },
  });
  assert.equal(r.status, 1, ended(r));
  for (const [name, why] of [
    ['blob.c', /looks binary/],
    ['huge.h', /3\.\d MB without a function body/],
    ['huge_inline.h', /too large/],
    ['loop_a.c', /cannot read \(ELOOP\)/],
    ['gone.c', /cannot read \(ENOENT\)/],
  ] as const) {
    const line = r.stderr.split('\n').find((l) => l.includes(name));
    assert.ok(line, `${name} is named: ${r.stderr}`);
    assert.match(line!, /left out of the tree/);
    assert.match(line!, why);
  }
  const out = JSON.parse(r.stdout) as AnalysisOutput;
  assert.deepEqual(
    out.files[0].diagnostics.filter((d) => d.rule === 'leak').map((d) => d.line),
    [20],
  );
});

test('a tree with nothing excluded: a register header of many megabytes is skipped, not failed', () => {
  const { dir, cache } = tree();
  const regs = Array.from(
    { length: 250_000 },
    (_, i) => `#define mmREG${i >> 8}_F${i & 255}__SHIFT 0x${i.toString(16)}`,
  );
  fs.writeFileSync(path.join(dir, 'asic_regs.h'), `${regs.join('\n')}\n`);
  const r = runCli(['analyze', dir, '--root', dir, '--cache-dir', cache, '--format', 'json']);
  assert.equal(r.status, 1, ended(r)); // the leak of the tree, not a failure
  const out = JSON.parse(r.stdout) as AnalysisOutput & { summary: { failed: number; skipped?: number } };
  const regsResult = out.files.find((f) => f.path.endsWith('asic_regs.h'));
  assert.match(regsResult?.skipped ?? '', /MB without a function body: nothing to analyse/);
  assert.equal(out.summary.failed, 0);
  assert.equal(out.summary.skipped, 1);
  assert.ok(out.files.some((f) => f.diagnostics.some((d) => d.rule === 'leak')));
});

test('one index whatever the number of workers: a run in the main thread (--jobs 0) reads what workers wrote', () => {
  const { dir, cache } = tree();
  const first = analyse(dir, cache);
  const r = runCli(['analyze', dir, '--root', dir, '--cache-dir', cache, '--format', 'json', '--jobs', '0']);
  assert.ok(r.status === 0 || r.status === 1, ended(r));
  const inProcess = (JSON.parse(r.stdout) as AnalysisOutput & { summary: RunSummary }).summary.tree!;
  assert.equal(inProcess.fromIndex, inProcess.groups, 'every group from the index');
  assert.equal(inProcess.visits, 0);
  assert.deepEqual(
    (JSON.parse(r.stdout) as AnalysisOutput).files.map((f) => f.diagnostics),
    first.out.files.map((f) => f.diagnostics),
  );
});

test('shards the workers make are the ones the main thread makes: the same index entries and output', () => {
  const made = (jobs: string) => {
    const { dir, cache } = tree();
    // a second file of the same text: its shard is read from the index, whichever thread made the first
    fs.copyFileSync(path.join(dir, 'other.c'), path.join(dir, 'other_copy.c'));
    const r = runCli(['analyze', dir, '--root', dir, '--cache-dir', cache, '--format', 'json', '--jobs', jobs]);
    assert.ok(r.status === 0 || r.status === 1, ended(r));
    const out = JSON.parse(r.stdout) as AnalysisOutput & { summary: RunSummary };
    const entries = indexRecords(path.join(cache, 'index'))
      .filter((r) => r.kind === 'shard')
      .map((r) => fs.readFileSync(r.file).subarray(r.start, r.end).toString('utf8'))
      .sort();
    return { out, entries };
  };
  const workers = made('2');
  const main = made('0');
  assert.equal(workers.entries.length, 3, "the copy's shard is the same entry");
  assert.deepEqual(workers.entries, main.entries);
  assert.equal(workers.out.summary.tree!.shardsFromIndex, 1);
  assert.equal(main.out.summary.tree!.shardsFromIndex, 1);
  const strip = (o: AnalysisOutput) => o.files.map((f) => ({ ...f, path: path.basename(f.path), timing: undefined }));
  assert.deepEqual(strip(workers.out), strip(main.out));
});
