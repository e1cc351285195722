import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildModel } from '../../src/analysis/model/load';
import { parseCondition, parseTarget } from '../../src/analysis/model/compiled';

test('the issue\'s example model file loads', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-model-'));
  const file = path.join(dir, '.refcount-lens.json');
  fs.writeFileSync(file, JSON.stringify({
    extends: ['freebsd'],
    functions: {
      spa_open: { acquire: '*arg1', when: 'ret == 0' },
      spa_close: { release: 'arg0' },
      netmap_unget_na: [{ release: 'arg0' }, { release: 'arg1' }],
      netmap_mem_drop: { release: 'arg0->nm_mem' },
      netmap_mem_find: { acquire: 'ret', when: 'ret != NULL', kind: 'netmap_mem' },
    },
  }, null, 2));
  const { model, problems } = buildModel({ presets: [], files: [file] });
  assert.deepEqual(problems, []);
  assert.equal(model.functions.get('netmap_unget_na')!.length, 2);
  assert.deepEqual(model.functions.get('netmap_mem_drop')![0].target.segs, ['*', '.nm_mem']);
  assert.ok(model.functions.has('dev_ref'), 'extends freebsd');
});

test('a broken model file reports file, line and what is wrong; the rest loads', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-model-'));
  const file = path.join(dir, 'm.json');
  fs.writeFileSync(file, '{\n  "functions": {\n    "good_get": { "acquire": "arg0" },\n    "bad_put": { "release": "argX" },\n    "two": { "acquire": "arg0", "release": "arg0" },\n    "cond": { "acquire": "arg0", "when": "ret is fine" }\n  }\n}\n');
  const { model, problems } = buildModel({ presets: [], files: [file] });
  assert.ok(model.functions.has('good_get'));
  assert.ok(!model.functions.has('bad_put'));
  assert.deepEqual(problems.map((p) => [path.basename(p.file), p.line]), [['m.json', 4], ['m.json', 5], ['m.json', 6]]);
  assert.match(problems[0].message, /bad_put: "argX" is not a target/);
  assert.match(problems[1].message, /exactly one of/);
  assert.match(problems[2].message, /cannot read the condition "ret is fine"/);
});

test('invalid JSON is reported at its line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-model-'));
  const file = path.join(dir, 'm.json');
  fs.writeFileSync(file, '{\n  "functions": {\n    "a": { "acquire": "arg0" }\n    "b": {}\n  }\n}\n');
  const { problems } = buildModel({ presets: ['freebsd'], files: [file] });
  assert.equal(problems.length, 1);
  assert.equal(problems[0].line, 4);
  assert.match(problems[0].message, /not valid JSON: expected ',' or '}'/);
});

test('targets and conditions parse into the documented forms', () => {
  assert.deepEqual(parseTarget('*arg1').segs, ['*']);
  assert.deepEqual(parseTarget('arg0->a->b').segs, ['*', '.a', '*', '.b']);
  assert.equal(parseTarget('ret').base, 'ret');
  assert.deepEqual(parseCondition('ret == 0 && arg0->mda_flags & MAKEDEV_REF').map((a) => a.kind), ['ret', 'flag']);
  assert.deepEqual(parseCondition('!(arg0 & MAKEDEV_REF)')[0], { kind: 'flag', target: parseTarget('arg0'), flag: 'MAKEDEV_REF', negated: true });
  assert.throws(() => parseTarget('foo'), /not a target/);
});

test('both presets load without problems', () => {
  for (const p of ['freebsd', 'linux'] as const) assert.deepEqual(buildModel({ presets: [p] }).problems, [], p);
});
