/**
 * A cycle of files runs its first round callees first (plan.ts `firstRound`): each visit waits
 * for the files of the cycle it calls that come before it and reads their summaries, so only a
 * file that called against the order goes again. Through the real CLI on a tree of our own.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../helpers/analyzer';
import { ended, runCli } from '../helpers/cli';
import type { AnalysisOutput } from '../../src/analysis/result';
import type { RunSummary } from '../../src/cli/summary';

const HEAD = '#include <sys/param.h>\n#include <sys/conf.h>\n#include <sys/errno.h>\n';

/** a.c -> b.c -> c_util.c -> a.c at the level of files; a chain of calls and one callback at the level of functions. */
function cycle(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-rounds-'));
  fs.writeFileSync(
    path.join(dir, 'a.c'),
    `${HEAD}void b_get(struct cdev *dev);\n\nvoid\na_put(struct cdev *dev)\n{\n\tdev_rel(dev);\n}\n\n` +
      'void\na_get(struct cdev *dev)\n{\n\tb_get(dev);\n}\n\n' +
      'int\na_open(struct cdev *dev, int flags)\n{\n\ta_get(dev);\n\tif (flags)\n\t\treturn (EINVAL);\n' +
      '\ta_put(dev);\n\treturn (0);\n}\n',
  );
  fs.writeFileSync(
    path.join(dir, 'b.c'),
    `${HEAD}void c_hold(struct cdev *dev);\n\nvoid\nb_get(struct cdev *dev)\n{\n\tc_hold(dev);\n}\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'c_util.c'),
    `${HEAD}void a_put(struct cdev *dev);\n\nvoid\nc_hold(struct cdev *dev)\n{\n\tdev_ref(dev);\n}\n\n` +
      'void\nc_drop(struct cdev *dev)\n{\n\ta_put(dev);\n}\n',
  );
  return dir;
}

test('a cycle of three files: the first round goes callees first, a file that called against it goes again', () => {
  const dir = cycle();
  const r = runCli(['analyze', dir, '--root', dir, '--no-cache', '--format', 'json', '--jobs', '2']);
  assert.equal(r.status, 1, ended(r));
  const out = JSON.parse(r.stdout) as AnalysisOutput & { summary: RunSummary };
  const tree = out.summary.tree!;
  assert.equal(tree.groups, 1, 'one cycle');
  // round 1: a.c (b.c comes after it), c_util.c (told a_put), b.c (told c_hold); round 2: a.c, told b_get
  assert.equal(tree.visits, 4);
  const leaks = out.files.flatMap((f) =>
    f.diagnostics.filter((d) => d.rule === 'leak').map((d) => `${path.basename(f.path)}:${d.function}`),
  );
  assert.deepEqual(leaks, ['a.c:a_open'], 'the hold two files down is seen from a_open');
});

test("a cycle's rounds over, the workers are told its files will not be visited again", () => {
  const dir = cycle();
  const r = runCli(['analyze', dir, '--root', dir, '--no-cache', '--format', 'json', '--jobs', '2'], {
    env: { REFCOUNT_LENS_TREE_DEBUG: '1' },
  });
  assert.equal(r.status, 1, ended(r));
  const lines = r.stderr.split('\n').filter((l) => /^(visit[<>]|settled) /.test(l));
  // what a worker kept of a file for its next visit (src/workers/revisits.ts) is let go after the last
  assert.deepEqual(
    lines.filter((l) => l.startsWith('settled')),
    ['settled a.c b.c c_util.c'],
  );
  assert.ok(lines.at(-1)?.startsWith('settled'), 'after the last visit');
});

test('a cycle whose summaries never settle: the warnings that read them are information, the others stay', () => {
  // chain_a.c and chain_b.c each take a reference before calling the other: one more every round;
  // ca_two leaks `other` (counted by dev_ref alone: a warning) and `dev` (counted by ca_hold: information);
  // outside.c, no part of the cycle, reads ca_hold() directly (co_open) and through co_hold() (co_open_wrapped)
  const dir = path.join(ROOT, 'test', 'fixtures', 'trees', 'unsettled_cycle');
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-unsettled-'));
  const diagnostics = (out: AnalysisOutput) =>
    out.files.flatMap((f) =>
      f.diagnostics
        .filter((d) => d.rule === 'leak')
        .map((d) => ({ fn: d.function, severity: d.severity, doubt: d.doubt, message: d.message })),
    );
  const runs = [1, 2].map(() => {
    const r = runCli(['analyze', dir, '--root', dir, '--cache-dir', cache, '--format', 'json', '--jobs', '2']);
    assert.equal(r.status, 1, ended(r));
    return JSON.parse(r.stdout) as AnalysisOutput & { summary: RunSummary };
  });
  const [first, again] = runs;
  assert.equal(first.summary.tree!.unsettled, 1, 'the cycle is still changing when its rounds run out');
  const leaks = diagnostics(first);
  assert.deepEqual(
    leaks.map((d) => [d.fn, d.severity, d.doubt]),
    [
      ['ca_open', 'info', { unsettled: 'ca_hold', rounds: 6 }],
      ['ca_plain', 'warning', undefined],
      ['ca_two', 'warning', undefined],
      ['ca_two', 'info', { unsettled: 'ca_hold', rounds: 6 }],
      ['cb_attach', 'warning', undefined],
      ['co_open', 'info', { unsettled: 'ca_hold', rounds: 6 }],
      ['co_open_wrapped', 'info', { unsettled: 'co_hold', rounds: 6 }],
      ['co_pin', 'warning', undefined],
    ],
  );
  assert.match(
    leaks[0].message,
    /ca_hold\(\) rests on a cycle of files whose summaries were still changing after 6 rounds/,
  );
  // the index keeps what was reported: both groups come from it unchanged, outside.c's demoted as before
  assert.equal(again.summary.tree!.fromIndex, 2);
  assert.deepEqual(diagnostics(again), leaks);
});
