/**
 * Severity follows evidence: a report that rests on a get/put pair only inferred from names is
 * information, whichever of the compared paths took the inferred step (xnu's judged pattern
 * inferred-pair-not-a-count: `inconsistent` kept warning severity when the path that kept more had
 * no step on the object).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSource, ROOT } from '../helpers/analyzer';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'analysis', 'inferred_release_one_path.c');

test('an inconsistent whose only counted step is an inferred release is information', async () => {
  const r = await analyzeSource(readFileSync(FIXTURE, 'utf8'), 'inferred_release_one_path.c');
  const inc = r.diagnostics.filter((d) => d.rule === 'inconsistent');
  assert.deepEqual(
    inc.map((d) => [d.function, d.object, d.severity, d.inferred]),
    [['tk_maybe_drop', 't', 'info', true]],
  );
});
