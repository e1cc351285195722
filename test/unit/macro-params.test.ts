/**
 * What a function-like macro does with each argument, read from the definitions as the
 * pre-pass records them (through the real pre-pass, so continuation lines are as in a header).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { prepass } from '../../src/analysis/parse/prepass';
import { macroParams } from '../../src/analysis/tree/macro-params';

function usesOf(header: string) {
  return macroParams(prepass(header, { defines: new Map() }).defines);
}

const SEARCH =
  '#define SETUP_SEARCH(d,p,n) \\\n' +
  '  do { (d)->path = (p); (d)->node = NULL; (d)->nofollow = (n); } while (0)\n' +
  '#define RELEASE_SEARCH(d) \\\n' +
  '  do { if ((d)->buffer != NULL) { kmm_free((d)->buffer); (d)->buffer = NULL; } } while (0)\n';

test('a macro that only touches members hands on those members, and overwrites the ones it assigns', () => {
  const m = usesOf(SEARCH);
  assert.deepEqual(m.get('SETUP_SEARCH')?.[0], {
    written: false,
    whole: false,
    members: [
      { name: 'path', arrow: true, written: true },
      { name: 'node', arrow: true, written: true },
      { name: 'nofollow', arrow: true, written: true },
    ],
  });
  // the members it only reads (`(d)->buffer != NULL`) are not listed; the one it frees and clears is
  assert.deepEqual(m.get('RELEASE_SEARCH')?.[0], {
    written: false,
    whole: false,
    members: [{ name: 'buffer', arrow: true, written: true }],
  });
  // `p` and `n` are read as values: used whole, as an unknown function would be given them
  assert.equal(m.get('SETUP_SEARCH')?.[1].whole, true);
});

test('an argument a macro assigns, directly or through the macros it calls, is written', () => {
  const m = usesOf(
    '#define LL_FOREACH2(head,el,next) for(el=head;el;el=(el)->next)\n' +
      '#define LL_SEARCH_SCALAR2(head,out,field,val,next) \\\n' +
      'do { LL_FOREACH2(head,out,next) { if ((out)->field == (val)) break; } } while(0)\n' +
      '#define LL_SEARCH_SCALAR(head,out,field,val) LL_SEARCH_SCALAR2(head,out,field,val,next)\n',
  );
  const search = m.get('LL_SEARCH_SCALAR');
  assert.ok(search);
  assert.equal(search[1].written, true);
  assert.equal(search[0].written, false);
  // the list head is copied into `out` and `out` tested: the caller's variables keep the object, unless
  // the call gives `out` something else (the call site decides)
  assert.equal(search[0].whole, false);
  assert.deepEqual(search[0].copiedTo, [1]);
  assert.equal(search[1].whole, false);
  // `field` is a member name in the body, never a value: nothing is done with the argument
  assert.deepEqual(search[2], { written: false, whole: false, members: [] });
});

test('what the scan cannot place is a use of the whole argument, and variadic macros are not read', () => {
  const m = usesOf(
    '#define NAME_OF(x) #x\n' +
      '#define CAST_DEV(p) ((struct dev *)(p))->refs\n' +
      '#define LOG(fmt, ...) printf(fmt, __VA_ARGS__)\n' +
      '#define ADDR_OF(p) take(&(p)->lock)\n' +
      '#define PICK(p, q) ({ if ((q) != NULL) return (q); p; })\n' +
      '#define STASH(s, p) do { if (p) (s)->saved = (p); } while (0)\n',
  );
  assert.equal(m.get('NAME_OF')?.[0].whole, true);
  assert.equal(m.get('CAST_DEV')?.[0].whole, true);
  assert.equal(m.has('LOG'), false);
  assert.equal(m.get('ADDR_OF')?.[0].whole, true);
  // a value returned, or left as a statement expression's value, goes out; one stored in a member is kept
  assert.equal(m.get('PICK')?.[0].whole, true);
  assert.equal(m.get('PICK')?.[1].whole, true);
  assert.equal(m.get('STASH')?.[1].whole, true);
});

test('a list insert stores its element through the head; a setter stores its value through the object', () => {
  const m = usesOf(
    '#define Q_NEXT(e, f) ((e)->f.next)\n' +
      '#define Q_INSERT_TAIL(h, e, f) do { \\\n' +
      '  Q_NEXT((e), f) = NULL; *(h)->last = (e); (h)->last = &Q_NEXT((e), f); } while (0)\n' +
      '#define Q_FIRST(h) ((h)->first)\n' +
      '#define Q_INSERT_HEAD(h, e, f) do { Q_NEXT((e), f) = Q_FIRST((h)); Q_FIRST((h)) = (e); } while (0)\n' +
      '#define SET_OWNER(p, o) ((p)->owner = (o))\n',
  );
  const tail = m.get('Q_INSERT_TAIL')!;
  assert.deepEqual(tail[1].storedVia, [0]);
  assert.ok(tail[1].members.length > 0, "the element's link field");
  assert.equal(tail[0].storedVia, undefined);
  assert.deepEqual(m.get('Q_INSERT_HEAD')![1].storedVia, [0]);
  // stored through the object, but none of its own members reached: a setter, which the engine links nowhere
  const owner = m.get('SET_OWNER')!;
  assert.deepEqual(owner[1].storedVia, [0]);
  assert.deepEqual(owner[1].members, []);
});
