/**
 * What a path's facts decide of a test against a named value: the errno family's names stand for
 * distinct numbers, none of them 0, except the pairs that are one number on some kernel.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { decide } from '../../src/analysis/paths/fact-tests';

test('errno names are told apart from 0 and from each other', () => {
  assert.equal(decide({ eq: 'EACCES' }, { op: 'eq', c: 'ESRCH' }), false);
  assert.equal(decide({ eq: 'EACCES' }, { op: 'ne', c: 'ESRCH' }), true);
  assert.equal(decide({ eq: '0' }, { op: 'eq', c: 'ESRCH' }), false);
  assert.equal(decide({ eq: '-EBUSY' }, { op: 'eq', c: '-ENODEV' }), false);
  assert.equal(decide({ eq: '-EBUSY' }, { op: 'eq', c: 'EBUSY' }), false);
  assert.equal(decide({ eq: 'ESRCH' }, { op: 'eq', c: 'ESRCH' }), true);
});

test('errno names that are one number on some kernel stay undecided', () => {
  assert.equal(decide({ eq: 'EWOULDBLOCK' }, { op: 'eq', c: 'EAGAIN' }), undefined);
  assert.equal(decide({ eq: '-EOPNOTSUPP' }, { op: 'eq', c: '-ENOTSUP' }), undefined);
  assert.equal(decide({ eq: 'EDEADLOCK' }, { op: 'ne', c: 'EDEADLK' }), undefined);
});

test('a name outside the errno family is not told apart from another', () => {
  assert.equal(decide({ eq: 'FOO_OK' }, { op: 'eq', c: 'FOO_DONE' }), undefined);
});
