/**
 * The inferred-pair quick fix's edit, on real files in a temporary folder: a new model file is
 * created, an existing one keeps its entries, and one that is not JSON is never overwritten.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { inferredPairActions, modelFileFor } from '../../src/server/code-actions';
import { pathToUri } from '../../src/server/settings';
import type { InferredPairReport } from '../../src/analysis/result';

const pair: InferredPairReport = {
  acquire: 'gizmo_get',
  release: 'gizmo_put',
  functions: { gizmo_get: { acquire: 'arg0' }, gizmo_put: { release: 'arg0' } },
};

function withFolder(files: Record<string, string>, body: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-fix-'));
  try {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('no model file yet: the edit creates it with the pair', () =>
  withFolder({ 'g.c': '' }, (dir) => {
    const [action] = inferredPairActions([pair], modelFileFor(pathToUri(path.join(dir, 'g.c')), [dir]));
    const changes = action.edit!.documentChanges!;
    assert.deepEqual(changes[0], {
      kind: 'create',
      uri: pathToUri(path.join(dir, '.refcount-lens.json')),
      options: { ignoreIfExists: true },
    });
    const text = (changes[1] as { edits: { newText: string }[] }).edits[0].newText;
    assert.deepEqual(JSON.parse(text), { functions: pair.functions });
  }));

test('an existing model file keeps its entries; an entry it already has is not replaced', () =>
  withFolder(
    {
      '.refcount-lens.json': JSON.stringify({
        extends: ['linux'],
        functions: { gizmo_put: { release: 'arg0', kind: 'gizmo' } },
      }),
    },
    (dir) => {
      const [action] = inferredPairActions([pair], modelFileFor(pathToUri(path.join(dir, 'sub', 'g.c')), [dir]));
      const change = action.edit!.documentChanges![0] as { edits: { newText: string }[] };
      assert.deepEqual(JSON.parse(change.edits[0].newText), {
        extends: ['linux'],
        functions: { gizmo_put: { release: 'arg0', kind: 'gizmo' }, gizmo_get: { acquire: 'arg0' } },
      });
    },
  ));

test('a model file that is not a JSON object is never overwritten: no quick fix', () => {
  for (const broken of ['{ "functions": ', '[1, 2]']) {
    withFolder({ '.refcount-lens.json': broken }, (dir) => {
      assert.deepEqual(inferredPairActions([pair], modelFileFor(pathToUri(path.join(dir, 'g.c')), [dir])), []);
    });
  }
});
