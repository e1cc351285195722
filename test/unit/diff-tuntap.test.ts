/**
 * The acceptance check of issue 13 on the real FreeBSD sys/net/if_tuntap.c before and after the
 * 2025 fix. The sources are not ours to keep in the repository: set REFCOUNT_LENS_TUNTAP to a
 * directory holding the two revisions as before.c and after.c (the test is skipped without it).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, ended } from '../helpers/cli';

const dir = process.env.REFCOUNT_LENS_TUNTAP;
const before = dir && path.join(dir, 'before.c');
const after = dir && path.join(dir, 'after.c');
const skip =
  !before || !after || !fs.existsSync(before) || !fs.existsSync(after)
    ? 'set REFCOUNT_LENS_TUNTAP to a directory with the two if_tuntap.c revisions (before.c, after.c)'
    : false;

test('if_tuntap.c: *dev of tunclone from {0, +1, +3} to {0, +1, +2}, two problems fixed, the jail removed', {
  skip,
}, () => {
  const r = runCli(['diff', before!, after!, '--format', 'json']);
  assert.equal(r.status, 0, ended(r));
  const j = JSON.parse(r.stdout);
  const tunclone = j.functions.find((f: { name: string }) => f.name === 'tunclone');
  const dev = tunclone.objects.find((o: { object: string }) => o.object === '*dev');
  assert.deepEqual(
    [dev.before, dev.after],
    [
      [0, 1, 3],
      [0, 1, 2],
    ],
  );
  assert.deepEqual(
    j.diagnostics.fixed.map((d: { rule: string; function: string }) => `${d.rule} ${d.function}`).sort(),
    ['contract tunclone', 'leak tun_clone_create'],
  );
  assert.deepEqual(j.diagnostics.introduced, []);
  const jail = j.trace.find((t: { scenario: string }) => t.scenario === 'vnet-jail-devfs-clone');
  assert.deepEqual(
    [jail.before.states[0].state, jail.after.states.map((s: { state: string }) => s.state)],
    ['dying', ['freed', 'removed']],
  );
  assert.match(jail.before.verdicts[0], /^jail test stays DYING/);
  assert.match(jail.after.verdicts.join(' '), /jail test removed/);

  const back = runCli(['diff', after!, before!]);
  assert.equal(back.status, 1, ended(back));
  assert.match(back.stdout, /introduced \(2\)/);
});
