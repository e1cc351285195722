/**
 * The index's packs (src/index/store.ts): entries another store writes are found when missing, a damaged
 * payload is taken as missing and the entry made again is read before it, a record cut short is none, and a
 * pack left open by a process that is gone is renamed done.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INDEX_FORMAT, IndexStore, indexRecords } from '../../src/index/store';

const KEY = 'ab'.repeat(32);
const OTHER = 'cd'.repeat(32);

function dir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'rl-store-'));
}

test('an entry is read from memory until written, then from its pack; another store finds it', async () => {
  const d = dir();
  const a = new IndexStore(d);
  const b = new IndexStore(d);
  assert.equal(b.get('visit', KEY), undefined, 'b has looked once before a writes');
  assert.ok(a.put('visit', KEY, { exports: { f: 1 } }));
  assert.deepEqual(a.get('visit', KEY), { exports: { f: 1 } });
  await a.flush();
  assert.deepEqual(a.get('visit', KEY), { exports: { f: 1 } });
  assert.deepEqual(b.get('visit', KEY), { exports: { f: 1 } }, 'the grown pack is read again on a miss');
  assert.equal(b.get('group', KEY), undefined, 'kinds are apart');
  a.put('group', OTHER, [1, 2]);
  await a.flush();
  assert.deepEqual(b.get('group', OTHER), [1, 2]);
  assert.equal(indexRecords(d).length, 2, 'one pack, two records');
  assert.equal(fs.readdirSync(path.join(d, `v${INDEX_FORMAT}`)).length, 1);
});

test('a damaged payload is missing; the entry made again is read before it; a record cut short is none', async () => {
  const d = dir();
  const a = new IndexStore(d);
  a.put('result', KEY, { n: 1 });
  a.put('result', OTHER, { n: 2 });
  await a.flush();
  const [first, second] = indexRecords(d);
  const bytes = fs.readFileSync(first.file);
  bytes[first.offset + 2] = 'm'.charCodeAt(0);
  fs.writeFileSync(first.file, bytes.subarray(0, second.offset + 3));
  const b = new IndexStore(d);
  assert.equal(b.get('result', KEY), undefined);
  assert.equal(b.stats.torn, 1);
  assert.equal(b.get('result', OTHER), undefined);
  assert.equal(b.stats.torn, 1, 'cut short: missing, not damaged');
  b.put('result', KEY, { n: 1 });
  await b.flush();
  const c = new IndexStore(d);
  assert.deepEqual(c.get('result', KEY), { n: 1 });
  assert.equal(c.stats.torn, 0, 'the newer record is read first');
});

test('a pack left open by a process that is gone is renamed done; its whole records are read', async () => {
  const d = dir();
  const a = new IndexStore(d);
  a.put('shard', KEY, 'text');
  await a.flush();
  const [open] = fs.readdirSync(path.join(d, `v${INDEX_FORMAT}`));
  assert.match(open, /\.open$/, 'open while its writer lives');
  // as a killed writer leaves it: another pid (none is 2^22 + 1 on Linux), a record begun and not ended
  const gone = open.replace(/-\d+-/, `-${2 ** 22 + 1}-`);
  fs.renameSync(path.join(d, `v${INDEX_FORMAT}`, open), path.join(d, `v${INDEX_FORMAT}`, gone));
  fs.appendFileSync(path.join(d, `v${INDEX_FORMAT}`, gone), `{"format":${INDEX_FORMAT},"kind":"shard"`);
  const b = new IndexStore(d);
  assert.equal(b.get('shard', KEY), 'text');
  assert.deepEqual(fs.readdirSync(path.join(d, `v${INDEX_FORMAT}`)), [gone.replace(/\.open$/, '.pack')]);
});
