/**
 * Which arguments a function-like macro drops (src/analysis/macros.ts droppedMacroArgs), through the
 * real pre-pass: a tree often defines one name once per architecture, and a call drops an argument
 * only where every definition does (xen's ia64 `put_gfn(d, g) ((void)0)` beside x86's call).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { droppedMacroArgs } from '../../src/analysis/macros';
import { prepass } from '../../src/analysis/parse/prepass';

const defines = (text: string) => prepass(text, { defines: new Map() }).defines;

test('a macro that never names an argument drops it; a variadic part it never names drops the rest', () => {
  const drops = droppedMacroArgs(defines('#define DBG(fmt, ...) do { } while (0)\n#define USE(x, y) f(y)\n'));
  assert.deepEqual([...(drops.get('USE')?.dropped ?? [])], [0]);
  assert.deepEqual([...(drops.get('DBG')?.dropped ?? [])], [0]);
  assert.equal(drops.get('DBG')?.restFrom, 1);
});

test('a name defined twice drops an argument only where both definitions drop it, in either order', () => {
  const ia64 = '#define put_obj(d, g) ((void)0)\n';
  const x86 = '#define put_obj(d, g) __put_obj(host_of((d)), (g))\n';
  const half = '#define put_obj(d, g) __forget((g))\n';
  assert.equal(droppedMacroArgs([...defines(ia64), ...defines(x86)]).has('put_obj'), false);
  assert.equal(droppedMacroArgs([...defines(x86), ...defines(ia64)]).has('put_obj'), false);
  assert.deepEqual([...droppedMacroArgs([...defines(ia64), ...defines(half)]).get('put_obj')!.dropped], [0]);
});
