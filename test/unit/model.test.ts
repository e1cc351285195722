import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel } from '../../src/analysis/model/load';
import { readModelSources } from '../../src/files/model-files';
import { parseCondition, parseTarget } from '../../src/analysis/model/compiled';
import { handsOut, isInferenceCandidate, namesPair, namesPin, pinShape, pinsIn } from '../../src/analysis/infer';

test("the issue's example model file loads", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-model-'));
  const file = path.join(dir, '.refcount-lens.json');
  fs.writeFileSync(
    file,
    JSON.stringify(
      {
        extends: ['freebsd'],
        functions: {
          spa_open: { acquire: '*arg1', when: 'ret == 0' },
          spa_close: { release: 'arg0' },
          netmap_unget_na: [{ release: 'arg0' }, { release: 'arg1' }],
          netmap_mem_drop: { release: 'arg0->nm_mem' },
          netmap_mem_find: { acquire: 'ret', when: 'ret != NULL', kind: 'netmap_mem' },
        },
      },
      null,
      2,
    ),
  );
  const { model, problems } = buildModel({ presets: [], sources: readModelSources([file]) });
  assert.deepEqual(problems, []);
  assert.equal(model.functions.get('netmap_unget_na')!.length, 2);
  assert.deepEqual(model.functions.get('netmap_mem_drop')![0].target.segs, ['*', '.nm_mem']);
  assert.ok(model.functions.has('dev_ref'), 'extends freebsd');
});

const extendsFiles =
  'a model file extends files beside it: read by the caller, loaded before its own entries, ' +
  'a cycle once, a missing one reported';
test(extendsFiles, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-model-'));
  const file = path.join(dir, '.refcount-lens.json');
  fs.mkdirSync(path.join(dir, 'shared'));
  fs.writeFileSync(
    file,
    JSON.stringify({
      extends: ['shared/base.json', 'freebsd', './gone.json'],
      functions: { w_put: { release: 'arg0', kind: 'mine' } },
    }),
  );
  fs.writeFileSync(
    path.join(dir, 'shared', 'base.json'),
    JSON.stringify({
      extends: ['../.refcount-lens.json'],
      functions: { w_get: { acquire: 'arg0' }, w_put: { release: 'arg0', kind: 'base' } },
    }),
  );
  const sources = readModelSources([file]);
  assert.deepEqual(sources.included.map((s) => path.relative(dir, s.file)).sort(), [
    '.refcount-lens.json',
    'gone.json',
    path.join('shared', 'base.json'),
  ]);
  const { model, problems } = buildModel({ presets: [], sources });
  assert.ok(model.functions.has('w_get'), 'the extended file loads');
  assert.ok(model.functions.has('dev_ref'), 'and the preset it names');
  assert.equal(model.functions.get('w_put')![0].kind, 'mine', "the file's own entries override what it extends");
  assert.deepEqual(
    problems.map((p) => [path.relative(dir, p.file), p.line, p.message]),
    [['gone.json', 1, 'cannot read the model file: ENOENT']],
  );
});

test('"says" words a row\'s return classes; a bad class or empty words are reported, a later row replaces them', () => {
  const text = (says: unknown) => JSON.stringify({ functions: { w_find: { lookup: 'ret', says } } });
  const { model, problems } = buildModel({
    presets: [],
    sources: {
      files: [
        {
          file: 'a.json',
          text: text({
            'ret == NULL': 'found nothing',
            'ret != 0': 'found one',
            'arg0 == 0': 'x',
            'ret < 5': 'y',
            'ret == EBUSY': '',
          }),
        },
      ],
      included: [],
    },
  });
  assert.deepEqual(
    [...model.says.get('w_find')!],
    [
      ['== 0', 'found nothing'],
      ['!= 0', 'found one'],
    ],
  );
  assert.deepEqual(
    problems.map((p) => p.message),
    [
      'w_find: "arg0 == 0" is not a return class: write ret == 0, ret != NULL, ret < 0, ret == EBUSY ...',
      'w_find: "ret < 5" is not a return class: write ret == 0, ret != NULL, ret < 0, ret == EBUSY ...',
      'w_find: the words for "ret == EBUSY" are a non-empty string',
    ],
  );
  const later = buildModel({
    presets: [],
    sources: {
      files: [
        { file: 'a.json', text: text({ 'ret == 0': 'found nothing' }) },
        { file: 'b.json', text: JSON.stringify({ functions: { w_find: { lookup: 'ret' } } }) },
      ],
      included: [],
    },
  });
  assert.equal(later.model.says.has('w_find'), false);
  assert.equal(
    buildModel({ presets: ['freebsd'] })
      .model.says.get('clone_create')
      ?.get('!= 0'),
    'found no device',
  );
});

test('a broken model file reports file, line and what is wrong; the rest loads', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-model-'));
  const file = path.join(dir, 'm.json');
  fs.writeFileSync(
    file,
    '{\n' +
      '  "functions": {\n' +
      '    "good_get": { "acquire": "arg0" },\n' +
      '    "bad_put": { "release": "argX" },\n' +
      '    "two": { "acquire": "arg0", "release": "arg0" },\n' +
      '    "cond": { "acquire": "arg0", "when": "ret is fine" }\n' +
      '  }\n' +
      '}\n',
  );
  const { model, problems } = buildModel({ presets: [], sources: readModelSources([file]) });
  assert.ok(model.functions.has('good_get'));
  assert.ok(!model.functions.has('bad_put'));
  assert.deepEqual(
    problems.map((p) => [path.basename(p.file), p.line]),
    [
      ['m.json', 4],
      ['m.json', 5],
      ['m.json', 6],
    ],
  );
  assert.match(problems[0].message, /bad_put: "argX" is not a target/);
  assert.match(problems[1].message, /exactly one of/);
  assert.match(problems[2].message, /cannot read the condition "ret is fine"/);
});

test('invalid JSON is reported at its line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-model-'));
  const file = path.join(dir, 'm.json');
  fs.writeFileSync(file, '{\n  "functions": {\n    "a": { "acquire": "arg0" }\n    "b": {}\n  }\n}\n');
  const { problems } = buildModel({ presets: ['freebsd'], sources: readModelSources([file]) });
  assert.equal(problems.length, 1);
  assert.equal(problems[0].line, 4);
  assert.match(problems[0].message, /not valid JSON: expected ',' or '}'/);
});

test('targets and conditions parse into the documented forms', () => {
  assert.deepEqual(parseTarget('*arg1').segs, ['*']);
  assert.deepEqual(parseTarget('arg0->a->b').segs, ['*', '.a', '*', '.b']);
  assert.equal(parseTarget('ret').base, 'ret');
  assert.deepEqual(
    parseCondition('ret == 0 && arg0->mda_flags & MAKEDEV_REF').map((a) => a.kind),
    ['ret', 'flag'],
  );
  assert.deepEqual(parseCondition('!(arg0 & MAKEDEV_REF)')[0], {
    kind: 'flag',
    target: parseTarget('arg0'),
    flag: 'MAKEDEV_REF',
    negated: true,
  });
  // a field of a struct returned by value is a null test of its own, not a test of the return value
  assert.deepEqual(parseCondition('ret.file != NULL'), [
    { kind: 'null', target: parseTarget('ret.file'), isNull: false },
  ]);
  assert.deepEqual(parseCondition('ret != NULL'), [{ kind: 'ret', test: 'ne0' }]);
  assert.throws(() => parseTarget('foo'), /not a target/);
});

test('both presets load without problems', () => {
  for (const p of ['freebsd', 'linux'] as const) assert.deepEqual(buildModel({ presets: [p] }).problems, [], p);
});

test('linux preset: dentry lookups, d_obtain_alias, POSIX ACLs, inode lookups, MST port malloc refs', () => {
  const { model, problems } = buildModel({ presets: ['linux'] });
  assert.deepEqual(problems, []);
  const ops = (n: string) =>
    (model.functions.get(n) ?? []).map(
      (e) =>
        `${e.op} ${e.target.text}${e.when.length ? ' when' : ''}` +
        `${e.kind ? ` ${e.kind}` : ''}${e.counter ? ` [${e.counter}]` : ''}`,
    );
  for (const n of [
    'lookup_one_len',
    'lookup_one_len_unlocked',
    'lookup_positive_unlocked',
    'lookup_one',
    'lookup_one_unlocked',
    'lookup_one_positive_unlocked',
    'try_lookup_one_len',
    'd_find_alias',
    'd_find_any_alias',
  ]) {
    assert.deepEqual(ops(n), ['acquire ret when dentry'], n);
  }
  assert.deepEqual(ops('dget_dlock'), ['acquire arg0 dentry']);
  assert.equal(model.returnsArgument.get('dget_dlock'), 0);
  // consumes the inode it is given (not NULL), returns a referenced dentry or ERR_PTR
  assert.deepEqual(ops('d_obtain_alias'), ['release arg0 when inode', 'acquire ret when dentry']);
  assert.deepEqual(ops('d_obtain_root'), ops('d_obtain_alias'));
  for (const n of ['get_acl', 'get_inode_acl', 'get_cached_acl'])
    assert.deepEqual(ops(n), ['acquire ret when posix_acl'], n);
  assert.deepEqual(ops('posix_acl_release'), ['release arg0 posix_acl']);
  assert.deepEqual(ops('posix_acl_dup'), ['acquire arg0 posix_acl']);
  assert.equal(model.returnsArgument.get('posix_acl_dup'), 0);
  for (const n of ['ilookup', 'ilookup5', 'iget_locked', 'iget5_locked'])
    assert.deepEqual(ops(n), ['acquire ret when inode'], n);
  assert.deepEqual(ops('drm_dp_mst_get_port_malloc'), ['acquire arg0 drm_dp_mst_port [malloc_kref]']);
  assert.deepEqual(ops('drm_dp_mst_put_port_malloc'), ['release arg0 drm_dp_mst_port [malloc_kref]']);
  for (const n of ['d_is_negative', 'd_inode', 'd_mountpoint']) assert.ok(model.borrows.has(n), n);
});

test('"nullSafe": false marks a release that dereferences its target; anything but a boolean is reported', () => {
  const functions = {
    f_put: { release: 'arg0', nullSafe: false },
    f_forget: { release: 'arg0' },
    f_bad: { release: 'arg0', nullSafe: 'no' },
  };
  const { model, problems } = buildModel({
    presets: [],
    sources: { files: [{ file: 'a.json', text: JSON.stringify({ functions }) }], included: [] },
  });
  assert.equal(model.functions.get('f_put')![0].nullUnsafe, true);
  assert.equal(model.functions.get('f_forget')![0].nullUnsafe, undefined);
  assert.deepEqual(
    problems.map((p) => p.message),
    ['f_bad: nullSafe is true or false'],
  );
});

test('"onlyIf": arguments or result fields a tested result needs; without ret in when, or on ret, reported', () => {
  const functions = {
    f_lookup: { acquire: 'ret', when: 'ret != NULL', onlyIf: 'arg0 != RESERVED_ID' },
    f_always: { acquire: 'arg0', onlyIf: 'arg1 == NULL' },
    f_ret: { acquire: 'ret', when: 'ret != NULL', onlyIf: 'ret != NULL' },
    f_field: { acquire: 'ret', when: 'ret != NULL', onlyIf: 'ret->f_inode != NULL' },
  };
  const { model, problems } = buildModel({
    presets: [],
    sources: { files: [{ file: 'a.json', text: JSON.stringify({ functions }) }], included: [] },
  });
  assert.deepEqual(model.functions.get('f_lookup')![0].onlyIf, [
    { kind: 'const', target: parseTarget('arg0'), name: 'RESERVED_ID', equal: false },
  ]);
  assert.deepEqual(model.functions.get('f_field')![0].onlyIf, [
    { kind: 'null', target: parseTarget('ret->f_inode'), isNull: false },
  ]);
  assert.equal(model.functions.has('f_always'), false);
  assert.deepEqual(
    problems.map((p) => p.message),
    [
      'f_always: onlyIf says when a result is possible: give the test of ret in when',
      "f_ret: onlyIf tests the arguments or a field of ret, not ret itself (that is when's test)",
    ],
  );
});

test('member rows: ->m, ops->m and ops.m are kept as ->ops->m; a malformed one is reported', () => {
  const functions = {
    'ops->send': { release: 'arg1' },
    '.if_output': { release: 'arg1' },
    'dev . netdev_ops->ndo_start_xmit': { release: 'arg0' },
    'ops->': { release: 'arg0' },
    'a..b': { release: 'arg0' },
  };
  const { model, problems } = buildModel({
    presets: [],
    sources: { files: [{ file: 'a.json', text: JSON.stringify({ functions }) }], included: [] },
  });
  assert.deepEqual([...model.functions.keys()], ['->ops->send', '->if_output', '->dev->netdev_ops->ndo_start_xmit']);
  assert.deepEqual(
    problems.map((p) => p.message),
    [
      'ops->: a member row is written ->member, ops->member or ops.member',
      'a..b: a member row is written ->member, ops->member or ops.member',
    ],
  );
});

test('pair inference: which names pair, and isInferenceCandidate covers every half', () => {
  const pairs: [string, string, ReturnType<typeof namesPair>][] = [
    ['foo_get', 'foo_put', 'suffix'],
    ['dget', 'dput', 'suffix'],
    ['sk_hold', 'sk_rele', 'suffix'],
    ['drm_x_get_port_malloc', 'drm_x_put_port_malloc', 'infix'],
    ['__get_user', '__put_user', undefined],
    ['__foo_get_slot', '__foo_put_slot', 'infix'],
    ['batadv_hardif_get_by_netdev', 'batadv_hardif_put', 'lookup'],
    ['batadv_hardif_neigh_get', 'batadv_hardif_neigh_put', 'suffix'],
    ['batadv_neigh_node_get_or_create', 'batadv_neigh_node_put', 'lookup'],
    ['ksmbd_lookup_fd_fast', 'ksmbd_fd_put', 'lookup'],
    ['foo_find_by_id', 'foo_put', 'lookup'],
    ['foo_get', 'bar_put', undefined],
    ['batadv_primary_if_get_selected', 'batadv_hardif_put', undefined],
    ['foo_get_bar', 'foo_put_baz', undefined],
    ['foo_put', 'foo_put', undefined],
    ['get_foo', 'put_foo', undefined],
    ['foo_find', 'foo_unref', 'lookup'],
    ['foo_getattr', 'foo_put', undefined],
  ];
  for (const [a, r, how] of pairs) {
    assert.equal(namesPair(a, r), how, `${a}/${r}`);
    if (how) assert.ok(isInferenceCandidate(a) && isInferenceCandidate(r), `${a}/${r} are candidates`);
  }
  for (const n of ['kfree', 'printk', 'spin_lock', 'memcpy', 'atomic_read'])
    assert.equal(isInferenceCandidate(n), false, n);
});

test('object pins: which names pair as a lock that hands out its object and its unlock, and on which counter', () => {
  const pins: [string, string, string | undefined][] = [
    ['rcu_lock_domain_by_id', 'rcu_unlock_domain', 'rcu_lock'],
    ['rcu_lock_current_domain', 'rcu_unlock_domain', 'rcu_lock'],
    ['rcu_lock_live_remote_domain_by_id', 'rcu_unlock_domain', 'rcu_lock'],
    ['vm_pin_page_range', 'vm_unpin_page', 'vm_pin'],
    // the verb as a suffix is a mutex's
    ['foo_lock', 'foo_unlock', undefined],
    ['spin_lock', 'spin_unlock', undefined],
    // no word before the verb, another object, another prefix
    ['lock_domain', 'unlock_domain', undefined],
    ['rcu_lock_domain_by_id', 'rcu_unlock_vcpu', undefined],
    ['rcu_lock_domain', 'srcu_unlock_domain', undefined],
    ['rcu_unlock_domain', 'rcu_lock_domain', undefined],
  ];
  for (const [a, r, counter] of pins) {
    assert.equal(namesPin(a, r), counter, `${a}/${r}`);
    if (counter) assert.ok(pinShape(a) === 'lock' && pinShape(r) === 'unlock', `${a}/${r} are pin-shaped`);
  }
  // a mutex's names are pin-shaped but no inference candidates: they make no caller relevant by name
  for (const n of ['spin_lock_bh', 'spin_unlock_bh', 'read_lock_irqsave', 'rcu_lock_domain_by_id'])
    assert.equal(isInferenceCandidate(n), false, n);
  assert.equal(pinsIn(['spin_lock_bh', 'spin_unlock_bh', 'x']), true);
  assert.equal(pinsIn(['rcu_lock_domain_by_id', 'rcu_unlock_vcpu']), false);
  assert.equal(handsOut('rcu_lock_domain_by_id', false), true);
  assert.equal(handsOut('spin_lock_bh', true), false);
});

test('assigns: stores with a target and a value index; broken rows are reported at their line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-model-'));
  const file = path.join(dir, 'm.json');
  fs.writeFileSync(
    file,
    '{\n' +
      '  "assigns": {\n' +
      '    "my_store": { "to": "*arg0", "value": 1 },\n' +
      '    "my_swap": { "to": "arg0", "value": 1, "returns": "old" },\n' +
      '    "no_value": { "to": "arg0" },\n' +
      '    "bad_to": { "to": "argX", "value": 1 }\n' +
      '  }\n' +
      '}\n',
  );
  const { model, problems } = buildModel({ presets: [], sources: readModelSources([file]) });
  assert.deepEqual(model.assigns.get('my_store'), { to: parseTarget('*arg0'), value: 1, returnsOld: false });
  assert.equal(model.assigns.get('my_swap')?.returnsOld, true);
  assert.ok(!model.assigns.has('no_value') && !model.assigns.has('bad_to'));
  assert.deepEqual(
    problems.map((p) => p.line),
    [5, 6],
  );
  assert.match(problems[0].message, /no_value: an assignment needs "to"/);
  assert.match(problems[1].message, /bad_to: "argX" is not a target/);
  assert.ok(buildModel({ presets: ['linux'] }).model.assigns.has('rcu_assign_pointer'));
});

test('links: a head argument index or "ret" (a new object the call returns); a bad row is reported', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-model-'));
  const file = path.join(dir, 'm.json');
  fs.writeFileSync(
    file,
    '{\n  "links": {\n    "my_insert": { "into": 1, "value": 2 },\n' +
      '    "my_export": { "into": "ret", "value": 0 },\n    "bad": { "into": "head", "value": 0 }\n  }\n}\n',
  );
  const { model, problems } = buildModel({ presets: [], sources: readModelSources([file]) });
  assert.deepEqual(model.links.get('my_insert'), { into: 1, value: 2 });
  assert.deepEqual(model.links.get('my_export'), { into: 'ret', value: 0 });
  assert.ok(!model.links.has('bad'));
  assert.deepEqual(
    problems.map((p) => p.line),
    [5],
  );
  assert.match(problems[0].message, /bad: a link needs "into"/);
  assert.deepEqual(buildModel({ presets: ['linux'] }).model.links.get('anon_inode_getfile'), { into: 'ret', value: 2 });
});

test('frees: the argument index of the freed pointer; a bad row is reported at its line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-model-'));
  const file = path.join(dir, 'm.json');
  fs.writeFileSync(file, '{\n  "frees": {\n    "my_zone_free": 1,\n    "bad": "arg0"\n  }\n}\n');
  const { model, problems } = buildModel({ presets: [], sources: readModelSources([file]) });
  assert.equal(model.frees.get('my_zone_free'), 1);
  assert.ok(!model.frees.has('bad'));
  assert.deepEqual(
    problems.map((p) => [p.line, p.message]),
    [[4, 'bad: the argument index of the freed pointer (0 for free(p))']],
  );
  assert.equal(buildModel({ presets: ['freebsd'] }).model.frees.get('free'), 0);
  assert.equal(buildModel({ presets: ['linux'] }).model.frees.get('kmem_cache_free'), 1);
});

test('asserts: an argument index or {arg, holds}; a bad row is reported at its line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-model-'));
  const file = path.join(dir, 'm.json');
  const rows = [
    '"MY_ASSERT": 0',
    '"MY_BUG_ON": { "arg": 0, "holds": false }',
    '"bad": "arg0"',
    '"bad2": { "holds": 1 }',
  ];
  fs.writeFileSync(file, `{\n  "asserts": {\n    ${rows.join(',\n    ')}\n  }\n}\n`);
  const { model, problems } = buildModel({ presets: [], sources: readModelSources([file]) });
  assert.deepEqual(model.asserts.get('MY_ASSERT'), { arg: 0, holds: true });
  assert.deepEqual(model.asserts.get('MY_BUG_ON'), { arg: 0, holds: false });
  assert.ok(!model.asserts.has('bad') && !model.asserts.has('bad2'));
  assert.deepEqual(
    problems.map((p) => p.line),
    [5, 6],
  );
  assert.match(problems[0].message, /^bad: the argument index that holds after the call/);
  assert.deepEqual(buildModel({ presets: ['linux'] }).model.asserts.get('BUG_ON'), { arg: 0, holds: false });
  assert.ok(buildModel({ presets: ['linux'] }).model.transparent.has('WARN_ON'));
  assert.equal(buildModel({ presets: ['freebsd'] }).model.asserts.get('KASSERT')?.arg, 0);
});

test('pairedCallbacks: taking field -> dropping field; a bad row is reported at its line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-model-'));
  const file = path.join(dir, 'm.json');
  fs.writeFileSync(file, '{\n  "pairedCallbacks": {\n    "bind": "unbind",\n    "bad": 1\n  }\n}\n');
  const { model, problems } = buildModel({ presets: [], sources: readModelSources([file]) });
  assert.equal(model.pairedCallbacks.get('bind'), 'unbind');
  assert.ok(!model.pairedCallbacks.has('bad'));
  assert.deepEqual(
    problems.map((p) => [p.line, p.message]),
    [[4, 'bad: the field of the callback that drops what it took ("irq_disable")']],
  );
  assert.equal(buildModel({ presets: ['linux'] }).model.pairedCallbacks.get('irq_enable'), 'irq_disable');
});

test('handles: the argument index of the object a handle is made from; a bad row is reported at its line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-model-'));
  const file = path.join(dir, 'm.json');
  fs.writeFileSync(file, '{\n  "handles": {\n    "page_to_mfn": 0,\n    "bad": "arg0"\n  }\n}\n');
  const { model, problems } = buildModel({ presets: [], sources: readModelSources([file]) });
  assert.equal(model.handles.get('page_to_mfn'), 0);
  assert.ok(!model.handles.has('bad'));
  assert.deepEqual(
    problems.map((p) => [p.line, p.message]),
    [[4, 'bad: a handle names the argument it is made from by its index (0, 1, ...)']],
  );
});
